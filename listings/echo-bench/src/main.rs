//! echo-bench: a load generator, many clients at once, each doing round trips with
//! an echo server as fast as it can, or with `--rate` on a fixed schedule, and checking
//! every echo. Shown in the Measuring chapter; start a server, then
//! `cargo run --release -p echo-bench`.

use anyhow::{Context, Result, bail};
use hdrhistogram::Histogram;
use serde::Serialize;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Barrier, OnceLock};
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
/// When round trips count: those due at `counting` or later (the warm-up is over) and
/// done by `end`. The same for every connection.
#[derive(Clone, Copy)]
struct Window {
    /// When the warm-up starts, and with it an open loop's schedule.
    start: Instant,
    counting: Instant,
    end: Instant,
}

/// What can go wrong in a round trip. Any of them ends the connection's run.
#[derive(Clone, Copy, PartialEq)]
enum Problem {
    Mismatch,   // the bytes that came back are not the bytes sent
    Stall,      // no answer within `--stall`
    EarlyClose, // the server hung up in the middle of a round trip
    Error,      // any other error
}

/// What one connection saw during the run.
struct Tally {
    /// The latency of every round trip it counted, in microseconds.
    latencies: Histogram<u64>,
    /// What stopped it before the end, if anything did.
    problem: Option<Problem>,
}

/// When a connection sends its requests.
#[derive(Clone, Copy)]
enum Pace {
    /// Closed loop: each request as soon as the one before it is answered. A server
    /// that stalls holds back the requests, so its stall is one slow round trip.
    Closed,
    /// Open loop (`--rate`): request `k` is due at `first + k × interval`, whether the
    /// server keeps up or not. Every request due during a stall waits for it.
    Open { first: Instant, interval: Duration },
}

impl Pace {
    /// Connection `id`'s pace. In an open loop every connection has an equal share of
    /// `--rate`, and each one's schedule starts `1 / rate` after the one before, so that
    /// the connections take turns instead of all sending at once.
    fn of(id: u64, options: &Options, start: Instant) -> Pace {
        let Some(rate) = options.rate else {
            return Pace::Closed;
        };
        let rate = rate as f64;
        Pace::Open {
            first: start + Duration::from_secs_f64(id as f64 / rate),
            interval: Duration::from_secs_f64(options.connections as f64 / rate),
        }
    }

    /// When request `round` is due: now, or its time on the schedule.
    fn due(self, round: u64) -> Instant {
        match self {
            Pace::Closed => Instant::now(),
            Pace::Open { first, interval } => first + interval.mul_f64(round as f64),
        }
    }
}

/// One connection's work: round trips, one after another, until the window ends.
/// Each message is different, so an echo of an earlier one, a lost byte or a changed
/// one is caught. The round trips of the warm-up are checked, but not counted. A
/// round trip's latency runs from when its request was due, not from when it was sent.
fn ping_pong(
    stream: &mut TcpStream,
    id: u64,
    options: &Options,
    window: Window,
    done: &AtomicU64,
) -> Tally {
    let pace = Pace::of(id, options, window.start);
    let mut message = vec![0; options.size];
    let mut echo = vec![0; options.size];
    let mut tally = Tally {
        latencies: Histogram::new(3).expect("3 digits is valid"),
        problem: None,
    };
    let mut near_the_end = false;
    for round in 0.. {
        fill(&mut message, id, round);
        let due = pace.due(round);
        if due >= window.end {
            break;
        }
        // An open loop waits for the request's time; one that is late goes at once.
        thread::sleep(due.saturating_duration_since(Instant::now()));
        let left = window.end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        if left < options.stall && !near_the_end {
            // From here on, a round trip that cannot finish by the end is cut off,
            // not counted: a client still waiting at the end "got nothing", it did
            // not stall.
            near_the_end = true;
            let _ = stream.set_read_timeout(Some(left));
        }
        match round_trip(stream, &message, &mut echo) {
            Ok(()) => {}
            Err(Problem::Stall) if near_the_end => break, // cut off by the end
            Err(problem) => {
                tally.problem = Some(problem);
                break; // the stream is out of step now; stop using it
            }
        }
        let answered = Instant::now();
        if answered > window.end {
            break; // done too late to count
        }
        if due >= window.counting {
            let micros = (answered - due).as_micros() as u64;
            let _ = tally.latencies.record(micros.max(1));
            done.fetch_add(1, Ordering::Relaxed);
        }
    }
    tally
}

