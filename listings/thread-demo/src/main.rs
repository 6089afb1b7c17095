//! thread-demo: two threads print at once, one the numbers 1 to 10, the other the
//! letters a to j. Shown in the Threads chapter; run it with
//! `cargo run -p thread-demo`.

// ANCHOR: program
use std::thread;
use std::time::Duration;

fn main() {
    let numbers = thread::spawn(|| {
        for n in 1..=10 {
            println!("{n}");
            thread::sleep(Duration::from_millis(1));
        }
    });
    let letters = thread::spawn(|| {
        for c in 'a'..='j' {
            println!("{c}");
            thread::sleep(Duration::from_millis(1));
        }
    });

    numbers.join().expect("the numbers thread panicked");
    letters.join().expect("the letters thread panicked");
}
// ANCHOR_END: program
