//! The Sockets chapter's claims about echo-client, checked against the real echo-server
//! (and, for a server that misbehaves, a small one written here).

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::thread;
use testkit::{Server, pseudo_random_bytes};

fn client() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_echo-client"))
}

fn echo_server() -> Server {
    Server::start(&testkit::binary("echo-server"), &["127.0.0.1:0"])
}

#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs `script` from util-linux to give the client a terminal: Linux only"
)]
fn in_a_terminal_without_words_it_sends_hello_server() {
    let server = echo_server();
    let finished =
        testkit::run_in_terminal(client(), &["--addr", &server.addr.to_string()]);
    assert!(finished.status.success(), "{finished:?}");
    assert_eq!(finished.stdout_text(), "Hello, server!\n");
}

#[test]
fn the_words_given_are_sent_as_one_line() {
    let server = echo_server();
    let addr = server.addr.to_string();
    let finished =
        testkit::run(client(), &["--addr", &addr, "안녕하세요,", "server"], b"");
    assert!(finished.status.success(), "{finished:?}");
    assert_eq!(finished.stdout_text(), "안녕하세요, server\n");
}

#[test]
fn piped_lines_are_sent_and_echoed_until_eof() {
    let server = echo_server();
    let addr = server.addr.to_string();
    let finished = testkit::run(client(), &["--addr", &addr], b"one\ntwo\nthree\n");
    assert!(finished.status.success(), "{finished:?}");
    assert_eq!(finished.stdout_text(), "one\ntwo\nthree\n");
}

#[test]
fn a_mebibyte_of_binary_input_comes_back_exactly() {
    let server = echo_server();
    let input = pseudo_random_bytes(1024 * 1024, 7);
    let finished =
        testkit::run(client(), &["--addr", &server.addr.to_string()], &input);
    assert!(finished.status.success(), "{finished:?}");
    assert!(
        finished.stdout == input,
        "{} bytes came back, not the same",
        finished.stdout.len()
    );
}

#[test]
fn connection_refused_is_one_clear_line() {
    // Bound, not listening: connecting is refused as long as `_bound` lives.
    let (_bound, addr) = testkit::refused_address();
    let finished = testkit::run(client(), &["--addr", &addr.to_string()], b"");
    assert_eq!(
        finished.stderr,
        format!(
            "error: cannot connect to {addr}: connection refused; is the server running?\n"
        )
    );
    assert!(!finished.status.success());
}

#[test]
fn an_address_without_a_port_is_one_clear_line() {
    let finished = testkit::run(client(), &["--addr", "127.0.0.1"], b"");
    assert!(!finished.status.success());
    assert_eq!(
        finished.stderr,
        "error: `127.0.0.1` is not an address like 127.0.0.1:12345 or localhost:12345: \
         invalid socket address\n"
    );
}

#[test]
fn a_server_started_on_localhost_is_reached_by_name() {
    // As the Python post does it: `localhost` on both sides. The server binds the first
    // address the name stands for; the client tries each until one answers.
    let server = Server::start(&testkit::binary("echo-server"), &["localhost:0"]);
    let addr = format!("localhost:{}", server.addr.port());
    let finished = testkit::run(client(), &["--addr", &addr, "by", "name"], b"");
    assert!(finished.status.success(), "{finished:?}");
    assert_eq!(finished.stdout_text(), "by name\n");
}

#[test]
fn a_name_that_does_not_resolve_is_one_clear_line() {
    let addr = "no-such-host.invalid:12345";
    let finished = testkit::run(client(), &["--addr", addr], b"");
    assert!(!finished.status.success());
    let prefix = format!("error: cannot connect to {addr}: ");
    assert!(
        finished.stderr.starts_with(&prefix) && finished.stderr.lines().count() == 1,
        "{:?}",
        finished.stderr
    );
}

#[test]
fn a_server_that_closes_early_is_reported() {
    // This server reads the whole message, echoes only its first 5 bytes, and closes.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let server = thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut message = Vec::new();
        stream.read_to_end(&mut message).unwrap();
        stream.write_all(&message[..5]).unwrap();
    });
    let finished =
        testkit::run(client(), &["--addr", &addr, "a", "short", "message"], b"");
    server.join().unwrap();
    assert!(!finished.status.success());
    assert_eq!(finished.stdout, b"a sho");
    assert_eq!(
        finished.stderr,
        "error: the server closed the connection after echoing 5 of 16 bytes\n"
    );
}

#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs `script` from util-linux to give the client a terminal: Linux only"
)]
fn shown_output_is_current() {
    let server = echo_server();
    let finished =
        testkit::run_in_terminal(client(), &["--addr", &server.addr.to_string()]);
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("output.txt");
    testkit::shown_output(&file, &finished.stdout_text(), testkit::exactly);
}
