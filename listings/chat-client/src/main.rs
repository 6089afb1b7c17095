//! chat-client: a terminal client for chat-server that sends what you type and
//! prints what the others say. Shown in the Concurrent servers chapter; start
//! `chat-server`, then `cargo run -p chat-client`.

use anyhow::{Context, Result, anyhow, bail};
use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::process::ExitCode;
use std::thread;

const DEFAULT_ADDR: &str = "127.0.0.1:12345";
const USAGE: &str = "usage: chat-client [--addr ADDRESS]";

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
    let mut addr = DEFAULT_ADDR.to_string();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--addr" => addr = args.next().context(USAGE)?,
            _ => bail!("unknown argument {arg}; {USAGE}"),
        }
    }
    let stream = TcpStream::connect(&addr).map_err(|e| match e.kind() {
        ErrorKind::ConnectionRefused => {
            anyhow!(
                "cannot connect to {addr}: connection refused; \
                 is the server running?"
            )
        }
        ErrorKind::InvalidInput => anyhow!(e).context(format!(
            "`{addr}` is not an address like {DEFAULT_ADDR} or localhost:12345"
        )),
        _ => anyhow!(e).context(format!("cannot connect to {addr}")),
    })?;

    // A second thread sends what you type. It has its own handle to the connection,
    // so that it can outlive this function's borrow of `stream`.
    let sending = stream.try_clone()?;
    thread::spawn(move || {
        let mut buf = [0; 4096];
        let mut stdin = io::stdin();
        while let Ok(n @ 1..) = stdin.read(&mut buf) {
            if (&sending).write_all(&buf[..n]).is_err() {
                break; // the server has gone; the printing side reports it
            }
        }
        // End of input: tell the server we are done, and let it say goodbye.
        let _ = sending.shutdown(Shutdown::Write);
    });

    // This thread prints what the server sends until it closes the connection. Then
    // `main` returns, which ends the program, and with it the sending thread if it
    // is still waiting for input.
    io::copy(&mut &stream, &mut io::stdout().lock())
        .context("lost the connection")?;
    Ok(())
}
