//! What the slot is built on: the standard library's atomics, cell and `Arc`, or, in a
//! build with `--cfg loom`, loom's, which record every access so that loom can try
//! every order in which the threads could run. The slot's code is the same in both
//! builds; only the cell needs a wrapper, as in the chapter's `spin-lock`.
//!
//! loom's `UnsafeCell` hands out its value through a pointer that loom watches: a
//! `MutPtr` to write it, a `ConstPtr` to read it. When one is made, loom checks that
//! no access by another thread could be going on at the same time: that the last write
//! *happens before* this read, for instance. The wrapper gives the standard cell the
//! same shape, and compiles to plain pointers.

#[cfg(loom)]
pub use loom::cell::UnsafeCell;
#[cfg(loom)]
pub use loom::sync::Arc;
#[cfg(loom)]
pub use loom::sync::atomic::{AtomicBool, Ordering};

#[cfg(not(loom))]
pub use std::sync::Arc;
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

    /// A pointer to the value, to read it through.
    pub fn get(&self) -> ConstPtr<T> {
        ConstPtr(self.0.get())
    }

    /// A pointer to the value, to read and write it through.
    pub fn get_mut(&self) -> MutPtr<T> {
        MutPtr(self.0.get())
    }
}

/// A pointer to the value of an `UnsafeCell`, to read it.
#[cfg(not(loom))]
pub struct ConstPtr<T>(*const T);

#[cfg(not(loom))]
impl<T> ConstPtr<T> {
    /// Calls `f` with the raw pointer. loom watches the read for as long as the
    /// `ConstPtr` lives, not what the pointer is used for afterwards.
    pub fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0)
    }
}

/// A pointer to the value of an `UnsafeCell`, to write it.
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
