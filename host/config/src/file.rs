//! The config file as written: TOML with `deny_unknown_fields` everywhere, so a typo
//! is an error naming the key, never a silently ignored setting. Names and closed sets
//! are checked here, as they are deserialised ([`crate::names`]); what depends on other
//! values is checked by [`crate::validate`].

use crate::limits::FailurePolicy;
use crate::names::{NextHopKind, PluginName, Region, TenantId, TenantStatus, TlsMode};
use mxr_privacy::{Category, Form};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// Format version; this mxr reads 1.
    pub version: u32,
    /// The listener and the node.
    #[serde(default)]
    pub server: ServerFile,
    /// The plugins folder and runtime limits.
    #[serde(default)]
    pub plugins: PluginsFile,
    /// Delivery retries.
    #[serde(default)]
    pub queue: QueueFile,
    /// Delivery concurrency and timeouts.
    #[serde(default)]
    pub delivery: crate::delivery::DeliveryFile,
    /// The resolver.
    #[serde(default)]
    pub dns: crate::dns::DnsFile,
    /// Per-plugin settings, by plugin name.
    #[serde(default)]
    pub plugin: BTreeMap<PluginName, PluginSettingsFile>,
    /// The HTTP API and console; off without this table.
    pub api: Option<ApiFile>,
    /// The tenants.
    #[serde(default)]
    pub tenant: Vec<TenantFile>,
    /// The audit log's witnesses; none without the table.
    #[serde(default)]
    pub audit: crate::witness::AuditFile,
}

/// `[server]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerFile {
    /// Addresses to listen on.
    pub listen: Option<Vec<String>>,
    /// The name this node gives in its greeting and Received headers.
    pub hostname: Option<String>,
    /// Where spool, quarantine, keys, plugins and maildirs live.
    pub data_dir: Option<PathBuf>,
    /// ISO 3166 code of the country this node runs in (default `nl`).
    pub region: Option<Region>,
    /// The master key file (32 bytes); default `<data_dir>/keys/master.key`, generated
    /// on first start.
    pub master_key: Option<PathBuf>,
    /// Bound on waiting for running transactions at shutdown, in seconds.
    pub drain_secs: Option<u64>,
    /// STARTTLS.
    pub tls: Option<TlsFile>,
    /// Protocol limits.
    #[serde(default)]
    pub limits: LimitsFile,
    /// Where `RCPT TO:<postmaster>` goes: an address at a served domain.
    pub postmaster: Option<String>,
}

/// `[server.tls]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsFile {
    /// PEM certificate chain.
    pub cert: Option<PathBuf>,
    /// PEM private key.
    pub key: Option<PathBuf>,
    /// Generate (once) and use a self-signed certificate in the data dir.
    #[serde(default)]
    pub self_signed: bool,
}

/// `[server.limits]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsFile {
    /// Concurrent connections; more get `421 4.3.2`.
    pub max_connections: Option<usize>,
    /// Largest message in bytes (advertised as SIZE).
    pub max_message_bytes: Option<usize>,
    /// Recipients per transaction.
    pub max_recipients: Option<usize>,
    /// Client errors per session before it is closed.
    pub max_errors: Option<u32>,
    /// Longest DATA line, CRLF included.
    pub max_line_bytes: Option<usize>,
    /// Time for a whole command line, in seconds (RFC 5321 §4.5.3.2.7: 5 minutes).
    pub command_timeout_secs: Option<u64>,
    /// Waiting for more DATA, in seconds (§4.5.3.2.5: 3 minutes).
    pub data_timeout_secs: Option<u64>,
    /// A whole DATA phase, in seconds (default 1800).
    pub data_total_secs: Option<u64>,
    /// Lowest average DATA rate after the grace period, in bytes per second (default 1024).
    pub data_min_bytes_per_sec: Option<u64>,
    /// Seconds at the start of DATA before its rate is checked (default 30).
    pub data_rate_grace_secs: Option<u64>,
    /// DATA bytes all sessions together may hold in memory (default 512 MiB).
    pub max_buffered_data_bytes: Option<usize>,
    /// How long a message waits for its share of that budget, in milliseconds (default 5000).
    pub data_budget_wait_ms: Option<u64>,
    /// Sessions one client address may hold at once (default 20).
    pub max_connections_per_ip: Option<u32>,
    /// Connections one client address may open in a minute (default 60).
    pub connections_per_ip_per_minute: Option<u32>,
    /// MAIL commands one client address may give in a minute (default 120).
    pub messages_per_ip_per_minute: Option<u32>,
    /// 5xx replies one client address may earn in a minute (default 30).
    pub errors_per_ip_per_minute: Option<u32>,
    /// How long a temporary refusal from the filter chain waits before it is sent, in
    /// milliseconds (default 1000; 0 sends it at once).
    pub tempfail_delay_ms: Option<u64>,
}

