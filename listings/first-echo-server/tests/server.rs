//! The From Python to Rust chapter's claims about first-echo-server, checked over real
//! TCP on loopback with the binary users run: it echoes and logs like the post's Python
//! server, serves one client after another, and no client ends it; a port in use ends
//! it with the `io::Error`'s debug form; and it can listen again at once after Ctrl-C.
//! The hostile-client contract (tests/contract.rs) runs its difficult clients too.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};
use testkit::{LIMIT, Server, read_n};

fn program() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_first-echo-server"))
}

fn server() -> Server {
    Server::start(program(), &["127.0.0.1:0"])
}

/// The address for a test whose output the book shows: the post's port 12345 when
/// `cargo xtask outputs` refreshes the files, as the chapter shows it, a free port
/// otherwise. The guard keeps those tests from using 12345 at the same time.
fn shown_addr() -> (MutexGuard<'static, ()>, &'static str) {
    static DEFAULT_PORT: Mutex<()> = Mutex::new(());
    let guard = DEFAULT_PORT.lock().unwrap_or_else(PoisonError::into_inner);
    let addr = if testkit::updating_outputs() {
        "127.0.0.1:12345"
    } else {
        "127.0.0.1:0"
    };
    (guard, addr)
}

fn shown_file(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(name)
}

/// Waits (at most [`LIMIT`]) until the server's stderr has a line containing `needle`,
/// and returns that line.
fn wait_for_stderr(server: &Server, needle: &str) -> String {
    let deadline = Instant::now() + LIMIT;
    loop {
        let stderr = server.stderr();
        if let Some(line) = stderr.lines().find(|l| l.contains(needle)) {
            return line.to_owned();
        }
        assert!(
            Instant::now() < deadline,
            "no line with `{needle}` on stderr within {LIMIT:?}:\n{stderr}"
        );
        thread::sleep(Duration::from_millis(10));
    }
}

/// Sends `message` and checks that exactly the same bytes come back.
fn echoed(client: &mut TcpStream, message: &[u8]) {
    client
        .write_all(message)
        .expect("the server takes the message");
    assert_eq!(read_n(client, message.len()), message);
}

fn local(client: &TcpStream) -> SocketAddr {
    client.local_addr().expect("a local address")
}

#[test]
fn echoes_and_logs_who_connected_and_what_it_received() {
    let mut server = server();
    assert!(server.addr.ip().is_loopback());
    assert_ne!(server.addr.port(), 0, "it prints the port it really got");
    let mut client = server.connect();
    echoed(&mut client, b"Hello, server!");
    server.wait_for_line(&format!("Connected by {}", local(&client)));
    assert_eq!(server.wait_for_line("Received"), "Received: Hello, server!");
}

#[test]
fn serves_a_second_client_once_the_first_one_leaves() {
    let mut server = server();
    let mut first = server.connect();
    echoed(&mut first, b"first");

    // One client at a time: the second one's connection succeeds (the operating
    // system queues it), but nothing echoes it while the first is connected.
    let mut second = server.connect();
    second.write_all(b"second").unwrap();
    second
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let waited = second
        .read(&mut [0; 6])
        .expect_err("no echo while the first client is connected");
    assert!(
        matches!(waited.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
        "{waited}"
    );

    drop(first);
    second.set_read_timeout(Some(LIMIT)).unwrap();
    assert_eq!(read_n(&mut second, 6), b"second");
    server.wait_for_line(&format!("Connected by {}", local(&second)));
    assert_eq!(server.wait_for_line("Received"), "Received: second");
}

#[test]
fn a_client_that_resets_in_the_middle_of_a_message_does_not_end_it() {
    let mut server = server();
    let mut client = server.connect();
    echoed(&mut client, b"Hello, ser");
    let addr = local(&client);
    // A reset (RST) instead of the usual goodbye, as when a client crashes.
    socket2::SockRef::from(&client)
        .set_linger(Some(Duration::ZERO))
        .unwrap();
    drop(client);
    // The failed read is logged as `ADDRESS: what the operating system said`...
    let line = wait_for_stderr(&server, &format!("{addr}: "));
    println!("logged: {line}");
    // ...and the server goes on with the next client.
    assert!(server.is_running(), "{}", server.stderr());
    let mut next = server.connect();
    echoed(&mut next, b"still here");
    server.wait_for_line(&format!("Connected by {}", local(&next)));
}

#[test]
fn bytes_that_are_not_utf8_are_printed_with_replacements_and_echoed_exactly() {
    let mut server = server();
    let mut client = server.connect();
    // é in Latin-1, and 0xff, which is never part of UTF-8.
    let bytes = b"caf\xe9 \xff!";
    echoed(&mut client, bytes);
    assert_eq!(
        server.wait_for_line("Received"),
        "Received: caf\u{FFFD} \u{FFFD}!"
    );
    echoed(&mut client, b"and on it goes");
}

#[test]
fn a_port_already_in_use_ends_it_with_the_io_errors_debug_form() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let finished = testkit::run(program(), &[&addr], b"");
    assert!(!finished.status.success());
    assert!(finished.stdout.is_empty(), "{finished:?}");
    // `main` returned the error: Rust prints `Error: ` and its debug form, whose code
    // and message are the operating system's.
    let stderr = &finished.stderr;
    assert!(
        stderr.starts_with("Error: Os { code: ")
            && stderr.contains("kind: AddrInUse"),
        "{stderr}"
    );
}

