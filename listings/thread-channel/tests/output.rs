//! The chapter's claims about thread-channel: every message arrives exactly once, each
//! worker's messages arrive in the order it sent them, and the loop ends by itself when
//! the last sender is dropped.

use std::process::Command;

fn run() -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_thread-channel"))
        .output()
        .expect("thread-channel starts");
    assert!(output.status.success(), "thread-channel failed: {output:?}");
    String::from_utf8(output.stdout).expect("thread-channel prints UTF-8")
}

fn check(output: &str) {
    let lines: Vec<&str> = output.lines().collect();
    assert_eq!(lines.len(), 7, "six messages and a last line:\n{output}");
    assert_eq!(lines[6], "received 6 messages; every sender is gone");
    for worker in 1..=3 {
        let mine: Vec<&str> = lines
            .iter()
            .copied()
            .filter(|l| l.starts_with(&format!("worker {worker} ")))
            .collect();
        let expected: Vec<String> = (1..=2)
            .map(|job| format!("worker {worker} finished job {job}"))
            .collect();
        assert_eq!(mine, expected, "worker {worker}'s messages in:\n{output}");
    }
}

#[test]
fn every_message_arrives_once_in_each_senders_order() {
    for _ in 0..20 {
        check(&run());
    }
}

#[test]
fn shown_output_is_a_real_run_of_the_current_program() {
    let shown = include_str!("../output.txt");
    check(shown);
    let mut shown_lines: Vec<&str> = shown.lines().collect();
    let fresh = run();
    let mut fresh_lines: Vec<&str> = fresh.lines().collect();
    shown_lines.sort();
    fresh_lines.sort();
    assert_eq!(
        shown_lines, fresh_lines,
        "output.txt is stale: run `cargo xtask outputs`"
    );
}
