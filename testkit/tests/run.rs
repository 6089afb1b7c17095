//! `run_with_limit` reads what a program prints while it runs, and stops a program that
//! does not finish in time.

use std::path::Path;
use std::time::{Duration, Instant};

#[test]
#[cfg_attr(windows, ignore = "runs sh and head, which Windows does not have")]
fn a_program_that_prints_more_than_a_pipe_holds_finishes() {
    // 2 MB on each stream, far more than a pipe holds (64 KiB on Linux): the program
    // would wait forever if what it prints were read only once it had exited.
    let script = "head -c 2000000 /dev/zero; head -c 2000000 /dev/zero >&2";
    let limit = Duration::from_secs(10);
    let finished = testkit::run_with_limit(Path::new("sh"), &["-c", script], b"", limit)
        .expect("the program finishes");
    assert!(finished.status.success(), "{:?}", finished.status);
    assert_eq!(finished.stdout.len(), 2_000_000);
    assert_eq!(finished.stderr.len(), 2_000_000);
}

#[test]
#[cfg_attr(windows, ignore = "runs sleep, which Windows does not have")]
fn a_program_that_does_not_finish_in_time_is_stopped() {
    let started = Instant::now();
    let limit = Duration::from_millis(200);
    let finished = testkit::run_with_limit(Path::new("sleep"), &["30"], b"", limit);
    assert!(finished.is_none(), "{finished:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
}
