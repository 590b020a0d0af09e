//! Where each tenant's copies go, and the slots that bound how many go at once: one
//! semaphore per tenant (`delivery.max_per_tenant`) and one per next hop
//! (`delivery.max_per_destination`: a host and port, or a Maildir folder), shared by
//! the tenants that deliver there. The scheduler takes a copy's tenant slot, then its
//! next hop's, and only then a global permit.

use crate::client::{ConnectionPool, Route, web_roots};
use crate::{CaFileProblem, DeliveryError, dsn};
use mxr_config::{Config, NextHop};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
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

/// Tenant id (or [`dsn::BOUNCE_TENANT`]) → its destination.
pub(crate) struct Destinations(HashMap<String, Destination>);

impl Destinations {
    /// The destinations of every configured tenant, and of the bounce relay if one is
    /// configured.
    pub(crate) fn new(config: &Config) -> Result<Destinations, DeliveryError> {
        let d = &config.delivery;
        let mut shared: HashMap<NextHopKey, Arc<Semaphore>> = HashMap::new();
        let mut slots = |key: NextHopKey| {
            shared.entry(key).or_insert_with(|| Arc::new(Semaphore::new(d.max_per_destination))).clone()
        };
        let route = |host: &str, port, tls, roots| Route {
            host: host.to_owned(),
            port,
            tls,
            roots: Arc::new(roots),
            helo: config.hostname.clone(),
            timeouts: d.timeouts,
            // Per tenant, never shared: another tenant's TLS mode or roots may differ.
            pool: ConnectionPool::new(d.max_per_destination),
        };
        let mut out = HashMap::new();
        for t in &config.tenants {
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
                    (Target::Smtp(route(host, *port, *tls, roots)), NextHopKey::Smtp(host.clone(), *port))
                }
                NextHop::Maildir(dir) => (Target::Maildir(dir.clone()), NextHopKey::Maildir(dir.clone())),
            };
            let tenant_slots = Arc::new(Semaphore::new(d.max_per_tenant));
            out.insert(t.id.to_string(), Destination { target, tenant_slots, next_hop_slots: slots(key) });
        }
        if let Some((host, port)) = &config.queue.bounce_relay {
            let target = Target::Smtp(route(host, *port, mxr_config::TlsMode::Opportunistic, web_roots()));
            let next_hop_slots = slots(NextHopKey::Smtp(host.clone(), *port));
            let tenant_slots = Arc::new(Semaphore::new(d.max_per_tenant));
            out.insert(dsn::BOUNCE_TENANT.to_owned(), Destination { target, tenant_slots, next_hop_slots });
        }
        Ok(Destinations(out))
    }

    /// The destination of a tenant id (or of the bounces).
    pub(crate) fn get(&self, tenant: &str) -> Option<&Destination> {
        self.0.get(tenant)
    }

    /// Closes outbound sessions idle for too long.
    pub(crate) fn close_expired(&self) {
        for d in self.0.values() {
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
