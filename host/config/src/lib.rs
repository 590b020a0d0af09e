//! The relay's configuration: one TOML file (`version = 1`), validated into typed
//! values; every error names the key at fault. [`ready_default`] is what `mxr serve`
//! runs without a file.

#![deny(missing_docs)]

pub mod file;
pub mod limits;
mod validate;

pub use validate::validate;

use limits::{FailurePolicy, PluginLimits, SandboxLimits};
use mxr_privacy::{Category, Form, Grant};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

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
    /// TOML syntax, an unknown key, or a value of the wrong type (the message names it).
    #[error("config: {0}")]
    Syntax(String),
    /// A value that is not allowed.
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
    /// Where to listen.
    pub listen: Vec<SocketAddr>,
    /// This node's name.
    pub hostname: String,
    /// The data directory.
    pub data_dir: PathBuf,
    /// This node's country (ISO 3166, lower-case).
    pub region: String,
    /// How long shutdown waits for running transactions.
    pub drain: Duration,
    /// The master key file, and whether it was named in the config (then it must exist).
    pub master_key: (PathBuf, bool),
    /// STARTTLS, if offered.
    pub tls: Option<TlsSource>,
    /// Protocol limits.
    pub limits: Limits,
    /// Delivery retries.
    pub queue: QueueConfig,
    /// Plugin runtime settings.
    pub plugins: PluginsConfig,
    /// Per-plugin settings by name.
    pub plugin_settings: BTreeMap<String, PluginSettings>,
    /// The tenants.
    pub tenants: Vec<Arc<Tenant>>,
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

/// Protocol limits.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Concurrent connections.
    pub max_connections: usize,
    /// Largest message.
    pub max_message_bytes: usize,
    /// Recipients per transaction.
    pub max_recipients: usize,
    /// Client errors per session.
    pub max_errors: u32,
    /// Longest DATA line.
    pub max_line_bytes: usize,
    /// Waiting for a command.
    pub command_timeout: Duration,
    /// Waiting for DATA bytes.
    pub data_timeout: Duration,
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
        }
    }
}

/// Delivery retries.
#[derive(Debug, Clone)]
pub struct QueueConfig {
    /// First retry delay.
    pub retry_base: Duration,
    /// Age at which a copy is given up and bounced.
    pub max_age: Duration,
    /// Where bounces go: host and port.
    pub bounce_relay: Option<(String, u16)>,
    /// How long quarantined mail is kept.
    pub quarantine_retention: Duration,
}

/// Plugin runtime settings.
#[derive(Debug, Clone)]
pub struct PluginsConfig {
    /// The watched folder.
    pub dir: PathBuf,
    /// A purpose policy file, or the shipped default.
    pub policy: Option<PathBuf>,
    /// Per-call limits.
    pub sandbox: SandboxLimits,
    /// Instances alive at once.
    pub max_instances: u32,
}

/// One plugin's operator settings.
#[derive(Debug, Clone, Default)]
pub struct PluginSettings {
    /// Text the plugin reads through `config()`.
    pub config: Arc<str>,
    /// What its failure does.
    pub failure_policy: FailurePolicy,
    /// Its own (lower) limits.
    pub limits: PluginLimits,
}

/// A customer.
#[derive(Debug, Clone)]
pub struct Tenant {
    /// Its id.
    pub id: String,
    /// Its domains, lower-case.
    pub domains: Vec<String>,
    /// Its plugins in order.
    pub plugins: Vec<String>,
    /// Plugin → authorised purpose.
    pub authorise: BTreeMap<String, String>,
    /// Plugin → tightened forms.
    pub tighten: BTreeMap<String, BTreeMap<Category, Form>>,
    /// Where its mail goes.
    pub next_hop: NextHop,
}

/// Why a plugin does not run for a tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotRun {
    /// The tenant's chain does not name the plugin.
    NotInChain,
    /// The tenant authorises no purpose for the plugin.
    NotAuthorised,
    /// The tenant authorises another purpose than the one the plugin declares.
    OtherPurpose {
        /// What the tenant authorised.
        authorised: String,
    },
}

impl Tenant {
    /// The one place that decides whether plugin `name`, which declares `purpose` and
    /// whose policy grant is `policy_grant`, runs for this tenant, and with what grant:
    /// only if the tenant's chain names it and the tenant authorises exactly that
    /// purpose; then with the policy grant tightened by the tenant (never widened).
    pub fn grant_for(&self, name: &str, purpose: &str, policy_grant: Grant) -> Result<Grant, NotRun> {
        if !self.plugins.iter().any(|p| p == name) {
            return Err(NotRun::NotInChain);
        }
        match self.authorise.get(name) {
            None => Err(NotRun::NotAuthorised),
            Some(a) if a != purpose => Err(NotRun::OtherPurpose { authorised: a.clone() }),
            Some(_) => Ok(self.tighten.get(name).map_or(policy_grant, |t| policy_grant.tighten(t))),
        }
    }
}

/// TLS towards a next hop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// Refuse to deliver without TLS.
    Required,
    /// TLS when offered.
    Opportunistic,
    /// Never TLS.
    None,
}

/// Where a tenant's accepted mail goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NextHop {
    /// A local Maildir (the ready default's stand-in for the customer's server).
    Maildir(PathBuf),
    /// The customer's SMTP server.
    Smtp {
        /// Host.
        host: String,
        /// Port.
        port: u16,
        /// TLS mode.
        tls: TlsMode,
        /// Its country.
        region: String,
        /// Extra trusted CA certificates (PEM).
        ca_file: Option<PathBuf>,
    },
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
        self.master_key.0 = rebase(&self.master_key.0);
        for t in &mut self.tenants {
            if let NextHop::Maildir(p) = &t.next_hop {
                let moved = rebase(p);
                Arc::make_mut(t).next_hop = NextHop::Maildir(moved);
            }
        }
        self.data_dir = dir.to_owned();
    }

    /// The tenant owning a domain (case-insensitive).
    pub fn tenant_for_domain(&self, domain: &str) -> Option<&Arc<Tenant>> {
        let domain = domain.trim_end_matches('.').to_ascii_lowercase();
        self.tenants.iter().find(|t| t.domains.contains(&domain))
    }

    /// The settings of a plugin (defaults when the config names none).
    pub fn settings_for(&self, plugin: &str) -> PluginSettings {
        self.plugin_settings.get(plugin).cloned().unwrap_or_default()
    }
}
