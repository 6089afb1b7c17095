//! The spin lock in a normal build, with real threads: no increment is lost, a guard
//! unlocks when dropped, and the program prints what the chapter shows.

use spin_lock::SpinLock;
use std::path::Path;
use std::thread;

#[test]
fn eight_threads_lose_no_increment() {
    let counter = SpinLock::new(0u64);
    thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| {
                for _ in 0..10_000 {
                    *counter.lock() += 1;
                }
            });
        }
    });
    assert_eq!(*counter.lock(), 80_000);
}

#[test]
fn dropping_the_guard_unlocks() {
    let lock = SpinLock::new(String::from("a"));
    lock.lock().push('b');
    let guard = lock.lock(); // would spin forever if the first guard had not unlocked
    assert_eq!(*guard, "ab");
}

#[test]
fn shown_output_is_a_real_run_of_the_current_program() {
    let finished =
        testkit::run(Path::new(env!("CARGO_BIN_EXE_spin-lock")), &[], b"");
    assert!(finished.status.success(), "{finished:?}");
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("output.txt");
    testkit::shown_output(&file, &finished.stdout_text(), testkit::exactly);
}
