//! The digest's own small state, in `digest.db` in the data dir (SQLite, mode 0600):
//! when each tenant's last digest went out and which quarantined messages digests have
//! listed (so each is listed once, however close together they arrived), and the
//! nonces of release links already used (kept until they expire anyway).

use rusqlite::{Connection, OptionalExtension, params};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The file name in the data dir.
pub const DB_FILE: &str = "digest.db";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS sent (tenant TEXT PRIMARY KEY, at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS listed (tenant TEXT NOT NULL, queue_id TEXT NOT NULL, PRIMARY KEY (tenant, queue_id));
CREATE TABLE IF NOT EXISTS used (nonce TEXT PRIMARY KEY, expires INTEGER NOT NULL);
";
/// The state could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The database refused.
    #[error("{path}: {source}")]
    Db {
        /// The database file.
        path: String,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// The file could not be made.
    #[error("{path}: {source}")]
    Io {
        /// The database file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}

/// The digest's state.
pub struct DigestState {
    path: PathBuf,
    db: Mutex<Connection>,
}

impl DigestState {
    /// Opens (creating, mode 0600) the state at `data_dir`/[`DB_FILE`].
    pub fn open(data_dir: &Path) -> Result<DigestState, StateError> {
        let path = data_dir.join(DB_FILE);
        let io = |source| StateError::Io { path: path.display().to_string(), source };
        {
            use std::os::unix::fs::OpenOptionsExt;
            let made = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&path);
            match made {
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(io(e)),
            }
        }
        let db =
            Connection::open(&path).map_err(|source| StateError::Db { path: path.display().to_string(), source })?;
        let state = DigestState { path, db: Mutex::new(db) };
        state.run(|db| db.execute_batch(SCHEMA))?;
        Ok(state)
    }

    fn run<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T, StateError> {
        let db = self.db.lock().unwrap_or_else(|p| p.into_inner());
        f(&db).map_err(|source| StateError::Db { path: self.path.display().to_string(), source })
    }

    /// When the tenant's last digest was sent (Unix seconds), if one was.
    pub fn last_sent(&self, tenant: &str) -> Result<Option<u64>, StateError> {
        self.run(|db| {
            db.query_row("SELECT at FROM sent WHERE tenant = ?1", [tenant], |r| r.get::<_, i64>(0)).optional()
        })
        .map(|at| at.map(|a| a as u64))
    }

    /// The queue ids digests have listed for the tenant.
    pub fn listed(&self, tenant: &str) -> Result<HashSet<String>, StateError> {
        self.run(|db| {
            let mut q = db.prepare("SELECT queue_id FROM listed WHERE tenant = ?1")?;
            q.query_map([tenant], |r| r.get::<_, String>(0))?.collect()
        })
    }

    /// Records that the tenant's digest went out at `at` listing `ids`, and forgets
    /// listed ids that are no longer in `held` (released, deleted or purged).
    pub fn sent(&self, tenant: &str, at: u64, ids: &[&str], held: &HashSet<String>) -> Result<(), StateError> {
        let gone: Vec<String> = self.listed(tenant)?.into_iter().filter(|q| !held.contains(q)).collect();
        self.run(|db| {
            let tx = db.unchecked_transaction()?;
            tx.execute(
                "INSERT INTO sent (tenant, at) VALUES (?1, ?2) ON CONFLICT(tenant) DO UPDATE SET at = excluded.at",
                params![tenant, at as i64],
            )?;
            for q in &gone {
                tx.execute("DELETE FROM listed WHERE tenant = ?1 AND queue_id = ?2", params![tenant, q])?;
            }
            for q in ids {
                tx.execute("INSERT OR IGNORE INTO listed (tenant, queue_id) VALUES (?1, ?2)", params![tenant, q])?;
            }
            tx.commit()
        })
    }

    /// True when the link with `nonce` was used.
    pub fn used(&self, nonce: &str) -> Result<bool, StateError> {
        self.run(|db| db.query_row("SELECT 1 FROM used WHERE nonce = ?1", [nonce], |_| Ok(())).optional())
            .map(|r| r.is_some())
    }

    /// Marks the link with `nonce` used; false when it was already (only one of two
    /// clicks at once gets true). Nonces of links expired before `now` are forgotten.
    pub fn take(&self, nonce: &str, expires: u64, now: u64) -> Result<bool, StateError> {
        self.run(|db| {
            db.execute("DELETE FROM used WHERE expires < ?1", [now as i64])?;
            db.execute("INSERT OR IGNORE INTO used (nonce, expires) VALUES (?1, ?2)", params![nonce, expires as i64])
        })
        .map(|inserted| inserted == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nonce_is_taken_once_and_what_was_sent_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let state = DigestState::open(dir.path()).unwrap();
        assert!(!state.used("n1").unwrap());
        assert!(state.take("n1", 100, 10).unwrap());
        assert!(!state.take("n1", 100, 10).unwrap(), "a second use is refused");
        assert!(state.used("n1").unwrap());
        assert_eq!(state.last_sent("acme").unwrap(), None);
        let held: HashSet<String> = ["q1", "q2"].map(String::from).into();
        state.sent("acme", 50, &["q1"], &held).unwrap();
        state.sent("acme", 90, &["q2"], &held).unwrap();
        drop(state);
        let state = DigestState::open(dir.path()).unwrap();
        assert_eq!(state.last_sent("acme").unwrap(), Some(90));
        assert_eq!(state.listed("acme").unwrap(), held);
        let still: HashSet<String> = ["q2"].map(String::from).into();
        state.sent("acme", 95, &[], &still).unwrap();
        assert_eq!(state.listed("acme").unwrap(), still, "q1 left the quarantine: forgotten");
        assert!(state.listed("beta").unwrap().is_empty());
        assert!(state.used("n1").unwrap(), "kept on disk");
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join(DB_FILE)).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
