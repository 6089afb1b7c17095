//! What the lock is built on: the standard library's atomics and cell, or, in a build
//! with `--cfg loom`, loom's, which record every access so that loom can try every
//! order in which the threads could run. The lock's code is the same in both builds.
//!
//! The one difference is the cell. loom's `UnsafeCell` hands out its value through a
//! `MutPtr` that loom watches for as long as it lives; this gives the standard cell the
//! same shape, and compiles to a plain pointer.

#[cfg(loom)]
pub use loom::cell::{MutPtr, UnsafeCell};
// A spinning thread must let loom run another one, or loom would try it forever.
#[cfg(loom)]
pub use loom::sync::atomic::{AtomicBool, Ordering};
#[cfg(loom)]
pub use loom::thread::yield_now as spin_loop;

#[cfg(not(loom))]
pub use std::hint::spin_loop;
#[cfg(not(loom))]
pub use std::sync::atomic::{AtomicBool, Ordering};

/// A value that may be changed through a shared reference, by whoever may.
#[cfg(not(loom))]
pub struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

#[cfg(not(loom))]
impl<T> UnsafeCell<T> {
    pub fn new(value: T) -> Self {
        UnsafeCell(std::cell::UnsafeCell::new(value))
    }

    /// A pointer to the value, to read and write it through.
    pub fn get_mut(&self) -> MutPtr<T> {
        MutPtr(self.0.get())
    }
}

/// A pointer to the value of an `UnsafeCell`.
#[cfg(not(loom))]
pub struct MutPtr<T>(*mut T);

#[cfg(not(loom))]
impl<T> MutPtr<T> {
    /// # Safety
    /// No other reference to the value may be in use while this one is.
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn deref(&self) -> &mut T {
        // SAFETY: the caller promises that this is the only reference in use.
        unsafe { &mut *self.0 }
    }
}
