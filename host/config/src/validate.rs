//! Turning the file into a [`Config`]: each section by its own short check, in the
//! order the file reads. Every error names the key at fault.

mod delivery;
mod dns;
mod limits;
mod plugins;
pub(crate) mod tenants;
#[cfg(test)]
mod tests;

use super::file::{ApiFile, ConfigFile, QueueFile, ServerFile, TlsFile};
use super::{ApiConfig, Config, ConfigError, MasterKey, QueueConfig, Tenant, TlsSource};
use crate::names::{Region, is_domain};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The listen address without `server.listen`.
const DEFAULT_LISTEN: &str = "127.0.0.1:2525";
/// The API's address without `api.listen`.
const DEFAULT_API_LISTEN: &str = "127.0.0.1:8025";
/// The host name without `server.hostname`.
const DEFAULT_HOSTNAME: &str = "mxr.localhost";
/// The node's country without `server.region`.
const DEFAULT_REGION: &str = "nl";

fn invalid(key: impl Into<String>, problem: impl Into<String>) -> ConfigError {
    ConfigError::Invalid { key: key.into(), problem: problem.into() }
}

/// `v`, which must be greater than zero, or `default` when the file leaves it out.
fn positive<T: PartialOrd + Default + Copy>(key: &str, v: Option<T>, default: T) -> Result<T, ConfigError> {
    match v {
        Some(v) if v <= T::default() => Err(invalid(key, "must be greater than zero")),
        Some(v) => Ok(v),
        None => Ok(default),
    }
}

/// [`positive`] for a number of seconds (times `unit`, e.g. 3600 for hours).
fn duration(key: &str, v: Option<u64>, default: u64, unit: u64) -> Result<Duration, ConfigError> {
    positive(key, v, default).map(|n| Duration::from_secs(n.saturating_mul(unit)))
}

/// Parses and validates config text; relative paths resolve against `base` (the
/// config file's folder), data-dir paths against the data dir. Never panics, whatever
/// the text.
pub fn validate(text: &str, base: &Path) -> Result<(Config, Vec<String>), ConfigError> {
    let file = parse(text)?;
    if file.version != 1 {
        return Err(invalid("version", format!("unsupported version {} (this mxr reads version 1)", file.version)));
    }
    let s = &file.server;
    let data_dir = base.join(s.data_dir.clone().unwrap_or_else(|| PathBuf::from("mxr-data")));
    let listen = listen(s.listen.as_deref())?;
    let hostname = hostname(s.hostname.as_deref())?;
    let tls = tls("server.tls", s.tls.as_ref(), base)?;
    let limits = limits::limits(&s.limits)?;
    let delivery = delivery::delivery(&file.delivery, limits.max_message_bytes)?;
    let plugins = plugins::runtime(&file.plugins, base, &data_dir)?;
    let plugin_settings = plugins::settings(&file.plugin, &plugins.sandbox, base)?;
    let mut warnings = Vec::new();
    let tenants =
        tenants::tenants(&file.tenant, &data_dir, &plugins.policy, &mut warnings, &|i| format!("tenant[{i}]"))?;
    warnings.extend(plugins::unused(&plugin_settings, &tenants));
    let postmaster = postmaster(s.postmaster.as_deref(), &tenants, &mut warnings)?;
    crate::witness::check_witnesses(&file.audit)?;
    let config = Config {
        listen,
        hostname,
        region: s.region.clone().unwrap_or_else(|| Region::try_from(DEFAULT_REGION).expect("a country code")),
        master_key: master_key(s, base, &data_dir),
        drain: duration("server.drain_secs", s.drain_secs, 30, 1)?,
        tls,
        limits,
        queue: queue(&file.queue)?,
        delivery,
        dns: dns::dns(&file.dns)?,
        plugins,
        plugin_settings,
        tenants,
        api: api(file.api.as_ref(), base, &mut warnings)?,
        tenant_files: file.tenant,
        postmaster,
        witnesses: file.audit.witness,
        data_dir,
    };
    Ok((config, warnings))
}

/// The file as written. A value of the wrong type or shape is refused here, under
/// its dotted key and with the line it is on; TOML syntax errors keep toml's snippet.
fn parse(text: &str) -> Result<ConfigFile, ConfigError> {
    let syntax = |e: toml::de::Error| ConfigError::Syntax(e.to_string().trim().to_owned());
    let de = toml::Deserializer::parse(text).map_err(syntax)?;
    serde_path_to_error::deserialize(de).map_err(|e| {
        // A map key that is not one of a closed set reads `tighten.x.?`: name its table.
        let key = e.path().to_string().trim_end_matches(".?").to_owned();
        let inner = e.into_inner();
        match inner.span() {
            Some(span) if key != "." => {
                let line = text.get(..span.start).map_or(0, |t| t.matches('\n').count()) + 1;
                invalid(key, format!("{} (line {line})", inner.message().trim()))
            }
            _ => syntax(inner),
        }
    })
}

