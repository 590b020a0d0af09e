//! The embedded tenant store: one SQLite file in the data dir (mode 0600, WAL, every
//! commit synced). Tenants are stored as the JSON of their `[[tenant]]` table, so the
//! file reads the same way the config does. Other processes (`mxr tenant ...`) write
//! the same file; [`SqliteStore::watch`] notices their changes.

use crate::change::{Change, seed_hash};
use crate::store::{StoreError, Stored, TenantStore};
use crate::token::{TokenHash, TokenRecord};
use mxr_config::file::TenantFile;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

/// How often [`SqliteStore::watch`] reads the revision.
pub const WATCH_EVERY: Duration = Duration::from_millis(250);

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS tenants (id TEXT PRIMARY KEY, position INTEGER NOT NULL, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (
    id TEXT PRIMARY KEY, scope TEXT NOT NULL, hash BLOB NOT NULL UNIQUE,
    label TEXT NOT NULL, created INTEGER NOT NULL, revoked INTEGER);
";

/// The store in `<data_dir>/tenants.db`.
pub struct SqliteStore {
    path: PathBuf,
    db: Mutex<Connection>,
}

impl SqliteStore {
    /// Opens (creating, mode 0600) the database file at `path`.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let io = |source| StoreError::Io { path: path.display().to_string(), source };
        create_private(path).map_err(io)?;
        let db = connect(path)?;
        db.execute_batch(SCHEMA).map_err(|e| db_error(path, e))?;
        Ok(SqliteStore { path: path.to_owned(), db: Mutex::new(db) })
    }

    /// Opens an existing store for reading only (reports such as `mxr measures`):
    /// no file is made, no schema written; a write through it fails.
    pub fn open_read_only(path: &Path) -> Result<SqliteStore, StoreError> {
        let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let db = Connection::open_with_flags(path, flags).map_err(|e| db_error(path, e))?;
        db.busy_timeout(Duration::from_secs(10)).map_err(|e| db_error(path, e))?;
        Ok(SqliteStore { path: path.to_owned(), db: Mutex::new(db) })
    }

    fn db(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.db.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn err(&self, e: rusqlite::Error) -> StoreError {
        db_error(&self.path, e)
    }
}

/// Creates the file with mode 0600 if it is missing (SQLite's own would follow the umask).
fn create_private(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

fn db_error(path: &Path, source: rusqlite::Error) -> StoreError {
    StoreError::Db { path: path.display().to_string(), source }
}

/// A connection that waits for other writers and syncs every commit.
fn connect(path: &Path) -> Result<Connection, StoreError> {
    let db = Connection::open(path).map_err(|e| db_error(path, e))?;
    db.busy_timeout(Duration::from_secs(10)).map_err(|e| db_error(path, e))?;
    db.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;").map_err(|e| db_error(path, e))?;
    Ok(db)
}

fn meta(db: &Connection, key: &str) -> rusqlite::Result<u64> {
    let v: Option<i64> = db.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()?;
    Ok(v.map_or(0, |v| v.cast_unsigned()))
}

fn set_meta(db: &Connection, key: &str, value: u64) -> rusqlite::Result<()> {
    db.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = ?2",
        params![key, value.cast_signed()],
    )?;
    Ok(())
}

/// Writes `files` in place of what is stored under their ids (new ones at the end).
fn put(db: &Connection, files: &[TenantFile]) -> rusqlite::Result<()> {
    for f in files {
        let body = serde_json::to_string(f).expect("a tenant always encodes as JSON");
        let next: i64 = db.query_row("SELECT COALESCE(MAX(position), 0) + 1 FROM tenants", [], |r| r.get(0))?;
        db.execute(
            "INSERT INTO tenants (id, position, body) VALUES (?1, ?2, ?3) ON CONFLICT(id) DO UPDATE SET body = ?3",
            params![f.id.as_str(), next, body],
        )?;
    }
    Ok(())
}

fn token_row(r: &rusqlite::Row) -> rusqlite::Result<(String, String, Vec<u8>, String, i64, Option<i64>)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
}

/// A stored token row; a row that no longer reads (a bad scope or hash) is skipped by
/// the callers, so it can never authenticate.
fn token(row: (String, String, Vec<u8>, String, i64, Option<i64>)) -> Option<TokenRecord> {
    let (id, scope, hash, label, created, revoked) = row;
    Some(TokenRecord {
        id,
        scope: scope.parse().ok()?,
        hash: hash.try_into().ok()?,
        label,
        created: created as u64,
        revoked: revoked.map(|r| r as u64),
    })
}

