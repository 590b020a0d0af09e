//! What a `#![no_std]` filter needs from the SDK in place of Rust's standard library,
//! so that its component imports `mxr:filter` alone and no WASI: a heap, the canonical
//! ABI's `cabi_realloc`, and a panic handler. [`crate::no_std_runtime!`] puts them in
//! the filter crate, so filters that keep std are untouched.
//!
//! The heap first hands out the memory a fresh instance already has past its stack
//! and data (`__heap_base`..`__heap_end`, about 60 KiB) from a bump pointer, and only
//! then asks dlmalloc, which grows the memory. Growing costs the host a remap for the
//! instance and a reset afterwards, so a filter whose allocations fit never grows.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::Cell;
use dlmalloc::{Allocator, Dlmalloc};

unsafe extern "C" {
    static __heap_base: u8;
    static __heap_end: u8;
}

/// One wasm page, in bytes.
const PAGE: usize = 64 * 1024;

/// The free part of the initial memory, as addresses.
fn first_pages() -> core::ops::Range<usize> {
    // Only the addresses of the linker's symbols are taken, which is safe.
    (&raw const __heap_base as usize)..(&raw const __heap_end as usize)
}

/// dlmalloc's source of memory: `memory.grow`, never given back.
struct Grow;

// SAFETY: every region returned is fresh, zeroed, page-aligned memory of the size given.
unsafe impl Allocator for Grow {
    fn alloc(&self, size: usize) -> (*mut u8, usize, u32) {
        let pages = size.div_ceil(PAGE);
        match core::arch::wasm32::memory_grow(0, pages) {
            usize::MAX => (core::ptr::null_mut(), 0, 0),
            old => ((old * PAGE) as *mut u8, pages * PAGE, 0),
        }
    }
    fn remap(&self, _: *mut u8, _: usize, _: usize, _: bool) -> *mut u8 {
        core::ptr::null_mut()
    }
    fn free_part(&self, _: *mut u8, _: usize, _: usize) -> bool {
        false
    }
    fn free(&self, _: *mut u8, _: usize) -> bool {
        false
    }
    fn can_release_part(&self, _: u32) -> bool {
        false
    }
    fn allocates_zeros(&self) -> bool {
        true
    }
    fn page_size(&self) -> usize {
        PAGE
    }
}

/// The global allocator of a `#![no_std]` filter: a bump pointer over the first
/// pages (a free at the top gives its bytes back), then dlmalloc.
pub struct Heap {
    /// The next free address in [`first_pages`]; 0 before the first allocation.
    top: Cell<usize>,
    rest: core::cell::UnsafeCell<Dlmalloc<Grow>>,
}

// SAFETY: a component instance runs one thread; nothing here is shared across threads.
unsafe impl Sync for Heap {}

impl Heap {
    /// An empty heap.
    pub const fn new() -> Heap {
        Heap { top: Cell::new(0), rest: core::cell::UnsafeCell::new(Dlmalloc::new_with_allocator(Grow)) }
    }

    #[allow(clippy::mut_from_ref)]
    fn rest(&self) -> &mut Dlmalloc<Grow> {
        // SAFETY: single-threaded, and no call below re-enters the heap.
        unsafe { &mut *self.rest.get() }
    }

    /// `layout` from the first pages, or `None` when it does not fit.
    fn bump(&self, layout: Layout) -> Option<*mut u8> {
        let free = first_pages();
        let top = if self.top.get() == 0 { free.start } else { self.top.get() };
        let at = top.checked_add(layout.align() - 1)? & !(layout.align() - 1);
        let end = at.checked_add(layout.size())?;
        (end <= free.end).then(|| {
            self.top.set(end);
            at as *mut u8
        })
    }
}

impl Default for Heap {
    fn default() -> Heap {
        Heap::new()
    }
}

// SAFETY: bump blocks never overlap (the pointer only moves back over a freed top
// block), and dlmalloc's blocks lie in grown memory, past the first pages.
unsafe impl GlobalAlloc for Heap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match self.bump(layout) {
            Some(ptr) => ptr,
            // SAFETY: `layout` is valid, as `GlobalAlloc::alloc` requires.
            None => unsafe { self.rest().malloc(layout.size(), layout.align()) },
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if first_pages().contains(&(ptr as usize)) {
            if ptr as usize + layout.size() == self.top.get() {
                self.top.set(ptr as usize);
            }
            return;
        }
        // SAFETY: `ptr` came from dlmalloc with this layout.
        unsafe { self.rest().free(ptr, layout.size(), layout.align()) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let at = ptr as usize;
        if !first_pages().contains(&at) {
            // SAFETY: `ptr` came from dlmalloc with this layout.
            return unsafe { self.rest().realloc(ptr, layout.size(), layout.align(), new_size) };
        }
        // The top block grows or shrinks where it is.
        if at + layout.size() == self.top.get() && at + new_size <= first_pages().end {
            self.top.set(at + new_size);
            return ptr;
        }
        // SAFETY: the caller guarantees `new_size` is valid for `layout.align()`.
        let new = unsafe { self.alloc(Layout::from_size_align_unchecked(new_size, layout.align())) };
        if !new.is_null() {
            // SAFETY: both blocks are live and at least this long; they do not overlap.
            unsafe {
                core::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
        }
        new
    }
}

/// The canonical ABI's allocator, which the host calls to pass lists and strings in:
/// the same heap's `realloc`, as wasi-libc provides it to filters with std.
///
/// # Safety
/// The arguments follow the canonical ABI's `cabi_realloc` contract.
pub unsafe fn cabi_realloc(heap: &Heap, old: *mut u8, old_len: usize, align: usize, new_len: usize) -> *mut u8 {
    if new_len == 0 {
        return align as *mut u8;
    }
    // SAFETY: the canonical ABI passes a power-of-two alignment and, for a non-zero
    // `old_len`, a block it got from this function with that size.
    let ptr = unsafe {
        match old_len {
            0 => heap.alloc(Layout::from_size_align_unchecked(new_len, align)),
            _ => heap.realloc(old, Layout::from_size_align_unchecked(old_len, align), new_len),
        }
    };
    if ptr.is_null() {
        core::arch::wasm32::unreachable()
    }
    ptr
}

/// C's `memcmp`: the sign of the first differing byte pair, or 0.
///
/// # Safety
/// `a` and `b` are readable for `n` bytes.
pub unsafe fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    // SAFETY: the caller's promise.
    let (a, b) = unsafe { (core::slice::from_raw_parts(a, n), core::slice::from_raw_parts(b, n)) };
    // A loop of our own: `a.cmp(b)` on slices would call `memcmp` again.
    for i in 0..n {
        if a[i] != b[i] {
            return i32::from(a[i]) - i32::from(b[i]);
        }
    }
    0
}

/// Logs a panic's message through `mxr:filter/host`, then traps: the relay
/// counts the trap as the filter's failure and the operator reads why in its log.
pub fn panicked(info: &core::panic::PanicInfo<'_>) -> ! {
    // The message alone: the relay scrubs log lines, and a source path would come out
    // as pseudonyms.
    crate::log(crate::Level::Error, &alloc::format!("panicked: {}", info.message()));
    core::arch::wasm32::unreachable()
}
