//! The quarantine digest (issue 11): per tenant with a `[tenant.digest]`, at the
//! interval it sets, a mail listing the messages quarantined since the last digest, each
//! with a release link that is signed ([`link`]), expires after [`LINK_SECS`], and works
//! once ([`state`]). The digest is spooled from the null sender for the bounce
//! envelope's tenant, so it leaves through the same delivery path as bounces (the
//! configured bounce relay), and cannot loop. Listing the messages and releasing one
//! are audited before they happen, as the console's calls are.

#![deny(missing_docs)]

pub mod compose;
pub mod link;
pub mod state;

use link::{LinkError, LinkKey, ReleaseLink};
use mxr_audit::{AuditLog, OperatorVerb};
use mxr_config::Config;
use mxr_privacy::TenantPseudonyms;
use mxr_store::keys::KeyStore;
use mxr_store::quarantine::{Quarantine, QuarantineRecord};
use mxr_store::spool::{Handoff, Spool, SpoolEnvelope};
use mxr_tenants::Tenants;
use state::{DigestState, StateError};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

/// How long a release link works: seven days, in seconds.
pub const LINK_SECS: u64 = 7 * 24 * 3600;

/// The actor audit records name for what the digest shows.
pub const DIGEST_ACTOR: &str = "digest";
/// The actor audit records name for a release through a link.
pub const LINK_ACTOR: &str = "release-link";

