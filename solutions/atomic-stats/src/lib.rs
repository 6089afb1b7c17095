//! atomic-stats: the totals of a server's requests, which many threads update at once
//! without a lock. `cargo run -p atomic-stats-solution` records through one from 8
//! threads.

use std::sync::atomic::{AtomicU64, Ordering};

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
        // Each update reads, changes and writes its counter in one indivisible step,
        // whatever the ordering: no update is lost. Relaxed is enough because no
        // other memory is handed over through these counters: a reader wants their
        // values, not something a recorder wrote before. The totals that must be
        // exact are read after `join`, and `join` makes everything the joined thread
        // did visible to the thread that joins it.
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
        // Keeps the larger of the two, in one step too.
        self.max_bytes.fetch_max(bytes, Ordering::Relaxed);
    }

    /// The totals so far: (requests, bytes).
    pub fn snapshot(&self) -> (u64, u64) {
        // Two loads, one after the other. While threads record, the pair may come from
        // two different moments (a request counted whose bytes are not added yet);
        // no ordering would fix that, only one atomic for both or a lock. Each total
        // alone never goes backwards, and after `join` both are exact.
        let requests = self.requests.load(Ordering::Relaxed);
        let bytes = self.bytes.load(Ordering::Relaxed);
        (requests, bytes)
    }

    /// The largest request recorded so far, in bytes; 0 before the first.
    pub fn max_bytes(&self) -> u64 {
        self.max_bytes.load(Ordering::Relaxed)
    }
}

impl Default for Stats {
    fn default() -> Stats {
        Stats::new()
    }
}
