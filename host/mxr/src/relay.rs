//! The composition root: builds every part from a validated config and wires them
//! (plugins → chain → spool → delivery, and the SMTP sessions' handle on the chain),
//! each part that counts with its handle on the relay's own metrics.

use crate::inbound::RelayInbound;
use crate::witness::Witnesses;
use mxr_audit::{AuditLog, NodeSigner};
use mxr_chain::Chain;
use mxr_config::{Config, TenantSource, TlsSource};
use mxr_delivery::Queue;
use mxr_metrics::Metrics;
use mxr_sandbox::watch::PluginWatcher;
use mxr_sandbox::{PluginRegistry, PluginRuntime, RuntimeConfig};
use mxr_store::keys::KeyStore;
use mxr_store::quarantine::Quarantine;
use mxr_store::spool::Spool;
use mxr_tenants::{SqliteStore, Tenants};
use std::sync::Arc;

/// Why the relay could not start.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    /// The plugin runtime.
    #[error(transparent)]
    Runtime(#[from] mxr_sandbox::runtime::RuntimeError),
    /// A file or folder.
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
    /// TLS setup.
    #[error(transparent)]
    Tls(#[from] mxr_smtp::tls::TlsError),
    /// The key store.
    #[error("keys: {0}")]
    Keys(#[from] mxr_store::keys::KeyError),
    /// The spool.
    #[error("spool: {0}")]
    Spool(#[from] mxr_store::spool::SpoolError),
    /// Delivery.
    #[error(transparent)]
    Delivery(#[from] mxr_delivery::DeliveryError),
    /// The audit log.
    #[error(transparent)]
    Audit(#[from] mxr_audit::AuditError),
    /// The tenant store, or a stored tenant state that does not validate.
    #[error("tenant store: {0}")]
    Tenants(#[from] mxr_tenants::ApplyError),
    /// The plugins folder could not be watched.
    #[error("watching {0}: {1}")]
    Watch(String, notify::Error),
    /// The quarantine digest's state.
    #[error("quarantine digest: {0}")]
    Digest(#[from] mxr_digest::DigestError),
}

/// The running relay: every part, built once from the config.
pub struct Relay {
    /// The config.
    pub config: Arc<Config>,
    /// Active plugins.
    pub registry: Arc<PluginRegistry>,
    /// The filter chain.
    pub chain: Arc<Chain>,
    /// What the SMTP sessions talk to.
    pub inbound: Arc<RelayInbound>,
    /// Delivery from the spool.
    pub queue: Arc<Queue>,
    /// The quarantine.
    pub quarantine: Quarantine,
    /// The live tenant state.
    pub tenants: Arc<Tenants>,
    /// This relay's metrics ([`Metrics::render`] is what `/metrics` serves).
    pub metrics: Arc<Metrics>,
    /// The quarantine digest and its release links.
    pub digests: Arc<mxr_digest::Digests>,
    /// The audit log's witnesses.
    pub witnesses: Arc<Witnesses>,
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
/// [`Relay::stop`] signs the last one), and sends the newest to the witnesses on a
/// task of their own, so that a witness that is down delays neither mail nor signing.
async fn checkpoint_forever(audit: Arc<AuditLog>, witnesses: Arc<Witnesses>) {
    loop {
        let w = witnesses.clone();
        tokio::spawn(async move { w.submit_latest().await });
        tokio::time::sleep(mxr_audit::log::CHECKPOINT_AFTER).await;
        let a = audit.clone();
        if let Ok(Err(e)) = tokio::task::spawn_blocking(move || a.checkpoint()).await {
            tracing::error!(error = %e, "cannot sign an audit checkpoint");
        }
    }
}

/// Warns once at start of plugins that tenants name but that are not loaded yet.
fn warn_missing_plugins(tenants: &Tenants, registry: &PluginRegistry, config: &Config) {
    let set = registry.snapshot();
    for t in tenants.current().iter() {
        for name in t.plugins.iter().filter(|n| set.get(n).is_none()) {
            tracing::warn!(tenant = %t.id, plugin = %name, dir = %config.plugins.dir.display(), "plugin not loaded yet; its failure policy applies until it is");
        }
    }
}

impl Relay {
    /// The HTTP API, console and `/metrics` over this relay's parts.
    pub fn api(&self) -> axum::Router {
        let metrics = self.metrics.clone();
        let render: mxr_api::MetricsRender = Arc::new(move || metrics.render());
        let parts = mxr_api::ApiParts {
            config: self.config.clone(),
            tenants: self.tenants.clone(),
            plugins: self.registry.clone(),
            keys: self.chain.keys.clone(),
            audit: self.chain.audit.clone(),
            spool: self.chain.spool.clone(),
            quarantine: self.quarantine.clone(),
            handoff: self.queue.clone(),
            metrics: Some(render),
            digests: Some(self.digests.clone()),
        };
        let per_minute = self.config.api.as_ref().map_or(600, |a| a.requests_per_minute);
        mxr_api::router(parts, per_minute)
    }

    /// Puts a reloaded, validated config in force where it can change live: the
    /// operator's plugin settings, and the file's tenant tables (put in the tenant store
    /// if they changed). Returns the keys whose changes need a restart (listeners,
    /// limits, TLS, the data dir), for the log.
    pub fn reload(&self, new: &Config) -> Result<Vec<&'static str>, RelayError> {
        self.chain.set_plugin_settings(new.plugin_settings.clone());
        self.tenants.seed(new)?;
        let old = &self.config;
        let mut restart = Vec::new();
        for (key, changed) in [
            ("server.listen", old.listen != new.listen),
            ("server.data_dir", old.data_dir != new.data_dir),
            ("server.tls", old.tls != new.tls),
            ("server.limits", format!("{:?}", old.limits) != format!("{:?}", new.limits)),
            ("api", old.api != new.api),
        ] {
            if changed {
                restart.push(key);
            }
        }
        Ok(restart)
    }

    /// Signs a checkpoint now and sends it to the witnesses, returning when each has
    /// answered, refused or timed out (what the minute's task does, without the wait).
    pub async fn witness_now(&self) -> Result<(), RelayError> {
        let audit = self.chain.audit.clone();
        tokio::task::spawn_blocking(move || audit.checkpoint())
            .await
            .map_err(|e| RelayError::Io("audit".into(), e.into()))??;
        self.witnesses.submit_latest_now().await;
        Ok(())
    }

    /// What a stopping relay does after its listeners drained: sign the audit log's
    /// last checkpoint, so that nothing it wrote is left outside one.
    pub fn stop(&self) {
        if let Err(e) = self.chain.audit.checkpoint() {
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
        let runtime = PluginRuntime::new(RuntimeConfig {
            limits: config.plugins.sandbox.clone(),
            max_instances: config.plugins.max_instances,
            workers: config.plugins.workers,
            max_waiting: config.plugins.max_waiting,
            cache_dir: Some(config.data_dir.join("cache").join("plugins")),
            policy: config.plugins.policy.clone(),
            ..RuntimeConfig::default()
        })?;
        let registry = PluginRegistry::open(runtime, &config.plugins.dir);
        let watch = mxr_sandbox::watch::watch(registry.clone())
            .map_err(|e| RelayError::Watch(config.plugins.dir.display().to_string(), e))?;
        let master = &config.master_key;
        let keys = Arc::new(KeyStore::open(&config.data_dir, &master.path, !master.named)?);
        let spool = Arc::new(Spool::open(&config.data_dir, keys.clone())?);
        let tls = match &config.tls {
            Some(TlsSource::Files { cert, key }) => {
                Some(mxr_smtp::tls::acceptor(Some((cert, key)), &config.data_dir, &config.hostname)?)
            }
            Some(TlsSource::SelfSigned) => Some(mxr_smtp::tls::acceptor(None, &config.data_dir, &config.hostname)?),
            None => None,
        };
        let config = Arc::new(config);
        let metrics = Arc::new(Metrics::new());
        let seed = keys.node_signing_seed()?;
        let signer = NodeSigner::from_seed(&seed);
        let origin = mxr_audit::log_origin(&signer.public());
        let witnesses = Arc::new(Witnesses::new(&config, &origin, metrics.witnesses()));
        let audit = Arc::new(AuditLog::open(&config.data_dir, &config.region, signer)?);
        tokio::spawn(checkpoint_forever(audit.clone(), witnesses.clone()));
        let store =
            SqliteStore::open(&config.data_dir.join(mxr_tenants::DB_FILE)).map_err(mxr_tenants::ApplyError::from)?;
        let tenants = Tenants::open(Arc::new(store), audit.clone(), &config)?;
        tokio::spawn(tenants.clone().follow());
        warn_missing_plugins(&tenants, &registry, &config);
        let queue = Arc::new(Queue::start(spool.clone(), config.clone(), tenants.clone(), metrics.delivery())?);
        let quarantine = Quarantine::new(&config.data_dir, keys.clone());
        tokio::spawn(purge_forever(Quarantine::new(&config.data_dir, keys.clone()), config.queue.quarantine_retention));
        let (q, a) = (queue.clone(), audit.clone());
        metrics.observe_queue(move || q.state());
        metrics.observe_audit(move || a.checkpoint_state());
        let store = (spool, Quarantine::new(&config.data_dir, keys.clone()));
        let (handoff, live) = (queue.clone(), tenants.clone());
        let digests = crate::digest::start(mxr_digest::DigestParts {
            config: config.clone(),
            tenants: tenants.clone(),
            quarantine: quarantine.clone(),
            keys: keys.clone(),
            audit: audit.clone(),
            spool: store.0.clone(),
            handoff: queue.clone(),
            bounce_tenant: mxr_delivery::dsn::BOUNCE_TENANT.to_owned(),
        })?;
        let chain = Arc::new(Chain::new(
            config.clone(),
            live,
            registry.clone(),
            keys,
            audit,
            store,
            handoff,
            metrics.plugins(),
        ));
        let inbound = Arc::new(RelayInbound::new(chain.clone(), tls, metrics.connections()));
        Ok(Arc::new(Relay {
            config,
            registry,
            chain,
            inbound,
            queue,
            quarantine,
            tenants,
            metrics,
            digests,
            witnesses,
            _watch: watch,
        }))
    }
}
