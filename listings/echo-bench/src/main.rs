use anyhow::{Context, Result, bail};
use hdrhistogram::Histogram;
use serde::Serialize;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Barrier, Mutex, OnceLock};
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
/// earlier one, a lost byte or a changed one is caught. Round trips that start before
/// `counting` are the warm-up: checked, but not counted.
fn ping_pong(
    stream: &mut TcpStream,
    id: u64,
    options: &Options,
    (counting, deadline): (Instant, Instant),
    latencies: &mut Histogram<u64>,
    done: &AtomicU64,
) -> Tally {
    let mut tally = Tally::default();
    let mut message = vec![0; options.size];
    let mut echo = vec![0; options.size];
    let mut near_the_end = false;
    let mut rounds = 0;
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
        fill(&mut message, id, rounds);
        rounds += 1;
        let started = Instant::now();
        let sent = stream.write_all(&message);
        let received = sent.and_then(|()| stream.read_exact(&mut echo));
        match received {
            Ok(()) if echo == message && Instant::now() > deadline => break, // too late
            Ok(()) if echo == message && started < counting => {} // warming up
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
    let addr = &options.addr;
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

    // Every connection counts round trips in the same window, fixed before any of them
    // starts. With a thousand threads on two cores, a thread (this one too) may wake up
    // long after it should; a window each thread took from its own clock would move.
    let window = OnceLock::new();
    let start = Barrier::new(options.connections + 1);
    let done = AtomicU64::new(0);
    let all = Mutex::new((Histogram::<u64>::new(3)?, Vec::new()));
    let (before, sampled) = thread::scope(|s| {
        for (id, stream) in streams.iter_mut().enumerate() {
            let (start, window, done, all) = (&start, &window, &done, &all);
            let options = &options;
            s.spawn(move || {
                let mut latencies =
                    Histogram::<u64>::new(3).expect("3 digits is valid");
                start.wait();
                let window = *window.get().expect("set before the start");
                let tally = ping_pong(
                    stream,
                    id as u64,
                    options,
                    window,
                    &mut latencies,
                    done,
                );
                let mut all = all.lock().expect("no thread panics");
                let _ = all.0.add(&latencies);
                all.1.push(tally);
            });
        }
        // CPU time and context switches cover the whole run, warm-up included: this
        // thread may not get the CPU back in time to sample them when counting starts.
        let before = Usage::both(&options);
        let sampled = Instant::now();
        let counting = sampled + options.warmup;
        let _ = window.set((counting, counting + options.duration));
        start.wait();
        if !options.json && !options.warmup.is_zero() {
            eprintln!("warming up for {:?}", options.warmup);
        }
        thread::sleep(counting.saturating_duration_since(Instant::now()));
        show_progress(&done, counting, options.duration, options.json);
        (before, sampled)
    });
    // Sampled before the connections close, while the server still has them.
    let usage = (
        before?,
        Usage::both(&options)?,
        sampled.elapsed().as_secs_f64(),
    );
    drop(streams);

    let (latencies, tallies) = all.into_inner().expect("no thread panics");
    let report = Report::new(&options, &latencies, &tallies, usage);
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

/// echo-bench's own usage, and the server's if we know its pid.
type Sample = (Option<Usage>, Option<Usage>);

impl Usage {
    /// Nothing off Linux: there is no /proc to read it from.
    fn both(options: &Options) -> Result<Sample> {
        if !cfg!(target_os = "linux") {
            return Ok((None, None));
        }
        let server = options.server_pid.map(Usage::of).transpose()?;
        Ok((Some(Usage::of(std::process::id())?), server))
    }

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
    fn new(
        options: &Options,
        latencies: &Histogram<u64>,
        tallies: &[Tally],
        (before, after, usage_seconds): (Sample, Sample, f64),
    ) -> Report {
        let seconds = options.duration.as_secs_f64();
        let sum = |f: fn(&Tally) -> u64| tallies.iter().map(f).sum::<u64>();
        let round_trips = sum(|t| t.round_trips);
        let served = tallies.iter().filter(|t| t.round_trips > 0).count();
        Report {
            addr: options.addr.clone(),
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
            server: before.1.zip(after.1).map(|(b, a)| ServerUsage {
                cpu_seconds: a.cpu_seconds - b.cpu_seconds,
                context_switches: a
                    .context_switches
                    .saturating_sub(b.context_switches),
                threads: a.threads,
                memory_kib: a.memory_kib,
            }),
            bench_cpu_seconds: before
                .0
                .zip(after.0)
                .map(|(b, a)| a.cpu_seconds - b.cpu_seconds),
            usage_seconds,
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

/// Command-line options: `echo-bench [--addr ADDRESS] [--connections N] [--size BYTES]
/// [--duration 5s] [--warmup 1s] [--stall 2s] [--server-pid PID] [--json]`.
struct Options {
    /// As typed: `127.0.0.1:12345` or `localhost:12345`.
    addr: String,
    connections: usize,
    size: usize,
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
                     [--connections N] [--size BYTES] [--duration 5s] [--warmup 1s] \
                     [--stall 2s] [--server-pid PID] [--json]"
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
