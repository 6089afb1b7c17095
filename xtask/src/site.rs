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
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// Answers every connection to `listener` with a file under `dest`, each on its own
/// thread, one request per connection. A path with no file gets its edition's `404.html`
/// (`/ko/...` the Korean one) with the status 404, as a static host serves it.
pub fn serve(listener: &TcpListener, dest: &Path) {
    serve_with(listener, dest, None);
}

/// [`serve`], and with `builds`, live reload for `cargo xtask serve`: every page gets a
/// small script that asks `/__builds` once a second how the latest build went, reloads
/// when a newer one has finished, and shows the error of one that failed.
pub fn serve_with(listener: &TcpListener, dest: &Path, builds: Option<Arc<Builds>>) {
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let dest = dest.to_path_buf();
        let builds = builds.clone();
        std::thread::spawn(move || {
            // A client that goes away mid-request costs it nothing but its own answer.
            let _ = answer(stream, &dest, builds.as_deref());
        });
    }
}

/// How the builds of `cargo xtask serve` went: how many succeeded, and the error of the
/// latest if it failed (the pages on disk are then still those of the last good build).
#[derive(Default)]
pub struct Builds(Mutex<(u64, Option<String>)>);

impl Builds {
    /// Records a finished build.
    pub fn finished(&self, result: &anyhow::Result<()>) {
        let mut state = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        match result {
            Ok(()) => *state = (state.0 + 1, None),
            Err(e) => state.1 = Some(format!("{e:#}")),
        }
    }

    fn json(&self) -> String {
        let state = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        serde_json::json!({"good": state.0, "error": state.1}).to_string()
    }

    fn good(&self) -> u64 {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).0
    }
}

/// The script `cargo xtask serve` adds to every page; `GOOD` is the build it comes from.
const RELOAD_SCRIPT: &str = r#"<script>
// Added by `cargo xtask serve`, not part of the book: reload when a newer build is ready,
// and show the error of a build that failed.
(function () {
  var page = GOOD;
  function show(error) {
    var box = document.getElementById("xtask-build-error");
    if (!box) {
      box = document.createElement("pre");
      box.id = "xtask-build-error";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;z-index:1000;top:0;left:0;right:0;" +
        "max-height:60vh;overflow:auto;margin:0;padding:1em;white-space:pre-wrap;" +
        "background:#fff0f0;color:#8b0000;border-bottom:3px solid #8b0000;font-size:14px";
      document.body.appendChild(box);
    }
    var korean = document.documentElement.lang === "ko";
    box.textContent = (korean
      ? "책을 다시 만들지 못했습니다. 아래 페이지는 마지막으로 성공한 빌드입니다.\n\n"
      : "The book did not build; the page below is from the last build that did.\n\n") + error;
  }
  function ask() {
    fetch("/__builds", { cache: "no-store" })
      .then(function (answer) { return answer.json(); })
      .then(function (builds) {
        if (builds.good !== page) { location.reload(); return; }
        var box = document.getElementById("xtask-build-error");
        if (builds.error) { show(builds.error); } else if (box) { box.remove(); }
        setTimeout(ask, 1000);
      })
      .catch(function () { setTimeout(ask, 1000); });
  }
  setTimeout(ask, 1000);
})();
</script>
"#;

fn answer(mut stream: TcpStream, dest: &Path, builds: Option<&Builds>) -> io::Result<()> {
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

    if let Some(builds) = builds.filter(|_| url.split('?').next() == Some("/__builds")) {
        let json = builds.json();
        return write!(
            stream,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nCache-Control: no-store\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{json}",
            json.len()
        );
    }
    let (status, file) = match file_for(dest, url) {
        Some(file) => ("200 OK", file),
        None => ("404 Not Found", not_found_page(dest, url)),
    };
    // The build number is read before the file: a build finishing in between makes the
    // page reload once more, never miss a newer build.
    let good = builds.map(Builds::good);
    let mut body = match method {
        "GET" | "HEAD" => fs::read(&file).unwrap_or_else(|_| b"404 not found".to_vec()),
        _ => {
            return write!(
                stream,
                "HTTP/1.1 405 Method Not Allowed\r\nConnection: close\r\n\r\n"
            );
        }
    };
    if let Some(good) = good.filter(|_| content_type(&file).starts_with("text/html")) {
        let script = RELOAD_SCRIPT.replace("GOOD", &good.to_string());
        let html = String::from_utf8_lossy(&body);
        let at = html.rfind("</body>").unwrap_or(html.len());
        body = format!("{}{script}{}", &html[..at], &html[at..]).into_bytes();
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// Sends one raw request to a server on `addr` and returns everything it answered.
    fn ask(addr: std::net::SocketAddr, request: &str) -> String {
        let mut stream = TcpStream::connect(addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        stream.write_all(request.as_bytes()).expect("send");
        let mut answer = String::new();
        stream
            .read_to_string(&mut answer)
            .expect("the server closes");
        answer
    }

    #[test]
    fn files_404_pages_and_nothing_outside_the_folder() {
        let dest = std::env::temp_dir().join(format!("xtask-site-{}", std::process::id()));
        for lang in ["ko", "en"] {
            fs::create_dir_all(dest.join(lang)).expect("folder");
            fs::write(dest.join(lang).join("404.html"), format!("{lang} missing")).expect("404");
        }
        fs::write(dest.join("ko/스레드.html"), "<p>page</p>").expect("page");
        fs::write(dest.join("ko/index.html"), "front").expect("index");
        let outside = dest.with_extension("secret");
        fs::write(&outside, "secret").expect("outside");

        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let addr = listener.local_addr().expect("address");
        let served = dest.clone();
        std::thread::spawn(move || serve(&listener, &served));

        let page = ask(
            addr,
            "GET /ko/%EC%8A%A4%EB%A0%88%EB%93%9C.html HTTP/1.1\r\nHost: x\r\n\r\n",
        );
        assert!(page.starts_with("HTTP/1.1 200 OK\r\n"), "{page}");
        assert!(
            page.contains("Content-Type: text/html; charset=utf-8\r\n"),
            "{page}"
        );
        assert!(page.ends_with("\r\n\r\n<p>page</p>"), "{page}");
        assert!(ask(addr, "GET /ko/ HTTP/1.1\r\n\r\n").ends_with("front"));

        let missing = ask(addr, "GET /ko/nothing.html HTTP/1.1\r\n\r\n");
        assert!(
            missing.starts_with("HTTP/1.1 404 Not Found\r\n") && missing.ends_with("ko missing")
        );
        assert!(ask(addr, "GET /nothing HTTP/1.1\r\n\r\n").ends_with("en missing"));
        let name = outside.file_name().and_then(|n| n.to_str()).expect("name");
        let escape = ask(addr, &format!("GET /ko/../../{name} HTTP/1.1\r\n\r\n"));
        assert!(!escape.contains("secret"), "{escape}");

        let head = ask(addr, "HEAD /ko/index.html HTTP/1.1\r\n\r\n");
        assert!(
            head.starts_with("HTTP/1.1 200 OK\r\n")
                && head.ends_with("Content-Length: 5\r\nConnection: close\r\n\r\n"),
            "{head}"
        );
        assert!(ask(addr, "POST /ko/ HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 405"));

        let _ = fs::remove_dir_all(&dest);
        let _ = fs::remove_file(&outside);
    }
}
