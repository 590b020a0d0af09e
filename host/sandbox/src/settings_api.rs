//! The optional `mxr:filter/settings` export (the host side of a guest interface): a
//! plugin that exports `check` is asked about a settings text before the relay
//! accepts it for a tenant. A plugin without it (built against the `filter` world
//! alone, as every plugin before it was) loads and runs unchanged, and its settings
//! are taken as given.
//!
//! The check runs like the manifest call: a fresh instance, no grant, no mail, the
//! plugin's deadline and memory cap; `config()` returns the text being checked. The
//! outer `Result` of the call is a trap (the check failed); the inner WIT `result`
//! is the plugin's answer.

use super::call_store::{bare_store, classify};
use super::failure::PluginFailure;
use super::identity::PluginIdentity;
use super::manifest::INTERFACE_VERSION;
use super::runtime::PluginRuntime;
use super::state::StoreState;
use std::sync::Arc;
use wasmtime::component::{Component, ComponentExportIndex, InstancePre};

/// The most of a refusal's text that is passed on, in characters.
pub const MAX_REFUSAL_CHARS: usize = 500;

/// Why a settings text was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum SettingsRefused {
    /// The plugin refused it; its words, cut to [`MAX_REFUSAL_CHARS`].
    #[error("{0}")]
    Refused(String),
    /// The check itself failed (a trap, its deadline, its memory cap, or an export
    /// of the wrong shape), so the text is not accepted.
    #[error("the plugin's settings check failed: {0}")]
    Failed(PluginFailure),
}

/// Where a component's `settings.check` is.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SettingsCheck {
    check: ComponentExportIndex,
}

/// The export's name at this host's interface version.
fn interface_name() -> String {
    let (major, minor, patch) = INTERFACE_VERSION;
    format!("mxr:filter/settings@{major}.{minor}.{patch}")
}

impl SettingsCheck {
    /// The check `component` exports, if it exports one.
    pub(crate) fn find(component: &Component) -> Option<SettingsCheck> {
        let interface = component.get_export_index(None, interface_name())?;
        let check = component.get_export_index(Some(&interface), "check")?;
        Some(SettingsCheck { check })
    }

    /// Asks the plugin about `text`.
    pub(crate) fn run(
        &self,
        runtime: &PluginRuntime,
        pre: &InstancePre<StoreState>,
        plugin: Arc<PluginIdentity>,
        text: &str,
    ) -> Result<(), SettingsRefused> {
        let mut store = bare_store(runtime, plugin, Arc::from(text));
        let answer = pre.instantiate(&mut store).and_then(|instance| {
            let check = instance.get_typed_func::<(String,), (Result<(), String>,)>(&mut store, self.check)?;
            check.call(&mut store, (text.to_owned(),))
        });
        match answer {
            Ok((Ok(()),)) => Ok(()),
            Ok((Err(why),)) => Err(SettingsRefused::Refused(why.chars().take(MAX_REFUSAL_CHARS).collect())),
            Err(e) => Err(SettingsRefused::Failed(classify(e, store.data(), runtime.config.limits.deadline))),
        }
    }
}
