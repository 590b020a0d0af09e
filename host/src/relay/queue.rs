//! The delivery queue: a copy is spooled (sealed, durable) before the `250`, then
//! delivered to its tenant's next hop and removed from the spool. At start, everything
//! in the spool is queued again, so a crash after the `250` loses nothing; a crash
//! between delivery and removal delivers a copy twice, never zero times.

use crate::config::{Config, NextHop};
use crate::store::spool::{Spool, SpoolEnvelope, SpoolError};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Semaphore, mpsc};

/// Deliveries running at once.
const PARALLEL: usize = 8;

/// Accepts copies into the spool and delivers them.
pub struct Queue {
    spool: Arc<Spool>,
    pending: mpsc::UnboundedSender<String>,
}

impl Queue {
    /// Starts the delivery task (needs a tokio runtime) after queueing what the spool
    /// still holds from before.
    pub fn start(spool: Spool, config: Arc<Config>) -> Queue {
        let spool = Arc::new(spool);
        let (tx, rx) = mpsc::unbounded_channel();
        for env in spool.recover() {
            tracing::info!(queue_id = %env.queue_id, tenant = %env.tenant, "re-queued from the spool");
            let _ = tx.send(env.queue_id);
        }
        tokio::spawn(deliver_forever(spool.clone(), config, rx, tx.clone()));
        Queue { spool, pending: tx }
    }

    /// Spools a copy durably and queues it; only then may the client get its `250`.
    pub fn accept(&self, env: &SpoolEnvelope, message: &[&[u8]]) -> Result<(), SpoolError> {
        self.spool.write(env, message)?;
        let _ = self.pending.send(env.queue_id.clone());
        Ok(())
    }
}

async fn deliver_forever(
    spool: Arc<Spool>,
    config: Arc<Config>,
    mut rx: mpsc::UnboundedReceiver<String>,
    again: mpsc::UnboundedSender<String>,
) {
    let slots = Arc::new(Semaphore::new(PARALLEL));
    while let Some(qid) = rx.recv().await {
        let Ok(permit) = slots.clone().acquire_owned().await else { return };
        let (spool, config, again) = (spool.clone(), config.clone(), again.clone());
        tokio::spawn(async move {
            let result = tokio::task::spawn_blocking({
                let (spool, qid) = (spool.clone(), qid.clone());
                move || deliver_one(&spool, &config, &qid)
            })
            .await;
            drop(permit);
            if !matches!(result, Ok(Ok(()))) {
                tracing::warn!(queue_id = %qid, error = ?result, "delivery failed; retrying in 30 s");
                tokio::time::sleep(Duration::from_secs(30)).await;
                let _ = again.send(qid);
            }
        });
    }
}

/// Delivers one spooled copy and removes it from the spool.
fn deliver_one(spool: &Spool, config: &Config, qid: &str) -> Result<(), SpoolError> {
    let path = spool.path(qid);
    if !path.exists() {
        return Ok(()); // queued twice (recovered and notified): already delivered
    }
    let (env, message) = spool.read(&path)?;
    let Some(tenant) = config.tenants.iter().find(|t| t.id == env.tenant) else {
        tracing::error!(queue_id = %qid, tenant = %env.tenant, "spooled for a tenant the config no longer has; kept in the spool");
        return Ok(());
    };
    match &tenant.next_hop {
        NextHop::Maildir(root) => {
            super::maildir::deliver(root, &config.hostname, &[&message])
                .map_err(|e| SpoolError::Io(root.clone(), e))?;
        }
        NextHop::Smtp { .. } => unreachable!("refused at start"),
    }
    spool.remove(qid)?;
    tracing::info!(queue_id = %qid, tenant = %env.tenant, rcpts = env.rcpts.len(), "delivered");
    Ok(())
}