/// Sends `message`, reads exactly as many bytes back into `echo` and compares them.
fn round_trip(
    stream: &mut TcpStream,
    message: &[u8],
    echo: &mut [u8],
) -> Result<(), Problem> {
    let received = stream
        .write_all(message)
        .and_then(|()| stream.read_exact(echo));
    match received {
        Ok(()) if echo == message => Ok(()),
        Ok(()) => Err(Problem::Mismatch),
        Err(e) => Err(match e.kind() {
            ErrorKind::WouldBlock | ErrorKind::TimedOut => Problem::Stall,
            ErrorKind::UnexpectedEof => Problem::EarlyClose,
            _ => Problem::Error,
        }),
    }
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

fn run() -> Result<Report> {
    let options = Options::from_args()?;
    let mut streams = connect(&options)?;
    let results = measure(&mut streams, &options)?;
    drop(streams); // the run is over: close the connections
    let report = Report::new(&options, &results);
    if options.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        report.print();
    }
    Ok(report)
}

/// Opens every connection before the first round trip, so that all of them really
/// run at the same time.
fn connect(options: &Options) -> Result<Vec<TcpStream>> {
    let addr = &options.addr;
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
    Ok(streams)
}

/// What a run measured.
struct Results {
    /// One per connection.
    tallies: Vec<Tally>,
    usage: RunUsage,
}

/// Runs `ping_pong` on every connection, each on its own thread, through the warm-up
/// and the counting window, with a line of progress each second.
fn measure(streams: &mut [TcpStream], options: &Options) -> Result<Results> {
    // Every connection counts round trips in the same window, fixed before any of
    // them starts. With a thousand threads on two cores, a thread (this one too) may
    // wake up long after it should; a window each thread took from its own clock
    // would move.
    let window = OnceLock::new();
    let start = Barrier::new(options.connections + 1);
    let done = AtomicU64::new(0);
    thread::scope(|s| {
        let mut connections = Vec::with_capacity(streams.len());
        for (id, stream) in streams.iter_mut().enumerate() {
            let (start, window, done) = (&start, &window, &done);
            connections.push(s.spawn(move || {
                start.wait();
                let window = *window.get().expect("set before the start");
                ping_pong(stream, id as u64, options, window, done)
            }));
        }
        // CPU time and context switches cover the whole run, warm-up included: this
        // thread may not get the CPU back in time to sample them when counting
        // starts.
        let before = Sample::now(options);
        let sampled = Instant::now();
        let counting = sampled + options.warmup;
        let end = counting + options.duration;
        let _ = window.set(Window {
            start: sampled,
            counting,
            end,
        });
        start.wait();
        if !options.json && !options.warmup.is_zero() {
            eprintln!("warming up for {:?}", options.warmup);
        }
        thread::sleep(counting.saturating_duration_since(Instant::now()));
        show_progress(&done, counting, options.duration, options.json);
        let tallies = connections
            .into_iter()
            .map(|connection| connection.join().expect("no thread panics"))
            .collect();
        // Sampled before the connections close, while the server still has them.
        let usage = RunUsage {
            before: before?,
            after: Sample::now(options)?,
            seconds: sampled.elapsed().as_secs_f64(),
        };
        Ok(Results { tallies, usage })
    })
}

/// A line on stderr each second while the run lasts.
fn show_progress(
    done: &AtomicU64,
    started: Instant,
    duration: Duration,
    quiet: bool,
) {
    let mut last = 0;
    while started.elapsed() < duration {
        let left = duration.saturating_sub(started.elapsed());
        thread::sleep(Duration::from_secs(1).min(left));
        let now = done.load(Ordering::Relaxed);
        if !quiet {
            let secs = started.elapsed().as_secs_f64();
            eprintln!("{secs:5.1} s: {:>9} round trips/s", now - last);
        }
        last = now;
    }
}

/// What a process has used so far, read from `/proc` (Linux).
#[derive(Clone, Copy)]
struct Usage {
    cpu_seconds: f64,
    context_switches: u64,
    threads: u64,
    memory_kib: u64,
}

