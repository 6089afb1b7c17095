//! echo-server-async keeps the threaded server's promises (so that the Measuring chapter
//! compares like with like): byte-exact echoes for many clients at once, the same
//! connection cap, idle timeout, messages, clean Ctrl-C and one-line errors.

use std::net::TcpStream;
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};
use testkit::{LIMIT, Server, exchange, read_to_end};

fn server(options: &[&str]) -> Server {
    let mut args = vec!["127.0.0.1:0"];
    args.extend_from_slice(options);
    Server::start(Path::new(env!("CARGO_BIN_EXE_echo-server-async")), &args)
}

#[test]
fn two_hundred_clients_at_once_each_get_their_own_echoes() {
    let server = server(&[]);
    let clients: Vec<TcpStream> = (0..200).map(|_| server.connect()).collect();
    thread::scope(|s| {
        for (i, mut client) in clients.into_iter().enumerate() {
            s.spawn(move || exchange(&mut client, i as u64 + 1, 5));
        }
    });
}

#[test]
fn an_idle_client_is_closed_after_the_idle_timeout_and_others_go_on() {
    let mut server = server(&["--idle-timeout", "1"]);
    let mut idle = server.connect();
    let mut active = server.connect();
    let started = Instant::now();
    let closed = thread::scope(|s| {
        let closed = s.spawn(|| read_to_end(&mut idle));
        while !closed.is_finished() && started.elapsed() < LIMIT {
            exchange(&mut active, 3, 1);
            thread::sleep(Duration::from_millis(300));
        }
        closed.join().unwrap()
    });
    assert_eq!(closed, b"closing: idle for 1 s\n");
    server.wait_for_line("idle timeout");
    exchange(&mut active, 4, 1);
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
    drop(second);
    server.wait_for_line("client closed the connection");
    let mut fourth = server.connect();
    exchange(&mut fourth, 4, 1);
    exchange(&mut first, 5, 1);
}

#[test]
fn ctrl_c_echoes_what_clients_sent_then_exits_0() {
    testkit::check_ctrl_c(Path::new(env!("CARGO_BIN_EXE_echo-server-async")));
}

#[test]
fn a_client_that_keeps_sending_cannot_hold_up_shutdown() {
    let program = Path::new(env!("CARGO_BIN_EXE_echo-server-async"));
    testkit::check_shutdown_despite_a_client_that_never_reads(program);
}

#[test]
fn startup_mistakes_are_one_clear_line() {
    testkit::check_startup_mistakes(Path::new(env!(
        "CARGO_BIN_EXE_echo-server-async"
    )));
}

#[test]
#[cfg(target_os = "linux")]
fn when_accept_fails_the_server_logs_it_waits_and_keeps_running() {
    // Six more than a plain server: tokio's runtime (epoll, its waker) and signal pipes.
    testkit::check_accept_back_off(env!("CARGO_BIN_EXE_echo-server-async"), 10);
}
