//! What a tenant store is: the stored tenants at a revision, changes applied only at
//! the revision they were made against, a watch on the revision, and the API tokens.

use crate::change::Change;
use crate::token::{TokenHash, TokenRecord};
use mxr_config::file::TenantFile;

/// The tenants as stored.
#[derive(Debug, Clone, Default)]
pub struct Stored {
    /// Grows by one with every applied change; 0 for a store never written.
    pub revision: u64,
    /// The [`crate::change::seed_hash`] of the config file's tenant tables last put in
    /// ([`Change::Seed`]); 0 before the first.
    pub seed: u64,
    /// Every tenant, in their order (creation order; a replaced tenant keeps its place).
    pub tenants: Vec<TenantFile>,
}

/// Why the store could not answer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database.
    #[error("tenant store {path}: {source}")]
    Db {
        /// The database file.
        path: String,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// Another writer applied a change first; load again and retry.
    #[error("the tenant store moved on to revision {found} (the change was made against {expected})")]
    Conflict {
        /// The revision the change was made against.
        expected: u64,
        /// The revision the store is at.
        found: u64,
    },
    /// A stored tenant no longer reads as a tenant (written by another version?).
    #[error("tenant store: tenant {id}: {source}")]
    Unreadable {
        /// The tenant's id.
        id: String,
        /// The decoder's complaint.
        source: serde_json::Error,
    },
    /// The file's permissions could not be set.
    #[error("tenant store {path}: {source}")]
    Io {
        /// The database file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
}

/// A tenant store. Implementations are safe to share between threads; every method
/// is one short transaction.
pub trait TenantStore: Send + Sync {
    /// Every tenant at the store's revision.
    fn load(&self) -> Result<Stored, StoreError>;

    /// Applies `change` atomically if the store is still at revision `expected`
    /// (else [`StoreError::Conflict`]); returns the new revision. The caller has
    /// validated the result.
    fn apply(&self, expected: u64, change: &Change) -> Result<u64, StoreError>;

    /// The store's revision, updated when any writer (this process, another process, or
    /// another node) applies a change.
    fn watch(&self) -> tokio::sync::watch::Receiver<u64>;

    /// Stores a new token (its hash, never the secret).
    fn add_token(&self, token: &TokenRecord) -> Result<(), StoreError>;

    /// The token with this hash, revoked or not.
    fn token(&self, hash: &TokenHash) -> Result<Option<TokenRecord>, StoreError>;

    /// Marks the token `id` revoked at `at` (seconds since the epoch); the token as it
    /// was before, if there is one.
    fn revoke_token(&self, id: &str, at: u64) -> Result<Option<TokenRecord>, StoreError>;

    /// Every token, oldest first.
    fn tokens(&self) -> Result<Vec<TokenRecord>, StoreError>;
}
