//! One SMTP transaction, split into one copy per tenant: each tenant's chain sees only
//! its own recipients and its own copy. Earlier stages run for a tenant when its first
//! recipient arrives (the tenant is unknown before RCPT).

use super::Relay;
use super::chain::{Decision, StageOutcome, StageSubject};
use crate::config::Tenant;
use crate::mail::{Envelope, ParsedMail, date};
use crate::plugin::{PluginSet, StageCall};
use crate::smtp::reply::Reply;
use crate::store::quarantine::QuarantineRecord;
use crate::store::spool::SpoolEnvelope;
use std::sync::Arc;
use std::time::SystemTime;

/// One tenant's share of a transaction.
struct TenantCopy {
    tenant: Arc<Tenant>,
    /// `<transaction id>.<n>`, fixed when the tenant's first recipient arrives, so
    /// that audit records of earlier stages name the same copy as the spool.
    queue_id: String,
    rcpts: Vec<String>,
    refused: Option<Reply>,
    decision: Decision,
    score: f64,
    tags: Vec<String>,
    headers: Vec<(String, String)>,
}

impl TenantCopy {
    fn fold(&mut self, o: StageOutcome) {
        self.score += o.score;
        self.tags.extend(o.tags);
        self.headers.extend(o.headers);
        match o.decision {
            Decision::Continue => {}
            Decision::Refuse(r) => self.decision = Decision::Refuse(r),
            Decision::Quarantine(p, r) if !matches!(self.decision, Decision::Refuse(_)) => {
                self.decision = Decision::Quarantine(p, r)
            }
            Decision::Discard if self.decision == Decision::Continue => self.decision = Decision::Discard,
            _ => {}
        }
    }
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
    /// Refused.
    Refused(Reply),
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

/// A transaction from MAIL FROM to the end of DATA.
pub struct Transaction {
    /// Transaction id; copies are `<id>.<n>`.
    pub id: String,
    /// Envelope (all accepted recipients).
    pub envelope: Envelope,
    set: Arc<PluginSet>,
    copies: Vec<TenantCopy>,
}

impl Transaction {
    /// Starts a transaction on the plugin set active now; it keeps that set to the end.
    pub fn new(id: String, envelope: Envelope, set: Arc<PluginSet>) -> Self {
        Transaction { id, envelope, set, copies: vec![] }
    }

    /// Accepted recipients so far.
    pub fn recipient_count(&self) -> usize {
        self.copies.iter().map(|c| c.rcpts.len()).sum()
    }

    fn copy_envelope(&self, copy: &TenantCopy, with_sender: bool) -> Arc<Envelope> {
        Arc::new(Envelope {
            client_ip: self.envelope.client_ip,
            helo: self.envelope.helo.clone(),
            mail_from: if with_sender { self.envelope.mail_from.clone() } else { None },
            rcpts: copy.rcpts.clone(),
        })
    }

    /// RCPT for a tenant's recipient: runs the tenant's connect and mail-from stages on
    /// its first recipient, then the rcpt stage.
    pub fn rcpt(&mut self, relay: &Relay, tenant: &Arc<Tenant>, rcpt: &str) -> Result<(), Reply> {
        let at = match self.copies.iter().position(|c| c.tenant.id == tenant.id) {
            Some(i) => i,
            None => {
                let mut copy = TenantCopy {
                    tenant: tenant.clone(),
                    queue_id: format!("{}.{}", self.id, self.copies.len() + 1),
                    rcpts: vec![],
                    refused: None,
                    decision: Decision::Continue,
                    score: 0.0,
                    tags: vec![],
                    headers: vec![],
                };
                for (stage, with_sender) in [(StageCall::Connect, false), (StageCall::MailFrom, true)] {
                    let env = self.copy_envelope(&copy, with_sender);
                    let subject = StageSubject { queue_id: &copy.queue_id };
                    let out = relay.chains.run_stage(&self.set, tenant, &stage, subject, &env, None);
                    copy.fold(out);
                    if let Decision::Refuse(r) = &copy.decision {
                        copy.refused = Some(r.clone());
                        break;
                    }
                }
                self.copies.push(copy);
                self.copies.len() - 1
            }
        };
        if let Some(r) = &self.copies[at].refused {
            return Err(r.clone());
        }
        let env = self.copy_envelope(&self.copies[at], true);
        let subject = StageSubject { queue_id: &self.copies[at].queue_id };
        let out = relay.chains.run_stage(&self.set, tenant, &StageCall::Rcpt(rcpt.to_owned()), subject, &env, None);
        if let Decision::Refuse(r) = out.decision {
            return Err(r);
        }
        let copy = &mut self.copies[at];
        copy.fold(out);
        copy.rcpts.push(rcpt.to_owned());
        self.envelope.rcpts.push(rcpt.to_owned());
        Ok(())
    }

