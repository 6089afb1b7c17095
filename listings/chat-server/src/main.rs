//! chat-server: a chat room, where every line a client sends goes to everyone else
//! through an outbox per client. Shown in the Concurrent servers chapter; run it
//! with `cargo run -p chat-server` and connect with `cargo run -p chat-client`.

use anyhow::{Context, Result, anyhow, bail};
use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{
    IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream,
};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// How often a connection thread waiting for a line checks whether the server is
/// stopping.
const TICK: Duration = Duration::from_millis(100);
/// How many messages may wait for a client.
const OUTBOX: usize = 256;
/// How long a client's outbox may stay full before it counts as too slow and is
/// dropped.
const SLOW_READER: Duration = Duration::from_secs(2);
/// How long connections may take to finish once the server is stopping.
const GRACE: Duration = Duration::from_secs(2);
/// How long a name may be, in characters.
const MAX_NAME: usize = 32;

/// A connected client, as the others see it.
struct Member {
    name: String,
    /// Messages for this client; its own writer thread sends them.
    outbox: SyncSender<Arc<[u8]>>,
    /// A handle to the connection, to close it when the client cannot keep up.
    stream: TcpStream,
}

/// Everyone in the chat, by client address.
type Room = Mutex<HashMap<SocketAddr, Member>>;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Every open connection, by client address, so that shutdown can reach them all.
type Connections = Mutex<HashMap<SocketAddr, TcpStream>>;

fn run() -> Result<()> {
    let config = Config::from_args()?;
    let listener = TcpListener::bind(&config.addr).map_err(|e| match e.kind() {
        ErrorKind::AddrInUse => anyhow!(
            "address {} is already in use; pass another address",
            config.addr
        ),
        ErrorKind::InvalidInput => anyhow!(e).context(format!(
            "`{}` is not an address like 127.0.0.1:12345 or localhost:12345",
            config.addr
        )),
        _ => anyhow!(e).context(format!("cannot listen on {}", config.addr)),
    })?;
    let addr = listener.local_addr()?;
    println!("listening on {addr}");

    let stopping = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stopping);
    let wake = wake_addr(addr);
    ctrlc::set_handler(move || {
        flag.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(wake); // wake the accept loop
    })
    .context("cannot install the Ctrl-C handler")?;

    let room = Room::default();
    let connections = Connections::default();
    thread::scope(|s| {
        loop {
            let accepted = listener.accept();
            if stopping.load(Ordering::SeqCst) {
                break;
            }
            let (stream, peer) = match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    eprintln!("cannot accept a connection: {e}");
                    thread::sleep(Duration::from_millis(100));
                    continue;
                }
            };
            if !register(&connections, &stream, peer, config.max_connections) {
                continue;
            }
            let (room, config, stopping) = (&room, &config, &*stopping);
            let connections = &connections;
            s.spawn(move || {
                let ended = chat(stream, peer, room, config, stopping);
                connections.lock().expect("no thread panics").remove(&peer);
                match ended {
                    Ok(Some(how)) => println!("{peer} {how}"),
                    Ok(None) => {} // gone before saying a name
                    Err(e) => println!("{peer} disconnected: {e:#}"),
                }
            });
        }
        close_all_after_grace(&connections);
    }); // the scope joins every connection thread before it returns
    println!("stopped");
    Ok(())
}

/// Where to connect to wake the accept loop: the listener's own address, or loopback
/// when it listens on every address (`0.0.0.0` or `[::]`), which Windows cannot
/// connect to.
fn wake_addr(mut addr: SocketAddr) -> SocketAddr {
    if addr.ip().is_unspecified() {
        let loopback: IpAddr = match addr {
            SocketAddr::V4(_) => Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => Ipv6Addr::LOCALHOST.into(),
        };
        addr.set_ip(loopback);
    }
    addr
}

/// Adds a new connection to `connections`, or, when there are `max` already, tells
/// the client so and returns `false`. The lock is held only for this bookkeeping,
/// never while a thread waits for a client.
fn register(
    connections: &Connections,
    stream: &TcpStream,
    peer: SocketAddr,
    max: usize,
) -> bool {
    let mut open = connections.lock().expect("no thread panics");
    if open.len() >= max {
        drop(open);
        println!("{peer} refused: {max} clients already");
        let message = format!("* server full ({max} clients); try again later\n");
        let _ = (&*stream).write_all(message.as_bytes());
        return false;
    }
    match stream.try_clone() {
        Ok(handle) => {
            open.insert(peer, handle);
            true
        }
        Err(e) => {
            eprintln!("{peer}: cannot keep a handle to the connection: {e}");
            false
        }
    }
}

/// Gives the connections GRACE to finish, then shuts down the rest. That wakes any
/// thread still blocked writing to a client that does not read.
fn close_all_after_grace(connections: &Connections) {
    let left = connections.lock().expect("no thread panics").len();
    println!("stopping: waiting for {left} connection(s) to finish");
    let deadline = Instant::now() + GRACE;
    while Instant::now() < deadline
        && !connections.lock().expect("no thread panics").is_empty()
    {
        thread::sleep(TICK);
    }
    for stream in connections.lock().expect("no thread panics").values() {
        let _ = stream.shutdown(Shutdown::Both);
    }
}

