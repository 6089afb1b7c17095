//! One hostile-client contract for every server the book ships.
//!
//! `tests/contract.rs` at the root of the repository lists every server with its protocol,
//! and [`hostile_client_contract!`](crate::hostile_client_contract) writes one `#[test]`
//! for each thing a careless or hostile client does: reset the connection right after
//! connecting or in the middle of a message, send one byte a second, a megabyte at once,
//! bytes that are not UTF-8, close its sending side. For servers that serve many clients
//! at once and stop gracefully it adds more: a slow client and one that never reads must
//! not hold up the others, and Ctrl-C (SIGTERM too, on Unix) must stop the server within
//! its grace period with every one of those clients connected (Windows runs no signal cases:
//! a test there cannot send Ctrl-C to one process).
//!
//! After each case the server must still be running, must not have panicked, and must
//! still serve a new client correctly.

use crate::{LIMIT, Server, pseudo_random_bytes};
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// What a server speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// Every byte comes back on the same connection (the echo servers).
    Echo,
    /// The first line is a name; every later line goes to the other clients as
    /// `name: line` (chat-server).
    Chat,
    /// One reply line for each command line, such as `ECHO text` or `PING` (the
    /// line-server exercise).
    Lines,
}

/// A server program under the contract.
pub struct Target {
    /// Its package, whose binary of the same name the tests build and start.
    pub package: &'static str,
    pub protocol: Protocol,
}

impl Target {
    fn start(&self) -> Server {
        Server::start(&crate::binary(self.package), &["127.0.0.1:0"])
    }
}

/// Writes a module of tests named `$module`, one `#[test]` for each case of the contract,
/// for the server in package `$package` that speaks `$protocol` (a [`Protocol`]). With
/// `grace: SECONDS`, for a server that serves many clients at once and stops gracefully,
/// giving its connections that long to finish, it adds the cases of slow and stuck
/// clients and of Ctrl-C and SIGTERM.
///
/// ```text
/// testkit::hostile_client_contract!(echo_server: "echo-server", Echo);
/// testkit::hostile_client_contract!(chat_server: "chat-server", Chat, grace: 2);
/// ```
#[macro_export]
macro_rules! hostile_client_contract {
    ($module:ident: $package:literal, $protocol:ident $(, grace: $grace:literal)?) => {
        mod $module {
            use $crate::contract::*;

            const TARGET: Target = Target {
                package: $package,
                protocol: Protocol::$protocol,
            };

            #[test]
            fn a_client_that_resets_right_after_connecting_does_not_stop_the_server() {
                reset_right_after_connect(&TARGET);
            }

            #[test]
            fn a_client_that_resets_in_the_middle_of_a_message_does_not_stop_the_server() {
                reset_mid_message(&TARGET);
            }

            #[test]
            fn a_message_sent_one_byte_a_second_is_answered_whole() {
                one_byte_a_second(&TARGET);
            }

            #[test]
            fn a_megabyte_sent_at_once_is_answered_byte_for_byte() {
                a_megabyte_at_once(&TARGET);
            }

            #[test]
            fn bytes_that_are_not_utf8_are_handled_and_the_connection_goes_on() {
                bytes_that_are_not_utf8(&TARGET);
            }

            #[test]
            fn a_half_closed_client_gets_every_answer_and_then_the_end() {
                half_close(&TARGET);
            }

            $(
            const GRACE: std::time::Duration = std::time::Duration::from_secs($grace);

            #[test]
            fn slow_and_stuck_clients_do_not_hold_up_the_others() {
                slow_and_stuck_clients(&TARGET);
            }

            #[test]
            #[cfg_attr(
                windows,
                ignore = "a test cannot send Ctrl-C to one process on Windows; press Ctrl-C in the server's window"
            )]
            fn ctrl_c_stops_the_server_within_its_grace_period_whatever_the_clients_do() {
                stop_with_every_hostile_client(&TARGET, GRACE, "INT");
            }

            #[test]
            #[cfg_attr(windows, ignore = "Windows has no SIGTERM")]
            fn sigterm_stops_the_server_within_its_grace_period_whatever_the_clients_do() {
                stop_with_every_hostile_client(&TARGET, GRACE, "TERM");
            }
            )?
        }
    };
}

