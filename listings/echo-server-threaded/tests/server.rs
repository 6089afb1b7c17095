//! The Concurrent servers chapter's claims about echo-server-threaded, over real TCP on
//! loopback with the binary users run. The checks it shares with echo-server-async are
//! testkit's; the hostile-client contract is in tests/contract.rs.

use std::path::Path;
use testkit::{LIMIT, Server, exchange, read_to_end};

fn program() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_echo-server-threaded"))
}

fn server(options: &[&str]) -> Server {
    let mut args = vec!["127.0.0.1:0"];
    args.extend_from_slice(options);
    Server::start(program(), &args)
}

#[test]
fn two_hundred_clients_at_once_each_get_their_own_echoes() {
    testkit::check_many_clients_at_once(program(), 200);
}

#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "counts the server's threads in /proc: Linux only"
)]
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
    testkit::check_idle_timeout(program());
}

#[test]
fn beyond_the_connection_cap_a_client_is_told_and_others_go_on() {
    testkit::check_connection_cap(program());
}

#[test]
#[cfg_attr(
    windows,
    ignore = "a test cannot send Ctrl-C to one process on Windows; press Ctrl-C in the server's window"
)]
fn ctrl_c_echoes_what_clients_sent_then_exits_0() {
    testkit::check_ctrl_c(program());
}

#[test]
#[cfg_attr(
    windows,
    ignore = "a test cannot send Ctrl-C to one process on Windows; press Ctrl-C in the server's window"
)]
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
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs prlimit from util-linux: Linux only"
)]
fn when_accept_fails_the_server_logs_it_waits_and_keeps_running() {
    testkit::check_accept_back_off(env!("CARGO_BIN_EXE_echo-server-threaded"), 4);
}

#[test]
fn host_names_work_as_people_type_them() {
    testkit::check_host_names(program());
}

#[test]
fn startup_mistakes_are_one_clear_line() {
    testkit::check_startup_mistakes(program());
}
