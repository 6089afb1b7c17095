//! thread-sum: four threads each add up a quarter of the numbers 1 to 1,000,000,
//! and `main` joins them for the total. Shown in the Threads chapter; run it with
//! `cargo run -p thread-sum`.

use std::thread::{self, JoinHandle};

fn main() {
    let numbers: Vec<u64> = (1..=1_000_000).collect();

    // ANCHOR: spawn
    let handles: Vec<JoinHandle<u64>> = numbers
        .chunks(250_000)
        .map(|chunk| {
            let chunk = chunk.to_vec(); // this thread's own copy of its part
            thread::spawn(move || chunk.iter().sum())
        })
        .collect();
    // ANCHOR_END: spawn

    // ANCHOR: join
    let mut total = 0;
    for (i, handle) in handles.into_iter().enumerate() {
        let part = handle.join().expect("a summing thread panicked");
        println!("part {i}: {part}");
        total += part;
    }
    println!("total: {total}");
    // ANCHOR_END: join
}
