//! Purpose limitation: the data categories, the forms a value may take, the purpose
//! policy that maps one to the other, and the transforms that produce each form.
//!
//! A plugin's [`Grant`] is computed once when it is loaded (and again when a tenant
//! tightens it); the transforms run lazily inside the data accessors, so a value the
//! grant does not allow is never computed in a revealing form, let alone copied into a
//! plugin's memory.
//!
//! This crate knows no protocol and no wasmtime: it turns values into forms, and the
//! sandbox and the command line both render through it.

#![deny(missing_docs)]

pub mod accessors;
pub mod authentication;
pub mod category;
pub mod code_columns;
pub mod detect;
pub mod directory;
pub mod flatten;
pub mod grant;
pub mod header_kind;
pub mod html_names;
pub mod link_query;
pub mod markup;
pub mod message_names;
pub mod nested;
pub mod policy;
pub mod protocol_tokens;
pub mod pseudonym;
pub mod render;
pub mod scan;
pub mod view;
pub mod vocabulary;

pub use category::{Category, CategorySet, Form};
pub use grant::Grant;
pub use policy::{PolicyError, PurposePolicy};
pub use pseudonym::{Pseudonymizer, TenantPseudonyms};
pub use scan::ScannedMail;