/// Why a digest or a release did not happen.
#[derive(Debug, thiserror::Error)]
pub enum DigestError {
    /// The link is malformed, altered or expired.
    #[error(transparent)]
    Link(#[from] LinkError),
    /// The link was used already.
    #[error("this release link was used already")]
    Used,
    /// The message is no longer in quarantine (released or deleted another way).
    #[error("that message is no longer in quarantine")]
    Gone,
    /// The digest's state could not be read or written.
    #[error(transparent)]
    State(#[from] StateError),
    /// The tenant's key, the audit log, the quarantine or the spool failed.
    #[error("{0}")]
    Store(String),
}

/// The relay's parts the digest works with.
pub struct DigestParts {
    /// Server settings (host name, bounce relay, data dir).
    pub config: Arc<Config>,
    /// The live tenants and their `[tenant.digest]`.
    pub tenants: Arc<Tenants>,
    /// The quarantine.
    pub quarantine: Quarantine,
    /// Tenant keys: link keys and audit pseudonyms derive from them.
    pub keys: Arc<KeyStore>,
    /// Where listing and releasing are recorded.
    pub audit: Arc<AuditLog>,
    /// The queue's files.
    pub spool: Arc<Spool>,
    /// Told of spooled digests and released mail.
    pub handoff: Arc<dyn Handoff>,
    /// The spool tenant of the bounce path (`mxr_delivery::dsn::BOUNCE_TENANT`).
    pub bounce_tenant: String,
}

/// The digest sender and link checker.
pub struct Digests {
    parts: DigestParts,
    state: DigestState,
    /// The console's address, which links point at (`http://host:port/`).
    console_url: Mutex<String>,
}

fn store(e: impl std::fmt::Display) -> DigestError {
    DigestError::Store(e.to_string())
}

impl Digests {
    /// Opens the digest's state in the data dir; links point at `console_url`.
    pub fn open(parts: DigestParts, console_url: &str) -> Result<Digests, DigestError> {
        let state = DigestState::open(&parts.config.data_dir)?;
        Ok(Digests { parts, state, console_url: Mutex::new(console_url.to_owned()) })
    }

    /// Points new links at `url` (the console's listener, once it is bound).
    pub fn set_console_url(&self, url: &str) {
        *self.console_url.lock().unwrap_or_else(|p| p.into_inner()) = url.to_owned();
    }

    fn link_key(&self, tenant: &str) -> Result<LinkKey, DigestError> {
        let key = self.parts.keys.tenant(tenant).map_err(store)?;
        Ok(LinkKey::derive(key.pseudonym_root()))
    }

    /// Audits `verb` by `actor` on `records` of `tenant`, under the subjects' pseudonyms.
    fn audit(
        &self,
        actor: &str,
        tenant: &str,
        records: &[&QuarantineRecord],
        verb: OperatorVerb,
    ) -> Result<(), DigestError> {
        let key = self.parts.keys.tenant(tenant).map_err(store)?;
        let pseudonyms = TenantPseudonyms::new(key.pseudonym_root());
        let addresses = records.iter().flat_map(|r| std::iter::once(&r.mail_from).chain(&r.rcpts));
        let subjects = mxr_audit::subjects_of(&pseudonyms, addresses);
        let qid = if records.len() == 1 { records[0].queue_id.as_str() } else { "" };
        self.parts.audit.record_action_by(actor, tenant, qid, subjects, verb).map_err(store)
    }

    /// Sends every digest that is due at `now` (Unix seconds) and has something new;
    /// the tenants it sent one for. Without a bounce relay nothing is sent (as for
    /// bounces), and that is logged.
    pub fn send_due(&self, now: u64) -> Vec<String> {
        let mut sent = Vec::new();
        for f in self.parts.tenants.files().iter() {
            let Some(d) = &f.digest else { continue };
            let tenant = f.id.as_str();
            match self.send_one(tenant, &d.to, u64::from(d.every_hours) * 3600, now) {
                Ok(true) => sent.push(tenant.to_owned()),
                Ok(false) => {}
                Err(e) => tracing::error!(tenant, error = %e, "cannot send the quarantine digest"),
            }
        }
        sent
    }

    fn send_one(&self, tenant: &str, to: &str, every: u64, now: u64) -> Result<bool, DigestError> {
        if self.state.last_sent(tenant)?.is_some_and(|at| now < at + every) {
            return Ok(false);
        }
        let q = &self.parts.quarantine;
        let held = q.list(tenant).map_err(store)?;
        let listed = self.state.listed(tenant)?;
        let mut new: Vec<&QuarantineRecord> = held.iter().filter(|r| !listed.contains(&r.queue_id)).collect();
        if new.is_empty() {
            return Ok(false);
        }
        if self.parts.config.queue.bounce_relay.is_none() {
            tracing::warn!(
                tenant,
                "a quarantine digest is due but no queue.bounce_relay is configured; it is not sent"
            );
            return Ok(false);
        }
        new.sort_by_key(|r| r.time);
        self.audit(DIGEST_ACTOR, tenant, &new, OperatorVerb::QuarantineList)?;
        let key = self.link_key(tenant)?;
        let base = self.console_url.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let expires = now + LINK_SECS;
        let entries: Vec<compose::Entry> = new
            .iter()
            .map(|r| compose::Entry {
                record: r,
                subject: q.message(tenant, &r.queue_id).map_or_else(
                    |_| String::new(),
                    |m| mxr_mail::ParsedMail::parse(&m).subject().unwrap_or_default().to_owned(),
                ),
                link: format!("{base}#release={}", ReleaseLink::new(tenant, &r.queue_id, expires).sign(&key)),
            })
            .collect();
        let message = compose::digest(&self.parts.config.hostname, tenant, to, now, expires, &entries);
        let env = SpoolEnvelope {
            tenant: self.parts.bounce_tenant.clone(),
            queue_id: format!("digest-{tenant}-{now}"),
            mail_from: String::new(),
            rcpts: vec![to.to_owned()],
            received: now,
            attempts: 0,
            smtputf8: !to.is_ascii(),
            eight_bit: !message.is_ascii(),
        };
        self.parts.spool.write(&env, &[&message]).map_err(store)?;
        self.parts.handoff.spooled(&env.queue_id);
        let ids: Vec<&str> = new.iter().map(|r| r.queue_id.as_str()).collect();
        let held: HashSet<String> = held.iter().map(|r| r.queue_id.clone()).collect();
        self.state.sent(tenant, now, &ids, &held)?;
        tracing::info!(tenant, messages = new.len(), queue_id = %env.queue_id, "quarantine digest spooled");
        Ok(true)
    }

    /// Releases the message a link names, once: checks its signature and expiry, that
    /// it is unused and the message still quarantined for its tenant, marks it used,
    /// audits, then releases. The released copy's queue id.
    pub fn release(&self, text: &str, now: u64) -> Result<String, DigestError> {
        let (claimed, _) = ReleaseLink::parse(text)?;
        // A tenant without a key (unknown, or offboarded) has no valid links.
        if !self.parts.keys.has_tenant(&claimed.tenant) {
            return Err(LinkError::BadSignature.into());
        }
        let link = ReleaseLink::verify(text, &self.link_key(&claimed.tenant)?, now)?;
        if self.state.used(&link.nonce)? {
            return Err(DigestError::Used);
        }
        let q = &self.parts.quarantine;
        if q.tenant_of(&link.queue_id).as_deref() != Some(link.tenant.as_str()) {
            return Err(DigestError::Gone);
        }
        let record = q.list(&link.tenant).map_err(store)?.into_iter().find(|r| r.queue_id == link.queue_id);
        let record = record.ok_or(DigestError::Gone)?;
        if !self.state.take(&link.nonce, link.expires, now)? {
            return Err(DigestError::Used);
        }
        self.audit(LINK_ACTOR, &link.tenant, &[&record], OperatorVerb::QuarantineRelease)?;
        let env = q.release(&link.queue_id, &self.parts.spool).map_err(store)?;
        self.parts.handoff.spooled(&env.queue_id);
        Ok(env.queue_id)
    }
}
