//! The chapter's claims about first-threads: every run prints 1 to 10 in order and a to
//! j in order, each on a line of its own, and nothing else. How the two sequences mix
//! is up to the scheduler; often one thread is done before the other has started.

use std::path::Path;

fn run() -> String {
    let finished =
        testkit::run(Path::new(env!("CARGO_BIN_EXE_first-threads")), &[], b"");
    assert!(
        finished.status.success(),
        "first-threads failed: {finished:?}"
    );
    finished.stdout_text()
}

/// Checks one run's output, whatever the interleaving.
fn check(output: &str) {
    let lines: Vec<&str> = output.lines().collect();
    let (numbers, letters): (Vec<&str>, Vec<&str>) =
        lines.iter().partition(|l| l.parse::<u32>().is_ok());
    let expected_numbers: Vec<String> = (1..=10).map(|n| n.to_string()).collect();
    let expected_letters: Vec<String> = ('a'..='j').map(|c| c.to_string()).collect();
    assert_eq!(
        numbers, expected_numbers,
        "numbers missing or out of order in:\n{output}"
    );
    assert_eq!(
        letters, expected_letters,
        "letters missing, out of order, torn or extra lines in:\n{output}"
    );
}

#[test]
fn every_run_prints_both_sequences_in_order_whole_lines_and_nothing_else() {
    for _ in 0..20 {
        check(&run());
    }
}

#[test]
fn the_checker_rejects_wrong_output() {
    let good = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\na\nb\nc\nd\ne\nf\ng\nh\ni\nj\n";
    check(good);
    check("1\na\n2\nb\n3\nc\n4\nd\n5\ne\n6\nf\n7\ng\n8\nh\n9\ni\n10\nj\n");
    for bad in [
        good.replace("3\n", ""),
        good.replace("a\nb\n", "b\na\n"),
        // a line torn by the other thread, as Python's print can do
        "1a\n2\n3\n4\n5\n6\n7\n8\n9\n10\n\nb\nc\nd\ne\nf\ng\nh\ni\nj\n".to_string(),
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
