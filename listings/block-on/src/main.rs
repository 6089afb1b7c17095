//! block-on: a future written by hand, and the smallest executor that runs it: poll,
//! sleep until woken, poll again. Shown in the Non-blocking I/O chapter; run it with
//! `cargo run -p block-on`.

use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

// ANCHOR: sleep
/// A future that is ready once `until` has passed. The first poll starts a timer
/// thread, which calls the waker when the time comes.
struct Sleep {
    until: Instant,
    /// The waker of the last poll, for the timer thread; `None` until the first poll.
    waker: Option<Arc<Mutex<Waker>>>,
}

fn sleep(duration: Duration) -> Sleep {
    Sleep {
        until: Instant::now() + duration,
        waker: None,
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.until {
            return Poll::Ready(());
        }
        match &self.waker {
            // Polled again before the time: keep the newest waker for the timer.
            Some(waker) => waker
                .lock()
                .expect("no thread panics")
                .clone_from(cx.waker()),
            None => {
                let waker = Arc::new(Mutex::new(cx.waker().clone()));
                let (until, for_timer) = (self.until, Arc::clone(&waker));
                thread::spawn(move || {
                    thread::sleep(until.saturating_duration_since(Instant::now()));
                    for_timer.lock().expect("no thread panics").wake_by_ref();
                });
                self.waker = Some(waker);
            }
        }
        Poll::Pending
    }
}
// ANCHOR_END: sleep

// ANCHOR: block_on
/// Wakes the thread that waits in `block_on`.
struct Unpark(Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs `future` to the end on this thread: polls it, and while it is pending, sleeps
/// until its waker is called.
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut round = 1;
    loop {
        println!("poll {round}");
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        // Sleeps until `unpark`. It may also return for no reason; then the future is
        // polled once more and says it is still pending.
        thread::park();
        round += 1;
    }
}
// ANCHOR_END: block_on

// ANCHOR: main
fn main() {
    let answer = block_on(async {
        println!("  sleeping 100 ms");
        sleep(Duration::from_millis(100)).await;
        println!("  slept; 50 ms more");
        sleep(Duration::from_millis(50)).await;
        println!("  done");
        42
    });
    println!("the future returned {answer}");
}
// ANCHOR_END: main
