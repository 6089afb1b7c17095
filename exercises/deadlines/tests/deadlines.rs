//! What `deadlines` must do. Run with `cargo test -p deadlines`; each test's name says
//! what it checks and its message says what went wrong. The tests start the server and
//! talk to it over TCP, as its clients do.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};
use testkit::{LIMIT, Server, pseudo_random_bytes};

/// The program under test: the exercise, or its solution (they share this file).
fn program() -> &'static Path {
    let path = option_env!("CARGO_BIN_EXE_deadlines")
        .or(option_env!("CARGO_BIN_EXE_deadlines-solution"))
        .expect("cargo test builds the program");
    Path::new(path)
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

/// Sends `message` and checks that it comes back byte for byte; `Err` says what went
/// wrong.
fn round_trip(client: &mut TcpStream, message: &[u8]) -> Result<(), String> {
    let n = message.len();
    client
        .write_all(message)
        .map_err(|e| format!("the server did not take {n} bytes: {e}"))?;
    let mut echo = vec![0; n];
    client
        .read_exact(&mut echo)
        .map_err(|e| format!("the echo of {n} bytes did not come back: {e}"))?;
    if echo != message {
        return Err(format!("the echo of {n} bytes differs from what was sent"));
    }
    Ok(())
}

/// Everything the server sends until it closes the connection.
fn until_closed(server: &Server, client: &mut TcpStream, what: &str) -> Vec<u8> {
    let mut rest = Vec::new();
    match client.read_to_end(&mut rest) {
        Ok(_) => rest,
        Err(e)
            if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) =>
        {
            panic!(
                "{what}: the server did not close the connection within {LIMIT:?}, and \
                 sent {:?}; its stderr:\n{}",
                String::from_utf8_lossy(&rest),
                stderr_of(server)
            )
        }
        Err(e) => panic!(
            "{what}: the connection ended with an error, {e}, after {:?}; the server's \
             stderr:\n{}",
            String::from_utf8_lossy(&rest),
            stderr_of(server)
        ),
    }
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

    /// The byte at position `at` of the flood.
    fn byte(&self, at: usize) -> u8 {
        self.block[at % self.block.len()]
    }
}

/// The most that a client reading none of its echo may send before the server stops
/// taking its bytes: what the server keeps for a client (64 KiB) and what the sockets'
/// buffers hold, in both directions (a few MiB on loopback), with room to spare.
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
            sent <= FLOOD_LIMIT && started.elapsed() < LIMIT,
            "the server took {} MiB from a client that reads none of its echo, and \
             still takes more: the exercise's server stops reading from such a client",
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
                "the server dropped a client that sent {sent} bytes and read none, \
                 before it stopped reading from it: {e}; its stderr:\n{}",
                stderr_of(server)
            ),
        }
    }
    client.set_write_timeout(Some(LIMIT)).expect("a timeout");
    (client, sent)
}

/// Reads the echo of bytes `at..n` of the flood and checks it.
fn receive_flood(
    server: &Server,
    client: &mut TcpStream,
    flood: &Flood,
    mut at: usize,
    n: usize,
) {
    let mut buf = vec![0; 1 << 16];
    while at < n {
        let want = (n - at).min(buf.len());
        match client.read(&mut buf[..want]) {
            Ok(0) => panic!(
                "the server closed the connection after {at} of {n} bytes of echo; its \
                 stderr:\n{}",
                stderr_of(server)
            ),
            Ok(k) => {
                let differs = (0..k).find(|&i| buf[i] != flood.byte(at + i));
                if let Some(i) = differs {
                    panic!(
                        "the echo differs from what was sent from byte {} on",
                        at + i
                    );
                }
                at += k;
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => panic!(
                "{at} of {n} bytes of echo came back, then: {e}; the server's stderr:\n{}",
                stderr_of(server)
            ),
        }
    }
}

/// Sets its flag when dropped, on panic too.
struct StopOnDrop<'a>(&'a AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[test]
fn an_idle_client_is_closed_after_the_idle_timeout_and_others_go_on() {
    testkit::check_idle_timeout(program());
}

#[test]
fn a_client_that_goes_quiet_is_closed_one_idle_timeout_after_its_last_message() {
    let mut server =
        Server::start(program(), &["127.0.0.1:0", "--idle-timeout", "1"]);
    let mut client = server.connect();
    // Half-way through its first second: when that second is over, the client has
    // been active since, and its time runs until a second after this message.
    thread::sleep(Duration::from_millis(500));
    round_trip(&mut client, b"one message, then nothing\n").unwrap_or_else(|why| {
        panic!("{why}; the server's stderr:\n{}", stderr_of(&server))
    });
    let last = Instant::now();
    let what = "a client quiet after one message, with an idle timeout of 1 s";
    let closed = until_closed(&server, &mut client, what);
    let waited = last.elapsed();
    assert_eq!(String::from_utf8_lossy(&closed), "closing: idle for 1 s\n");
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(3),
        "closed {waited:?} after its last message, with an idle timeout of 1 s"
    );
    server.wait_for_line("idle timeout");
}

