//! Delivery memory: the bytes of spooled copies that running deliveries hold, counted
//! against `delivery.max_buffered_bytes` as a whole and against each tenant's and each
//! next hop's share of it. A delivery holds its bytes from before it reads its copy
//! until its copy is settled, so what deliveries hold at once stays within the budget,
//! and a stuck next hop or a tenant of large mail holds only its share. (A bounce to be
//! sent by MX is read once before, for its recipient, which picks its next hop: a
//! bounce is small, as it returns at most 64 KiB of its original's header.)

use tokio::sync::{Semaphore, SemaphorePermit};

/// Bytes per unit of a budget: semaphores count in `u32`, and 4 KiB units cover
/// 16 TiB.
const UNIT: usize = 4096;

/// A number of bytes that holders take from and give back.
pub(crate) struct Budget {
    units: Semaphore,
    /// The whole budget, in units: what one holder takes at most.
    total: u32,
}

impl Budget {
    /// A budget of `bytes`, rounded up to whole units (at least one).
    pub(crate) fn new(bytes: usize) -> Budget {
        let total = u32::try_from(bytes.div_ceil(UNIT).max(1)).unwrap_or(u32::MAX);
        Budget { units: Semaphore::new(total as usize), total }
    }

    /// Waits until `bytes` are free, in turn (first come, first served), and holds them
    /// until the permit is dropped. More than the whole budget takes the whole budget,
    /// so that a copy spooled under a larger limit is still delivered, alone.
    pub(crate) async fn hold(&self, bytes: usize) -> SemaphorePermit<'_> {
        let units = u32::try_from(bytes.div_ceil(UNIT)).unwrap_or(u32::MAX).min(self.total);
        self.units.acquire_many(units).await.expect("a budget's semaphore is never closed")
    }

    /// Bytes free now.
    #[cfg(test)]
    fn free(&self) -> usize {
        self.units.available_permits() * UNIT
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn holders_wait_for_what_others_hold_and_a_copy_larger_than_all_waits_for_all() {
        let b = Budget::new(10 * UNIT);
        let first = b.hold(6 * UNIT).await;
        assert_eq!(b.free(), 4 * UNIT);
        let waits = tokio::time::timeout(Duration::from_millis(50), b.hold(5 * UNIT)).await;
        assert!(waits.is_err(), "5 units do not fit beside 6 of 10");
        let one_byte = b.hold(1).await;
        assert_eq!(b.free(), 3 * UNIT, "a byte takes a whole unit");
        drop((first, one_byte));
        let all = b.hold(usize::MAX).await;
        assert_eq!(b.free(), 0, "more than the budget takes all of it, and gets it");
        drop(all);
        assert_eq!(b.free(), 10 * UNIT);
        assert_eq!(Budget::new(0).total, 1, "never a budget nobody can hold");
    }
}
