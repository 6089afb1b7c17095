//! Summarizes latencies, one number of microseconds per line, the way echo-bench does:
//! `percentiles FILE`.

use anyhow::{Context, Result};

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
    // Your task: one whole number per line; skip blank lines; say which line is wrong
    // if one is not a number, and refuse a file with no numbers at all.
    todo!("read the numbers in {} lines", text.lines().count())
}

/// The nearest-rank percentile of `sorted` (ascending, not empty): the smallest value
/// that at least `p` percent of the values are less than or equal to.
fn percentile(sorted: &[u64], p: f64) -> u64 {
    // Your task: the nearest-rank percentile. With 5 values, p50 is the 3rd smallest.
    todo!("p{p} of {} values", sorted.len())
}

/// The mean, rounded to the nearest whole microsecond.
fn mean(values: &[u64]) -> u64 {
    let sum: u128 = values.iter().map(|&v| v as u128).sum();
    ((sum as f64) / values.len() as f64).round() as u64
}
