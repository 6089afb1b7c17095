//! atomic-stats: the totals of a server's requests, which many threads update at once
//! without a lock. `cargo run -p atomic-stats` records through one from 8 threads.

use std::sync::atomic::AtomicU64;

/// How many requests were served, how many bytes they carried, and the largest one.
/// Every method takes `&self`: threads share one `Stats` (in a `static`, an `Arc` or a
/// scope) and record at the same time, with no lock.
pub struct Stats {
    requests: AtomicU64,
    bytes: AtomicU64,
    max_bytes: AtomicU64,
}

impl Stats {
    /// Nothing recorded yet. A `const fn`, so that a `static` can hold a `Stats`.
    pub const fn new() -> Stats {
        Stats {
            requests: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            max_bytes: AtomicU64::new(0),
        }
    }

    /// Counts one request that carried `bytes` bytes.
    pub fn record(&self, bytes: u64) {
        // Your task: add 1 to `requests` and `bytes` to `bytes`, and keep the largest
        // request in `max_bytes`, so that no update is lost when many threads record
        // at the same moment. Choose each ordering (`std::sync::atomic::Ordering`),
        // and say in a comment why it is enough.
        todo!("record a request of {bytes} bytes")
    }

    /// The totals so far: (requests, bytes).
    pub fn snapshot(&self) -> (u64, u64) {
        // Your task: read the two totals.
        todo!("read the totals")
    }

    /// The largest request recorded so far, in bytes; 0 before the first.
    pub fn max_bytes(&self) -> u64 {
        // Your task: read the largest request.
        todo!("read the largest request")
    }
}

impl Default for Stats {
    fn default() -> Stats {
        Stats::new()
    }
}
