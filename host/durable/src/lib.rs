//! The one durable file write every store of mxr uses: write a temporary file, fsync
//! it, rename it into place, and fsync the folder, so that after a crash the file is
//! either absent or whole, and present once this returns.

#![deny(missing_docs)]

use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `parts` (concatenated) as the file `name` in `dir` (created if missing),
/// durably: the data and the folder entry are both on disk when this returns. The
/// temporary file is `.<name>.tmp` in the same folder, so the rename is atomic.
pub fn write_durably(dir: &Path, name: &str, parts: &[&[u8]]) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(name);
    write_via(&dir.join(format!(".{name}.tmp")), &path, parts, None)?;
    Ok(path)
}

/// Writes `parts` to `tmp`, fsyncs it, renames it to `path` and fsyncs `path`'s
/// folder. `tmp` must be on the same filesystem as `path` (a Maildir's `tmp/`, or a
/// sibling). `mode` sets the permission bits of a new file (e.g. `0o600` for keys);
/// `None` keeps the process umask. A failed write removes `tmp`.
pub fn write_via(tmp: &Path, path: &Path, parts: &[&[u8]], mode: Option<u32>) -> std::io::Result<()> {
    let write = || -> std::io::Result<()> {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        if let Some(mode) = mode {
            std::os::unix::fs::OpenOptionsExt::mode(&mut opts, mode);
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

/// Fsyncs a folder, so that entries created, renamed or removed in it are on disk.
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_whole_file_and_leaves_no_temporary() {
        let dir = std::env::temp_dir().join(format!("mxr-durable-{}", std::process::id()));
        let path = write_durably(&dir, "a.txt", &[b"one ", b"two"]).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"one two");
        let names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("a.txt")]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
