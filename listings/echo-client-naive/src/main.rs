//! echo-client-naive: sends a megabyte to an echo server and shows that one `read`
//! may return only part of the echo. Shown in the Sockets chapter; start
//! `echo-server`, then `cargo run -p echo-client-naive`.

use anyhow::{Context, Result};
use std::io::{Read, Write};
use std::net::TcpStream;

const DEFAULT_ADDR: &str = "127.0.0.1:12345";
const MESSAGE_SIZE: usize = 1024 * 1024;

fn main() -> Result<()> {
    let addr = std::env::args().nth(1).unwrap_or(DEFAULT_ADDR.to_string());
    let mut stream = TcpStream::connect(&addr)
        .with_context(|| format!("cannot connect to {addr}"))?;

    // ANCHOR: naive
    let message = vec![b'x'; MESSAGE_SIZE];
    stream.write_all(&message)?;

    let mut buf = vec![0; MESSAGE_SIZE]; // room for the whole echo...
    // ...but one read returns what has arrived so far
    let n = stream.read(&mut buf)?;
    println!("sent {} bytes, one read returned {n} bytes", message.len());
    // ANCHOR_END: naive
    Ok(())
}
