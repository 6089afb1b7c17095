//! The one-shot channel under loom, which runs each test's closure once for every order
//! of the threads' steps it can find (up to its preemption bound) and fails on a data
//! race, a deadlock (a receiver parked forever) or a failed assertion in any of them.
//! Only in a loom build: `RUSTFLAGS="--cfg loom" cargo test -p oneshot --test loom --release`.
//!
//! A limit of the model, found while writing these: loom's `unpark` hands the unparked
//! thread everything the unparker did, at once, even if that thread is not parked. The
//! standard library promises that only to a `park` that consumes the wake-up. So with
//! `Relaxed` in place of `Release` and `Acquire` on `state`, which is a data race on a
//! real machine, these tests still pass: loom checks the program against its model,
//! and a model stronger than the real guarantee hides a bug.
#![cfg(loom)]

use loom::thread;

#[test]
fn the_value_sent_is_the_value_received_in_every_interleaving() {
    loom::model(|| {
        let (sender, receiver) = oneshot::channel();
        thread::spawn(move || sender.send(String::from("hi")));
        assert_eq!(receiver.recv().as_deref(), Some("hi"));
    });
}

#[test]
fn a_sender_dropped_unsent_wakes_the_receiver_with_none() {
    loom::model(|| {
        let (sender, receiver) = oneshot::channel::<u32>();
        thread::spawn(move || drop(sender));
        assert_eq!(receiver.recv(), None);
    });
}
