use anyhow::{Context, Result, anyhow};
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

mod config;
use config::Config;

/// How often a connection thread that is waiting for data wakes up to check whether the
/// server is stopping or the client has been idle too long.
const TICK: Duration = Duration::from_millis(100);
/// How long a client that keeps sending may go on once the server is stopping.
const GRACE: Duration = Duration::from_secs(2);
/// How long the server waits for a client to make room for its echo. A client that sends
/// but never reads would otherwise hold its thread, and shutdown, forever.
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
fn run() -> Result<()> {
    let config = Config::from_args()?;
    let listener = TcpListener::bind(config.addr).map_err(|e| match e.kind() {
        ErrorKind::AddrInUse => anyhow!(
            "address {} is already in use; pass another address",
            config.addr
        ),
        _ => anyhow!(e).context(format!("cannot listen on {}", config.addr)),
    })?;
    let addr = listener.local_addr()?;
    println!("listening on {addr}");

    let stopping = Arc::new(AtomicBool::new(false));
    on_ctrl_c(addr, Arc::clone(&stopping))?;
    let open = AtomicUsize::new(0);

    thread::scope(|s| {
        for stream in listener.incoming() {
            if stopping.load(Ordering::SeqCst) {
                break;
            }
            let stream = match stream {
                Ok(stream) => stream,
                Err(e) => {
                    eprintln!("cannot accept a connection: {e}");
                    thread::sleep(Duration::from_millis(100));
                    continue;
                }
            };
            if open.load(Ordering::SeqCst) >= config.max_connections {
                refuse(stream, config.max_connections);
                continue;
            }
            open.fetch_add(1, Ordering::SeqCst);
            let (open, stopping, config) = (&open, &stopping, &config);
            s.spawn(move || {
                serve(stream, config, stopping);
                open.fetch_sub(1, Ordering::SeqCst);
            });
        }
        let left = open.load(Ordering::SeqCst);
        println!("stopping: waiting for {left} connection(s) to finish");
    }); // the scope joins every connection thread before it returns
    println!("stopped");
    Ok(())
}
// ANCHOR_END: run

// ANCHOR: ctrl_c
/// On Ctrl-C (SIGINT) or SIGTERM: set the flag every thread checks, then wake the accept
/// loop, which is blocked in `accept`, by connecting to it.
fn on_ctrl_c(addr: SocketAddr, stopping: Arc<AtomicBool>) -> Result<()> {
    ctrlc::set_handler(move || {
        stopping.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(addr);
    })
    .context("cannot install the Ctrl-C handler")
}
// ANCHOR_END: ctrl_c

fn refuse(mut stream: TcpStream, max: usize) {
    let peer = peer_of(&stream);
    println!("{peer} refused: already {max} connections");
    let message = format!("server busy: {max} connections already; try again later\n");
    let _ = stream.write_all(message.as_bytes());
}

fn peer_of(stream: &TcpStream) -> String {
    stream
        .peer_addr()
        .map_or_else(|_| "(unknown peer)".into(), |a| a.to_string())
}

fn serve(stream: TcpStream, config: &Config, stopping: &AtomicBool) {
    let peer = peer_of(&stream);
    println!("{peer} connected");
    match echo(stream, config.idle_timeout, stopping) {
        Ok((bytes, why)) => println!("{peer} disconnected after {bytes} bytes: {why}"),
        Err(e) => println!("{peer} disconnected: {e:#}"),
    }
}

// ANCHOR: echo
/// Echoes until the client closes, stays idle for `idle_timeout`, or the server stops.
/// Returns the number of bytes echoed and why the connection ended.
fn echo(
    mut stream: TcpStream,
    idle_timeout: Duration,
    stopping: &AtomicBool,
) -> Result<(u64, &'static str)> {
    stream.set_read_timeout(Some(TICK))?;
    stream.set_write_timeout(Some(SLOW_READER))?;
    let mut buf = [0; 4096];
    let mut total = 0;
    let mut last_heard = Instant::now();
    let mut stop_noticed: Option<Instant> = None;
    loop {
        let timed_out = match stream.read(&mut buf) {
            Ok(0) => return Ok((total, "client closed the connection")),
            Ok(n) => {
                stream
                    .write_all(&buf[..n])
                    .context("cannot send the echo back")?;
                total += n as u64;
                last_heard = Instant::now();
                false
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => true,
            Err(e) if e.kind() == ErrorKind::Interrupted => false,
            Err(e) => return Err(e).context("cannot read from the client"),
        };
        if stopping.load(Ordering::SeqCst) {
            // Echo what the client already sent; close once it pauses, or after GRACE.
            let noticed = *stop_noticed.get_or_insert_with(Instant::now);
            if timed_out || noticed.elapsed() > GRACE {
                let _ = stream.write_all(b"server shutting down; goodbye\n");
                return Ok((total, "server shutting down"));
            }
        } else if last_heard.elapsed() >= idle_timeout {
            let message = format!("closing: idle for {} s\n", idle_timeout.as_secs());
            let _ = stream.write_all(message.as_bytes());
            return Ok((total, "idle timeout"));
        }
    }
}
// ANCHOR_END: echo
