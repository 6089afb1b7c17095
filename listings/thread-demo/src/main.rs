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
