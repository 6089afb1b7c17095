//! echo-server-async: the echo server as a tokio task per client, with the threaded
//! server's connection cap, idle timeout and graceful shutdown. Shown in the
//! Non-blocking I/O chapter; run it with `cargo run -p echo-server-async`.

use anyhow::{Context, Result, anyhow, bail};
use std::io::ErrorKind;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::{sleep, timeout};

/// How long, once the server is stopping, a quiet client has before it is closed.
const TICK: Duration = Duration::from_millis(100);
/// How long connections may take to finish once the server is stopping.
const GRACE: Duration = Duration::from_secs(2);
/// How long the server waits for a client to make room for its echo.
const SLOW_READER: Duration = Duration::from_secs(2);

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<()> {
    let config = Config::from_args()?;
    let listener =
        TcpListener::bind(&config.addr)
            .await
            .map_err(|e| match e.kind() {
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
    println!("listening on {}", listener.local_addr()?);

    // A task per connection; a permit per connection caps how many there are.
    let mut tasks = JoinSet::new();
    let places = Arc::new(Semaphore::new(config.max_connections));
    // Every connection task watches this; it turns true when the server stops.
    let (stop, stopping) = watch::channel(false);
    let ctrl_c = stop_signal();
    tokio::pin!(ctrl_c);

    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = &mut ctrl_c => break,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                eprintln!("cannot accept a connection: {e}");
                sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Ok(place) = Arc::clone(&places).try_acquire_owned() else {
            refuse(stream, peer, config.max_connections).await;
            continue;
        };
        let (idle_timeout, stopping) = (config.idle_timeout, stopping.clone());
        tasks.spawn(async move {
            println!("{peer} connected");
            match echo(stream, idle_timeout, stopping).await {
                Ok((bytes, why)) => {
                    println!("{peer} disconnected after {bytes} bytes: {why}")
                }
                Err(e) => println!("{peer} disconnected: {e:#}"),
            }
            drop(place);
        });
        // Forget the tasks that have finished.
        while tasks.try_join_next().is_some() {}
    }

    println!(
        "stopping: waiting for {} connection(s) to finish",
        tasks.len()
    );
    let _ = stop.send(true);
    if timeout(GRACE, async { while tasks.join_next().await.is_some() {} })
        .await
        .is_err()
    {
        // The rest are cancelled, which closes their connections.
        tasks.shutdown().await;
    }
    println!("stopped");
    Ok(())
}

/// Ctrl-C, or SIGTERM on Unix (Windows has no SIGTERM).
async fn stop_signal() {
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate => {}
    }
}

async fn refuse(mut stream: TcpStream, peer: SocketAddr, max: usize) {
    println!("{peer} refused: already {max} connections");
    let message =
        format!("server busy: {max} connections already; try again later\n");
    let _ = stream.write_all(message.as_bytes()).await;
}

// ANCHOR: echo
/// Echoes until the client closes, stays idle for `max_idle`, or the server
/// stops. Returns the number of bytes echoed and why the connection ended.
async fn echo(
    mut stream: TcpStream,
    max_idle: Duration,
    mut stopping: watch::Receiver<bool>,
) -> Result<(u64, &'static str)> {
    stream.set_nodelay(true)?;
    let mut buf = vec![0; 4096];
    let mut total = 0;
    loop {
        let read = tokio::select! {
            read = stream.read(&mut buf) => read,
            _ = sleep(max_idle) => return idle(stream, max_idle, total).await,
            _ = stopping.changed() => return goodbye(stream, &mut buf, total).await,
        };
        let n = read.context("cannot read from the client")?;
        if n == 0 {
            return Ok((total, "client closed the connection"));
        }
        send(&mut stream, &buf[..n]).await?;
        total += n as u64;
    }
}

/// Tells a client that sent nothing for `max_idle` why it is being closed.
async fn idle(
    mut stream: TcpStream,
    max_idle: Duration,
    total: u64,
) -> Result<(u64, &'static str)> {
    let message = format!("closing: idle for {} s\n", max_idle.as_secs());
    let _ = stream.write_all(message.as_bytes()).await;
    Ok((total, "idle timeout"))
}

/// The server is stopping: echoes what the client already sent, and says goodbye
/// once it pauses for a TICK.
async fn goodbye(
    mut stream: TcpStream,
    buf: &mut [u8],
    mut total: u64,
) -> Result<(u64, &'static str)> {
    // `timeout` gives `Err` after a TICK, else the read's own `Result`.
    while let Ok(Ok(n)) = timeout(TICK, stream.read(buf)).await {
        if n == 0 {
            break; // the client closed the connection
        }
        send(&mut stream, &buf[..n]).await?;
        total += n as u64;
    }
    let _ = stream.write_all(b"server shutting down; goodbye\n").await;
    Ok((total, "server shutting down"))
}

/// `write_all`, giving up if the client does not take the bytes within SLOW_READER.
async fn send(stream: &mut TcpStream, bytes: &[u8]) -> Result<()> {
    match timeout(SLOW_READER, stream.write_all(bytes)).await {
        Ok(written) => written.context("cannot send the echo back"),
        Err(_) => bail!("cannot send the echo back: the client stopped reading"),
    }
}
// ANCHOR_END: echo

/// Command-line options: `echo-server-async [ADDRESS] [--max-connections N]
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
