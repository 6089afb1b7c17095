//! `cargo xtask bench [--quick]`: every server × connections × message size, measured
//! with echo-bench in release builds on loopback, three times; then, in an open loop,
//! the latency of the servers that serve every client at a few rates. Written to
//! `listings/echo-bench/results/` as JSON (every run) and as Markdown tables.

use anyhow::{Context, Result, bail};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::Duration;

/// What is measured: a name for the results and the executable in `target/release`
/// (or the `release` folder of `CARGO_TARGET_DIR`).
/// The last one is the yardstick, the plainest tokio echo loop (an example of
/// echo-server-async); the book's async server should be as fast.
const SERVERS: [(&str, &str); 6] = [
    ("echo-server", "echo-server"),
    ("echo-server-threaded", "echo-server-threaded"),
    ("echo-server-pool", "echo-server-pool"),
    ("echo-server-async", "echo-server-async"),
    ("echo-server-mio", "echo-server-mio"),
    ("plain-tokio", "examples/plain"),
];

/// The servers measured in the open loop: those that serve all its connections. The
/// sequential server serves one client at a time and the pool 8; their latencies would
/// be those of the few clients they serve.
const OPEN_LOOP_SERVERS: [&str; 4] = [
    "echo-server-threaded",
    "echo-server-async",
    "echo-server-mio",
    "plain-tokio",
];

/// The open loop's load: many clients, small messages.
const OPEN_LOOP_CONNECTIONS: usize = 100;
const OPEN_LOOP_SIZE: usize = 64;

struct Plan {
    connections: &'static [usize],
    sizes: &'static [usize],
    runs: usize,
    warmup: f64,
    seconds: f64,
    /// The rates the open loop asks for, as shares of the fewest round trips per second
    /// one of `OPEN_LOOP_SERVERS` did in the closed loop with the same load: no server
    /// is asked for more than it carried there. (Above what a server can carry, an open
    /// loop's latency only tells how long its queue grew during the run. Shares of the
    /// fastest server's rate, tried on a 2-core machine, left the slower servers behind
    /// from 50 % on, and every server, the fastest too, at 90 %: echo-bench shares the
    /// two cores, and it costs more in an open loop, which sleeps between requests.)
    open_loop_shares: &'static [f64],
    /// How long each open-loop run counts, after the same warm-up.
    open_loop_seconds: f64,
}

/// About 14 minutes on a 2-core machine (see `Plan::estimate`).
const FULL: Plan = Plan {
    connections: &[1, 10, 100, 1000],
    sizes: &[64, 4096],
    runs: 3,
    warmup: 1.0,
    seconds: 3.0,
    open_loop_shares: &[0.25, 0.5, 0.75, 0.9],
    open_loop_seconds: 2.0,
};

/// About 40 seconds.
const QUICK: Plan = Plan {
    connections: &[1, 10, 100],
    sizes: &[64],
    runs: 1,
    warmup: 0.5,
    seconds: 1.0,
    open_loop_shares: &[0.5],
    open_loop_seconds: 1.0,
};

impl Plan {
    /// The closed loop's combinations of message size, connections and server, in the
    /// order of one run.
    fn closed_loop(&self) -> Vec<(usize, usize, &'static str, &'static str)> {
        let mut combinations = Vec::new();
        for &size in self.sizes {
            for &connections in self.connections {
                for (server, executable) in SERVERS {
                    if server == "echo-server" && connections > 10 {
                        // One client at a time: the rest only wait in the kernel's queue.
                        continue;
                    }
                    combinations.push((size, connections, server, executable));
                }
            }
        }
        combinations
    }

