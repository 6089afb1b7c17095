//! oneshot: a worker thread sends one result back through a one-shot channel. Shown in
//! the Atomics chapter; run it with `cargo run -p oneshot`.

use std::thread;

// ANCHOR: main
fn main() {
    let (sender, receiver) = oneshot::channel();
    thread::spawn(move || {
        let sum: u64 = (1..=1_000_000).sum();
        sender.send(sum);
    });
    match receiver.recv() {
        Some(sum) => println!("the worker sent {sum}"),
        None => println!("the worker ended without sending"),
    }
    let (sender, receiver) = oneshot::channel::<u64>();
    thread::spawn(move || drop(sender));
    println!("a sender dropped unsent: {:?}", receiver.recv());
}
// ANCHOR_END: main
