//! The delivery queue: a copy is spooled (sealed, durable) before the `250`, then
//! delivered to its tenant's next hop and removed from the spool. At start, everything
//! in the spool is queued again, so a crash after the `250` loses nothing; a crash
//! between delivery and removal delivers a copy twice, never zero times.
//!
//! Per recipient: delivered ones are done; deferred ones (4xx, connection trouble)
//! stay in the re-sealed spool file and are retried with exponential backoff and
//! jitter; failed ones (5xx), and deferred ones past the maximum age, are owed a
//! bounce to the sender.
//!
//! - [`client`]: the outbound SMTP client and its connection pool;
//! - [`dsn`]: RFC 3464 bounces;
//! - [`maildir`]: delivery into a local Maildir.
//!
//! Delivery reads only the spool: the chain writes it, then tells delivery through
//! [`Handoff`], which [`Queue`] implements.

#![deny(missing_docs)]

pub mod client;
pub mod dsn;
pub mod maildir;

use client::{RcptResult, Route};
use mxr_config::{Config, NextHop};
use mxr_store::spool::{Handoff, Spool, SpoolEnvelope};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::{Semaphore, mpsc, watch};

/// How often the spool is looked at for copies put there by an operator command
/// (`mxr quarantine release`) and for a flush request (`mxr queue flush`).
const RESCAN: Duration = Duration::from_secs(1);
/// The file `mxr queue flush` creates in the spool folder.
pub const FLUSH_MARKER: &str = ".flush";

/// Deliveries running at once.
const PARALLEL: usize = 20;
/// The longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);

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

struct Deliverer {
    spool: Arc<Spool>,
    config: Arc<Config>,
    /// Tenant id (or [`dsn::BOUNCE_TENANT`]) → SMTP route.
    routes: HashMap<String, Route>,
    again: mpsc::UnboundedSender<String>,
    /// Queue ids queued, in flight or waiting for a retry.
    known: std::sync::Mutex<HashSet<String>>,
    /// Bumped by a flush: waiting retries start at once.
    flushed: watch::Sender<u64>,
}

enum Next {
    Done,
    RetryAfter(Duration),
}

impl Queue {
    /// Starts the delivery task (needs a tokio runtime) after queueing what the spool
    /// still holds from before.
    pub fn start(spool: Arc<Spool>, config: Arc<Config>) -> Result<Queue, DeliveryError> {
        let mut routes = HashMap::new();
        // Tenants sharing a next hop share its connection limit.
        let mut slots = HashMap::new();
        for t in &config.tenants {
            if let NextHop::Smtp { host, port, tls, ca_file, .. } = &t.next_hop {
                let mut roots = client::web_roots();
                if let Some(file) = ca_file {
                    add_ca_file(&mut roots, file).map_err(|problem| DeliveryError::CaFile {
                        tenant: t.id.to_string(),
                        file: file.clone(),
                        problem,
                    })?;
                }
                let route = Route {
                    host: host.clone(),
                    port: *port,
                    tls: *tls,
                    roots: Arc::new(roots),
                    helo: config.hostname.clone(),
                    slots: destination_slots(&mut slots, host, *port),
                    // Per tenant, never shared: another tenant's TLS mode or roots may differ.
                    pool: client::ConnectionPool::default(),
                };
                routes.insert(t.id.to_string(), route);
            }
        }
        let (tx, rx) = mpsc::unbounded_channel();
        let recovered = spool.recover();
        for env in &recovered {
            tracing::info!(queue_id = %env.queue_id, tenant = %env.tenant, "re-queued from the spool");
            let _ = tx.send(env.queue_id.clone());
        }
        if let Some((host, port)) = &config.queue.bounce_relay {
            let route = Route {
                host: host.clone(),
                port: *port,
                tls: mxr_config::TlsMode::Opportunistic,
                roots: Arc::new(client::web_roots()),
                helo: config.hostname.clone(),
                slots: destination_slots(&mut slots, host, *port),
                pool: client::ConnectionPool::default(),
            };
            routes.insert(dsn::BOUNCE_TENANT.to_owned(), route);
        }
        let known = std::sync::Mutex::new(recovered.into_iter().map(|e| e.queue_id).collect());
        let flushed = watch::channel(0).0;
        let deliverer = Arc::new(Deliverer { spool, config, routes, again: tx.clone(), known, flushed });
        tokio::spawn(deliver_forever(deliverer.clone(), rx, tx.clone()));
        tokio::spawn(rescan_forever(deliverer.clone()));
        Ok(Queue { deliverer })
    }

