//! Turning the file into a [`Config`], checking every value; errors name the key.

use super::file::{ConfigFile, NextHopFile, TenantFile};
use super::{Config, ConfigError, Limits, NextHop, PluginSettings, PluginsConfig, Tenant, TlsMode, TlsSource};
use crate::limits::SandboxLimits;
use mxr_privacy::PurposePolicy;
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The member states of the European Union (ISO 3166-1 alpha-2, lower-case).
pub const EU_MEMBERS: [&str; 27] = [
    "at", "be", "bg", "cy", "cz", "de", "dk", "ee", "es", "fi", "fr", "gr", "hr", "hu", "ie", "it", "lt", "lu", "lv",
    "mt", "nl", "pl", "pt", "ro", "se", "si", "sk",
];

fn invalid(key: impl Into<String>, problem: impl Into<String>) -> ConfigError {
    ConfigError::Invalid { key: key.into(), problem: problem.into() }
}

/// True for a host name of dot-separated labels of `[A-Za-z0-9-]`.
pub fn is_domain(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

fn is_id(s: &str) -> bool {
    (1..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn region(key: &str, value: &str) -> Result<String, ConfigError> {
    if value.len() == 2 && value.bytes().all(|b| b.is_ascii_lowercase()) {
        Ok(value.to_owned())
    } else {
        Err(invalid(key, format!("{value:?} is not a lower-case ISO 3166 country code such as \"nl\"")))
    }
}

fn positive<T: PartialOrd + Default + Copy>(key: &str, v: Option<T>, default: T) -> Result<T, ConfigError> {
    match v {
        Some(v) if v <= T::default() => Err(invalid(key, "must be greater than zero")),
        Some(v) => Ok(v),
        None => Ok(default),
    }
}

/// Parses and validates config text; relative paths resolve against `base` (the
/// config file's folder), data-dir paths against the data dir.
pub fn validate(text: &str, base: &Path) -> Result<(Config, Vec<String>), ConfigError> {
    let file: ConfigFile = toml::from_str(text).map_err(|e| ConfigError::Syntax(e.to_string().trim().to_owned()))?;
    if file.version != 1 {
        return Err(invalid("version", format!("unsupported version {} (this mxr reads version 1)", file.version)));
    }
    let mut warnings = Vec::new();
    let s = &file.server;
    let mut listen = Vec::new();
    for (i, a) in s.listen.clone().unwrap_or_else(|| vec!["127.0.0.1:2525".into()]).iter().enumerate() {
        let addr: SocketAddr = a.parse().map_err(|_| {
            invalid(format!("server.listen[{i}]"), format!("{a:?} is not an address like 127.0.0.1:25"))
        })?;
        listen.push(addr);
    }
    let hostname = s.hostname.clone().unwrap_or_else(|| "mxr.localhost".into());
    if !is_domain(&hostname) {
        return Err(invalid("server.hostname", format!("{hostname:?} is not a host name")));
    }
    let data_dir = base.join(s.data_dir.clone().unwrap_or_else(|| PathBuf::from("mxr-data")));
    let node_region = region("server.region", s.region.as_deref().unwrap_or("nl"))?;
    let tls = match &s.tls {
        None => None,
        Some(t) => match (&t.cert, &t.key, t.self_signed) {
            (Some(c), Some(k), false) => Some(TlsSource::Files { cert: base.join(c), key: base.join(k) }),
            (None, None, true) => Some(TlsSource::SelfSigned),
            _ => return Err(invalid("server.tls", "give cert and key, or self_signed = true (not both)")),
        },
    };
    let l = &s.limits;
    let d = Limits::default();
    let secs =
        |key: &str, v: Option<u64>, default: Duration| positive(key, v, default.as_secs()).map(Duration::from_secs);
    let limits = Limits {
        max_connections: positive("server.limits.max_connections", l.max_connections, d.max_connections)?,
        max_message_bytes: positive("server.limits.max_message_bytes", l.max_message_bytes, d.max_message_bytes)?,
        max_recipients: positive("server.limits.max_recipients", l.max_recipients, d.max_recipients)?,
        max_errors: positive("server.limits.max_errors", l.max_errors, d.max_errors)?,
        max_line_bytes: positive("server.limits.max_line_bytes", l.max_line_bytes, d.max_line_bytes)?,
        command_timeout: secs("server.limits.command_timeout_secs", l.command_timeout_secs, d.command_timeout)?,
        data_timeout: secs("server.limits.data_timeout_secs", l.data_timeout_secs, d.data_timeout)?,
    };
    let p = &file.plugins;
    let policy_path = p.policy.as_ref().map(|f| base.join(f));
    let policy = match &policy_path {
        Some(path) => PurposePolicy::load(path).map_err(|e| invalid("plugins.policy", e.to_string()))?,
        None => PurposePolicy::default_policy(),
    };
    let sd = SandboxLimits::default();
    let sandbox = SandboxLimits {
        deadline: Duration::from_millis(positive(
            "plugins.deadline_ms",
            p.deadline_ms,
            sd.deadline.as_millis() as u64,
        )?),
        memory_bytes: positive("plugins.memory_mb", p.memory_mb, sd.memory_bytes >> 20)? << 20,
        ..sd
    };
    let plugins = PluginsConfig {
        dir: data_dir.join(p.dir.clone().unwrap_or_else(|| PathBuf::from("plugins"))),
        policy: policy_path,
        sandbox: sandbox.clone(),
        max_instances: positive("plugins.max_instances", p.max_instances, 256)?,
    };
    let mut plugin_settings = BTreeMap::new();
    for (name, ps) in &file.plugin {
        let key = format!("plugin.{name}");
        if !is_id(name) {
            return Err(invalid(key, "a plugin name is lower-case [a-z0-9-]"));
        }
        let config: Arc<str> = match (&ps.config, &ps.config_file) {
            (Some(_), Some(_)) => return Err(invalid(key, "give config or config_file, not both")),
            (Some(text), None) => text.as_str().into(),
            (None, Some(f)) => std::fs::read_to_string(base.join(f))
                .map_err(|e| invalid(format!("{key}.config_file"), e.to_string()))?
                .into(),
            (None, None) => "".into(),
        };
        let deadline = match ps.deadline_ms {
            Some(ms) if ms == 0 || ms > sandbox.deadline.as_millis() as u64 => {
                let max = sandbox.deadline.as_millis();
                return Err(invalid(format!("{key}.deadline_ms"), format!("must be 1 to plugins.deadline_ms ({max})")));
            }
            other => other.map(Duration::from_millis),
        };
        let memory_bytes = match ps.memory_mb {
            Some(mb) if mb == 0 || mb << 20 > sandbox.memory_bytes => {
                let max = sandbox.memory_bytes >> 20;
                return Err(invalid(format!("{key}.memory_mb"), format!("must be 1 to plugins.memory_mb ({max})")));
            }
            other => other.map(|mb| mb << 20),
        };
        let limits = crate::limits::PluginLimits { deadline, memory_bytes };
        let failure_policy = ps.failure_policy.unwrap_or_default();
        plugin_settings.insert(name.clone(), PluginSettings { config, failure_policy, limits });
    }
    let mut owner: HashMap<String, String> = HashMap::new();
    let mut tenants = Vec::new();
    for (i, t) in file.tenant.iter().enumerate() {
        let tenant = tenant(i, t, &data_dir, &policy, &mut owner, &mut warnings)?;
        tenants.push(Arc::new(tenant));
    }
    for name in plugin_settings.keys() {
        if !tenants.iter().any(|t| t.plugins.contains(name)) {
            warnings.push(format!("plugin.{name}: no tenant uses plugin {name}"));
        }
    }
    let queue = super::QueueConfig {
        retry_base: Duration::from_secs(positive("queue.retry_base_secs", file.queue.retry_base_secs, 60)?),
        max_age: Duration::from_secs(3600 * positive("queue.max_age_hours", file.queue.max_age_hours, 120)?),
        quarantine_retention: Duration::from_secs(
            86_400 * positive("queue.quarantine_retention_days", file.queue.quarantine_retention_days, 30)?,
        ),
        bounce_relay: match &file.queue.bounce_relay {
            None => None,
            Some(r) => {
                let bad = || invalid("queue.bounce_relay", format!("{r:?} is not host:port"));
                let (host, port) = r.rsplit_once(':').ok_or_else(bad)?;
                Some((host.trim_matches(['[', ']']).to_owned(), port.parse().map_err(|_| bad())?))
            }
        },
    };
    if tenants.is_empty() {
        warnings.push("tenant: no tenants: every recipient will be refused".into());
    }
    let drain = Duration::from_secs(positive("server.drain_secs", s.drain_secs, 30)?);
    let master_key = match &s.master_key {
        Some(path) => (base.join(path), true),
        None => (data_dir.join("keys").join("master.key"), false),
    };
    let config = Config {
        listen,
        hostname,
        data_dir,
        region: node_region,
        master_key,
        drain,
        tls,
        limits,
        queue,
        plugins,
        plugin_settings,
        tenants,
    };
    Ok((config, warnings))
}

fn tenant(
    i: usize,
    t: &TenantFile,
    data_dir: &Path,
    policy: &PurposePolicy,
    owner: &mut HashMap<String, String>,
    warnings: &mut Vec<String>,
) -> Result<Tenant, ConfigError> {
    let key = format!("tenant[{i}]");
    if !is_id(&t.id) {
        return Err(invalid(format!("{key}.id"), format!("{:?} is not an id of [a-z0-9-]", t.id)));
    }
    if owner.values().any(|id| *id == t.id) {
        return Err(invalid(format!("{key}.id"), format!("tenant id {} is used twice", t.id)));
    }
    if t.domains.is_empty() {
        return Err(invalid(format!("{key}.domains"), "a tenant needs at least one domain"));
    }
    let mut domains = Vec::new();
    for (j, d) in t.domains.iter().enumerate() {
        let d = d.trim_end_matches('.').to_ascii_lowercase();
        if !is_domain(&d) {
            return Err(invalid(format!("{key}.domains[{j}]"), format!("{d:?} is not a domain name")));
        }
        if let Some(other) = owner.insert(d.clone(), t.id.clone()) {
            return Err(invalid(format!("{key}.domains[{j}]"), format!("{d} already belongs to tenant {other}")));
        }
        domains.push(d);
    }
    for (j, p) in t.plugins.iter().enumerate() {
        if !is_id(p) {
            return Err(invalid(format!("{key}.plugins[{j}]"), format!("{p:?} is not a plugin name")));
        }
        if !t.authorise.contains_key(p) {
            warnings
                .push(format!("{key}.plugins[{j}]: tenant {} authorises no purpose for {p}; it will not run", t.id));
        }
    }
    for (plugin, purpose) in &t.authorise {
        if !t.plugins.contains(plugin) {
            return Err(invalid(
                format!("{key}.authorise.{plugin}"),
                format!("{plugin} is not in this tenant's plugins"),
            ));
        }
        if policy.purpose(purpose).is_none() {
            return Err(invalid(
                format!("{key}.authorise.{plugin}"),
                format!("purpose {purpose:?} is not in the purpose policy"),
            ));
        }
    }
    for (plugin, forms) in &t.tighten {
        for (c, f) in forms {
            if !c.allowed_forms().contains(f) {
                return Err(invalid(format!("{key}.tighten.{plugin}.{c}"), format!("form {f} does not apply to {c}")));
            }
        }
    }
    let next_hop = next_hop(&format!("{key}.next_hop"), &t.next_hop, data_dir, &t.id)?;
    if let NextHop::Smtp { region, .. } = &next_hop {
        let consent = t.transfer_consent.as_deref().is_some_and(|c| !c.trim().is_empty());
        if !EU_MEMBERS.contains(&region.as_str()) && !consent {
            return Err(invalid(
                format!("{key}.next_hop.region"),
                format!(
                    "{region} is outside the EU; record the tenant's consent in {key}.transfer_consent first (agreement art. 3.1)"
                ),
            ));
        }
    }
    Ok(Tenant {
        id: t.id.clone(),
        domains,
        plugins: t.plugins.clone(),
        authorise: t.authorise.clone(),
        tighten: t.tighten.clone(),
        next_hop,
    })
}

fn next_hop(key: &str, n: &NextHopFile, data_dir: &Path, tenant: &str) -> Result<NextHop, ConfigError> {
    match n.kind.as_str() {
        "maildir" => {
            if n.host.is_some() || n.port.is_some() || n.tls.is_some() {
                return Err(invalid(key, "host, port and tls belong to kind = \"smtp\""));
            }
            Ok(NextHop::Maildir(data_dir.join(n.path.clone().unwrap_or_else(|| PathBuf::from("maildir").join(tenant)))))
        }
        "smtp" => {
            let host = n.host.clone().ok_or_else(|| invalid(format!("{key}.host"), "an smtp next hop needs a host"))?;
            if !is_domain(&host) && host.parse::<std::net::IpAddr>().is_err() {
                return Err(invalid(format!("{key}.host"), format!("{host:?} is not a host name or address")));
            }
            let tls = match n.tls.as_deref().unwrap_or("required") {
                "required" => TlsMode::Required,
                "opportunistic" => TlsMode::Opportunistic,
                "none" => TlsMode::None,
                other => {
                    return Err(invalid(
                        format!("{key}.tls"),
                        format!("{other:?} is not required, opportunistic or none"),
                    ));
                }
            };
            let region_value = n.region.as_deref().ok_or_else(|| {
                invalid(format!("{key}.region"), "an smtp next hop must say where it is (agreement art. 3.1)")
            })?;
            let region = region(&format!("{key}.region"), region_value)?;
            let ca_file = n.ca_file.as_ref().map(|f| data_dir.join(f));
            Ok(NextHop::Smtp { host, port: n.port.unwrap_or(25), tls, region, ca_file })
        }
        other => Err(invalid(format!("{key}.kind"), format!("{other:?} is not smtp or maildir"))),
    }
}
