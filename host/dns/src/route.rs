//! Where mail for a domain goes (RFC 5321 §5.1): its MX hosts in preference order, or
//! the domain itself when it publishes addresses but no MX (the implicit MX). A null
//! MX (RFC 7505) or a name that does not exist is permanent: the mail bounces. Any
//! other failure (a timeout, SERVFAIL, REFUSED) is temporary: the mail waits and is
//! tried again. Answers are cached until their TTLs run out ([`crate::cache`]).

use crate::Dns;
use mail_auth::hickory_resolver::proto::op::ResponseCode;
use mail_auth::{DnsError as LookupError, Error, IpLookupStrategy};
use std::net::IpAddr;

/// Why a domain or host could not be routed to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    /// The domain publishes a null MX (RFC 7505): it takes no mail. Permanent.
    #[error("{0} publishes a null MX: it takes no mail")]
    NullMx(String),
    /// The name does not exist (NXDOMAIN). Permanent.
    #[error("{0} does not exist (NXDOMAIN)")]
    NoSuchName(String),
    /// The name exists and has no address (nor MX). Permanent.
    #[error("{0} has no address")]
    NoAddress(String),
    /// The lookup failed or timed out: a later try may succeed.
    #[error("{what} lookup for {name} failed: {error}")]
    Temporary {
        /// The name asked for.
        name: String,
        /// `MX` or `address`.
        what: &'static str,
        /// The resolver's error.
        error: String,
    },
}

impl RouteError {
    /// True for a failure that a later try may not repeat.
    pub fn is_temporary(&self) -> bool {
        matches!(self, RouteError::Temporary { .. })
    }

    /// The enhanced status code (RFC 3463) a recipient routed nowhere gets: `5.1.10`
    /// for a null MX (RFC 7505 §4.2), `5.1.2` for a domain that does not exist or has
    /// no address (bad destination system), `4.4.3` for a failed lookup (directory
    /// server failure).
    pub fn enhanced_status(&self) -> &'static str {
        match self {
            RouteError::NullMx(_) => "5.1.10",
            RouteError::NoSuchName(_) | RouteError::NoAddress(_) => "5.1.2",
            RouteError::Temporary { .. } => "4.4.3",
        }
    }
}

/// Addresses kept per host: a host with more is still tried on these.
const ADDRESSES_PER_HOST: usize = 8;

impl Dns {
    /// The hosts that take mail for `domain`, most preferred first; hosts of equal
    /// preference in the order DNS gave them (mail-auth sorts the MX set). No MX
    /// records: the domain itself if it has an address (implicit MX).
    pub async fn exchangers(&self, domain: &str) -> Result<Vec<String>, RouteError> {
        let domain = domain.trim_end_matches('.');
        match self.resolver.mx_lookup(domain, Some(&self.caches.mx)).await {
            Ok(set) => match exchangers_of(domain, set.rrset.iter().flat_map(|mx| mx.exchanges.iter())) {
                Some(hosts) => hosts,
                None => self.implicit(domain).await,
            },
            Err(Error::Dns(LookupError::RecordNotFound(ResponseCode::NoError))) => self.implicit(domain).await,
            Err(e) => Err(classify(domain, "MX", e)),
        }
    }

    /// The implicit MX: the domain itself, when it has an address.
    async fn implicit(&self, domain: &str) -> Result<Vec<String>, RouteError> {
        self.addresses(domain).await?;
        Ok(vec![domain.to_owned()])
    }

    /// A host's addresses: its A records, else its AAAA records; at most 8.
    pub async fn addresses(&self, host: &str) -> Result<Vec<IpAddr>, RouteError> {
        let host = host.trim_end_matches('.');
        let (v4, v6) = (Some(&self.caches.ipv4), Some(&self.caches.ipv6));
        match self.resolver.ip_lookup(host, IpLookupStrategy::Ipv4thenIpv6, ADDRESSES_PER_HOST, v4, v6).await {
            Ok(ips) if !ips.is_empty() => Ok(ips),
            Ok(_) | Err(Error::Dns(LookupError::RecordNotFound(ResponseCode::NoError))) => {
                Err(RouteError::NoAddress(host.to_owned()))
            }
            Err(e) => Err(classify(host, "address", e)),
        }
    }
}

