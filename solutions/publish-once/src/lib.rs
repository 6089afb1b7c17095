//! publish-once: one thread publishes a value, once, and any number of threads read it
//! as soon as it is there, with no lock: one atomic flag says whether it is.
//! `cargo run -p publish-once-solution` runs it; `tests/loom.rs` checks it under every
//! interleaving loom tries, and `cargo test -p publish-once-solution` runs that check.

#[path = "../../../exercises/publish-once/src/sync.rs"]
mod sync;

use sync::{Arc, AtomicBool, Ordering, UnsafeCell};

/// What the publisher and the readers share.
struct Slot<T> {
    /// Whether `value` holds the published value. Once true, it stays true.
    ready: AtomicBool,
    /// `None` until the publisher writes it, once; never written again after that.
    value: UnsafeCell<Option<T>>,
}

// SAFETY: readers share `&T` among their threads (so `T: Sync`), and the value moves
// from the publisher's thread to theirs (so `T: Send`). A reader never reads `value`
// while the publisher writes it: it reads only after it sees `ready` true, and the
// publisher stores true only after its write. And the write *happens before* every
// such read: `ready` is stored with Release and loaded with Acquire (see
// `publish_ordering` and `get_ordering`).
unsafe impl<T: Send + Sync> Sync for Slot<T> {}

/// Makes an empty slot: its publisher, and a reader to clone for every thread that
/// wants the value.
pub fn slot<T>() -> (Publisher<T>, Reader<T>) {
    let slot = Arc::new(Slot {
        ready: AtomicBool::new(false),
        value: UnsafeCell::new(None),
    });
    let publisher = Publisher {
        slot: Arc::clone(&slot),
    };
    (publisher, Reader { slot })
}

/// The end that publishes. `publish` uses it up: a slot is published at most once.
pub struct Publisher<T> {
    slot: Arc<Slot<T>>,
}

/// An end that reads. Clone it for every thread that reads.
pub struct Reader<T> {
    slot: Arc<Slot<T>>,
}

impl<T> Clone for Reader<T> {
    fn clone(&self) -> Self {
        Reader {
            slot: Arc::clone(&self.slot),
        }
    }
}

impl<T> Publisher<T> {
    /// Puts `value` in the slot, for every reader to see from now on.
    pub fn publish(self, value: T) {
        {
            let cell = self.slot.value.get_mut();
            // SAFETY: no reader reads `value` before it sees `ready` true, which is
            // stored below, and there is one publisher, used up here.
            unsafe { *cell.deref() = Some(value) };
        } // the write is over (loom notes it here) before `ready` is stored
        self.slot.ready.store(true, publish_ordering());
    }
}

impl<T> Reader<T> {
    /// The published value, or `None` if it is not there yet.
    pub fn get(&self) -> Option<&T> {
        if !self.slot.ready.load(get_ordering()) {
            return None;
        }
        // loom checks the read here, as it starts: the publisher's write must
        // happen before it.
        let value = self.slot.value.get();
        // SAFETY: `ready` is true, so the publisher has written `value` and never
        // writes it again; the slot lives at least as long as `self`, and the
        // reference returned does not outlive `self`.
        value.with(|value| unsafe { (*value).as_ref() })
    }
}

/// The ordering with which `publish` stores `true` in `ready`.
fn publish_ordering() -> Ordering {
    // Release: everything the publisher wrote before this store, the value included,
    // is visible to a thread whose Acquire load reads the `true` it stores. With
    // Relaxed, a reader could see `true` and still not see the value: the processor
    // may make the store visible first, the compiler may move the write after it.
    // loom finds that interleaving (tests/loom.rs).
    Ordering::Release
}

/// The ordering with which `get` loads `ready`.
fn get_ordering() -> Ordering {
    // Acquire: when this load reads the `true` that `publish` stored with Release,
    // the two synchronize: the publisher's write to `value` happens before
    // everything this thread does after the load, its read of `value` included.
    // Relaxed would read the flag alone and promise nothing about `value`: Release
    // on the store is not enough without Acquire on the load.
    Ordering::Acquire
}
