//! Copies the chain has just spooled, kept in memory for their first attempt: the
//! attempt then neither reads the file back nor opens it, and takes no thread hop to
//! do so. What is kept is bounded ([`FreshCopies`]): past the bound a copy is queued
//! without its content and read from the spool as any other, so a queue that backs
//! up (a slow next hop) holds no more memory than it did.

use mxr_store::spool::{SpoolEnvelope, Written};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The bytes of fresh copies the queue keeps at once.
#[derive(Debug)]
pub(crate) struct FreshCopies {
    /// Bytes kept now.
    held: AtomicUsize,
    /// Most bytes kept at once.
    cap: usize,
}

/// One copy's envelope and message, as a read of its spool file would give them;
/// its bytes count against the bound until it is dropped.
#[derive(Debug)]
pub(crate) struct Fresh {
    pub(crate) env: SpoolEnvelope,
    pub(crate) message: Vec<u8>,
    kept: Kept,
}

/// Gives the bytes of a kept copy back to the bound when dropped.
#[derive(Debug)]
struct Kept {
    from: Arc<FreshCopies>,
    bytes: usize,
}

impl Drop for Kept {
    fn drop(&mut self) {
        self.from.held.fetch_sub(self.bytes, Ordering::AcqRel);
    }
}

impl FreshCopies {
    /// A bound of `cap` bytes.
    pub(crate) fn new(cap: usize) -> Arc<Self> {
        Arc::new(FreshCopies { held: AtomicUsize::new(0), cap })
    }

    /// Keeps `written`'s content if the bound has room for it, else `None`.
    pub(crate) fn keep(self: &Arc<Self>, written: Written) -> Option<Fresh> {
        let bytes = written.message.len();
        let taken = self.held.fetch_update(Ordering::AcqRel, Ordering::Acquire, |held| {
            held.checked_add(bytes).filter(|total| *total <= self.cap)
        });
        taken.ok()?;
        let kept = Kept { from: self.clone(), bytes };
        Some(Fresh { env: written.env, message: written.message, kept })
    }

    /// Bytes kept now.
    #[cfg(test)]
    pub(crate) fn held(&self) -> usize {
        self.held.load(Ordering::Acquire)
    }
}

impl Fresh {
    /// The envelope and message, giving their bytes back to the bound.
    pub(crate) fn into_parts(self) -> (SpoolEnvelope, Vec<u8>) {
        let Fresh { env, message, kept } = self;
        drop(kept);
        (env, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mxr_store::spool::Peek;

    fn written(bytes: usize) -> Written {
        let env = SpoolEnvelope {
            tenant: "t".into(),
            queue_id: "Q".into(),
            mail_from: String::new(),
            rcpts: vec!["a@b.test".into()],
            received: 0,
            attempts: 0,
            smtputf8: false,
            eight_bit: false,
        };
        Written { peek: Peek { tenant: "t".into(), bytes: bytes as u64 }, env, message: vec![b'x'; bytes] }
    }

    #[test]
    fn copies_are_kept_up_to_the_bound_and_give_their_bytes_back() {
        let fresh = FreshCopies::new(100);
        let a = fresh.keep(written(60)).expect("room for 60");
        assert!(fresh.keep(written(50)).is_none(), "60 + 50 is over 100");
        let b = fresh.keep(written(40)).expect("room for 40");
        assert_eq!(fresh.held(), 100);
        drop(a);
        assert_eq!(fresh.held(), 40);
        let (env, message) = b.into_parts();
        assert_eq!((env.queue_id.as_str(), message.len(), fresh.held()), ("Q", 40, 0));
        assert!(FreshCopies::new(0).keep(written(1)).is_none(), "a bound of 0 keeps nothing");
    }
}
