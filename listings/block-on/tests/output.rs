//! The chapter's claims about block-on: the executor polls the future once at the start
//! and once after each wake-up, three times in all for two sleeps, and sleeps in between
//! instead of polling again and again; the output on the page is a real run.

use std::path::Path;
use std::time::{Duration, Instant};

fn run() -> String {
    let finished = testkit::run(Path::new(env!("CARGO_BIN_EXE_block-on")), &[], b"");
    assert!(finished.status.success(), "block-on failed: {finished:?}");
    finished.stdout_text()
}

const EXPECTED: &str = "\
poll 1
  sleeping 100 ms
poll 2
  slept; 50 ms more
poll 3
  done
the future returned 42
";

#[test]
fn three_polls_for_two_sleeps_and_the_time_they_take() {
    for _ in 0..5 {
        let started = Instant::now();
        assert_eq!(run(), EXPECTED);
        assert!(started.elapsed() >= Duration::from_millis(150));
    }
}

#[test]
fn shown_output_is_a_real_run_of_the_current_program() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("output.txt");
    testkit::shown_output(&file, &run(), testkit::exactly);
}
