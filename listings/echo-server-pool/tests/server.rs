//! The Concurrent servers chapter's claims about echo-server-pool: what a fixed pool buys
//! (a cap on threads, every client served in turn) and what it costs (with every worker
//! held, the next client waits in the queue; past the queue it is refused).

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};
use testkit::{LIMIT, Server, exchange, read_n, read_to_end};

fn server(options: &[&str]) -> Server {
    let mut args = vec!["127.0.0.1:0"];
    args.extend_from_slice(options);
    Server::start(Path::new(env!("CARGO_BIN_EXE_echo-server-pool")), &args)
}

/// Whether an echo of `message` arrives within `wait`.
fn echoed_within(client: &mut TcpStream, message: &[u8], wait: Duration) -> bool {
    client.write_all(message).unwrap();
    client.set_read_timeout(Some(wait)).unwrap();
    let mut buf = vec![0; message.len()];
    let echoed = match client.read_exact(&mut buf) {
        Ok(()) => true,
        Err(e)
            if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) =>
        {
            false
        }
        Err(e) => panic!("{e}"),
    };
    client.set_read_timeout(Some(LIMIT)).unwrap();
    echoed
}

#[test]
fn two_hundred_clients_at_once_are_all_served_by_eight_workers_in_turn() {
    // 8 workers serve 8 clients at a time; the queue has room for everyone else, so
    // every client is served, most of them after waiting their turn.
    let server = server(&["--workers", "8", "--queue", "200"]);
    let clients: Vec<TcpStream> = (0..200).map(|_| server.connect()).collect();
    let started = Instant::now();
    thread::scope(|s| {
        for (i, mut client) in clients.into_iter().enumerate() {
            s.spawn(move || {
                exchange(&mut client, i as u64 + 1, 5);
                drop(client); // leave, so that a worker is free for the next in line
            });
        }
    });
    println!(
        "200 clients x 5 round trips through 8 workers in {:?}",
        started.elapsed()
    );
}

#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "counts the server's threads in /proc: Linux only"
)]
fn the_pool_caps_the_threads_however_many_clients_connect() {
    let mut server = server(&["--workers", "4", "--queue", "200"]);
    let mut clients: Vec<TcpStream> = (0..4).map(|_| server.connect()).collect();
    for _ in 0..4 {
        server.wait_for_line("connected (worker");
    }
    let with_four = server.threads();
    clients.extend((0..96).map(|_| server.connect()));
    for _ in 0..96 {
        server.wait_for_line("waiting: all 4 workers busy");
    }
    assert_eq!(server.threads(), with_four, "no thread per client");
    drop(clients);
}

#[test]
fn with_every_worker_held_the_next_client_waits_until_one_leaves() {
    let mut server = server(&["--workers", "2", "--queue", "4"]);
    let mut first = server.connect();
    let mut second = server.connect();
    exchange(&mut first, 1, 1);
    exchange(&mut second, 2, 1);
    let mut third = server.connect();
    server.wait_for_line("waiting: all 2 workers busy");
    assert!(!echoed_within(
        &mut third,
        b"anyone there?\n",
        Duration::from_secs(1)
    ));
    drop(first);
    assert_eq!(
        read_n(&mut third, 14),
        b"anyone there?\n",
        "served once a worker was free"
    );
}

#[test]
fn past_the_queue_a_client_is_refused_with_a_message() {
    let mut server = server(&["--workers", "1", "--queue", "1"]);
    let mut served = server.connect();
    exchange(&mut served, 1, 1);
    let _waiting = server.connect();
    server.wait_for_line("waiting: all 1 workers busy");
    let mut refused = server.connect();
    assert_eq!(
        read_to_end(&mut refused),
        b"server busy: all 1 workers busy and 1 clients waiting; try again later\n"
    );
    server.wait_for_line("refused: 1 workers busy, 1 clients waiting");
    exchange(&mut served, 2, 1); // the client being served is not disturbed
}

