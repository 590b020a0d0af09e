//! Compiled plugins cached on disk, so a restart does not recompile.
//!
//! An entry is named by the SHA-256 of the `.wasm` file and a hash of the engine's
//! compatibility key (wasmtime version and settings), and holds a SHA-256 of its own
//! payload. An entry whose checksum or engine key does not match is recompiled and
//! overwritten, never used. The folder is the relay's own (mode 0700): deserialising
//! loads native code, so it must be as trusted as the binary.

use sha2::{Digest, Sha256};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use wasmtime::Engine;
use wasmtime::component::Component;

/// A folder of precompiled components.
#[derive(Clone, Debug)]
pub struct ArtifactCache {
    dir: PathBuf,
}

impl ArtifactCache {
    /// Uses (and creates, mode 0700) `dir`.
    pub fn open(dir: &Path) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        }
        Ok(ArtifactCache { dir: dir.to_owned() })
    }

    fn entry_path(&self, engine: &Engine, wasm_sha256: &str) -> PathBuf {
        let mut h = DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut h);
        self.dir.join(format!("{wasm_sha256}-{:016x}.cwasm", h.finish()))
    }

    /// The cached component for this file hash, if a valid entry exists.
    pub fn get(&self, engine: &Engine, wasm_sha256: &str) -> Option<Component> {
        let path = self.entry_path(engine, wasm_sha256);
        let bytes = std::fs::read(&path).ok()?;
        let (sum, payload) = bytes.split_at_checked(32)?;
        if Sha256::digest(payload).as_slice() != sum {
            tracing::warn!(path = %path.display(), "cached artifact fails its checksum; recompiling");
            return None;
        }
        // SAFETY: the payload was written by `put` from `Engine::precompile_component`
        // (its checksum matches), and wasmtime checks the engine compatibility header.
        match unsafe { Component::deserialize(engine, payload) } {
            Ok(c) => Some(c),
            Err(e) => {
                tracing::info!(path = %path.display(), error = %e, "cached artifact does not fit this engine; recompiling");
                None
            }
        }
    }

    /// Stores a precompiled component; failures only cost a recompile later.
    pub fn put(&self, engine: &Engine, wasm_sha256: &str, precompiled: &[u8]) {
        let path = self.entry_path(engine, wasm_sha256);
        let digest = Sha256::digest(precompiled);
        if let Err(e) = mxr_durable::write_via(&path.with_extension("tmp"), &path, &[&digest, precompiled], None) {
            tracing::warn!(path = %path.display(), error = %e, "could not cache compiled plugin");
        }
    }
}
