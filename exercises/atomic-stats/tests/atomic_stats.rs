//! What `atomic-stats` must do. Run with `cargo test -p atomic-stats`; each test's name
//! says what it checks and its message says what went wrong.

use atomic_stats::Stats;
use std::path::Path;
use std::sync::Arc;
use std::thread;

/// The program under test: the exercise, or its solution (they share this file).
fn program() -> &'static Path {
    let path = option_env!("CARGO_BIN_EXE_atomic-stats")
        .or(option_env!("CARGO_BIN_EXE_atomic-stats-solution"))
        .expect("cargo test builds the program");
    Path::new(path)
}

/// The size of request `i` of thread `t` in these tests: 1 to 1,000 bytes.
fn size(t: u64, i: u64) -> u64 {
    (t * 31 + i * 7) % 1_000 + 1
}

/// What `threads` threads recording `each` requests of `size` add up to.
fn expected(threads: u64, each: u64) -> (u64, u64) {
    let bytes = (0..threads)
        .flat_map(|t| (0..each).map(move |i| size(t, i)))
        .sum();
    (threads * each, bytes)
}

#[test]
fn nothing_recorded_is_all_zero() {
    let stats = Stats::new();
    assert_eq!(stats.snapshot(), (0, 0), "(requests, bytes) of a new Stats");
    assert_eq!(stats.max_bytes(), 0, "max_bytes of a new Stats");
}

#[test]
fn one_thread_counts_requests_bytes_and_the_largest() {
    let stats = Stats::new();
    for bytes in [300, 1_200, 5, 800] {
        stats.record(bytes);
    }
    assert_eq!(
        stats.snapshot(),
        (4, 2_305),
        "(requests, bytes) after 4 records"
    );
    assert_eq!(
        stats.max_bytes(),
        1_200,
        "the largest of 300, 1200, 5 and 800; a smaller one that comes later must not \
         replace it"
    );
}

#[test]
fn eight_threads_of_10000_records_lose_none() {
    let stats = Stats::new();
    thread::scope(|s| {
        for t in 0..8 {
            let stats = &stats;
            s.spawn(move || {
                for i in 0..10_000 {
                    stats.record(size(t, i));
                }
            });
        }
    }); // every thread is joined here, before the snapshot
    assert_eq!(
        stats.snapshot(),
        expected(8, 10_000),
        "(requests, bytes) after 8 threads recorded 10,000 requests each: an update \
         was lost. Does `record` read, add and write back in one atomic step?"
    );
    assert_eq!(
        stats.max_bytes(),
        1_000,
        "the largest request was 1000 bytes"
    );
}

#[test]
fn the_largest_request_is_kept_whichever_thread_records_it() {
    let stats = Stats::new();
    thread::scope(|s| {
        for t in 0..8 {
            let stats = &stats;
            s.spawn(move || {
                for i in 0..10_000 {
                    // One request of 1 MiB, in the middle of thread 3's.
                    let bytes = if (t, i) == (3, 5_000) {
                        1 << 20
                    } else {
                        size(t, i)
                    };
                    stats.record(bytes);
                }
            });
        }
    });
    assert_eq!(
        stats.max_bytes(),
        1 << 20,
        "one request of 1048576 bytes among 80,000 smaller ones: it must stay the \
         largest, whatever the other threads record at the same moment"
    );
}

#[test]
fn threads_spawned_and_joined_see_one_stats_in_a_static_and_in_an_arc() {
    static STATS: Stats = Stats::new();
    let shared = Arc::new(Stats::new());
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let shared = Arc::clone(&shared);
            thread::spawn(move || {
                for i in 0..1_000 {
                    STATS.record(size(t, i));
                    shared.record(size(t, i));
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("a recording thread panicked");
    }
    // After `join`, everything the threads did is visible to this thread.
    assert_eq!(STATS.snapshot(), expected(4, 1_000), "the static Stats");
    assert_eq!(shared.snapshot(), expected(4, 1_000), "the Stats in an Arc");
}

#[test]
fn snapshots_taken_while_threads_record_never_go_backwards() {
    let stats = Stats::new();
    let mut seen = Vec::new();
    thread::scope(|s| {
        let recorders: Vec<_> = (0..4)
            .map(|t| {
                let stats = &stats;
                s.spawn(move || {
                    for i in 0..20_000 {
                        stats.record(size(t, i));
                    }
                })
            })
            .collect();
        // Reads the totals while the threads record, until every one has ended.
        while !recorders.iter().all(|r| r.is_finished()) {
            seen.push(stats.snapshot());
        }
    });
    seen.push(stats.snapshot());
    for pair in seen.windows(2) {
        let ((r0, b0), (r1, b1)) = (pair[0], pair[1]);
        assert!(
            r0 <= r1 && b0 <= b1,
            "a snapshot went backwards: {:?} and then {:?}",
            pair[0],
            pair[1]
        );
    }
    assert_eq!(
        seen.last(),
        Some(&expected(4, 20_000)),
        "the totals after join"
    );
}

#[test]
fn the_program_prints_the_totals_of_its_8_threads() {
    let finished = testkit::run(program(), &[], b"");
    assert!(
        finished.status.success(),
        "`atomic-stats` failed. It printed:\n{}",
        finished.stderr
    );
    assert_eq!(
        finished.stdout_text(),
        "8 threads: 80000 requests, 61091047 bytes, the largest 1048576 bytes\n",
        "what `cargo run -p atomic-stats` prints"
    );
}
