//! Where each tenant's copies go, and the shares that bound how many go at once and
//! how much memory they hold: one per tenant (`delivery.max_per_tenant`) and one per
//! next hop (`delivery.max_per_destination`: a host and port, the MX domain and port,
//! or a Maildir folder), shared by the tenants that deliver there and by the bounces
//! to that domain. The scheduler takes a copy's tenant slot, then its next hop's, and
//! only then a global permit; then the copy's memory, in the same order.
//!
//! Bounces go through `queue.bounce_relay` when it is set, else to the MX of the
//! sender's domain: a destination made for each bounce, whose next-hop slots are that
//! domain's, and whose tenant slots are the bounces to that domain (so a stuck sender
//! domain delays only the bounces going there).

use crate::client::{ConnectionPool, Route, web_roots};
use crate::memory::Budget;
use crate::mx::MxRoute;
use crate::{CaFileProblem, DeliveryError, dsn};
use mxr_config::{Config, NextHop, TenantSource, TlsMode};
use mxr_dns::Dns;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;

/// How a tenant's copies are delivered.
pub(crate) enum Target {
    /// Over SMTP, to one host.
    Smtp(Route),
    /// Over SMTP, to the MX hosts of a domain.
    Mx(MxRoute),
    /// Into a local Maildir at this folder.
    Maildir(PathBuf),
}

/// One tenant's (or the bounces') way out.
pub(crate) struct Destination {
    /// How its copies are delivered.
    pub(crate) target: Target,
    /// Its own deliveries at once (`delivery.max_per_tenant`) and their memory.
    pub(crate) tenant: Arc<Share>,
    /// Its next hop's connections at once (`delivery.max_per_destination`) and their
    /// memory, shared with every tenant delivering to the same next hop.
    pub(crate) next_hop: Arc<Share>,
}

/// What the deliveries of one tenant, or to one next hop, may hold at once.
pub(crate) struct Share {
    /// Deliveries.
    pub(crate) slots: Semaphore,
    /// Bytes of copies ([`mxr_config::delivery::DeliveryConfig::share_of`]).
    pub(crate) memory: Budget,
}

/// What names a next hop: tenants naming the same one share its slots.
#[derive(Clone, PartialEq, Eq, Hash)]
enum NextHopKey {
    Smtp(String, u16),
    /// An MX domain and port: tenants delivering there and bounces to it share slots.
    Mx(String, u16),
    /// The bounces by MX to one domain: their tenant slots, so that the bounces to a
    /// stuck domain hold none that the bounces to other domains need.
    Bounces(String),
    Maildir(PathBuf),
}

/// Next hops whose slots are kept past which unused ones (no destination holds them:
/// those of past bounces) are forgotten.
const KEPT_NEXT_HOPS: usize = 1024;

/// Tenant id → its destination, made from the tenant state in force when first asked
/// for and made again when the tenant's next hop changes; and the bounce relay's.
pub(crate) struct Destinations {
    config: Arc<Config>,
    tenants: Arc<dyn TenantSource>,
    /// Each tenant's destination, with the next hop it was made for.
    made: Mutex<HashMap<String, (NextHop, Arc<Destination>)>>,
    /// Per next hop, shared by every tenant naming it; kept across changes.
    next_hops: Mutex<HashMap<NextHopKey, Arc<Share>>>,
    /// Per tenant; kept across changes of its next hop.
    tenants_shares: Mutex<HashMap<String, Arc<Share>>>,
    /// The bounce relay's destination, when `queue.bounce_relay` is set.
    bounces: Option<Arc<Destination>>,
    /// The resolver for MX next hops and bounces; `None` when none could be built.
    dns: Option<Arc<Dns>>,
}

