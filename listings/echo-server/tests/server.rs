//! The Sockets chapter's claims about echo-server, checked over real TCP on loopback with
//! the binary users run. What every server promises whatever its clients do (a megabyte,
//! one byte a second, bytes that are not UTF-8, a half-close, a reset) is the
//! hostile-client contract in tests/contract.rs.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::time::{Duration, Instant};
use testkit::{LIMIT, Server, read_n};

fn server() -> Server {
    Server::start(
        Path::new(env!("CARGO_BIN_EXE_echo-server")),
        &["127.0.0.1:0"],
    )
}

#[test]
fn prints_the_address_it_bound_and_echoes_a_message() {
    let mut server = server();
    assert!(server.addr.ip().is_loopback());
    assert_ne!(server.addr.port(), 0, "it prints the port it really got");
    let mut client = server.connect();
    client.write_all(b"hello\n").unwrap();
    assert_eq!(read_n(&mut client, 6), b"hello\n");
    let local = client.local_addr().unwrap();
    server.wait_for_line(&format!("{local} connected"));
    drop(client);
    server.wait_for_line(&format!("{local} disconnected after 6 bytes"));
}

#[test]
fn while_one_client_is_connected_a_second_one_waits() {
    let server = server();
    let mut first = server.connect();
    first.write_all(b"first\n").unwrap();
    assert_eq!(read_n(&mut first, 6), b"first\n");

    // The second client's connection succeeds (the kernel completes the handshake and
    // queues it), but the server is still busy with the first client.
    let mut second = server.connect();
    second.write_all(b"second\n").unwrap();
    second
        .set_read_timeout(Some(Duration::from_secs(1)))
        .unwrap();
    let mut buf = [0; 7];
    let waited = second
        .read(&mut buf)
        .expect_err("no echo while the first client is connected");
    assert!(
        matches!(waited.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
        "{waited}"
    );

    let released = Instant::now();
    drop(first);
    second.set_read_timeout(Some(LIMIT)).unwrap();
    second.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"second\n");
    println!(
        "the second client waited 1 s, then got its echo {:?} after the first left",
        released.elapsed()
    );
}

#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs prlimit from util-linux: Linux only"
)]
fn when_accept_fails_the_server_logs_it_waits_and_keeps_running() {
    testkit::check_accept_back_off(env!("CARGO_BIN_EXE_echo-server"), 4);
}

#[test]
fn a_port_already_in_use_is_one_clear_line() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let finished =
        testkit::run(Path::new(env!("CARGO_BIN_EXE_echo-server")), &[&addr], b"");
    assert!(!finished.status.success());
    assert_eq!(
        finished.stderr,
        format!("error: address {addr} is already in use; pass another address\n")
    );
}

#[test]
fn an_address_without_a_port_is_one_clear_line() {
    let finished = testkit::run(
        Path::new(env!("CARGO_BIN_EXE_echo-server")),
        &["localhost"],
        b"",
    );
    assert!(!finished.status.success());
    assert_eq!(
        finished.stderr,
        "error: `localhost` is not an address like 127.0.0.1:12345 or localhost:12345: \
         invalid socket address\n"
    );
}

#[test]
fn a_name_that_does_not_resolve_is_one_clear_line() {
    testkit::check_a_name_that_does_not_resolve(Path::new(env!(
        "CARGO_BIN_EXE_echo-server"
    )));
}

#[test]
fn host_names_work_as_people_type_them() {
    testkit::check_host_names(Path::new(env!("CARGO_BIN_EXE_echo-server")));
}

/// The server's side of the session the chapter shows: two runs of `echo-client`.
#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs `script` from util-linux to give the client a terminal: Linux only"
)]
fn shown_output_of_a_session() {
    // Refreshing the book's copy runs on the default port, exactly as the chapter shows.
    let addr = if testkit::updating_outputs() {
        "127.0.0.1:12345"
    } else {
        "127.0.0.1:0"
    };
    let mut server =
        Server::start(Path::new(env!("CARGO_BIN_EXE_echo-server")), &[addr]);
    let client = testkit::binary("echo-client");
    let addr = server.addr.to_string();
    let first = testkit::run_in_terminal(&client, &["--addr", &addr]);
    assert_eq!(first.stdout_text(), "Hello, server!\n");
    server.wait_for_line("disconnected");
    let second = testkit::run(&client, &["--addr", &addr], b"one\ntwo\n");
    assert_eq!(second.stdout_text(), "one\ntwo\n");
    server.wait_for_line("disconnected");
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("output.txt");
    testkit::shown_output(
        &file,
        &(server.log().join("\n") + "\n"),
        testkit::any_ports,
    );
}
