//! Delivery to the mail exchangers of a domain (RFC 5321 §5.1): a tenant's
//! `next_hop.kind = "mx"`, and bounces to the sender's domain.
//!
//! One attempt asks the resolver for the domain's MX hosts (most preferred first, or
//! the domain itself without MX: the implicit MX), then each host's addresses in
//! order, and tries them in turn: a recipient deferred at one address (a 4xx, or a
//! connection that failed) goes on to the next; a recipient delivered or refused with
//! a 5xx is done. At most [`MAX_ADDRESSES`] addresses are tried per attempt; what is
//! still deferred then waits for the queue's next try. A lookup that fails for now
//! defers every recipient (never a bounce); a domain that does not exist or publishes
//! a null MX fails them (a bounce).
//!
//! Loop guard: no mail goes by MX to a domain a tenant of this relay serves, nor to an
//! MX host that is this node (`server.hostname`, by name or by address). Such a
//! recipient fails with `5.4.6` (routing loop); for a bounce, which has the null
//! sender, that means it is logged, counted and dropped.
//!
//! Answers are cached with their TTLs by the resolver ([`mxr_dns`]).

use crate::client::{self, ConnectionPool, Outbound, RcptResult, Route};
use mxr_config::delivery::Timeouts;
use mxr_config::{TenantSource, TlsMode};
use mxr_dns::Dns;
use mxr_dns::route::RouteError;
use rustls::RootCertStore;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// The most addresses (over all MX hosts) one attempt connects to.
pub(crate) const MAX_ADDRESSES: usize = 10;

/// The mail exchangers of one domain, and how to speak to them.
pub(crate) struct MxRoute {
    /// The domain whose MX hosts are asked (lower-case, no trailing dot).
    pub(crate) domain: String,
    /// The port of every MX host (`next_hop.port`, else `delivery.mx_port`).
    pub(crate) port: u16,
    /// TLS towards each host, its certificate checked against the host's name.
    pub(crate) tls: TlsMode,
    /// Trusted roots.
    pub(crate) roots: Arc<RootCertStore>,
    /// The name we give in EHLO: this node's `server.hostname`, which no MX host may be.
    pub(crate) helo: String,
    /// How long each step waits.
    pub(crate) timeouts: Timeouts,
    /// The resolver; `None` when none could be built (every attempt is deferred).
    pub(crate) dns: Option<Arc<Dns>>,
    /// The tenant state, for the domains this relay serves.
    pub(crate) tenants: Arc<dyn TenantSource>,
    /// Idle sessions per MX host and address, each at most `pool_cap`.
    pub(crate) pools: Mutex<HashMap<(String, IpAddr), ConnectionPool>>,
    /// Idle sessions kept per MX host address (`delivery.max_per_destination`).
    pub(crate) pool_cap: usize,
}

/// Each recipient's result so far: the deferred ones go on to the next address.
#[derive(Debug, PartialEq, Eq)]
struct Progress(Vec<RcptResult>);

impl Progress {
    /// `n` recipients, deferred for `why` until an address takes or refuses them.
    fn new(n: usize, why: String) -> Progress {
        Progress(vec![RcptResult::Deferred(why); n])
    }

    /// The indexes of the recipients still deferred.
    fn pending(&self) -> Vec<usize> {
        (0..self.0.len()).filter(|&i| matches!(self.0[i], RcptResult::Deferred(_))).collect()
    }

    /// What one address answered for the recipients at `indexes` (in that order).
    fn record(&mut self, indexes: &[usize], got: Vec<RcptResult>) {
        for (&i, r) in indexes.iter().zip(got) {
            self.0[i] = r;
        }
    }

    /// Every recipient still deferred fails (or is deferred) for `why`.
    fn settle_pending(&mut self, result: impl Fn() -> RcptResult) {
        for i in self.pending() {
            self.0[i] = result();
        }
    }
}

/// The reason a recipient gets when the domain or host cannot be routed to: the
/// enhanced code second, where the attempt's bookkeeping and the bounce read it.
fn unrouted(e: &RouteError) -> RcptResult {
    let why = format!("DNS {} {e}", e.enhanced_status());
    if e.is_temporary() { RcptResult::Deferred(why) } else { RcptResult::Failed(why) }
}

/// A routing loop: `5.4.6`, always final.
fn looped(why: String) -> RcptResult {
    RcptResult::Failed(format!("loop 5.4.6 {why}"))
}

