//! Per-tenant secret keys for pseudonyms, derived from a node secret kept in the data
//! dir (`keys/node.secret`, mode 0600, created on first start).
//!
//! The durable per-tenant key store (wrapped data keys, destroyed at offboarding)
//! replaces the derivation; callers only ever ask for a [`Pseudonymizer`].

use crate::privacy::Pseudonymizer;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::io::Write;
use std::path::Path;

/// The node secret and what is derived from it.
pub struct TenantKeys {
    node_secret: [u8; 32],
}

impl TenantKeys {
    /// Reads `<data_dir>/keys/node.secret`, creating it (0600) if absent.
    pub fn open(data_dir: &Path) -> std::io::Result<Self> {
        let dir = data_dir.join("keys");
        std::fs::create_dir_all(&dir)?;
        let path = dir.join("node.secret");
        let node_secret = match std::fs::read(&path) {
            Ok(bytes) => {
                bytes.try_into().map_err(|_| std::io::Error::other(format!("{} is not 32 bytes", path.display())))?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut secret = [0u8; 32];
                getrandom::fill(&mut secret).map_err(|e| std::io::Error::other(e.to_string()))?;
                let mut opts = std::fs::OpenOptions::new();
                opts.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
                let mut f = opts.open(&path)?;
                f.write_all(&secret)?;
                f.sync_all()?;
                secret
            }
            Err(e) => return Err(e),
        };
        Ok(TenantKeys { node_secret })
    }

    /// The pseudonymizer for a tenant and purpose.
    pub fn pseudonymizer(&self, tenant: &str, purpose: &str) -> Pseudonymizer {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.node_secret).expect("any key length");
        mac.update(b"mxr/tenant-key/v1\0");
        mac.update(tenant.as_bytes());
        let tenant_key: [u8; 32] = mac.finalize().into_bytes().into();
        Pseudonymizer::derive(&tenant_key, purpose)
    }
}
