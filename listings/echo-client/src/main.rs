//! echo-client: sends what you type, or pipe in, to an echo server and prints what
//! comes back. Shown in the Sockets chapter; start `echo-server`, then
//! `cargo run -p echo-client`.

use anyhow::{Context, Result, anyhow, bail};
use std::io::{self, ErrorKind, IsTerminal, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::process::ExitCode;
use std::thread;

const DEFAULT_ADDR: &str = "127.0.0.1:12345";
const USAGE: &str = "usage: echo-client [--addr ADDRESS] [--interactive] [WORDS...]";

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
    let mut interactive = false;
    let mut words = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--addr" => addr = args.next().context(USAGE)?,
            "--interactive" => interactive = true,
            "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            _ if arg.starts_with("--") => bail!("unknown option {arg}; {USAGE}"),
            _ => words.push(arg),
        }
    }

    // ANCHOR: connect
    // A name such as localhost is looked up; `connect` tries each address it
    // stands for until one answers.
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
    // ANCHOR_END: connect

    // ANCHOR: modes
    let (sent, received) =
        if words.is_empty() && (interactive || !io::stdin().is_terminal()) {
            exchange(&stream, io::stdin())?
        } else if words.is_empty() {
            exchange(&stream, "Hello, server!\n".as_bytes())?
        } else {
            exchange(&stream, format!("{}\n", words.join(" ")).as_bytes())?
        };
    if received < sent {
        bail!(
            "the server closed the connection after echoing \
             {received} of {sent} bytes"
        );
    }
    Ok(())
    // ANCHOR_END: modes
}

// ANCHOR: exchange
/// Sends everything `input` holds and, at the same time, prints everything that
/// comes back, until the server closes the connection. Returns (bytes sent, bytes
/// received).
fn exchange(stream: &TcpStream, mut input: impl Read + Send) -> Result<(u64, u64)> {
    thread::scope(|s| {
        let sender = s.spawn(move || -> Result<u64> {
            // `Write` is implemented for `&TcpStream`: a shared reference writes.
            let mut to_server = stream;
            let mut buf = [0; 4096];
            let mut sent = 0;
            loop {
                let n = input.read(&mut buf).context("cannot read the input")?;
                if n == 0 {
                    break;
                }
                to_server
                    .write_all(&buf[..n])
                    .context("cannot send to the server")?;
                sent += n as u64;
            }
            // Half-close: "I have nothing more to send", while the echo keeps
            // coming.
            stream
                .shutdown(Shutdown::Write)
                .context("cannot close the sending side")?;
            Ok(sent)
        });

        let mut from_server = stream; // and `Read` is implemented for it too
        let received = io::copy(&mut from_server, &mut io::stdout().lock())
            .context("cannot read the echo");
        let sent = sender.join().expect("the sending thread panicked")?;
        Ok((sent, received?))
    })
}
// ANCHOR_END: exchange
