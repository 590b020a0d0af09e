//! A tenant's filter chain at one stage: its plugins in order, each run only if the
//! tenant authorises its purpose ([`Tenant::grant_for`]), with the grant that decides;
//! every call recorded in the audit log before its verdict counts; failures resolved
//! by the plugin's failure policy; verdicts combined by [`crate::decision`].

use crate::Chain;
use crate::decision::Outcome;
use mxr_audit::{AuditRecord, Disclosure, Event};
use mxr_config::{NotRun, Tenant};
use mxr_mail::Envelope;
use mxr_privacy::{CategorySet, Grant, ScannedMail, TenantPseudonyms};
use mxr_sandbox::{
    CallInput, FailureVerdict, FilterVerdict, LoadedPlugin, PluginFailure, PluginSet, SmtpReply, StageCall,
};
use std::sync::Arc;

/// One stage to run for one tenant's copy.
pub struct StageRun<'a> {
    /// The plugin set the transaction started with.
    pub set: &'a PluginSet,
    /// The tenant whose chain runs.
    pub tenant: &'a Tenant,
    /// The stage to run, with its input (the recipient, at rcpt).
    pub stage: &'a StageCall,
    /// The queue id the copy has (or will have, once spooled).
    pub queue_id: &'a str,
    /// The copy's envelope.
    pub envelope: &'a Arc<Envelope>,
    /// The message, at the data stage.
    pub message: Option<&'a Arc<ScannedMail>>,
}

/// What one plugin call disclosed, for its audit record.
struct Disclosed<'a> {
    plugin: &'a LoadedPlugin,
    grant: Grant,
    categories: CategorySet,
    outcome: &'static str,
}

impl Chain {
    /// Runs the stage: the tenant's plugins from the set, in the tenant's order.
    pub fn run_stage(&self, run: &StageRun) -> Outcome {
        let pseudonyms = match self.keys.tenant(&run.tenant.id) {
            Ok(k) => TenantPseudonyms::new(k.pseudonym_root()),
            Err(e) => {
                tracing::error!(tenant = %run.tenant.id, error = %e, "tenant key unavailable");
                return refused();
            }
        };
        let mut out = Outcome::default();
        for name in &run.tenant.plugins {
            let Some(verdict) = self.run_plugin(run, name, &pseudonyms) else { continue };
            let Ok(verdict) = verdict else { return refused() };
            out = out.with_verdict(name, &verdict);
            if out.ends_stage() {
                break;
            }
        }
        out
    }

    /// One plugin of the chain: `None` when it does not take part (not hooked, not
    /// authorised, or failed under `skip`), `Some(Err)` when its disclosure could not
    /// be recorded (no evidence, no acceptance).
    fn run_plugin(
        &self,
        run: &StageRun,
        name: &str,
        pseudonyms: &TenantPseudonyms,
    ) -> Option<Result<FilterVerdict, ()>> {
        let (tenant, settings) = (run.tenant, self.config.settings_for(name));
        let Some(plugin) = run.set.get(name) else {
            if self.once(format!("missing/{}/{name}/{}", tenant.id, run.set.generation)) {
                tracing::error!(tenant = %tenant.id, plugin = %name, policy = ?settings.failure_policy, "plugin in the tenant's chain is not loaded");
            }
            let failure = PluginFailure::Incompatible(format!("plugin {name} is not loaded"));
            return settings.failure_policy.verdict_for(&failure).map(Ok);
        };
        if !plugin.hooks(run.stage.stage()) {
            return None;
        }
        let purpose = &plugin.manifest.purpose;
        let grant = match tenant.grant_for(name, purpose, plugin.grant) {
            Ok(g) => g,
            Err(why) => {
                if self.once(format!("unauthorised/{}/{}", tenant.id, plugin.identity)) {
                    tracing::warn!(tenant = %tenant.id, plugin = %plugin.identity, %purpose, why = ?why, "plugin's purpose is not authorised by the tenant; it does not run");
                }
                debug_assert!(why != NotRun::NotInChain, "the loop walks the tenant's own chain");
                return None;
            }
        };
        let input = CallInput {
            envelope: run.envelope.clone(),
            message: run.message.cloned(),
            grant,
            pseudonyms: Arc::new(pseudonyms.purpose(purpose)),
            config: tenant.plugin_config(name, &settings.config),
            limits: settings.limits,
            party: Arc::from(tenant.id.as_str()),
        };
        let (result, categories) = plugin.call_disclosing(run.stage, &input);
        let outcome = result.as_ref().map_or_else(|f| f.class().name(), |_| "ok");
        let record = self.disclosure(run, pseudonyms, &Disclosed { plugin, grant, categories, outcome });
        if let Err(e) = self.audit.append(&record) {
            tracing::error!(tenant = %tenant.id, plugin = %plugin.identity, error = %e, "cannot write the audit record");
            return Some(Err(()));
        }
        match result {
            Ok(o) => Some(Ok(o.verdict)),
            Err(failure) => {
                tracing::warn!(tenant = %tenant.id, plugin = %plugin.identity, class = failure.class().name(), error = %failure, policy = ?settings.failure_policy, "plugin failed");
                settings.failure_policy.verdict_for(&failure).map(Ok)
            }
        }
    }

    /// The audit record of one plugin call: who was shown what, in which form. Its
    /// subjects are the envelope's sender and recipients (and the recipient being
    /// offered at RCPT) as audit pseudonyms.
    fn disclosure(&self, run: &StageRun, pseudonyms: &TenantPseudonyms, d: &Disclosed) -> AuditRecord {
        let candidate = match run.stage {
            StageCall::Rcpt(r) => Some(r.as_str()),
            _ => None,
        };
        let env = run.envelope;
        let mut subjects: Vec<String> = (env.mail_from.iter().map(String::as_str))
            .chain(env.rcpts.iter().map(String::as_str))
            .chain(candidate)
            .filter(|a| !a.is_empty())
            .map(|a| pseudonyms.audit_subject(a))
            .collect();
        subjects.dedup();
        AuditRecord {
            time: mxr_audit::now(),
            region: self.audit.region().to_owned(),
            tenant: run.tenant.id.to_string(),
            queue_id: run.queue_id.to_owned(),
            subjects,
            event: Event::Disclosure(Disclosure {
                plugin: d.plugin.identity.name.clone(),
                version: d.plugin.identity.version.clone(),
                sha256: d.plugin.identity.sha256.clone(),
                purpose: d.plugin.manifest.purpose.clone(),
                stage: run.stage.stage_name().to_owned(),
                forms: d.categories.iter().map(|c| (c, d.grant.form(c))).collect(),
                outcome: d.outcome.to_owned(),
            }),
        }
    }
}

/// The outcome of a stage that could not run for a local reason: `451 4.3.0`.
fn refused() -> Outcome {
    Outcome { decision: crate::decision::Decision::Refuse(SmtpReply::local_failure()), ..Outcome::default() }
}
