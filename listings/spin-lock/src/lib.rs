//! spin-lock: a lock built on one atomic boolean, with a guard that unlocks when it is
//! dropped. Shown in the Atomics chapter; `cargo run -p spin-lock` runs threads that
//! count through it, and `tests/loom.rs` checks it under every interleaving loom tries.

mod sync;

use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};
use sync::{AtomicBool, MutPtr, Ordering, UnsafeCell, spin_loop};

// ANCHOR: lock
/// A lock that waits by spinning: a thread that finds it locked tries again and
/// again, instead of sleeping until it is free.
pub struct SpinLock<T> {
    locked: AtomicBool,
    value: UnsafeCell<T>,
    /// How `lock` takes the lock and the guard gives it back.
    acquire: Ordering,
    release: Ordering,
}

// SAFETY: threads that share a `SpinLock` reach the value only through a guard, and
// only one guard exists at a time: `lock` returns one only to the thread whose
// `compare_exchange` changed `locked` from false to true. With Acquire and Release,
// everything the last holder wrote happens before the next holder reads. So sharing
// the lock shares `T` one thread at a time, which is safe when `T` may be sent to
// another thread.
unsafe impl<T: Send> Sync for SpinLock<T> {}

impl<T> SpinLock<T> {
    pub fn new(value: T) -> Self {
        SpinLock {
            locked: AtomicBool::new(false),
            value: UnsafeCell::new(value),
            acquire: Ordering::Acquire,
            release: Ordering::Release,
        }
    }

    /// Waits until the lock is free, takes it, and returns the guard that holds it.
    pub fn lock(&self) -> Guard<'_, T> {
        // Sets true, but only if it finds false: then the lock is ours. If it finds
        // true, another thread holds it: wait a moment and look again.
        while self
            .locked
            .compare_exchange(false, true, self.acquire, Ordering::Relaxed)
            .is_err()
        {
            spin_loop();
        }
        Guard {
            lock: self,
            value: ManuallyDrop::new(self.value.get_mut()),
        }
    }
}

/// Access to the value while the lock is held. Dropping it unlocks.
pub struct Guard<'a, T> {
    lock: &'a SpinLock<T>,
    value: ManuallyDrop<MutPtr<T>>,
}

impl<T> Deref for Guard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: this guard is the only one, so no other reference is in use.
        unsafe { MutPtr::deref(&self.value) }
    }
}

impl<T> DerefMut for Guard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as for `deref`; `&mut self` rules out a second reference from here.
        unsafe { MutPtr::deref(&self.value) }
    }
}

impl<T> Drop for Guard<'_, T> {
    fn drop(&mut self) {
        // Done with the value first (loom notes the access ends here), then unlock.
        // SAFETY: `value` is not used again.
        unsafe { ManuallyDrop::drop(&mut self.value) };
        self.lock.locked.store(false, self.lock.release);
    }
}
// ANCHOR_END: lock

impl<T> SpinLock<T> {
    /// The same lock with `Relaxed` in place of `Acquire` and `Release`: the bug loom
    /// finds in `tests/loom.rs`. Only in loom builds, so no program can use it.
    #[cfg(loom)]
    pub fn relaxed(value: T) -> Self {
        SpinLock {
            acquire: Ordering::Relaxed,
            release: Ordering::Relaxed,
            ..SpinLock::new(value)
        }
    }
}
