//! Open sessions to one next hop, kept for the next copy: reusing one skips the
//! connect, greeting, EHLO and TLS handshake. An idle session is closed after
//! [`IDLE_TIME`].

use crate::session::{Offers, Session};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long an idle session to a next hop is kept for reuse.
pub const IDLE_TIME: Duration = Duration::from_secs(10);

/// A session waiting for the next copy.
pub(crate) struct Idle {
    /// The session, past EHLO (and STARTTLS).
    pub(crate) session: Session,
    /// What its EHLO offered.
    pub(crate) offers: Offers,
    since: Instant,
}

/// Idle sessions to one destination, at most `cap` of them.
#[derive(Clone)]
pub struct ConnectionPool {
    idle: Arc<Mutex<Vec<Idle>>>,
    cap: usize,
}

impl ConnectionPool {
    /// A pool keeping at most `cap` idle sessions (the destination's connection cap).
    pub fn new(cap: usize) -> Self {
        ConnectionPool { idle: Arc::default(), cap }
    }

    pub(crate) fn take(&self) -> Option<Idle> {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        idle.retain(|i| i.since.elapsed() < IDLE_TIME);
        idle.pop()
    }

    pub(crate) fn put(&self, session: Session, offers: Offers) {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < self.cap {
            idle.push(Idle { session, offers, since: Instant::now() });
        }
    }

    /// True when no session is idle here.
    pub(crate) fn is_empty(&self) -> bool {
        self.idle.lock().unwrap_or_else(|p| p.into_inner()).is_empty()
    }

    /// Closes sessions idle for longer than [`IDLE_TIME`].
    pub fn close_expired(&self) {
        self.idle.lock().unwrap_or_else(|p| p.into_inner()).retain(|i| i.since.elapsed() < IDLE_TIME);
    }
}
