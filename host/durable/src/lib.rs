//! The one durable file write every store of mxr uses: write a temporary file, fsync
//! it, rename it into place, and fsync the folder, so that after a crash the file is
//! either absent or whole, and present once this returns.
//!
//! It is also the one place that says what "private" means on disk: files holding
//! mail or keys are [`PRIVATE_FILE`] (`0600`) and their folders [`PRIVATE_DIR`]
//! (`0700`), set where they are created, whatever the process umask.

#![deny(missing_docs)]

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The permission bits of a file holding mail or keys: read and write for the owner.
pub const PRIVATE_FILE: u32 = 0o600;
/// The permission bits of a folder holding mail or keys: the owner only.
pub const PRIVATE_DIR: u32 = 0o700;

/// Creates `dir` and any missing parents with mode [`PRIVATE_DIR`], then sets `dir`
/// itself to exactly that mode (so a folder an older version made `0755`, or one the
/// umask widened or narrowed, ends up `0700`). Parents that already exist are left
/// as they are: they may be the operator's.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::DirBuilder::new().recursive(true).mode(PRIVATE_DIR).create(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(PRIVATE_DIR))
}

/// Opens `path` for writing (created, or truncated) with mode [`PRIVATE_FILE`] if it
/// is created; `append` opens it for appending instead of truncating.
pub fn open_private(path: &Path, append: bool) -> std::io::Result<std::fs::File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.create(true).mode(PRIVATE_FILE);
    if append {
        opts.read(true).append(true);
    } else {
        opts.write(true).truncate(true);
    }
    opts.open(path)
}

/// Writes `parts` to `tmp` (mode [`PRIVATE_FILE`]) and renames it to `path`, with no
/// flush: for writers whose group commit makes many such files durable at once.
/// `tmp` must be on the same filesystem as `path`. A failed write removes `tmp`.
pub fn place_private(tmp: &Path, path: &Path, parts: &[&[u8]]) -> std::io::Result<()> {
    let write = || -> std::io::Result<()> {
        let mut f = open_private(tmp, false)?;
        for p in parts {
            f.write_all(p)?;
        }
        drop(f);
        std::fs::rename(tmp, path)
    };
    write().inspect_err(|_| {
        let _ = std::fs::remove_file(tmp);
    })
}

/// Writes `parts` (concatenated) as the file `name` in `dir` (created as a
/// [`private_dir`] if missing), durably and with mode [`PRIVATE_FILE`]: the data and
/// the folder entry are both on disk when this returns. The temporary file is
/// `.<name>.tmp` in the same folder, so the rename is atomic.
pub fn write_durably(dir: &Path, name: &str, parts: &[&[u8]]) -> std::io::Result<PathBuf> {
    private_dir(dir)?;
    let path = dir.join(name);
    write_via(&dir.join(format!(".{name}.tmp")), &path, parts, Some(PRIVATE_FILE))?;
    Ok(path)
}

/// Writes `parts` to `tmp`, fsyncs it, renames it to `path` and fsyncs `path`'s
/// folder. `tmp` must be on the same filesystem as `path` (a Maildir's `tmp/`, or a
/// sibling). `mode` sets the permission bits of a new file ([`PRIVATE_FILE`] for
/// anything holding mail or keys); `None` keeps the process umask, for files that hold
/// neither (compiled plugins). A failed write removes `tmp`.
pub fn write_via(tmp: &Path, path: &Path, parts: &[&[u8]], mode: Option<u32>) -> std::io::Result<()> {
    let write = || -> std::io::Result<()> {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        if let Some(mode) = mode {
            opts.mode(mode);
        }
        let mut f = opts.open(tmp)?;
        for p in parts {
            f.write_all(p)?;
        }
        f.sync_all()?;
        drop(f);
        std::fs::rename(tmp, path)
    };
    if let Err(e) = write() {
        let _ = std::fs::remove_file(tmp);
        return Err(e);
    }
    sync_dir(path.parent().unwrap_or(Path::new(".")))
}

