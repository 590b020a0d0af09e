//! Storage at rest: sealed files ([`sealed`]), the key store ([`keys`]) and the spool
//! ([`spool`]). Everything holding personal data is sealed with its tenant's key.

pub mod group_commit;
pub mod keys;
pub mod quarantine;
pub mod sealed;
pub mod spool;

use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `parts` (concatenated) as a file in `dir`, durably: the data and the folder
/// entry are both on disk when this returns.
pub fn write_durably(dir: &Path, name: &str, parts: &[&[u8]]) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".{name}.tmp"));
    let path = dir.join(name);
    let mut f = std::fs::File::create(&tmp)?;
    for p in parts {
        f.write_all(p)?;
    }
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, &path)?;
    std::fs::File::open(dir)?.sync_all()?;
    Ok(path)
}
