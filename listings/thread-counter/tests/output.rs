//! The chapter's claim about thread-counter: with the counter behind a `Mutex`, no
//! increment is ever lost, however the eight threads are scheduled.

use std::process::Command;

fn run() -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_thread-counter"))
        .output()
        .expect("thread-counter starts");
    assert!(output.status.success(), "thread-counter failed: {output:?}");
    String::from_utf8(output.stdout).expect("thread-counter prints UTF-8")
}

#[test]
fn no_increment_is_lost() {
    for _ in 0..10 {
        assert_eq!(run(), "8 threads x 10000 increments = 80000\n");
    }
}

#[test]
fn shown_output_is_current() {
    assert_eq!(
        run(),
        include_str!("../output.txt"),
        "run `cargo xtask outputs`"
    );
}
