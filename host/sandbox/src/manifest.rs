//! A plugin's manifest, checked at load time, and the interface-version check.

use super::bindings::types as wit;
use super::failure::PluginFailure;
use super::types_api::stage_name;
use mxr_privacy::grant::GrantError;
use mxr_privacy::{Category, CategorySet};
use wasmtime::Engine;
use wasmtime::component::Component;
use wasmtime::component::types::ComponentItem;

/// The interface version this host speaks.
pub const INTERFACE_VERSION: (u64, u64, u64) = (0, 1, 0);

/// Why a plugin's manifest was refused.
#[derive(Debug, thiserror::Error)]
pub enum InvalidManifest {
    /// The name is not `[a-z][a-z0-9-]{0,63}` (its start).
    #[error("name {0:?} is not 1-64 characters of [a-z0-9-] starting with a letter")]
    Name(String),
    /// The version is not `MAJOR.MINOR.PATCH[-pre]` (its start).
    #[error("version {0:?} is not a semantic version like 1.2.3")]
    Version(String),
    /// The purpose is not shaped like a purpose id (its start).
    #[error("purpose {0:?} is not a purpose id")]
    Purpose(String),
    /// The stage list is empty.
    #[error("it hooks no stage")]
    NoStage,
    /// The `manifest` call itself failed.
    #[error("{0}")]
    Call(#[from] PluginFailure),
    /// The purpose policy refuses the purpose or the categories.
    #[error("{0}")]
    Policy(#[from] GrantError),
}

/// A checked manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PluginManifest {
    /// `[a-z][a-z0-9-]{0,63}`.
    pub name: String,
    /// `MAJOR.MINOR.PATCH[-pre]`.
    pub version: String,
    /// The declared purpose.
    pub purpose: String,
    /// The categories it asked for.
    pub categories: CategorySet,
    /// The stages it hooks.
    pub stages: Vec<wit::Stage>,
}

impl PluginManifest {
    /// Checks what a plugin declared.
    pub fn check(m: wit::Manifest) -> Result<Self, InvalidManifest> {
        let name_ok = (1..=64).contains(&m.name.len())
            && m.name.starts_with(|c: char| c.is_ascii_lowercase())
            && m.name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !name_ok {
            return Err(InvalidManifest::Name(clip(&m.name)));
        }
        if !is_semver(&m.version) {
            return Err(InvalidManifest::Version(clip(&m.version)));
        }
        if mxr_privacy::policy::PurposeId::parse(&m.purpose).is_err() {
            return Err(InvalidManifest::Purpose(clip(&m.purpose)));
        }
        if m.stages.is_empty() {
            return Err(InvalidManifest::NoStage);
        }
        let mut stages = Vec::new();
        for s in m.stages {
            if !stages.contains(&s) {
                stages.push(s);
            }
        }
        let categories = m.categories.into_iter().map(Category::from).collect();
        Ok(PluginManifest { name: m.name, version: m.version, purpose: m.purpose, categories, stages })
    }

    /// The stage names, for display.
    pub fn stage_names(&self) -> Vec<&'static str> {
        self.stages.iter().map(|s| stage_name(*s)).collect()
    }
}

fn is_semver(v: &str) -> bool {
    let (core, pre) = v.split_once('-').map_or((v, None), |(c, p)| (c, Some(p)));
    let nums: Vec<&str> = core.split('.').collect();
    nums.len() == 3
        && nums.iter().all(|n| !n.is_empty() && n.len() <= 9 && n.bytes().all(|b| b.is_ascii_digit()))
        && pre.is_none_or(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-'))
}

/// The first 40 characters of a refused value, for its error.
pub(crate) fn clip(s: &str) -> String {
    s.chars().take(40).collect()
}

/// Why a component cannot be linked against the interface this host speaks.
#[derive(Debug, thiserror::Error)]
pub enum IncompatibleInterface {
    /// It exports no `mxr:filter/hooks` at all.
    #[error("it does not export mxr:filter/hooks; build it with mxr-sdk against mxr:filter@{ours}")]
    NoHooks {
        /// This host's interface version.
        ours: String,
    },
    /// It was built against an interface version this host does not speak.
    #[error("it was built against mxr:filter@{theirs}; this mxr speaks mxr:filter@{ours} (compatible: {compatible})")]
    Version {
        /// The version it was built against.
        theirs: String,
        /// This host's interface version.
        ours: String,
        /// The versions this host accepts, e.g. `0.1.x`.
        compatible: String,
    },
    /// Its imports or exports do not match the host's linker.
    #[error("{0:#}")]
    Link(wasmtime::Error),
}

/// Refuses a component built against an `mxr:filter` version this host does not speak,
/// with a message naming both; and one that does not export the hooks at all.
pub fn check_interface_version(engine: &Engine, component: &Component) -> Result<(), IncompatibleInterface> {
    let ty = component.component_type();
    let mut seen = Vec::new();
    for (name, item) in ty.exports(engine) {
        if let Some(rest) = name.strip_prefix("mxr:filter/hooks")
            && matches!(item.ty, ComponentItem::ComponentInstance(_))
        {
            seen.push(rest.trim_start_matches('@').to_owned());
        }
    }
    let (major, minor, patch) = INTERFACE_VERSION;
    let ours = format!("{major}.{minor}.{patch}");
    let Some(theirs) = seen.first() else {
        return Err(IncompatibleInterface::NoHooks { ours });
    };
    let parts: Vec<u64> = theirs.split(['.', '-']).take(3).filter_map(|p| p.parse().ok()).collect();
    let compatible = match parts.as_slice() {
        [0, m, _] => major == 0 && *m == minor,
        [m, _, _] => *m == major && major != 0,
        _ => false,
    };
    if compatible {
        Ok(())
    } else {
        Err(IncompatibleInterface::Version { theirs: theirs.clone(), ours, compatible: format!("{major}.{minor}.x") })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(name: &str, version: &str, stages: Vec<wit::Stage>) -> wit::Manifest {
        wit::Manifest {
            name: name.into(),
            version: version.into(),
            purpose: "spam-filtering".into(),
            categories: vec![],
            stages,
        }
    }

    #[test]
    fn manifests_table() {
        use wit::Stage::*;
        let cases = [
            (manifest("spam-score", "0.1.0", vec![Data]), None),
            (manifest("Spam", "0.1.0", vec![Data]), Some("name")),
            (manifest("spam", "1.0", vec![Data]), Some("version")),
            (manifest("spam", "1.0.0-rc.1", vec![Data]), None),
            (manifest("spam", "1.0.0", vec![]), Some("no stage")),
        ];
        for (m, want) in cases {
            match (PluginManifest::check(m.clone()), want) {
                (Ok(_), None) => {}
                (Err(e), Some(w)) => assert!(e.to_string().contains(w), "{m:?}: {e}"),
                (got, want) => panic!("{m:?}: got {got:?}, wanted {want:?}"),
            }
        }
    }
}
