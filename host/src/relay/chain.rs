//! A tenant's filter chain at one stage: its plugins in order, each with its grant
//! tightened by the tenant, failures resolved by policy, verdicts combined.
//!
//! Combining: the first reject or tempfail wins and ends the stage; accept ends the
//! stage; quarantine outranks discard; scores add up; tags and headers are collected.

use crate::config::{Config, Tenant};
use crate::mail::{Envelope, ParsedMail};
use crate::plugin::{Action, CallInput, FilterVerdict, PluginSet, StageCall};
use crate::smtp::reply::Reply;
use crate::store::keys::KeyStore;
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

/// What running chains needs: the config, the tenant keys, and a memory of what was
/// already logged once.
pub struct ChainContext {
    /// The config in force.
    pub config: Arc<Config>,
    /// Pseudonym keys.
    pub keys: Arc<KeyStore>,
    logged_once: Mutex<HashSet<String>>,
}

impl ChainContext {
    /// A context for `config`.
    pub fn new(config: Arc<Config>, keys: Arc<KeyStore>) -> Self {
        ChainContext { config, keys, logged_once: Mutex::new(HashSet::new()) }
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
            let verdict = match plugin.call(stage, &input) {
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
