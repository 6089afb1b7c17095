//! The Measuring chapter shows tables and plots that `cargo xtask bench` drew from
//! `listings/echo-bench/results/results.json`. They must still be what those results
//! give, in both editions: numbers edited by hand, or results committed without their
//! plots, fail here.

use std::path::Path;

#[test]
fn the_chapter_shows_the_committed_results() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let results = root.join("listings/echo-bench/results/results.json");
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&results).expect("results exist"))
            .expect("results are JSON");
    for edition in &xtask::EDITIONS {
        for (path, drawn) in xtask::report::files(&results, edition).expect("drawable") {
            let committed = std::fs::read_to_string(root.join(&path)).unwrap_or_default();
            assert!(
                committed == drawn,
                "{} is not what the results give; run `cargo xtask bench --redraw`",
                path.display()
            );
        }
    }
}

#[test]
fn the_tables_change_with_the_results() {
    // The check above can only fail if the drawing depends on the numbers.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("listings/echo-bench/results/results.json"))
        .expect("results exist");
    let mut results: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let before = xtask::report::summary(&results, &xtask::EDITIONS[0]).expect("drawable");
    results["rows"][0]["report"]["round_trips_per_sec"] = 1.0.into();
    let after = xtask::report::summary(&results, &xtask::EDITIONS[0]).expect("drawable");
    assert_ne!(before, after);
}
