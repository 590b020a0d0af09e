//! Where each tenant's copies go, and the slots that bound how many go at once: one
//! semaphore per tenant (`delivery.max_per_tenant`) and one per next hop
//! (`delivery.max_per_destination`: a host and port, or a Maildir folder), shared by
//! the tenants that deliver there. The scheduler takes a copy's tenant slot, then its
//! next hop's, and only then a global permit.

use crate::client::{ConnectionPool, Route, web_roots};
use crate::{CaFileProblem, DeliveryError, dsn};
use mxr_config::{Config, NextHop, TenantSource};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;

/// How a tenant's copies are delivered.
pub(crate) enum Target {
    /// Over SMTP.
    Smtp(Route),
    /// Into a local Maildir at this folder.
    Maildir(PathBuf),
}

/// One tenant's (or the bounces') way out.
pub(crate) struct Destination {
    /// How its copies are delivered.
    pub(crate) target: Target,
    /// Its own deliveries at once (`delivery.max_per_tenant`).
    pub(crate) tenant_slots: Arc<Semaphore>,
    /// Its next hop's connections at once (`delivery.max_per_destination`), shared
    /// with every tenant delivering to the same next hop.
    pub(crate) next_hop_slots: Arc<Semaphore>,
}

/// What names a next hop: tenants naming the same one share its slots.
#[derive(Clone, PartialEq, Eq, Hash)]
enum NextHopKey {
    Smtp(String, u16),
    Maildir(PathBuf),
}

/// Tenant id → its destination, made from the tenant state in force when first asked
/// for and made again when the tenant's next hop changes; and the bounce relay's.
pub(crate) struct Destinations {
    config: Arc<Config>,
    tenants: Arc<dyn TenantSource>,
    /// Each tenant's destination, with the next hop it was made for.
    made: Mutex<HashMap<String, (NextHop, Arc<Destination>)>>,
    /// Per next hop, shared by every tenant naming it; kept across changes.
    next_hop_slots: Mutex<HashMap<NextHopKey, Arc<Semaphore>>>,
    /// Per tenant; kept across changes of its next hop.
    tenant_slots: Mutex<HashMap<String, Arc<Semaphore>>>,
    bounces: Option<Arc<Destination>>,
}

/// Locks a map, whatever a panicking holder left (the maps stay consistent: each
/// insert is one step).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Destinations {
    /// The destinations of the tenants in force now (so that a bad `ca_file` stops the
    /// start), and of the bounce relay if one is configured.
    pub(crate) fn new(config: Arc<Config>, tenants: Arc<dyn TenantSource>) -> Result<Destinations, DeliveryError> {
        let mut d = Destinations {
            config: config.clone(),
            tenants,
            made: Mutex::default(),
            next_hop_slots: Mutex::default(),
            tenant_slots: Mutex::default(),
            bounces: None,
        };
        if let Some((host, port)) = &config.queue.bounce_relay {
            let target = Target::Smtp(d.route(host, *port, mxr_config::TlsMode::Opportunistic, web_roots()));
            let next_hop_slots = d.next_hop_slots(NextHopKey::Smtp(host.clone(), *port));
            let tenant_slots = d.tenant_slots(dsn::BOUNCE_TENANT);
            d.bounces = Some(Arc::new(Destination { target, tenant_slots, next_hop_slots }));
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
            port,
            tls,
            roots: Arc::new(roots),
            helo: self.config.hostname.clone(),
            timeouts: d.timeouts,
            // Per tenant, never shared: another tenant's TLS mode or roots may differ.
            pool: ConnectionPool::new(d.max_per_destination),
        }
    }

    fn next_hop_slots(&self, key: NextHopKey) -> Arc<Semaphore> {
        let n = self.config.delivery.max_per_destination;
        lock(&self.next_hop_slots).entry(key).or_insert_with(|| Arc::new(Semaphore::new(n))).clone()
    }

    fn tenant_slots(&self, tenant: &str) -> Arc<Semaphore> {
        let n = self.config.delivery.max_per_tenant;
        lock(&self.tenant_slots).entry(tenant.to_owned()).or_insert_with(|| Arc::new(Semaphore::new(n))).clone()
    }

    /// The destination of a tenant id (or of the bounces): `None` for a tenant the
    /// state in force does not have, or bounces without a bounce relay.
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
        let (target, key) = match &t.next_hop {
            NextHop::Smtp { host, port, tls, ca_file, .. } => {
                let mut roots = web_roots();
                if let Some(file) = ca_file {
                    add_ca_file(&mut roots, file).map_err(|problem| DeliveryError::CaFile {
                        tenant: t.id.to_string(),
                        file: file.clone(),
                        problem,
                    })?;
                }
                (Target::Smtp(self.route(host, *port, *tls, roots)), NextHopKey::Smtp(host.clone(), *port))
            }
            NextHop::Maildir(dir) => (Target::Maildir(dir.clone()), NextHopKey::Maildir(dir.clone())),
        };
        let next_hop_slots = self.next_hop_slots(key);
        let dest = Arc::new(Destination { target, tenant_slots: self.tenant_slots(tenant), next_hop_slots });
        lock(&self.made).insert(tenant.to_owned(), (t.next_hop.clone(), dest.clone()));
        Ok(Some(dest))
    }

    /// True when bounces can be sent (a bounce relay is configured).
    pub(crate) fn sends_bounces(&self) -> bool {
        self.bounces.is_some()
    }

    /// Closes outbound sessions idle for too long.
    pub(crate) fn close_expired(&self) {
        let made: Vec<Arc<Destination>> = lock(&self.made).values().map(|(_, d)| d.clone()).collect();
        for d in made.iter().chain(&self.bounces) {
            if let Target::Smtp(route) = &d.target {
                route.pool.close_expired();
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
