//! One SMTP transaction, split into one copy per tenant: each tenant's chain sees only
//! its own recipients and its own copy. Earlier stages run for a tenant when its first
//! recipient arrives (the tenant is unknown before RCPT). At the end of DATA each copy
//! is concluded: spooled and handed to delivery, quarantined, discarded or refused.

use crate::Chain;
use crate::decision::{Decision, Outcome};
use crate::stage::StageRun;
use mxr_config::{Tenant, TenantSet, TenantStatus};
use mxr_mail::{Envelope, date};
use mxr_privacy::ScannedMail;
use mxr_sandbox::{FailurePolicy, PluginSet, SmtpReply, StageCall};
use mxr_store::quarantine::QuarantineRecord;
use mxr_store::spool::SpoolEnvelope;
use mxr_store::subject_index::Place;
use std::sync::Arc;
use std::time::SystemTime;

mod conclude;

/// One tenant's share of a transaction.
struct TenantCopy {
    tenant: Arc<Tenant>,
    /// `<transaction id>.<n>`, fixed when the tenant's first recipient arrives, so
    /// that audit records of earlier stages name the same copy as the spool.
    queue_id: String,
    rcpts: Vec<String>,
    /// Set when its connect or mail-from stage refused: every recipient gets it.
    refused: Option<SmtpReply>,
    outcome: Outcome,
}

/// What became of one tenant's copy.
#[derive(Debug, Clone, PartialEq)]
pub enum CopyOutcome {
    /// Spooled durably for delivery to the next hop, with its queue id.
    Queued(String),
    /// Kept in the tenant's quarantine.
    Quarantined(String),
    /// Dropped on a plugin's word.
    Discarded(String),
    /// Refused with this reply.
    Refused(SmtpReply),
}

impl CopyOutcome {
    /// What happened, and the reply code for a refusal, for logs.
    pub fn summary(&self) -> (&'static str, u16) {
        match self {
            CopyOutcome::Queued(_) => ("queued", 250),
            CopyOutcome::Quarantined(_) => ("quarantined", 250),
            CopyOutcome::Discarded(_) => ("discarded", 250),
            CopyOutcome::Refused(r) => ("refused", r.code),
        }
    }
}

/// Why a recipient was not accepted.
#[derive(Debug, Clone, PartialEq)]
pub enum RcptError {
    /// No tenant serves the domain: the relay is no open relay.
    NotServed,
    /// The domain's tenant is suspended: try again later.
    Suspended,
    /// The domain's tenant is offboarded: its mail is no longer taken here.
    Offboarded,
    /// The tenant's chain refused it.
    Refused(SmtpReply),
}

/// The transaction's one answer at the end of DATA.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// At least one copy was accepted (queued, quarantined or discarded).
    Accepted,
    /// Every copy was refused: the first temporary refusal, else the first one.
    Refused(SmtpReply),
    /// No copy had a recipient.
    NoRecipients,
}

/// A transaction from MAIL FROM to the end of DATA.
pub struct Transaction {
    chain: Arc<Chain>,
    /// Transaction id; copies are `<id>.<n>`.
    pub id: String,
    /// Envelope (all accepted recipients).
    pub envelope: Envelope,
    set: Arc<PluginSet>,
    /// The tenant state the transaction began on; it keeps it to the end.
    tenants: Arc<TenantSet>,
    copies: Vec<TenantCopy>,
}

impl Transaction {
    /// Starts a transaction on the plugin set and tenant state in force now; it keeps
    /// both to the end.
    pub fn begin(chain: Arc<Chain>, id: String, envelope: Envelope) -> Self {
        let set = chain.plugins.snapshot();
        let tenants = chain.tenants.current();
        Transaction { chain, id, envelope, set, tenants, copies: vec![] }
    }

    /// The tenant state this transaction runs on.
    pub fn tenants(&self) -> &Arc<TenantSet> {
        &self.tenants
    }

    /// The envelope so far.
    pub fn envelope(&self) -> &Envelope {
        &self.envelope
    }

    /// Records what authentication found: every copy's plugins see it, and each
    /// delivered copy carries it as `Authentication-Results`.
    pub fn set_authentication(&mut self, results: mxr_mail::auth::AuthResults) {
        self.envelope.auth = Some(Arc::new(results));
    }

    /// Accepted recipients so far.
    pub fn recipient_count(&self) -> usize {
        self.copies.iter().map(|c| c.rcpts.len()).sum()
    }

