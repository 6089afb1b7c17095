//! echo-server-threaded: the echo server with a thread per client, a connection cap,
//! an idle timeout and graceful shutdown. Shown in the Concurrent servers chapter;
//! run it with `cargo run -p echo-server-threaded`.

use anyhow::{Context, Result, anyhow, bail};
use std::collections::HashMap;
use std::io::{ErrorKind, Read, Write};
use std::net::{
    IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream,
};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// How often a connection thread that is waiting for data wakes up to check whether
/// the server is stopping or the client has been idle too long.
const TICK: Duration = Duration::from_millis(100);
/// How long connections may take to finish once the server is stopping.
const GRACE: Duration = Duration::from_secs(2);
/// How long the server waits for a client to make room for its echo. A client that
/// sends but never reads would otherwise hold its thread, and shutdown, forever.
const SLOW_READER: Duration = Duration::from_secs(2);

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
    on_ctrl_c(addr, Arc::clone(&stopping))?;
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
            let (config, stopping, connections) = (&config, &stopping, &connections);
            s.spawn(move || {
                println!("{peer} connected");
                let ended = echo(stream, config.idle_timeout, stopping);
                connections.lock().expect("no thread panics").remove(&peer);
                report(peer, ended);
            });
        }
        close_all_after_grace(&connections);
    }); // the scope joins every connection thread before it returns
    println!("stopped");
    Ok(())
}
// ANCHOR_END: run

// ANCHOR: ctrl_c
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
// ANCHOR_END: ctrl_c

// ANCHOR: register
/// Adds a new connection to `connections`, or, when there are `max` already, tells
/// the client so and returns `false`. The lock is held only for this bookkeeping,
/// never while a thread waits for a client.
fn register(
    connections: &Connections,
    mut stream: &TcpStream,
    peer: SocketAddr,
    max: usize,
) -> bool {
    let mut open = connections.lock().expect("no thread panics");
    if open.len() >= max {
        drop(open);
        println!("{peer} refused: already {max} connections");
        let message =
            format!("server busy: {max} connections already; try again later\n");
        let _ = stream.write_all(message.as_bytes());
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

// ANCHOR_END: register

// ANCHOR: close
/// Gives the open connections GRACE to finish, then shuts down the rest. That wakes
/// any thread still blocked reading from or writing to them.
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
// ANCHOR_END: close

fn report(peer: SocketAddr, ended: Result<(u64, &str)>) {
    match ended {
        Ok((bytes, why)) => {
            println!("{peer} disconnected after {bytes} bytes: {why}")
        }
        Err(e) => println!("{peer} disconnected: {e:#}"),
    }
}

// ANCHOR: echo
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
                // Nothing arrived for a TICK: a moment to look at the clock and the
                // flag.
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
// ANCHOR_END: echo

/// Command-line options: `echo-server-threaded [ADDRESS] [--max-connections N]
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
