//! `[dns]`: the one resolver that serves authentication (SPF, DKIM, DMARC, iprev) and
//! delivery by MX, as written ([`DnsFile`]) and as validated ([`DnsConfig`]). Without
//! the table the system resolver (`/etc/resolv.conf`) is used.

use serde::Deserialize;
use std::net::SocketAddr;
use std::time::Duration;

/// `[dns]` as written; every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DnsFile {
    /// Name servers to ask, `"ip"` or `"ip:port"` (port 53 by default), over UDP with
    /// TCP for truncated answers. Empty or absent: the system resolver.
    pub servers: Option<Vec<String>>,
    /// One query's wait, in milliseconds.
    pub timeout_ms: Option<u64>,
    /// The whole authentication of one message, every lookup included, in
    /// milliseconds; past it, what is unfinished is `temperror`.
    pub auth_budget_ms: Option<u64>,
    /// Check SPF, DKIM, DMARC and iprev at DATA, and add `Authentication-Results`.
    pub authenticate: Option<bool>,
}

/// The resolver's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsConfig {
    /// The name servers; empty means the system resolver.
    pub servers: Vec<SocketAddr>,
    /// One query's wait (default 2 s).
    pub timeout: Duration,
    /// One message's authentication, all lookups together (default 4 s). Bounds how
    /// long DNS can hold a reply to DATA.
    pub auth_budget: Duration,
    /// Authenticate incoming mail (default true).
    pub authenticate: bool,
}

impl Default for DnsConfig {
    fn default() -> Self {
        DnsConfig {
            servers: Vec::new(),
            timeout: Duration::from_secs(2),
            auth_budget: Duration::from_secs(4),
            authenticate: true,
        }
    }
}
