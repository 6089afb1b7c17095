//! The Concurrent servers chapter's claims about chat-server, with real clients over
//! loopback: lines go to everyone else in each sender's order, joins and leaves are
//! announced, and a client that vanishes, sends too long a line or finds the server full
//! does not disturb the others.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::path::Path;
use std::thread;
use testkit::{LIMIT, Server};

fn server(options: &[&str]) -> Server {
    let mut args = vec!["127.0.0.1:0"];
    args.extend_from_slice(options);
    Server::start(Path::new(env!("CARGO_BIN_EXE_chat-server")), &args)
}

/// A chat participant speaking the raw protocol.
struct Client {
    stream: TcpStream,
    lines: BufReader<TcpStream>,
}

impl Client {
    /// Connects and reads the welcome line; does not send a name yet.
    fn connect(server: &Server) -> Client {
        let stream = server.connect();
        let lines = BufReader::new(stream.try_clone().unwrap());
        let mut client = Client { stream, lines };
        assert_eq!(
            client.line(),
            b"* welcome! the first line you send is your name\n"
        );
        client
    }

    /// Connects, says its name and reads the greeting.
    fn join(server: &Server, name: &str, others: usize) -> Client {
        let mut client = Client::connect(server);
        client.send(format!("{name}\n").as_bytes());
        let greeting = format!("* hello {name}; {others} other(s) here\n");
        assert_eq!(client.line(), greeting.as_bytes());
        client
    }

    fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).unwrap();
    }

    fn line(&mut self) -> Vec<u8> {
        let mut line = Vec::new();
        self.lines.read_until(b'\n', &mut line).unwrap();
        line
    }

    fn text(&mut self) -> String {
        String::from_utf8(self.line()).unwrap()
    }

    /// Reads until the server closes the connection.
    fn rest(&mut self) -> Vec<u8> {
        let mut rest = Vec::new();
        self.lines.read_to_end(&mut rest).unwrap();
        rest
    }
}

#[test]
fn three_clients_see_each_others_lines_in_order_and_joins_and_leaves() {
    let mut server = server(&[]);
    let mut alice = Client::join(&server, "alice", 0);
    let mut bob = Client::join(&server, "bob", 1);
    assert_eq!(alice.text(), "* bob joined\n");
    let mut carol = Client::join(&server, "carol", 2);
    assert_eq!(alice.text(), "* carol joined\n");
    assert_eq!(bob.text(), "* carol joined\n");

    // Alice and Bob talk at the same time; everyone else sees each one's lines in order.
    let lines = 50;
    thread::scope(|s| {
        s.spawn(|| {
            (0..lines).for_each(|i| alice.send(format!("a{i}\n").as_bytes()))
        });
        s.spawn(|| (0..lines).for_each(|i| bob.send(format!("b{i}\n").as_bytes())));
    });
    let carol_saw: Vec<String> = (0..2 * lines).map(|_| carol.text()).collect();
    let from = |who: &str| -> Vec<String> {
        carol_saw
            .iter()
            .filter(|l| l.starts_with(who))
            .cloned()
            .collect()
    };
    let expected = |who: &str, tag: &str| -> Vec<String> {
        (0..lines).map(|i| format!("{who}: {tag}{i}\n")).collect()
    };
    assert_eq!(from("alice: "), expected("alice", "a"));
    assert_eq!(from("bob: "), expected("bob", "b"));
    let alice_saw: Vec<String> = (0..lines).map(|_| alice.text()).collect();
    assert_eq!(
        alice_saw,
        expected("bob", "b"),
        "alice sees bob's lines, not her own"
    );

    drop(bob); // with alice's lines unread: the server sees a reset, not a goodbye
    assert_eq!(alice.text(), "* bob left\n");
    assert_eq!(carol.text(), "* bob left\n");
    server.wait_for_line("(bob) disconnected");
    carol.send(b"just us now\n");
    assert_eq!(alice.text(), "carol: just us now\n");
}

#[test]
fn a_client_that_vanishes_mid_line_is_announced_and_the_others_go_on() {
    let mut server = server(&[]);
    let mut alice = Client::join(&server, "alice", 0);
    let mut bob = Client::join(&server, "bob", 1);
    assert_eq!(alice.text(), "* bob joined\n");
    bob.send(b"half a li");
    bob.stream.shutdown(Shutdown::Both).unwrap(); // gone, in the middle of a line
    drop(bob);
    assert_eq!(alice.text(), "bob: half a li\n");
    assert_eq!(alice.text(), "* bob left\n");
    server.wait_for_line("(bob) left");
    let mut carol = Client::join(&server, "carol", 1);
    assert_eq!(alice.text(), "* carol joined\n");
    carol.send(b"hi alice\n");
    assert_eq!(alice.text(), "carol: hi alice\n");
}

