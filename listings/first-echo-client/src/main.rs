//! first-echo-client: the blog post's echo_client.py in Rust; it sends one message
//! and prints one read of the echo. Shown in the From Python to Rust chapter; run it
//! with `cargo run -p first-echo-client` (or `-- ADDRESS`) while first-echo-server
//! runs.

// ANCHOR: program
use std::env;
use std::io::{Read, Write};
use std::net::TcpStream;

fn main() -> std::io::Result<()> {
    let addr = env::args().nth(1).unwrap_or("127.0.0.1:12345".to_string());
    let mut stream = TcpStream::connect(addr)?;
    stream.write_all(b"Hello, server!")?;
    let mut buf = [0; 1024];
    let n = stream.read(&mut buf)?; // one read, as in the post (see Sockets)
    println!("Received: {}", String::from_utf8_lossy(&buf[..n]));
    Ok(())
}
// ANCHOR_END: program
