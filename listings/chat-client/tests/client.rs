//! chat-client against the real chat-server: what you type (here, pipe) goes to the
//! others, and what they say is printed.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use testkit::Server;

#[test]
fn piped_lines_reach_the_others_and_the_client_prints_the_conversation() {
    let server = Server::start(&testkit::binary("chat-server"), &["127.0.0.1:0"]);
    let mut alice = server.connect();
    let mut lines = BufReader::new(alice.try_clone().unwrap());
    let mut line = String::new();
    lines.read_line(&mut line).unwrap();
    alice.write_all(b"alice\n").unwrap();
    lines.read_line(&mut line).unwrap();

    let client = Path::new(env!("CARGO_BIN_EXE_chat-client"));
    let finished = testkit::run(
        client,
        &["--addr", &server.addr.to_string()],
        b"bob\nhello alice\n",
    );
    assert!(finished.status.success(), "{finished:?}");
    assert_eq!(
        finished.stdout_text(),
        "* welcome! the first line you send is your name\n* hello bob; 1 other(s) here\n"
    );
    let mut heard = String::new();
    for _ in 0..3 {
        lines.read_line(&mut heard).unwrap();
    }
    assert_eq!(heard, "* bob joined\nbob: hello alice\n* bob left\n");
}

#[test]
fn connection_refused_is_one_clear_line() {
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let client = Path::new(env!("CARGO_BIN_EXE_chat-client"));
    let finished = testkit::run(client, &["--addr", &addr.to_string()], b"");
    assert!(!finished.status.success());
    assert_eq!(
        finished.stderr,
        format!(
            "error: cannot connect to {addr}: connection refused; is the server running?\n"
        )
    );
}