    /// The end of DATA: each copy's data stage, then delivery, quarantine, discard or
    /// refusal; returns the reply for the transaction and each copy's outcome.
    pub fn finish(self, relay: &Relay, raw: &[u8], tls: bool) -> (Reply, Vec<CopyOutcome>) {
        let message = Arc::new(ParsedMail::parse(raw));
        let mut outcomes = Vec::new();
        let mut refused_copies = Vec::new();
        for mut copy in self.copies.into_iter().filter(|c| !c.rcpts.is_empty()) {
            let qid = copy.queue_id.clone();
            let _span = tracing::info_span!("copy", tenant = %copy.tenant.id, queue_id = %qid).entered();
            let env = Arc::new(Envelope { rcpts: copy.rcpts.clone(), ..self.envelope.clone() });
            let subject = StageSubject { queue_id: &qid };
            let out = relay.chains.run_stage(&self.set, &copy.tenant, &StageCall::Data, subject, &env, Some(&message));
            copy.fold(out);
            let outcome = conclude(relay, &copy, &env, &qid, raw, tls);
            // The kind and code only: a plugin's reply text may carry what it was shown.
            let (kind, code) = outcome.summary();
            tracing::info!(rcpts = copy.rcpts.len(), score = copy.score, outcome = kind, code, "copy done");
            if let CopyOutcome::Refused(r) = &outcome {
                refused_copies.push((qid.clone(), copy.rcpts.clone(), r.clone()));
            }
            outcomes.push(outcome);
        }
        let reply = reply_for(&outcomes, &self.id);
        if reply.code == 250 {
            bounce_refused(relay, &self.envelope, &refused_copies, raw);
        }
        (reply, outcomes)
    }
}

fn conclude(relay: &Relay, copy: &TenantCopy, env: &Envelope, qid: &str, raw: &[u8], tls: bool) -> CopyOutcome {
    let received = SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let mail_from = env.mail_from.clone().unwrap_or_default();
    let local_failure = |what: &str, e: &dyn std::fmt::Display| {
        tracing::error!(error = %e, "cannot write to the {what}");
        CopyOutcome::Refused(Reply::new(451, "4.3.0", "Temporary local problem, please try again later"))
    };
    match &copy.decision {
        Decision::Refuse(r) => CopyOutcome::Refused(r.clone()),
        Decision::Discard => CopyOutcome::Discarded(qid.to_owned()),
        Decision::Quarantine(plugin, reason) => {
            let headers = trace_headers(relay, copy, env, qid, tls);
            let record = QuarantineRecord {
                queue_id: qid.to_owned(),
                tenant: copy.tenant.id.clone(),
                plugin: plugin.clone(),
                reason: reason.clone(),
                score: copy.score,
                time: received,
                mail_from,
                rcpts: copy.rcpts.clone(),
            };
            match relay.quarantine.put(&record, &[headers.as_bytes(), raw]) {
                Ok(()) => CopyOutcome::Quarantined(qid.to_owned()),
                Err(e) => local_failure("quarantine", &e),
            }
        }
        Decision::Continue => {
            let headers = trace_headers(relay, copy, env, qid, tls);
            let spooled = SpoolEnvelope {
                tenant: copy.tenant.id.clone(),
                queue_id: qid.to_owned(),
                mail_from,
                rcpts: copy.rcpts.clone(),
                received,
                attempts: 0,
            };
            match relay.queue.accept(&spooled, &[headers.as_bytes(), raw]) {
                Ok(()) => CopyOutcome::Queued(qid.to_owned()),
                Err(e) => local_failure("spool", &e),
            }
        }
    }
}

/// Copies refused while the transaction as a whole got `250`: their senders learn it
/// from a bounce, since SMTP has no per-recipient answer after DATA.
fn bounce_refused(relay: &Relay, envelope: &Envelope, refused: &[(String, Vec<String>, Reply)], raw: &[u8]) {
    let received = SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    for (qid, rcpts, reply) in refused {
        let env = SpoolEnvelope {
            tenant: String::new(),
            queue_id: qid.clone(),
            mail_from: envelope.mail_from.clone().unwrap_or_default(),
            rcpts: rcpts.clone(),
            received,
            attempts: 0,
        };
        let enhanced = reply.enhanced.as_deref().unwrap_or(if reply.code >= 500 { "5.0.0" } else { "4.0.0" });
        let why = format!("{} {enhanced} {}", reply.code, reply.lines.join(" "));
        let failed: Vec<(String, String)> = rcpts.iter().map(|r| (r.clone(), why.clone())).collect();
        relay.queue.bounce_refused(&env, raw, &failed);
    }
}

/// The one reply a transaction gets. Any accepted copy makes it 250; otherwise the
/// first refusal, a temporary one preferred (the sender retries only temporaries).
fn reply_for(outcomes: &[CopyOutcome], id: &str) -> Reply {
    let refused: Vec<&Reply> =
        outcomes.iter().filter_map(|o| if let CopyOutcome::Refused(r) = o { Some(r) } else { None }).collect();
    if refused.len() < outcomes.len() {
        if !refused.is_empty() {
            tracing::warn!(transaction = %id, refused = refused.len(), "some copies refused after others were accepted; their sender gets a bounce");
        }
        return Reply::owned(250, "2.0.0".into(), format!("Ok: queued as {id}"));
    }
    refused
        .iter()
        .find(|r| r.code / 100 == 4)
        .or(refused.first())
        .map_or_else(|| Reply::new(554, "5.5.1", "No valid recipients"), |r| (*r).clone())
}

/// `Received:` (RFC 5321 §4.4), then the score and tag summary and the plugins'
/// headers, all to be prepended to the unchanged message.
fn trace_headers(relay: &Relay, copy: &TenantCopy, env: &Envelope, qid: &str, tls: bool) -> String {
    let helo = env.helo.as_deref().unwrap_or("unknown");
    let ip = env.client_ip.map_or("unknown".to_owned(), |ip| ip.to_string());
    let with = if tls { "ESMTPS" } else { "ESMTP" };
    let rcpt = if copy.rcpts.len() == 1 { format!("\r\n\tfor <{}>", copy.rcpts[0]) } else { String::new() };
    let mut h = format!(
        "Received: from {helo} ([{ip}])\r\n\tby {} (mxr) with {with} id {qid}{rcpt};\r\n\t{}\r\n",
        relay.config.hostname,
        date::rfc5322(SystemTime::now())
    );
    h.push_str(&format!("X-Mxr-Score: {:.1}\r\n", copy.score));
    let mut tags = copy.tags.clone();
    tags.sort();
    tags.dedup();
    if !tags.is_empty() {
        h.push_str(&format!("X-Mxr-Tags: {}\r\n", tags.join(" ")));
    }
    for (name, value) in &copy.headers {
        h.push_str(&format!("{name}: {value}\r\n"));
    }
    h
}