    /// How long the plan takes, roughly: every measurement's warm-up and run, and the
    /// time to start the server and echo-bench and to connect. That is a fifth of a
    /// second, or about 5 seconds for more connections than the servers' listen backlog
    /// holds (128): the kernel drops the connection requests that do not fit, and the
    /// client sends them again a second later.
    fn estimate(&self) -> Duration {
        let starting = |connections: usize| if connections > 128 { 5.0 } else { 0.2 };
        let closed: f64 = self
            .closed_loop()
            .iter()
            .map(|&(_, connections, ..)| self.warmup + self.seconds + starting(connections))
            .sum();
        let open = (self.open_loop_shares.len() * OPEN_LOOP_SERVERS.len()) as f64
            * (self.warmup + self.open_loop_seconds + starting(OPEN_LOOP_CONNECTIONS));
        let bottleneck_check = 2.0 * (self.warmup + self.seconds + starting(100));
        Duration::from_secs_f64((closed + open) * self.runs as f64 + bottleneck_check)
    }
}

/// Draws the chapter's tables and plots again from the committed results.
pub fn redraw(root: &Path) -> Result<()> {
    let path = root.join("listings/echo-bench/results/results.json");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    xtask::report::write(root, &serde_json::from_str(&text)?)?;
    println!("redrew the plots and tables in src/*/bench/ and src/*/img/");
    Ok(())
}

pub fn bench(root: &Path, quick: bool) -> Result<()> {
    let plan = if quick { QUICK } else { FULL };
    let mut build = vec!["build", "--release", "--quiet", "--package", "echo-bench"];
    for (server, executable) in &SERVERS {
        if !executable.starts_with("examples/") {
            build.extend(["--package", server]);
        }
    }
    run_cargo(root, &build)?;
    // Asking for an example builds only that example, so this is a second build.
    run_cargo(
        root,
        &[
            "build",
            "--release",
            "--quiet",
            "--package",
            "echo-server-async",
            "--example",
            "plain",
        ],
    )?;
    let bin = target_dir(root).join("release");
    let seconds = plan.estimate().as_secs();
    eprintln!(
        "measuring for about {} min {:02} s",
        seconds / 60,
        seconds % 60
    );

    // Run 1 of everything, then run 2, then run 3: a machine that slows down over time
    // then shows as a difference between the runs, instead of making one server look
    // slower.
    let mut rows = Vec::new();
    for run in 1..=plan.runs {
        for (size, connections, server, executable) in plan.closed_loop() {
            let load = Load {
                connections,
                size,
                rate: None,
                warmup: plan.warmup,
                seconds: plan.seconds,
            };
            let report = measure(&bin, executable, &load, 1)?.remove(0);
            eprintln!(
                "run {run} {size:>5} B {connections:>5} conn {server:>21}: \
                 {:>8.0} round trips/s",
                report["round_trips_per_sec"].as_f64().unwrap_or(0.0)
            );
            rows.push(serde_json::json!({
                "server": server, "run": run, "report": report,
            }));
        }
    }
    let open_loop = open_loop(&bin, &plan, &rows)?;
    let check = bottleneck_check(&bin, &plan)?;

    let dir = root.join("listings/echo-bench/results");
    std::fs::create_dir_all(&dir)?;
    let name = if quick { "quick" } else { "results" };
    let results = serde_json::json!({
        "machine": machine()?,
        "warmup_seconds": plan.warmup,
        "seconds": plan.seconds,
        "rows": rows,
        "open_loop": open_loop,
        "bottleneck_check": check,
    });
    let json = dir.join(format!("{name}.json"));
    std::fs::write(&json, serde_json::to_string_pretty(&results)? + "\n")?;
    let tables = format!(
        "{}\n## Open loop\n\n{}",
        table(&rows),
        table(open_loop["rows"].as_array().map_or(&[], Vec::as_slice))
    );
    std::fs::write(dir.join(format!("{name}.md")), tables)?;
    println!("wrote {} and {name}.md", json.display());
    if quick {
        let english = &xtask::EDITIONS[1];
        println!("\n{}", xtask::report::summary(&results, english)?);
        if let Some(open_loop) = xtask::report::open_loop_summary(&results, english)? {
            println!("{open_loop}");
        }
    } else {
        xtask::report::write(root, &results)?;
        println!("redrew the plots and tables in src/*/bench/ and src/*/img/");
    }
    Ok(())
}

