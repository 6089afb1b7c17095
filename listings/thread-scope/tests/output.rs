//! The chapter's claims about thread-scope: scoped threads read borrowed words and write
//! into two halves of a local array, and the results are there once the scope ends.

use std::process::Command;

fn run() -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_thread-scope"))
        .output()
        .expect("thread-scope starts");
    assert!(output.status.success(), "thread-scope failed: {output:?}");
    String::from_utf8(output.stdout).expect("thread-scope prints UTF-8")
}

#[test]
fn both_halves_are_counted_and_filled() {
    assert_eq!(
        run(),
        "\"the\": 2 + 2 = 4\nsquares: [0, 1, 4, 9, 16, 25, 36, 49]\n"
    );
}

#[test]
fn shown_output_is_current() {
    assert_eq!(
        run(),
        include_str!("../output.txt"),
        "run `cargo xtask outputs`"
    );
}
