//! A semaphore whose total a reload can change. Growing adds permits at once;
//! shrinking takes free permits back at once and the rest as holders return them, so
//! nothing already admitted is cut off, and the total is never below what was asked
//! for longer than the holders of the surplus take to finish.

use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::{Notify, Semaphore};

/// A resizable pool of permits.
#[derive(Debug)]
pub struct Capacity {
    sem: Arc<Semaphore>,
    state: Mutex<State>,
    settled: Notify,
}

#[derive(Debug)]
struct State {
    /// The total asked for.
    total: usize,
    /// Permits still to be taken back from holders, after a shrink.
    debt: usize,
    /// A task is taking the debt back.
    collecting: bool,
}

impl Capacity {
    /// A pool of `total` permits (at most [`Semaphore::MAX_PERMITS`]).
    pub fn new(total: usize) -> Arc<Capacity> {
        let total = total.min(Semaphore::MAX_PERMITS);
        Arc::new(Capacity {
            sem: Arc::new(Semaphore::new(total)),
            state: Mutex::new(State { total, debt: 0, collecting: false }),
            settled: Notify::new(),
        })
    }

    /// The semaphore to acquire permits from.
    pub fn semaphore(&self) -> &Arc<Semaphore> {
        &self.sem
    }

    /// The total asked for (permits out and free, once any shrink has settled).
    pub fn total(&self) -> usize {
        self.lock().total
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Sets the total to `new`. A shrink beyond the free permits is taken back as
    /// holders return theirs, by a task on the current tokio runtime.
    pub fn resize(self: &Arc<Self>, new: usize) {
        let new = new.min(Semaphore::MAX_PERMITS);
        let mut s = self.lock();
        if new >= s.total {
            let mut grow = new - s.total;
            let repaid = grow.min(s.debt);
            s.debt -= repaid;
            grow -= repaid;
            self.sem.add_permits(grow);
            if s.debt == 0 {
                self.settled.notify_waiters();
            }
        } else {
            let shrink = s.total - new;
            let gone = self.sem.forget_permits(shrink);
            s.debt += shrink - gone;
            if s.debt > 0 && !s.collecting {
                s.collecting = true;
                tokio::spawn(self.clone().collect());
            }
        }
        s.total = new;
    }

    /// Waits until a shrink has taken back every permit it owed.
    pub async fn settled(&self) {
        loop {
            let notified = self.settled.notified();
            if self.lock().debt == 0 {
                return;
            }
            notified.await;
        }
    }

    /// Takes permits back one at a time until the debt is paid (or forgiven by a
    /// later growth).
    async fn collect(self: Arc<Self>) {
        loop {
            let Ok(permit) = self.sem.acquire().await else { return };
            let mut s = self.lock();
            if s.debt > 0 {
                s.debt -= 1;
                permit.forget();
                // Whatever else is free now goes too, before waiters ahead take it.
                let more = self.sem.forget_permits(s.debt);
                s.debt -= more;
            }
            if s.debt == 0 {
                s.collecting = false;
                self.settled.notify_waiters();
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// Waits (boundedly) for `c` to settle.
    async fn settle(c: &Capacity) {
        tokio::time::timeout(Duration::from_secs(5), c.settled()).await.expect("the shrink settles");
    }

    #[tokio::test]
    async fn growing_adds_permits_and_shrinking_takes_back_free_ones_at_once() {
        let c = Capacity::new(4);
        let held = c.semaphore().clone().try_acquire_many_owned(1).unwrap();
        c.resize(6);
        assert_eq!(c.semaphore().available_permits(), 5);
        c.resize(2);
        assert_eq!(c.semaphore().available_permits(), 1, "one is still held");
        drop(held);
        assert_eq!(c.semaphore().available_permits(), 2);
        assert_eq!(c.total(), 2);
    }

    #[tokio::test]
    async fn a_shrink_below_what_is_held_is_collected_as_holders_return() {
        let c = Capacity::new(3);
        let held = c.semaphore().clone().try_acquire_many_owned(3).unwrap();
        c.resize(1);
        assert_eq!(c.semaphore().available_permits(), 0);
        drop(held);
        settle(&c).await;
        assert_eq!(c.semaphore().available_permits(), 1);
    }

    #[tokio::test]
    async fn growing_while_a_shrink_is_owed_forgives_the_debt_first() {
        let c = Capacity::new(3);
        let held = c.semaphore().clone().try_acquire_many_owned(3).unwrap();
        c.resize(1);
        c.resize(5);
        assert_eq!(c.semaphore().available_permits(), 2, "2 owed were forgiven, 2 added");
        settle(&c).await;
        drop(held);
        assert_eq!(c.semaphore().available_permits(), 5);
    }
}