    fn copy_envelope(&self, rcpts: &[String], with_sender: bool) -> Arc<Envelope> {
        Arc::new(Envelope {
            client_ip: self.envelope.client_ip,
            helo: self.envelope.helo.clone(),
            esmtp: self.envelope.esmtp,
            mail_from: if with_sender { self.envelope.mail_from.clone() } else { None },
            rcpts: rcpts.to_vec(),
            smtputf8: self.envelope.smtputf8,
            eight_bit: self.envelope.eight_bit,
            auth: self.envelope.auth.clone(),
        })
    }

    fn stage(
        &self,
        copy: &TenantCopy,
        stage: &StageCall,
        env: &Arc<Envelope>,
        msg: Option<&Arc<ScannedMail>>,
    ) -> Outcome {
        let run = StageRun {
            set: &self.set,
            tenant: &copy.tenant,
            stage,
            queue_id: &copy.queue_id,
            envelope: env,
            message: msg,
        };
        self.chain.run_stage(&run)
    }

    /// The tenant's copy, created (with its connect and mail-from stages run) on the
    /// tenant's first recipient.
    fn copy_for(&mut self, tenant: Arc<Tenant>) -> usize {
        if let Some(i) = self.copies.iter().position(|c| c.tenant.id == tenant.id) {
            return i;
        }
        let queue_id = format!("{}.{}", self.id, self.copies.len() + 1);
        let mut copy = TenantCopy { tenant, queue_id, rcpts: vec![], refused: None, outcome: Outcome::default() };
        for (stage, with_sender) in [(StageCall::Connect, false), (StageCall::MailFrom, true)] {
            let env = self.copy_envelope(&[], with_sender);
            let out = self.stage(&copy, &stage, &env, None);
            copy.outcome = std::mem::take(&mut copy.outcome).with_stage(out);
            if let Decision::Refuse(r) = &copy.outcome.decision {
                copy.refused = Some(r.clone());
                break;
            }
        }
        self.copies.push(copy);
        self.copies.len() - 1
    }

    /// RCPT: finds the recipient's tenant, runs its earlier stages on its first
    /// recipient, then the rcpt stage. A refusal's disclosure records are made durable
    /// before the refusal is returned.
    pub fn rcpt(&mut self, rcpt: &str) -> Result<(), RcptError> {
        let domain = rcpt.rsplit_once('@').map_or("", |(_, d)| d);
        let Some(tenant) = self.tenants.for_domain(domain).cloned() else {
            return Err(RcptError::NotServed);
        };
        match tenant.status {
            TenantStatus::Active => {}
            TenantStatus::Suspended => return Err(RcptError::Suspended),
            TenantStatus::Offboarded => return Err(RcptError::Offboarded),
        }
        let at = self.copy_for(tenant);
        if let Some(r) = self.copies[at].refused.clone() {
            // The connect or mail-from stage refused: its records too are on disk first.
            return Err(RcptError::Refused(self.durable(r)));
        }
        let env = self.copy_envelope(&self.copies[at].rcpts, true);
        let out = self.stage(&self.copies[at], &StageCall::Rcpt(rcpt.to_owned()), &env, None);
        if let Decision::Refuse(r) = out.decision {
            return Err(RcptError::Refused(self.durable(r)));
        }
        if self.data_stage_would_tempfail(&self.copies[at].tenant) {
            // Refused now rather than after the sender uploaded the message for nothing.
            return Err(RcptError::Refused(self.durable(SmtpReply::local_failure())));
        }
        let copy = &mut self.copies[at];
        copy.outcome = std::mem::take(&mut copy.outcome).with_stage(out);
        copy.rcpts.push(rcpt.to_owned());
        self.envelope.rcpts.push(rcpt.to_owned());
        Ok(())
    }

    /// True when a data-stage plugin of the tenant's chain is isolated for it (it kept
    /// failing) and its failure policy is `tempfail`: the message could only be
    /// refused after DATA.
    fn data_stage_would_tempfail(&self, tenant: &Tenant) -> bool {
        let share = self.chain.plugins.runtime().share();
        tenant.plugins.iter().any(|name| {
            self.set.get(name).is_some_and(|p| p.hooks(mxr_sandbox::bindings::types::Stage::Data))
                && self.chain.settings_for(name).failure_policy == FailurePolicy::Tempfail
                && share.is_isolated(tenant.id.as_str(), name)
        })
    }

    /// `reply`, once the audit log is on disk; a `451` if it cannot be made so.
    fn durable(&self, reply: SmtpReply) -> SmtpReply {
        if self.audit_synced() { reply } else { SmtpReply::local_failure() }
    }

    /// Syncs the audit log; false (logged) when it cannot be made durable.
    fn audit_synced(&self) -> bool {
        match self.chain.audit.sync() {
            Ok(()) => true,
            Err(e) => {
                tracing::error!(error = %e, "cannot make the audit log durable");
                false
            }
        }
    }