/// The hosts of an MX answer for `domain`, in its order, without trailing dots:
/// `None` when it holds no host (ask for the implicit MX), a null MX error when every
/// host is the root (`.`).
fn exchangers_of<'a>(
    domain: &str,
    exchanges: impl Iterator<Item = &'a Box<str>>,
) -> Option<Result<Vec<String>, RouteError>> {
    let hosts: Vec<String> = exchanges.map(|h| h.trim_end_matches('.').to_ascii_lowercase()).collect();
    if hosts.is_empty() {
        return None;
    }
    if hosts.iter().all(|h| h.is_empty()) {
        return Some(Err(RouteError::NullMx(domain.to_owned())));
    }
    let mut unique: Vec<String> = Vec::with_capacity(hosts.len());
    for h in hosts.into_iter().filter(|h| !h.is_empty()) {
        if !unique.contains(&h) {
            unique.push(h);
        }
    }
    Some(Ok(unique))
}

/// A lookup error as permanent (the name does not exist) or temporary (all else).
fn classify(name: &str, what: &'static str, e: Error) -> RouteError {
    match e {
        Error::Dns(LookupError::RecordNotFound(ResponseCode::NXDomain)) => RouteError::NoSuchName(name.to_owned()),
        e => RouteError::Temporary { name: name.to_owned(), what, error: e.to_string() },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What [`exchangers_of`] makes of an answer.
    type Answer = Option<Result<Vec<String>, RouteError>>;

    fn hosts(domain: &str, answer: &[&str]) -> Answer {
        let boxed: Vec<Box<str>> = answer.iter().map(|h| Box::from(*h)).collect();
        exchangers_of(domain, boxed.iter())
    }

    #[test]
    fn an_mx_answer_gives_its_hosts_in_order_or_says_null_or_empty() {
        let ok = |v: &[&str]| Some(Ok(v.iter().map(|s| s.to_string()).collect::<Vec<_>>()));
        let cases: [(&[&str], Answer); 5] = [
            (&["mx1.a.test.", "MX2.a.test."], ok(&["mx1.a.test", "mx2.a.test"])),
            (&["mx2.a.test.", "mx1.a.test.", "mx2.a.test."], ok(&["mx2.a.test", "mx1.a.test"])),
            (&["."], Some(Err(RouteError::NullMx("a.test".into())))),
            (&[".", "mx.a.test."], ok(&["mx.a.test"])),
            (&[], None),
        ];
        for (answer, want) in cases {
            assert_eq!(hosts("a.test", answer), want, "{answer:?}");
        }
    }

    #[test]
    fn each_failure_is_permanent_or_temporary_with_its_code() {
        let temporary = RouteError::Temporary { name: "a.test".into(), what: "MX", error: "REFUSED".into() };
        let cases = [
            (RouteError::NullMx("a.test".into()), false, "5.1.10"),
            (RouteError::NoSuchName("a.test".into()), false, "5.1.2"),
            (RouteError::NoAddress("mx.a.test".into()), false, "5.1.2"),
            (temporary, true, "4.4.3"),
        ];
        for (e, temp, code) in cases {
            assert_eq!((e.is_temporary(), e.enhanced_status()), (temp, code), "{e}");
        }
        let refused = classify("a.test", "MX", Error::Dns(LookupError::RecordNotFound(ResponseCode::Refused)));
        assert!(refused.is_temporary(), "REFUSED is a server's trouble, not an answer: {refused}");
        let missing = classify("a.test", "MX", Error::Dns(LookupError::RecordNotFound(ResponseCode::NXDomain)));
        assert_eq!(missing, RouteError::NoSuchName("a.test".into()));
    }
}
