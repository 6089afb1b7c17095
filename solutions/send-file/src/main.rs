//! Sends a file to an echo server and checks that every byte came back unchanged:
//! `send-file FILE [--addr ADDRESS]`.

use anyhow::{Context, Result, bail};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::thread;

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
    let mut stream = TcpStream::connect(addr).with_context(|| {
        format!("cannot connect to {addr}; is the echo server running?")
    })?;
    let mut reader = stream.try_clone()?;
    // Read while writing: the server echoes as it reads, and if nobody took the echo,
    // its buffers and ours would fill and both sides would wait forever.
    let echo = thread::scope(|s| {
        let receiving = s.spawn(move || {
            let mut echo = Vec::with_capacity(file.len());
            reader.read_to_end(&mut echo).map(|_| echo)
        });
        stream.write_all(file).context("cannot send the file")?;
        stream.shutdown(Shutdown::Write)?; // end of the file: the server can finish
        receiving
            .join()
            .expect("reading does not panic")
            .context("cannot read the echo")
    })?;
    if let Some(at) = file.iter().zip(&echo).position(|(a, b)| a != b) {
        bail!("the echo differs from the file at byte {at}");
    }
    if echo.len() < file.len() {
        bail!("got only {} of {} bytes back", echo.len(), file.len());
    }
    if echo.len() > file.len() {
        bail!("got {} bytes back for {} sent", echo.len(), file.len());
    }
    Ok(())
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
