//! When each spooled copy gets its turn, and what it holds while it waits.
//!
//! Every queued copy waits in a task of its own, holding nothing. It takes its
//! tenant's slot, then its next hop's, and only then one of the queue's global permits
//! (`delivery.max_parallel`), and gives all three back when its attempt ends. So a copy
//! waiting for a stuck next hop holds no permit another next hop needs: a next hop that
//! never answers holds at most `max_per_destination` permits, always fewer than there
//! are, and delays only the mail going there. A retry waits out its backoff (or a
//! flush), then queues again.
//!
//! Memory goes the same way (`crate::memory`: twice the copy's size): each party's
//! right after its slot (tenant, next hop, then the global budget), so a copy waiting
//! for its tenant's memory (a tenant of large mail) holds no next hop's slot nor any
//! permit. A small copy ([`SMALL_COPY`]) takes no global memory: it never queues behind
//! large ones there, and small copies together hold at most `max_parallel` times that.

use crate::destination::{Destination, Destinations};
use crate::fresh::{Fresh, FreshCopies};
use crate::memory::Budget;
use crate::{DeliveryError, dsn};
use mxr_config::Config;
use mxr_config::delivery::DELIVERY_COPIES;
use mxr_metrics::{DeliveryMetrics, QueueState};
use mxr_store::spool::{Peek, Spool, SpoolError};
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};
use tokio::sync::{Semaphore, mpsc, watch};

/// How often the spool is looked at for copies put there by an operator command
/// (`mxr quarantine release`) and for a flush request (`mxr queue flush`).
const RESCAN: Duration = Duration::from_secs(1);
/// The file `mxr queue flush` creates in the spool folder.
pub const FLUSH_MARKER: &str = ".flush";
/// The memory, in bytes, up to which a delivery takes none of the global budget
/// (only its tenant's and next hop's shares).
pub const SMALL_COPY: usize = 256 << 10;
/// The longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);

/// What the queue's tasks share.
pub(crate) struct Deliverer {
    /// Where the copies are.
    pub(crate) spool: Arc<Spool>,
    /// The configuration the queue started with.
    pub(crate) config: Arc<Config>,
    /// Each tenant's way out, and its slots.
    pub(crate) destinations: Destinations,
    /// Deliveries running at once (`delivery.max_parallel`).
    pub(crate) global: Semaphore,
    /// Bytes of copies that running deliveries hold (`delivery.max_buffered_bytes`).
    pub(crate) memory: Budget,
    /// Copies just spooled, kept for their first attempt: bounded by a quarter of
    /// `delivery.max_buffered_bytes`, on top of what running deliveries hold.
    pub(crate) fresh: Arc<FreshCopies>,
    /// Queues a copy.
    pub(crate) again: mpsc::UnboundedSender<Queued>,
    /// Queue ids queued, in flight, waiting for a retry, or kept (see [`Next::Keep`]),
    /// each with when it was spooled (its `received` time for one found at start).
    pub(crate) known: Mutex<HashMap<String, SystemTime>>,
    /// Where each recipient's result is counted.
    pub(crate) metrics: DeliveryMetrics,
    /// Bumped by a flush: waiting retries start at once.
    pub(crate) flushed: watch::Sender<u64>,
}

/// A copy queued for its turn, with its tenant and size when whoever queued it knows
/// them (the chain, which has just written it); otherwise its turn reads them from
/// the copy's clear header ([`Spool::peek`]). A copy the chain has just written may
/// come with its content ([`Fresh`]), which its attempt then need not read back.
#[derive(Debug)]
pub(crate) struct Queued {
    /// The copy.
    pub(crate) queue_id: String,
    /// Its tenant and size, if known.
    pub(crate) known: Option<Peek>,
    /// Its envelope and message, if kept.
    pub(crate) fresh: Option<Fresh>,
}

impl Queued {
    /// A copy whose tenant and size its turn reads from the spool.
    pub(crate) fn unknown(queue_id: String) -> Queued {
        Queued { queue_id, known: None, fresh: None }
    }
}

/// What follows an attempt.
pub(crate) enum Next {
    /// Nothing: the copy has left the spool.
    Done,
    /// Another attempt after this delay.
    RetryAfter(Duration),
    /// The copy stays in the spool untried until the next start (its tenant is gone
    /// from the config); it is not queued again meanwhile.
    Keep,
}

impl Deliverer {
    /// The copies the queue knows.
    pub(crate) fn known(&self) -> MutexGuard<'_, HashMap<String, SystemTime>> {
        self.known.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Notes a copy spooled at `since`; false when the queue knows it already.
    pub(crate) fn track(&self, queue_id: &str, since: SystemTime) -> bool {
        match self.known().entry(queue_id.to_owned()) {
            Entry::Occupied(_) => false,
            Entry::Vacant(v) => {
                v.insert(since);
                true
            }
        }
    }

    /// How many copies the queue knows, and how long the oldest has been spooled.
    pub(crate) fn state(&self) -> QueueState {
        let known = self.known();
        let now = SystemTime::now();
        let oldest = known.values().filter_map(|since| now.duration_since(*since).ok()).max();
        QueueState { copies: known.len(), oldest: oldest.unwrap_or_default() }
    }
}

