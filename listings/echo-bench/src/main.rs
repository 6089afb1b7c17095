use anyhow::{Context, Result, bail};
use hdrhistogram::Histogram;
use serde::Serialize;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Barrier, Mutex};
use std::thread;
use std::time::{Duration, Instant};

fn main() -> ExitCode {
    match run() {
        Ok(report) if report.problems() == 0 => ExitCode::SUCCESS,
        Ok(_) => ExitCode::from(2), // measured, but the server misbehaved
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

// ANCHOR: connection
/// What one connection saw during the run.
#[derive(Default)]
struct Tally {
    round_trips: u64,
    mismatches: u64,
    stalls: u64,
    early_eofs: u64,
    errors: u64,
}

/// One connection's work: send a message, read exactly as many bytes back, check them,
/// again and again until `deadline`. Each message is different, so an echo of an
/// earlier one, a lost byte or a changed one is caught.
fn ping_pong(
    mut stream: TcpStream,
    id: u64,
    options: &Options,
    deadline: Instant,
    latencies: &mut Histogram<u64>,
    done: &AtomicU64,
) -> Tally {
    let mut tally = Tally::default();
    let mut message = vec![0; options.size];
    let mut echo = vec![0; options.size];
    let mut near_the_end = false;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        if left < options.stall && !near_the_end {
            // From here on, a round trip that cannot finish by the deadline is cut
            // off, not counted: a client still waiting at the end "got nothing", it
            // did not stall.
            near_the_end = true;
            let _ = stream.set_read_timeout(Some(left));
        }
        fill(&mut message, id, tally.round_trips);
        let started = Instant::now();
        let sent = stream.write_all(&message);
        let received = sent.and_then(|()| stream.read_exact(&mut echo));
        match received {
            Ok(()) if echo == message && Instant::now() > deadline => break, // too late
            Ok(()) if echo == message => {
                let micros = started.elapsed().as_micros() as u64;
                let _ = latencies.record(micros.max(1));
                tally.round_trips += 1;
                done.fetch_add(1, Ordering::Relaxed);
            }
            Ok(()) => {
                tally.mismatches += 1;
                break; // the stream is out of step now; stop using it
            }
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::WouldBlock | ErrorKind::TimedOut
                ) =>
            {
                if !near_the_end {
                    tally.stalls += 1;
                }
                break;
            }
            Err(e) if e.kind() == ErrorKind::UnexpectedEof => {
                tally.early_eofs += 1;
                break;
            }
            Err(_) => {
                tally.errors += 1;
                break;
            }
        }
    }
    tally
}

/// Fills `message` with bytes that depend on the connection and the round.
fn fill(message: &mut [u8], id: u64, round: u64) {
    let mut state = (id << 32) ^ round ^ 0x9E37_79B9_7F4A_7C15;
    for byte in message.iter_mut() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        *byte = state as u8;
    }
}
// ANCHOR_END: connection

// ANCHOR: run
fn run() -> Result<Report> {
    let options = Options::from_args()?;
    let addr = options.addr;
    // Connect everyone first, so that all connections really run at the same time.
    let mut streams = Vec::with_capacity(options.connections);
    for _ in 0..options.connections {
        let stream = TcpStream::connect(addr).with_context(|| {
            format!("cannot connect to {addr}; is the server running?")
        })?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(options.stall))?;
        stream.set_write_timeout(Some(options.stall))?;
        streams.push(stream);
    }
    let cpu_before = options.server_pid.map(cpu_time).transpose()?;

    let start = Barrier::new(options.connections + 1);
    let done = AtomicU64::new(0);
    let all = Mutex::new((Histogram::<u64>::new(3)?, Vec::new()));
    let started = thread::scope(|s| {
        for (id, stream) in streams.into_iter().enumerate() {
            let (start, done, all, options) = (&start, &done, &all, &options);
            s.spawn(move || {
                let mut latencies =
                    Histogram::<u64>::new(3).expect("3 digits is valid");
                start.wait();
                let deadline = Instant::now() + options.duration;
                let tally = ping_pong(
                    stream,
                    id as u64,
                    options,
                    deadline,
                    &mut latencies,
                    done,
                );
                let mut all = all.lock().expect("no thread panics");
                let _ = all.0.add(&latencies);
                all.1.push(tally);
            });
        }
        start.wait();
        let started = Instant::now();
        show_progress(&done, started, options.duration, options.json);
        started
    });
    let elapsed = started.elapsed().as_secs_f64();
    let cpu_after = options.server_pid.map(cpu_time).transpose()?;

    let (latencies, tallies) = all.into_inner().expect("no thread panics");
    let report = Report::new(
        &options, elapsed, &latencies, &tallies, cpu_before, cpu_after,
    );
    if options.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        report.print();
    }
    Ok(report)
}
// ANCHOR_END: run

