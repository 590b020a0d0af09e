//! The one resolver mxr asks: authentication of incoming mail at DATA (SPF, DKIM,
//! DMARC and iprev, by Stalwart's `mail-auth`, [`authenticate`]) and the mail
//! exchangers of a domain for delivery ([`route`]). Both go through one hickory
//! resolver, whose answers are cached with their TTLs, and parsed records are cached
//! again with the same expiry ([`cache`]).
//!
//! Every lookup is bounded: a query by `dns.timeout_ms`, a message's whole
//! authentication by `dns.auth_budget_ms`. A lookup that times out is a temporary
//! error (`temperror`, a retry), never a stalled session.

#![deny(missing_docs)]

pub mod authenticate;
pub mod cache;
pub mod route;

use cache::Caches;
use mail_auth::MessageAuthenticator;
use mail_auth::hickory_resolver::config::{NameServerConfig, ResolverConfig, ResolverOpts};
use mail_auth::hickory_resolver::system_conf::read_system_conf;
use mxr_config::dns::DnsConfig;
use std::time::Duration;

/// Why the resolver could not be built.
#[derive(Debug, thiserror::Error)]
pub enum DnsError {
    /// The system's resolver configuration could not be read (and `dns.servers` is
    /// empty).
    #[error("dns.servers: none given, and the system resolver configuration cannot be read: {0}")]
    SystemConf(String),
    /// The resolver refused its configuration.
    #[error("dns.servers: cannot build the resolver: {0}")]
    Build(String),
}

/// The resolver, with its caches and bounds. Cheap to share behind an `Arc`.
pub struct Dns {
    resolver: MessageAuthenticator,
    caches: Caches,
    /// One message's whole authentication.
    auth_budget: Duration,
    /// Whether incoming mail is authenticated at all.
    authenticate: bool,
}

/// Tries per query within `dns.timeout_ms`.
const QUERY_TRIES: usize = 3;

/// Entries each record cache keeps (per kind), beyond which the oldest go first.
const CACHE_ENTRIES: usize = 8192;

impl Dns {
    /// The resolver `config` describes: its servers, or the system's.
    pub fn new(config: &DnsConfig) -> Result<Dns, DnsError> {
        let (resolver_config, mut opts) = if config.servers.is_empty() {
            read_system_conf().map_err(|e| DnsError::SystemConf(e.to_string()))?
        } else {
            let mut rc = ResolverConfig::from_parts(None, vec![], vec![]);
            for s in &config.servers {
                let mut ns = NameServerConfig::udp_and_tcp(s.ip());
                for c in &mut ns.connections {
                    c.port = s.port();
                }
                rc.add_name_server(ns);
            }
            (rc, ResolverOpts::default())
        };
        // A datagram lost (or a query a busy resolver drops) is asked again: three
        // tries within the query's wait, rather than one that waits it all out.
        opts.attempts = QUERY_TRIES;
        opts.timeout = config.timeout / QUERY_TRIES as u32;
        let resolver = MessageAuthenticator::new(resolver_config, opts).map_err(|e| DnsError::Build(e.to_string()))?;
        Ok(Dns {
            resolver,
            caches: Caches::new(CACHE_ENTRIES),
            auth_budget: config.auth_budget,
            authenticate: config.authenticate,
        })
    }

    /// True when incoming mail is to be authenticated (`dns.authenticate`).
    pub fn authenticates(&self) -> bool {
        self.authenticate
    }
}
