//! thread-channel: three workers send messages to `main` over one channel. Shown in
//! the Threads chapter; run it with `cargo run -p thread-channel`.

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

fn main() {
    // ANCHOR: send
    let (tx, rx) = mpsc::channel();
    for worker in 1..=3 {
        let tx = tx.clone();
        thread::spawn(move || {
            for job in 1..=2 {
                let message = format!("worker {worker} finished job {job}");
                tx.send(message).expect("main stopped receiving");
                thread::sleep(Duration::from_millis(1));
            }
        });
    }
    drop(tx); // main keeps no sender, so the channel closes when the workers finish
    // ANCHOR_END: send

    // ANCHOR: receive
    let mut received = 0;
    for message in rx {
        println!("{message}");
        received += 1;
    }
    println!("received {received} messages; every sender is gone");
    // ANCHOR_END: receive
}