/// A line on stderr each second while the run lasts.
fn show_progress(
    done: &AtomicU64,
    started: Instant,
    duration: Duration,
    quiet: bool,
) {
    let mut last = 0;
    while started.elapsed() < duration {
        thread::sleep(Duration::from_secs(1).min(duration));
        let now = done.load(Ordering::Relaxed);
        if !quiet {
            let secs = started.elapsed().as_secs_f64();
            eprintln!("{secs:5.1} s: {:>9} round trips/s", now - last);
        }
        last = now;
    }
}

/// The server's CPU time so far (user + system), from `/proc/PID/stat` (Linux).
fn cpu_time(pid: u32) -> Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .with_context(|| format!("cannot read the CPU time of process {pid}"))?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| -> Result<f64> {
        Ok(fields.get(i).context("short /proc stat")?.parse::<f64>()?)
    };
    // utime and stime are fields 14 and 15 of the file, 12 and 13 here; 100 ticks/s.
    Ok((ticks(11)? + ticks(12)?) / 100.0)
}

#[derive(Serialize)]
struct Report {
    addr: String,
    connections: usize,
    size: usize,
    seconds: f64,
    round_trips: u64,
    round_trips_per_sec: f64,
    megabytes_per_sec: f64,
    latency_us: Latency,
    connections_served: usize,
    connections_got_nothing: usize,
    mismatches: u64,
    stalls: u64,
    early_eofs: u64,
    errors: u64,
    server_cpu_seconds: Option<f64>,
}

#[derive(Serialize)]
struct Latency {
    p50: u64,
    p90: u64,
    p99: u64,
    max: u64,
}

impl Report {
    fn new(
        options: &Options,
        seconds: f64,
        latencies: &Histogram<u64>,
        tallies: &[Tally],
        cpu_before: Option<f64>,
        cpu_after: Option<f64>,
    ) -> Report {
        let sum = |f: fn(&Tally) -> u64| tallies.iter().map(f).sum::<u64>();
        let round_trips = sum(|t| t.round_trips);
        let served = tallies.iter().filter(|t| t.round_trips > 0).count();
        Report {
            addr: options.addr.to_string(),
            connections: options.connections,
            size: options.size,
            seconds,
            round_trips,
            round_trips_per_sec: round_trips as f64 / seconds,
            // Payload echoed back per second (each byte also went out once).
            megabytes_per_sec: (round_trips * options.size as u64) as f64
                / seconds
                / 1e6,
            latency_us: Latency {
                p50: latencies.value_at_quantile(0.50),
                p90: latencies.value_at_quantile(0.90),
                p99: latencies.value_at_quantile(0.99),
                max: latencies.max(),
            },
            connections_served: served,
            connections_got_nothing: tallies.len() - served,
            mismatches: sum(|t| t.mismatches),
            stalls: sum(|t| t.stalls),
            early_eofs: sum(|t| t.early_eofs),
            errors: sum(|t| t.errors),
            server_cpu_seconds: cpu_before.zip(cpu_after).map(|(b, a)| a - b),
        }
    }

