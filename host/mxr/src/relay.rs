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
use mxr_tls::LiveTls;
use std::sync::{Arc, Mutex};

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
    Tls(#[from] mxr_tls::TlsError),
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
    /// The resolver named in `[dns]`.
    #[error(transparent)]
    Dns(#[from] mxr_dns::DnsError),
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
    /// The API's certificate, when `[api.tls]` is set.
    pub api_tls: Option<Arc<LiveTls>>,
    /// The config last put in force (the start's, then each reload's): what a reload
    /// is compared with.
    in_force: Mutex<Arc<Config>>,
    /// The audit log's witnesses.
    pub witnesses: Arc<Witnesses>,
    _watch: PluginWatcher,
}

/// The acceptor for a listener configured by `source` under `table`.
fn acceptor(
    table: &'static str,
    source: Option<&TlsSource>,
    config: &Config,
    alpn_http: bool,
) -> Result<Option<tokio_rustls::TlsAcceptor>, mxr_tls::TlsError> {
    let files = match source {
        None => return Ok(None),
        Some(TlsSource::Files { cert, key }) => Some((cert.as_path(), key.as_path())),
        Some(TlsSource::SelfSigned) => None,
    };
    mxr_tls::acceptor(table, files, &config.data_dir, &config.hostname, alpn_http).map(Some)
}

/// The API's `[api.tls]`, if the API is on.
fn api_tls(config: &Config) -> Option<&TlsSource> {
    config.api.as_ref().and_then(|a| a.tls.as_ref())
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
        let chain = self.chain.clone();
        let parts = mxr_api::ApiParts {
            config: self.config.clone(),
            operator_settings: Arc::new(move |plugin| chain.settings_for(plugin).config),
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
    /// file's tenant tables (put in the tenant store if they changed), the operator's
    /// plugin settings, `[server.limits]`, and the certificates of `[server.tls]` and
    /// `[api.tls]` (read again even when their paths are the same: a renewed
    /// certificate). Sessions and connections already open keep what they began
    /// with. Everything that can fail is done first, so a refused reload changes
    /// nothing. Returns the keys whose changes need a restart, for the log.
    pub fn reload(&self, new: &Config) -> Result<Vec<&'static str>, RelayError> {
        let old = self.in_force.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let smtp = acceptor("server.tls", new.tls.as_ref(), &self.config, false)?;
        let api = match &self.api_tls {
            Some(_) => acceptor("api.tls", api_tls(new), &self.config, true)?,
            None => None,
        };
        self.tenants.seed(new)?;
        self.chain.set_plugin_settings(new.plugin_settings.clone());
        self.inbound.set_limits(&new.limits);
        self.inbound.tls.set(smtp);
        if let (Some(live), Some(api)) = (&self.api_tls, api) {
            live.set(Some(api));
        }
        let differs = |a: &dyn std::fmt::Debug, b: &dyn std::fmt::Debug| format!("{a:?}") != format!("{b:?}");
        let mut restart = Vec::new();
        for (key, changed) in [
            ("server.listen", old.listen != new.listen),
            ("server.data_dir", old.data_dir != new.data_dir),
            ("server.hostname", old.hostname != new.hostname),
            ("server.region", old.region != new.region),
            ("server.master_key", old.master_key != new.master_key),
            ("server.postmaster", old.postmaster != new.postmaster),
            ("server.drain_secs", old.drain != new.drain),
            ("api.listen", old.api.as_ref().map(|a| a.listen) != new.api.as_ref().map(|a| a.listen)),
            ("api.tls (on or off)", api_tls(&old).is_some() != api_tls(new).is_some()),
            (
                "api.requests_per_minute",
                differs(
                    &old.api.as_ref().map(|a| a.requests_per_minute),
                    &new.api.as_ref().map(|a| a.requests_per_minute),
                ),
            ),
            ("plugins", differs(&old.plugins, &new.plugins)),
            ("queue", differs(&old.queue, &new.queue)),
            ("delivery", differs(&old.delivery, &new.delivery)),
            ("dns", differs(&old.dns, &new.dns)),
            ("audit.witness", differs(&old.witnesses, &new.witnesses)),
        ] {
            if changed {
                restart.push(key);
            }
        }
        *self.in_force.lock().unwrap_or_else(|p| p.into_inner()) = Arc::new(new.clone());
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
        let tls = Arc::new(LiveTls::new(acceptor("server.tls", config.tls.as_ref(), &config, false)?));
        let api_tls = match api_tls(&config) {
            Some(source) => Some(Arc::new(LiveTls::new(acceptor("api.tls", Some(source), &config, true)?))),
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
        let dns = resolver(&config.dns)?;
        let queue =
            Arc::new(Queue::start(spool.clone(), config.clone(), tenants.clone(), dns.clone(), metrics.delivery())?);
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
        let authenticating = dns.filter(|d| d.authenticates());
        let inbound = Arc::new(RelayInbound::new(chain.clone(), tls, authenticating, metrics.connections()));
        Ok(Arc::new(Relay {
            config: config.clone(),
            registry,
            chain,
            inbound,
            queue,
            quarantine,
            tenants,
            metrics,
            digests,
            api_tls,
            in_force: Mutex::new(config),
            witnesses,
            _watch: watch,
        }))
    }
}

/// The one resolver, shared by authentication at DATA (when `dns.authenticate` is on)
/// and delivery (mx next hops, which the live tenant state may add at any time, and
/// bounces by MX): always built. Servers named in `[dns]` that cannot be used stop the
/// start; without `[dns]`, an unreadable system configuration is only warned about,
/// so the ready default still runs: mail is not authenticated, and copies going by MX
/// wait in the queue.
fn resolver(config: &mxr_config::dns::DnsConfig) -> Result<Option<Arc<mxr_dns::Dns>>, RelayError> {
    match mxr_dns::Dns::new(config) {
        Ok(dns) => Ok(Some(Arc::new(dns))),
        Err(e @ mxr_dns::DnsError::SystemConf(_)) => {
            tracing::warn!(error = %e, "no resolver: mail is not authenticated, and nothing is delivered by MX");
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}