/// The chapter shows the Linux wording; the code and the message are the operating
/// system's, so elsewhere they differ.
#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "the chapter shows Linux's error code and message"
)]
fn shown_output_of_a_port_already_in_use() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let finished = testkit::run(program(), &[&addr], b"");
    assert!(!finished.status.success());
    let file = shown_file("output-in-use.txt");
    testkit::shown_output(&file, &finished.stderr, testkit::exactly);
}

#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs prlimit from util-linux: Linux only"
)]
fn when_accept_fails_it_says_so_and_tries_again_at_once() {
    // Room for four open files: the standard streams and the listener. Accepting a
    // connection needs a fifth, so every `accept` fails.
    let args = [
        "--nofile=4",
        "--",
        program().to_str().unwrap(),
        "127.0.0.1:0",
    ];
    let mut server = Server::start(Path::new("prlimit"), &args);
    let _client = server.connect();
    let line = wait_for_stderr(&server, "cannot accept a connection: ");
    assert!(line.contains("Too many open files"), "{line}");
    thread::sleep(Duration::from_millis(500));
    assert!(
        server.is_running(),
        "a failed accept must not end the server"
    );
    // No pause between tries: the Sockets chapter's server waits a little instead.
    let failures = server
        .stderr()
        .lines()
        .filter(|l| l.starts_with("cannot accept a connection: "))
        .count();
    assert!(failures > 100, "only {failures} tries in half a second");
}

/// The server's side of the session the chapter shows: one run of first-echo-client.
#[test]
fn shown_output_of_a_session() {
    let (_port, addr) = shown_addr();
    let mut server = Server::start(program(), &[addr]);
    let client = testkit::binary("first-echo-client");
    let finished = testkit::run(&client, &[&server.addr.to_string()], b"");
    assert!(finished.status.success(), "{finished:?}");
    assert_eq!(finished.stdout_text(), "Received: Hello, server!\n");
    server.wait_for_line("Connected by 127.0.0.1:");
    assert_eq!(server.wait_for_line("Received"), "Received: Hello, server!");
    let file = shown_file("output.txt");
    testkit::shown_output(&file, &server.log_text(), testkit::any_ports);
}

/// 안녕 is six bytes in UTF-8, three for each syllable. A client sends the first four,
/// and the last two once the server has printed the first piece: `from_utf8_lossy`
/// prints U+FFFD for the bytes that are not a whole character, and the echo is exact.
#[test]
fn shown_output_of_a_character_split_across_two_reads() {
    let (_port, addr) = shown_addr();
    let mut server = Server::start(program(), &[addr]);
    let hello = "안녕".as_bytes();
    assert_eq!(hello.len(), 6);
    let mut client = server.connect();
    client.write_all(&hello[..4]).unwrap();
    assert_eq!(server.wait_for_line("Received"), "Received: 안\u{FFFD}");
    client.write_all(&hello[4..]).unwrap();
    assert_eq!(
        server.wait_for_line("Received"),
        "Received: \u{FFFD}\u{FFFD}"
    );
    assert_eq!(read_n(&mut client, 6), hello);
    drop(client);
    // The server goes on: the next client is served.
    let mut next = server.connect();
    echoed(&mut next, b"Hello, server!");
    server.wait_for_line(&format!("Connected by {}", local(&next)));
    server.wait_for_line("Received");
    let file = shown_file("output-split.txt");
    testkit::shown_output(&file, &server.log_text(), testkit::any_ports);
}

/// Ctrl-C while a client is connected: the server's side of that connection closes
/// first, so it waits in TIME_WAIT. `TcpListener::bind` sets SO_REUSEADDR on Unix, so
/// the server listens again at once on the same port.
#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "reads TIME_WAIT from Linux's /proc/net/tcp and sends SIGINT with kill"
)]
fn shown_output_of_a_restart_while_a_connection_is_in_time_wait() {
    let (_port, addr) = shown_addr();
    let mut server = Server::start(program(), &[addr]);
    let mut client = server.connect();
    echoed(&mut client, b"hi");
    server.wait_for_line("Received: hi");
    server.interrupt(); // as Ctrl-C in its terminal does
    server.wait_for_exit(LIMIT).expect("SIGINT ends the server");
    // The server's side closed first; the client reads the end and closes too.
    assert_eq!(testkit::read_to_end(&mut client), b"");
    drop(client);
    let port = server.addr.port();
    testkit::wait_for_time_wait(port);

    let mut again = Server::start(program(), &[&server.addr.to_string()]);
    assert_eq!(again.addr, server.addr);
    assert!(
        testkit::in_time_wait(port),
        "the old connection is still in TIME_WAIT"
    );
    let mut client = again.connect();
    echoed(&mut client, b"hi again");
    again.wait_for_line("Received: hi again");
    let file = shown_file("output-restart.txt");
    let first_line = format!("{}\n", again.log()[0]);
    testkit::shown_output(&file, &first_line, testkit::any_ports);
}