impl Protocol {
    /// What a client sends to have `text` answered: sent back by an echo or line server,
    /// passed on to the others by a chat server.
    fn request(self, text: &[u8]) -> Vec<u8> {
        match self {
            Protocol::Echo => text.to_vec(),
            Protocol::Chat => [text, b"\n"].concat(),
            Protocol::Lines => [b"ECHO ", text, b"\n"].concat(),
        }
    }

    /// What arrives for that request from the client called `from`.
    fn answer(self, from: &str, text: &[u8]) -> Vec<u8> {
        match self {
            Protocol::Echo => text.to_vec(),
            Protocol::Chat => [format!("{from}: ").as_bytes(), text, b"\n"].concat(),
            Protocol::Lines => [text, b"\n"].concat(),
        }
    }

    /// The longest `text` one request may carry: a chat or command line has a limit of
    /// 1,024 bytes.
    fn max_text(self) -> usize {
        match self {
            Protocol::Echo => 100_000,
            Protocol::Chat | Protocol::Lines => 1000,
        }
    }

    /// A short request and its answer, for sending slowly.
    fn short(self, from: &str) -> (Vec<u8>, Vec<u8>) {
        match self {
            Protocol::Lines => (b"PING\n".to_vec(), b"PONG\n".to_vec()),
            _ => (self.request(b"hi"), self.answer(from, b"hi")),
        }
    }
}

/// `n` letters and digits, the same for the same `seed`: text any protocol takes.
fn text(seed: u64, n: usize) -> Vec<u8> {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    pseudo_random_bytes(n, seed)
        .into_iter()
        .map(|b| ALPHABET[b as usize % ALPHABET.len()])
        .collect()
}

/// Chat names, different for every client of a test run.
static NEXT: AtomicUsize = AtomicUsize::new(1);

/// One client of the server under test.
struct Client {
    protocol: Protocol,
    stream: TcpStream,
    reader: BufReader<TcpStream>,
    /// The name it joined a chat with.
    name: String,
}

impl Client {
    /// Connects; in a chat, also reads the welcome, says a name and waits for the
    /// greeting.
    fn open(server: &Server, protocol: Protocol) -> Client {
        let stream = server.connect();
        let reader = BufReader::new(stream.try_clone().expect("a second handle"));
        let name = format!("client{}", NEXT.fetch_add(1, Ordering::SeqCst));
        let mut client = Client {
            protocol,
            stream,
            reader,
            name,
        };
        if protocol == Protocol::Chat {
            client.line(); // the welcome
            client.send(format!("{}\n", client.name).as_bytes());
            let hello = format!("* hello {};", client.name);
            client.skip_to(|line| line.starts_with(hello.as_bytes()));
        }
        client
    }

    fn send(&mut self, bytes: &[u8]) {
        self.stream
            .write_all(bytes)
            .unwrap_or_else(|e| panic!("{}: sending {} bytes: {e}", self.name, bytes.len()));
    }

    /// The next line, newline included.
    fn line(&mut self) -> Vec<u8> {
        let mut line = Vec::new();
        match self.reader.read_until(b'\n', &mut line) {
            Ok(_) if line.ends_with(b"\n") => line,
            Ok(_) => panic!("{}: the connection ended instead of a line", self.name),
            Err(e) => panic!("{}: no line within {LIMIT:?}: {e}", self.name),
        }
    }

    /// Reads lines until one that `wanted` accepts, and returns it. Other lines are what
    /// other clients said or `* ...` announcements.
    fn skip_to(&mut self, wanted: impl Fn(&[u8]) -> bool) -> Vec<u8> {
        loop {
            let line = self.line();
            if wanted(&line) {
                return line;
            }
        }
    }

    /// Reads what arrives for a request from `from` and checks it is `expected`.
    fn expect(&mut self, from: &str, expected: &[u8]) {
        let got = match self.protocol {
            Protocol::Echo => {
                let mut got = vec![0; expected.len()];
                if let Err(e) = self.reader.read_exact(&mut got) {
                    panic!("{}: {} bytes expected back: {e}", self.name, expected.len());
                }
                got
            }
            Protocol::Lines => self.line(),
            Protocol::Chat => {
                let prefix = format!("{from}: ");
                self.skip_to(|line| line.starts_with(prefix.as_bytes()))
            }
        };
        if got != expected {
            let at = got.iter().zip(expected).take_while(|(a, b)| a == b).count();
            panic!(
                "{}: {} bytes arrived where {} were expected, different from byte {at}: \
                 {:?}… instead of {:?}…",
                self.name,
                got.len(),
                expected.len(),
                String::from_utf8_lossy(&got[at..(at + 40).min(got.len())]),
                String::from_utf8_lossy(&expected[at..(at + 40).min(expected.len())]),
            );
        }
    }

