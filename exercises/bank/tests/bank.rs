//! What `bank` must do. Run with `cargo test -p bank`; each test's name says what it
//! checks and its message says what went wrong.

use std::path::Path;
use std::time::Duration;

/// How long one run of the program may take. A correct one takes well under a second.
const LIMIT: Duration = Duration::from_secs(20);

/// The program under test: the exercise, or its solution (they share this file).
fn program() -> &'static Path {
    let path = option_env!("CARGO_BIN_EXE_bank")
        .or(option_env!("CARGO_BIN_EXE_bank-solution"))
        .expect("cargo test builds the program");
    Path::new(path)
}

/// Runs `bank --threads T --transfers N` and returns what it printed.
fn bank(threads: u64, transfers: u64) -> String {
    let (threads, transfers) = (threads.to_string(), transfers.to_string());
    let args = ["--threads", &threads, "--transfers", &transfers];
    // What the program prints is read while it runs, so even one that prints a lot
    // finishes: only a program that is stuck runs out of time.
    let Some(finished) = testkit::run_with_limit(program(), &args, b"", LIMIT)
    else {
        panic!(
            "`bank {}` did not finish within {LIMIT:?}. Are two threads each holding one \
             account's lock and waiting for the other's? (See the hints.)",
            args.join(" ")
        );
    };
    assert!(
        finished.status.success(),
        "`bank {}` failed. It printed:\n{}",
        args.join(" "),
        finished.stderr
    );
    String::from_utf8_lossy(&finished.stdout).into_owned()
}

#[test]
fn the_money_is_all_there_at_the_end() {
    let output = bank(8, 20_000);
    assert!(
        output.contains("total: 10000 in 10 accounts\n"),
        "ten accounts of 1000 must still hold 10000 together after the transfers; \
         the program printed:\n{output}"
    );
}

#[test]
fn every_transfer_is_made_or_declined() {
    let output = bank(4, 5_000);
    let line = output.lines().next().unwrap_or_default();
    assert!(
        line.starts_with("4 threads made 20000 transfers (")
            && line.ends_with(" declined)"),
        "the first line must be `4 threads made 20000 transfers (N declined)`, \
         not `{line}`"
    );
}

#[test]
fn the_auditor_never_sees_money_appear_or_vanish() {
    let output = bank(8, 20_000);
    let line = output.lines().nth(2).unwrap_or_default();
    let audits: Option<u64> = line
        .strip_prefix("audits: ")
        .and_then(|rest| rest.strip_suffix(", every one saw 10000"))
        .and_then(|n| n.parse().ok());
    assert!(
        audits.is_some_and(|n| n > 0),
        "the third line must be `audits: N, every one saw 10000`, with N at least 1, \
         not `{line}`. An audit that sees another total caught a transfer halfway."
    );
}

#[test]
fn transfers_in_opposite_directions_do_not_deadlock() {
    let output = bank(16, 20_000);
    assert!(output.contains("total: 10000 in 10 accounts\n"), "{output}");
}

#[test]
fn one_thread_works_too() {
    let output = bank(1, 1_000);
    assert!(
        output.starts_with("1 threads made 1000 transfers ("),
        "{output}"
    );
    assert!(output.contains("total: 10000 in 10 accounts\n"), "{output}");
}