/// `[plugins]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PluginsFile {
    /// The plugins folder (relative paths are under the data dir).
    pub dir: Option<PathBuf>,
    /// A purpose policy file instead of the shipped one (relative to the config file);
    /// read and validated once, by [`crate::validate`].
    pub policy: Option<PathBuf>,
    /// Per-call deadline in milliseconds.
    pub deadline_ms: Option<u64>,
    /// Per-instance memory cap in MiB.
    pub memory_mb: Option<usize>,
    /// Plugin instances alive at once.
    pub max_instances: Option<u32>,
    /// Plugin calls running at once, shared fairly between tenants.
    pub workers: Option<usize>,
    /// Plugin calls waiting for a worker past which new connections get 421.
    pub max_waiting: Option<usize>,
}

/// `[plugin.<name>]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PluginSettingsFile {
    /// Config text handed to the plugin.
    pub config: Option<String>,
    /// Or a file holding it.
    pub config_file: Option<PathBuf>,
    /// What a failure of this plugin does.
    pub failure_policy: Option<FailurePolicy>,
    /// A per-call deadline below `plugins.deadline_ms`.
    pub deadline_ms: Option<u64>,
    /// A memory cap below `plugins.memory_mb`.
    pub memory_mb: Option<usize>,
}

/// `[[tenant]]`, and a tenant as the live tenant store keeps it and the API takes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantFile {
    /// A short id, `[a-z0-9-]`.
    pub id: TenantId,
    /// The domains it receives mail for.
    pub domains: Vec<String>,
    /// Its plugins, in the order they run.
    #[serde(default)]
    pub plugins: Vec<PluginName>,
    /// Plugin name → the purpose the tenant authorises it for (a purpose of the policy).
    #[serde(default)]
    pub authorise: BTreeMap<PluginName, String>,
    /// Plugin name → categories whose form the tenant tightens.
    #[serde(default)]
    pub tighten: BTreeMap<PluginName, BTreeMap<Category, Form>>,
    /// Where its mail goes.
    pub next_hop: NextHopFile,
    /// Accept sender-routed recipients (`user%other@`, `other!user@`,
    /// `"user@other"@`) for this tenant's domains; default false (`550 5.7.1`).
    #[serde(default)]
    pub allow_sender_routing: bool,
    /// The tenant's recorded consent to transfer outside the EU (agreement art. 3.1),
    /// e.g. a reference to the signed document; needed for a non-EU next hop.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer_consent: Option<String>,
    /// Plugin name → the settings text that plugin reads through `config()` for this
    /// tenant, instead of the operator's `[plugin.<name>].config`; at most
    /// [`crate::MAX_SETTINGS_BYTES`] each, for plugins in `plugins` only.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub settings: BTreeMap<PluginName, String>,
    /// Whether its mail is taken (default `active`).
    #[serde(default, skip_serializing_if = "is_active")]
    pub status: TenantStatus,
    /// `[tenant.digest]`: the quarantine digest; none without the table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<crate::digest::DigestFile>,
}

fn is_active(s: &TenantStatus) -> bool {
    *s == TenantStatus::Active
}

/// `[tenant.next_hop]`. Unset fields are left out when written back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NextHopFile {
    /// `smtp` (the customer's server), `mx` (the MX hosts of a domain) or `maildir`
    /// (a local folder).
    pub kind: NextHopKind,
    /// MX: the domain whose MX hosts take the mail (required; not a domain this relay
    /// serves, which would loop back here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// SMTP: host name or address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// SMTP: port (25). MX: port (default `delivery.mx_port`, itself 25).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// SMTP and MX: `required` (the default), `opportunistic` or `none`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<TlsMode>,
    /// SMTP and MX: a PEM file of CA certificates to trust besides the public ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
    /// Maildir: the folder (default `<data_dir>/maildir/<tenant>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
    /// SMTP: ISO 3166 code of the country the next hop is in (required). MX: the
    /// country the tenant declares its MX hosts are in (required; mxr cannot check
    /// where the addresses DNS returns really are).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<Region>,
}

/// `[api]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiFile {
    /// Where the API, the console and `/metrics` listen (default `127.0.0.1:8025`).
    pub listen: Option<String>,
    /// Requests one token may make per minute (default 600).
    pub requests_per_minute: Option<u32>,
    /// Serve HTTPS: `cert` and `key`, or `self_signed = true` (as `[server.tls]`).
    pub tls: Option<TlsFile>,
}

/// `[queue]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueFile {
    /// First retry delay in seconds; each retry doubles it (with jitter), up to an hour.
    pub retry_base_secs: Option<u64>,
    /// Give up and bounce after this many hours (default 120: five days).
    pub max_age_hours: Option<u64>,
    /// `host:port` of the relay that carries bounces to senders.
    pub bounce_relay: Option<String>,
    /// Days a quarantined message is kept before it is purged (default 30).
    pub quarantine_retention_days: Option<u64>,
}
