//! The delivery queue: a copy is spooled (sealed, durable) before the `250`, then
//! delivered to its tenant's next hop and removed from the spool. At start, everything
//! in the spool is queued again, so a crash after the `250` loses nothing; a crash
//! between delivery and removal delivers a copy twice, never zero times.
//!
//! - [`scheduler`]: when a copy gets its turn: its tenant's slot, its next hop's slot,
//!   then a global permit, so a stuck next hop delays only the mail going there;
//! - `destination`: each tenant's way out and the slots it shares;
//! - `memory`: the bytes of copies running deliveries hold, within
//!   `delivery.max_buffered_bytes` and each tenant's and next hop's share of it;
//! - `mx`: delivery to a domain's MX hosts (an mx next hop, bounces by MX);
//! - `attempt`: one attempt, and retries (4xx), bounces (5xx, old age) after it;
//! - [`client`]: the outbound SMTP client, over a `session` from a `pool`, asking for
//!   SMTPUTF8 and 8BITMIME as `extensions` says;
//! - [`dsn`]: RFC 3464 (and RFC 6533) bounces, to the sender's MX or the bounce relay;
//! - [`maildir`]: delivery into a local Maildir.
//!
//! Delivery reads only the spool: the chain writes it, then tells delivery through
//! [`Handoff`], which [`Queue`] implements.

#![deny(missing_docs)]

mod attempt;
pub mod client;
mod destination;
pub mod dsn;
mod extensions;
mod fresh;
pub mod maildir;
mod memory;
mod mx;
mod pool;
pub mod scheduler;
mod session;

pub use scheduler::{FLUSH_MARKER, backoff};
pub use session::{ClientError, Offers, RemoteReply};

use mxr_config::{Config, TenantSource};
use mxr_metrics::{DeliveryMetrics, QueueState};
use mxr_store::spool::{Handoff, Spool, SpoolEnvelope, Written};
use scheduler::Deliverer;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};
use tokio::sync::{Semaphore, mpsc, watch};

/// Why delivery could not start.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// A next hop's `ca_file` is unreadable or holds a bad certificate.
    #[error("tenant {tenant}: next_hop.ca_file: {file}: {problem}")]
    CaFile {
        /// The tenant whose next hop names the file.
        tenant: String,
        /// The `ca_file` path as configured.
        file: PathBuf,
        /// What is wrong with it.
        problem: CaFileProblem,
    },
    /// A bounce's recipient, which picks its MX, could not be read from the spool.
    #[error("the recipient of bounce {queue_id} cannot be read: {source}")]
    BounceUnread {
        /// The bounce's queue id.
        queue_id: String,
        /// Why.
        source: mxr_store::spool::SpoolError,
    },
}

/// What is wrong with a next hop's `ca_file`.
#[derive(Debug, thiserror::Error)]
pub enum CaFileProblem {
    /// It cannot be read, or is not PEM.
    #[error("{0}")]
    Pem(#[from] rustls_pki_types::pem::Error),
    /// A certificate in it is not one a root store takes.
    #[error("{0}")]
    Certificate(#[from] rustls::Error),
}

/// Delivers what the spool holds, and what the chain hands off.
pub struct Queue {
    deliverer: Arc<Deliverer>,
}

impl Queue {
    /// Starts the delivery task (needs a tokio runtime) after queueing what the spool
    /// still holds from before; each recipient's result is counted in `metrics`.
    /// `dns` finds the MX hosts of mx next hops and of bounces' domains; without it
    /// (no resolver could be built) those copies are deferred until one can.
    pub fn start(
        spool: Arc<Spool>,
        config: Arc<Config>,
        tenants: Arc<dyn TenantSource>,
        dns: Option<Arc<mxr_dns::Dns>>,
        metrics: DeliveryMetrics,
    ) -> Result<Queue, DeliveryError> {
        let destinations = destination::Destinations::new(config.clone(), tenants, dns)?;
        let (tx, rx) = mpsc::unbounded_channel();
        let recovered = spool.recover();
        for env in &recovered {
            tracing::info!(queue_id = %env.queue_id, tenant = %env.tenant, "re-queued from the spool");
            let _ = tx.send(scheduler::Queued::unknown(env.queue_id.clone()));
        }
        let since = |received: u64| UNIX_EPOCH + Duration::from_secs(received);
        let known = Mutex::new(recovered.into_iter().map(|e| (e.queue_id, since(e.received))).collect());
        let deliverer = Arc::new(Deliverer {
            spool,
            global: Semaphore::new(config.delivery.max_parallel),
            memory: memory::Budget::new(config.delivery.max_buffered_bytes),
            // Fresh copies wait for their slots before their attempt holds memory:
            // a quarter of the delivery budget bounds what that wait keeps.
            fresh: fresh::FreshCopies::new(config.delivery.max_buffered_bytes / 4),
            config,
            destinations,
            again: tx,
            known,
            metrics,
            flushed: watch::channel(0).0,
        });
        tokio::spawn(scheduler::deliver_forever(deliverer.clone(), rx));
        tokio::spawn(scheduler::rescan_forever(deliverer.clone()));
        Ok(Queue { deliverer })
    }

    /// How many copies the queue holds (queued, in an attempt, waiting to retry) and
    /// how long the oldest has been spooled: read by the metrics at each scrape.
    pub fn state(&self) -> QueueState {
        self.deliverer.state()
    }

    /// Spools a copy durably and queues it (bounces and released quarantine use this;
    /// the chain writes its copies itself and hands them off).
    pub fn accept(&self, env: &SpoolEnvelope, message: &[&[u8]]) -> Result<(), mxr_store::spool::SpoolError> {
        self.deliverer.spool.write(env, message)?;
        self.deliverer.spooled(&env.queue_id, None);
        Ok(())
    }
}

impl Handoff for Queue {
    fn spooled(&self, queue_id: &str) {
        self.deliverer.spooled(queue_id, None);
    }

    fn spooled_written(&self, written: Written) {
        self.deliverer.spooled_written(written);
    }

    fn owe_bounce(&self, env: &SpoolEnvelope, message: &[u8], failed: &[(String, String)]) {
        self.deliverer.spool_bounce(env, message, failed);
    }
}