#[test]
fn the_idle_timeout_frees_a_worker_for_a_waiting_client() {
    let mut server =
        server(&["--workers", "1", "--queue", "1", "--idle-timeout", "1"]);
    let mut idle = server.connect();
    server.wait_for_line("connected (worker 1)");
    let mut next = server.connect();
    let started = Instant::now();
    next.write_all(b"my turn?\n").unwrap();
    assert_eq!(read_to_end(&mut idle), b"closing: idle for 1 s\n");
    assert_eq!(read_n(&mut next, 9), b"my turn?\n");
    let waited = started.elapsed();
    assert!(waited < Duration::from_secs(3), "waited {waited:?}");
}

#[test]
#[cfg_attr(
    windows,
    ignore = "a test cannot send Ctrl-C to one process on Windows; press Ctrl-C in the server's window"
)]
fn ctrl_c_echoes_what_clients_sent_then_exits_0() {
    let mut server = server(&["--workers", "2", "--queue", "4"]);
    let mut talking = server.connect();
    let mut idle = server.connect();
    exchange(&mut talking, 1, 1);
    server.wait_for_line("(worker");
    server.wait_for_line("(worker");
    let mut queued = server.connect();
    server.wait_for_line("waiting: all 2 workers busy");
    talking.write_all(b"sent just before Ctrl-C\n").unwrap();
    server.interrupt();
    let goodbye = b"server shutting down; goodbye\n";
    let mut expected = b"sent just before Ctrl-C\n".to_vec();
    expected.extend_from_slice(goodbye);
    assert_eq!(read_to_end(&mut talking), expected);
    assert_eq!(read_to_end(&mut idle), goodbye);
    assert_eq!(read_to_end(&mut queued), goodbye);
    let status = server
        .wait_for_exit(LIMIT)
        .expect("the server exits by itself");
    assert!(status.success(), "{status:?}");
    assert_eq!(server.log().last().map(String::as_str), Some("stopped"));
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
    let program = Path::new(env!("CARGO_BIN_EXE_echo-server-pool"));
    let mut server =
        Server::start(program, &[addr, "--workers", "2", "--queue", "1"]);
    let mut first = server.connect();
    server.wait_for_line("(worker");
    let mut second = server.connect();
    server.wait_for_line("(worker");
    let mut third = server.connect();
    server.wait_for_line("waiting");
    let mut fourth = server.connect();
    read_to_end(&mut fourth);
    server.wait_for_line("refused");
    exchange(&mut first, 1, 1);
    drop(first);
    server.wait_for_line("disconnected");
    exchange(&mut third, 2, 1);
    exchange(&mut second, 3, 1);
    drop(second);
    server.wait_for_line("disconnected");
    server.interrupt();
    read_to_end(&mut third);
    server.wait_for_exit(LIMIT).expect("exits");
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("output.txt");
    testkit::shown_output(
        &file,
        &(server.log().join("\n") + "\n"),
        any_ports_and_workers,
    );
}

/// Which worker takes which client varies from run to run, as do the ports.
fn any_ports_and_workers(text: &str) -> String {
    let worker = regex::Regex::new(r"worker \d+").unwrap();
    worker
        .replace_all(&testkit::any_ports(text), "worker N")
        .into_owned()
}

#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs prlimit from util-linux: Linux only"
)]
fn when_accept_fails_the_server_logs_it_waits_and_keeps_running() {
    testkit::check_accept_back_off(env!("CARGO_BIN_EXE_echo-server-pool"), 4);
}

#[test]
fn host_names_work_as_people_type_them() {
    testkit::check_host_names(Path::new(env!("CARGO_BIN_EXE_echo-server-pool")));
}

#[test]
fn startup_mistakes_are_one_clear_line() {
    testkit::check_startup_mistakes(Path::new(env!(
        "CARGO_BIN_EXE_echo-server-pool"
    )));
}