/// Creates `path` holding `parts`, durably and with mode [`PRIVATE_FILE`], unless a
/// file is there already, which is then left as it is: `Ok(false)`. For a file that
/// processes may create at once and whose first version must never be replaced (a key
/// that may already have sealed data). The data goes to a temporary file this call
/// creates (never one another process made), is fsynced, and is renamed to `path`
/// with `RENAME_NOREPLACE`, which fails when `path` exists and leaves no second name on
/// the file. Where the filesystem lacks that flag, a hard link does the same, and the
/// temporary name is removed after it.
pub fn create_private(path: &Path, parts: &[&[u8]]) -> std::io::Result<bool> {
    let (tmp, mut f) = new_temporary(path)?;
    let placed = (|| -> std::io::Result<bool> {
        for p in parts {
            f.write_all(p)?;
        }
        f.sync_all()?;
        let cwd = rustix::fs::CWD;
        match rustix::fs::renameat_with(cwd, &tmp, cwd, path, rustix::fs::RenameFlags::NOREPLACE) {
            Ok(()) => return Ok(true),
            Err(rustix::io::Errno::EXIST) => return Ok(false),
            Err(rustix::io::Errno::INVAL | rustix::io::Errno::NOSYS) => {}
            Err(e) => return Err(e.into()),
        }
        match std::fs::hard_link(&tmp, path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
            Err(e) => Err(e),
        }
    })();
    // Gone after a rename; the loser's file, or a second name after a link, otherwise.
    let _ = std::fs::remove_file(&tmp);
    let created = placed?;
    sync_dir(path.parent().unwrap_or(Path::new(".")))?;
    Ok(created)
}

/// A new private file beside `path`, created by this call (`O_EXCL`): its name holds
/// the process id, a counter and the time, and a name taken already is passed over.
fn new_temporary(path: &Path) -> std::io::Result<(PathBuf, std::fs::File)> {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    loop {
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
        let tmp = path.with_file_name(format!(".{name}.{}-{n}-{nanos}.tmp", std::process::id()));
        match std::fs::OpenOptions::new().write(true).create_new(true).mode(PRIVATE_FILE).open(&tmp) {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Fsyncs a folder, so that entries created, renamed or removed in it are on disk.
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn writes_whole_private_file_and_leaves_no_temporary() {
        // Permissive: what the modes come to must not depend on it. The umask is the
        // process's, so this is the only test in this crate that creates files.
        let old = rustix::process::umask(rustix::fs::Mode::empty());
        let root = std::env::temp_dir().join(format!("mxr-durable-{}", std::process::id()));
        let dir = root.join("deeper");
        let path = write_durably(&dir, "a.txt", &[b"one ", b"two"]).unwrap();
        let opened = open_private(&dir.join("log"), true).unwrap();
        drop(opened);
        rustix::process::umask(old);
        assert_eq!(std::fs::read(&path).unwrap(), b"one two");
        let mut names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        names.sort();
        assert_eq!(names, ["a.txt", "log"]);
        assert_eq!((mode(&root), mode(&dir), mode(&path), mode(&dir.join("log"))), (0o700, 0o700, 0o600, 0o600));
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        private_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700, "an existing folder is made private too");
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_created_file_is_never_replaced() {
        let root = std::env::temp_dir().join(format!("mxr-durable-create-{}", std::process::id()));
        private_dir(&root).unwrap();
        let path = root.join("k.key");
        assert!(create_private(&path, &[b"first"]).unwrap());
        assert!(!create_private(&path, &[b"second"]).unwrap(), "the second creator loses");
        assert_eq!(std::fs::read(&path).unwrap(), b"first");
        assert_eq!(mode(&path), PRIVATE_FILE);
        let names: Vec<_> = std::fs::read_dir(&root).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, ["k.key"], "no temporary is left");
        std::fs::remove_dir_all(&root).unwrap();
    }
}
