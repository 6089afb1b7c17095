//! thread-counter: eight threads add to one counter, shared as `Arc<Mutex<u64>>`.
//! Shown in the Threads chapter; run it with `cargo run -p thread-counter`.

use std::sync::{Arc, Mutex};
use std::thread;

const THREADS: u64 = 8;
const INCREMENTS: u64 = 10_000;

fn main() {
    // ANCHOR: share
    let counter = Arc::new(Mutex::new(0u64));
    let mut handles = Vec::new();
    for _ in 0..THREADS {
        let counter = Arc::clone(&counter);
        handles.push(thread::spawn(move || {
            for _ in 0..INCREMENTS {
                let mut count = counter.lock().expect("another thread panicked");
                *count += 1;
            } // `count` is dropped here, which unlocks the mutex
        }));
    }
    // ANCHOR_END: share

    for handle in handles {
        handle.join().expect("a counting thread panicked");
    }
    let total = *counter.lock().expect("a counting thread panicked");
    println!("{THREADS} threads x {INCREMENTS} increments = {total}");
}
