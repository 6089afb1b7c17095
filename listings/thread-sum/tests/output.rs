//! The chapter's claims about thread-sum: each thread returns its part through its
//! `JoinHandle`, and the parts add up to the sum of 1..=1_000_000.

use std::path::Path;

fn run() -> String {
    let finished =
        testkit::run(Path::new(env!("CARGO_BIN_EXE_thread-sum")), &[], b"");
    assert!(finished.status.success(), "thread-sum failed: {finished:?}");
    finished.stdout_text()
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
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("output.txt");
    testkit::shown_output(&file, &run(), testkit::exactly);
}
