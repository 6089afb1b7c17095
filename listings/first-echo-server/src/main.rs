//! first-echo-server: the blog post's echo_server.py in Rust, as small as it gets,
//! one client at a time. Shown in the From Python to Rust chapter; run it with
//! `cargo run -p first-echo-server` (or `-- ADDRESS`).

// ANCHOR: program
use std::env;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};

fn main() -> std::io::Result<()> {
    let addr = env::args().nth(1).unwrap_or("127.0.0.1:12345".to_string());
    let listener = TcpListener::bind(addr)?;
    println!("listening on {}", listener.local_addr()?);
    loop {
        let (stream, addr) = match listener.accept() {
            Ok(accepted) => accepted,
            Err(e) => {
                eprintln!("cannot accept a connection: {e}");
                continue;
            }
        };
        println!("Connected by {addr}");
        if let Err(e) = echo(stream) {
            eprintln!("{addr}: {e}");
        }
    }
}

fn echo(mut stream: TcpStream) -> std::io::Result<()> {
    let mut buf = [0; 1024];
    loop {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Ok(()); // the client closed the connection
        }
        println!("Received: {}", String::from_utf8_lossy(&buf[..n]));
        stream.write_all(&buf[..n])?;
    }
}
// ANCHOR_END: program
