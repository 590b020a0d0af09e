//! A tenant's filter chain at one stage: its plugins in order, each with its grant
//! tightened by the tenant, failures resolved by policy, verdicts combined.
//!
//! Combining: the first reject or tempfail wins and ends the stage; accept ends the
//! stage; quarantine outranks discard; scores add up; tags and headers are collected.

use crate::audit::{AuditLog, AuditRecord, Disclosure, Event};
use crate::config::{Config, Tenant};
use crate::mail::{Envelope, ParsedMail};
use crate::plugin::{Action, CallInput, FilterVerdict, LoadedPlugin, PluginSet, StageCall};
use crate::privacy::{CategorySet, Grant};
use crate::smtp::reply::Reply;
use crate::store::keys::{KeyStore, TenantKey};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

/// What a stage (or a whole transaction so far) decided for one tenant's copy.
#[derive(Clone, Debug, PartialEq)]
pub enum Decision {
    /// Go on.
    Continue,
    /// Refuse with this reply.
    Refuse(Reply),
    /// Accept and drop.
    Discard,
    /// Accept into quarantine: (plugin, reason).
    Quarantine(String, String),
}

/// The combined result of a stage.
#[derive(Clone, Debug)]
pub struct StageOutcome {
    /// The decision.
    pub decision: Decision,
    /// True when a plugin accepted (the rest of the stage was skipped).
    pub accepted: bool,
    /// Score added.
    pub score: f64,
    /// Tags collected.
    pub tags: Vec<String>,
    /// Headers to add.
    pub headers: Vec<(String, String)>,
}

/// What running chains needs: the config, the tenant keys, the audit log, and a
/// memory of what was already logged once.
pub struct ChainContext {
    /// The config in force.
    pub config: Arc<Config>,
    /// Pseudonym keys.
    pub keys: Arc<KeyStore>,
    /// Where every disclosure is recorded.
    pub audit: Arc<AuditLog>,
    logged_once: Mutex<HashSet<String>>,
}

/// The transaction a stage runs for: the tenant copy's queue id.
#[derive(Clone, Copy, Debug)]
pub struct StageSubject<'a> {
    /// The queue id the copy has (or will have, once spooled).
    pub queue_id: &'a str,
}

impl ChainContext {
    /// A context for `config`.
    pub fn new(config: Arc<Config>, keys: Arc<KeyStore>, audit: Arc<AuditLog>) -> Self {
        ChainContext { config, keys, audit, logged_once: Mutex::new(HashSet::new()) }
    }

    fn once(&self, key: String) -> bool {
        self.logged_once.lock().unwrap_or_else(|p| p.into_inner()).insert(key)
    }