    fn problems(&self) -> u64 {
        self.mismatches + self.stalls + self.early_eofs + self.errors
    }

    fn print(&self) {
        println!(
            "{} connections x {} B for {:.1} s against {}",
            self.connections, self.size, self.seconds, self.addr
        );
        println!(
            "round trips:   {} ({:.0}/s, {:.2} MB/s echoed)",
            self.round_trips, self.round_trips_per_sec, self.megabytes_per_sec
        );
        let l = &self.latency_us;
        println!(
            "latency (µs):  p50 {}  p90 {}  p99 {}  max {}",
            l.p50, l.p90, l.p99, l.max
        );
        println!(
            "connections:   {} served, {} got nothing",
            self.connections_served, self.connections_got_nothing
        );
        println!(
            "problems:      {} mismatched, {} stalled, {} closed early, {} errors",
            self.mismatches, self.stalls, self.early_eofs, self.errors
        );
        if let Some(cpu) = self.server_cpu_seconds {
            println!(
                "server CPU:    {cpu:.2} s ({:.0}% of one core)",
                cpu / self.seconds * 100.0
            );
        }
    }
}

/// Command-line options: `echo-bench [--addr ADDRESS] [--connections N] [--size BYTES]
/// [--duration 5s] [--stall 2s] [--server-pid PID] [--json]`.
struct Options {
    addr: SocketAddr,
    connections: usize,
    size: usize,
    duration: Duration,
    stall: Duration,
    server_pid: Option<u32>,
    json: bool,
}

impl Options {
    fn from_args() -> Result<Options> {
        let mut options = Options {
            addr: "127.0.0.1:12345".parse()?,
            connections: 10,
            size: 64,
            duration: Duration::from_secs(5),
            stall: Duration::from_secs(2),
            server_pid: None,
            json: false,
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            let value = |args: &mut dyn Iterator<Item = String>| {
                args.next().with_context(|| format!("{arg} needs a value"))
            };
            match arg.as_str() {
                "--addr" => {
                    let text = value(&mut args)?;
                    options.addr = text
                        .parse()
                        .with_context(|| format!("`{text}` is not an address"))?;
                }
                "--connections" => {
                    options.connections = number(&arg, value(&mut args)?)?
                }
                "--size" => options.size = number(&arg, value(&mut args)?)?,
                "--duration" => {
                    options.duration = duration(&arg, &value(&mut args)?)?
                }
                "--stall" => options.stall = duration(&arg, &value(&mut args)?)?,
                "--server-pid" => {
                    options.server_pid = Some(number(&arg, value(&mut args)?)?)
                }
                "--json" => options.json = true,
                _ => bail!(
                    "unknown option {arg}; usage: echo-bench [--addr ADDRESS] \
                     [--connections N] [--size BYTES] [--duration 5s] [--stall 2s] \
                     [--server-pid PID] [--json]"
                ),
            }
        }
        if options.connections == 0 || options.size == 0 {
            bail!("--connections and --size must be at least 1");
        }
        Ok(options)
    }
}

fn number<T: std::str::FromStr>(option: &str, text: String) -> Result<T> {
    text.parse()
        .map_err(|_| anyhow::anyhow!("{option} takes a whole number, not `{text}`"))
}

/// `5s`, `500ms` or a plain number of seconds.
fn duration(option: &str, text: &str) -> Result<Duration> {
    let (number, unit) = match text.strip_suffix("ms") {
        Some(n) => (n, 0.001),
        None => (text.strip_suffix('s').unwrap_or(text), 1.0),
    };
    let value: f64 = number.parse().map_err(|_| {
        anyhow::anyhow!("{option} takes a time like 5s or 500ms, not `{text}`")
    })?;
    Ok(Duration::from_secs_f64(value * unit))
}
