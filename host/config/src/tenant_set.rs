//! One consistent state of every tenant, as a transaction begins on it and keeps it,
//! and the narrow handle through which the relay's parts read the state in force.

use crate::file::TenantFile;
use crate::{ConfigError, Tenant};
use mxr_privacy::PurposePolicy;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// Every tenant at one revision, indexed by domain. Never changed once built: a
/// change makes a new set.
#[derive(Debug, Default)]
pub struct TenantSet {
    /// Grows with every change the live store applies (0: the config file's set).
    pub revision: u64,
    tenants: Vec<Arc<Tenant>>,
    by_domain: HashMap<String, usize>,
}

impl TenantSet {
    /// A set of validated tenants (ids and domains unique, as [`validate_tenants`]
    /// guarantees).
    pub fn new(revision: u64, tenants: Vec<Arc<Tenant>>) -> TenantSet {
        let by_domain =
            tenants.iter().enumerate().flat_map(|(i, t)| t.domains.iter().map(move |d| (d.clone(), i))).collect();
        TenantSet { revision, tenants, by_domain }
    }

    /// The tenant owning a domain (case-insensitive, a trailing dot ignored).
    pub fn for_domain(&self, domain: &str) -> Option<&Arc<Tenant>> {
        let domain = domain.trim_end_matches('.').to_ascii_lowercase();
        self.by_domain.get(&domain).map(|&i| &self.tenants[i])
    }

    /// The tenant with this id.
    pub fn get(&self, id: &str) -> Option<&Arc<Tenant>> {
        self.tenants.iter().find(|t| t.id == id)
    }

    /// Every tenant, in the store's order.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<Tenant>> {
        self.tenants.iter()
    }

    /// How many tenants there are.
    pub fn len(&self) -> usize {
        self.tenants.len()
    }

    /// True without tenants (every recipient is refused).
    pub fn is_empty(&self) -> bool {
        self.tenants.is_empty()
    }
}

/// Where the relay reads the tenant state in force: the live tenant store, or a fixed
/// set. Readers take [`TenantSource::current`] once per transaction and keep it.
pub trait TenantSource: Send + Sync {
    /// The state in force now.
    fn current(&self) -> Arc<TenantSet>;
}

/// A set that never changes: the config file's tenants, for commands and tests that
/// run without the live store.
pub struct FixedTenants(pub Arc<TenantSet>);

impl TenantSource for FixedTenants {
    fn current(&self) -> Arc<TenantSet> {
        self.0.clone()
    }
}

impl FixedTenants {
    /// The config file's tenants, as a source.
    pub fn of(config: &crate::Config) -> Arc<dyn TenantSource> {
        Arc::new(FixedTenants(Arc::new(TenantSet::new(0, config.tenants.clone()))))
    }
}

/// Validates a whole set of tenants with the config file's rules (what `check-config`
/// checks: unique ids and domains, purposes in `policy`, forms that apply, EU next hops
/// unless consent is recorded, settings for chained plugins only). `key_of(i)` names
/// the `i`th tenant in the error (`tenant[i]` in a file, the body's field in the API).
/// Warnings (plugins that will not run) come back beside the tenants.
pub fn validate_tenants(
    files: &[TenantFile],
    data_dir: &Path,
    policy: &PurposePolicy,
    key_of: &dyn Fn(usize) -> String,
) -> Result<(Vec<Arc<Tenant>>, Vec<String>), ConfigError> {
    let mut warnings = Vec::new();
    let tenants = crate::validate::tenants::tenants(files, data_dir, policy, &mut warnings, key_of)?;
    Ok((tenants, warnings))
}
