//! Delivery into a Maildir: `tmp/` → fsync → rename into `new/` → fsync the folder.
//! The mail lies there in clear, so every file is `0600` and every folder `0700`
//! (as Dovecot makes them), whatever the umask.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

static SEQUENCE: AtomicU64 = AtomicU64::new(0);

/// Delivers into the Maildir at `root` (creating `tmp`, `new`, `cur` as private
/// folders), durably, as a private file.
pub fn deliver(root: &Path, hostname: &str, parts: &[&[u8]]) -> std::io::Result<PathBuf> {
    mxr_durable::private_dir(root)?;
    for sub in ["tmp", "new", "cur"] {
        mxr_durable::private_dir(&root.join(sub))?;
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
    mxr_durable::write_via(&root.join("tmp").join(&name), &path, parts, Some(mxr_durable::PRIVATE_FILE))?;
    Ok(path)
}