impl Usage {
    fn of(pid: u32) -> Result<Usage> {
        let read = |file: &str| {
            std::fs::read_to_string(format!("/proc/{pid}/{file}"))
                .with_context(|| format!("cannot read /proc/{pid}/{file}"))
        };
        // CPU time: fields 14 and 15 of `stat`, in ticks of 1/100 s. Count fields
        // after the command name, which is in parentheses and may hold spaces.
        let stat = read("stat")?;
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest.split_whitespace().collect())
            .unwrap_or_default();
        let field = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok());
        let ticks = field(11).zip(field(12)).context("short /proc stat")?;
        // Context switches: counted per thread, so add up every thread's.
        let mut context_switches = 0;
        for task in std::fs::read_dir(format!("/proc/{pid}/task"))?.flatten() {
            let status = std::fs::read_to_string(task.path().join("status"))
                .unwrap_or_default(); // a thread that just ended has none
            context_switches += value(&status, "voluntary_ctxt_switches:")
                + value(&status, "nonvoluntary_ctxt_switches:");
        }
        let status = read("status")?;
        Ok(Usage {
            cpu_seconds: (ticks.0 + ticks.1) / 100.0,
            context_switches,
            threads: value(&status, "Threads:"),
            memory_kib: value(&status, "VmRSS:"),
        })
    }
}

