//! `cargo xtask bench [--quick]`: every server × connections × message size, measured
//! with echo-bench in release builds on loopback, twice, and written to
//! `listings/echo-bench/results/` as JSON and as a Markdown table.

use anyhow::{Context, Result, bail};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::Duration;

const SERVERS: [&str; 4] = [
    "echo-server",
    "echo-server-threaded",
    "echo-server-pool",
    "echo-server-async",
];

struct Plan {
    connections: &'static [usize],
    sizes: &'static [usize],
    runs: usize,
    seconds: f64,
}

const FULL: Plan = Plan {
    connections: &[1, 10, 100, 1000],
    sizes: &[64, 4096],
    runs: 2,
    seconds: 3.0,
};

const QUICK: Plan = Plan {
    connections: &[1, 10, 100],
    sizes: &[64],
    runs: 1,
    seconds: 1.0,
};

pub fn bench(root: &Path, quick: bool) -> Result<()> {
    let plan = if quick { QUICK } else { FULL };
    let mut build = vec!["build", "--release", "--quiet", "--package", "echo-bench"];
    for server in SERVERS {
        build.extend(["--package", server]);
    }
    run_cargo(root, &build)?;
    let bin = root.join("target/release");

    let mut rows = Vec::new();
    for server in SERVERS {
        for &connections in plan.connections {
            if server == "echo-server" && connections > 10 {
                // One client at a time: the rest would only wait in the kernel's queue.
                continue;
            }
            for &size in plan.sizes {
                for run in 1..=plan.runs {
                    let report = measure(&bin, server, connections, size, plan.seconds)?;
                    eprintln!(
                        "{server:>22} {connections:>5} conn {size:>5} B run {run}: {:>8.0} rt/s",
                        report["round_trips_per_sec"].as_f64().unwrap_or(0.0)
                    );
                    rows.push(serde_json::json!({
                        "server": server, "run": run, "report": report,
                    }));
                }
            }
        }
    }

    let dir = root.join("listings/echo-bench/results");
    std::fs::create_dir_all(&dir)?;
    let name = if quick { "quick" } else { "results" };
    let results = serde_json::json!({ "machine": machine()?, "rows": rows });
    let json = dir.join(format!("{name}.json"));
    std::fs::write(&json, serde_json::to_string_pretty(&results)? + "\n")?;
    std::fs::write(dir.join(format!("{name}.md")), table(&rows))?;
    println!("wrote {} and {name}.md", json.display());
    Ok(())
}

/// Starts `server` on a free port, runs echo-bench against it, stops it.
fn measure(
    bin: &Path,
    server: &str,
    connections: usize,
    size: usize,
    seconds: f64,
) -> Result<serde_json::Value> {
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
    let result = bench_against(&mut child, bin, connections, size, seconds);
    // Only this run's own server, by its handle.
    let _ = child.kill();
    let _ = child.wait();
    result
}

fn bench_against(
    child: &mut Child,
    bin: &Path,
    connections: usize,
    size: usize,
    seconds: f64,
) -> Result<serde_json::Value> {
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
    thread::sleep(Duration::from_millis(100));
    let output = Command::new(bin.join("echo-bench"))
        .args(["--addr", &addr, "--json"])
        .args(["--connections", &connections.to_string()])
        .args(["--size", &size.to_string()])
        .args(["--duration", &format!("{seconds}s")])
        .args(["--server-pid", &child.id().to_string()])
        .stderr(Stdio::null())
        .output()
        .context("cannot run echo-bench")?;
    // Exit code 2 means "measured, with problems": the report says which.
    if !matches!(output.status.code(), Some(0 | 2)) {
        bail!(
            "echo-bench failed: {}",
            String::from_utf8_lossy(&output.stdout)
        );
    }
    Ok(serde_json::from_slice(&output.stdout)?)
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
        "| server | connections | size (B) | run | round trips/s | p50 (µs) | p99 (µs) | served | got nothing | server CPU (s) |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for row in rows {
        let r = &row["report"];
        out += &format!(
            "| {} | {} | {} | {} | {:.0} | {} | {} | {} | {} | {:.2} |\n",
            row["server"].as_str().unwrap_or(""),
            r["connections"],
            r["size"],
            row["run"],
            r["round_trips_per_sec"].as_f64().unwrap_or(0.0),
            r["latency_us"]["p50"],
            r["latency_us"]["p99"],
            r["connections_served"],
            r["connections_got_nothing"],
            r["server_cpu_seconds"].as_f64().unwrap_or(0.0),
        );
    }
    out
}
