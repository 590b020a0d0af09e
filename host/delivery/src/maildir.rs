//! Delivery into a Maildir: `tmp/` → fsync → rename into `new/` → fsync the folder.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

static SEQUENCE: AtomicU64 = AtomicU64::new(0);

/// Delivers into the Maildir at `root` (creating `tmp`, `new`, `cur`), durably.
pub fn deliver(root: &Path, hostname: &str, parts: &[&[u8]]) -> std::io::Result<PathBuf> {
    for sub in ["tmp", "new", "cur"] {
        std::fs::create_dir_all(root.join(sub))?;
    }
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let name = format!(
        "{}.M{}P{}Q{}.{}",
        now.as_secs(),
        now.subsec_micros(),
        std::process::id(),
        SEQUENCE.fetch_add(1, Ordering::Relaxed),
        hostname.replace(['/', ':'], "_")
    );
    let path = root.join("new").join(&name);
    mxr_durable::write_via(&root.join("tmp").join(&name), &path, parts, None)?;
    Ok(path)
}
