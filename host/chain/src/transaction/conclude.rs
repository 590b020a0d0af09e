//! How a copy ends: its decision carried out (spooled, quarantined, discarded or
//! refused, a stored copy indexed first), the bounce owed for a copy refused after
//! others were accepted, its trace headers, and its message-history record.

use super::*;

impl Transaction {
    /// Writes the copy's message-history entry (an audit record under its subjects'
    /// pseudonyms). History is not evidence of a disclosure: a failure is logged only.
    pub(super) fn record_outcome(&self, copy: &TenantCopy, env: &Envelope, kind: &str, code: u16) {
        let Ok(key) = self.chain.keys.tenant(&copy.tenant.id) else { return };
        let pseudonyms = mxr_privacy::TenantPseudonyms::new(key.pseudonym_root());
        let addresses = env.mail_from.iter().chain(&copy.rcpts).filter(|a| !a.is_empty());
        let record = mxr_audit::AuditRecord {
            time: now(),
            region: self.chain.audit.region().to_owned(),
            tenant: copy.tenant.id.to_string(),
            queue_id: copy.queue_id.clone(),
            subjects: addresses.map(|a| pseudonyms.audit_subject(a)).collect(),
            event: mxr_audit::Event::Outcome(mxr_audit::CopyDone {
                outcome: kind.to_owned(),
                code,
                plugin: copy.outcome.decided_by.clone(),
                score: copy.outcome.score,
                tags: copy.outcome.tags.clone(),
            }),
        };
        if let Err(e) = self.chain.audit.append(&record) {
            tracing::error!(error = %e, "cannot write the copy's history record");
        }
    }

    /// Carries out a copy's decision; a stored copy is indexed first (see [`crate::indexing`]).
    pub(super) fn conclude(
        &self,
        copy: &TenantCopy,
        env: &Envelope,
        (raw, message): (&[u8], &ScannedMail),
        tls: bool,
    ) -> CopyOutcome {
        let qid = copy.queue_id.clone();
        let tenant = copy.tenant.id.as_str();
        let addresses = || crate::indexing::named_addresses(env, &copy.rcpts, message, &self.chain);
        let local_failure = |what: &str, e: &dyn std::fmt::Display| {
            tracing::error!(error = %e, "cannot write to the {what}");
            CopyOutcome::Refused(SmtpReply::local_failure())
        };
        let headers = || self.trace_headers(copy, env, tls);
        match &copy.outcome.decision {
            Decision::Refuse(r) => CopyOutcome::Refused(r.clone()),
            Decision::Discard => CopyOutcome::Discarded(qid),
            Decision::Quarantine(plugin, reason) => {
                let record = QuarantineRecord {
                    queue_id: qid.clone(),
                    tenant: copy.tenant.id.to_string(),
                    plugin: plugin.clone(),
                    reason: reason.clone(),
                    score: copy.outcome.score,
                    time: now(),
                    mail_from: env.mail_from.clone().unwrap_or_default(),
                    rcpts: copy.rcpts.clone(),
                };
                let stored = self
                    .chain
                    .index_copy(tenant, Place::Quarantine, &qid, &addresses())
                    .and_then(|()| self.chain.quarantine.put(&record, &[headers().as_bytes(), raw]));
                match stored {
                    Ok(()) => CopyOutcome::Quarantined(qid),
                    Err(e) => local_failure("quarantine", &e),
                }
            }
            Decision::Continue => {
                let spooled = spool_envelope(copy.tenant.id.to_string(), qid.clone(), env, &copy.rcpts);
                let written = self
                    .chain
                    .index_entry(tenant, Place::Spool, &qid, &addresses())
                    .and_then(|e| self.chain.spool.write_indexed(&e, &spooled, &[headers().as_bytes(), raw]));
                match written {
                    Ok(written) => {
                        self.chain.handoff.spooled_written(written);
                        CopyOutcome::Queued(qid)
                    }
                    Err(e) => local_failure("spool", &e),
                }
            }
        }
    }

