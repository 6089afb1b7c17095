//! echo-server-pool: the echo server with a fixed pool of worker threads and a queue
//! of waiting clients. Shown in the Concurrent servers chapter; run it with
//! `cargo run -p echo-server-pool`.

use anyhow::{Context, Result, anyhow, bail};
use std::collections::HashMap;
use std::io::{ErrorKind, Read, Write};
use std::net::{
    IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream,
};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// How often a worker that is waiting for data wakes up to check whether the server
/// is stopping or the client has been idle too long.
const TICK: Duration = Duration::from_millis(100);
/// How long connections may take to finish once the server is stopping.
const GRACE: Duration = Duration::from_secs(2);
/// How long the server waits for a client to make room for its echo.
const SLOW_READER: Duration = Duration::from_secs(2);

/// A new connection and its client's address, as `accept` returns them.
type Client = (TcpStream, SocketAddr);

/// Every connection a worker is serving, by client address, so that shutdown can
/// reach them all.
type Connections = Mutex<HashMap<SocketAddr, TcpStream>>;

/// What the workers share.
struct Shared {
    config: Config,
    stopping: Arc<AtomicBool>,
    connections: Connections,
    /// Clients in the queue or being served.
    clients: AtomicUsize,
}

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
    println!(
        "listening on {addr} with {} workers and room for {} waiting clients",
        config.workers, config.queue
    );

    let stopping = Arc::new(AtomicBool::new(false));
    on_ctrl_c(addr, Arc::clone(&stopping))?;
    let (queue, jobs) = mpsc::sync_channel(config.queue);
    let jobs = Mutex::new(jobs);
    let shared = Shared {
        config,
        stopping,
        connections: Connections::default(),
        clients: AtomicUsize::new(0),
    };

    thread::scope(|s| {
        for id in 1..=shared.config.workers {
            let (jobs, shared) = (&jobs, &shared);
            s.spawn(move || worker(id, jobs, shared));
        }
        loop {
            let accepted = listener.accept();
            if shared.stopping.load(Ordering::SeqCst) {
                break;
            }
            match accepted {
                Ok(client) => enqueue(&queue, client, &shared),
                Err(e) => {
                    eprintln!("cannot accept a connection: {e}");
                    thread::sleep(Duration::from_millis(100));
                }
            }
        }
        drop(queue); // workers finish, then find the queue closed and return
        close_all_after_grace(&shared.connections);
    }); // the scope joins every worker before it returns
    println!("stopped");
    Ok(())
}
// ANCHOR_END: run

// ANCHOR: enqueue
/// Hands a new connection to the workers through the bounded queue, or, when the
/// queue is full, tells the client the server is busy.
fn enqueue(queue: &SyncSender<Client>, (stream, peer): Client, shared: &Shared) {
    // With as many clients ahead of it as there are workers, this one has to wait.
    let ahead = shared.clients.fetch_add(1, Ordering::SeqCst);
    match queue.try_send((stream, peer)) {
        Ok(()) if ahead >= shared.config.workers => {
            println!("{peer} waiting: all {} workers busy", shared.config.workers)
        }
        Ok(()) => {}
        Err(TrySendError::Full((mut stream, _))) => {
            shared.clients.fetch_sub(1, Ordering::SeqCst);
            let (workers, waiting) = (shared.config.workers, shared.config.queue);
            println!(
                "{peer} refused: {workers} workers busy, {waiting} clients waiting"
            );
            let message = format!(
                "server busy: all {workers} workers busy and \
                 {waiting} clients waiting; \
                 try again later\n"
            );
            let _ = stream.write_all(message.as_bytes());
        }
        Err(TrySendError::Disconnected(_)) => {
            unreachable!("the workers outlive the queue")
        }
    }
}
// ANCHOR_END: enqueue

// ANCHOR: worker
fn worker(id: usize, jobs: &Mutex<Receiver<Client>>, shared: &Shared) {
    loop {
        // Hold the lock only while taking the next connection, not while serving it:
        // `recv` waits here, and the guard is dropped at the end of this statement.
        let next = jobs.lock().expect("no worker panics").recv();
        let Ok(client) = next else {
            return; // the queue is closed: the server is stopping
        };
        serve(id, client, shared);
        shared.clients.fetch_sub(1, Ordering::SeqCst);
    }
}
// ANCHOR_END: worker

