//! A tenant's filter chain at one stage: its plugins in order, each run only if the
//! tenant authorises its purpose ([`Tenant::grant_for`]), with the grant that decides;
//! every call recorded in the audit log before its verdict counts, and counted in the
//! metrics; failures resolved by the plugin's failure policy; verdicts combined by
//! [`crate::decision`].

use crate::Chain;
use crate::decision::Outcome;
use mxr_audit::{AuditRecord, Disclosure, Event};
use mxr_config::{NotRun, Tenant};
use mxr_mail::Envelope;
use mxr_metrics::{CallEnd, CallLabels, HookStage, IdLabel};
use mxr_privacy::{Category, Form, ScannedMail, TenantPseudonyms};
use mxr_sandbox::{
    CallInput, Called, FailureVerdict, FilterVerdict, LoadedPlugin, PluginFailure, PluginSet, SmtpReply, StageCall,
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
    /// Each category it read, with the form it got.
    forms: Vec<(Category, Form)>,
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
        let (tenant, settings) = (run.tenant, self.settings_for(name));
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
        let party: Arc<str> = Arc::from(tenant.id.as_str());
        let input = CallInput {
            envelope: run.envelope.clone(),
            message: run.message.cloned(),
            grant,
            pseudonyms: Arc::new(pseudonyms.purpose(purpose)),
            config: tenant.plugin_config(name, &settings.config),
            limits: settings.limits,
            party: party.clone(),
        };
        let called = plugin.call_disclosing(run.stage, &input);
        let forms: Vec<(Category, Form)> = called.disclosed.iter().map(|c| (c, grant.form(c))).collect();
        self.count(party, plugin, run.stage, &called, &forms);
        let outcome = called.result.as_ref().map_or_else(|f| f.class().name(), |_| "ok");
        let record = self.disclosure(run, pseudonyms, Disclosed { plugin, forms, outcome });
        if let Err(e) = self.audit.append(&record) {
            tracing::error!(tenant = %tenant.id, plugin = %plugin.identity, error = %e, "cannot write the audit record");
            return Some(Err(()));
        }
        match called.result {
            Ok(o) => Some(Ok(o.verdict)),
            Err(failure) => {
                tracing::warn!(tenant = %tenant.id, plugin = %plugin.identity, class = failure.class().name(), error = %failure, policy = ?settings.failure_policy, "plugin failed");
                settings.failure_policy.verdict_for(&failure).map(Ok)
            }
        }
    }

    /// Counts one plugin call in the metrics: the same categories and forms as its
    /// audit record. `tenant` is the tenant's id, shared with the call's input.
    fn count(
        &self,
        tenant: Arc<str>,
        plugin: &LoadedPlugin,
        stage: &StageCall,
        called: &Called,
        forms: &[(Category, Form)],
    ) {
        // A tenant id is an id by construction; were it not, it is left uncounted.
        let Ok(tenant) = IdLabel::new(tenant) else { return };
        let call = CallLabels { tenant, plugin: plugin.labels.clone(), stage: HookStage::from(stage.stage()) };
        let end = match &called.result {
            Ok(o) => CallEnd::Verdict(o.verdict.action.kind()),
            Err(failure) => CallEnd::Failed(failure.class()),
        };
        self.metrics.record(&call, end, called.own_time, forms.iter().copied());
    }

    /// The audit record of one plugin call: who was shown what, in which form. Its
    /// subjects are the envelope's sender and recipients (and the recipient being
    /// offered at RCPT) as audit pseudonyms.
    fn disclosure(&self, run: &StageRun, pseudonyms: &TenantPseudonyms, d: Disclosed) -> AuditRecord {
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
                forms: d.forms,
                outcome: d.outcome.to_owned(),
            }),
        }
    }
}

/// The outcome of a stage that could not run for a local reason: `451 4.3.0`.
fn refused() -> Outcome {
    Outcome { decision: crate::decision::Decision::Refuse(SmtpReply::local_failure()), ..Outcome::default() }
}
