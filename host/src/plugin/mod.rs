//! The plugin platform: wasmtime hosting of `mxr:filter` components.
//!
//! - [`runtime`]: the engine, linker, limits and compile cache; built once.
//! - [`loaded`]: one compiled, checked plugin; a fresh store and instance per call.
//! - [`registry`] and [`watch`]: the active plugin set, rescanned on file changes and
//!   swapped atomically, so running transactions keep the set they started with.
//! - One module per WIT interface for the host side: [`host_api`], [`data_api`],
//!   [`types_api`]; the bindings are generated once in [`bindings`].

pub mod artifact_cache;
pub mod bindings;
pub mod data_api;
pub mod failure;
pub mod host_api;
pub mod identity;
pub mod loaded;
pub mod manifest;
pub mod registry;
pub mod runtime;
pub mod stats;
pub mod store;
pub mod types_api;
pub mod verdict;
pub mod watch;

pub use failure::{FailureClass, FailurePolicy, PluginFailure};
pub use identity::PluginIdentity;
pub use loaded::{CallInput, CallOutcome, LoadError, LoadedPlugin, PluginLimits, StageCall};
pub use registry::{PluginRegistry, PluginSet};
pub use runtime::{PluginRuntime, RuntimeConfig, SandboxLimits};
pub use verdict::{Action, FilterVerdict, OutputCaps, SmtpReply};