    /// Spools a copy durably and queues it (bounces and released quarantine use this;
    /// the chain writes its copies itself and hands them off).
    pub fn accept(&self, env: &SpoolEnvelope, message: &[&[u8]]) -> Result<(), mxr_store::spool::SpoolError> {
        self.deliverer.spool.write(env, message)?;
        self.deliverer.spooled(&env.queue_id);
        Ok(())
    }
}

impl Handoff for Queue {
    fn spooled(&self, queue_id: &str) {
        self.deliverer.spooled(queue_id);
    }

    fn owe_bounce(&self, env: &SpoolEnvelope, message: &[u8], failed: &[(String, String)]) {
        self.deliverer.spool_bounce(env, message, failed);
    }
}

async fn deliver_forever(
    d: Arc<Deliverer>,
    mut rx: mpsc::UnboundedReceiver<String>,
    again: mpsc::UnboundedSender<String>,
) {
    let slots = Arc::new(Semaphore::new(PARALLEL));
    while let Some(qid) = rx.recv().await {
        let Ok(permit) = slots.clone().acquire_owned().await else { return };
        let (d, again) = (d.clone(), again.clone());
        tokio::spawn(async move {
            let next = d.deliver(&qid).await;
            drop(permit);
            match next {
                Next::Done => {
                    d.known.lock().unwrap_or_else(|p| p.into_inner()).remove(&qid);
                }
                Next::RetryAfter(delay) => {
                    let mut flushed = d.flushed.subscribe();
                    tokio::select! {
                        () = tokio::time::sleep(delay) => {}
                        _ = flushed.changed() => {}
                    }
                    let _ = again.send(qid);
                }
            }
        });
    }
}

/// Picks up spool files the queue does not know (put there by `mxr quarantine
/// release`), turns a flush marker into an immediate retry of everything waiting, and
/// closes outbound sessions idle for too long.
async fn rescan_forever(d: Arc<Deliverer>) {
    loop {
        tokio::time::sleep(RESCAN).await;
        d.routes.values().for_each(|r| r.pool.close_expired());
        let flush = d.spool.dir().join(FLUSH_MARKER);
        if std::fs::remove_file(&flush).is_ok() {
            tracing::info!("queue flush requested");
            d.flushed.send_modify(|n| *n += 1);
        }
        let Ok(entries) = std::fs::read_dir(d.spool.dir()) else { continue };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let Some(qid) = name.strip_suffix(".msg").filter(|_| !name.starts_with('.')) else { continue };
            if d.known.lock().unwrap_or_else(|p| p.into_inner()).insert(qid.to_owned()) {
                tracing::info!(queue_id = %qid, "found in the spool; queued");
                let _ = d.again.send(qid.to_owned());
            }
        }
    }
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

