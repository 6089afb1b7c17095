//! Serves the rendered book over HTTP on loopback: `cargo xtask serve` for a reader, and
//! the browser test (tests/browser.rs) for Chromium.
//!
//! A static site on loopback needs very little HTTP: read a request, send a file, close.
//! (tiny_http did this before, but its connection pool could leave a browser's new
//! connection queued behind idle keep-alive ones: a stylesheet arrived 30 seconds late.)

use std::fs;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Answers every connection to `listener` with a file under `dest`, each on its own
/// thread, one request per connection. A path with no file gets its edition's `404.html`
/// (`/ko/...` the Korean one) with the status 404, as a static host serves it.
pub fn serve(listener: &TcpListener, dest: &Path) {
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let dest = dest.to_path_buf();
        std::thread::spawn(move || {
            // A client that goes away mid-request costs it nothing but its own answer.
            let _ = answer(stream, &dest);
        });
    }
}

fn answer(mut stream: TcpStream, dest: &Path) -> io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    // The request line, then headers up to the empty line; 64 KiB at most.
    let mut request = BufReader::new((&stream).take(64 * 1024));
    let mut first = String::new();
    request.read_line(&mut first)?;
    let mut line = String::new();
    while request.read_line(&mut line)? > 0 && !line.trim().is_empty() {
        line.clear();
    }
    let mut words = first.split_whitespace();
    let (method, url) = (words.next().unwrap_or(""), words.next().unwrap_or("/"));

    let (status, file) = match file_for(dest, url) {
        Some(file) => ("200 OK", file),
        None => ("404 Not Found", not_found_page(dest, url)),
    };
    let body = match method {
        "GET" | "HEAD" => fs::read(&file).unwrap_or_else(|_| b"404 not found".to_vec()),
        _ => {
            return write!(
                stream,
                "HTTP/1.1 405 Method Not Allowed\r\nConnection: close\r\n\r\n"
            );
        }
    };
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        content_type(&file),
        body.len()
    )?;
    if method == "GET" {
        stream.write_all(&body)?;
    }
    stream.flush()
}

/// The file under `dest` that a URL path names, if there is one; never a file outside it.
fn file_for(dest: &Path, url: &str) -> Option<PathBuf> {
    let path = url.split(['?', '#']).next().unwrap_or("/");
    let path = percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .ok()?;
    if path.split('/').any(|part| part == "..") {
        return None;
    }
    let mut file = dest.join(path.trim_start_matches('/'));
    if file.is_dir() {
        file.push("index.html");
    }
    file.is_file().then_some(file)
}

/// The 404 page of the edition a URL is in; the English one outside both.
fn not_found_page(dest: &Path, url: &str) -> PathBuf {
    let lang = if url.starts_with("/ko/") { "ko" } else { "en" };
    dest.join(lang).join("404.html")
}

fn content_type(file: &Path) -> &'static str {
    match file.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "txt" | "rs" | "toml" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}
