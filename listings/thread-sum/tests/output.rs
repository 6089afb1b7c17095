//! The chapter's claims about thread-sum: each thread returns its part through its
//! `JoinHandle`, and the parts add up to the sum of 1..=1_000_000.

use std::process::Command;

fn run() -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_thread-sum"))
        .output()
        .expect("thread-sum starts");
    assert!(output.status.success(), "thread-sum failed: {output:?}");
    String::from_utf8(output.stdout).expect("thread-sum prints UTF-8")
}

#[test]
fn parts_come_back_in_spawn_order_and_add_up() {
    let output = run();
    let expected_parts: Vec<u64> = (0..4u64)
        .map(|i| (i * 250_000 + 1..=(i + 1) * 250_000).sum())
        .collect();
    let mut expected = String::new();
    for (i, part) in expected_parts.iter().enumerate() {
        expected += &format!("part {i}: {part}\n");
    }
    expected += &format!("total: {}\n", 1_000_000u64 * 1_000_001 / 2);
    assert_eq!(output, expected);
}

#[test]
fn shown_output_is_current() {
    assert_eq!(
        run(),
        include_str!("../output.txt"),
        "run `cargo xtask outputs`"
    );
}
