//! The live tenant state: tenants, their domains and next hops, ordered plugin sets,
//! authorised purposes, tightenings, per-tenant plugin settings, and API tokens.
//!
//! The state lives behind [`TenantStore`], a trait of three verbs (load, apply a change
//! at a revision, watch the revision) so that a replicated store shared by several nodes
//! can stand beside the embedded one ([`SqliteStore`], a file in the data dir). The
//! relay reads it through [`Tenants`], which holds the validated state in force as one
//! [`mxr_config::TenantSet`] and swaps it whole on every change: a transaction in
//! flight keeps the set it began with. Every change is validated with the config
//! file's own rules before it is applied, and written to the audit log (who, what,
//! before, after) before it is committed.

#![deny(missing_docs)]

pub mod change;
pub mod live;
pub mod sqlite;
pub mod store;
pub mod token;

pub use change::{Actor, Change};
pub use live::{ApplyError, Tenants};
pub use sqlite::SqliteStore;
pub use store::{StoreError, Stored, TenantStore};
pub use token::{NewToken, Scope, TokenRecord};

/// The database file under the data dir.
pub const DB_FILE: &str = "tenants.db";

#[cfg(test)]
mod tests;
