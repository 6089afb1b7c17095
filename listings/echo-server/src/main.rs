//! echo-server: an echo server that serves one client at a time. Shown in the
//! Sockets chapter; run it with `cargo run -p echo-server` and connect with
//! `cargo run -p echo-client`.

use anyhow::{Context, Result, anyhow};
use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::ExitCode;
use std::thread;
use std::time::Duration;

const DEFAULT_ADDR: &str = "127.0.0.1:12345";

// ANCHOR: main
fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
// ANCHOR_END: main

// ANCHOR: run
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

    loop {
        // Like Python's `conn, addr = s.accept()`: the connection and who it is.
        let (stream, peer) = match listener.accept() {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors, for one. Wait a little instead of
                // spinning.
                eprintln!("cannot accept a connection: {e}");
                thread::sleep(Duration::from_millis(100));
                continue;
            }
        };
        println!("{peer} connected");
        match echo(stream) {
            Ok(bytes) => println!("{peer} disconnected after {bytes} bytes"),
            Err(e) => println!("{peer} disconnected: {e:#}"),
        }
    }
}
// ANCHOR_END: run

// ANCHOR: echo
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
// ANCHOR_END: echo
