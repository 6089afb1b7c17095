//! `cargo xtask build | serve | outputs`: the chores of the book, in Rust, with no tools
//! to install beyond cargo.

use anyhow::{Context, Result, bail};
use notify::{RecursiveMode, Watcher};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

mod bench;

const USAGE: &str = "\
usage: cargo xtask <command>

  build [--site-url URL]   render both editions into book/ko, book/en and book/index.html
  serve [--port N]         build, serve book/ on http://127.0.0.1:3000 and rebuild on change
  outputs                  rerun the programs whose output the book shows; refresh those files
  bench [--quick]          measure every echo server with echo-bench (release, loopback)
  bench --redraw           draw the Measuring chapter's tables and plots from the results";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .context("xtask lives inside the repository")?
        .to_path_buf();
    let option = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    match args.first().map(String::as_str) {
        Some("build") => {
            xtask::build(&root, &root.join("book"), option("--site-url").as_deref())?;
            println!("built {}", root.join("book").display());
            Ok(())
        }
        Some("serve") => {
            let port = option("--port").unwrap_or_else(|| "3000".into());
            serve(&root, port.parse().context("--port takes a number")?)
        }
        Some("outputs") => outputs(&root),
        Some("bench") => match args.get(1).map(String::as_str) {
            None => bench::bench(&root, false),
            Some("--quick") => bench::bench(&root, true),
            Some("--redraw") => bench::redraw(&root),
            Some(_) => bail!("{USAGE}"),
        },
        _ => bail!("{USAGE}"),
    }
}

/// Serves `book/` on loopback and rebuilds whenever a source file changes.
fn serve(root: &Path, port: u16) -> Result<()> {
    let dest = root.join("book");
    xtask::build(root, &dest, None)?;
    let addr = format!("127.0.0.1:{port}");
    let server = tiny_http::Server::http(&addr).map_err(|e| {
        anyhow::anyhow!("cannot listen on {addr} ({e}); pass another port with --port")
    })?;
    println!("serving the book on http://{addr}/ (Ctrl-C to stop)");

    let (tx, rx) = mpsc::channel();
    let mut watcher = notify::recommended_watcher(tx)?;
    for path in ["src", "theme", "listings", "book.toml"] {
        watcher.watch(&root.join(path), RecursiveMode::Recursive)?;
    }
    let root_for_builds = root.to_path_buf();
    let dest_for_builds = dest.clone();
    std::thread::spawn(move || {
        let is_source = |event: &notify::Result<notify::Event>| {
            let Ok(event) = event else { return false };
            !event.kind.is_access()
                && event
                    .paths
                    .iter()
                    .all(|p| !p.components().any(|c| c.as_os_str() == "target"))
        };
        while let Ok(event) = rx.recv() {
            if !is_source(&event) {
                continue;
            }
            // Editors write a file in several steps: wait until the changes settle.
            while rx.recv_timeout(Duration::from_millis(300)).is_ok() {}
            match xtask::build(&root_for_builds, &dest_for_builds, None) {
                Ok(()) => println!("rebuilt; reload the page"),
                Err(e) => eprintln!("build failed: {e:#}"),
            }
        }
    });

    for request in server.incoming_requests() {
        let response = match file_for(&dest, request.url()) {
            Some(file) => {
                let mut response = tiny_http::Response::from_file(fs::File::open(&file)?);
                let header = format!("Content-Type: {}", content_type(&file));
                if let Ok(header) = header.parse::<tiny_http::Header>() {
                    response.add_header(header);
                }
                request.respond(response)
            }
            None => request
                .respond(tiny_http::Response::from_string("404 not found").with_status_code(404)),
        };
        if let Err(e) = response {
            eprintln!("cannot answer a request: {e}");
        }
    }
    Ok(())
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

/// Reruns the programs whose output the book shows and rewrites the files beside them.
/// The listings' `shown_output` tests do the work: with `UPDATE_OUTPUTS` set they write
/// what the program printed instead of comparing it.
fn outputs(root: &Path) -> Result<()> {
    let status = Command::new(env!("CARGO"))
        .args(["test", "--quiet", "--workspace", "shown_output"])
        .env("UPDATE_OUTPUTS", "1")
        .current_dir(root)
        .status()
        .context("cannot run cargo test")?;
    if !status.success() {
        bail!("capturing the outputs failed ({status})");
    }
    println!("refreshed the shown outputs; review them with `git diff listings/`");
    Ok(())
}
