//! The global budget for buffered DATA: every session's message in memory, together,
//! stays under one byte cap. A session takes budget (in KiB permits) as its message
//! grows; when it cannot get more within a short wait, the message is refused with
//! `452 4.3.1` instead of growing memory without bound. Budget goes back when the
//! [`Reservation`] is dropped (message finished, refused or abandoned).

use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The unit budget is counted in.
const KIB: usize = 1024;

/// The byte budget shared by every session of a server.
#[derive(Debug, Clone)]
pub struct DataBudget {
    permits: Arc<Semaphore>,
    wait: Duration,
}

impl DataBudget {
    /// A budget of `bytes` (rounded up to whole KiB); a session waits at most `wait`
    /// for more before its message is refused.
    pub fn new(bytes: usize, wait: Duration) -> Self {
        let kib = bytes.div_ceil(KIB).min(Semaphore::MAX_PERMITS);
        DataBudget { permits: Arc::new(Semaphore::new(kib)), wait }
    }

    /// An empty reservation against this budget, for one message.
    pub fn reservation(&self) -> Reservation {
        Reservation { budget: self.clone(), held: None }
    }

    /// Bytes not reserved by anyone now, in whole KiB.
    pub fn available_bytes(&self) -> usize {
        self.permits.available_permits() * KIB
    }
}

/// One message's share of the budget.
#[derive(Debug)]
pub struct Reservation {
    budget: DataBudget,
    held: Option<OwnedSemaphorePermit>,
}

impl Reservation {
    /// Bytes held now.
    pub fn held_bytes(&self) -> usize {
        self.held.as_ref().map_or(0, |p| p.num_permits() * KIB)
    }

    /// Grows the reservation to cover `bytes`, waiting at most the budget's wait;
    /// false (holding what it held) when the budget cannot give that much in time.
    pub async fn cover(&mut self, bytes: usize) -> bool {
        let want = bytes.div_ceil(KIB).saturating_sub(self.held_bytes() / KIB);
        if want == 0 {
            return true;
        }
        let Ok(want) = u32::try_from(want) else { return false };
        let sem = self.budget.permits.clone();
        match tokio::time::timeout(self.budget.wait, sem.acquire_many_owned(want)).await {
            Ok(Ok(more)) => {
                match &mut self.held {
                    Some(held) => held.merge(more),
                    None => self.held = Some(more),
                }
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn reservations_share_the_budget_and_give_it_back_on_drop() {
        let budget = DataBudget::new(10 * KIB, Duration::from_millis(20));
        let mut a = budget.reservation();
        assert!(a.cover(6 * KIB).await);
        assert!(a.cover(6 * KIB).await, "covering what is held takes nothing more");
        assert_eq!(a.held_bytes(), 6 * KIB);
        let mut b = budget.reservation();
        assert!(!b.cover(5 * KIB).await, "only 4 KiB are left");
        assert!(b.cover(4 * KIB).await);
        assert_eq!(budget.available_bytes(), 0);
        drop(a);
        assert_eq!(budget.available_bytes(), 6 * KIB);
        assert!(b.cover(10 * KIB).await, "a reservation grows into what was given back");
    }

    #[tokio::test]
    async fn a_waiting_reservation_gets_budget_freed_within_the_wait() {
        let budget = DataBudget::new(4 * KIB, Duration::from_secs(30));
        let mut a = budget.reservation();
        assert!(a.cover(4 * KIB).await);
        let mut b = budget.reservation();
        let freed = tokio::spawn(async move {
            tokio::task::yield_now().await;
            drop(a);
        });
        assert!(b.cover(KIB + 1).await);
        assert_eq!(b.held_bytes(), 2 * KIB, "bytes are rounded up to whole KiB");
        freed.await.unwrap();
    }
}
