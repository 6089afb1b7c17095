//! `cargo xtask bench [--quick]`: every server × connections × message size, measured
//! with echo-bench in release builds on loopback, twice, and written to
//! `listings/echo-bench/results/` as JSON and as a Markdown table.

use anyhow::{Context, Result, bail};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread;

/// What is measured: a name for the results and the executable in `target/release`.
/// The last one is the yardstick, the plainest tokio echo loop (an example of
/// echo-server-async); the book's async server should be as fast.
const SERVERS: [(&str, &str); 5] = [
    ("echo-server", "echo-server"),
    ("echo-server-threaded", "echo-server-threaded"),
    ("echo-server-pool", "echo-server-pool"),
    ("echo-server-async", "echo-server-async"),
    ("plain-tokio", "examples/plain"),
];

struct Plan {
    connections: &'static [usize],
    sizes: &'static [usize],
    runs: usize,
    warmup: f64,
    seconds: f64,
}

const FULL: Plan = Plan {
    connections: &[1, 10, 100, 1000],
    sizes: &[64, 4096],
    runs: 2,
    warmup: 1.0,
    seconds: 3.0,
};

const QUICK: Plan = Plan {
    connections: &[1, 10, 100],
    sizes: &[64],
    runs: 1,
    warmup: 0.5,
    seconds: 1.0,
};

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
    for (server, _) in &SERVERS[..4] {
        build.extend(["--package", server]);
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
    let bin = root.join("target/release");

    // Run 1 of everything, then run 2: a machine that slows down over time then shows
    // as a difference between the runs, instead of making one server look slower.
    let mut rows = Vec::new();
    for run in 1..=plan.runs {
        for &size in plan.sizes {
            for &connections in plan.connections {
                for (server, executable) in SERVERS {
                    if server == "echo-server" && connections > 10 {
                        // One client at a time: the rest only wait in the kernel's queue.
                        continue;
                    }
                    let load = Load {
                        connections,
                        size,
                        plan: &plan,
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
        }
    }
    let check = bottleneck_check(&bin, &plan)?;

    let dir = root.join("listings/echo-bench/results");
    std::fs::create_dir_all(&dir)?;
    let name = if quick { "quick" } else { "results" };
    let results = serde_json::json!({
        "machine": machine()?,
        "warmup_seconds": plan.warmup,
        "seconds": plan.seconds,
        "rows": rows,
        "bottleneck_check": check,
    });
    let json = dir.join(format!("{name}.json"));
    std::fs::write(&json, serde_json::to_string_pretty(&results)? + "\n")?;
    std::fs::write(dir.join(format!("{name}.md")), table(&rows))?;
    println!("wrote {} and {name}.md", json.display());
    if quick {
        println!(
            "\n{}",
            xtask::report::summary(&results, &xtask::EDITIONS[1])?
        );
    } else {
        xtask::report::write(root, &results)?;
        println!("redrew the plots and tables in src/*/bench/ and src/*/img/");
    }
    Ok(())
}

/// Is echo-bench itself the limit? The threaded server at 100 connections, loaded
/// once by one echo-bench process and once by two processes with 50 connections each.
/// If one process were the bottleneck, two would get clearly more round trips through.
fn bottleneck_check(bin: &Path, plan: &Plan) -> Result<serde_json::Value> {
    let one = Load {
        connections: 100,
        size: 64,
        plan,
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

struct Load<'a> {
    connections: usize,
    size: usize,
    plan: &'a Plan,
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

fn bench_against(
    child: &mut Child,
    bin: &Path,
    load: &Load,
    processes: usize,
) -> Result<Vec<serde_json::Value>> {
    let mut first = String::new();
    let stdout = child.stdout.take().context("server stdout")?;
    let mut lines = BufReader::new(stdout);
    lines.read_line(&mut first)?;
    let addr = first
        .strip_prefix("listening on ")
        .and_then(|rest| rest.split_whitespace().next())
        .with_context(|| format!("unexpected first line: {first}"))?
        .to_string();
    // Keep reading the log, so that the server never blocks on a full pipe.
    thread::spawn(move || for _ in lines.lines() {});
    let benches = (0..processes)
        .map(|_| {
            Command::new(bin.join("echo-bench"))
                .args(["--addr", &addr, "--json"])
                .args(["--connections", &load.connections.to_string()])
                .args(["--size", &load.size.to_string()])
                .args(["--warmup", &format!("{}s", load.plan.warmup)])
                .args(["--duration", &format!("{}s", load.plan.seconds)])
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
        "| server | connections | size (B) | run | round trips/s | p50 (µs) | p99 (µs) \
         | served | got nothing | problems | run with warm-up (s) | server CPU (s) | bench CPU (s) \
         | server context switches (whole run) | server threads | server RSS (KiB) |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for row in rows {
        let r = &row["report"];
        let problems: u64 = ["mismatches", "stalls", "early_eofs", "errors"]
            .iter()
            .filter_map(|p| r[p].as_u64())
            .sum();
        out += &format!(
            "| {} | {} | {} | {} | {:.0} | {} | {} | {} | {} | {} | {:.1} | {:.2} | {:.2} | {} | {} | {} |\n",
            row["server"].as_str().unwrap_or(""),
            r["connections"],
            r["size"],
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