fn serve(id: usize, (mut stream, peer): Client, shared: &Shared) {
    let handle = match stream.try_clone() {
        Ok(handle) => handle,
        Err(e) => {
            return eprintln!("{peer}: cannot keep a handle to the connection: {e}");
        }
    };
    if shared.stopping.load(Ordering::SeqCst) {
        let _ = stream.write_all(b"server shutting down; goodbye\n");
        return println!("{peer} closed at shutdown before it was served");
    }
    let connections = &shared.connections;
    connections
        .lock()
        .expect("no worker panics")
        .insert(peer, handle);
    println!("{peer} connected (worker {id})");
    let ended = echo(stream, shared.config.idle_timeout, &shared.stopping);
    connections.lock().expect("no worker panics").remove(&peer);
    match ended {
        Ok((bytes, why)) => {
            println!("{peer} disconnected after {bytes} bytes: {why}")
        }
        Err(e) => println!("{peer} disconnected: {e:#}"),
    }
}

/// On Ctrl-C (SIGINT) or SIGTERM: set the flag every thread checks, then wake the
/// accept loop, which is blocked in `accept`, by connecting to it.
fn on_ctrl_c(addr: SocketAddr, stopping: Arc<AtomicBool>) -> Result<()> {
    let wake = wake_addr(addr);
    ctrlc::set_handler(move || {
        stopping.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(wake);
    })
    .context("cannot install the Ctrl-C handler")
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

/// Gives the connections being served GRACE to finish, then shuts down the rest.
/// That wakes any worker still blocked reading from or writing to them.
fn close_all_after_grace(connections: &Connections) {
    let left = connections.lock().expect("no worker panics").len();
    println!("stopping: waiting for {left} connection(s) to finish");
    let deadline = Instant::now() + GRACE;
    while Instant::now() < deadline
        && !connections.lock().expect("no worker panics").is_empty()
    {
        thread::sleep(TICK);
    }
    for stream in connections.lock().expect("no worker panics").values() {
        let _ = stream.shutdown(Shutdown::Both);
    }
}

/// Echoes until the client closes, stays idle for `idle_timeout`, or the server
/// stops. Returns the number of bytes echoed and why the connection ended.
fn echo(
    mut stream: TcpStream,
    idle_timeout: Duration,
    stopping: &AtomicBool,
) -> Result<(u64, &'static str)> {
    stream.set_read_timeout(Some(TICK))?;
    stream.set_write_timeout(Some(SLOW_READER))?;
    // send each echo at once: see Nagle's algorithm in Concurrent servers
    stream.set_nodelay(true)?;
    let mut buf = [0; 4096];
    let mut total = 0;
    let mut last_heard = Instant::now();
    loop {
        match stream.read(&mut buf) {
            Ok(0) if stopping.load(Ordering::SeqCst) => {
                return Ok((total, "closed at shutdown"));
            }
            Ok(0) => return Ok((total, "client closed the connection")),
            Ok(n) => {
                stream
                    .write_all(&buf[..n])
                    .context("cannot send the echo back")?;
                total += n as u64;
                last_heard = Instant::now();
            }
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::WouldBlock | ErrorKind::TimedOut
                ) =>
            {
                if stopping.load(Ordering::SeqCst) {
                    let _ = stream.write_all(b"server shutting down; goodbye\n");
                    return Ok((total, "server shutting down"));
                }
                if last_heard.elapsed() >= idle_timeout {
                    let message =
                        format!("closing: idle for {} s\n", idle_timeout.as_secs());
                    let _ = stream.write_all(message.as_bytes());
                    return Ok((total, "idle timeout"));
                }
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e).context("cannot read from the client"),
        }
    }
}

/// Command-line options: `echo-server-pool [ADDRESS] [--workers N] [--queue N]
/// [--idle-timeout SECONDS]`.
struct Config {
    /// As typed: `127.0.0.1:12345`, `localhost:12345` or `[::1]:12345`.
    addr: String,
    workers: usize,
    queue: usize,
    idle_timeout: Duration,
}

impl Config {
    fn from_args() -> Result<Config> {
        let mut config = Config {
            addr: "127.0.0.1:12345".into(),
            workers: 8,
            queue: 64,
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
                "--workers" => config.workers = number(&arg)?.max(1) as usize,
                "--queue" => config.queue = number(&arg)? as usize,
                "--idle-timeout" => {
                    config.idle_timeout = Duration::from_secs(number(&arg)?)
                }
                _ if arg.starts_with("--") => bail!(
                    "unknown option {arg}; usage: [ADDRESS] [--workers N] \
                     [--queue N] \
                     [--idle-timeout SECONDS]"
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
