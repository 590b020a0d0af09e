//! mxr: an MX relay whose filters are sandboxed WebAssembly components, each given only
//! the personal data its declared purpose allows.
//!
//! - [`privacy`]: categories, forms, the purpose policy and the transforms.
//! - [`mail`]: the envelope and the message parsed once per transaction.
//! - [`plugin`]: the wasmtime runtime: compile once, a fresh sandbox per call, hot reload.

pub mod audit;
pub mod config;
pub mod mail;
pub mod plugin;
pub mod privacy;
pub mod relay;
pub mod smtp;
pub mod store;
