//! What `percentiles` must do. Run with `cargo test -p percentiles`; each test's name
//! says what it checks and its message says what went wrong.

use std::io::Write;
use std::path::Path;

/// The program under test: the exercise, or its solution (they share this file).
fn program() -> &'static Path {
    let path = option_env!("CARGO_BIN_EXE_percentiles")
        .or(option_env!("CARGO_BIN_EXE_percentiles-solution"))
        .expect("cargo test builds the program");
    Path::new(path)
}

/// Writes `text` to a file and runs `percentiles FILE`: (success, stdout, stderr).
fn percentiles(text: &str) -> (bool, String, String) {
    let mut file = tempfile::NamedTempFile::new().expect("a temporary file");
    file.write_all(text.as_bytes()).expect("written");
    let path = file.path().to_str().expect("a UTF-8 path");
    let finished = testkit::run(program(), &[path], b"");
    (
        finished.status.success(),
        finished.stdout_text(),
        finished.stderr,
    )
}

fn summary_of(text: &str) -> String {
    let (ok, stdout, stderr) = percentiles(text);
    assert!(ok, "`percentiles FILE` failed. It printed:\n{stderr}");
    stdout
}

#[test]
fn five_numbers() {
    assert_eq!(
        summary_of("5\n1\n3\n2\n4\n"),
        "count 5\nmean  3 µs\np50   3 µs\np90   5 µs\np99   5 µs\nmax   5 µs\n",
        "p50 of 1..=5 is 3 (the 3rd of 5); p90 and p99 are 5 (the 5th of 5)"
    );
}

#[test]
fn a_hundred_numbers() {
    let text: String = (1..=100).rev().map(|n| format!("{n}\n")).collect();
    let summary = summary_of(&text);
    for line in ["p50   50 µs", "p90   90 µs", "p99   99 µs", "max   100 µs"] {
        assert!(
            summary.contains(line),
            "for the numbers 1 to 100 (in any order) expected `{line}`:\n{summary}"
        );
    }
}

#[test]
fn the_mean_hides_what_the_p99_shows() {
    // 98 fast round trips and 2 very slow ones.
    let mut text = "100\n".repeat(98);
    text += "50000\n50000\n";
    let summary = summary_of(&text);
    assert!(
        summary.contains("mean  1098 µs"),
        "the mean of 98 × 100 and 2 × 50000:\n{summary}"
    );
    assert!(summary.contains("p50   100 µs"), "{summary}");
    assert!(
        summary.contains("p99   50000 µs"),
        "the 99th of 100 values:\n{summary}"
    );
}

#[test]
fn one_number_is_every_percentile() {
    assert_eq!(
        summary_of("42\n"),
        "count 1\nmean  42 µs\np50   42 µs\np90   42 µs\np99   42 µs\nmax   42 µs\n"
    );
}

#[test]
fn blank_lines_are_skipped() {
    assert!(summary_of("\n7\n\n  9  \n").starts_with("count 2\n"));
}

#[test]
fn a_line_that_is_not_a_number_is_named() {
    let (ok, _, stderr) = percentiles("10\n20\nabc\n");
    assert!(!ok, "`abc` is not a latency: the program must fail");
    assert!(
        stderr.contains("line 3 is not a whole number: `abc`"),
        "the error must say which line and what is on it: {stderr}"
    );
}

#[test]
fn a_file_without_numbers_is_refused() {
    let (ok, _, stderr) = percentiles("\n\n");
    assert!(!ok, "there is nothing to summarize: the program must fail");
    assert!(stderr.contains("no latencies"), "{stderr}");
}