impl Deliverer {
    async fn blocking<T: Send + 'static>(&self, f: impl FnOnce(&Spool) -> T + Send + 'static) -> Option<T> {
        let spool = self.spool.clone();
        tokio::task::spawn_blocking(move || f(&spool)).await.ok()
    }

    /// One attempt for one spooled copy.
    async fn deliver(&self, qid: &str) -> Next {
        let q = qid.to_owned();
        let read = self.blocking(move |s| {
            let p = s.path(&q);
            if p.exists() { s.read(&p).map(Some) } else { Ok(None) }
        });
        let (env, message) = match read.await {
            Some(Ok(Some(found))) => found,
            Some(Ok(None)) => return Next::Done, // queued twice: already delivered
            other => {
                tracing::error!(queue_id = %qid, error = ?other.map(|r| r.err()), "cannot read a spooled copy");
                return Next::RetryAfter(self.config.queue.retry_base);
            }
        };
        if env.tenant == dsn::BOUNCE_TENANT {
            let Some(route) = self.routes.get(dsn::BOUNCE_TENANT) else { return Next::Done };
            let results = client::deliver(route, "", &env.rcpts, &message).await;
            return self.settle(env, message, results).await;
        }
        let Some(tenant) = self.config.tenants.iter().find(|t| t.id == env.tenant).cloned() else {
            tracing::error!(queue_id = %qid, tenant = %env.tenant, "spooled for a tenant the config no longer has; kept in the spool");
            return Next::Done;
        };
        let results = match &tenant.next_hop {
            NextHop::Maildir(root) => {
                let (root, host, body) = (root.clone(), self.config.hostname.clone(), message.clone());
                let n = env.rcpts.len();
                match tokio::task::spawn_blocking(move || maildir::deliver(&root, &host, &[&body])).await {
                    Ok(Ok(_)) => vec![RcptResult::Delivered; n],
                    other => vec![RcptResult::Deferred(format!("maildir: {:?}", other.map(|r| r.err()))); n],
                }
            }
            NextHop::Smtp { .. } => {
                client::deliver(&self.routes[tenant.id.as_str()], &env.mail_from, &env.rcpts, &message).await
            }
        };
        self.settle(env, message, results).await
    }

    /// Queues a spooled copy unless it is queued already (idempotent).
    fn spooled(&self, queue_id: &str) {
        if self.known.lock().unwrap_or_else(|p| p.into_inner()).insert(queue_id.to_owned()) {
            let _ = self.again.send(queue_id.to_owned());
        }
    }

    /// Spools the bounce for `failed` and queues it: the one place bounces are made.
    fn spool_bounce(&self, env: &SpoolEnvelope, message: &[u8], failed: &[(String, String)]) {
        let dsn::Bounce::Spool(dsn_env, dsn) = dsn::owed(&self.config, env, message, failed) else {
            return;
        };
        if !self.routes.contains_key(dsn::BOUNCE_TENANT) {
            tracing::warn!(queue_id = %env.queue_id, "a bounce is owed but no queue.bounce_relay is configured; it is not sent");
            return;
        }
        match self.spool.write(&dsn_env, &[&dsn]) {
            Ok(_) => self.spooled(&dsn_env.queue_id),
            Err(e) => tracing::error!(queue_id = %env.queue_id, error = %e, "cannot spool a bounce"),
        }
    }

    /// Removes what is done, keeps what is deferred, and says when to try again.
    async fn settle(&self, mut env: SpoolEnvelope, message: Vec<u8>, results: Vec<RcptResult>) -> Next {
        let (mut deferred, mut failed) = (Vec::new(), Vec::new());
        for (rcpt, r) in env.rcpts.iter().zip(results) {
            match r {
                RcptResult::Delivered => {}
                RcptResult::Deferred(why) => deferred.push((rcpt.clone(), why)),
                RcptResult::Failed(why) => failed.push((rcpt.clone(), why)),
            }
        }
        let delivered = env.rcpts.len() - deferred.len() - failed.len();
        if now().saturating_sub(env.received) >= self.config.queue.max_age.as_secs() {
            let hours = self.config.queue.max_age.as_secs() / 3600;
            failed.extend(deferred.drain(..).map(|(r, why)| (r, format!("gave up after {hours} hours; last: {why}"))));
        }
        let qid = env.queue_id.clone();
        tracing::info!(queue_id = %qid, tenant = %env.tenant, delivered, deferred = deferred.len(), failed = failed.len(), attempt = env.attempts + 1, "delivery attempt");
        if !failed.is_empty() {
            self.spool_bounce(&env, &message, &failed);
        }
        if deferred.is_empty() {
            return match self.blocking(move |s| s.remove(&qid)).await {
                Some(Ok(())) => Next::Done,
                other => {
                    tracing::error!(queue_id = %env.queue_id, error = ?other, "delivered but cannot remove from the spool; it may be delivered again");
                    Next::Done
                }
            };
        }
        env.rcpts = deferred.into_iter().map(|(r, _)| r).collect();
        env.attempts += 1;
        let delay = backoff(self.config.queue.retry_base, env.attempts);
        let keep = env.clone();
        match self.blocking(move |s| s.write(&keep, &[&message])).await {
            Some(Ok(_)) => {}
            other => {
                tracing::error!(queue_id = %env.queue_id, error = ?other, "cannot record the deferred recipients; retrying all")
            }
        }
        Next::RetryAfter(delay)
    }
}

/// Adds the certificates in PEM file `file` to `roots`.
fn add_ca_file(roots: &mut rustls::RootCertStore, file: &std::path::Path) -> Result<(), CaFileProblem> {
    use rustls_pki_types::pem::PemObject;
    for c in rustls_pki_types::CertificateDer::pem_file_iter(file)? {
        roots.add(c?)?;
    }
    Ok(())
}

fn destination_slots(slots: &mut HashMap<(String, u16), Arc<Semaphore>>, host: &str, port: u16) -> Arc<Semaphore> {
    slots.entry((host.to_owned(), port)).or_insert_with(|| Arc::new(Semaphore::new(client::PER_DESTINATION))).clone()
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
