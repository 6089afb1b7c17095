//! echo-server-mio: the echo server on one thread with an event loop. mio says which
//! connections are ready, and the server never waits for any one of them. Shown in
//! the Non-blocking I/O chapter; run it with `cargo run -p echo-server-mio`.

use anyhow::{Context, Result, anyhow, bail};
use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Registry, Token, Waker};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::io::{ErrorKind, Read, Write};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// How long connections may take to finish once the server is stopping.
const GRACE: Duration = Duration::from_secs(2);
/// How long the server waits for a client to take some of its echo.
const SLOW_READER: Duration = Duration::from_secs(2);
/// Once the server is stopping, a client that has sent nothing for this long is
/// told goodbye and closed.
const QUIET: Duration = Duration::from_millis(100);
/// How many bytes may wait for a client to read them. With that many waiting, the
/// server stops reading from the client until it reads its echo.
const MAX_PENDING: usize = 64 * 1024;
/// How many reads one connection gets in a row before the others have their turn.
const READS_PER_TURN: usize = 16;

/// The listening socket's token; each connection gets its own, from 2 up.
const LISTENER: Token = Token(0);
/// The token of the `Waker` that Ctrl-C uses to stop the loop.
const CTRL_C: Token = Token(1);

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

// ANCHOR: run
fn run() -> Result<()> {
    let config = Config::from_args()?;
    let listener = listen(&config.addr)?;
    println!("listening on {}", listener.local_addr()?);

    let mut poll = Poll::new().context("cannot create the event loop")?;
    let mut server = Server::new(listener, config, poll.registry())?;
    // Ctrl-C runs on a thread of its own; the waker makes `poll` return.
    let waker =
        Waker::new(poll.registry(), CTRL_C).context("cannot create a waker")?;
    ctrlc::set_handler(move || {
        let _ = waker.wake();
    })
    .context("cannot install the Ctrl-C handler")?;

    let mut events = Events::with_capacity(1024);
    while !server.is_done() {
        // Wait until a socket is ready or the next deadline comes.
        let timeout = server
            .next_deadline()
            .map(|at| at.saturating_duration_since(Instant::now()));
        if let Err(e) = poll.poll(&mut events, timeout) {
            if e.kind() == ErrorKind::Interrupted {
                continue;
            }
            return Err(e).context("cannot wait for events");
        }
        for event in &events {
            match event.token() {
                LISTENER => server.accept_all(poll.registry()),
                CTRL_C => server.stop(poll.registry()),
                token => server.on_ready(token, poll.registry()),
            }
        }
        server.serve_unfinished(poll.registry());
        server.handle_deadlines(poll.registry());
    }
    server.close_all();
    println!("stopped");
    Ok(())
}
// ANCHOR_END: run

/// Listens on `addr` with the standard library, which looks names up and says what
/// went wrong, then hands the socket to mio.
fn listen(addr: &str) -> Result<TcpListener> {
    let listener =
        std::net::TcpListener::bind(addr).map_err(|e| match e.kind() {
            ErrorKind::AddrInUse => {
                anyhow!("address {addr} is already in use; pass another address")
            }
            ErrorKind::InvalidInput => anyhow!(e).context(format!(
                "`{addr}` is not an address like 127.0.0.1:12345 or localhost:12345"
            )),
            _ => anyhow!(e).context(format!("cannot listen on {addr}")),
        })?;
    listener.set_nonblocking(true)?;
    Ok(TcpListener::from_std(listener))
}

// ANCHOR: connection
/// One client, and where its conversation stands.
struct Connection {
    stream: TcpStream,
    peer: SocketAddr,
    /// Bytes read from the client and not yet written back to it.
    pending: Vec<u8>,
    /// The client has closed its sending side: echo what is pending, then close.
    client_done: bool,
    echoed: u64,
    /// What the connection is registered for, to change it only when it must.
    interest: Interest,
    last_heard: Instant,
    /// Since when the client has owed us a read: set when bytes start to wait for
    /// it, and again each time it takes some.
    owed_since: Option<Instant>,
    /// The deadline this connection has in the timer heap, if it has one.
    scheduled: Option<Instant>,
    /// Its turn ended before its socket would block (READS_PER_TURN reads): no event
    /// will come for what is left, so the loop serves it again after the others.
    turn_over: bool,
}
// ANCHOR_END: connection