// ANCHOR: chat
/// A line from a client, as `read_line` returns it.
enum Line {
    /// A line with its newline; the last one before the client closes may have none.
    Text(Vec<u8>),
    /// A line longer than `--max-line`.
    TooLong,
    /// The client closed the connection, or the server is stopping.
    End,
}

/// One client's whole visit: the name, then every line to everyone else, then
/// goodbye. Returns how it ended, for the log, such as `(alice) left`; `None`
/// if the client left before saying a name.
fn chat(
    stream: TcpStream,
    peer: SocketAddr,
    room: &Room,
    config: &Config,
    stopping: &AtomicBool,
) -> Result<Option<String>> {
    stream.set_read_timeout(Some(TICK))?;
    (&stream).write_all(b"* welcome! the first line you send is your name\n")?;
    let mut reader = BufReader::new(&stream);
    let max = config.max_line;
    let name = match read_line(&mut reader, max, stopping)? {
        Line::Text(name) => clean_name(&name, peer),
        Line::TooLong => bail!("line longer than {max} bytes"),
        Line::End => return Ok(None), // gone, or the server is stopping
    };

    let (outbox, inbox) = mpsc::sync_channel(OUTBOX);
    let member = Member {
        name: name.clone(),
        outbox,
        stream: stream.try_clone()?,
    };
    let ended = thread::scope(|s| {
        s.spawn(|| send_messages(&stream, inbox));
        let others = join(room, peer, member);
        println!("{peer} joined as {name}");
        deliver(room, others, format!("* {name} joined\n").as_bytes());

        let why = loop {
            match read_line(&mut reader, max, stopping) {
                Ok(Line::Text(line)) => broadcast(room, peer, &said(&name, &line)),
                Ok(Line::TooLong) => {
                    let error = format!("line longer than {max} bytes");
                    send(room, peer, &format!("* error: {error}; goodbye\n"));
                    break format!("disconnected: {error}");
                }
                Ok(Line::End) if stopping.load(Ordering::SeqCst) => {
                    send(room, peer, "* server shutting down; goodbye\n");
                    break "closed at shutdown".to_string();
                }
                Ok(Line::End) => break "left".to_string(),
                Err(e) => break format!("disconnected: {e}"),
            }
        };
        // drops the outbox: the writer thread sends what is left, then ends
        leave(room, peer);
        broadcast(room, peer, format!("* {name} left\n").as_bytes());
        format!("({name}) {why}")
    });
    let _ = stream.shutdown(Shutdown::Both);
    Ok(Some(ended))
}

/// A line as the others see it, `alice: hi`, always with a newline.
fn said(name: &str, line: &[u8]) -> Vec<u8> {
    let mut message = format!("{name}: ").into_bytes();
    message.extend_from_slice(line);
    if !message.ends_with(b"\n") {
        message.push(b'\n');
    }
    message
}
// ANCHOR_END: chat

// ANCHOR: room
/// Adds a member, with its greeting first in its outbox, and returns the others who
/// were already there. All under one lock: a line someone sends a moment later comes
/// after the greeting, and only those counted in it are told about the newcomer.
fn join(room: &Room, peer: SocketAddr, member: Member) -> Vec<SocketAddr> {
    let mut members = room.lock().expect("no thread panics");
    let others: Vec<SocketAddr> = members.keys().copied().collect();
    let hello = format!("* hello {}; {} other(s) here\n", member.name, others.len());
    let _ = member.outbox.try_send(Arc::from(hello.as_bytes())); // it is empty
    members.insert(peer, member);
    others
}

fn leave(room: &Room, peer: SocketAddr) {
    room.lock().expect("no thread panics").remove(&peer);
}

/// Queues `message` for everyone but `from`.
fn broadcast(room: &Room, from: SocketAddr, message: &[u8]) {
    let members = room.lock().expect("no thread panics");
    let to = members
        .keys()
        .filter(|addr| **addr != from)
        .copied()
        .collect();
    drop(members);
    deliver(room, to, message);
}

/// Queues `message` for each member in `to`. The lock is held only to put messages
/// in outboxes, never while waiting. When an outbox is full, the sender waits
/// outside the lock for room, so that no client can send faster than the others
/// read. A member whose outbox stays full for SLOW_READER is too slow to keep up,
/// and is disconnected instead of holding everyone else back.
fn deliver(room: &Room, mut to: Vec<SocketAddr>, message: &[u8]) {
    let message: Arc<[u8]> = Arc::from(message);
    let deadline = Instant::now() + SLOW_READER;
    loop {
        let members = room.lock().expect("no thread panics");
        // Keep the members whose outbox is full; the others got the message, or
        // left.
        to.retain(|addr| {
            members.get(addr).is_some_and(|member| {
                let sent = member.outbox.try_send(Arc::clone(&message));
                matches!(sent, Err(TrySendError::Full(_)))
            })
        });
        if to.is_empty() {
            return;
        }
        if Instant::now() >= deadline {
            for (addr, member) in
                members.iter().filter(|(addr, _)| to.contains(addr))
            {
                println!(
                    "{addr} ({}) is too slow to keep up; disconnecting",
                    member.name
                );
                let _ = member.stream.shutdown(Shutdown::Both);
            }
            return;
        }
        drop(members);
        thread::sleep(Duration::from_millis(10));
    }
}
// ANCHOR_END: room

