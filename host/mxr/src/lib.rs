//! mxr: an MX relay whose filters are sandboxed WebAssembly components, each given only
//! the personal data its declared purpose allows.
//!
//! This crate is the composition root: [`Relay`] wires the host's crates together, one
//! per boundary, and [`inbound`] adapts the filter chain to the SMTP session. The data
//! flow reads one way: `mxr-smtp` (session) → `mxr-chain` → `mxr-store` (spool) →
//! `mxr-delivery`. `mxr-privacy` decides forms, `mxr-sandbox` runs plugins,
//! `mxr-audit` records disclosures, and `mxr-config` validates the file.

#![deny(missing_docs)]

pub mod allocation;
mod digest;
pub mod inbound;
pub mod relay;
pub mod witness;

pub use relay::{Relay, RelayError};
