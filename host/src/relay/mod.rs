//! The relay: the configuration, the plugin registry, the filter chains, delivery and
//! quarantine, shared by every SMTP session.

pub mod bounce;
pub mod chain;
pub mod maildir;
pub mod queue;
pub mod smtp_out;
pub mod tls;
pub mod transaction;

use crate::audit::{AuditLog, NodeSigner};
use crate::config::Config;
use crate::plugin::watch::PluginWatcher;
use crate::plugin::{PluginRegistry, PluginRuntime, RuntimeConfig};
use crate::privacy::PurposePolicy;
use crate::store::keys::KeyStore;
use crate::store::quarantine::Quarantine;
use crate::store::spool::Spool;
use chain::ChainContext;
use queue::Queue;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};
use tokio::sync::Semaphore;
use tokio_rustls::TlsAcceptor;

/// Why the relay could not start.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    /// The plugin runtime.
    #[error(transparent)]
    Runtime(#[from] crate::plugin::runtime::RuntimeError),
    /// A file or folder.
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
    /// TLS setup.
    #[error("TLS: {0}")]
    Tls(String),
    /// The policy file.
    #[error(transparent)]
    Policy(#[from] crate::privacy::PolicyError),
    /// The key store or the spool.
    #[error("keys: {0}")]
    Keys(String),
    /// The audit log.
    #[error(transparent)]
    Audit(#[from] crate::audit::AuditError),
    /// The plugins folder could not be watched.
    #[error("watching {0}: {1}")]
    Watch(String, notify::Error),
}

/// Everything the sessions share.
pub struct Relay {
    /// The config.
    pub config: Arc<Config>,
    /// Active plugins.
    pub registry: Arc<PluginRegistry>,
    /// Filter chains.
    pub chains: ChainContext,
    /// STARTTLS, when configured.
    pub tls: Option<TlsAcceptor>,
    /// Permits for concurrent sessions, shared by every listener.
    pub connections: Arc<Semaphore>,
    /// The delivery queue and its spool.
    pub queue: Queue,
    /// The quarantine.
    pub quarantine: Quarantine,
    _watch: PluginWatcher,
}

/// Purges quarantined mail past its retention, at start and then hourly.
async fn purge_forever(quarantine: Quarantine, retention: std::time::Duration) {
    loop {
        let q = quarantine.clone();
        let _ = tokio::task::spawn_blocking(move || q.purge(retention)).await;
        tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
    }
}

/// Signs an audit checkpoint every minute that records were written (and
/// [`Relay::stop`] signs the last one).
async fn checkpoint_forever(audit: Arc<AuditLog>) {
    loop {
        tokio::time::sleep(crate::audit::log::CHECKPOINT_AFTER).await;
        let a = audit.clone();
        if let Ok(Err(e)) = tokio::task::spawn_blocking(move || a.checkpoint()).await {
            tracing::error!(error = %e, "cannot sign an audit checkpoint");
        }
    }
}

/// A new unique transaction id: time in microseconds, a sequence and random bits, in
/// upper-case hex (`18C1A2B3C4D5E-0001-9F3A`).
pub fn new_id() -> String {
    static SEQUENCE: AtomicU32 = AtomicU32::new(0);
    let micros = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_micros());
    let mut random = [0u8; 2];
    let _ = getrandom::fill(&mut random);
    format!("{micros:X}-{:04X}-{:04X}", SEQUENCE.fetch_add(1, Ordering::Relaxed) & 0xffff, u16::from_be_bytes(random))
}

impl Relay {
    /// What a stopping relay does after its listeners drained: sign the audit log's
    /// last checkpoint, so that nothing it wrote is left outside one.
    pub fn stop(&self) {
        if let Err(e) = self.chains.audit.checkpoint() {
            tracing::error!(error = %e, "cannot sign the final audit checkpoint");
        }
    }

    /// Creates the data dir, loads and watches the plugins, sets up TLS and keys.
    pub fn start(config: Config) -> Result<Arc<Relay>, RelayError> {
        let io = |what: &std::path::Path| {
            let what = what.display().to_string();
            move |e| RelayError::Io(what, e)
        };
        std::fs::create_dir_all(&config.data_dir).map_err(io(&config.data_dir))?;
        #[cfg(feature = "unenforced-baseline")]
        tracing::error!(
            "built with unenforced-baseline: every plugin gets every category in full; for benchmarks only"
        );
        std::fs::create_dir_all(&config.plugins.dir).map_err(io(&config.plugins.dir))?;
        let policy = match &config.plugins.policy {
            Some(p) => PurposePolicy::load(p)?,
            None => PurposePolicy::default_policy(),
        };
        let runtime = PluginRuntime::new(RuntimeConfig {
            limits: config.plugins.sandbox.clone(),
            max_instances: config.plugins.max_instances,
            cache_dir: Some(config.data_dir.join("cache").join("plugins")),
            policy: Arc::new(policy),
            ..RuntimeConfig::default()
        })?;
        let registry = PluginRegistry::open(runtime, &config.plugins.dir);
        let watch = crate::plugin::watch::watch(registry.clone())
            .map_err(|e| RelayError::Watch(config.plugins.dir.display().to_string(), e))?;
        let (master, named) = &config.master_key;
        let keys =
            Arc::new(KeyStore::open(&config.data_dir, master, !named).map_err(|e| RelayError::Keys(e.to_string()))?);
        let spool = Spool::open(&config.data_dir, keys.clone()).map_err(|e| RelayError::Keys(e.to_string()))?;
        let tls = match &config.tls {
            Some(source) => Some(tls::acceptor(source, &config.data_dir, &config.hostname).map_err(RelayError::Tls)?),
            None => None,
        };
        let config = Arc::new(config);
        for t in &config.tenants {
            let set = registry.snapshot();
            for name in t.plugins.iter().filter(|n| set.get(n).is_none()) {
                tracing::warn!(tenant = %t.id, plugin = %name, dir = %config.plugins.dir.display(), "plugin not loaded yet; its failure policy applies until it is");
            }
        }
        let connections = Arc::new(Semaphore::new(config.limits.max_connections));
        let queue = Queue::start(spool, config.clone()).map_err(RelayError::Keys)?;
        let quarantine = Quarantine::new(&config.data_dir, keys.clone());
        tokio::spawn(purge_forever(Quarantine::new(&config.data_dir, keys.clone()), config.queue.quarantine_retention));
        let seed = keys.node_signing_seed().map_err(|e| RelayError::Keys(e.to_string()))?;
        let audit = Arc::new(AuditLog::open(&config.data_dir, &config.region, NodeSigner::from_seed(&seed))?);
        tokio::spawn(checkpoint_forever(audit.clone()));
        let chains = ChainContext::new(config.clone(), keys, audit);
        Ok(Arc::new(Relay { chains, config, registry, tls, connections, queue, quarantine, _watch: watch }))
    }
}