#[test]
fn a_client_that_never_reads_is_dropped_after_two_seconds_while_others_are_served() {
    let mut server = Server::start(program(), &["127.0.0.1:0"]);
    let flood = Flood::new();
    let started = Instant::now();
    let (stuck, _) = flood_until_stalled(&server, &flood);
    let stalled = Instant::now();
    let victim = stuck.local_addr().expect("an address").to_string();
    let mut other = server.connect();
    let done = AtomicBool::new(false);
    let (line, dropped, served) = thread::scope(|s| {
        // Another client talks all along, a message every 200 ms.
        let talking = s.spawn(|| {
            let mut rounds = 0;
            while !done.load(Ordering::SeqCst) {
                let message = pseudo_random_bytes(10_000, rounds + 1);
                round_trip(&mut other, &message)?;
                rounds += 1;
                thread::sleep(Duration::from_millis(200));
            }
            Ok::<u64, String>(rounds)
        });
        let line = {
            // It stops once the server has dropped the stuck client, or failed to.
            let _stop = StopOnDrop(&done);
            server.wait_for_line("took none of it")
        };
        let dropped = started.elapsed();
        (
            line,
            dropped,
            talking.join().expect("the other client's thread"),
        )
    });
    assert!(
        line.starts_with(&victim),
        "the line is about another client than the one that never reads ({victim}): \
         {line}"
    );
    assert!(
        line.ends_with(
            "cannot send the echo back: the client took none of it for 2 s"
        ),
        "{line}"
    );
    assert!(
        dropped >= Duration::from_secs(2),
        "dropped {dropped:?} after it connected: too early, as SLOW_READER is 2 s"
    );
    let since_stalled = dropped - (stalled - started);
    assert!(
        since_stalled < Duration::from_secs(6),
        "dropped {since_stalled:?} after its writes stalled, which was half a second \
         after the server last sent it something: SLOW_READER is 2 s"
    );
    match served {
        Ok(rounds) => {
            assert!(rounds > 0, "the other client was not served meanwhile")
        }
        Err(why) => panic!("the other client, meanwhile: {why}"),
    }
    round_trip(&mut other, b"and still served\n")
        .unwrap_or_else(|why| panic!("the other client, afterwards: {why}"));
}

#[test]
#[cfg_attr(
    windows,
    ignore = "a test cannot send Ctrl-C to one process on Windows; press Ctrl-C in the server's window"
)]
fn ctrl_c_says_goodbye_to_quiet_clients_and_exits_0_in_time() {
    testkit::check_ctrl_c(program());
}

#[test]
#[cfg_attr(
    windows,
    ignore = "a test cannot send Ctrl-C to one process on Windows; press Ctrl-C in the server's window"
)]
fn ctrl_c_lets_a_client_still_taking_its_echo_have_all_of_it_then_says_goodbye() {
    let mut server = Server::start(program(), &["127.0.0.1:0"]);
    let flood = Flood::new();
    let (mut client, sent) = flood_until_stalled(&server, &flood);
    // It takes some of its echo, and the server sends it more. Then it neither sends
    // nor reads for longer than QUIET; but megabytes of echo still wait for it, so it
    // is not a quiet client but one that owes a read: it has SLOW_READER to take more.
    let some = sent.min(1 << 20);
    receive_flood(&server, &mut client, &flood, 0, some);
    thread::sleep(Duration::from_millis(300));
    server.interrupt();
    server.wait_for_line("stopping");
    receive_flood(&server, &mut client, &flood, some, sent);
    let what = "a client that took all of its echo after Ctrl-C";
    let rest = until_closed(&server, &mut client, what);
    assert_eq!(
        String::from_utf8_lossy(&rest),
        "server shutting down; goodbye\n",
        "{what}"
    );
    let status = server.wait_for_exit(LIMIT).expect("the server exits");
    assert!(status.success(), "{status:?}");
}
