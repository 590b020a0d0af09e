//! The host-side bindings of `wit/`, generated once. Host functions live in one module
//! per WIT interface: [`super::host_api`] (`mxr:filter/host`), [`super::data_api`]
//! (`mxr:filter/data`) and [`super::auth_api`] (`mxr:filter/authentication`).

wasmtime::component::bindgen!({
    path: "../../wit",
    world: "filter",
    with: {
        "mxr:filter/data.envelope": crate::data_api::EnvelopeView,
        "mxr:filter/data.message": crate::data_api::MessageView,
    },
    imports: { default: trappable },
});

pub use exports::mxr::filter::hooks;
pub use mxr::filter::{authentication, data, host, types};