/// How a connection ended: why, for the log, and the last words for the client.
struct Ending {
    why: &'static str,
    goodbye: Option<String>,
}

impl Connection {
    // ANCHOR: serve
    /// Reads and writes until the socket would block, or until there is nothing to
    /// do. Returns how the connection ended, if it did.
    fn serve(&mut self) -> Result<Option<Ending>> {
        let mut buf = [0; 4096];
        let mut reads = 0;
        self.turn_over = false;
        loop {
            self.write_pending()?;
            if !self.reading() {
                break; // the client is done, or is not reading its echo
            }
            if reads == READS_PER_TURN {
                self.turn_over = true; // the others' turn; this one comes back after
                break;
            }
            reads += 1;
            match self.stream.read(&mut buf) {
                Ok(0) => self.client_done = true,
                Ok(n) => {
                    if self.pending.is_empty() {
                        self.owed_since = Some(Instant::now());
                    }
                    self.pending.extend_from_slice(&buf[..n]);
                    self.last_heard = Instant::now();
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e).context("cannot read from the client"),
            }
        }
        if self.client_done && self.pending.is_empty() {
            return Ok(Some(Ending {
                why: "client closed the connection",
                goodbye: None,
            }));
        }
        Ok(None)
    }

    /// Writes as much of `pending` as the socket takes now; a partial write is normal.
    fn write_pending(&mut self) -> Result<()> {
        while !self.pending.is_empty() {
            match self.stream.write(&self.pending) {
                Ok(0) => {
                    bail!("cannot send the echo back: the connection took nothing")
                }
                Ok(n) => {
                    self.pending.drain(..n);
                    self.echoed += n as u64;
                    self.owed_since = Some(Instant::now());
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e).context("cannot send the echo back"),
            }
        }
        self.owed_since = None;
        Ok(())
    }

    // ANCHOR: backpressure
    /// Whether to read from the client now. Not once it has closed its sending side,
    /// and not while MAX_PENDING bytes of its echo wait for it: the server stops
    /// reading from it until it takes some of them.
    fn reading(&self) -> bool {
        !self.client_done && self.pending.len() < MAX_PENDING
    }

    /// What to wait for: bytes from the client while we still read from it, and room
    /// to write while an echo waits.
    fn wanted(&self) -> Interest {
        match (self.reading(), self.pending.is_empty()) {
            (true, true) => Interest::READABLE,
            (true, false) => Interest::READABLE | Interest::WRITABLE,
            (false, _) => Interest::WRITABLE,
        }
    }
    // ANCHOR_END: backpressure
    // ANCHOR_END: serve

    // ANCHOR: deadline
    /// When the connection must be looked at even if its socket stays quiet.
    fn deadline(&self, idle_timeout: Duration, stopping: bool) -> Instant {
        match self.owed_since {
            Some(since) => since + SLOW_READER,
            None if stopping => self.last_heard + QUIET,
            None => self.last_heard + idle_timeout,
        }
    }

    /// How the connection ends now that its deadline has come, if it does.
    fn on_deadline(
        &self,
        idle_timeout: Duration,
        stopping: bool,
    ) -> Option<Result<Ending>> {
        if Instant::now() < self.deadline(idle_timeout, stopping) {
            return None; // it was active since: a later deadline
        }
        Some(match self.owed_since {
            Some(_) => Err(anyhow!(
                "cannot send the echo back: the client took none of it for {} s",
                SLOW_READER.as_secs()
            )),
            None if stopping => Ok(Ending {
                why: "server shutting down",
                goodbye: Some("server shutting down; goodbye\n".into()),
            }),
            None => Ok(Ending {
                why: "idle timeout",
                goodbye: Some(format!(
                    "closing: idle for {} s\n",
                    idle_timeout.as_secs()
                )),
            }),
        })
    }
    // ANCHOR_END: deadline
}

/// Everything the event loop keeps between events.
struct Server {
    /// `None` once the server is stopping.
    listener: Option<TcpListener>,
    config: Config,
    connections: HashMap<Token, Connection>,
    next_token: usize,
    /// Each connection's deadline, earliest first (a `Reverse` max-heap).
    timers: BinaryHeap<Reverse<(Instant, Token)>>,
    /// When a failed `accept` may be tried again.
    retry_accept: Option<Instant>,
    /// The connections whose turn ended before their socket would block.
    unfinished: Vec<Token>,
    /// When the connections' grace ends, once the server is stopping.
    grace_ends: Option<Instant>,
}