    /// Closes the connection with a reset (RST) instead of the usual goodbye (FIN), as
    /// when a client crashes or is killed: SO_LINGER with a zero timeout, then close.
    fn reset(self) {
        reset(self.stream);
        drop(self.reader); // the second handle: only now is the socket closed
    }
}

/// See [`Client::reset`].
fn reset(stream: TcpStream) {
    socket2::SockRef::from(&stream)
        .set_linger(Some(Duration::ZERO))
        .expect("SO_LINGER can be set");
}

/// A client and whoever receives what it sends: itself, or in a chat another client.
struct Talk {
    sender: Client,
    listener: Option<Client>,
}

impl Talk {
    fn open(server: &Server, protocol: Protocol) -> Talk {
        let sender = Client::open(server, protocol);
        let listener = (protocol == Protocol::Chat).then(|| Client::open(server, protocol));
        Talk { sender, listener }
    }

    fn receiver(&mut self) -> &mut Client {
        self.listener.as_mut().unwrap_or(&mut self.sender)
    }

    /// Sends a request for `text` and checks its answer.
    fn say(&mut self, text: &[u8]) {
        let protocol = self.sender.protocol;
        self.sender.send(&protocol.request(text));
        let name = self.sender.name.clone();
        self.receiver().expect(&name, &protocol.answer(&name, text));
    }
}

/// Checks that a new client is served correctly, three messages of different sizes.
fn served(server: &Server, protocol: Protocol, seed: u64) {
    let mut talk = Talk::open(server, protocol);
    for (round, size) in [1, 100, protocol.max_text().min(1000)]
        .into_iter()
        .enumerate()
    {
        talk.say(&text(seed * 10 + round as u64, size));
    }
}

/// Checks that the server is still running, has not panicked, and serves a new client
/// correctly. Call it once the case's own clients are gone: a server that serves one
/// client at a time gets to the new one only then.
fn still_serving(server: &mut Server, protocol: Protocol, seed: u64) {
    let stderr = server.stderr();
    assert!(server.is_running(), "the server stopped; stderr:\n{stderr}");
    assert!(
        !stderr.contains("panicked"),
        "the server panicked:\n{stderr}"
    );
    served(server, protocol, seed);
}

/// Ten clients connect and reset while the server is busy with another, then a new
/// client must be served.
pub fn reset_right_after_connect(target: &Target) {
    let mut server = target.start();
    // Keep the server busy with one client, so that a server that serves one client at a
    // time finds the reset connections waiting when it next calls `accept`: by then
    // they are gone, and asking who they are fails.
    let mut busy = Talk::open(&server, target.protocol);
    busy.say(b"busy");
    for _ in 0..10 {
        reset(TcpStream::connect(server.addr).expect("the server accepts connections"));
    }
    drop(busy);
    still_serving(&mut server, target.protocol, 1);
}

/// A client the server is serving resets half-way through a request; a new client must
/// be served.
pub fn reset_mid_message(target: &Target) {
    let mut server = target.start();
    let mut talk = Talk::open(&server, target.protocol);
    talk.say(b"the server is serving this client");
    let request = target
        .protocol
        .request(&text(2, target.protocol.max_text()));
    talk.sender.send(&request[..request.len() / 2]);
    talk.sender.reset();
    still_serving(&mut server, target.protocol, 2);
}

/// The pause between the bytes of a slow client.
const SLOW: Duration = Duration::from_secs(1);

/// A request sent one byte a second is answered whole.
pub fn one_byte_a_second(target: &Target) {
    let mut server = target.start();
    let mut talk = Talk::open(&server, target.protocol);
    let (request, answer) = target.protocol.short(&talk.sender.name);
    talk.sender.stream.set_nodelay(true).expect("nodelay");
    for (i, byte) in request.iter().enumerate() {
        if i > 0 {
            thread::sleep(SLOW);
        }
        talk.sender.send(&[*byte]);
    }
    let name = talk.sender.name.clone();
    talk.receiver().expect(&name, &answer);
    drop(talk);
    still_serving(&mut server, target.protocol, 3);
}

