//! The chapter's claims about thread-scope: scoped threads read borrowed words and write
//! into two halves of a local array, and the results are there once the scope ends.

use std::path::Path;

fn run() -> String {
    let finished =
        testkit::run(Path::new(env!("CARGO_BIN_EXE_thread-scope")), &[], b"");
    assert!(
        finished.status.success(),
        "thread-scope failed: {finished:?}"
    );
    finished.stdout_text()
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
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("output.txt");
    testkit::shown_output(&file, &run(), testkit::exactly);
}
