//! `[dns]`: server addresses that parse, waits greater than zero, and a query wait
//! within the message's budget.

use super::invalid;
use crate::ConfigError;
use crate::dns::{DnsConfig, DnsFile};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// `[dns]` validated; an error names the key.
pub(super) fn dns(f: &DnsFile) -> Result<DnsConfig, ConfigError> {
    let d = DnsConfig::default();
    let mut servers = Vec::new();
    for (i, s) in f.servers.iter().flatten().enumerate() {
        let addr = s
            .parse::<SocketAddr>()
            .or_else(|_| s.parse::<IpAddr>().map(|ip| SocketAddr::new(ip, 53)))
            .map_err(|_| invalid(format!("dns.servers[{i}]"), format!("{s:?} is not an IP address or ip:port")))?;
        servers.push(addr);
    }
    let millis = |key: &str, v: Option<u64>, default: Duration| match v {
        None => Ok(default),
        Some(0) => Err(invalid(format!("dns.{key}"), "must be greater than zero")),
        Some(ms) => Ok(Duration::from_millis(ms)),
    };
    let timeout = millis("timeout_ms", f.timeout_ms, d.timeout)?;
    let auth_budget = millis("auth_budget_ms", f.auth_budget_ms, d.auth_budget)?;
    if timeout > auth_budget {
        let why =
            format!("{} ms is longer than dns.auth_budget_ms ({} ms)", timeout.as_millis(), auth_budget.as_millis());
        return Err(invalid("dns.timeout_ms", why));
    }
    Ok(DnsConfig { servers, timeout, auth_budget, authenticate: f.authenticate.unwrap_or(d.authenticate) })
}
