//! atomic-stats: 8 threads serve 10,000 made-up requests each and record every one in
//! the same `Stats`, with no lock; once all of them are joined, `main` prints the
//! totals. Run it with `cargo run -p atomic-stats`.
//!
//! This program is complete: the code to write is `Stats` in `src/lib.rs`, where the
//! `todo!()`s are.

use atomic_stats::Stats;
use std::thread;

/// Shared by every thread: a `static` needs no `Arc`, and `Stats` needs no lock.
static STATS: Stats = Stats::new();

const THREADS: u64 = 8;
const REQUESTS: u64 = 10_000;

fn main() {
    thread::scope(|s| {
        for t in 0..THREADS {
            s.spawn(move || {
                for i in 0..REQUESTS {
                    STATS.record(request_size(t, i));
                }
            });
        }
    }); // the scope joins every thread here
    let (requests, bytes) = STATS.snapshot();
    println!(
        "{THREADS} threads: {requests} requests, {bytes} bytes, the largest {} bytes",
        STATS.max_bytes()
    );
}

/// The size of request `i` of thread `t`: 1 to 1,500 bytes, and one upload of 1 MiB.
fn request_size(t: u64, i: u64) -> u64 {
    if (t, i) == (5, 7_777) {
        return 1 << 20;
    }
    (t * 7_919 + i * 104_729) % 1_500 + 1
}
