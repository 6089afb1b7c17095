//! store-buffer: two threads each raise their own flag, then look at the other's. With
//! Release and Acquire both may see the other's flag still down; with SeqCst at least
//! one of them sees it up. Shown in the Atomics chapter; run it with
//! `cargo run --release -p store-buffer [ROUNDS]`.

use std::hint;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::thread;

// ANCHOR: rounds
/// Runs `rounds` rounds with the two orderings given and counts the rounds in which
/// neither thread saw the other's flag.
fn neither_saw_the_other(rounds: u32, store: Ordering, load: Ordering) -> u32 {
    let (a, b) = (AtomicBool::new(false), AtomicBool::new(false));
    // Round `r` starts when `go` is `r` and ends for the other thread at `done == r`.
    // Both threads spin rather than sleep, so that they run their two steps at
    // nearly the same moment, where a reordering can show.
    let (go, done) = (AtomicU32::new(0), AtomicU32::new(0));
    thread::scope(|s| {
        let other = s.spawn(|| {
            let mut saw = Vec::with_capacity(rounds as usize);
            for r in 1..=rounds {
                wait_for(&go, r);
                b.store(true, store);
                saw.push(a.load(load));
                done.store(r, Ordering::Release);
            }
            saw
        });
        let mut saw = Vec::with_capacity(rounds as usize);
        for r in 1..=rounds {
            go.store(r, Ordering::Release);
            a.store(true, store);
            saw.push(b.load(load));
            wait_for(&done, r);
            // Both threads are past their load: lower the flags for the next round.
            a.store(false, Ordering::Relaxed);
            b.store(false, Ordering::Relaxed);
        }
        let other_saw = other.join().expect("the other thread");
        saw.iter()
            .zip(&other_saw)
            .filter(|(mine, theirs)| !**mine && !**theirs)
            .count() as u32
    })
}
/// Spins until `counter` is `round`. Every hundred turns it lets another thread run, in
/// case the other thread of the round is waiting for a core.
fn wait_for(counter: &AtomicU32, round: u32) {
    let mut turns = 0u32;
    while counter.load(Ordering::Acquire) != round {
        turns += 1;
        if turns.is_multiple_of(100) {
            thread::yield_now();
        } else {
            hint::spin_loop();
        }
    }
}
// ANCHOR_END: rounds

fn main() {
    let rounds: u32 = match std::env::args().nth(1) {
        Some(n) => n.parse().unwrap_or_else(|_| {
            eprintln!("error: ROUNDS is a whole number, not `{n}`");
            std::process::exit(1)
        }),
        None => 100_000,
    };
    let release =
        neither_saw_the_other(rounds, Ordering::Release, Ordering::Acquire);
    println!(
        "Release/Acquire: neither saw the other in {release} of {rounds} rounds"
    );
    let seq_cst = neither_saw_the_other(rounds, Ordering::SeqCst, Ordering::SeqCst);
    println!(
        "SeqCst:          neither saw the other in {seq_cst} of {rounds} rounds"
    );
}
