//! The relay's configuration: one TOML file (`version = 1`), validated into typed
//! values; every error names the key at fault. Names and closed sets ([`names`]) are
//! decided as the file is deserialised; [`validate`] then checks what depends on other
//! values, and loads the purpose policy once. [`Config::ready_default`] is what
//! `mxr serve` runs without a file.

#![deny(missing_docs)]

pub mod delivery;
pub mod digest;
pub mod dns;
pub mod file;
pub mod limits;
pub mod names;
mod tenant;
pub mod tenant_set;
mod validate;
pub mod witness;

pub use names::{NextHopKind, PluginName, Region, TenantId, TenantStatus, TlsMode};
pub use tenant::{NextHop, NotRun, Tenant};
pub use tenant_set::{FixedTenants, TenantSet, TenantSource, validate_tenants};
pub use validate::validate;

use limits::{FailurePolicy, PluginLimits, SandboxLimits};
use mxr_privacy::PurposePolicy;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Longest settings text a tenant may give one plugin, in bytes (64 KiB).
pub const MAX_SETTINGS_BYTES: usize = 64 << 10;

/// The ready-to-try default config, as TOML.
pub const READY_DEFAULT_TOML: &str = include_str!("../ready-default.toml");

/// Why a config was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// TOML syntax, or a missing top-level key (toml's message, with the line).
    #[error("config: {0}")]
    Syntax(String),
    /// A value that is not allowed: an unknown key, a value of the wrong type or shape,
    /// or one that contradicts another.
    #[error("config: {key}: {problem}")]
    Invalid {
        /// The dotted key, e.g. `tenant[0].domains[1]`.
        key: String,
        /// What is wrong with it.
        problem: String,
    },
}

/// A validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where to listen (default `127.0.0.1:2525`).
    pub listen: Vec<SocketAddr>,
    /// This node's host name, in its greeting and Received headers (default `mxr.localhost`).
    pub hostname: String,
    /// The data directory: spool, quarantine, keys, plugins, maildirs (default `mxr-data`
    /// beside the config file).
    pub data_dir: PathBuf,
    /// This node's country (default `nl`); recorded in every audit record.
    pub region: Region,
    /// How long shutdown waits for running transactions (default 30 s).
    pub drain: Duration,
    /// The master key file.
    pub master_key: MasterKey,
    /// STARTTLS, if offered (not offered without `[server.tls]`).
    pub tls: Option<TlsSource>,
    /// Protocol limits.
    pub limits: Limits,
    /// Delivery retries.
    pub queue: QueueConfig,
    /// How deliveries are shared out, and how long they wait (`[delivery]`).
    pub delivery: delivery::DeliveryConfig,
    /// The resolver for authentication and delivery by MX (`[dns]`).
    pub dns: dns::DnsConfig,
    /// Plugin runtime settings.
    pub plugins: PluginsConfig,
    /// Per-plugin settings by name; a plugin not named here gets the defaults
    /// ([`Config::settings_for`]).
    pub plugin_settings: BTreeMap<PluginName, PluginSettings>,
    /// The file's tenants; ids and domains are unique across them. They seed the live
    /// tenant store on its first start; the relay serves the store's state, not these.
    pub tenants: Vec<Arc<Tenant>>,
    /// The same tenants as written in the file, for seeding the live tenant store.
    pub tenant_files: Vec<file::TenantFile>,
    /// The HTTP API, console and `/metrics` (`[api]`); `None`: not served.
    pub api: Option<ApiConfig>,
    /// Where `RCPT TO:<postmaster>` (no domain, RFC 5321 §4.5.1) goes: an address at a
    /// served domain, from `server.postmaster`; without it `postmaster@` the first
    /// tenant's first domain. `None` only when there are no tenants.
    pub postmaster: Option<String>,
    /// The witnesses each audit checkpoint is sent to (`[[audit.witness]]`), in order.
    pub witnesses: Vec<witness::WitnessConfig>,
}

/// The HTTP API's listener.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiConfig {
    /// Where it listens (default `127.0.0.1:8025`).
    pub listen: SocketAddr,
    /// Requests one token may make per minute (default 600); more get `429`.
    pub requests_per_minute: u32,
    /// HTTPS instead of HTTP (`[api.tls]`, the same keys as `[server.tls]`); none by
    /// default.
    pub tls: Option<TlsSource>,
}

