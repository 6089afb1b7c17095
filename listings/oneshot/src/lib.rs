//! oneshot: a channel for exactly one value, built on one atomic and thread parking.
//! Shown in the Atomics chapter; `cargo run -p oneshot` sends a value from a worker
//! thread, and `tests/loom.rs` checks the channel under every interleaving loom tries.

mod sync;

use std::marker::PhantomData;
use sync::{Arc, AtomicU8, Ordering, Thread, UnsafeCell, thread};

// ANCHOR: channel
/// Nothing sent yet.
const EMPTY: u8 = 0;
/// The value is in `value`, and the receiver may take it.
const SENT: u8 = 1;
/// The sender was dropped without sending.
const CLOSED: u8 = 2;

/// What the two ends share.
struct Shared<T> {
    state: AtomicU8,
    value: UnsafeCell<Option<T>>,
}

// SAFETY: `value` is written only by the sender, before it stores SENT with Release,
// and read only by the receiver, after it loads SENT with Acquire: the write happens
// before the read, and the two never overlap. That hands a `T` from one thread to
// another, which is safe when `T` may be sent.
unsafe impl<T: Send> Sync for Shared<T> {}

/// Makes a channel whose receiver is the thread that calls this.
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Shared {
        state: AtomicU8::new(EMPTY),
        value: UnsafeCell::new(None),
    });
    let sender = Sender {
        shared: Arc::clone(&shared),
        receiver: thread::current(),
    };
    let receiver = Receiver {
        shared,
        stays_on_this_thread: PhantomData,
    };
    (sender, receiver)
}

/// The sending end: `send` uses it up, and dropping it unsent closes the channel.
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
    /// The thread to wake when the value is there.
    receiver: Thread,
}

/// The receiving end. It cannot move to another thread (a raw pointer in
/// `PhantomData` makes it neither `Send` nor `Sync`): the sender wakes the thread that
/// made the channel.
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    stays_on_this_thread: PhantomData<*const ()>,
}

impl<T> Sender<T> {
    pub fn send(self, value: T) {
        {
            let cell = self.shared.value.get_mut();
            // SAFETY: the receiver does not read `value` until it sees SENT, stored
            // below.
            unsafe { *cell.deref() = Some(value) };
        } // the write is over (loom notes it here) before SENT is stored
        self.shared.state.store(SENT, Ordering::Release);
        self.receiver.unpark();
    } // `self` is dropped here: its `drop` finds SENT and leaves it
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let closed = self.shared.state.compare_exchange(
            EMPTY,
            CLOSED,
            Ordering::Release,
            Ordering::Relaxed,
        );
        if closed.is_ok() {
            self.receiver.unpark(); // nothing will come: tell the receiver
        }
    }
}

impl<T> Receiver<T> {
    /// Waits for the value; `None` if the sender was dropped without sending.
    pub fn recv(self) -> Option<T> {
        loop {
            match self.shared.state.load(Ordering::Acquire) {
                SENT => {
                    let cell = self.shared.value.get_mut();
                    // SAFETY: SENT means the sender is done with `value`.
                    return unsafe { cell.deref().take() };
                }
                CLOSED => return None,
                // Sleeps until `unpark`; it may also wake for no reason, so look again.
                _ => thread::park(),
            }
        }
    }
}
// ANCHOR_END: channel
