//! What `thread-pool` must do. Run with `cargo test -p thread-pool`; each test's name
//! says what it checks and its message says what went wrong.

use std::collections::BTreeSet;
use std::path::Path;

/// The program under test: the exercise, or its solution (they share this file).
fn program() -> &'static Path {
    let path = option_env!("CARGO_BIN_EXE_thread-pool")
        .or(option_env!("CARGO_BIN_EXE_thread-pool-solution"))
        .expect("cargo test builds the program");
    Path::new(path)
}

/// Runs `thread-pool ARGS` and returns (success, stdout, stderr).
fn thread_pool(args: &[&str]) -> (bool, String, String) {
    let finished = testkit::run(program(), args, b"");
    let stdout = finished.stdout_text();
    (finished.status.success(), stdout, finished.stderr)
}

/// The `job I done by worker-W` lines, as (I, W).
fn jobs_done(stdout: &str) -> Vec<(u64, String)> {
    stdout
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("job ")?;
            let (job, worker) = rest.split_once(" done by ")?;
            Some((job.parse().ok()?, worker.to_string()))
        })
        .collect()
}

#[test]
fn every_job_runs_exactly_once() {
    let (ok, stdout, stderr) = thread_pool(&["--workers", "3", "--jobs", "20"]);
    assert!(ok, "`thread-pool --workers 3 --jobs 20` failed:\n{stderr}");
    let mut jobs: Vec<u64> =
        jobs_done(&stdout).into_iter().map(|(job, _)| job).collect();
    jobs.sort();
    assert_eq!(
        jobs,
        (0..20).collect::<Vec<_>>(),
        "each of the 20 jobs must print `job I done by worker-W` once:\n{stdout}"
    );
}

#[test]
fn the_workers_are_named_and_no_more_than_asked() {
    let (ok, stdout, stderr) = thread_pool(&["--workers", "3", "--jobs", "30"]);
    assert!(ok, "{stderr}");
    let workers: BTreeSet<String> =
        jobs_done(&stdout).into_iter().map(|(_, w)| w).collect();
    let allowed: BTreeSet<String> = (1..=3).map(|i| format!("worker-{i}")).collect();
    assert!(
        !workers.is_empty() && workers.is_subset(&allowed),
        "jobs must run on threads named worker-1 to worker-3, not {workers:?}"
    );
}

#[test]
fn the_workers_run_jobs_at_the_same_time() {
    // Job I sleeps 0, 10 or 20 ms (I % 3). With 3 workers at work at once, a short job
    // queued after a long one finishes first: job 3 (0 ms) before job 2 (20 ms).
    let (ok, stdout, stderr) = thread_pool(&["--workers", "3", "--jobs", "30"]);
    assert!(ok, "{stderr}");
    let jobs: Vec<u64> =
        jobs_done(&stdout).into_iter().map(|(job, _)| job).collect();
    assert!(
        jobs.len() == 30 && jobs.windows(2).any(|pair| pair[0] > pair[1]),
        "with 3 workers, all 30 jobs finished one after another in the order they were \
         queued: only one worker runs at a time. Does a worker hold the queue's lock \
         while it runs its job? Take the job, let the guard go, then run it.\n{stdout}"
    );
}

#[test]
fn shutting_down_waits_for_every_job() {
    let (ok, stdout, stderr) = thread_pool(&["--workers", "2", "--jobs", "10"]);
    assert!(ok, "{stderr}");
    let last = stdout.lines().last().unwrap_or_default();
    assert_eq!(
        last, "all 10 jobs handled by 2 workers; pool shut down",
        "dropping the pool must wait until every queued job has run"
    );
    assert_eq!(jobs_done(&stdout).len(), 10, "{stdout}");
}

#[test]
fn one_worker_runs_the_jobs_in_order() {
    let (ok, stdout, stderr) = thread_pool(&["--workers", "1", "--jobs", "8"]);
    assert!(ok, "{stderr}");
    let done = jobs_done(&stdout);
    let expected: Vec<(u64, String)> =
        (0..8).map(|i| (i, "worker-1".to_string())).collect();
    assert_eq!(
        done, expected,
        "one worker takes the jobs first in, first out"
    );
}

#[test]
fn a_job_that_panics_does_not_stop_the_pool() {
    let (ok, stdout, stderr) =
        thread_pool(&["--workers", "2", "--jobs", "6", "--panic-job", "3"]);
    assert!(
        ok,
        "a panicking job must not make the program fail:\n{stderr}"
    );
    let mut jobs: Vec<u64> =
        jobs_done(&stdout).into_iter().map(|(job, _)| job).collect();
    jobs.sort();
    assert_eq!(
        jobs,
        vec![0, 1, 2, 4, 5],
        "every other job still runs:\n{stdout}"
    );
    assert!(
        stderr.contains("a job panicked"),
        "the worker must say that a job panicked: {stderr}"
    );
}

#[test]
fn zero_workers_is_a_clear_error() {
    let (ok, _, stderr) = thread_pool(&["--workers", "0"]);
    assert!(
        !ok,
        "a pool of 0 workers can never run a job: it must be refused"
    );
    assert!(
        stderr.contains("--workers must be at least 1"),
        "the error must say what to do: {stderr}"
    );
}
