//! Sends a file to an echo server and checks that every byte came back unchanged:
//! `send-file FILE [--addr ADDRESS]`.

use anyhow::{Context, Result};

fn main() -> Result<()> {
    let (path, addr) = options()?;
    let file =
        std::fs::read(&path).with_context(|| format!("cannot read {path}"))?;
    send_and_check(&file, &addr)?;
    println!("sent {} bytes, got them all back unchanged", file.len());
    Ok(())
}

/// Sends `file` to the echo server at `addr`, reads the echo and compares.
fn send_and_check(file: &[u8], addr: &str) -> Result<()> {
    // Your task: connect, send the whole file, tell the server you are done, read
    // everything it sends back, and compare. Say clearly what went wrong, if anything.
    // See the exercise in the Sockets chapter for the rules and hints.
    todo!("send {} bytes to {addr} and check the echo", file.len())
}

/// `FILE [--addr ADDRESS]`, the book's echo server address unless told otherwise.
fn options() -> Result<(String, String)> {
    let mut args = std::env::args().skip(1);
    let (mut path, mut addr) = (None, "127.0.0.1:12345".to_string());
    while let Some(arg) = args.next() {
        if arg == "--addr" {
            addr = args.next().context("--addr needs an address")?;
        } else {
            path = Some(arg);
        }
    }
    let path = path.context("usage: send-file FILE [--addr ADDRESS]")?;
    Ok((path, addr))
}
