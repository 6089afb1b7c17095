//! The chapter's claims about thread-demo: every run prints 1 to 10 in order and a to j
//! in order, and nothing else; only how the two sequences interleave changes.

use std::process::Command;

fn run() -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_thread-demo"))
        .output()
        .expect("thread-demo starts");
    assert!(output.status.success(), "thread-demo failed: {output:?}");
    String::from_utf8(output.stdout).expect("thread-demo prints UTF-8")
}

/// Checks one run's output, whatever the interleaving.
fn check(output: &str) {
    let lines: Vec<&str> = output.lines().collect();
    let numbers: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.parse::<u32>().is_ok())
        .collect();
    let letters: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.parse::<u32>().is_err())
        .collect();
    let expected_numbers: Vec<String> = (1..=10).map(|n| n.to_string()).collect();
    let expected_letters: Vec<String> = ('a'..='j').map(|c| c.to_string()).collect();
    assert_eq!(
        numbers, expected_numbers,
        "numbers missing or out of order in:\n{output}"
    );
    assert_eq!(
        letters, expected_letters,
        "letters missing, out of order or extra lines in:\n{output}"
    );
}

#[test]
fn every_run_prints_both_sequences_in_order_and_nothing_else() {
    for _ in 0..20 {
        check(&run());
    }
}

#[test]
fn the_checker_rejects_wrong_output() {
    let good = "1\na\n2\nb\n3\nc\n4\nd\n5\ne\n6\nf\n7\ng\n8\nh\n9\ni\n10\nj\n";
    check(good);
    for bad in [
        good.replace("3\n", ""),
        good.replace("a\n2\nb\n", "b\n2\na\n"),
        format!("{good}done\n"),
    ] {
        assert!(
            std::panic::catch_unwind(|| check(&bad)).is_err(),
            "accepted:\n{bad}"
        );
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
