//! The filter chain: what happens to a transaction between the SMTP session and the
//! spool. Each tenant's copy runs through the tenant's plugins at every stage
//! ([`stage`]), their verdicts combine by one rule ([`decision`]), and at the end of
//! DATA each copy is spooled (then handed to delivery), quarantined, discarded or
//! refused ([`transaction`]), each stored copy indexed by the addresses it names
//! ([`indexing`]).
//!
//! The chain answers in its own terms ([`Verdict`], [`RcptError`]); the session turns
//! them into SMTP replies. It never delivers: it writes the spool and hands off.

#![deny(missing_docs)]

pub mod decision;
pub mod indexing;
pub mod stage;
pub mod transaction;

pub use decision::{Decision, Outcome};
pub use transaction::{CopyOutcome, RcptError, Transaction, Verdict};

use arc_swap::ArcSwap;
use mxr_audit::AuditLog;
use mxr_config::{Config, TenantSource};
use mxr_config::{PluginName, PluginSettings};
use mxr_metrics::PluginMetrics;
use mxr_sandbox::PluginRegistry;
use mxr_store::keys::KeyStore;
use mxr_store::quarantine::Quarantine;
use mxr_store::spool::{Handoff, Spool};
use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};

/// What running chains needs: the config, the active plugins, the tenant keys, the
/// audit log, and where accepted copies go. Shared by every transaction.
pub struct Chain {
    /// The config in force (operator plugin settings, hostname).
    pub config: Arc<Config>,
    /// The tenant state in force; a transaction keeps the state it began with.
    pub tenants: Arc<dyn TenantSource>,
    /// The active plugin set; a transaction keeps the set it began with.
    pub plugins: Arc<PluginRegistry>,
    /// Tenant keys (pseudonym roots).
    pub keys: Arc<KeyStore>,
    /// Where every disclosure is recorded.
    pub audit: Arc<AuditLog>,
    /// Where accepted copies are written, durably, before the `250`.
    pub spool: Arc<Spool>,
    /// Where quarantined copies are kept.
    pub quarantine: Quarantine,
    /// Told of each spooled copy, and of bounces owed.
    pub handoff: Arc<dyn Handoff>,
    /// Where every plugin call is counted (per tenant, plugin, stage and purpose).
    pub metrics: PluginMetrics,
    /// The operator's per-plugin settings in force (`[plugin.<name>]`); replaced whole
    /// when the config file is reloaded.
    plugin_settings: ArcSwap<BTreeMap<PluginName, PluginSettings>>,
    /// Warnings already logged once (a missing or unauthorised plugin).
    logged_once: Mutex<HashSet<String>>,
}

impl Chain {
    /// A chain over these parts, counting its plugin calls in `metrics`.
    pub fn new(
        config: Arc<Config>,
        tenants: Arc<dyn TenantSource>,
        plugins: Arc<PluginRegistry>,
        keys: Arc<KeyStore>,
        audit: Arc<AuditLog>,
        store: (Arc<Spool>, Quarantine),
        handoff: Arc<dyn Handoff>,
        metrics: PluginMetrics,
    ) -> Self {
        let (spool, quarantine) = store;
        let logged_once = Mutex::new(HashSet::new());
        let plugin_settings = ArcSwap::from_pointee(config.plugin_settings.clone());
        Chain {
            config,
            tenants,
            plugins,
            keys,
            audit,
            spool,
            quarantine,
            handoff,
            metrics,
            plugin_settings,
            logged_once,
        }
    }

    /// The operator's settings of a plugin in force (defaults when none are named).
    pub fn settings_for(&self, plugin: &str) -> PluginSettings {
        self.plugin_settings.load().get(plugin).cloned().unwrap_or_default()
    }

    /// Puts a reloaded config's per-plugin settings in force; transactions already
    /// running see them from their next plugin call.
    pub fn set_plugin_settings(&self, settings: BTreeMap<PluginName, PluginSettings>) {
        self.plugin_settings.store(Arc::new(settings));
    }

    /// True the first time `key` is seen: for warnings logged once, not per message.
    fn once(&self, key: String) -> bool {
        self.logged_once.lock().unwrap_or_else(|p| p.into_inner()).insert(key)
    }
}
