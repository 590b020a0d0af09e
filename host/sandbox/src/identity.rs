//! A plugin's identity: name, version and content hash, carried by logs and metrics.

use std::fmt;

/// Name, version and content hash of one loaded plugin file.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub struct PluginIdentity {
    /// The manifest's name, `[a-z][a-z0-9-]{0,63}`.
    pub name: String,
    /// The manifest's version, `MAJOR.MINOR.PATCH[-pre]`.
    pub version: String,
    /// Hex SHA-256 of the `.wasm` file.
    pub sha256: String,
}

impl PluginIdentity {
    /// The first 12 hex digits of the hash, as shown in logs.
    pub fn short_hash(&self) -> &str {
        &self.sha256[..self.sha256.len().min(12)]
    }
}

impl fmt::Display for PluginIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{} ({})", self.name, self.version, self.short_hash())
    }
}
