//! The Measuring chapter shows tables and plots that `cargo xtask bench` drew from
//! `listings/echo-bench/results/results.json`. They must still be what those results
//! give, in both editions: numbers edited by hand, or results committed without their
//! plots, fail here. And what they show: the median of the runs with their range, and
//! the open loop's tables and plot when the results have one.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};

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

/// One measurement's report, with the fields the tables and plots read.
fn report(connections: u64, rate: f64, p50: u64, p99: u64) -> Value {
    json!({
        "connections": connections, "size": 64, "round_trips_per_sec": rate,
        "latency_us": { "p50": p50, "p90": p99, "p99": p99, "max": p99 },
        "connections_served": connections, "connections_got_nothing": 0,
        "server": { "cpu_seconds": 1.0, "context_switches": 1000, "threads": 3,
                    "memory_kib": 4096 },
        "usage_seconds": 4.0,
    })
}

/// Small results: two servers, 1 and 100 connections, three runs each, whose round
/// trips per second are 100, 200 and 900 times the connections (so the median, 200,
/// is not the mean, 400); and an open loop at two rates.
fn fake_results() -> Value {
    let mut rows = Vec::new();
    let mut open = Vec::new();
    for server in ["echo-server-threaded", "echo-server-mio"] {
        for (run, factor) in [(1, 100.0), (2, 900.0), (3, 200.0)] {
            for connections in [1, 100] {
                let rate = factor * connections as f64;
                let report = report(connections, rate, 50 * run, 500 * run);
                rows.push(json!({ "server": server, "run": run, "report": report }));
            }
            for asked in [5000, 9000] {
                let mut report = report(100, asked as f64 - run as f64, 100 * run, 1000 * run);
                report["rate"] = asked.into();
                open.push(json!({ "server": server, "run": run, "report": report }));
            }
        }
    }
    json!({
        "machine": { "cores": 2, "cpu": "test", "os": "test", "rustc": "test" },
        "warmup_seconds": 1.0, "seconds": 3.0,
        "rows": rows,
        "open_loop": {
            "connections": 100, "size": 64, "warmup_seconds": 1.0, "seconds": 2.0,
            "slowest_closed_loop": { "server": "echo-server-mio", "round_trips_per_sec": 10000.0 },
            "shares": [0.5, 0.9], "rates": [5000, 9000],
            "rows": open,
        },
    })
}

fn drawn(results: &Value, edition: usize) -> Vec<(PathBuf, String)> {
    xtask::report::files(results, &xtask::EDITIONS[edition]).expect("drawable")
}

fn file<'a>(files: &'a [(PathBuf, String)], name: &str) -> &'a str {
    files
        .iter()
        .find(|(path, _)| path.ends_with(name))
        .map(|(_, text)| text.as_str())
        .unwrap_or_else(|| {
            panic!(
                "no {name} among {:?}",
                files.iter().map(|f| &f.0).collect::<Vec<_>>()
            )
        })
}

#[test]
fn the_tables_show_the_median_and_the_range_of_the_runs() {
    let results = fake_results();
    for edition in 0..2 {
        let files = drawn(&results, edition);
        let summary = file(&files, "bench/summary.md");
        // 100 connections: runs of 10,000, 90,000 and 20,000 round trips per second.
        assert!(summary.contains("| 20,000 (10,000–90,000) |"), "{summary}");
        assert!(
            !summary.contains("40,000"),
            "the mean is not shown: {summary}"
        );
        // Latency p50 of 50, 100 and 150 µs; served 100 in every run, so no range.
        assert!(summary.contains("| 100 (50–150) |"), "{summary}");
        assert!(summary.contains("| 100 / 0 |"), "{summary}");
        // The new server is in the tables.
        assert!(summary.contains("| echo-server-mio |"), "{summary}");
    }
}

#[test]
fn the_plots_show_the_range_of_the_runs() {
    // The lowest run of a point moves, its median stays, and so do the axes (which
    // reach up to the highest run): the plots must change.
    let results = fake_results();
    let mut lower = results.clone();
    // echo-server-threaded, 100 connections, run 1: 10,000 round trips per second and
    // a p99 of 500 µs; in the open loop at 5,000 per second, a p99 of 1,000 µs.
    lower["rows"][1]["report"]["round_trips_per_sec"] = 5000.0.into();
    lower["rows"][1]["report"]["latency_us"]["p99"] = 300.into();
    lower["open_loop"]["rows"][0]["report"]["latency_us"]["p99"] = 600.into();
    let (before, after) = (drawn(&results, 1), drawn(&lower, 1));
    for name in [
        "img/bench-throughput.svg",
        "img/bench-latency.svg",
        "img/bench-open-loop.svg",
    ] {
        assert_ne!(file(&before, name), file(&after, name), "{name}");
    }
    let summary = file(&after, "bench/summary.md");
    assert!(summary.contains("| 20,000 (5,000–90,000) |"), "{summary}");
}

#[test]
fn the_open_loop_has_its_tables_and_plot_in_each_language() {
    let results = fake_results();
    for (edition, axis, title, shares) in [
        (
            0,
            "요청한 초당 왕복 횟수 (천 회)",
            "개방 루프, 연결 100개, 64바이트 메시지",
            "echo-server-mio의 초당 10,000번의 50%, 90%입니다",
        ),
        (
            1,
            "round trips per second asked for (thousands)",
            "Open loop, 100 connections, 64-byte messages",
            "50 %, 90 % of the fewest round trips per second",
        ),
    ] {
        let files = drawn(&results, edition);
        let plot = file(&files, "img/bench-open-loop.svg");
        assert!(plot.starts_with("<svg"), "{plot}");
        assert!(
            plot.contains(axis),
            "the plot's axis is in the edition's language"
        );
        for server in ["echo-server-threaded", "echo-server-mio"] {
            assert!(plot.contains(server), "{server} is in the legend");
        }
        let tables = file(&files, "bench/open-loop.md");
        assert!(tables.contains(title), "{tables}");
        assert!(tables.contains(shares), "{tables}");
        // The rates asked for head the columns; at 5,000 the runs did 4,999, 4,998 and
        // 4,997 round trips per second, with a p99 of 1,000, 2,000 and 3,000 µs.
        assert!(tables.contains("| 5,000 | 9,000 |"), "{tables}");
        assert!(tables.contains("| 4,998 (4,997–4,999) |"), "{tables}");
        assert!(tables.contains("| 2,000 (1,000–3,000) |"), "{tables}");
        assert!(tables.contains("echo-server-mio"), "{tables}");
    }
}

#[test]
fn results_without_an_open_loop_draw_no_open_loop() {
    // As the results measured before the open loop: they still draw, without it.
    let mut results = fake_results();
    results
        .as_object_mut()
        .expect("an object")
        .remove("open_loop");
    for edition in 0..2 {
        let files = drawn(&results, edition);
        assert_eq!(
            files.len(),
            3,
            "{:?}",
            files.iter().map(|f| &f.0).collect::<Vec<_>>()
        );
        assert!(
            xtask::report::open_loop_summary(&results, &xtask::EDITIONS[edition])
                .expect("drawable")
                .is_none()
        );
    }
}
