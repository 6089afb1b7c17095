//! What `send-file` must do. Run with `cargo test -p send-file`; each test's name says
//! what it checks and its message says what went wrong.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::thread;
use std::time::Duration;
use testkit::Server;

/// How long sending one file may take. A correct program sends 16 MB in well under a
/// second.
const LIMIT: Duration = Duration::from_secs(20);

/// The program under test: the exercise, or its solution (they share this file).
fn program() -> &'static Path {
    let path = option_env!("CARGO_BIN_EXE_send-file")
        .or(option_env!("CARGO_BIN_EXE_send-file-solution"))
        .expect("cargo test builds the program");
    Path::new(path)
}

/// What `send-file FILE --addr ADDR` did: whether it succeeded, stdout, stderr.
struct Outcome {
    success: bool,
    stdout: String,
    stderr: String,
}

/// Writes `bytes` to a file and sends it to `addr`, waiting at most [`LIMIT`].
fn send_file(bytes: &[u8], addr: &str) -> Outcome {
    let mut file = tempfile::NamedTempFile::new().expect("a temporary file");
    file.write_all(bytes).expect("written");
    let path = file.path().to_str().expect("a UTF-8 path");
    // What the program prints is read while it runs, so even one that prints a lot
    // finishes: only a program that is stuck runs out of time.
    let args = [path, "--addr", addr];
    let Some(finished) = testkit::run_with_limit(program(), &args, b"", LIMIT)
    else {
        panic!(
            "sending {} bytes did not finish within {LIMIT:?}. Does it write the whole \
             file before it reads the echo? (See hint 1.)",
            bytes.len()
        );
    };
    Outcome {
        success: finished.status.success(),
        stdout: String::from_utf8_lossy(&finished.stdout).into_owned(),
        stderr: finished.stderr,
    }
}

/// Sends `bytes` to the book's echo server and expects success.
fn round_trip(bytes: &[u8]) {
    let server = Server::start(&testkit::binary("echo-server"), &["127.0.0.1:0"]);
    let outcome = send_file(bytes, &server.addr.to_string());
    assert!(
        outcome.success,
        "sending {} bytes to the echo server failed. It printed:\n{}",
        bytes.len(),
        outcome.stderr
    );
    assert_eq!(
        outcome.stdout,
        format!("sent {} bytes, got them all back unchanged\n", bytes.len())
    );
}

/// A one-connection server that runs `serve` on its connection.
fn broken_server(serve: fn(TcpStream)) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let addr = listener.local_addr().expect("an address").to_string();
    thread::spawn(move || {
        if let Ok((stream, _)) = listener.accept() {
            serve(stream);
        }
    });
    addr
}

#[test]
fn a_small_file_comes_back_unchanged() {
    round_trip(b"Hello, echo server!\n");
}

#[test]
fn sixteen_megabytes_come_back_unchanged() {
    // More than the kernel buffers of both sides hold: a program that reads the echo
    // only after sending everything waits forever here.
    round_trip(&testkit::pseudo_random_bytes(16 << 20, 16));
}

#[test]
fn an_empty_file_comes_back_empty() {
    round_trip(b"");
}

#[test]
fn bytes_that_are_not_utf8_come_back_too() {
    round_trip(b"\xff\xfe\x00\x80 not text \xc3");
}

#[test]
fn a_server_that_changes_a_byte_is_caught() {
    let addr = broken_server(|mut stream| {
        let mut buf = [0; 100];
        let mut seen = 0;
        while let Ok(n @ 1..) = stream.read(&mut buf) {
            for byte in &mut buf[..n] {
                if seen == 1000 {
                    *byte ^= 1;
                }
                seen += 1;
            }
            if stream.write_all(&buf[..n]).is_err() {
                return;
            }
        }
    });
    let outcome = send_file(&[b'x'; 5000], &addr);
    assert!(!outcome.success, "a changed byte must make send-file fail");
    assert!(
        outcome
            .stderr
            .contains("the echo differs from the file at byte 1000"),
        "the error must say where the echo differs (bytes count from 0): {}",
        outcome.stderr
    );
}

#[test]
fn a_server_that_stops_early_is_caught() {
    let addr = broken_server(|mut stream| {
        let mut buf = [0; 1000];
        let _ = stream.read_exact(&mut buf);
        let _ = stream.write_all(&buf[..500]); // echoes half, then hangs up
    });
    let outcome = send_file(&[b'y'; 1000], &addr);
    assert!(!outcome.success, "a short echo must make send-file fail");
    assert!(
        outcome.stderr.contains("got only 500 of 1000 bytes back"),
        "the error must say how much came back: {}",
        outcome.stderr
    );
}

#[test]
fn no_server_gives_a_clear_error() {
    // Bound, not listening: connecting is refused as long as `_bound` lives.
    let (_bound, addr) = testkit::refused_address();
    let addr = addr.to_string();
    let outcome = send_file(b"hello", &addr);
    assert!(!outcome.success);
    assert!(
        outcome.stderr.contains(&format!(
            "cannot connect to {addr}; is the echo server running?"
        )),
        "the error must say which address and what to check: {}",
        outcome.stderr
    );
}
