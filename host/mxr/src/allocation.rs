//! How the process's C allocator (glibc's malloc, which Rust's global allocator calls)
//! returns the memory of large messages.
//!
//! By default glibc serves an allocation of 128 KiB or more with its own `mmap`, but
//! raises that threshold to the size of each such block freed, up to 32 MiB. After the
//! first 25 MB message, the next ones came from the heaps of whichever threads checked
//! them, and those heaps kept the memory: four 25 MB messages, one at a time within
//! the DATA budget, left the relay at 267 MB and 500 of them at 885 MB. A fixed
//! threshold turns the adjustment off, so a message's large buffers go back to the
//! system when it is done, and the DATA budget bounds resident memory, not only the
//! memory in use.

/// Allocations from this size up get a mapping of their own, given back when freed.
/// Small enough for every buffer of a large message (its body, parts and views); large
/// enough that ordinary messages (under 1 MiB) never pay for a mapping.
pub const OWN_MAPPING_FROM: usize = 1 << 20;

/// Fixes the threshold. Call once, before the first thread starts.
pub fn return_large_blocks() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let threshold = libc::c_int::try_from(OWN_MAPPING_FROM).expect("fits a C int");
        // SAFETY: mallopt only sets a parameter of the allocator; it is called before
        // any other thread exists, and it returns 0 (ignored) on a value it refuses.
        let _ = unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, threshold) };
    }
}
