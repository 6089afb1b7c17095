//! thread-scope: scoped threads that borrow from `main`; two count words in the
//! halves of one slice, two fill the halves of an array. Shown in the Threads
//! chapter; run it with `cargo run -p thread-scope`.

use std::thread;

fn main() {
    let text = "the cat sat on the mat and the dog sat on the log";
    let words: Vec<&str> = text.split_whitespace().collect();
    let (first_half, second_half) = words.split_at(words.len() / 2);

    // ANCHOR: read
    let (a, b) = thread::scope(|s| {
        let a = s.spawn(|| count(first_half, "the"));
        let b = s.spawn(|| count(second_half, "the"));
        (a.join(), b.join())
    });
    let (a, b) = (
        a.expect("a counting thread panicked"),
        b.expect("a counting thread panicked"),
    );
    println!("\"the\": {a} + {b} = {}", a + b);
    // ANCHOR_END: read

    // ANCHOR: write
    let mut squares = [0u64; 8];
    let (left, right) = squares.split_at_mut(4);
    thread::scope(|s| {
        s.spawn(|| fill_squares(left, 0));
        s.spawn(|| fill_squares(right, 4));
    });
    println!("squares: {squares:?}");
    // ANCHOR_END: write
}

fn count(words: &[&str], wanted: &str) -> usize {
    words.iter().filter(|w| **w == wanted).count()
}

fn fill_squares(slots: &mut [u64], first: u64) {
    for (i, slot) in slots.iter_mut().enumerate() {
        let n = first + i as u64;
        *slot = n * n;
    }
}
