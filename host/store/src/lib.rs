//! Storage at rest: sealed files ([`sealed`]), the key store ([`keys`]) and the spool
//! ([`spool`]), and the index of the addresses each stored copy names ([`subject_index`]). Everything holding personal data is sealed with its tenant's key.
//! Storage knows no protocol: it holds envelopes and bytes, never sessions or replies.

#![deny(missing_docs)]

pub mod group_commit;
pub mod keys;
pub mod quarantine;
pub mod sealed;
pub mod spool;
pub mod subject_index;

pub use mxr_durable::write_durably;