/// Locks a map, whatever a panicking holder left (the maps stay consistent: each
/// insert is one step).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Destinations {
    /// The destinations of the tenants in force now (so that a bad `ca_file` stops the
    /// start), and of the bounce relay if one is configured.
    pub(crate) fn new(
        config: Arc<Config>,
        tenants: Arc<dyn TenantSource>,
        dns: Option<Arc<Dns>>,
    ) -> Result<Destinations, DeliveryError> {
        let mut d = Destinations {
            config: config.clone(),
            tenants,
            made: Mutex::default(),
            next_hops: Mutex::default(),
            tenants_shares: Mutex::default(),
            bounces: None,
            dns,
        };
        if let Some((host, port)) = &config.queue.bounce_relay {
            let target = Target::Smtp(d.route(host, *port, mxr_config::TlsMode::Opportunistic, web_roots()));
            let next_hop = d.next_hop(NextHopKey::Smtp(host.clone(), *port));
            let tenant = d.tenant(dsn::BOUNCE_TENANT);
            d.bounces = Some(Arc::new(Destination { target, tenant, next_hop }));
        }
        for t in d.tenants.current().iter() {
            d.get(&t.id)?;
        }
        Ok(d)
    }

    fn route(&self, host: &str, port: u16, tls: mxr_config::TlsMode, roots: rustls::RootCertStore) -> Route {
        let d = &self.config.delivery;
        Route {
            host: host.to_owned(),
            address: None,
            port,
            tls,
            roots: Arc::new(roots),
            helo: self.config.hostname.clone(),
            timeouts: d.timeouts,
            // Per tenant, never shared: another tenant's TLS mode or roots may differ.
            pool: ConnectionPool::new(d.max_per_destination),
        }
    }

    /// The route to the MX hosts of `domain`.
    fn mx_route(&self, domain: &str, port: u16, tls: TlsMode, roots: rustls::RootCertStore) -> MxRoute {
        let d = &self.config.delivery;
        MxRoute {
            domain: domain.to_owned(),
            port,
            tls,
            roots: Arc::new(roots),
            helo: self.config.hostname.clone(),
            timeouts: d.timeouts,
            dns: self.dns.clone(),
            tenants: self.tenants.clone(),
            pools: Mutex::default(),
            pool_cap: d.max_per_destination,
        }
    }

    /// The share of a party allowed `deliveries` at once.
    fn share(&self, deliveries: usize) -> Arc<Share> {
        let bytes = self.config.delivery.share_of(deliveries, self.config.limits.max_message_bytes);
        Arc::new(Share { slots: Semaphore::new(deliveries), memory: Budget::new(bytes) })
    }

    fn next_hop(&self, key: NextHopKey) -> Arc<Share> {
        let mut shares = lock(&self.next_hops);
        if shares.len() >= KEPT_NEXT_HOPS && !shares.contains_key(&key) {
            shares.retain(|_, s| Arc::strong_count(s) > 1);
        }
        shares.entry(key).or_insert_with(|| self.share(self.config.delivery.max_per_destination)).clone()
    }

    fn tenant(&self, tenant: &str) -> Arc<Share> {
        let mut shares = lock(&self.tenants_shares);
        shares.entry(tenant.to_owned()).or_insert_with(|| self.share(self.config.delivery.max_per_tenant)).clone()
    }

    /// The destination of a bounce to `rcpt`: the bounce relay when one is set, else
    /// the MX hosts of the address's domain (TLS when offered, as to the relay), with
    /// slots of that domain's in place of a tenant's and a next hop's.
    pub(crate) fn bounce_to(&self, rcpt: &str) -> Arc<Destination> {
        if let Some(relay) = &self.bounces {
            return relay.clone();
        }
        let domain = rcpt.rsplit_once('@').map_or("", |(_, d)| d).trim_end_matches('.').to_ascii_lowercase();
        let port = self.config.delivery.mx_port;
        let next_hop = self.next_hop(NextHopKey::Mx(domain.clone(), port));
        let tenant = self.next_hop(NextHopKey::Bounces(domain.clone()));
        let target = Target::Mx(self.mx_route(&domain, port, TlsMode::Opportunistic, web_roots()));
        Arc::new(Destination { target, tenant, next_hop })
    }

    /// True when bounces go through `queue.bounce_relay` (not by MX).
    pub(crate) fn has_bounce_relay(&self) -> bool {
        self.bounces.is_some()
    }

    /// The destination of a tenant id (or of the bounces, when they go through the
    /// bounce relay): `None` for a tenant the state in force does not have.
    pub(crate) fn get(&self, tenant: &str) -> Result<Option<Arc<Destination>>, DeliveryError> {
        if tenant == dsn::BOUNCE_TENANT {
            return Ok(self.bounces.clone());
        }
        let state = self.tenants.current();
        let Some(t) = state.get(tenant) else { return Ok(None) };
        if let Some((hop, dest)) = lock(&self.made).get(tenant)
            && *hop == t.next_hop
        {
            return Ok(Some(dest.clone()));
        }
        let roots = |ca_file: &Option<PathBuf>| {
            let mut roots = web_roots();
            if let Some(file) = ca_file {
                add_ca_file(&mut roots, file).map_err(|problem| DeliveryError::CaFile {
                    tenant: t.id.to_string(),
                    file: file.clone(),
                    problem,
                })?;
            }
            Ok::<_, DeliveryError>(roots)
        };
        let (target, key) = match &t.next_hop {
            NextHop::Smtp { host, port, tls, ca_file, .. } => {
                (Target::Smtp(self.route(host, *port, *tls, roots(ca_file)?)), NextHopKey::Smtp(host.clone(), *port))
            }
            NextHop::Mx { domain, port, tls, ca_file, .. } => {
                let port = port.unwrap_or(self.config.delivery.mx_port);
                let route = self.mx_route(domain, port, *tls, roots(ca_file)?);
                (Target::Mx(route), NextHopKey::Mx(domain.clone(), port))
            }
            NextHop::Maildir(dir) => (Target::Maildir(dir.clone()), NextHopKey::Maildir(dir.clone())),
        };
        let dest = Arc::new(Destination { target, tenant: self.tenant(tenant), next_hop: self.next_hop(key) });
        lock(&self.made).insert(tenant.to_owned(), (t.next_hop.clone(), dest.clone()));
        Ok(Some(dest))
    }

    /// Closes outbound sessions idle for too long.
    pub(crate) fn close_expired(&self) {
        let made: Vec<Arc<Destination>> = lock(&self.made).values().map(|(_, d)| d.clone()).collect();
        for d in made.iter().chain(&self.bounces) {
            match &d.target {
                Target::Smtp(route) => route.pool.close_expired(),
                Target::Mx(route) => route.close_expired(),
                Target::Maildir(_) => {}
            }
        }
    }
}

/// Adds the certificates in PEM file `file` to `roots`.
fn add_ca_file(roots: &mut rustls::RootCertStore, file: &std::path::Path) -> Result<(), CaFileProblem> {
    use rustls_pki_types::pem::PemObject;
    for c in rustls_pki_types::CertificateDer::pem_file_iter(file)? {
        roots.add(c?)?;
    }
    Ok(())
}
