//! The global budget for buffered DATA: every session's message in memory, together,
//! stays under one byte cap. A session takes budget (in KiB permits) as its message
//! grows; when it cannot get more within a short wait, the message is refused with
//! `452 4.3.1` instead of growing memory without bound. Budget goes back when the
//! [`Reservation`] is dropped (message finished, refused or abandoned).

use crate::capacity::Capacity;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The unit budget is counted in.
const KIB: usize = 1024;

/// The byte budget shared by every session of a server, in three shares, so that a
/// message never queues behind much larger ones (a semaphore serves waiters in order:
/// one 25 MB request at its head holds up every other, and one held 25 MB message
/// takes the whole large share):
/// - an eighth for small messages, each at most a 64th of that share;
/// - a quarter for medium ones (attachments of a few hundred kilobytes), each at most
///   an eighth of that share, so a message of 25 MB, being received or declared by a
///   client that then dawdles, never holds up the common sizes;
/// - the rest for large ones.
///
/// Less is kept for the first two (medium first) when the rest would not hold the
/// largest message (`largest`: the size limit times the copies a message takes),
/// which must always fit. A reload may resize it ([`DataBudget::resize`]);
/// reservations already held keep what they hold.
#[derive(Debug, Clone)]
pub struct DataBudget {
    /// The shares, smallest messages first.
    shares: [Arc<Capacity>; SHARES],
    /// The largest reservation, in KiB, each share but the last takes.
    limits: Arc<[AtomicUsize; SHARES - 1]>,
    /// How long a reservation waits for more, in milliseconds.
    wait_ms: Arc<AtomicU64>,
}

/// The number of shares: small, medium and large messages.
const SHARES: usize = 3;