/// The number after `key` in a `/proc` status file ("VmRSS:   1234 kB" gives 1234).
fn value(status: &str, key: &str) -> u64 {
    status
        .lines()
        .find_map(|line| line.strip_prefix(key))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// What echo-bench and the server have used so far. `None` off Linux, and for the
/// server when its pid was not given.
struct Sample {
    bench: Option<Usage>,
    server: Option<Usage>,
}

impl Sample {
    /// Reads both from /proc; nothing off Linux, which has no /proc.
    fn now(options: &Options) -> Result<Sample> {
        if !cfg!(target_os = "linux") {
            return Ok(Sample {
                bench: None,
                server: None,
            });
        }
        let server = options.server_pid.map(Usage::of).transpose()?;
        let bench = Some(Usage::of(std::process::id())?);
        Ok(Sample { bench, server })
    }
}

/// What echo-bench and the server used during a run, warm-up included.
struct RunUsage {
    before: Sample,
    after: Sample,
    /// How long the run lasted, warm-up included.
    seconds: f64,
}

impl RunUsage {
    fn server(&self) -> Option<ServerUsage> {
        let (before, after) = (self.before.server?, self.after.server?);
        Some(ServerUsage {
            cpu_seconds: after.cpu_seconds - before.cpu_seconds,
            context_switches: after
                .context_switches
                .saturating_sub(before.context_switches),
            threads: after.threads,
            memory_kib: after.memory_kib,
        })
    }

    fn bench_cpu_seconds(&self) -> Option<f64> {
        Some(self.after.bench?.cpu_seconds - self.before.bench?.cpu_seconds)
    }
}

#[derive(Serialize)]
struct Report {
    addr: String,
    connections: usize,
    size: usize,
    seconds: f64,
    /// `closed-loop`, or `open-loop` with `--rate`.
    mode: &'static str,
    /// In an open loop, the round trips per second asked for, all connections together.
    rate: Option<u64>,
    round_trips: u64,
    /// The round trips per second done: in an open loop, the rate achieved.
    round_trips_per_sec: f64,
    megabytes_per_sec: f64,
    latency_us: Latency,
    connections_served: usize,
    connections_got_nothing: usize,
    mismatches: u64,
    stalls: u64,
    early_eofs: u64,
    errors: u64,
    /// What the server used during the run, warm-up included (if given its pid).
    server: Option<ServerUsage>,
    /// `None` off Linux.
    bench_cpu_seconds: Option<f64>,
    /// How long the run lasted, warm-up included: the time CPU use is measured over.
    usage_seconds: f64,
}

#[derive(Serialize)]
struct ServerUsage {
    cpu_seconds: f64,
    context_switches: u64,
    /// At the end of the run.
    threads: u64,
    memory_kib: u64,
}

#[derive(Serialize)]
struct Latency {
    p50: u64,
    p90: u64,
    p99: u64,
    max: u64,
}

impl Report {
    fn new(options: &Options, results: &Results) -> Report {
        let Results { tallies, usage } = results;
        let mut latencies = Histogram::<u64>::new(3).expect("3 digits is valid");
        for tally in tallies {
            let _ = latencies.add(&tally.latencies);
        }
        let round_trips = tallies.iter().map(|t| t.latencies.len()).sum::<u64>();
        let served = tallies.iter().filter(|t| !t.latencies.is_empty()).count();
        let count = |problem: Problem| {
            tallies
                .iter()
                .filter(|t| t.problem == Some(problem))
                .count() as u64
        };
        let seconds = options.duration.as_secs_f64();
        Report {
            addr: options.addr.clone(),
            connections: options.connections,
            size: options.size,
            seconds,
            mode: match options.rate {
                None => "closed-loop",
                Some(_) => "open-loop",
            },
            rate: options.rate,
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
            mismatches: count(Problem::Mismatch),
            stalls: count(Problem::Stall),
            early_eofs: count(Problem::EarlyClose),
            errors: count(Problem::Error),
            server: usage.server(),
            bench_cpu_seconds: usage.bench_cpu_seconds(),
            usage_seconds: usage.seconds,
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
        if let Some(rate) = self.rate {
            println!(
                "open loop:     {rate} round trips/s asked for, latency from when due"
            );
        }
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
        let share = |cpu: f64| cpu / self.usage_seconds * 100.0;
        if let Some(server) = &self.server {
            let cpu = server.cpu_seconds;
            let secs = self.usage_seconds;
            println!(
                "server CPU:    {cpu:.2} s in {secs:.1} s ({:.0}% of one core)",
                share(cpu)
            );
            println!(
                "server:        {} context switches, {} threads, {} MiB resident",
                server.context_switches,
                server.threads,
                server.memory_kib / 1024
            );
        }
        let secs = self.usage_seconds;
        match self.bench_cpu_seconds {
            Some(cpu) => println!(
                "bench CPU:     {cpu:.2} s in {secs:.1} s ({:.0}% of one core)",
                share(cpu)
            ),
            None => println!("bench CPU:     not measured (only Linux has /proc)"),
        }
    }
}

/// Command-line options: `echo-bench [--addr ADDRESS] [--connections N]
/// [--size BYTES] [--rate N] [--duration 5s] [--warmup 1s] [--stall 2s]
/// [--server-pid PID] [--json]`.
struct Options {
    /// As typed: `127.0.0.1:12345` or `localhost:12345`.
    addr: String,
    connections: usize,
    size: usize,
    /// Round trips per second, all connections together: an open loop. `None`: a
    /// closed loop, as fast as the server answers.
    rate: Option<u64>,
    duration: Duration,
    warmup: Duration,
    stall: Duration,
    server_pid: Option<u32>,
    json: bool,
}

impl Options {
    fn from_args() -> Result<Options> {
        let mut options = Options {
            addr: "127.0.0.1:12345".into(),
            connections: 10,
            size: 64,
            rate: None,
            duration: Duration::from_secs(5),
            warmup: Duration::from_secs(1),
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
                "--addr" => options.addr = value(&mut args)?,
                "--connections" => {
                    options.connections = number(&arg, value(&mut args)?)?
                }
                "--size" => options.size = number(&arg, value(&mut args)?)?,
                "--rate" => options.rate = Some(number(&arg, value(&mut args)?)?),
                "--duration" => {
                    options.duration = duration(&arg, &value(&mut args)?)?
                }
                "--warmup" => options.warmup = duration(&arg, &value(&mut args)?)?,
                "--stall" => options.stall = duration(&arg, &value(&mut args)?)?,
                "--server-pid" if !cfg!(target_os = "linux") => bail!(
                    "--server-pid reads the server's CPU and memory use from /proc, \
                     which only Linux has"
                ),
                "--server-pid" => {
                    options.server_pid = Some(number(&arg, value(&mut args)?)?)
                }
                "--json" => options.json = true,
                _ => bail!(
                    "unknown option {arg}; usage: echo-bench [--addr ADDRESS] \
                     [--connections N] [--size BYTES] [--rate N] [--duration 5s] \
                     [--warmup 1s] [--stall 2s] [--server-pid PID] [--json]"
                ),
            }
        }
        if options.connections == 0 || options.size == 0 || options.rate == Some(0) {
            bail!("--connections, --size and --rate must be at least 1");
        }
        let requests = options
            .rate
            .map(|rate| rate as f64 * options.duration.as_secs_f64());
        if requests.is_some_and(|requests| requests < options.connections as f64) {
            bail!(
                "--rate is too low for a request on every connection in --duration"
            );
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
