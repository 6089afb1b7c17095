//! echo-server-spawn: the Sockets chapter's echo server with one change, each client
//! served on a thread of its own. Shown in the Concurrent servers chapter, which then
//! adds what it lacks; run it with `cargo run -p echo-server-spawn`.

use anyhow::{Context, Result, anyhow};
use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::ExitCode;
use std::thread;
use std::time::Duration;

const DEFAULT_ADDR: &str = "127.0.0.1:12345";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<()> {
    let addr = std::env::args().nth(1).unwrap_or(DEFAULT_ADDR.to_string());
    let listener = TcpListener::bind(&addr).map_err(|e| match e.kind() {
        ErrorKind::AddrInUse => {
            anyhow!("address {addr} is already in use; pass another address")
        }
        ErrorKind::InvalidInput => anyhow!(e).context(format!(
            "`{addr}` is not an address like {DEFAULT_ADDR} or localhost:12345"
        )),
        _ => anyhow!(e).context(format!("cannot listen on {addr}")),
    })?;
    println!("listening on {}", listener.local_addr()?);

    // ANCHOR: accept
    loop {
        let (stream, peer) = match listener.accept() {
            Ok(accepted) => accepted,
            Err(e) => {
                eprintln!("cannot accept a connection: {e}");
                thread::sleep(Duration::from_millis(100));
                continue;
            }
        };
        println!("{peer} connected");
        // The one change: a thread of its own for each client, and straight back
        // to `accept`.
        thread::spawn(move || match echo(stream) {
            Ok(bytes) => println!("{peer} disconnected after {bytes} bytes"),
            Err(e) => println!("{peer} disconnected: {e:#}"),
        });
    }
    // ANCHOR_END: accept
}

/// Sends back every byte the client sends, until the client closes its side.
fn echo(mut stream: TcpStream) -> Result<u64> {
    let mut buf = [0; 4096];
    let mut total = 0;
    loop {
        let n = match stream.read(&mut buf) {
            Ok(0) => return Ok(total), // end of stream: the client is done sending
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e).context("cannot read from the client"),
        };
        stream
            .write_all(&buf[..n])
            .context("cannot send the echo back")?;
        total += n as u64;
    }
}
