//! A thread pool written from scratch, and a program that runs jobs on it:
//! `thread-pool [--workers N] [--jobs N] [--panic-job I]`.

use anyhow::{Context, Result, bail};
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, Sender};
use std::thread::{self, JoinHandle};
use std::time::Duration;

fn main() -> Result<()> {
    let (workers, jobs, panic_job) = options()?;
    let pool = ThreadPool::new(workers)?;
    for i in 0..jobs {
        pool.execute(move || {
            if Some(i) == panic_job {
                panic!("job {i} fails on purpose");
            }
            thread::sleep(Duration::from_millis(10 * (i % 3)));
            let worker = thread::current().name().unwrap_or("?").to_string();
            println!("job {i} done by {worker}");
        });
    }
    drop(pool); // waits for every job to finish
    println!("all {jobs} jobs handled by {workers} workers; pool shut down");
    Ok(())
}

type Job = Box<dyn FnOnce() + Send + 'static>;

/// A fixed number of worker threads. Jobs start in the order they were queued;
/// each worker runs one at a time.
struct ThreadPool {
    workers: Vec<JoinHandle<()>>,
    /// `None` once the pool is shutting down.
    jobs: Option<Sender<Job>>,
}

impl ThreadPool {
    /// Starts `size` workers, named `worker-1` to `worker-N`.
    fn new(size: usize) -> Result<ThreadPool> {
        // Your task: refuse a size of 0 with a clear error, make the job queue, and
        // start `size` worker threads named worker-1 to worker-N that each run `work`.
        todo!("start {size} workers")
    }

    /// Queues `job` for the next free worker.
    fn execute(&self, job: impl FnOnce() + Send + 'static) {
        // Your task: put the job in the queue, boxed, for the next free worker.
        todo!("queue a job for one of {} workers", self.workers.len())
    }
}

/// A worker: takes jobs until the queue is closed and empty. A job that panics is
/// reported, and the worker goes on with the next one.
fn work(queue: &Mutex<Receiver<Job>>) {
    // Your task: take a job from the queue and run it, again and again, until the
    // queue is closed. A job that panics must not take the worker down with it.
    todo!("run jobs from {queue:?} until it is closed")
}

impl Drop for ThreadPool {
    /// Shuts down: no new jobs, the queued ones are run, then every worker is joined.
    fn drop(&mut self) {
        // Your task: close the queue, then wait for every worker to finish.
        todo!("shut down {} workers", self.workers.len())
    }
}

/// `[--workers N] [--jobs N] [--panic-job I]`: 4 workers and 12 jobs unless told.
fn options() -> Result<(usize, u64, Option<u64>)> {
    let (mut workers, mut jobs, mut panic_job) = (4, 12, None);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args
            .next()
            .with_context(|| format!("{arg} needs a number"))?;
        let number: u64 = value
            .parse()
            .with_context(|| format!("{arg} takes a number, not `{value}`"))?;
        match arg.as_str() {
            "--workers" => workers = number as usize,
            "--jobs" => jobs = number,
            "--panic-job" => panic_job = Some(number),
            _ => {
                bail!("usage: thread-pool [--workers N] [--jobs N] [--panic-job I]")
            }
        }
    }
    Ok((workers, jobs, panic_job))
}