impl Server {
    fn new(
        mut listener: TcpListener,
        config: Config,
        registry: &Registry,
    ) -> Result<Self> {
        registry.register(&mut listener, LISTENER, Interest::READABLE)?;
        Ok(Server {
            listener: Some(listener),
            config,
            connections: HashMap::new(),
            next_token: 2,
            timers: BinaryHeap::new(),
            retry_accept: None,
            unfinished: Vec::new(),
            grace_ends: None,
        })
    }

    // ANCHOR: accept
    /// Accepts every connection that is waiting, until `accept` would block.
    fn accept_all(&mut self, registry: &Registry) {
        while let Some(listener) = &self.listener {
            let (mut stream, peer) = match listener.accept() {
                Ok(accepted) => accepted,
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => {
                    // Out of file descriptors, for one: try again in a moment,
                    // without stopping the other clients.
                    eprintln!("cannot accept a connection: {e}");
                    self.retry_accept =
                        Some(Instant::now() + Duration::from_millis(100));
                    return;
                }
            };
            let max = self.config.max_connections;
            if self.connections.len() >= max {
                println!("{peer} refused: already {max} connections");
                let message = format!(
                    "server busy: {max} connections already; try again later\n"
                );
                let _ = stream.write(message.as_bytes());
                continue; // dropping the stream closes it
            }
            let token = Token(self.next_token);
            self.next_token += 1;
            if let Err(e) = registry.register(&mut stream, token, Interest::READABLE)
            {
                eprintln!("{peer}: cannot watch the connection: {e}");
                continue;
            }
            // send each echo at once: see Nagle's algorithm in Concurrent servers
            let _ = stream.set_nodelay(true);
            println!("{peer} connected");
            let connection = Connection {
                stream,
                peer,
                pending: Vec::new(),
                client_done: false,
                echoed: 0,
                interest: Interest::READABLE,
                last_heard: Instant::now(),
                owed_since: None,
                scheduled: None,
                turn_over: false,
            };
            self.connections.insert(token, connection);
            self.schedule(token);
        }
    }
    // ANCHOR_END: accept

    // ANCHOR: serve_token
    /// Serves the connection whose socket is ready, and closes it if it ended.
    fn on_ready(&mut self, token: Token, registry: &Registry) {
        let Some(connection) = self.connections.get_mut(&token) else {
            return; // closed earlier in this round of events
        };
        match connection.serve() {
            Ok(None) => {
                let again = connection.turn_over;
                let wanted = connection.wanted();
                if wanted != connection.interest {
                    connection.interest = wanted;
                    let stream = &mut connection.stream;
                    if let Err(e) = registry.reregister(stream, token, wanted) {
                        self.close(
                            token,
                            Err(anyhow!(e).context("cannot watch it")),
                        );
                        return;
                    }
                }
                self.schedule(token);
                if again {
                    self.unfinished.push(token);
                }
            }
            Ok(Some(ending)) => self.close(token, Ok(ending)),
            Err(e) => self.close(token, Err(e)),
        }
    }
    // ANCHOR_END: serve_token

    /// Serves again the connections whose turn ended before their socket would block.
    fn serve_unfinished(&mut self, registry: &Registry) {
        for token in std::mem::take(&mut self.unfinished) {
            self.on_ready(token, registry);
        }
    }

    /// Puts the connection's deadline in the heap if it is earlier than the one it has
    /// there. A later one needs nothing: the old entry comes first and reschedules.
    fn schedule(&mut self, token: Token) {
        let stopping = self.grace_ends.is_some();
        let Some(connection) = self.connections.get_mut(&token) else {
            return;
        };
        let deadline = connection.deadline(self.config.idle_timeout, stopping);
        if connection
            .scheduled
            .is_none_or(|scheduled| deadline < scheduled)
        {
            connection.scheduled = Some(deadline);
            self.timers.push(Reverse((deadline, token)));
        }
    }

