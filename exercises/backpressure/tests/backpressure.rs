//! What `backpressure` must do. Run with `cargo test -p backpressure`; each test's name
//! says what it checks and its message says what went wrong. The tests start the
//! server and talk to it over TCP, as its clients do.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};
use testkit::{LIMIT, Server, pseudo_random_bytes};

/// The program under test: the exercise, or its solution (they share this file).
fn program() -> &'static Path {
    let path = option_env!("CARGO_BIN_EXE_backpressure")
        .or(option_env!("CARGO_BIN_EXE_backpressure-solution"))
        .expect("cargo test builds the program");
    Path::new(path)
}

fn start() -> Server {
    Server::start(program(), &["127.0.0.1:0"])
}

/// What the server printed on stderr, where a panic (a `todo!()`, for one) shows.
fn stderr_of(server: &Server) -> String {
    // Its last words come through the pipe a moment after the connection ends.
    thread::sleep(Duration::from_millis(200));
    match server.stderr() {
        stderr if stderr.is_empty() => "(nothing)".into(),
        stderr => stderr,
    }
}

/// Sends all of `bytes`, or fails saying why.
fn send(server: &Server, client: &mut TcpStream, bytes: &[u8]) {
    if let Err(e) = client.write_all(bytes) {
        let n = bytes.len();
        panic!(
            "the server did not take {n} bytes: {e}; its stderr:\n{}",
            stderr_of(server)
        );
    }
}

/// Reads exactly `n` bytes, or fails saying how many came, and `then` what it means.
fn receive(
    server: &Server,
    client: &mut TcpStream,
    n: usize,
    then: &str,
) -> Vec<u8> {
    let mut buf = vec![0; n];
    let mut got = 0;
    while got < n {
        let why = match client.read(&mut buf[got..]) {
            Ok(0) => format!("then the server closed the connection{then}"),
            Ok(k) => {
                got += k;
                continue;
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::WouldBlock | ErrorKind::TimedOut
                ) =>
            {
                format!("then nothing for {LIMIT:?}{then}")
            }
            Err(e) => format!("then: {e}{then}"),
        };
        panic!(
            "{got} of {n} bytes came back, {why}; the server's stderr:\n{}",
            stderr_of(server)
        );
    }
    buf
}

/// Checks that `got` is `expected`, naming the first byte that differs.
fn same(got: &[u8], expected: &[u8], what: &str) {
    if got != expected {
        let at = got.iter().zip(expected).take_while(|(a, b)| a == b).count();
        panic!(
            "{what}: the echo differs from what was sent, from byte {at} on ({} bytes \
             sent, {} came back)",
            expected.len(),
            got.len()
        );
    }
}

/// Sends `message` and checks that it comes back byte for byte.
fn round_trip(server: &Server, client: &mut TcpStream, message: &[u8], what: &str) {
    send(server, client, message);
    let echo = receive(server, client, message.len(), "");
    same(&echo, message, what);
}

/// What a client that floods the server sends: the same pseudo-random block, all byte
/// values, again and again. The block's odd length keeps its repeats from lining up
/// with any buffer size.
struct Flood {
    block: Vec<u8>,
}

impl Flood {
    fn new() -> Flood {
        Flood {
            block: pseudo_random_bytes(1_000_003, 9),
        }
    }

    /// The bytes from position `at` of the flood to the end of the block it is in.
    fn from(&self, at: usize) -> &[u8] {
        &self.block[at % self.block.len()..]
    }

    /// The `n` bytes from position `at` of the flood.
    fn bytes(&self, at: usize, n: usize) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(n);
        while bytes.len() < n {
            let part = self.from(at + bytes.len());
            bytes.extend_from_slice(&part[..part.len().min(n - bytes.len())]);
        }
        bytes
    }
}

/// The most that a client reading none of its echo may send before the server stops
/// taking its bytes: MAX_PENDING (64 KiB) and what the sockets' buffers hold, in both
/// directions (a few MiB on loopback), with room to spare.
const FLOOD_LIMIT: usize = 64 << 20;

/// Connects a client that sends and never reads, until the server stops taking its
/// bytes: nothing taken for half a second. Returns it with how many bytes it sent.
fn flood_until_stalled(server: &Server, flood: &Flood) -> (TcpStream, usize) {
    let mut client = server.connect();
    let quiet = Duration::from_millis(100);
    client.set_write_timeout(Some(quiet)).expect("a timeout");
    let (started, mut sent, mut quiet_spells) = (Instant::now(), 0, 0);
    while quiet_spells < 5 {
        assert!(
            sent <= FLOOD_LIMIT,
            "the server took {} MiB from a client that reads none of its echo: it must \
             stop reading from the client once MAX_PENDING bytes wait for it",
            sent >> 20
        );
        assert!(
            started.elapsed() < LIMIT,
            "the server still takes bytes after {LIMIT:?} ({} MiB) from a client that \
             reads none of its echo",
            sent >> 20
        );
        match client.write(flood.from(sent)) {
            Ok(n) => (sent, quiet_spells) = (sent + n, 0),
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::WouldBlock | ErrorKind::TimedOut
                ) =>
            {
                quiet_spells += 1
            }
            Err(e) => panic!(
                "the server dropped a client that sent {sent} bytes and read none: {e}; \
                 its stderr:\n{}",
                stderr_of(server)
            ),
        }
    }
    client.set_write_timeout(Some(LIMIT)).expect("a timeout");
    (client, sent)
}