/// `bytes` as KiB permits: the shares' sizes and the limits of all but the last; the
/// last share holds at least `largest` bytes when the whole does.
fn shares(bytes: usize, largest: usize) -> ([usize; SHARES], [usize; SHARES - 1]) {
    let kib = bytes.div_ceil(KIB).min(Semaphore::MAX_PERMITS);
    let room = kib.saturating_sub(largest.div_ceil(KIB));
    let small = (kib / 8).min(room);
    let medium = (kib / 4).min(room - small);
    ([small, medium, kib - small - medium], [small / 64, medium / 8])
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl DataBudget {
    /// A budget of `bytes` (rounded up to whole KiB) whose large share holds a message
    /// needing `largest` bytes; a session waits at most `wait` for more before its
    /// message is refused.
    pub fn new(bytes: usize, largest: usize, wait: Duration) -> Self {
        let (sizes, limits) = shares(bytes, largest);
        DataBudget {
            shares: sizes.map(Capacity::new),
            limits: Arc::new(limits.map(AtomicUsize::new)),
            wait_ms: Arc::new(AtomicU64::new(millis(wait))),
        }
    }

    /// Changes the budget to `bytes`, the largest message's need to `largest` and the
    /// wait to `wait` (a reload). Must run on a tokio runtime: budget held beyond a
    /// smaller total is taken back as it is freed.
    pub fn resize(&self, bytes: usize, largest: usize, wait: Duration) {
        let (sizes, limits) = shares(bytes, largest);
        for (share, size) in self.shares.iter().zip(sizes) {
            share.resize(size);
        }
        for (limit, value) in self.limits.iter().zip(limits) {
            limit.store(value, Ordering::Relaxed);
        }
        self.wait_ms.store(millis(wait), Ordering::Relaxed);
    }

    /// An empty reservation against this budget, for one message.
    pub fn reservation(&self) -> Reservation {
        Reservation { budget: self.clone(), held: None }
    }

    /// Bytes not reserved by anyone now, in whole KiB (all shares).
    pub fn available_bytes(&self) -> usize {
        self.shares.iter().map(|s| s.semaphore().available_permits()).sum::<usize>() * KIB
    }

    /// The first share at or above `from` whose limit takes `kib`.
    fn share_for(&self, kib: usize, from: usize) -> usize {
        (from..SHARES - 1).find(|&i| kib <= self.limits[i].load(Ordering::Relaxed)).unwrap_or(SHARES - 1)
    }
}

/// One message's share of the budget: permits of the smallest share whose limit
/// takes it, moving up as it grows.
#[derive(Debug)]
pub struct Reservation {
    budget: DataBudget,
    /// The share held from, and its permits.
    held: Option<(usize, OwnedSemaphorePermit)>,
}

impl Reservation {
    /// Bytes held now.
    pub fn held_bytes(&self) -> usize {
        self.held.as_ref().map_or(0, |(_, p)| p.num_permits() * KIB)
    }

    /// Gives back what the reservation holds beyond `bytes` (rounded up to whole KiB);
    /// it stays in the share it was in.
    pub fn shrink_to(&mut self, bytes: usize) {
        let keep = bytes.div_ceil(KIB);
        if let Some((_, held)) = &mut self.held
            && held.num_permits() > keep
        {
            drop(held.split(held.num_permits() - keep));
        }
    }

    /// Grows the reservation to cover `bytes`, waiting at most the budget's wait;
    /// false when the budget cannot give that much in time (holding what it held, or
    /// nothing when the growth had to move it to a larger share).
    ///
    /// A reservation growing out of its share does not wait: it gets the next share's
    /// part at once or gives up, holding nothing. Waiting, it would hold its part of
    /// the smaller share, which then fills with messages on their way to being large
    /// (a burst of 25 MB messages took 600-byte ones from 6 ms to 4 s at p99); letting
    /// go of it to wait, it would hold bytes nobody counts.
    pub async fn cover(&mut self, bytes: usize) -> bool {
        let want = bytes.div_ceil(KIB);
        let held = self.held_bytes() / KIB;
        if want <= held {
            return true;
        }
        // A reservation never moves down a share (a reload may raise a limit past
        // what it holds).
        let from = self.held.as_ref().map_or(0, |(share, _)| *share);
        let share = self.budget.share_for(want, from);
        let moving = self.held.is_some() && share != from;
        // Moving to another share takes the whole amount anew.
        let Ok(more) = u32::try_from(if moving { want } else { want - held }) else { return false };
        let sem = self.budget.shares[share].semaphore().clone();
        if moving {
            self.held = sem.try_acquire_many_owned(more).ok().map(|got| (share, got));
            return self.held.is_some();
        }
        let wait = Duration::from_millis(self.budget.wait_ms.load(Ordering::Relaxed));
        let Ok(Ok(got)) = tokio::time::timeout(wait, sem.acquire_many_owned(more)).await else {
            return false;
        };
        match &mut self.held {
            Some((_, held)) => held.merge(got),
            None => self.held = Some((share, got)),
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn reservations_share_the_budget_and_give_it_back_on_drop() {
        // 80 KiB: 10 KiB for small messages, 20 for medium ones (too little for any
        // here), 50 for large ones.
        let budget = DataBudget::new(80 * KIB, 0, Duration::from_millis(20));
        let mut a = budget.reservation();
        assert!(a.cover(40 * KIB).await);
        assert!(a.cover(40 * KIB).await, "covering what is held takes nothing more");
        assert_eq!(a.held_bytes(), 40 * KIB);
        let mut b = budget.reservation();
        assert!(!b.cover(11 * KIB).await, "only 10 KiB of the large share are left");
        assert!(b.cover(10 * KIB).await);
        assert_eq!(budget.available_bytes(), 30 * KIB, "the small and medium shares are untouched");
        drop(a);
        assert_eq!(budget.available_bytes(), 70 * KIB);
        assert!(b.cover(50 * KIB).await, "a reservation grows into what was given back");
    }

    #[tokio::test]
    async fn the_largest_message_always_fits_in_the_large_share() {
        // 112 MiB for messages of up to 25 MiB taken 4 times. An eighth kept for small
        // ones would leave 98 MiB, and a message at the limit would always be refused:
        // the small share gives way, and no medium share is kept.
        let budget = DataBudget::new(112 << 20, 100 << 20, Duration::from_millis(20));
        let mut largest = budget.reservation();
        assert!(largest.cover(100 << 20).await);
        let mut small = budget.reservation();
        assert!(small.cover(12 * KIB).await, "what is left is kept for small messages");
        assert_eq!(budget.available_bytes(), (12 << 20) - 12 * KIB);
        let exact = DataBudget::new(100 << 20, 100 << 20, Duration::from_millis(20));
        assert!(exact.reservation().cover(100 << 20).await, "with no room for a small share, none is kept");
    }

    #[tokio::test]
    async fn the_common_sizes_do_not_wait_behind_a_held_largest_message() {
        // The defaults: 160 MiB; a 25 MiB message (declared, say, by a client that then
        // sends nothing) holds the whole large share.
        let budget = DataBudget::new(160 << 20, 100 << 20, Duration::from_millis(20));
        let mut largest = budget.reservation();
        assert!(largest.cover(100 << 20).await);
        let mut another = budget.reservation();
        assert!(!another.cover(100 << 20).await, "a second one waits for it");
        // Ten messages of 1 MB at 4 copies, and 64 of 64 KB, at once beside it.
        let mut medium: Vec<Reservation> = (0..10).map(|_| budget.reservation()).collect();
        for r in &mut medium {
            assert!(r.cover(4 << 20).await, "a 1 MB message beside the largest one");
        }
        let mut small: Vec<Reservation> = (0..64).map(|_| budget.reservation()).collect();
        for r in &mut small {
            assert!(r.cover(256 * KIB).await, "a 64 KB message beside them");
        }
        assert!(!budget.reservation().cover(6 << 20).await, "a 1.5 MB message is a large one");
    }

    #[tokio::test]
    async fn a_shrunk_reservation_gives_back_the_rest() {
        let budget = DataBudget::new(80 * KIB, 0, Duration::from_millis(20));
        let mut a = budget.reservation();
        assert!(a.cover(50 * KIB).await);
        a.shrink_to(10 * KIB + 1);
        assert_eq!(a.held_bytes(), 11 * KIB);
        assert_eq!(budget.available_bytes(), 69 * KIB);
        a.shrink_to(20 * KIB);
        assert_eq!(a.held_bytes(), 11 * KIB, "shrinking never grows");
    }

    #[tokio::test]
    async fn a_waiting_reservation_gets_budget_freed_within_the_wait() {
        let budget = DataBudget::new(4 * KIB, 0, Duration::from_secs(30));
        let mut a = budget.reservation();
        assert!(a.cover(3 * KIB).await);
        let mut b = budget.reservation();
        let freed = tokio::spawn(async move {
            tokio::task::yield_now().await;
            drop(a);
        });
        assert!(b.cover(2 * KIB + 1).await);
        assert_eq!(b.held_bytes(), 3 * KIB, "bytes are rounded up to whole KiB");
        freed.await.unwrap();
    }

    #[tokio::test]
    async fn small_messages_do_not_queue_behind_a_large_one() {
        // 1 MiB: 128 KiB for small messages of up to 2 KiB each, 256 KiB for medium
        // ones of up to 32 KiB, 640 KiB for large ones.
        let budget = DataBudget::new(1 << 20, 0, Duration::from_millis(50));
        let mut big = budget.reservation();
        assert!(big.cover(640 * KIB).await, "the whole large share");
        let mut bigger = budget.reservation();
        let waiting = tokio::spawn(async move { bigger.cover(100 * KIB).await });
        tokio::task::yield_now().await;
        let mut small = budget.reservation();
        assert!(small.cover(2 * KIB).await, "a small message queued behind the large ones");
        assert!(small.cover(20 * KIB).await, "grown to medium, it moves to the medium share");
        assert_eq!(budget.available_bytes(), 128 * KIB + 236 * KIB, "and gave back its small part");
        assert!(!small.cover(40 * KIB).await, "grown large, it cannot have the large share");
        assert_eq!(small.held_bytes(), 0, "and lets go of the medium share");
        assert!(!waiting.await.unwrap());
    }

    #[tokio::test]
    async fn a_message_growing_out_of_its_share_never_waits_holding_it() {
        // 1 MiB: 128 KiB for small messages of up to 2 KiB each, the large share held.
        let budget = DataBudget::new(1 << 20, 0, Duration::from_secs(30));
        let mut big = budget.reservation();
        assert!(big.cover(640 * KIB).await);
        let mut growing: Vec<Reservation> = (0..64).map(|_| budget.reservation()).collect();
        for r in &mut growing {
            assert!(r.cover(2 * KIB).await, "the small share holds 64 of 2 KiB");
        }
        let cover = tokio::time::timeout(Duration::from_secs(10), growing[0].cover(40 * KIB)).await;
        assert_eq!(cover, Ok(false), "with the large share all held, it gives up at once");
        assert_eq!(growing[0].held_bytes(), 0);
        let mut small = budget.reservation();
        assert!(small.cover(2 * KIB).await, "the small share it held is free again");
        drop(big);
        assert!(growing[1].cover(40 * KIB).await, "with the large share free, it moves there");
        assert_eq!(growing[1].held_bytes(), 40 * KIB);
        assert_eq!(budget.available_bytes(), (1 << 20) - 40 * KIB - 63 * 2 * KIB, "and gave back its small part");
    }

    #[tokio::test]
    async fn a_resized_budget_gives_its_new_size_and_keeps_what_is_held() {
        let budget = DataBudget::new(80 * KIB, 0, Duration::from_millis(20));
        let mut a = budget.reservation();
        assert!(a.cover(50 * KIB).await);
        budget.resize(160 * KIB, 0, Duration::from_millis(20));
        assert_eq!(budget.available_bytes(), 110 * KIB, "160 KiB less the 50 held");
        budget.resize(40 * KIB, 0, Duration::from_millis(20));
        assert_eq!(a.held_bytes(), 50 * KIB, "a shrink takes nothing from a holder");
        let mut b = budget.reservation();
        assert!(!b.cover(10 * KIB).await, "the large share is all held");
        drop(a);
        tokio::time::timeout(Duration::from_secs(5), async {
            for share in &budget.shares {
                share.settled().await;
            }
        })
        .await
        .expect("the shrink settles");
        assert_eq!(budget.available_bytes(), 40 * KIB);
    }
}
