//! What the channel is built on: the standard library's atomics, cell, `Arc` and
//! threads, or, in a build with `--cfg loom`, loom's, which record every access so
//! that loom can try every order in which the threads could run. The channel's code is
//! the same in both builds; only the cell needs a wrapper, as in `spin-lock`.

#[cfg(loom)]
pub use loom::cell::UnsafeCell;
#[cfg(loom)]
pub use loom::sync::Arc;
#[cfg(loom)]
pub use loom::sync::atomic::{AtomicU8, Ordering};
#[cfg(loom)]
pub use loom::thread::{self, Thread};

#[cfg(not(loom))]
pub use std::sync::Arc;
#[cfg(not(loom))]
pub use std::sync::atomic::{AtomicU8, Ordering};
#[cfg(not(loom))]
pub use std::thread::{self, Thread};

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
