//! The chapter's claims about thread-demo: every run prints 1 to 10 in order and a to j
//! in order, and nothing else; only how the two sequences interleave changes.

use std::path::Path;

fn run() -> String {
    let finished =
        testkit::run(Path::new(env!("CARGO_BIN_EXE_thread-demo")), &[], b"");
    assert!(
        finished.status.success(),
        "thread-demo failed: {finished:?}"
    );
    finished.stdout_text()
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
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("output.txt");
    let fresh = run();
    check(&fresh);
    testkit::shown_output(&file, &fresh, testkit::same_lines);
    check(&std::fs::read_to_string(&file).expect("output.txt is readable"));
}
