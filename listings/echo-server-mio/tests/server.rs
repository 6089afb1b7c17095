//! The Non-blocking I/O chapter's claims about echo-server-mio, over real TCP on
//! loopback with the binary users run: one thread serves every client, a client that
//! does not read its echo is not read from either and loses nothing, and the server
//! keeps the threaded server's promises (the checks shared with it are testkit's; the
//! hostile-client contract is in tests/contract.rs).

use std::io::{Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};
use testkit::{LIMIT, Server, exchange, pseudo_random_bytes, read_n, read_to_end};

fn program() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_echo-server-mio"))
}

#[test]
fn two_hundred_clients_at_once_each_get_their_own_echoes() {
    testkit::check_many_clients_at_once(program(), 200);
}

#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "reads the server's threads from /proc: Linux only"
)]
fn one_thread_serves_every_client() {
    let mut server = Server::start(program(), &["127.0.0.1:0"]);
    let mut clients: Vec<_> = (0..100).map(|_| server.connect()).collect();
    for _ in 0..100 {
        server.wait_for_line("connected");
    }
    for (i, client) in clients.iter_mut().enumerate() {
        exchange(client, i as u64, 1);
    }
    // The event loop, and the thread of the ctrlc crate, which only waits for Ctrl-C.
    assert_eq!(server.thread_names(), ["ctrl-c", "echo-server-mio"]);
}

#[test]
fn a_client_that_does_not_read_gets_every_byte_once_it_does() {
    let server = Server::start(program(), &["127.0.0.1:0"]);
    let mut client = server.connect();
    // Far more than the server keeps for one client (64 KiB) and the sockets' buffers
    // hold: the server must stop reading, then go on once the echo is read.
    let sent = pseudo_random_bytes(32 << 20, 7);
    let mut writer = client.try_clone().expect("a second handle");
    thread::scope(|s| {
        let sending = s.spawn(|| writer.write_all(&sent));
        thread::sleep(Duration::from_millis(500));
        assert!(
            !sending.is_finished(),
            "32 MiB sent while nobody read the echo"
        );
        assert!(read_n(&mut client, sent.len()) == sent, "the echo differs");
        sending
            .join()
            .expect("the writer")
            .expect("every byte sent");
    });
    client
        .shutdown(std::net::Shutdown::Write)
        .expect("half-close");
    assert_eq!(read_to_end(&mut client), b"");
}

/// Without turns (READS_PER_TURN), the loop stays on the busy connection as long as its
/// socket has data, and the other client waits: the 100 round trips then take seconds
/// in most runs; with them, a fraction of a second.
#[test]
fn a_client_that_sends_and_reads_flat_out_does_not_starve_the_others() {
    let server = Server::start(program(), &["127.0.0.1:0"]);
    let busy = server.connect();
    let (mut to_server, mut from_server) = (&busy, &busy);
    let stop = AtomicBool::new(false);
    thread::scope(|s| {
        // As fast as the server answers, in both directions: its socket never runs dry.
        s.spawn(|| {
            let chunk = pseudo_random_bytes(1 << 20, 3);
            while !stop.load(Ordering::Relaxed) {
                if to_server.write_all(&chunk).is_err() {
                    break;
                }
            }
        });
        s.spawn(|| {
            let mut buf = vec![0; 1 << 16];
            while let Ok(1..) = from_server.read(&mut buf) {}
        });
        thread::sleep(Duration::from_millis(200));
        let started = Instant::now();
        let mut other = server.connect();
        exchange(&mut other, 9, 100);
        let took = started.elapsed();
        stop.store(true, Ordering::Relaxed);
        busy.shutdown(std::net::Shutdown::Both).expect("shutdown");
        assert!(
            took < Duration::from_millis(1500),
            "100 round trips took {took:?}"
        );
    });
}

#[test]
fn an_idle_client_is_closed_after_the_idle_timeout_and_others_go_on() {
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
fn host_names_work_as_people_type_them() {
    testkit::check_host_names(program());
}

#[test]
fn startup_mistakes_are_one_clear_line() {
    testkit::check_startup_mistakes(program());
}

#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs prlimit from util-linux: Linux only"
)]
fn when_accept_fails_the_server_logs_it_waits_and_keeps_running() {
    // Six: the standard streams, the listener, mio's epoll and its waker.
    testkit::check_accept_back_off(env!("CARGO_BIN_EXE_echo-server-mio"), 6);
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
    let mut server = Server::start(program(), &[addr]);
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
