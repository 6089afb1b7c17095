//! Serves the rendered book over HTTP on loopback: `cargo xtask serve` for a reader, and
//! the browser test (tests/browser.rs) for Chromium.

use std::fs;
use std::path::{Path, PathBuf};

/// Answers every request to `server` with a file under `dest` until the server is dropped.
/// A path with no file gets its edition's `404.html` (`/ko/...` the Korean one) with the
/// status 404, as a static host serves it.
pub fn serve(server: &tiny_http::Server, dest: &Path) {
    for request in server.incoming_requests() {
        let (file, status) = match file_for(dest, request.url()) {
            Some(file) => (file, 200),
            None => (not_found_page(dest, request.url()), 404),
        };
        let response = match fs::File::open(&file) {
            Ok(body) => {
                let mut response = tiny_http::Response::from_file(body).with_status_code(status);
                let header = format!("Content-Type: {}", content_type(&file));
                if let Ok(header) = header.parse::<tiny_http::Header>() {
                    response.add_header(header);
                }
                request.respond(response)
            }
            Err(_) => request
                .respond(tiny_http::Response::from_string("404 not found").with_status_code(404)),
        };
        if let Err(e) = response {
            eprintln!("cannot answer a request: {e}");
        }
    }
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