/// Where the master key (32 bytes, wrapping every tenant key) is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MasterKey {
    /// `server.master_key`, or `<data_dir>/keys/master.key`.
    pub path: PathBuf,
    /// True when the config names the file: then it must exist. The default one is
    /// generated (mode 0600) on first start.
    pub named: bool,
}

/// Where the TLS certificate comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsSource {
    /// PEM files.
    Files {
        /// Certificate chain.
        cert: PathBuf,
        /// Private key.
        key: PathBuf,
    },
    /// Generated once into `<data_dir>/tls/`.
    SelfSigned,
}

/// Protocol limits; every one is greater than zero.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Concurrent connections (default 500); more get `421 4.3.2`.
    pub max_connections: usize,
    /// Largest message in bytes, advertised as SIZE (default 25 MiB); more get `552 5.3.4`.
    pub max_message_bytes: usize,
    /// Recipients per transaction (default 100); more get `452 4.5.3`.
    pub max_recipients: usize,
    /// Client errors per session before it is closed with `421 4.7.0` (default 10):
    /// 5xx replies to its commands (not refusals of a message's content) and junk
    /// commands past the first hundred, since it last delivered a message.
    pub max_errors: u32,
    /// Longest DATA line in bytes, CRLF included (default 1000, RFC 5321 §4.5.3.1.6).
    pub max_line_bytes: usize,
    /// Time for a whole command line, not per read (default 5 minutes); then `421 4.4.2`.
    pub command_timeout: Duration,
    /// Longest wait for more DATA bytes (default 3 minutes); then `421 4.4.2`.
    pub data_timeout: Duration,
    /// Longest a whole DATA phase may take (default 30 minutes); then `421 4.4.2`.
    pub data_total_timeout: Duration,
    /// Lowest average DATA rate in bytes per second after `data_rate_grace` (default
    /// 1024); slower gets `421 4.4.2`.
    pub data_min_bytes_per_sec: u64,
    /// Time at the start of DATA before its rate is checked (default 30 s).
    pub data_rate_grace: Duration,
    /// Bytes of DATA all sessions together may hold in memory, counting each message
    /// [`limits::MESSAGE_COPIES`] times while it is checked (default 160 MiB; at least
    /// that many of the largest message); a message that cannot get its share gets
    /// `452 4.3.1`. An eighth is kept for small messages and a quarter for medium ones
    /// (up to an eighth of that quarter each: 1.25 MB at the default), so that
    /// neither waits behind the largest ones, which have the rest.
    pub max_buffered_data_bytes: usize,
    /// How long a growing message waits for its share of that budget (default 5 s).
    pub data_budget_wait: Duration,
    /// Sessions one client address (an IPv6 /64) may hold at once (default 50, as Postfix's
    /// `smtpd_client_connection_count_limit`); more
    /// get `421 4.7.0`.
    pub max_connections_per_ip: u32,
    /// Connections one client address may open in a minute (default 600); more get
    /// `421 4.7.0`.
    pub connections_per_ip_per_minute: u32,
    /// MAIL commands one client address may give in a minute (default 1200); more get
    /// `450 4.7.1`.
    pub messages_per_ip_per_minute: u32,
    /// 5xx replies one client address may earn in a minute (default 30); then
    /// `421 4.7.0` until the minute is over.
    pub errors_per_ip_per_minute: u32,
    /// How long a temporary refusal from the filter chain (a failing or isolated
    /// plugin, a `tempfail` verdict) waits before it is sent (default 1 s, as Postfix's
    /// `smtpd_error_sleep_time`; zero sends it at once): a sender whose mail cannot be
    /// taken now is slowed, not served as fast as it can retry.
    pub tempfail_delay: Duration,
}

