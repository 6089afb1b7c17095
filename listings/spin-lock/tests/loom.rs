//! The spin lock under loom, which runs each test's closure once for every order of
//! the threads' steps it can find (up to its preemption bound) and fails on a data
//! race, a deadlock or a failed assertion in any of them. Only in a loom build:
//! `RUSTFLAGS="--cfg loom" cargo test -p spin-lock --test loom --release`.
#![cfg(loom)]

use loom::sync::Arc;
use loom::thread;
use spin_lock::SpinLock;

/// Two threads add one each through `lock`, with the thread that reads at the end.
fn two_increments(lock: SpinLock<u32>) {
    let lock = Arc::new(lock);
    let other = Arc::clone(&lock);
    let adder = thread::spawn(move || *other.lock() += 1);
    *lock.lock() += 1;
    adder.join().expect("the other thread");
    assert_eq!(*lock.lock(), 2);
}

#[test]
fn with_acquire_and_release_no_interleaving_loses_an_increment_or_races() {
    loom::model(|| two_increments(SpinLock::new(0)));
}

/// With `Relaxed`, taking the lock does not make the last holder's write visible: the
/// second holder may read the value while the first one's write is still in flight.
/// loom finds an interleaving where that happens and reports it. If loom ever stops
/// finding it, this test fails.
#[test]
#[should_panic(expected = "Causality violation")]
fn with_relaxed_loom_finds_the_data_race() {
    loom::model(|| two_increments(SpinLock::relaxed(0)));
}