    // ANCHOR: deadlines
    /// Closes the connections whose deadline has come, and moves on the others.
    fn handle_deadlines(&mut self, registry: &Registry) {
        let now = Instant::now();
        if self.retry_accept.is_some_and(|at| at <= now) {
            self.retry_accept = None;
            self.accept_all(registry);
        }
        let stopping = self.grace_ends.is_some();
        while let Some(&Reverse((at, token))) = self.timers.peek() {
            if at > now {
                break;
            }
            self.timers.pop();
            let Some(connection) = self.connections.get_mut(&token) else {
                continue; // closed already
            };
            if connection.scheduled != Some(at) {
                continue; // a stale entry: the connection has an earlier one
            }
            connection.scheduled = None;
            match connection.on_deadline(self.config.idle_timeout, stopping) {
                Some(ending) => self.close(token, ending),
                None => self.schedule(token),
            }
        }
    }
    // ANCHOR_END: deadlines

    /// Ends a connection: its last words, if any, and a line in the log.
    fn close(&mut self, token: Token, ending: Result<Ending>) {
        let Some(mut connection) = self.connections.remove(&token) else {
            return;
        };
        let peer = connection.peer;
        match ending {
            Ok(Ending { why, goodbye }) => {
                if let Some(goodbye) = goodbye {
                    let _ = connection.stream.write(goodbye.as_bytes());
                }
                let bytes = connection.echoed;
                println!("{peer} disconnected after {bytes} bytes: {why}");
            }
            Err(e) => println!("{peer} disconnected: {e:#}"),
        }
    } // dropping the stream closes the connection and takes it out of the poll

    // ANCHOR: stop
    /// Ctrl-C: stop accepting, and give the connections GRACE to finish.
    fn stop(&mut self, registry: &Registry) {
        if let Some(mut listener) = self.listener.take() {
            let _ = registry.deregister(&mut listener);
        }
        if self.grace_ends.is_some() {
            return;
        }
        self.grace_ends = Some(Instant::now() + GRACE);
        let left = self.connections.len();
        println!("stopping: waiting for {left} connection(s) to finish");
        // Their deadlines are earlier now: a quiet client is closed after QUIET.
        let tokens: Vec<Token> = self.connections.keys().copied().collect();
        for token in tokens {
            self.schedule(token);
        }
    }

    fn is_done(&self) -> bool {
        self.grace_ends
            .is_some_and(|end| self.connections.is_empty() || Instant::now() >= end)
    }

    /// The earliest time the loop must wake up even if no socket is ready: at once
    /// when a connection's turn is over but not its work.
    fn next_deadline(&self) -> Option<Instant> {
        if !self.unfinished.is_empty() {
            return Some(Instant::now());
        }
        let timers = self.timers.peek().map(|Reverse((at, _))| *at);
        [timers, self.retry_accept, self.grace_ends]
            .into_iter()
            .flatten()
            .min()
    }

    /// The grace is over: closes every connection still open.
    fn close_all(&mut self) {
        let tokens: Vec<Token> = self.connections.keys().copied().collect();
        for token in tokens {
            let ending = Ending {
                why: "closed at shutdown",
                goodbye: None,
            };
            self.close(token, Ok(ending));
        }
    }
    // ANCHOR_END: stop
}

/// Command-line options: `echo-server-mio [ADDRESS] [--max-connections N]
/// [--idle-timeout SECONDS]`.
struct Config {
    /// As typed: `127.0.0.1:12345`, `localhost:12345` or `[::1]:12345`.
    addr: String,
    max_connections: usize,
    idle_timeout: Duration,
}

impl Config {
    fn from_args() -> Result<Config> {
        let mut config = Config {
            addr: "127.0.0.1:12345".into(),
            max_connections: 1000,
            idle_timeout: Duration::from_secs(30),
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            let mut number = |option: &str| -> Result<u64> {
                let value = args
                    .next()
                    .with_context(|| format!("{option} needs a number"))?;
                value.parse().with_context(|| {
                    format!("{option} takes a whole number, not `{value}`")
                })
            };
            match arg.as_str() {
                "--max-connections" => {
                    config.max_connections = number(&arg)? as usize
                }
                "--idle-timeout" => {
                    config.idle_timeout = Duration::from_secs(number(&arg)?)
                }
                _ if arg.starts_with("--") => bail!(
                    "unknown option {arg}; usage: [ADDRESS] [--max-connections N] \
                     [--idle-timeout SECONDS]"
                ),
                _ => config.addr = arg,
            }
        }
        Ok(config)
    }
}