const TOKEN_COLUMNS: &str = "id, scope, hash, label, created, revoked";

impl TenantStore for SqliteStore {
    fn load(&self) -> Result<Stored, StoreError> {
        let mut db = self.db();
        let tx = db.transaction().map_err(|e| self.err(e))?;
        let (revision, seed) = (meta(&tx, "revision"), meta(&tx, "seed"));
        let mut stmt = tx.prepare("SELECT id, body FROM tenants ORDER BY position").map_err(|e| self.err(e))?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)));
        let rows: Vec<(String, String)> = rows.and_then(Iterator::collect).map_err(|e| self.err(e))?;
        let mut tenants = Vec::with_capacity(rows.len());
        for (id, body) in rows {
            tenants.push(serde_json::from_str(&body).map_err(|source| StoreError::Unreadable { id, source })?);
        }
        let (revision, seed) = (revision.map_err(|e| self.err(e))?, seed.map_err(|e| self.err(e))?);
        Ok(Stored { revision, seed, tenants })
    }

    fn apply(&self, expected: u64, change: &Change) -> Result<u64, StoreError> {
        let mut db = self.db();
        let tx = db.transaction_with_behavior(TransactionBehavior::Immediate).map_err(|e| self.err(e))?;
        let found = meta(&tx, "revision").map_err(|e| self.err(e))?;
        if found != expected {
            return Err(StoreError::Conflict { expected, found });
        }
        let written = match change {
            Change::Seed(files) => put(&tx, files).and_then(|()| set_meta(&tx, "seed", seed_hash(files))),
            Change::Put(files) => put(&tx, files),
            Change::Delete(id) => tx.execute("DELETE FROM tenants WHERE id = ?1", [id.as_str()]).map(|_| ()),
        };
        written.and_then(|()| set_meta(&tx, "revision", found + 1)).map_err(|e| self.err(e))?;
        tx.commit().map_err(|e| self.err(e))?;
        Ok(found + 1)
    }

    fn watch(&self) -> tokio::sync::watch::Receiver<u64> {
        let start = meta(&self.db(), "revision").unwrap_or(0);
        let (tx, rx) = tokio::sync::watch::channel(start);
        let path = self.path.clone();
        std::thread::Builder::new()
            .name("mxr-tenant-watch".into())
            .spawn(move || {
                let Ok(db) = connect(&path) else { return };
                while !tx.is_closed() {
                    std::thread::sleep(WATCH_EVERY);
                    if let Ok(r) = meta(&db, "revision") {
                        tx.send_if_modified(|seen| std::mem::replace(seen, r) != r);
                    }
                }
            })
            .expect("a thread can be started");
        rx
    }

    fn add_token(&self, t: &TokenRecord) -> Result<(), StoreError> {
        self.db()
            .execute(
                "INSERT INTO tokens (id, scope, hash, label, created, revoked) VALUES (?1, ?2, ?3, ?4, ?5, NULL)",
                params![t.id, t.scope.to_string(), t.hash.as_slice(), t.label, t.created as i64],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    fn token(&self, hash: &TokenHash) -> Result<Option<TokenRecord>, StoreError> {
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE hash = ?1");
        let row = self.db().query_row(&sql, [hash.as_slice()], token_row).optional().map_err(|e| self.err(e))?;
        Ok(row.and_then(token))
    }

    fn revoke_token(&self, id: &str, at: u64) -> Result<Option<TokenRecord>, StoreError> {
        let mut db = self.db();
        let tx = db.transaction_with_behavior(TransactionBehavior::Immediate).map_err(|e| self.err(e))?;
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE id = ?1");
        let before = tx.query_row(&sql, [id], token_row).optional().map_err(|e| self.err(e))?;
        tx.execute("UPDATE tokens SET revoked = ?2 WHERE id = ?1 AND revoked IS NULL", params![id, at as i64])
            .map_err(|e| self.err(e))?;
        tx.commit().map_err(|e| self.err(e))?;
        Ok(before.and_then(token))
    }

    fn tokens(&self) -> Result<Vec<TokenRecord>, StoreError> {
        let db = self.db();
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM tokens ORDER BY created, id");
        let mut stmt = db.prepare(&sql).map_err(|e| self.err(e))?;
        let rows = stmt.query_map([], token_row).and_then(Iterator::collect::<Result<Vec<_>, _>>);
        Ok(rows.map_err(|e| self.err(e))?.into_iter().filter_map(token).collect())
    }
}
