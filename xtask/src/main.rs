//! `cargo xtask build | serve | exercises | hint | outputs | bench`: the chores of the book, in Rust, with no tools
//! to install beyond cargo.

use anyhow::{Context, Result, bail};
use std::path::Path;
use std::process::Command;
use xtask::course::{self, Course, Lang};

mod bench;

const USAGE: &str = "\
usage: cargo xtask <command>

  build [--site-url URL]   render both editions into book/ko, book/en and book/index.html
  serve [--port N]         build, serve book/ on http://127.0.0.1:3000 and rebuild on change
  exercises [--lang ko|en] every exercise's state, your progress and what to do next
  exercises --watch NAME   rerun that exercise's tests each time you save its files
  hint NAME                the exercise's next hint, one more each time you ask
  outputs                  rerun the programs whose output the book shows; refresh those files
  bench [--quick]          measure every echo server with echo-bench (release, loopback)
  bench --redraw           draw the Measuring chapter's tables and plots from the results
  bench --idle             what 1,000 idle connections cost each concurrent server (Linux)";

/// Runs the command; an error is printed as one line, with its causes, and exit code 1
/// (not `Result`'s debug form, which with `RUST_BACKTRACE` set adds a backtrace).
fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> Result<()> {
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
        Some(command @ ("exercises" | "hint")) => {
            // Options anywhere after the command: `--lang ko`, and `--watch NAME`.
            let mut lang = None;
            let mut watch = None;
            let mut names = Vec::new();
            let mut rest = args[1..].iter();
            while let Some(arg) = rest.next() {
                match arg.as_str() {
                    "--lang" => lang = Some(rest.next().context("--lang takes ko or en")?),
                    "--watch" if command == "exercises" => {
                        let name = rest.next().filter(|n| !n.starts_with("--"));
                        watch = Some(name.context("--watch takes an exercise's name")?);
                    }
                    _ if arg.starts_with("--") => bail!("{USAGE}"),
                    _ => names.push(arg),
                }
            }
            let course = Course::new(&root, Lang::choose(lang.map(String::as_str))?);
            let mut out = std::io::stdout();
            match (command, watch, names.as_slice()) {
                ("exercises", Some(name), []) => course::watch(&course, name, None, &mut out),
                ("exercises", None, []) => course::status(&course, &mut out).map(drop),
                ("hint", None, [name]) => {
                    println!("{}", course::hint(&course, name)?);
                    Ok(())
                }
                _ => bail!("{USAGE}"),
            }
        }
        Some("outputs") => outputs(&root),
        Some("bench") => match args.get(1).map(String::as_str) {
            None => bench::bench(&root, false),
            Some("--quick") => bench::bench(&root, true),
            Some("--redraw") => bench::redraw(&root),
            Some("--idle") => bench::idle(&root),
            Some(_) => bail!("{USAGE}"),
        },
        _ => bail!("{USAGE}"),
    }
}

/// Serves `book/` on loopback, rebuilds whenever a source file changes, and reloads the
/// open pages (xtask::serve).
fn serve(root: &Path, port: u16) -> Result<()> {
    let addr = format!("127.0.0.1:{port}");
    let listener = std::net::TcpListener::bind(&addr)
        .with_context(|| format!("cannot listen on {addr}; pass another port with --port"))?;
    // With --port 0 the system picks the port; serve says which.
    xtask::serve(root, &root.join("book"), listener, |line| {
        println!("{line}")
    })
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