impl Deliverer {
    /// Where a copy of `tenant` goes: its tenant's destination; for a bounce by MX,
    /// one made for its recipient's domain (read from the copy, as the clear header
    /// does not say it).
    async fn destination(&self, qid: &str, tenant: &str) -> Result<Option<Arc<Destination>>, DeliveryError> {
        if tenant != dsn::BOUNCE_TENANT || self.destinations.has_bounce_relay() {
            return self.destinations.get(tenant);
        }
        let q = qid.to_owned();
        let read = self.blocking(move |s| s.read(&s.path(&q)).map(|(env, _)| env.rcpts.into_iter().next()));
        let unread = |source| DeliveryError::BounceUnread { queue_id: qid.to_owned(), source };
        match read.await {
            Some(Ok(rcpt)) => Ok(Some(self.destinations.bounce_to(rcpt.as_deref().unwrap_or_default()))),
            Some(Err(e)) => Err(unread(e)),
            None => Err(unread(SpoolError::Io(self.spool.path(qid), std::io::Error::other("the read panicked")))),
        }
    }
}

/// Gives every queued copy its own waiting task.
pub(crate) async fn deliver_forever(d: Arc<Deliverer>, mut rx: mpsc::UnboundedReceiver<Queued>) {
    while let Some(queued) = rx.recv().await {
        tokio::spawn(turn(d.clone(), queued));
    }
}

/// One copy's turn: its slots in order, one attempt, and what follows.
async fn turn(d: Arc<Deliverer>, Queued { queue_id: qid, known, fresh }: Queued) {
    let q = qid.clone();
    let peeked = match known {
        Some(known) => Some(Ok(Some(known))),
        None => d.blocking(move |s| s.peek(&q)).await,
    };
    let next = match peeked {
        Some(Ok(Some(Peek { tenant, bytes }))) => match d.destination(&qid, &tenant).await {
            Ok(Some(dest)) => {
                let need = usize::try_from(bytes).unwrap_or(usize::MAX).saturating_mul(DELIVERY_COPIES);
                let tenant = (dest.tenant.slots.acquire().await, dest.tenant.memory.hold(need).await);
                let next_hop = (dest.next_hop.slots.acquire().await, dest.next_hop.memory.hold(need).await);
                let global = d.global.acquire().await;
                let global_memory = if need > SMALL_COPY { Some(d.memory.hold(need).await) } else { None };
                let next = d.attempt(&qid, &dest, fresh).await;
                drop((global_memory, global, next_hop, tenant));
                next
            }
            // A tenant the writer knew may have gone (offboarded) along with the copy.
            Ok(None) if d.blocking(gone(&qid)).await == Some(true) => Next::Done,
            Ok(None) => {
                tracing::error!(queue_id = %qid, tenant = %tenant, "spooled for a tenant the tenant store no longer has; kept in the spool");
                Next::Keep
            }
            Err(e) => {
                tracing::error!(queue_id = %qid, tenant = %tenant, error = %e, "the tenant's next hop cannot be used; retried later");
                Next::RetryAfter(d.config.queue.retry_base)
            }
        },
        Some(Ok(None)) => Next::Done, // queued twice: already delivered
        other => {
            tracing::error!(queue_id = %qid, error = ?other.map(|r| r.err()), "cannot read a spooled copy");
            Next::RetryAfter(d.config.queue.retry_base)
        }
    };
    match next {
        Next::Done => {
            d.known().remove(&qid);
        }
        Next::Keep => {}
        Next::RetryAfter(delay) => {
            let mut flushed = d.flushed.subscribe();
            tokio::select! {
                () = tokio::time::sleep(delay) => {}
                _ = flushed.changed() => {}
            }
            let _ = d.again.send(Queued::unknown(qid));
        }
    }
}

/// A check, to run on the spool, that the copy `qid` has left it.
fn gone(qid: &str) -> impl FnOnce(&Spool) -> bool + Send + 'static {
    let qid = qid.to_owned();
    move |s| !s.path(&qid).exists()
}

/// Picks up spool files the queue does not know (put there by `mxr quarantine
/// release`), turns a flush marker into an immediate retry of everything waiting, and
/// closes outbound sessions idle for too long.
pub(crate) async fn rescan_forever(d: Arc<Deliverer>) {
    loop {
        tokio::time::sleep(RESCAN).await;
        d.destinations.close_expired();
        let flush = d.spool.dir().join(FLUSH_MARKER);
        if std::fs::remove_file(&flush).is_ok() {
            tracing::info!("queue flush requested");
            d.flushed.send_modify(|n| *n += 1);
        }
        let Ok(entries) = std::fs::read_dir(d.spool.dir()) else { continue };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let Some(qid) = name.strip_suffix(".msg").filter(|_| !name.starts_with('.')) else { continue };
            if d.track(qid, SystemTime::now()) {
                tracing::info!(queue_id = %qid, "found in the spool; queued");
                let _ = d.again.send(Queued::unknown(qid.to_owned()));
            }
        }
    }
}

/// `base × 2^(attempts−1)`, at most an hour, then ±25 % jitter so retries spread out.
pub fn backoff(base: Duration, attempts: u32) -> Duration {
    let exp = base.saturating_mul(1u32 << attempts.saturating_sub(1).min(16)).min(MAX_BACKOFF);
    let mut r = [0u8; 2];
    let _ = getrandom::fill(&mut r);
    let jitter = 0.75 + f64::from(u16::from_be_bytes(r)) / f64::from(u16::MAX) * 0.5;
    exp.mul_f64(jitter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_is_capped_and_jittered() {
        let base = Duration::from_secs(60);
        for (attempts, nominal) in [(1, 60), (2, 120), (3, 240), (7, 3600), (30, 3600)] {
            let d = backoff(base, attempts).as_secs_f64();
            assert!(d >= nominal as f64 * 0.75 && d <= nominal as f64 * 1.25, "attempt {attempts}: {d}");
        }
    }
}