impl MxRoute {
    /// One attempt of `out` to the domain's MX hosts.
    pub(crate) async fn deliver(&self, out: &Outbound<'_>) -> Vec<RcptResult> {
        let n = out.rcpts.len();
        let domain = &self.domain;
        if !mxr_config::names::is_domain(domain) {
            // A bounce to an address without a usable domain (or a UTF-8 one, which
            // would need IDNA first): nothing to look up.
            return vec![RcptResult::Failed(format!("DNS 5.1.3 {domain:?} is not a domain to look up")); n];
        }
        if let Some(t) = self.tenants.current().for_domain(domain) {
            tracing::warn!(domain = %domain, tenant = %t.id, "not sent by MX: the domain is served by this relay (a loop)");
            return vec![looped(format!("{domain} is served by this relay")); n];
        }
        let Some(dns) = &self.dns else {
            return vec![RcptResult::Deferred(format!("DNS 4.4.3 no resolver to find the MX of {domain}")); n];
        };
        let hosts = match dns.exchangers(domain).await {
            Ok(hosts) => hosts,
            Err(e) => return vec![unrouted(&e); n],
        };
        let own = dns.addresses(&self.helo).await.unwrap_or_default();
        let mut progress = Progress::new(n, format!("DNS 4.4.3 no MX host of {domain} could be reached"));
        let (mut tried, mut temporary, mut last_permanent) = (0, false, None);
        'hosts: for host in &hosts {
            let ips = if host.eq_ignore_ascii_case(&self.helo) { Ok(own.clone()) } else { dns.addresses(host).await };
            let ips = match ips {
                Ok(ips) => ips,
                Err(e) => {
                    temporary |= e.is_temporary();
                    last_permanent = Some(e).filter(|e| !e.is_temporary()).or(last_permanent);
                    continue;
                }
            };
            if host.eq_ignore_ascii_case(&self.helo) || ips.iter().any(|ip| own.contains(ip)) {
                tracing::warn!(domain = %domain, mx = %host, "not sent: the MX host is this node (a loop)");
                progress.settle_pending(|| looped(format!("MX host {host} of {domain} is this node")));
                break;
            }
            for ip in ips {
                let pending = progress.pending();
                if pending.is_empty() || tried == MAX_ADDRESSES {
                    break 'hosts;
                }
                tried += 1;
                let rcpts: Vec<String> = pending.iter().map(|&i| out.rcpts[i].clone()).collect();
                let results = client::deliver(&self.route(host, ip), &Outbound { rcpts: &rcpts, ..*out }).await;
                progress.record(&pending, results);
            }
        }
        if let (0, false, Some(e)) = (tried, temporary, last_permanent) {
            // No host has an address, and DNS said so for good.
            progress.settle_pending(|| unrouted(&e));
        }
        progress.0
    }

    /// The route to one MX host at one of its addresses, with that address's pool.
    fn route(&self, host: &str, ip: IpAddr) -> Route {
        let mut pools = self.pools.lock().unwrap_or_else(|p| p.into_inner());
        let pool = pools.entry((host.to_owned(), ip)).or_insert_with(|| ConnectionPool::new(self.pool_cap)).clone();
        Route {
            host: host.to_owned(),
            address: Some(ip),
            port: self.port,
            tls: self.tls,
            roots: self.roots.clone(),
            helo: self.helo.clone(),
            timeouts: self.timeouts,
            pool,
        }
    }

    /// Closes sessions idle for too long, and forgets the hosts with none.
    pub(crate) fn close_expired(&self) {
        let mut pools = self.pools.lock().unwrap_or_else(|p| p.into_inner());
        for pool in pools.values() {
            pool.close_expired();
        }
        pools.retain(|_, pool| !pool.is_empty());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use RcptResult::{Deferred, Delivered, Failed};

    #[test]
    fn deferred_recipients_go_on_to_the_next_address_and_the_rest_are_done() {
        let d = |s: &str| Deferred(s.to_owned());
        let f = |s: &str| Failed(s.to_owned());
        let mut p = Progress::new(3, "unreached".into());
        assert_eq!(p.pending(), [0, 1, 2]);
        // The first host: connection refused for all.
        p.record(&[0, 1, 2], vec![d("refused"), d("refused"), d("refused")]);
        assert_eq!(p.pending(), [0, 1, 2]);
        // The second: takes one, defers one, refuses one for good.
        p.record(&[0, 1, 2], vec![Delivered, d("451 4.2.0 busy"), f("550 5.1.1 unknown")]);
        assert_eq!(p.pending(), [1], "a 5xx is final: no next host for it");
        p.record(&[1], vec![Delivered]);
        assert_eq!(p, Progress(vec![Delivered, Delivered, f("550 5.1.1 unknown")]));
        let mut q = Progress::new(2, "unreached".into());
        q.record(&[0, 1], vec![Delivered, d("451")]);
        q.settle_pending(|| looped("mx.test is this node".into()));
        assert_eq!(q.0[1], f("loop 5.4.6 mx.test is this node"));
    }

    #[test]
    fn a_routing_failure_defers_when_temporary_and_fails_when_permanent_with_its_code() {
        let cases = [
            (RouteError::Temporary { name: "a.test".into(), what: "MX", error: "REFUSED".into() }, "4.4.3", true),
            (RouteError::NoSuchName("a.test".into()), "5.1.2", false),
            (RouteError::NullMx("a.test".into()), "5.1.10", false),
        ];
        for (e, code, deferred) in cases {
            let (why, was_deferred) = match unrouted(&e) {
                Deferred(why) => (why, true),
                Failed(why) => (why, false),
                Delivered => unreachable!(),
            };
            assert_eq!(was_deferred, deferred, "{e}");
            assert_eq!(why.split_whitespace().nth(1), Some(code), "the code is where the bounce reads it: {why}");
        }
    }
}
