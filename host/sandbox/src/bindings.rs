//! The host-side bindings of `wit/`, generated once. Host functions live in one module
//! per WIT interface: [`super::host_api`] (`mxr:filter/host`) and [`super::data_api`]
//! (`mxr:filter/data`).

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
pub use mxr::filter::{data, host, types};