#[test]
fn a_line_that_is_too_long_gets_a_message_and_the_others_go_on() {
    let mut server = server(&["--max-line", "100"]);
    let mut alice = Client::join(&server, "alice", 0);
    let mut mallory = Client::join(&server, "mallory", 1);
    assert_eq!(alice.text(), "* mallory joined\n");
    mallory.send(&[b'x'; 101]); // one byte over, and no newline in sight
    assert_eq!(
        mallory.rest(),
        b"* error: line longer than 100 bytes; goodbye\n"
    );
    assert_eq!(alice.text(), "* mallory left\n");
    server.wait_for_line("(mallory) disconnected: line longer than 100 bytes");
    let mut bob = Client::join(&server, "bob", 1);
    assert_eq!(alice.text(), "* bob joined\n");
    let exactly_100 = format!("{}\n", "y".repeat(100));
    bob.send(exactly_100.as_bytes());
    assert_eq!(alice.text(), format!("bob: {exactly_100}"));
}

#[test]
fn a_client_that_stops_reading_is_dropped_instead_of_holding_up_the_room() {
    let mut server = server(&[]);
    let mut alice = Client::join(&server, "alice", 0);
    let _mallory = Client::join(&server, "mallory", 1); // never reads another byte
    assert_eq!(alice.text(), "* mallory joined\n");
    let line = format!("{}\n", "z".repeat(1000));
    let mut speaker = alice.stream.try_clone().unwrap();
    let talker = thread::spawn(move || {
        // Enough to fill mallory's socket buffers and then the outbox; stops when the
        // server has dropped mallory (or after 50 MB, which would fail below).
        for _ in 0..50_000 {
            if speaker.write_all(line.as_bytes()).is_err() {
                break;
            }
        }
    });
    server.wait_for_line("(mallory) is too slow to keep up; disconnecting");
    assert_eq!(alice.text(), "* mallory left\n");
    talker.join().unwrap();
}

#[test]
fn a_full_server_says_so_and_the_others_go_on() {
    let mut server = server(&["--max-connections", "2"]);
    let mut alice = Client::join(&server, "alice", 0);
    let mut bob = Client::join(&server, "bob", 1);
    assert_eq!(alice.text(), "* bob joined\n");
    let mut third = server.connect();
    let mut refused = String::new();
    third.read_to_string(&mut refused).unwrap();
    assert_eq!(refused, "* server full (2 clients); try again later\n");
    server.wait_for_line("refused: 2 clients already");
    bob.send(b"still here\n");
    assert_eq!(alice.text(), "bob: still here\n");
}

#[test]
#[cfg_attr(
    windows,
    ignore = "a test cannot send Ctrl-C to one process on Windows; press Ctrl-C in the server's window"
)]
fn ctrl_c_says_goodbye_to_everyone_and_exits_0() {
    let mut server = server(&[]);
    let mut alice = Client::join(&server, "alice", 0);
    let mut bob = Client::join(&server, "bob", 1);
    assert_eq!(alice.text(), "* bob joined\n");
    let mut nameless = Client::connect(&server);
    server.interrupt();
    let alice_rest = String::from_utf8(alice.rest()).unwrap();
    assert!(
        alice_rest.contains("* server shutting down; goodbye\n"),
        "{alice_rest}"
    );
    let bob_rest = String::from_utf8(bob.rest()).unwrap();
    assert!(
        bob_rest.contains("* server shutting down; goodbye\n"),
        "{bob_rest}"
    );
    assert_eq!(nameless.rest(), b"");
    let status = server
        .wait_for_exit(LIMIT)
        .expect("the server exits by itself");
    assert!(status.success(), "{status:?}");
    assert_eq!(server.log().last().map(String::as_str), Some("stopped"));
}

/// The session the chapter shows: the server's log, and everything Alice's client prints.
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
    let mut server =
        Server::start(Path::new(env!("CARGO_BIN_EXE_chat-server")), &[addr]);
    let mut alice = Client::connect(&server);
    let mut screen =
        String::from("* welcome! the first line you send is your name\n");
    alice.send(b"alice\n");
    screen += &alice.text();
    let mut bob = Client::join(&server, "bob", 1);
    screen += &alice.text();
    bob.send(b"hi alice, is the echo server still running?\n");
    screen += &alice.text();
    alice.send(b"yes, on another port\n");
    assert_eq!(bob.text(), "alice: yes, on another port\n");
    bob.stream.shutdown(Shutdown::Write).unwrap(); // bob's input ends (Ctrl-D)
    bob.rest();
    screen += &alice.text();
    server.wait_for_line("(bob) left");
    server.interrupt();
    screen += &String::from_utf8(alice.rest()).unwrap();
    server.wait_for_exit(LIMIT).expect("exits");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    testkit::shown_output(
        &dir.join("output.txt"),
        &(server.log().join("\n") + "\n"),
        testkit::any_ports,
    );
    testkit::shown_output(&dir.join("output-alice.txt"), &screen, testkit::exactly);
}

#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs prlimit from util-linux: Linux only"
)]
fn when_accept_fails_the_server_logs_it_waits_and_keeps_running() {
    testkit::check_accept_back_off(env!("CARGO_BIN_EXE_chat-server"), 4);
}