/// The open loop: each of `OPEN_LOOP_SERVERS` at every rate of the plan, the runs
/// interleaved as in the closed loop. The rates are shares of the fewest round trips
/// per second one of these servers did in the closed loop with the same load (the
/// median of its runs), rounded to two digits: what this machine can do, whatever it is.
fn open_loop(bin: &Path, plan: &Plan, closed: &[serde_json::Value]) -> Result<serde_json::Value> {
    let slowest = OPEN_LOOP_SERVERS
        .iter()
        .filter_map(|&server| {
            let rates = closed.iter().filter(|row| {
                row["server"] == server
                    && row["report"]["connections"] == OPEN_LOOP_CONNECTIONS
                    && row["report"]["size"] == OPEN_LOOP_SIZE
            });
            let median = xtask::report::median(
                rates.map(|row| row["report"]["round_trips_per_sec"].as_f64().unwrap_or(0.0)),
            )?;
            Some((server, median))
        })
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .context("the plan measures no server of the open loop in the closed loop")?;
    let rates: Vec<u64> = plan
        .open_loop_shares
        .iter()
        .map(|share| two_digits(share * slowest.1))
        .collect();
    let mut rows = Vec::new();
    for run in 1..=plan.runs {
        for &rate in &rates {
            for server in OPEN_LOOP_SERVERS {
                let load = Load {
                    connections: OPEN_LOOP_CONNECTIONS,
                    size: OPEN_LOOP_SIZE,
                    rate: Some(rate),
                    warmup: plan.warmup,
                    seconds: plan.open_loop_seconds,
                };
                let report = measure(bin, executable(server), &load, 1)?.remove(0);
                eprintln!(
                    "run {run} open loop {rate:>7}/s {server:>21}: p50 {:>7} µs, p99 {:>7} µs",
                    report["latency_us"]["p50"], report["latency_us"]["p99"]
                );
                rows.push(serde_json::json!({
                    "server": server, "run": run, "report": report,
                }));
            }
        }
    }
    Ok(serde_json::json!({
        "connections": OPEN_LOOP_CONNECTIONS,
        "size": OPEN_LOOP_SIZE,
        "warmup_seconds": plan.warmup,
        "seconds": plan.open_loop_seconds,
        "slowest_closed_loop": { "server": slowest.0, "round_trips_per_sec": slowest.1 },
        "shares": plan.open_loop_shares,
        "rates": rates,
        "rows": rows,
    }))
}

/// The executable of one of `SERVERS`.
fn executable(server: &str) -> &str {
    SERVERS
        .iter()
        .find(|(name, _)| *name == server)
        .map_or(server, |(_, executable)| executable)
}

/// 26741.3 as 27000: a round number, for the tables' headings.
fn two_digits(value: f64) -> u64 {
    if value < 10.0 {
        return value.round().max(1.0) as u64;
    }
    let unit = 10f64.powi(value.log10().floor() as i32 - 1);
    ((value / unit).round() * unit) as u64
}

/// Where cargo puts what it builds: `CARGO_TARGET_DIR` if set (relative to the
/// repository if relative), or `target`.
fn target_dir(root: &Path) -> std::path::PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root.join(dir),
        None => root.join("target"),
    }
}

/// Is echo-bench itself the limit? The threaded server at 100 connections, loaded
/// once by one echo-bench process and once by two processes with 50 connections each.
/// If one process were the bottleneck, two would get clearly more round trips through.
fn bottleneck_check(bin: &Path, plan: &Plan) -> Result<serde_json::Value> {
    let one = Load {
        connections: 100,
        size: 64,
        rate: None,
        warmup: plan.warmup,
        seconds: plan.seconds,
    };
    let half = Load {
        connections: 50,
        ..one
    };
    let single = measure(bin, "echo-server-threaded", &one, 1)?;
    let split = measure(bin, "echo-server-threaded", &half, 2)?;
    let total = |reports: &[serde_json::Value]| -> f64 {
        reports
            .iter()
            .map(|r| r["round_trips_per_sec"].as_f64().unwrap_or(0.0))
            .sum()
    };
    let (single, split) = (total(&single), total(&split));
    eprintln!("one echo-bench process: {single:.0} round trips/s; two: {split:.0} round trips/s");
    Ok(serde_json::json!({
        "server": "echo-server-threaded",
        "connections": 100,
        "size": 64,
        "one_process_round_trips_per_sec": single,
        "two_processes_round_trips_per_sec": split,
    }))
}

