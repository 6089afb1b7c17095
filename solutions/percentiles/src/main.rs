//! Summarizes latencies, one number of microseconds per line, the way echo-bench does:
//! `percentiles FILE`.

use anyhow::{Context, Result, bail};

fn main() -> Result<()> {
    let path = std::env::args().nth(1).context("usage: percentiles FILE")?;
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {path}"))?;
    let mut latencies =
        read_latencies(&text).with_context(|| format!("in {path}"))?;
    latencies.sort_unstable();
    println!("count {}", latencies.len());
    println!("mean  {} µs", mean(&latencies));
    for p in [50.0, 90.0, 99.0] {
        println!("p{p:<4} {} µs", percentile(&latencies, p));
    }
    println!("max   {} µs", latencies[latencies.len() - 1]);
    Ok(())
}

/// The numbers in `text`, one per line; blank lines are skipped.
fn read_latencies(text: &str) -> Result<Vec<u64>> {
    let mut latencies = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let value = line.parse().with_context(|| {
            format!("line {} is not a whole number: `{line}`", i + 1)
        })?;
        latencies.push(value);
    }
    if latencies.is_empty() {
        bail!("no latencies: the file has no numbers");
    }
    Ok(latencies)
}

/// The nearest-rank percentile of `sorted` (ascending, not empty): the smallest value
/// that at least `p` percent of the values are less than or equal to.
fn percentile(sorted: &[u64], p: f64) -> u64 {
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The mean, rounded to the nearest whole microsecond.
fn mean(values: &[u64]) -> u64 {
    let sum: u128 = values.iter().map(|&v| v as u128).sum();
    ((sum as f64) / values.len() as f64).round() as u64
}
