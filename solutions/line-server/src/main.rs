//! A server that answers commands, one per line, one client at a time:
//! `line-server [ADDRESS]`. PING, TIME, ECHO text and QUIT.

use anyhow::{Context, Result, anyhow};
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

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
    stream.set_nodelay(true)?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    let mut line = Vec::new();
    loop {
        line.clear();
        // At most MAX_LINE bytes, so that a client without newlines cannot fill memory.
        let n = (&mut reader)
            .take(MAX_LINE)
            .read_until(b'\n', &mut line)
            .context("cannot read from the client")?;
        let reply = if n == 0 || !line.ends_with(b"\n") && n < MAX_LINE as usize {
            return Ok(()); // closed, maybe in the middle of a line: nobody to answer
        } else if !line.ends_with(b"\n") {
            Reply {
                text: format!("ERR line longer than {MAX_LINE} bytes"),
                close: true,
            }
        } else {
            respond(&line)
        };
        writer
            .write_all(format!("{}\n", reply.text).as_bytes())
            .context("cannot send the reply")?;
        if reply.close {
            return Ok(());
        }
    }
}

/// The reply to `line`, which may still end with its newline.
fn respond(line: &[u8]) -> Reply {
    let reply = |text: String| Reply { text, close: false };
    let Ok(line) = std::str::from_utf8(line) else {
        return reply("ERR not UTF-8".into());
    };
    let line = line.trim_end_matches(['\n', '\r']);
    let (command, rest) = line.split_once(' ').unwrap_or((line, ""));
    match command {
        "PING" => reply("PONG".into()),
        "TIME" => {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default();
            reply(format!("NOW {}", now.as_secs()))
        }
        "ECHO" if rest.is_empty() => {
            reply("ERR ECHO needs text, as in `ECHO hello`".into())
        }
        "ECHO" => reply(rest.into()),
        "QUIT" => Reply {
            text: "BYE".into(),
            close: true,
        },
        "" => reply(format!("ERR empty line; {COMMANDS}")),
        _ => reply(format!("ERR unknown command `{command}`; {COMMANDS}")),
    }
}
