//! What `publish-once` must do. Run with `cargo test -p publish-once`; each test's name
//! says what it checks and its message says what went wrong. The last but one runs
//! the loom checks of tests/loom.rs, in a loom build of their own.

use publish_once::{Reader, slot};
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// The program under test: the exercise, or its solution (they share this file).
fn program() -> &'static Path {
    let path = option_env!("CARGO_BIN_EXE_publish-once")
        .or(option_env!("CARGO_BIN_EXE_publish-once-solution"))
        .expect("cargo test builds the program");
    Path::new(path)
}

/// Asks `reader` again and again until the value is there; fails after 10 s.
fn wait_for<T>(reader: &Reader<T>) -> &T {
    let start = Instant::now();
    loop {
        if let Some(value) = reader.get() {
            return value;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the value was published, but a reader still sees nothing 10 s later"
        );
        thread::yield_now();
    }
}

#[test]
fn nothing_before_publish_and_the_value_after() {
    let (publisher, reader) = slot();
    assert_eq!(reader.get(), None, "nothing is published yet");
    publisher.publish(String::from("port 7878"));
    assert_eq!(
        reader.get().map(String::as_str),
        Some("port 7878"),
        "the value just published"
    );
}

#[test]
fn a_slot_never_published_stays_empty() {
    let (publisher, reader) = slot::<u32>();
    drop(publisher);
    assert_eq!(
        reader.get(),
        None,
        "the publisher was dropped without publishing"
    );
}

#[test]
fn readers_on_other_threads_see_the_whole_value_once_it_is_there() {
    let (publisher, reader) = slot::<Vec<u64>>();
    let expected: Vec<u64> = (0..10_000).collect();
    thread::scope(|s| {
        let readers: Vec<_> = (0..4)
            .map(|_| {
                let reader = reader.clone();
                s.spawn(move || {
                    let seen = wait_for(&reader);
                    (seen.len(), seen.iter().sum::<u64>(), seen.as_ptr().addr())
                })
            })
            .collect();
        let values = expected.clone();
        s.spawn(move || {
            thread::sleep(Duration::from_millis(10));
            publisher.publish(values);
        });
        let published = wait_for(&reader).as_ptr().addr();
        for reading in readers {
            let (len, sum, at) = reading.join().expect("a reader thread panicked");
            assert_eq!(
                (len, sum),
                (10_000, expected.iter().sum()),
                "a reader saw part of the 10,000 numbers published"
            );
            assert_eq!(at, published, "every reader sees the same value, in place");
        }
    });
}

#[test]
fn the_value_is_dropped_once_when_the_last_end_is() {
    static DROPPED: AtomicUsize = AtomicUsize::new(0);
    struct Counted;
    impl Drop for Counted {
        fn drop(&mut self) {
            DROPPED.fetch_add(1, Ordering::Relaxed);
        }
    }
    let (publisher, reader) = slot();
    let other = reader.clone();
    thread::spawn(move || publisher.publish(Counted))
        .join()
        .expect("the publisher panicked");
    assert!(reader.get().is_some(), "the value was published");
    drop(reader);
    assert_eq!(
        DROPPED.load(Ordering::Relaxed),
        0,
        "a reader is still there"
    );
    drop(other);
    assert_eq!(
        DROPPED.load(Ordering::Relaxed),
        1,
        "the last end was dropped"
    );
}

#[test]
fn loom_finds_no_interleaving_where_a_reader_sees_the_flag_but_not_the_value() {
    // tests/loom.rs, in a build with loom's atomics, cell and Arc (`--cfg loom`).
    // Other flags make other builds: that one gets its own target directory, `loom`
    // in this build's (`target/loom`, as for the listings' loom tests), so that
    // neither build undoes the other, and cargo's lock on this build's directory
    // does not hold it up.
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target directory")
        .join("loom");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| env!("CARGO").into());
    let mut loom = Command::new(cargo);
    loom.args(["test", "--quiet", "--release", "--test", "loom"]);
    loom.arg("--manifest-path").arg(&manifest);
    loom.env("CARGO_TARGET_DIR", &target);
    // Only `--cfg loom`: flags set for this build are not meant for that one.
    loom.env("RUSTFLAGS", "--cfg loom")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_RUSTFLAGS");
    // On a data race, loom names the lines of the read and the write; a backtrace
    // would only show loom's own functions.
    loom.env("LOOM_MAX_PREEMPTIONS", "3")
        .env("LOOM_LOCATION", "1")
        .env("RUST_BACKTRACE", "0");
    let (status, output) = testkit::run_within(loom, testkit::BUILD_LIMIT)
        .unwrap_or_else(|why| panic!("the loom build and run {why}"));
    let advice = if output.contains("not yet implemented") {
        "The orderings are still `todo!()`s: loom runs the same code as the program."
    } else if output.contains("Causality violation") {
        "In some interleaving a reader found `ready` true and then read `value`, but \
         the publisher's write did not happen before that read: a data race. Which \
         orderings make a store and a load that reads it synchronize?"
    } else {
        "See what loom says below."
    };
    assert!(
        status.success(),
        "loom's checks (tests/loom.rs) failed. {advice}\n\n{output}"
    );
    let ran = output.lines().any(|line| {
        line.starts_with("test result: ok.") && !line.contains(" 0 passed")
    });
    assert!(
        ran,
        "the loom build ran no test: was `--cfg loom` set? It printed:\n{output}"
    );
}

#[test]
fn the_program_prints_what_every_worker_saw() {
    let finished = testkit::run(program(), &[], b"");
    assert!(
        finished.status.success(),
        "`publish-once` failed. It printed:\n{}",
        finished.stderr
    );
    let expected: String = (1..=4)
        .map(|n| {
            format!(
                "worker {n} sees port 7878 and 1000 routes, the last /route/1000\n"
            )
        })
        .collect();
    assert_eq!(
        finished.stdout_text(),
        expected,
        "what `cargo run -p publish-once` prints"
    );
}
