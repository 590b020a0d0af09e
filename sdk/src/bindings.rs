//! The guest-side bindings of `wit/`, generated once for every filter.
//!
//! Filters rarely touch this module: [`crate::export_filter!`] wires a [`crate::Filter`]
//! to the generated `hooks` export, and the crate root re-exports the types.

// Generated items carry the WIT's own doc comments; wit-bindgen adds a few plumbing items
// with none, so the crate-wide `deny(missing_docs)` is relaxed here alone.
#![allow(missing_docs)]

wit_bindgen::generate!({
    path: "../wit",
    world: "filter-with-settings",
    pub_export_macro: true,
    export_macro_name: "export",
    default_bindings_module: "mxr_sdk::bindings",
    runtime_path: "mxr_sdk::__wit_bindgen::rt",
});
