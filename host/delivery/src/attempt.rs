//! One delivery attempt of one spooled copy, and what its per-recipient results
//! lead to: delivered ones are done; deferred ones (4xx, connection trouble) stay in
//! the re-sealed spool file for a retry with backoff; failed ones (5xx), and deferred
//! ones past the maximum age, are owed a bounce to the sender.

use crate::client::{self, Outbound, RcptResult};
use crate::destination::{Destination, Target};
use crate::fresh::Fresh;
use crate::scheduler::{Deliverer, Next, Queued, backoff};
use crate::{dsn, maildir};
use mxr_metrics::{DeliveryResult, EnhancedStatus};
use mxr_store::spool::{Peek, Spool, SpoolEnvelope, Written};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// The enhanced code a recipient's reason (`"550 5.7.1 ..."`) carries when it is
/// well-formed and of the result's class, else `class.0.0` (a reason with no reply:
/// the connection failed, a Maildir could not be written).
fn status_of(result: DeliveryResult, why: &str) -> EnhancedStatus {
    let class = EnhancedStatus::of_class(result);
    let given = why.split_whitespace().nth(1).and_then(EnhancedStatus::parse);
    given.filter(|s| s.class() == class.class()).unwrap_or(class)
}

/// A spooled copy as it goes out over SMTP (a bounce from the null sender).
fn outbound<'a>(env: &'a SpoolEnvelope, message: &'a [u8]) -> Outbound<'a> {
    Outbound { from: &env.mail_from, rcpts: &env.rcpts, message, smtputf8: env.smtputf8, eight_bit: env.eight_bit }
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

impl Deliverer {
    /// Runs `f` on the spool off the async workers; `None` if it panicked.
    pub(crate) async fn blocking<T: Send + 'static>(&self, f: impl FnOnce(&Spool) -> T + Send + 'static) -> Option<T> {
        let spool = self.spool.clone();
        tokio::task::spawn_blocking(move || f(&spool)).await.ok()
    }

    /// One attempt for one spooled copy, to its destination; the caller holds the slots.
    /// A `fresh` copy is what its file holds, so it is not read back; the file must
    /// still be there (an erasure since it was spooled wins).
    pub(crate) async fn attempt(&self, qid: &str, dest: &Destination, fresh: Option<Fresh>) -> Next {
        let q = qid.to_owned();
        let read = async {
            match fresh {
                Some(fresh) if self.spool.path(qid).exists() => Some(Ok(Some(fresh.into_parts()))),
                Some(_) => Some(Ok(None)),
                None => {
                    self.blocking(move |s| {
                        let p = s.path(&q);
                        if p.exists() { s.read(&p).map(Some) } else { Ok(None) }
                    })
                    .await
                }
            }
        };
        let (env, message) = match read.await {
            Some(Ok(Some((env, message)))) => (env, Arc::new(message)),
            Some(Ok(None)) => return Next::Done, // queued twice: already delivered
            other => {
                tracing::error!(queue_id = %qid, error = ?other.map(|r| r.err()), "cannot read a spooled copy");
                return Next::RetryAfter(self.config.queue.retry_base);
            }
        };
        let results = match &dest.target {
            Target::Maildir(root) => {
                let (root, host, body) = (root.clone(), self.config.hostname.clone(), message.clone());
                let n = env.rcpts.len();
                let trace = maildir::trace_fields(&env.mail_from, &env.rcpts);
                let parts = move || maildir::deliver(&root, &host, &[trace.as_bytes(), body.as_slice()]);
                match tokio::task::spawn_blocking(parts).await {
                    Ok(Ok(_)) => vec![RcptResult::Delivered; n],
                    other => vec![RcptResult::Deferred(format!("maildir: {:?}", other.map(|r| r.err()))); n],
                }
            }
            Target::Smtp(route) => client::deliver(route, &outbound(&env, &message)).await,
            Target::Mx(route) => route.deliver(&outbound(&env, &message)).await,
        };
        self.settle(env, message, results).await
    }

    /// Queues a spooled copy unless it is queued already (idempotent); `known` is its
    /// tenant and size when its writer knows them.
    pub(crate) fn spooled(&self, queue_id: &str, known: Option<Peek>) {
        self.queue(Queued { queue_id: queue_id.to_owned(), known, fresh: None });
    }

    /// Queues a copy its writer has just spooled, with its content while the bound
    /// of fresh copies has room.
    pub(crate) fn spooled_written(&self, written: Written) {
        let (queue_id, known) = (written.env.queue_id.clone(), Some(written.peek.clone()));
        self.queue(Queued { queue_id, known, fresh: self.fresh.keep(written) });
    }

    fn queue(&self, queued: Queued) {
        if self.track(&queued.queue_id, std::time::SystemTime::now()) {
            let _ = self.again.send(queued);
        }
    }

    /// Spools the bounce for `failed` and queues it: the one place bounces are made.
    pub(crate) fn spool_bounce(&self, env: &SpoolEnvelope, message: &[u8], failed: &[(String, String)]) {
        let dsn::Bounce::Spool(dsn_env, dsn) = dsn::owed(&self.config, env, message, failed) else {
            return;
        };
        // The bounce holds the tenant's data: it is found, exported and erased with the
        // tenant's copies (subject requests, offboarding) through the tenant's index.
        let index = self.spool.index();
        if let Err(e) = index.alias(&env.tenant, &env.queue_id, &dsn_env.queue_id, dsn_env.received) {
            tracing::error!(queue_id = %env.queue_id, error = %e, "cannot index a bounce under its tenant");
        }
        match self.spool.write(&dsn_env, &[&dsn]) {
            Ok(_) => self.spooled(&dsn_env.queue_id, None),
            Err(e) => tracing::error!(queue_id = %env.queue_id, error = %e, "cannot spool a bounce"),
        }
    }

    /// Counts each recipient of an attempt by result and enhanced status code; deferred
    /// ones past the queue's maximum age count as failed with `4.4.7`, as their bounce
    /// is owed.
    fn count(&self, delivered: usize, deferred: &[(String, String)], failed: &[(String, String)], expired: bool) {
        use DeliveryResult::{Deferred, Delivered, Failed};
        let m = &self.metrics;
        if delivered > 0 {
            m.record(Delivered, EnhancedStatus::of_class(Delivered), delivered as u64);
        }
        for (_, why) in failed {
            m.record(Failed, status_of(Failed, why), 1);
        }
        for (_, why) in deferred {
            if expired {
                m.record(Failed, EnhancedStatus::EXPIRED, 1);
            } else {
                m.record(Deferred, status_of(Deferred, why), 1);
            }
        }
    }

    /// Removes what is done, keeps what is deferred, and says when to try again.
    async fn settle(&self, mut env: SpoolEnvelope, message: Arc<Vec<u8>>, results: Vec<RcptResult>) -> Next {
        let (mut deferred, mut failed) = (Vec::new(), Vec::new());
        for (rcpt, r) in env.rcpts.iter().zip(results) {
            match r {
                RcptResult::Delivered => {}
                RcptResult::Deferred(why) => deferred.push((rcpt.clone(), why)),
                RcptResult::Failed(why) => failed.push((rcpt.clone(), why)),
            }
        }
        let delivered = env.rcpts.len() - deferred.len() - failed.len();
        let expired = now().saturating_sub(env.received) >= self.config.queue.max_age.as_secs();
        self.count(delivered, &deferred, &failed, expired);
        if expired {
            let hours = self.config.queue.max_age.as_secs() / 3600;
            failed.extend(deferred.drain(..).map(|(r, why)| (r, format!("gave up after {hours} hours; last: {why}"))));
        }
        let qid = env.queue_id.clone();
        tracing::info!(queue_id = %qid, tenant = %env.tenant, delivered, deferred = deferred.len(), failed = failed.len(), attempt = env.attempts + 1, "delivery attempt");
        if !self.spool.path(&qid).exists() {
            // Erased (a data-subject request, offboarding) while the attempt ran: no
            // bounce and no rewrite may bring its data back.
            tracing::info!(queue_id = %qid, "the copy was removed during its attempt; nothing more is done with it");
            return Next::Done;
        }
        if !failed.is_empty() {
            self.spool_bounce(&env, &message, &failed);
        }
        if deferred.is_empty() {
            let tenant = env.tenant.clone();
            return match self.blocking(move |s| s.remove_of(&tenant, &qid)).await {
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
        match self.blocking(move |s| s.write(&keep, &[message.as_slice()])).await {
            Some(Ok(_)) => {}
            other => {
                tracing::error!(queue_id = %env.queue_id, error = ?other, "cannot record the deferred recipients; retrying all")
            }
        }
        Next::RetryAfter(delay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_gives_its_own_code_only_when_it_is_one_of_its_class() {
        let cases = [
            (DeliveryResult::Failed, "550 5.7.1 Relay access denied", "5.7.1"),
            (DeliveryResult::Failed, "554 5.6.3 mx.test does not offer 8BITMIME", "5.6.3"),
            (DeliveryResult::Deferred, "451 4.2.2 Mailbox full", "4.2.2"),
            (DeliveryResult::Deferred, "450 5.1.1 inconsistent", "4.0.0"),
            (DeliveryResult::Deferred, "connection closed", "4.0.0"),
            (DeliveryResult::Deferred, "421 jan@example.nl is busy", "4.0.0"),
            (DeliveryResult::Failed, "550 Rejected", "5.0.0"),
        ];
        for (result, why, want) in cases {
            assert_eq!(status_of(result, why).to_string(), want, "{why}");
        }
    }
}