/// About a mebibyte of requests and their answers: one request for an echo server,
/// lines of 1,000 bytes for line protocols (of any byte but the newline, for a chat).
fn a_megabyte(protocol: Protocol, from: &str) -> (Vec<u8>, Vec<u8>) {
    let bytes = pseudo_random_bytes(1 << 20, 4);
    if protocol == Protocol::Echo {
        return (bytes.clone(), bytes);
    }
    let (mut requests, mut answers) = (Vec::new(), Vec::new());
    for (i, chunk) in bytes.chunks(1000).enumerate() {
        let line: Vec<u8> = match protocol {
            // Not a command (`/who`), and no newline inside.
            Protocol::Chat => [&b"."[..], &chunk[1..]]
                .concat()
                .into_iter()
                .map(|b| if b == b'\n' { b' ' } else { b })
                .collect(),
            _ => text(i as u64, chunk.len()),
        };
        requests.extend(protocol.request(&line));
        answers.extend(protocol.answer(from, &line));
    }
    (requests, answers)
}

/// About a mebibyte of requests in one write, read while it is written, is answered
/// byte for byte and in order.
pub fn a_megabyte_at_once(target: &Target) {
    let mut server = target.start();
    let mut talk = Talk::open(&server, target.protocol);
    let (requests, answers) = a_megabyte(target.protocol, &talk.sender.name);
    let name = talk.sender.name.clone();
    let writer = talk.sender.stream.try_clone().expect("a second handle");
    thread::scope(|s| {
        // One write of everything, while the answers are read: a client that wrote
        // first and read afterwards would deadlock with any server (Sockets chapter).
        s.spawn(move || {
            (&writer)
                .write_all(&requests)
                .expect("the server takes it all")
        });
        let receiver = talk.receiver();
        match receiver.protocol {
            Protocol::Echo => receiver.expect(&name, &answers),
            _ => {
                for answer in answers.split_inclusive(|&b| b == b'\n') {
                    receiver.expect(&name, answer);
                }
            }
        }
    });
    drop(talk);
    still_serving(&mut server, target.protocol, 4);
}

/// Bytes that are not UTF-8 are echoed or passed on unchanged (or, for a text command,
/// refused with an error), and the connection goes on.
pub fn bytes_that_are_not_utf8(target: &Target) {
    let mut server = target.start();
    let mut talk = Talk::open(&server, target.protocol);
    let name = talk.sender.name.clone();
    match target.protocol {
        Protocol::Lines => {
            talk.sender.send(b"ECHO \xff\xfe\n");
            talk.receiver().expect(&name, b"ERR not UTF-8\n");
        }
        protocol => {
            // Every byte value but the newline, which ends a line.
            let bytes: Vec<u8> = (0..=255u8).rev().filter(|&b| b != b'\n').collect();
            assert!(String::from_utf8(bytes.clone()).is_err());
            talk.sender.send(&protocol.request(&bytes));
            talk.receiver()
                .expect(&name, &protocol.answer(&name, &bytes));
        }
    }
    talk.say(b"still here");
    drop(talk);
    still_serving(&mut server, target.protocol, 5);
}

/// A client that half-closes after two requests gets both answers, then the end of the
/// stream.
pub fn half_close(target: &Target) {
    let mut server = target.start();
    let protocol = target.protocol;
    let mut talk = Talk::open(&server, protocol);
    let name = talk.sender.name.clone();
    let texts: [&[u8]; 2] = [b"first part", b"second part"];
    for text in texts {
        talk.sender.send(&protocol.request(text));
    }
    // "I will send nothing more": the connection stays open for the answers.
    talk.sender
        .stream
        .shutdown(Shutdown::Write)
        .expect("half-close");
    for text in texts {
        talk.receiver().expect(&name, &protocol.answer(&name, text));
    }
    let mut rest = Vec::new();
    if let Err(e) = talk.sender.reader.read_to_end(&mut rest) {
        panic!("after the answers the server must close the connection: {e}");
    }
    if let Some(listener) = &mut talk.listener {
        let left = format!("* {name} left\n");
        listener.skip_to(|line| line == left.as_bytes());
    } else {
        assert!(rest.is_empty(), "more than the answers: {rest:?}");
    }
    drop(talk);
    still_serving(&mut server, target.protocol, 6);
}

