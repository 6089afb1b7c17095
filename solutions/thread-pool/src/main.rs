//! A thread pool written from scratch, and a program that runs jobs on it:
//! `thread-pool [--workers N] [--jobs N] [--panic-job I]`.

use anyhow::{Context, Result, bail};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
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
        if size == 0 {
            bail!("--workers must be at least 1");
        }
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        let workers = (1..=size)
            .map(|id| {
                let queue = Arc::clone(&queue);
                thread::Builder::new()
                    .name(format!("worker-{id}"))
                    .spawn(move || work(&queue))
                    .context("cannot start a worker thread")
            })
            .collect::<Result<_>>()?;
        Ok(ThreadPool {
            workers,
            jobs: Some(jobs),
        })
    }

    /// Queues `job` for the next free worker.
    fn execute(&self, job: impl FnOnce() + Send + 'static) {
        if let Some(jobs) = &self.jobs {
            jobs.send(Box::new(job))
                .expect("the workers outlive the pool's sender");
        }
    }
}

/// A worker: takes jobs until the queue is closed and empty. A job that panics is
/// reported, and the worker goes on with the next one.
fn work(queue: &Mutex<Receiver<Job>>) {
    loop {
        // The lock is held only while taking a job, not while running it.
        let job = queue.lock().expect("no worker panics holding it").recv();
        let Ok(job) = job else {
            return; // closed and empty: the pool is shutting down
        };
        if catch_unwind(AssertUnwindSafe(job)).is_err() {
            let name = thread::current().name().unwrap_or("?").to_string();
            eprintln!("{name}: a job panicked; going on with the next one");
        }
    }
}

impl Drop for ThreadPool {
    /// Shuts down: no new jobs, the queued ones are run, then every worker is joined.
    fn drop(&mut self) {
        drop(self.jobs.take()); // closes the queue: workers return once it is empty
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
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
