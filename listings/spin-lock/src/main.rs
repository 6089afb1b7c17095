//! spin-lock: four threads count to 100,000 each through one spin lock. Shown in the
//! Atomics chapter; run it with `cargo run -p spin-lock`.

use spin_lock::SpinLock;
use std::thread;

// ANCHOR: main
fn main() {
    let counter = SpinLock::new(0u64);
    thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..100_000 {
                    *counter.lock() += 1;
                }
            });
        }
    });
    println!("4 threads, 100000 increments each: {}", *counter.lock());
}
// ANCHOR_END: main