/// A client that sends and never reads what the server sends it. `new` returns once
/// the server is shown to be stuck sending to it.
struct Stuck {
    client: Client,
    /// In a chat, the client whose lines fill the stuck one's connection.
    _talker: Option<Client>,
}

impl Stuck {
    /// `None` where the test cannot tell that the server is stuck (a chat, off Linux).
    fn new(server: &Server, protocol: Protocol) -> Option<Stuck> {
        match protocol {
            Protocol::Chat => Stuck::in_chat(server),
            _ => Some(Stuck {
                client: Stuck::until_writes_stall(server, protocol),
                _talker: None,
            }),
        }
    }

    /// Sends requests until the server stops taking them. An echo or line server reads
    /// a request only once it has sent the answer to the one before, so when the
    /// client's writes stall, the server is stuck sending to a client that does not read.
    fn until_writes_stall(server: &Server, protocol: Protocol) -> Client {
        let mut client = Client::open(server, protocol);
        let requests: Vec<u8> = (0..64)
            .flat_map(|i| protocol.request(&text(i, protocol.max_text().min(1000))))
            .collect();
        let quiet = Duration::from_millis(100);
        client
            .stream
            .set_write_timeout(Some(quiet))
            .expect("timeout");
        let (started, mut sent, mut quiet_spells) = (Instant::now(), 0, 0);
        // Five quiet spells in a row: nothing taken for half a second.
        while quiet_spells < 5 {
            assert!(
                started.elapsed() < LIMIT,
                "{} MB sent in {LIMIT:?} and the server still takes more: does it read \
                 without sending anything back?",
                sent >> 20
            );
            let at = sent % requests.len();
            match client.stream.write(&requests[at..]) {
                Ok(n) => (sent, quiet_spells) = (sent + n, 0),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    quiet_spells += 1
                }
                Err(e) => panic!("the server dropped the client before it stalled: {e}"),
            }
        }
        client
            .stream
            .set_write_timeout(Some(LIMIT))
            .expect("timeout");
        client
    }

    /// A chat member that never reads, and another that talks until one of the server's
    /// threads is stuck sending to it. A chat server reads the talker whatever happens
    /// to the others, so only the operating system can tell that a thread is stuck: on
    /// Linux, /proc says which system call each thread is in.
    fn in_chat(server: &Server) -> Option<Stuck> {
        if server.a_thread_is_sending().is_none() {
            println!(
                "not checked on this OS: a chat client that never reads (the test cannot \
                 see whether a server thread is stuck sending; Linux's /proc shows it)"
            );
            return None;
        }
        let client = Client::open(server, Protocol::Chat);
        let mut talker = Client::open(server, Protocol::Chat);
        let line = Protocol::Chat.request(&text(5, 1000));
        let started = Instant::now();
        loop {
            // A few lines at a time: the stuck member's queue of messages (256) must not
            // fill up, or the server would rightly drop it as too slow.
            for _ in 0..16 {
                talker.send(&line);
            }
            if server.a_thread_is_sending() == Some(true) {
                // Still sending 200 ms after the talker paused: stuck, not busy.
                thread::sleep(Duration::from_millis(200));
                if server.a_thread_is_sending() == Some(true) {
                    return Some(Stuck {
                        client,
                        _talker: Some(talker),
                    });
                }
            }
            assert!(
                started.elapsed() < LIMIT,
                "no server thread got stuck sending to a client that never reads \
                 within {LIMIT:?}"
            );
            thread::sleep(Duration::from_millis(5));
        }
    }

    fn addr(&self) -> String {
        self.client
            .stream
            .local_addr()
            .expect("an address")
            .to_string()
    }
}

/// In a chat everyone receives everyone's lines, so the flood that gets the server stuck
/// on one member would fill the queues of every member that joined before it: there the
/// stuck member comes first. Elsewhere it comes last, just before it is needed, because
/// the servers give up on a client that has not read for two seconds.
fn stuck_first(protocol: Protocol) -> bool {
    protocol == Protocol::Chat
}