/// Queues a message for one member.
fn send(room: &Room, to: SocketAddr, message: &str) {
    if let Some(member) = room.lock().expect("no thread panics").get(&to) {
        let _ = member.outbox.try_send(Arc::from(message.as_bytes()));
    }
}

/// The writer thread: sends each queued message, until the outbox is dropped.
fn send_messages(mut stream: &TcpStream, inbox: Receiver<Arc<[u8]>>) {
    for message in inbox {
        if stream.write_all(&message).is_err() {
            return; // the client is gone; its reader will notice too
        }
    }
}

// ANCHOR: read_line
/// Reads one line of at most `max` bytes, newline not counted. Waits for the rest
/// of a line as long as it takes, unless the server is stopping.
fn read_line(
    reader: &mut BufReader<&TcpStream>,
    max: usize,
    stopping: &AtomicBool,
) -> io::Result<Line> {
    let mut line = Vec::new();
    loop {
        // At most one byte more than `max`: the newline, or proof of a long line.
        let room_left = (max + 1 - line.len()) as u64;
        let read = reader.by_ref().take(room_left).read_until(b'\n', &mut line);
        match read {
            Ok(_) => return Ok(finished(line, max)),
            Err(e) if !no_line_yet(&e) => return Err(e),
            Err(_) if stopping.load(Ordering::SeqCst) => return Ok(Line::End),
            Err(_) => {} // what arrived so far stays in `line`
        }
    }
}

/// What `read_until` left in `line`: nothing at the end of the stream, a line with
/// its newline, the last line without one, or `max` + 1 bytes and no newline.
fn finished(line: Vec<u8>, max: usize) -> Line {
    if line.is_empty() {
        Line::End // the client closed the connection
    } else if line.len() > max && !line.ends_with(b"\n") {
        Line::TooLong
    } else {
        Line::Text(line)
    }
}

/// Whether a failed read only means that no whole line came yet: it waited a TICK
/// (`WouldBlock` on Unix, `TimedOut` on Windows), or a signal interrupted it.
fn no_line_yet(error: &io::Error) -> bool {
    use ErrorKind::{Interrupted, TimedOut, WouldBlock};
    matches!(error.kind(), WouldBlock | TimedOut | Interrupted)
}
// ANCHOR_END: read_line

/// The name a client asked for, trimmed and shortened, or one made from its port.
fn clean_name(line: &[u8], peer: SocketAddr) -> String {
    let name: String = String::from_utf8_lossy(line)
        .trim()
        .chars()
        .take(MAX_NAME)
        .collect();
    if name.is_empty() {
        format!("guest-{}", peer.port())
    } else {
        name
    }
}

/// Command-line options: `chat-server [ADDRESS] [--max-connections N] [--max-line
/// BYTES]`.
struct Config {
    /// As typed: `127.0.0.1:12345`, `localhost:12345` or `[::1]:12345`.
    addr: String,
    max_connections: usize,
    max_line: usize,
}

impl Config {
    fn from_args() -> Result<Config> {
        let mut config = Config {
            addr: "127.0.0.1:12345".into(),
            max_connections: 100,
            max_line: 1024,
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            let mut number = |option: &str| -> Result<usize> {
                let value = args
                    .next()
                    .with_context(|| format!("{option} needs a number"))?;
                value.parse().with_context(|| {
                    format!("{option} takes a whole number, not `{value}`")
                })
            };
            match arg.as_str() {
                "--max-connections" => config.max_connections = number(&arg)?,
                "--max-line" => config.max_line = number(&arg)?.max(1),
                _ if arg.starts_with("--") => bail!(
                    "unknown option {arg}; usage: [ADDRESS] [--max-connections N] \
                     [--max-line BYTES]"
                ),
                _ => config.addr = arg,
            }
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::wake_addr;

    #[test]
    fn a_server_on_every_address_is_woken_through_loopback() {
        let wake =
            |addr: &str| wake_addr(addr.parse().expect("an address")).to_string();
        assert_eq!(wake("0.0.0.0:12345"), "127.0.0.1:12345");
        assert_eq!(wake("[::]:12345"), "[::1]:12345");
        assert_eq!(wake("127.0.0.1:12345"), "127.0.0.1:12345");
        assert_eq!(wake("192.0.2.7:12345"), "192.0.2.7:12345");
    }
}