/// `server.listen`: socket addresses, not names.
fn listen(listen: Option<&[String]>) -> Result<Vec<SocketAddr>, ConfigError> {
    let default = [DEFAULT_LISTEN.to_owned()];
    let listen = listen.unwrap_or(&default);
    let parse = |(i, a): (usize, &String)| {
        a.parse()
            .map_err(|_| invalid(format!("server.listen[{i}]"), format!("{a:?} is not an address like 127.0.0.1:25")))
    };
    listen.iter().enumerate().map(parse).collect()
}

/// `[api]`: an address and a request budget.
/// `[api]`: its listener, rate and TLS. A listener off loopback without TLS is
/// allowed (a TLS-terminating proxy may sit in front) but warned about: tokens would
/// cross the network in clear.
fn api(api: Option<&ApiFile>, base: &Path, warnings: &mut Vec<String>) -> Result<Option<ApiConfig>, ConfigError> {
    let Some(a) = api else { return Ok(None) };
    let text = a.listen.as_deref().unwrap_or(DEFAULT_API_LISTEN);
    let listen: std::net::SocketAddr =
        text.parse().map_err(|_| invalid("api.listen", format!("{text:?} is not an address like 127.0.0.1:8025")))?;
    let requests_per_minute = positive("api.requests_per_minute", a.requests_per_minute, 600)?;
    let tls = tls("api.tls", a.tls.as_ref(), base)?;
    if tls.is_none() && !listen.ip().is_loopback() {
        warnings.push(format!("api.listen: {listen} is not loopback and [api.tls] is not set: tokens travel in clear"));
    }
    Ok(Some(ApiConfig { listen, requests_per_minute, tls }))
}

/// `server.hostname`: a host name.
fn hostname(hostname: Option<&str>) -> Result<String, ConfigError> {
    let hostname = hostname.unwrap_or(DEFAULT_HOSTNAME);
    if !is_domain(hostname) {
        return Err(invalid("server.hostname", format!("{hostname:?} is not a host name")));
    }
    Ok(hostname.to_owned())
}

/// `[server.tls]` or `[api.tls]` (named by `table`): a certificate and key, or a
/// self-signed certificate; not both.
fn tls(table: &'static str, tls: Option<&TlsFile>, base: &Path) -> Result<Option<TlsSource>, ConfigError> {
    let Some(t) = tls else { return Ok(None) };
    match (&t.cert, &t.key, t.self_signed) {
        (Some(c), Some(k), false) => Ok(Some(TlsSource::Files { cert: base.join(c), key: base.join(k) })),
        (None, None, true) => Ok(Some(TlsSource::SelfSigned)),
        _ => Err(invalid(table, "give cert and key, or self_signed = true (not both)")),
    }
}

/// `server.postmaster`: an address at a served domain; without it, `postmaster@`
/// the first tenant's first domain (with a warning saying so).
fn postmaster(
    given: Option<&str>,
    tenants: &[Arc<Tenant>],
    warnings: &mut Vec<String>,
) -> Result<Option<String>, ConfigError> {
    let Some(address) = given else {
        let first = tenants.first().and_then(|t| t.domains.first());
        let fallback = first.map(|d| format!("postmaster@{d}"));
        if let Some(f) = &fallback {
            warnings.push(format!("server.postmaster: not set; RCPT TO:<postmaster> goes to {f}"));
        }
        return Ok(fallback);
    };
    let served = address.rsplit_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && tenants.iter().any(|t| t.domains.iter().any(|d| d.eq_ignore_ascii_case(domain)))
    });
    if !served || !address.is_ascii() {
        return Err(invalid("server.postmaster", format!("{address:?} is not an address at a served domain")));
    }
    Ok(Some(address.to_owned()))
}

/// `server.master_key`, or the default under the data dir.
fn master_key(s: &ServerFile, base: &Path, data_dir: &Path) -> MasterKey {
    match &s.master_key {
        Some(path) => MasterKey { path: base.join(path), named: true },
        None => MasterKey { path: data_dir.join("keys").join("master.key"), named: false },
    }
}

/// `[queue]`: retry timing, retention, and where bounces go.
fn queue(q: &QueueFile) -> Result<QueueConfig, ConfigError> {
    Ok(QueueConfig {
        retry_base: duration("queue.retry_base_secs", q.retry_base_secs, 60, 1)?,
        max_age: duration("queue.max_age_hours", q.max_age_hours, 120, 3600)?,
        quarantine_retention: duration("queue.quarantine_retention_days", q.quarantine_retention_days, 30, 86_400)?,
        bounce_relay: q.bounce_relay.as_deref().map(bounce_relay).transpose()?,
    })
}

/// `queue.bounce_relay`: `host:port`, the host possibly a bracketed IPv6 address.
fn bounce_relay(r: &str) -> Result<(String, u16), ConfigError> {
    let bad = || invalid("queue.bounce_relay", format!("{r:?} is not host:port"));
    let (host, port) = r.rsplit_once(':').ok_or_else(bad)?;
    Ok((host.trim_matches(['[', ']']).to_owned(), port.parse().map_err(|_| bad())?))
}