/// A new client is served while one client is half-way through a request and the
/// server is stuck sending to another that never reads.
pub fn slow_and_stuck_clients(target: &Target) {
    let mut server = target.start();
    let protocol = target.protocol;
    let early = stuck_first(protocol).then(|| Stuck::new(&server, protocol));
    let mut slow = Talk::open(&server, protocol);
    let (request, answer) = protocol.short(&slow.sender.name);
    slow.sender.send(&request[..1]);
    let stuck = early.unwrap_or_else(|| Stuck::new(&server, protocol));
    // While one client is in the middle of a request and another does not read, a new
    // one is served.
    served(&server, protocol, 6);
    slow.sender.send(&request[1..]);
    let name = slow.sender.name.clone();
    slow.receiver().expect(&name, &answer);
    drop((slow, stuck));
    still_serving(&mut server, protocol, 7);
}

/// Connects every kind of hostile client, sends the server `signal` (`INT`, as Ctrl-C
/// does, or `TERM`), and checks that it exits with 0 within `grace` and one second.
pub fn stop_with_every_hostile_client(target: &Target, grace: Duration, signal: &str) {
    let mut server = target.start();
    let protocol = target.protocol;
    let early = stuck_first(protocol).then(|| Stuck::new(&server, protocol));
    let _idle = Talk::open(&server, protocol);
    let mut slow = Talk::open(&server, protocol);
    slow.sender.send(&protocol.short(&slow.sender.name).0[..1]);
    let mut half = Talk::open(&server, protocol);
    half.sender.send(&protocol.request(b"bye"));
    half.sender
        .stream
        .shutdown(Shutdown::Write)
        .expect("half-close");
    let mut strange = Talk::open(&server, protocol);
    strange
        .sender
        .send(&protocol.request(b"\xff\xfe not UTF-8"));
    let mut gone = Talk::open(&server, protocol);
    gone.sender.send(&protocol.request(&text(7, 1000))[..500]);
    gone.sender.reset();
    reset(TcpStream::connect(server.addr).expect("the server accepts connections"));
    // A client that keeps sending megabytes and reading the answers; not in a chat,
    // where its lines would flood every member.
    let busy = (protocol != Protocol::Chat).then(|| Client::open(&server, protocol));
    thread::scope(|s| {
        if let Some(busy) = &busy {
            let (requests, _) = a_megabyte(protocol, &busy.name);
            let (mut to_server, mut from_server) = (&busy.stream, &busy.stream);
            s.spawn(move || while to_server.write_all(&requests).is_ok() {});
            s.spawn(move || {
                let mut buf = vec![0; 1 << 16];
                while let Ok(1..) = from_server.read(&mut buf) {}
            });
        }
        let stuck = early.unwrap_or_else(|| Stuck::new(&server, protocol));

        server.signal(signal);
        let started = Instant::now();
        let limit = grace + Duration::from_secs(1);
        let Some(status) = server.wait_for_exit(limit) else {
            panic!(
                "SIG{signal}: the server did not exit within {limit:?}; its log:\n{}",
                server.log().join("\n")
            );
        };
        let took = started.elapsed();
        assert!(
            status.success(),
            "SIG{signal}: {status:?}\n{}",
            server.stderr()
        );
        assert_eq!(server.log().last().map(String::as_str), Some("stopped"));
        println!("SIG{signal}: exited with 0 after {took:?}");
        let Some(stuck) = stuck else { return };
        let (victim, log) = (stuck.addr(), server.log());
        let too_slow = log
            .iter()
            .find(|l| l.contains(&victim) && l.contains("too slow"));
        assert!(
            too_slow.is_none(),
            "the client that never reads was dropped before the signal, so the test did \
             not check a shutdown with the server stuck sending: {too_slow:?}"
        );
        if protocol != Protocol::Chat {
            // Its connection ended after the server began to stop, not before: the
            // server was still stuck sending to it when the signal came.
            let stopping = log.iter().position(|l| l.starts_with("stopping"));
            let ended = log.iter().rposition(|l| l.contains(&victim));
            assert!(
                stopping.is_some() && ended > stopping,
                "the server let go of the client that never reads before it began to \
                 stop; its log:\n{}",
                log.join("\n")
            );
        }
    });
}