    /// The end of DATA: each copy's data stage, then spool, quarantine, discard or
    /// refusal; returns the transaction's verdict and each copy's outcome.
    pub fn finish(mut self, raw: &[u8], tls: bool) -> (Verdict, Vec<CopyOutcome>) {
        // A sender's own `Authentication-Results` under this node's name is a forgery
        // (RFC 8601 §5), and so is a sender's `X-Mxr-Tags` or `X-Mxr-Score`: gone
        // before any plugin or next hop sees the message, also when this node checks
        // nothing (`dns.authenticate = false`), since the next hop trusts the name, not
        // whether a check ran.
        let raw = mxr_mail::auth::strip_forged(raw, &self.chain.config.hostname);
        let raw = &*raw;
        let message = Arc::new(ScannedMail::parse(raw));
        let mut copies = Vec::new();
        for mut copy in std::mem::take(&mut self.copies).into_iter().filter(|c| !c.rcpts.is_empty()) {
            let env = Arc::new(Envelope { rcpts: copy.rcpts.clone(), ..self.envelope.clone() });
            let out = self.stage(&copy, &StageCall::Data, &env, Some(&message));
            copy.outcome = std::mem::take(&mut copy.outcome).with_stage(out);
            copies.push((copy, env));
        }
        // Spooled copies reach the disk with the audit records before them (the spool's
        // group commit syncs the file system); quarantined and discarded ones do not
        // pass the spool, so the audit log is synced for them here, before any `250`.
        let unspooled = |c: &TenantCopy| matches!(c.outcome.decision, Decision::Discard | Decision::Quarantine(..));
        let audit_ok = !copies.iter().any(|(c, _)| unspooled(c)) || self.audit_synced();
        let mut outcomes = Vec::new();
        let mut refused = Vec::new();
        for (copy, env) in &copies {
            let _span = tracing::info_span!("copy", tenant = %copy.tenant.id, queue_id = %copy.queue_id).entered();
            let outcome = if audit_ok {
                self.conclude(copy, env, (raw, &message), tls)
            } else {
                CopyOutcome::Refused(SmtpReply::local_failure())
            };
            // The kind and code only: a plugin's reply text may carry what it was shown.
            let (kind, code) = outcome.summary();
            tracing::info!(rcpts = copy.rcpts.len(), score = copy.outcome.score, outcome = kind, code, "copy done");
            self.record_outcome(copy, env, kind, code);
            if let CopyOutcome::Refused(r) = &outcome {
                refused.push((copy, r.clone()));
            }
            outcomes.push(outcome);
        }
        let verdict = verdict_for(&outcomes);
        if verdict == Verdict::Accepted {
            if !refused.is_empty() {
                tracing::warn!(transaction = %self.id, refused = refused.len(), "some copies refused after others were accepted; their sender gets a bounce");
            }
            for (copy, reply) in refused {
                self.owe_bounce(copy, reply, (raw, &message));
            }
        }
        (verdict, outcomes)
    }
}

fn now() -> u64 {
    SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// The one answer a transaction gets. Any accepted copy makes it accepted; otherwise
/// the first refusal, a temporary one preferred (the sender retries only temporaries).
fn verdict_for(outcomes: &[CopyOutcome]) -> Verdict {
    let refused: Vec<&SmtpReply> =
        outcomes.iter().filter_map(|o| if let CopyOutcome::Refused(r) = o { Some(r) } else { None }).collect();
    if refused.len() < outcomes.len() {
        return Verdict::Accepted;
    }
    match refused.iter().find(|r| r.code / 100 == 4).or(refused.first()) {
        Some(r) => Verdict::Refused((*r).clone()),
        None => Verdict::NoRecipients,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(code: u16) -> SmtpReply {
        SmtpReply { code, enhanced: format!("{}.7.1", code / 100), text: "no".into() }
    }

    #[test]
    fn one_accepted_copy_accepts_the_transaction_and_a_temporary_refusal_is_preferred() {
        use CopyOutcome::*;
        let table = [
            (vec![Queued("a".into()), Refused(reply(550))], Verdict::Accepted),
            (vec![Discarded("a".into())], Verdict::Accepted),
            (vec![Refused(reply(550)), Refused(reply(451))], Verdict::Refused(reply(451))),
            (vec![Refused(reply(550)), Refused(reply(554))], Verdict::Refused(reply(550))),
            (vec![], Verdict::NoRecipients),
        ];
        for (outcomes, expected) in table {
            assert_eq!(verdict_for(&outcomes), expected, "{outcomes:?}");
        }
    }
}
