//! The Concurrent servers chapter's claims about echo-server-spawn, the one-change
//! threaded server: a second client no longer waits for the first; and what it still
//! lacks (every client costs a thread, Ctrl-C ends connections mid-echo), which
//! echo-server-threaded then fixes. The hostile-client contract is in
//! tests/contract.rs.

use std::io::{ErrorKind, Read, Write};
use std::path::Path;
use std::time::Duration;
use testkit::{LIMIT, Server, read_n};

fn server() -> Server {
    Server::start(
        Path::new(env!("CARGO_BIN_EXE_echo-server-spawn")),
        &["127.0.0.1:0"],
    )
}

#[test]
fn a_second_client_is_echoed_while_the_first_is_still_connected() {
    let server = server();
    let mut first = server.connect();
    first.write_all(b"first\n").unwrap();
    assert_eq!(read_n(&mut first, 6), b"first\n");

    // echo-server makes this client wait; here it has a thread of its own.
    let mut second = server.connect();
    second.write_all(b"second\n").unwrap();
    assert_eq!(read_n(&mut second, 7), b"second\n");

    first.write_all(b"still here\n").unwrap();
    assert_eq!(read_n(&mut first, 11), b"still here\n");
}

#[test]
fn many_clients_at_once_each_get_their_own_echoes() {
    testkit::check_many_clients_at_once(
        Path::new(env!("CARGO_BIN_EXE_echo-server-spawn")),
        100,
    );
}

#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "counts threads in /proc: Linux only"
)]
fn every_client_costs_a_thread_and_nothing_caps_them() {
    let server = server();
    let before = server.threads();
    let mut clients: Vec<_> = (0..50).map(|_| server.connect()).collect();
    for client in &mut clients {
        client.write_all(b"x").unwrap();
    }
    for client in &mut clients {
        assert_eq!(read_n(client, 1), b"x");
    }
    assert_eq!(
        server.threads(),
        before + 50,
        "one thread for each connected client"
    );
}

#[test]
#[cfg_attr(windows, ignore = "sends SIGINT with kill: Unix only")]
fn ctrl_c_ends_the_server_at_once_and_a_client_loses_its_connection() {
    let mut server = server();
    let mut client = server.connect();
    client.write_all(b"hello\n").unwrap();
    assert_eq!(read_n(&mut client, 6), b"hello\n");

    server.interrupt();
    let status = server.wait_for_exit(LIMIT).expect("SIGINT ends it");
    assert!(
        !status.success(),
        "killed by the signal, not a clean exit: {status:?}"
    );
    // No goodbye: the connection simply ends, with the client never told why.
    client
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut rest = Vec::new();
    match client.read_to_end(&mut rest) {
        Ok(_) => assert!(rest.is_empty(), "no goodbye: {rest:?}"),
        Err(e) => assert_eq!(e.kind(), ErrorKind::ConnectionReset, "{e}"),
    }
}