/// Reads the echo of the first `n` bytes of the flood and checks it, `piece` bytes at a
/// time with `pause` between them.
fn receive_flood(
    server: &Server,
    client: &mut TcpStream,
    flood: &Flood,
    n: usize,
    (piece, pause): (usize, Duration),
) {
    let then =
        ": once the client reads, the server must send the rest and read again";
    let mut at = 0;
    while at < n {
        thread::sleep(pause);
        let piece = (n - at).min(piece);
        let got = receive(server, client, piece, then);
        let what = format!("the echo of a flood of {n} bytes, bytes {at} on");
        same(&got, &flood.bytes(at, piece), &what);
        at += piece;
    }
}

/// Reading as fast as the echo comes.
const AT_ONCE: (usize, Duration) = (1 << 16, Duration::ZERO);

#[test]
fn messages_come_back_byte_for_byte() {
    let server = start();
    let mut first = server.connect();
    let mut second = server.connect();
    for (round, size) in [1, 10, 1000, 20_000, 60_000].into_iter().enumerate() {
        for (i, client) in [&mut first, &mut second].into_iter().enumerate() {
            let message = pseudo_random_bytes(size, 1 + 2 * round as u64 + i as u64);
            let what = format!("client {}, a message of {size} bytes", i + 1);
            round_trip(&server, client, &message, &what);
        }
    }
}

#[test]
fn a_megabyte_sent_at_once_comes_back_byte_for_byte() {
    let server = start();
    let mut client = server.connect();
    let sent = pseudo_random_bytes(1 << 20, 4);
    let mut writer = client.try_clone().expect("a second handle");
    thread::scope(|s| {
        // One write of everything, while the echo is read: a client that wrote it all
        // before reading would wait for the server, and the server for the client.
        let sending = s.spawn(|| writer.write_all(&sent));
        let echo = receive(&server, &mut client, sent.len(), "");
        same(&echo, &sent, "1 MiB in one write");
        let written = sending.join().expect("the writer thread");
        written.expect("the server takes all of it");
    });
}

#[test]
fn bytes_that_are_not_utf8_come_back_unchanged() {
    let server = start();
    let mut client = server.connect();
    // Every byte value, and what no UTF-8 text holds: a lone continuation byte, a
    // character cut short, an overlong encoding.
    let mut bytes: Vec<u8> = (0..=255).rev().collect();
    bytes.extend_from_slice(b"\x80 \xe2\x82 \xc0\xaf \xff\xfe\n");
    assert!(String::from_utf8(bytes.clone()).is_err());
    round_trip(&server, &mut client, &bytes, "bytes that are not UTF-8");
    round_trip(&server, &mut client, b"still here\n", "the next message");
}

#[test]
fn a_client_that_does_not_read_is_not_read_from() {
    let server = start();
    let flood = Flood::new();
    let (_client, sent) = flood_until_stalled(&server, &flood);
    // Its writes stall because the server stopped reading from it, not because the
    // server is stuck, or gone: it still answers another client.
    let mut another = server.connect();
    let what = "another client, while one does not read";
    round_trip(&server, &mut another, b"anyone there?\n", what);
    println!("the server stopped taking bytes after {} KiB", sent >> 10);
}

#[test]
fn a_client_that_does_not_read_gets_every_byte_once_it_does() {
    let server = start();
    let flood = Flood::new();
    let (mut client, sent) = flood_until_stalled(&server, &flood);
    // Most of it is still in the sockets' buffers, not yet read by the server: it
    // comes back only if the server reads again once the client takes some echo.
    receive_flood(&server, &mut client, &flood, sent, AT_ONCE);
    round_trip(
        &server,
        &mut client,
        b"and now?\n",
        "a message after the flood",
    );
}

#[test]
fn a_client_that_reads_slowly_gets_every_byte() {
    let server = start();
    let flood = Flood::new();
    let (mut client, sent) = flood_until_stalled(&server, &flood);
    // Slower than the server writes: now and then it must wait for room to write,
    // while it still reads from the client, and until the end.
    let slowly = (16 << 10, Duration::from_millis(1));
    receive_flood(&server, &mut client, &flood, sent, slowly);
}

#[test]
fn another_client_is_served_while_one_does_not_read() {
    let server = start();
    let flood = Flood::new();
    let (mut stuck, sent) = flood_until_stalled(&server, &flood);
    let mut other = server.connect();
    for round in 0..5 {
        let message = pseudo_random_bytes(20_000, 100 + round);
        let what = format!("the other client, message {}", round + 1);
        round_trip(&server, &mut other, &message, &what);
    }
    // And the one that did not read still gets all of its echo.
    receive_flood(&server, &mut stuck, &flood, sent, AT_ONCE);
}

#[test]
fn a_client_that_closes_its_side_gets_every_byte_then_the_end() {
    let mut server = start();
    let flood = Flood::new();
    let (mut client, sent) = flood_until_stalled(&server, &flood);
    // "I will send nothing more", while the server is not reading from it: it sees
    // that only once it has read everything before.
    client.shutdown(Shutdown::Write).expect("half-close");
    receive_flood(&server, &mut client, &flood, sent, AT_ONCE);
    let mut rest = Vec::new();
    match client.read_to_end(&mut rest) {
        Ok(_) => assert!(
            rest.is_empty(),
            "{} bytes more than were sent came back",
            rest.len()
        ),
        Err(e) => panic!(
            "after the whole echo the server must close the connection; instead: {e}"
        ),
    }
    let me = client.local_addr().expect("an address").to_string();
    let line = server.wait_for_line(&format!("{me} disconnected"));
    assert!(
        line.ends_with(&format!(
            "disconnected after {sent} bytes: client closed the connection"
        )),
        "{line}"
    );
}