struct Load {
    connections: usize,
    size: usize,
    /// Round trips per second in an open loop; `None`: a closed loop.
    rate: Option<u64>,
    warmup: f64,
    seconds: f64,
}

/// Starts `server` on a free port, runs `processes` echo-bench processes against it at
/// the same time, each with `load`, and stops it. Returns their reports.
fn measure(
    bin: &Path,
    server: &str,
    load: &Load,
    processes: usize,
) -> Result<Vec<serde_json::Value>> {
    let mut args = vec!["127.0.0.1:0".to_string()];
    if server == "echo-server-pool" {
        args.extend(["--queue".into(), "2000".into()]);
    }
    let mut child = Command::new(bin.join(server))
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("cannot start {server}"))?;
    let result = bench_against(&mut child, bin, load, processes);
    // Only this run's own server, by its handle.
    let _ = child.kill();
    let _ = child.wait();
    result
}

/// The address a server just started says it listens on (its first line), and a
/// thread that keeps reading the rest of its log: a server blocked on a full pipe
/// would stop serving.
fn listening_addr(child: &mut Child) -> Result<String> {
    let stdout = child.stdout.take().context("server stdout")?;
    let mut lines = BufReader::new(stdout);
    let mut first = String::new();
    lines.read_line(&mut first)?;
    let addr = first
        .strip_prefix("listening on ")
        .and_then(|rest| rest.split_whitespace().next())
        .with_context(|| format!("unexpected first line: {first}"))?
        .to_string();
    thread::spawn(move || for _ in lines.lines() {});
    Ok(addr)
}

fn bench_against(
    child: &mut Child,
    bin: &Path,
    load: &Load,
    processes: usize,
) -> Result<Vec<serde_json::Value>> {
    let addr = listening_addr(child)?;
    let benches = (0..processes)
        .map(|_| {
            let mut bench = Command::new(bin.join("echo-bench"));
            if let Some(rate) = load.rate {
                bench.args(["--rate", &rate.to_string()]);
            }
            bench
                .args(["--addr", &addr, "--json"])
                .args(["--connections", &load.connections.to_string()])
                .args(["--size", &load.size.to_string()])
                .args(["--warmup", &format!("{}s", load.warmup)])
                .args(["--duration", &format!("{}s", load.seconds)])
                .args(["--server-pid", &child.id().to_string()])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .context("cannot run echo-bench")
        })
        .collect::<Result<Vec<_>>>()?;
    let mut reports = Vec::new();
    for bench in benches {
        let output = bench.wait_with_output()?;
        // Exit code 2 means "measured, with problems": the report says which.
        if !matches!(output.status.code(), Some(0 | 2)) {
            bail!(
                "echo-bench failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        reports.push(serde_json::from_slice(&output.stdout)?);
    }
    Ok(reports)
}

fn run_cargo(root: &Path, args: &[&str]) -> Result<()> {
    let status = Command::new(env!("CARGO"))
        .args(args)
        .current_dir(root)
        .status()?;
    if !status.success() {
        bail!("cargo {} failed", args.join(" "));
    }
    Ok(())
}

/// What the numbers were measured on.
fn machine() -> Result<serde_json::Value> {
    let cores = thread::available_parallelism().map_or(0, |n| n.get());
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|m| m.trim_start_matches([' ', '\t', ':']).to_string())
            })
        })
        .unwrap_or_default();
    let os = Command::new("uname")
        .arg("-sr")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let rustc = Command::new("rustc")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    Ok(serde_json::json!({ "cores": cores, "cpu": cpu, "os": os, "rustc": rustc }))
}

