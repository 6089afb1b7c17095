//! The chapter's claim about thread-counter: with the counter behind a `Mutex`, no
//! increment is ever lost, however the eight threads are scheduled.

use std::path::Path;

fn run() -> String {
    let finished =
        testkit::run(Path::new(env!("CARGO_BIN_EXE_thread-counter")), &[], b"");
    assert!(
        finished.status.success(),
        "thread-counter failed: {finished:?}"
    );
    finished.stdout_text()
}

#[test]
fn no_increment_is_lost() {
    for _ in 0..10 {
        assert_eq!(run(), "8 threads x 10000 increments = 80000\n");
    }
}

#[test]
fn shown_output_is_current() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("output.txt");
    testkit::shown_output(&file, &run(), testkit::exactly);
}