impl Limits {
    /// What the largest message takes of the DATA budget while it is checked and
    /// spooled, in bytes: the size limit, [`limits::MESSAGE_COPIES`] times. Validation
    /// keeps `max_buffered_data_bytes` at least this large, and the budget keeps room
    /// for it.
    pub fn largest_message_need(&self) -> usize {
        self.max_message_bytes.saturating_mul(limits::MESSAGE_COPIES)
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 500,
            max_message_bytes: 25 << 20,
            max_recipients: 100,
            max_errors: 10,
            max_line_bytes: 1000,
            command_timeout: Duration::from_secs(300),
            data_timeout: Duration::from_secs(180),
            data_total_timeout: Duration::from_secs(1800),
            data_min_bytes_per_sec: 1024,
            data_rate_grace: Duration::from_secs(30),
            max_buffered_data_bytes: 160 << 20,
            data_budget_wait: Duration::from_secs(5),
            max_connections_per_ip: 50,
            connections_per_ip_per_minute: 600,
            messages_per_ip_per_minute: 1200,
            errors_per_ip_per_minute: 30,
            tempfail_delay: Duration::from_secs(1),
        }
    }
}

/// Delivery retries.
#[derive(Debug, Clone)]
pub struct QueueConfig {
    /// First retry delay (default 60 s); each retry doubles it, with jitter, up to an hour.
    pub retry_base: Duration,
    /// Age at which a copy is given up and bounced (default 120 hours).
    pub max_age: Duration,
    /// Where bounces go: host and port; without one, an owed bounce is logged, not sent.
    pub bounce_relay: Option<(String, u16)>,
    /// How long quarantined mail is kept before it is purged (default 30 days).
    pub quarantine_retention: Duration,
}

/// Plugin runtime settings.
#[derive(Debug, Clone)]
pub struct PluginsConfig {
    /// The watched, hot-reloaded folder (default `<data_dir>/plugins`).
    pub dir: PathBuf,
    /// The purpose policy, loaded once at validation (`plugins.policy`, or the shipped
    /// default); the relay and every command use this one.
    pub policy: Arc<PurposePolicy>,
    /// The file it came from; `None` for the shipped default.
    pub policy_file: Option<PathBuf>,
    /// Per-call limits (`plugins.deadline_ms`, default 200; `plugins.memory_mb`, default 64).
    pub sandbox: SandboxLimits,
    /// Plugin instances alive at once (default 256).
    pub max_instances: u32,
    /// Plugin calls running at once (`plugins.workers`, default the number of cores);
    /// calls beyond wait, fairly between tenants, before their clock starts.
    pub workers: usize,
    /// Plugin calls waiting for a worker past which new connections get `421 4.3.2`
    /// (`plugins.max_waiting`, default 64 per worker).
    pub max_waiting: usize,
}

/// One plugin's operator settings.
#[derive(Debug, Clone, Default)]
pub struct PluginSettings {
    /// Text the plugin reads through `config()` (empty by default).
    pub config: Arc<str>,
    /// What its failure does (default: tempfail).
    pub failure_policy: FailurePolicy,
    /// Its own limits, each at most the runtime's.
    pub limits: PluginLimits,
}

impl Config {
    /// Reads and validates a config file; warnings come back beside it.
    pub fn load(path: &Path) -> Result<(Config, Vec<String>), ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConfigError::Read { path: path.display().to_string(), source })?;
        let base = path.parent().unwrap_or(Path::new("."));
        validate(&text, base)
    }

    /// The ready-to-try default, with the data dir and listen address overridable.
    pub fn ready_default(data_dir: Option<&Path>, listen: Option<SocketAddr>) -> Config {
        let (mut config, _) = validate(READY_DEFAULT_TOML, Path::new(".")).expect("the shipped default is valid");
        if let Some(dir) = data_dir {
            config.rebase_data_dir(dir);
        }
        if let Some(addr) = listen {
            config.listen = vec![addr];
        }
        config
    }

    /// Moves everything that lives under the data dir to `dir`.
    pub fn rebase_data_dir(&mut self, dir: &Path) {
        let old = self.data_dir.clone();
        let rebase = |p: &Path| p.strip_prefix(&old).map_or_else(|_| p.to_owned(), |rest| dir.join(rest));
        self.plugins.dir = rebase(&self.plugins.dir);
        self.master_key.path = rebase(&self.master_key.path);
        for t in &mut self.tenants {
            if let NextHop::Maildir(p) = &t.next_hop {
                let moved = rebase(p);
                Arc::make_mut(t).next_hop = NextHop::Maildir(moved);
            }
        }
        self.data_dir = dir.to_owned();
    }

    /// The settings of a plugin (defaults when the config names none).
    pub fn settings_for(&self, plugin: &str) -> PluginSettings {
        self.plugin_settings.get(plugin).cloned().unwrap_or_default()
    }
}
