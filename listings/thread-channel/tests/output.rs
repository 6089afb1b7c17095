//! The chapter's claims about thread-channel: every message arrives exactly once, each
//! worker's messages arrive in the order it sent them, and the loop ends by itself when
//! the last sender is dropped.

use std::path::Path;

fn run() -> String {
    let finished =
        testkit::run(Path::new(env!("CARGO_BIN_EXE_thread-channel")), &[], b"");
    assert!(
        finished.status.success(),
        "thread-channel failed: {finished:?}"
    );
    finished.stdout_text()
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
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("output.txt");
    let fresh = run();
    check(&fresh);
    testkit::shown_output(&file, &fresh, testkit::same_lines);
    check(&std::fs::read_to_string(&file).expect("output.txt is readable"));
}
