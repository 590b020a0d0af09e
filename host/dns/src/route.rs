//! Where mail for a domain goes (RFC 5321 §5.1): its MX hosts in preference order, or
//! the domain itself when it publishes addresses but no MX (the implicit MX). A null
//! MX (RFC 7505) or a domain that does not exist is permanent: the mail bounces. Any
//! other failure is temporary: the mail waits and is tried again.

use crate::Dns;
use mail_auth::hickory_resolver::proto::op::ResponseCode;
use mail_auth::{DnsError as LookupError, Error, IpLookupStrategy};
use std::net::IpAddr;

/// Why a domain or host could not be routed to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    /// The name does not exist, or says it takes no mail (null MX): bounce.
    #[error("{0}")]
    Permanent(String),
    /// The lookup failed or timed out: try again later.
    #[error("{0}")]
    Temporary(String),
}

impl RouteError {
    /// True for a failure that a later try may not repeat.
    pub fn is_temporary(&self) -> bool {
        matches!(self, RouteError::Temporary(_))
    }
}

/// Addresses kept per host: a host with more is still tried on these.
const ADDRESSES_PER_HOST: usize = 8;

impl Dns {
    /// The hosts that take mail for `domain`, most preferred first; hosts of equal
    /// preference in the order DNS gave them.
    pub async fn exchangers(&self, domain: &str) -> Result<Vec<String>, RouteError> {
        let domain = domain.trim_end_matches('.');
        match self.resolver.mx_lookup(domain, Some(&self.caches.mx)).await {
            Ok(set) => {
                let hosts: Vec<String> = set
                    .rrset
                    .iter()
                    .flat_map(|mx| mx.exchanges.iter())
                    .map(|h| h.trim_end_matches('.').to_owned())
                    .collect();
                if hosts.is_empty() {
                    return self.implicit(domain).await;
                }
                if hosts.iter().all(|h| h.is_empty()) {
                    return Err(RouteError::Permanent(format!("{domain} publishes a null MX: it takes no mail")));
                }
                Ok(hosts.into_iter().filter(|h| !h.is_empty()).collect())
            }
            Err(Error::Dns(LookupError::RecordNotFound(ResponseCode::NoError))) => self.implicit(domain).await,
            Err(e) => Err(classify(domain, "MX", e)),
        }
    }

    /// The implicit MX: the domain itself, when it has an address.
    async fn implicit(&self, domain: &str) -> Result<Vec<String>, RouteError> {
        self.addresses(domain).await?;
        Ok(vec![domain.to_owned()])
    }

    /// A host's addresses: its A records, else its AAAA records.
    pub async fn addresses(&self, host: &str) -> Result<Vec<IpAddr>, RouteError> {
        let (v4, v6) = (Some(&self.caches.ipv4), Some(&self.caches.ipv6));
        match self.resolver.ip_lookup(host, IpLookupStrategy::Ipv4thenIpv6, ADDRESSES_PER_HOST, v4, v6).await {
            Ok(ips) if !ips.is_empty() => Ok(ips),
            Ok(_) | Err(Error::Dns(LookupError::RecordNotFound(ResponseCode::NoError))) => {
                Err(RouteError::Permanent(format!("{host} has no address")))
            }
            Err(e) => Err(classify(host, "address", e)),
        }
    }
}

/// A lookup error as permanent (the name does not exist) or temporary (all else).
fn classify(name: &str, what: &str, e: Error) -> RouteError {
    match e {
        Error::Dns(LookupError::RecordNotFound(ResponseCode::NXDomain)) => {
            RouteError::Permanent(format!("{name} does not exist (NXDOMAIN)"))
        }
        e => RouteError::Temporary(format!("{what} lookup for {name} failed: {e}")),
    }
}