/// One Markdown row per measurement.
fn table(rows: &[serde_json::Value]) -> String {
    let mut out = String::from(
        "| server | connections | size (B) | rate asked for (/s) | run | round trips/s \
         | p50 (µs) | p99 (µs) | served | got nothing | problems | run with warm-up (s) \
         | server CPU (s) | bench CPU (s) | server context switches (whole run) \
         | server threads | server RSS (KiB) |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for row in rows {
        let r = &row["report"];
        let problems: u64 = ["mismatches", "stalls", "early_eofs", "errors"]
            .iter()
            .filter_map(|p| r[p].as_u64())
            .sum();
        out += &format!(
            "| {} | {} | {} | {} | {} | {:.0} | {} | {} | {} | {} | {} | {:.1} | {:.2} | {:.2} | {} | {} | {} |\n",
            row["server"].as_str().unwrap_or(""),
            r["connections"],
            r["size"],
            r["rate"]
                .as_u64()
                .map_or("–".into(), |rate| rate.to_string()),
            row["run"],
            r["round_trips_per_sec"].as_f64().unwrap_or(0.0),
            r["latency_us"]["p50"],
            r["latency_us"]["p99"],
            r["connections_served"],
            r["connections_got_nothing"],
            problems,
            r["usage_seconds"].as_f64().unwrap_or(0.0),
            r["server"]["cpu_seconds"].as_f64().unwrap_or(0.0),
            r["bench_cpu_seconds"].as_f64().unwrap_or(0.0),
            r["server"]["context_switches"],
            r["server"]["threads"],
            r["server"]["memory_kib"],
        );
    }
    out
}

/// `cargo xtask bench --idle`: what an idle connection costs each concurrent server.
/// Starts it, connects one client, then 1,000 more that send nothing, and reads the
/// server's threads and resident memory from `/proc` (Linux only) each time; three
/// runs per server. The Non-blocking I/O and Concurrent servers chapters quote it.
pub fn idle(root: &Path) -> Result<()> {
    const MORE: usize = 1000;
    let servers = [
        "echo-server-threaded",
        "echo-server-pool",
        "echo-server-async",
        "echo-server-mio",
    ];
    let mut build = vec!["build", "--release", "--quiet"];
    for server in servers {
        build.extend(["--package", server]);
    }
    run_cargo(root, &build)?;
    let bin = target_dir(root).join("release");
    println!(
        "server                 run  threads  KiB with 1  KiB with {}  KiB per connection",
        MORE + 1
    );
    for server in servers {
        for run in 1..=3 {
            let mut args = vec!["127.0.0.1:0"];
            args.extend(match server {
                "echo-server-pool" => ["--queue", "2000"],
                _ => ["--max-connections", "2000"],
            });
            let mut child = Command::new(bin.join(server))
                .args(&args)
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .with_context(|| format!("cannot start {server}"))?;
            let measured = idle_run(&mut child, MORE);
            let _ = child.kill(); // only the server this run started
            let _ = child.wait();
            let (threads, one, many) = measured?;
            let per = (many - one) as f64 / MORE as f64;
            println!("{server:<22} {run:>3}  {threads:>7}  {one:>10}  {many:>13}  {per:>18.2}");
        }
    }
    Ok(())
}

/// One client, then `more`: the server's threads and resident memory (KiB) with one
/// client, and its resident memory with all of them.
fn idle_run(child: &mut Child, more: usize) -> Result<(u64, u64, u64)> {
    let addr = listening_addr(child)?;
    let status = |key: &str| -> Result<u64> {
        let text = std::fs::read_to_string(format!("/proc/{}/status", child.id()))
            .context("cannot read /proc (Linux only)")?;
        text.lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .with_context(|| format!("no {key} in /proc/PID/status"))
    };
    let connect = || {
        std::net::TcpStream::connect(&addr).with_context(|| {
            format!(
                "cannot connect to {addr}; is `ulimit -n` above {}?",
                more + 100
            )
        })
    };
    let mut clients = vec![connect()?];
    thread::sleep(std::time::Duration::from_millis(300));
    let one = status("VmRSS:")?;
    for _ in 0..more {
        clients.push(connect()?);
    }
    thread::sleep(std::time::Duration::from_secs(1));
    Ok((status("Threads:")?, one, status("VmRSS:")?))
}
