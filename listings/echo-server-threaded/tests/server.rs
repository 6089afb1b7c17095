//! The Concurrent servers chapter's claims about echo-server-threaded, over real TCP on
//! loopback with the binary users run.

use std::net::TcpStream;
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};
use testkit::{LIMIT, Server, exchange, read_to_end};

fn server(options: &[&str]) -> Server {
    let mut args = vec!["127.0.0.1:0"];
    args.extend_from_slice(options);
    Server::start(Path::new(env!("CARGO_BIN_EXE_echo-server-threaded")), &args)
}

#[test]
fn two_hundred_clients_at_once_each_get_their_own_echoes() {
    let server = server(&[]);
    // Connect all 200 first, so that they really are connected at the same time.
    let clients: Vec<TcpStream> = (0..200).map(|_| server.connect()).collect();
    let started = Instant::now();
    thread::scope(|s| {
        for (i, mut client) in clients.into_iter().enumerate() {
            s.spawn(move || exchange(&mut client, i as u64 + 1, 5));
        }
    });
    println!("200 clients x 5 round trips in {:?}", started.elapsed());
}

#[test]
#[cfg(target_os = "linux")]
fn every_connection_has_its_own_thread() {
    let mut server = server(&[]);
    let mut clients = vec![server.connect()];
    server.wait_for_line("connected");
    let with_one = server.threads();
    clients.extend((0..99).map(|_| server.connect()));
    for _ in 0..99 {
        server.wait_for_line("connected");
    }
    assert_eq!(server.threads(), with_one + 99);
    drop(clients);
}

#[test]
fn an_idle_client_does_not_stop_others_being_served() {
    let server = server(&[]);
    let _idle = server.connect();
    let mut busy = server.connect();
    exchange(&mut busy, 1, 3);
    let mut late = server.connect();
    exchange(&mut late, 2, 3);
}

#[test]
fn an_idle_client_is_closed_after_the_idle_timeout() {
    let mut server = server(&["--idle-timeout", "1"]);
    let mut idle = server.connect();
    let mut active = server.connect();
    let started = Instant::now();
    let closed = thread::scope(|s| {
        let closed = s.spawn(|| read_to_end(&mut idle));
        // Meanwhile the active client talks every 300 ms and is never idle for 1 s.
        while !closed.is_finished() && started.elapsed() < LIMIT {
            exchange(&mut active, 3, 1);
            thread::sleep(Duration::from_millis(300));
        }
        closed.join().unwrap()
    });
    let waited = started.elapsed();
    assert_eq!(closed, b"closing: idle for 1 s\n");
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(3),
        "{waited:?}"
    );
    server.wait_for_line("idle timeout");
    exchange(&mut active, 4, 1); // the active client is still served
}

#[test]
fn beyond_the_connection_cap_a_client_is_told_and_others_go_on() {
    let mut server = server(&["--max-connections", "2"]);
    let mut first = server.connect();
    let mut second = server.connect();
    exchange(&mut first, 1, 1);
    exchange(&mut second, 2, 1);
    let mut third = server.connect();
    assert_eq!(
        read_to_end(&mut third),
        b"server busy: 2 connections already; try again later\n"
    );
    server.wait_for_line("refused: already 2 connections");
    exchange(&mut first, 3, 1);
    drop(second);
    server.wait_for_line("client closed the connection");
    let mut fourth = server.connect();
    exchange(&mut fourth, 4, 1); // a freed place is given to the next client
}

#[test]
fn ctrl_c_echoes_what_clients_sent_then_exits_0() {
    testkit::check_ctrl_c(Path::new(env!("CARGO_BIN_EXE_echo-server-threaded")));
}

#[test]
fn a_client_that_keeps_sending_cannot_hold_up_shutdown() {
    let program = Path::new(env!("CARGO_BIN_EXE_echo-server-threaded"));
    testkit::check_shutdown_despite_a_client_that_never_reads(program);
}

#[test]
fn shown_output_of_a_session() {
    let addr = if testkit::updating_outputs() {
        "127.0.0.1:12345"
    } else {
        "127.0.0.1:0"
    };
    let mut server = Server::start(
        Path::new(env!("CARGO_BIN_EXE_echo-server-threaded")),
        &[addr],
    );
    let mut first = server.connect();
    server.wait_for_line("connected");
    let mut second = server.connect();
    server.wait_for_line("connected");
    exchange(&mut second, 1, 1);
    exchange(&mut first, 2, 1);
    drop(second);
    server.wait_for_line("disconnected");
    server.interrupt();
    read_to_end(&mut first);
    server.wait_for_exit(LIMIT).expect("exits");
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("output.txt");
    testkit::shown_output(
        &file,
        &(server.log().join("\n") + "\n"),
        testkit::any_ports,
    );
}

#[test]
#[cfg(target_os = "linux")]
fn when_accept_fails_the_server_logs_it_waits_and_keeps_running() {
    testkit::check_accept_back_off(env!("CARGO_BIN_EXE_echo-server-threaded"), 4);
}

#[test]
fn startup_mistakes_are_one_clear_line() {
    testkit::check_startup_mistakes(Path::new(env!(
        "CARGO_BIN_EXE_echo-server-threaded"
    )));
}
