//! A change to the tenant state, and who made it.

use crate::token::Scope;
use mxr_config::TenantId;
use mxr_config::file::TenantFile;
use std::fmt;

/// One change, applied whole or not at all.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// The config file's `[[tenant]]` tables, put in on the store's first start and
    /// again whenever they differ from those last put in (so a file-managed tenant
    /// follows its file; tenants made through the API are left alone).
    Seed(Vec<TenantFile>),
    /// Creates these tenants, or replaces those with the same id (`mxr tenant import`,
    /// and every edit through the API).
    Put(Vec<TenantFile>),
    /// Removes a tenant.
    Delete(TenantId),
}

impl Change {
    /// The change's name in the audit log.
    pub fn name(&self) -> &'static str {
        match self {
            Change::Seed(_) => "tenant-seed",
            Change::Put(_) => "tenant-put",
            Change::Delete(_) => "tenant-delete",
        }
    }

    /// The tenants after the change, from those before it: a put replaces a tenant in
    /// its place or adds it at the end.
    pub fn applied_to(&self, before: &[TenantFile]) -> Vec<TenantFile> {
        let mut after = before.to_vec();
        match self {
            Change::Seed(files) | Change::Put(files) => {
                for f in files {
                    match after.iter_mut().find(|t| t.id == f.id) {
                        Some(slot) => *slot = f.clone(),
                        None => after.push(f.clone()),
                    }
                }
            }
            Change::Delete(id) => after.retain(|t| &t.id != id),
        }
        after
    }

    /// The ids of the tenants it touches.
    pub fn tenant_ids(&self) -> Vec<TenantId> {
        match self {
            Change::Seed(files) | Change::Put(files) => files.iter().map(|f| f.id.clone()).collect(),
            Change::Delete(id) => vec![id.clone()],
        }
    }
}

/// A digest of the config file's tenant tables, never 0 (0 means "never seeded").
pub fn seed_hash(files: &[TenantFile]) -> u64 {
    use sha2::{Digest, Sha256};
    let json = serde_json::to_vec(files).expect("tenants always encode");
    let digest = Sha256::digest(&json);
    u64::from_be_bytes(digest[..8].try_into().expect("8 bytes")).max(1)
}

/// Who makes a change or looks at data, as the audit log names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// An operator at the command line: the operating-system user.
    Os(String),
    /// A caller of the HTTP API, by token id and scope.
    Token {
        /// The token's public id (never the secret).
        id: String,
        /// Its scope.
        scope: Scope,
    },
    /// The relay itself (seeding the store from the config file).
    Relay,
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Actor::Os(user) => write!(f, "os-user {user}"),
            Actor::Token { id, scope } => write!(f, "token {id} ({scope})"),
            Actor::Relay => f.write_str("relay"),
        }
    }
}
