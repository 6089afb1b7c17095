//! A server that answers commands, one per line, one client at a time:
//! `line-server [ADDRESS]`. PING, TIME, ECHO text and QUIT.

use anyhow::{Result, anyhow};
use std::io::ErrorKind;
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

const DEFAULT_ADDR: &str = "127.0.0.1:12345";
/// The longest line the server reads, newline included.
const MAX_LINE: u64 = 1024;
const COMMANDS: &str = "try PING, TIME, ECHO text or QUIT";

fn main() -> Result<()> {
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
        let (stream, peer) = match listener.accept() {
            Ok(accepted) => accepted,
            Err(e) => {
                eprintln!("cannot accept a connection: {e}");
                thread::sleep(Duration::from_millis(100));
                continue;
            }
        };
        println!("{peer} connected");
        match serve(stream) {
            Ok(()) => println!("{peer} disconnected"),
            Err(e) => println!("{peer} disconnected: {e:#}"),
        }
    }
}

/// What to send back for one line, and whether to close the connection after it.
struct Reply {
    text: String,
    close: bool,
}

/// Answers one client's lines until it quits or closes the connection.
fn serve(stream: TcpStream) -> Result<()> {
    // Your task: read the client's lines one by one (at most MAX_LINE bytes each),
    // send back `respond(line)` for each, and stop when the client closes the
    // connection or the reply says to close. See the exercise for the rules.
    todo!("answer the lines of {}", stream.peer_addr()?)
}

/// The reply to `line`, which may still end with its newline.
fn respond(line: &[u8]) -> Reply {
    // Your task: the reply to PING, TIME, ECHO text, QUIT, and clear errors for
    // anything else.
    todo!("answer {:?}", String::from_utf8_lossy(line))
}
