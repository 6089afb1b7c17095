//! first-threads: the blog post's threads.py in Rust, two threads printing 1 to 10
//! and a to j, joined by `main`. Shown in the From Python to Rust chapter; run it
//! with `cargo run -p first-threads`.

// ANCHOR: program
use std::thread;

fn main() {
    let numbers = thread::spawn(|| {
        for n in 1..=10 {
            println!("{n}");
        }
    });
    let letters = thread::spawn(|| {
        for c in 'a'..='j' {
            println!("{c}");
        }
    });

    numbers.join().expect("the numbers thread panicked");
    letters.join().expect("the letters thread panicked");
}
// ANCHOR_END: program