    /// Runs `tenant`'s plugins from `set` at one stage.
    pub fn run_stage(
        &self,
        set: &PluginSet,
        tenant: &Tenant,
        stage: &StageCall,
        subject: StageSubject,
        envelope: &Arc<Envelope>,
        message: Option<&Arc<ParsedMail>>,
    ) -> StageOutcome {
        let mut out =
            StageOutcome { decision: Decision::Continue, accepted: false, score: 0.0, tags: vec![], headers: vec![] };
        let tenant_key = match self.keys.tenant(&tenant.id) {
            Ok(k) => k,
            Err(e) => {
                tracing::error!(tenant = %tenant.id, error = %e, "tenant key unavailable");
                out.decision =
                    Decision::Refuse(Reply::new(451, "4.3.0", "Temporary local problem, please try again later"));
                return out;
            }
        };
        for name in &tenant.plugins {
            let settings = self.config.settings_for(name);
            let Some(plugin) = set.get(name) else {
                if self.once(format!("missing/{}/{name}/{}", tenant.id, set.generation)) {
                    tracing::error!(tenant = %tenant.id, plugin = %name, policy = ?settings.failure_policy, "plugin in the tenant's chain is not loaded");
                }
                let failure = crate::plugin::PluginFailure::Incompatible(format!("plugin {name} is not loaded"));
                match settings.failure_policy.verdict_for(&failure) {
                    Some(v) => return apply(out, &v),
                    None => continue,
                }
            };
            if !plugin.hooks(stage.stage()) {
                continue;
            }
            let purpose = &plugin.manifest.purpose;
            if tenant.authorise.get(name) != Some(purpose) {
                if self.once(format!("unauthorised/{}/{}", tenant.id, plugin.identity)) {
                    tracing::warn!(tenant = %tenant.id, plugin = %plugin.identity, %purpose, authorised = ?tenant.authorise.get(name), "plugin's purpose is not authorised by the tenant; it does not run");
                }
                continue;
            }
            let grant = match tenant.tighten.get(name) {
                Some(t) => plugin.grant.tighten(t),
                None => plugin.grant,
            };
            let input = CallInput {
                envelope: envelope.clone(),
                message: message.cloned(),
                grant,
                pseudonyms: Arc::new(tenant_key.pseudonymizer(purpose)),
                config: settings.config.clone(),
                limits: settings.limits,
            };
            let (result, disclosed) = plugin.call_disclosing(stage, &input);
            let outcome = result.as_ref().map_or_else(|f| f.class().name(), |_| "ok");
            let record = disclosure(
                &self.audit,
                tenant,
                &tenant_key,
                subject,
                plugin,
                stage,
                envelope,
                &grant,
                disclosed,
                outcome,
            );
            if let Err(e) = self.audit.append(&record) {
                // No evidence, no acceptance: the sender retries once the log is writable.
                tracing::error!(tenant = %tenant.id, plugin = %plugin.identity, error = %e, "cannot write the audit record");
                out.decision =
                    Decision::Refuse(Reply::new(451, "4.3.0", "Temporary local problem, please try again later"));
                return out;
            }
            let verdict = match result {
                Ok(o) => o.verdict,
                Err(failure) => {
                    tracing::warn!(tenant = %tenant.id, plugin = %plugin.identity, class = failure.class().name(), error = %failure, policy = ?settings.failure_policy, "plugin failed");
                    match settings.failure_policy.verdict_for(&failure) {
                        Some(v) => v,
                        None => continue,
                    }
                }
            };
            out = apply(out, &verdict);
            // A quarantine names the plugin that asked for it.
            if let Decision::Quarantine(p, _) = &mut out.decision {
                if p.is_empty() {
                    *p = name.clone();
                }
            }
            if out.accepted || matches!(out.decision, Decision::Refuse(_)) {
                break;
            }
        }
        out
    }
}

/// The audit record of one plugin call: who was shown what, in which form.
#[allow(clippy::too_many_arguments)]
fn disclosure(
    audit: &AuditLog,
    tenant: &Tenant,
    key: &TenantKey,
    subject: StageSubject,
    plugin: &LoadedPlugin,
    stage: &StageCall,
    envelope: &Envelope,
    grant: &Grant,
    disclosed: CategorySet,
    outcome: &str,
) -> AuditRecord {
    let candidate = match stage {
        StageCall::Rcpt(r) => Some(r.as_str()),
        _ => None,
    };
    let mut subjects: Vec<String> = envelope
        .mail_from
        .iter()
        .map(String::as_str)
        .chain(envelope.rcpts.iter().map(String::as_str))
        .chain(candidate)
        .filter(|a| !a.is_empty())
        .map(|a| key.audit_subject(a))
        .collect();
    subjects.dedup();
    AuditRecord {
        time: crate::audit::now(),
        region: audit.region().to_owned(),
        tenant: tenant.id.clone(),
        queue_id: subject.queue_id.to_owned(),
        subjects,
        event: Event::Disclosure(Disclosure {
            plugin: plugin.identity.name.clone(),
            version: plugin.identity.version.clone(),
            sha256: plugin.identity.sha256.clone(),
            purpose: plugin.manifest.purpose.clone(),
            stage: stage.stage_name().to_owned(),
            forms: disclosed.iter().map(|c| (c, grant.form(c))).collect(),
            outcome: outcome.to_owned(),
        }),
    }
}

/// Folds one verdict into the stage outcome.
fn apply(mut out: StageOutcome, v: &FilterVerdict) -> StageOutcome {
    out.score += v.score;
    out.tags.extend(v.tags.iter().cloned());
    out.headers.extend(v.headers.iter().cloned());
    match &v.action {
        Action::Continue => {}
        Action::Accept => out.accepted = true,
        Action::Reject(r) | Action::Tempfail(r) => {
            out.decision = Decision::Refuse(Reply::owned(r.code, r.enhanced.clone(), r.text.clone()));
        }
        Action::Discard => {
            if out.decision == Decision::Continue {
                out.decision = Decision::Discard;
            }
        }
        Action::Quarantine(reason) => {
            if !matches!(out.decision, Decision::Quarantine(..)) {
                out.decision = Decision::Quarantine(String::new(), reason.clone());
            }
        }
    }
    out
}
