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

#[test]
fn every_run_prints_both_sequences_in_order_whole_lines_and_nothing_else() {
    for _ in 0..20 {
        testkit::check_numbers_and_letters(&run());
    }
}

#[test]
fn shown_output_is_a_real_run_of_the_current_program() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("output.txt");
    let fresh = run();
    testkit::check_numbers_and_letters(&fresh);
    testkit::shown_output(&file, &fresh, testkit::same_lines);
    testkit::check_numbers_and_letters(
        &std::fs::read_to_string(&file).expect("output.txt is readable"),
    );
}
