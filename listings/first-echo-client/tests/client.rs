//! The From Python to Rust chapter's claims about first-echo-client, over real TCP on
//! loopback: it prints the echo of `Hello, server!`, its one `read` returns only what
//! has arrived (the post's own bug, which the Sockets chapter fixes), and it fails with
//! a non-zero exit status when nothing listens.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::thread;
use testkit::{LIMIT, Server, read_n};

fn program() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_first-echo-client"))
}

/// A tiny server for one connection, on a free loopback port: `serve` gets the
/// connection. Returns the address and the thread, whose `join` reports a panic.
fn one_connection(
    serve: impl FnOnce(TcpStream) + Send + 'static,
) -> (String, thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let addr = listener.local_addr().expect("an address").to_string();
    let server = thread::spawn(move || {
        let (stream, _) = listener.accept().expect("the client connects");
        stream.set_read_timeout(Some(LIMIT)).expect("timeout");
        stream.set_write_timeout(Some(LIMIT)).expect("timeout");
        serve(stream);
    });
    (addr, server)
}

#[test]
fn prints_the_echo_of_its_message() {
    let (addr, server) = one_connection(|mut stream| {
        let message = read_n(&mut stream, 14);
        stream
            .write_all(&message)
            .expect("the client reads the echo");
    });
    let finished = testkit::run(program(), &[&addr], b"");
    assert!(finished.status.success(), "{finished:?}");
    assert_eq!(finished.stdout_text(), "Received: Hello, server!\n");
    server.join().expect("the echo listener");
}

#[test]
fn its_one_read_prints_only_what_has_arrived() {
    let (addr, server) = one_connection(|mut stream| {
        assert_eq!(read_n(&mut stream, 14), b"Hello, server!");
        // The echo in two pieces, the second only after the client has gone: its one
        // `read` can only have returned the first.
        stream.write_all(b"Hello, ").expect("the client reads");
        let mut rest = Vec::new();
        stream
            .read_to_end(&mut rest)
            .expect("the client closes the connection");
        let _ = stream.write_all(b"server!");
    });
    let finished = testkit::run(program(), &[&addr], b"");
    assert!(finished.status.success(), "{finished:?}");
    assert_eq!(finished.stdout_text(), "Received: Hello, \n");
    server.join().expect("the echo listener");
}

#[test]
fn fails_with_a_non_zero_exit_status_when_nothing_listens() {
    // Bound, not listening: connecting is refused as long as `_bound` lives.
    let (_bound, addr) = testkit::refused_address();
    let addr = addr.to_string();
    let finished = testkit::run(program(), &[&addr], b"");
    assert!(!finished.status.success(), "{finished:?}");
    assert!(finished.stdout.is_empty(), "{finished:?}");
    assert!(
        finished.stderr.starts_with("Error: Os { code: ")
            && finished.stderr.contains("kind: ConnectionRefused"),
        "{}",
        finished.stderr
    );
}

/// The client's side of a session with first-echo-server, as the chapter shows it.
#[test]
fn shown_output_against_first_echo_server() {
    let server =
        Server::start(&testkit::binary("first-echo-server"), &["127.0.0.1:0"]);
    let finished = testkit::run(program(), &[&server.addr.to_string()], b"");
    assert!(finished.status.success(), "{finished:?}");
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("output.txt");
    testkit::shown_output(&file, &finished.stdout_text(), testkit::exactly);
}