    /// A copy refused while the transaction as a whole got `250`: its sender learns it
    /// from a bounce, since SMTP has no per-recipient answer after DATA.
    /// The copy is indexed for the moment of the handoff, so that the bounce is
    /// indexed under the tenant with the persons it names (the copy itself is never
    /// stored, so its own entry goes again).
    pub(super) fn owe_bounce(&self, copy: &TenantCopy, reply: SmtpReply, (raw, message): (&[u8], &ScannedMail)) {
        let tenant = copy.tenant.id.to_string();
        let env = spool_envelope(tenant.clone(), copy.queue_id.clone(), &self.envelope, &copy.rcpts);
        let why = format!("{} {} {}", reply.code, reply.enhanced, reply.text);
        let failed: Vec<(String, String)> = copy.rcpts.iter().map(|r| (r.clone(), why.clone())).collect();
        let addresses = crate::indexing::named_addresses(&self.envelope, &copy.rcpts, message, &self.chain);
        if let Err(e) = self.chain.index_copy(&tenant, Place::Spool, &copy.queue_id, &addresses) {
            tracing::error!(queue_id = %copy.queue_id, error = %e, "cannot index the refused copy for its bounce");
        }
        self.chain.handoff.owe_bounce(&env, raw, &failed);
        if let Err(e) = self.chain.spool.index().remove(&tenant, Place::Spool, &copy.queue_id) {
            tracing::error!(queue_id = %copy.queue_id, error = %e, "cannot remove the refused copy's index entry");
        }
    }

    /// `Received:` (RFC 5321 §4.4), then the score and tag summary and the plugins'
    /// headers, all to be prepended to the unchanged message.
    fn trace_headers(&self, copy: &TenantCopy, env: &Envelope, tls: bool) -> String {
        let helo = env.helo.as_deref().unwrap_or("unknown");
        let ip = env.client_ip.map_or("unknown".to_owned(), |ip| ip.to_string());
        let with = protocol(env, tls);
        let rcpt = if copy.rcpts.len() == 1 { format!("\r\n\tfor <{}>", copy.rcpts[0]) } else { String::new() };
        let mut h = format!(
            "Received: from {helo} ([{ip}])\r\n\tby {} (mxr) with {with} id {}{rcpt};\r\n\t{}\r\n",
            self.chain.config.hostname,
            copy.queue_id,
            date::rfc5322(SystemTime::now())
        );
        if let Some(auth) = &env.auth {
            h.push_str(&auth.header(&self.chain.config.hostname));
        }
        h.push_str(&format!("X-Mxr-Score: {:.1}\r\n", copy.outcome.score));
        let mut tags = copy.outcome.tags.clone();
        tags.sort();
        tags.dedup();
        if !tags.is_empty() {
            h.push_str(&format!("X-Mxr-Tags: {}\r\n", tags.join(" ")));
        }
        for (name, value) in &copy.outcome.headers {
            h.push_str(&format!("{name}: {value}\r\n"));
        }
        h
    }
}

/// The `with` of a `Received:` field: the protocol the message came by, as IANA's
/// mail transmission types name it (RFC 3848; RFC 6531 §3.7.3 for SMTPUTF8). STARTTLS
/// is an extension, so a message over TLS came by ESMTP even when the client said
/// HELO after the handshake.
fn protocol(env: &Envelope, tls: bool) -> &'static str {
    match (env.smtputf8, tls, env.esmtp) {
        (true, true, _) => "UTF8SMTPS",
        (true, false, _) => "UTF8SMTP",
        (false, true, _) => "ESMTPS",
        (false, false, true) => "ESMTP",
        (false, false, false) => "SMTP",
    }
}

pub(super) fn spool_envelope(tenant: String, queue_id: String, env: &Envelope, rcpts: &[String]) -> SpoolEnvelope {
    SpoolEnvelope {
        tenant,
        queue_id,
        mail_from: env.mail_from.clone().unwrap_or_default(),
        rcpts: rcpts.to_vec(),
        received: now(),
        attempts: 0,
        smtputf8: env.smtputf8,
        eight_bit: env.eight_bit,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn received_names_each_protocol() {
        let cases = [
            ((false, false, false), "SMTP"),
            ((false, false, true), "ESMTP"),
            ((false, true, true), "ESMTPS"),
            ((false, true, false), "ESMTPS"),
            ((true, false, true), "UTF8SMTP"),
            ((true, true, true), "UTF8SMTPS"),
        ];
        for ((smtputf8, tls, esmtp), want) in cases {
            let env = Envelope { smtputf8, esmtp, ..Envelope::default() };
            assert_eq!(protocol(&env, tls), want, "smtputf8 {smtputf8}, tls {tls}, esmtp {esmtp}");
        }
    }
}
