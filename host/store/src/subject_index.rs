//! The subject index: for each stored copy, the keyed tokens of every address it names,
//! so that a data subject's mail can be found (agreement art. 9) without opening every
//! sealed message and without any list of raw addresses at rest.
//!
//! One sealed file per copy, `<data_dir>/index/<tenant>/<queue id>.<place>`, sealed with
//! the tenant's key like the copy itself and bound to its tenant, place and queue id as
//! associated data. It holds tokens only (an HMAC under a key derived from the tenant
//! key, made by the caller), each with the role the address plays. An entry is written
//! before its copy, and removed after it: an entry whose copy is gone is harmless (a
//! search checks the copy), a copy without an entry never exists.

use super::group_commit::GroupCommit;
use super::keys::KeyStore;
use super::spool::SpoolError;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Where a copy is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Place {
    /// Waiting for delivery in the spool.
    Spool,
    /// Held in the tenant's quarantine.
    Quarantine,
}

impl Place {
    /// The name used in file names and reports.
    pub fn name(self) -> &'static str {
        match self {
            Place::Spool => "spool",
            Place::Quarantine => "quarantine",
        }
    }
}

/// The part an address plays in a copy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Role {
    /// The envelope sender (MAIL FROM).
    Sender,
    /// An envelope recipient (RCPT TO).
    Recipient,
    /// Named in an address header (From, To, Cc, Reply-To, ...).
    Header,
    /// Written in the text of the message.
    Body,
}

impl Role {
    /// The name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Role::Sender => "sender",
            Role::Recipient => "recipient",
            Role::Header => "address-header",
            Role::Body => "text",
        }
    }
}

/// What the index knows of one copy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexEntry {
    /// The tenant whose copy it is.
    pub tenant: String,
    /// Where the copy is.
    pub place: Place,
    /// The copy's queue id.
    pub queue_id: String,
    /// When the copy was stored (Unix seconds).
    pub time: u64,
    /// Each address's keyed token with its role; never an address.
    pub tokens: Vec<(Role, String)>,
}

/// The index of one data dir, `<data_dir>/index/`.
#[derive(Clone)]
pub struct SubjectIndex {
    dir: PathBuf,
    keys: Arc<KeyStore>,
    /// The relay's entries share one flush to disk; without it (the operator's tools),
    /// each entry is fsynced on its own.
    commit: Option<Arc<GroupCommit>>,
    /// Tenants whose folders this process has made or checked (with group commit).
    checked: Arc<Mutex<HashSet<String>>>,
}

impl SubjectIndex {
    /// The index of a data dir (its folder is made on first write).
    pub fn new(data_dir: &Path, keys: Arc<KeyStore>) -> Self {
        SubjectIndex { dir: data_dir.join("index"), keys, commit: None, checked: Arc::default() }
    }

    /// The index of a data dir whose writes share flushes to disk (group commit) through
    /// `commit`, which must cover the filesystem of `<data_dir>/index/`: for the relay,
    /// which writes an entry per copy it stores.
    pub fn with_group_commit(data_dir: &Path, keys: Arc<KeyStore>, commit: Arc<GroupCommit>) -> Self {
        SubjectIndex { dir: data_dir.join("index"), keys, commit: Some(commit), checked: Arc::default() }
    }

    /// The folder of one tenant's entries.
    pub fn tenant_dir(&self, tenant: &str) -> PathBuf {
        self.dir.join(tenant)
    }

    fn path(&self, tenant: &str, place: Place, queue_id: &str) -> PathBuf {
        self.tenant_dir(tenant).join(format!("{queue_id}.{}", place.name()))
    }

    fn aad(tenant: &str, place: Place, queue_id: &str) -> Vec<u8> {
        format!("mxr/index/v1/{tenant}/{}/{queue_id}", place.name()).into_bytes()
    }

    /// Writes an entry durably (replacing any entry of the same copy).
    pub fn put(&self, entry: &IndexEntry) -> Result<(), SpoolError> {
        let key = self.keys.tenant(&entry.tenant)?;
        let plain = postcard::to_allocvec(entry).expect("entry serialises");
        let sealed = key.sealer().seal(&Self::aad(&entry.tenant, entry.place, &entry.queue_id), &plain);
        let dir = self.tenant_dir(&entry.tenant);
        let name = format!("{}.{}", entry.queue_id, entry.place.name());
        let io = |e| SpoolError::Io(dir.join(&name), e);
        let Some(commit) = &self.commit else {
            self.make_dirs(&dir)?;
            return super::write_durably(&dir, &name, &[&sealed]).map(drop).map_err(io);
        };
        // The folders are made (or their modes set) once per tenant and process, not
        // per entry: each `chmod` is a journalled metadata change. Should another
        // process remove them meanwhile (offboarding), the write finds them missing
        // and makes them again.
        let known = self.checked.lock().unwrap_or_else(|p| p.into_inner()).contains(&entry.tenant);
        if !known {
            // Marked only once made: a failure is tried again by the next entry.
            self.make_dirs(&dir)?;
            self.checked.lock().unwrap_or_else(|p| p.into_inner()).insert(entry.tenant.clone());
        }
        let place = || mxr_durable::place_private(&dir.join(format!(".{name}.tmp")), &dir.join(&name), &[&sealed]);
        match place() {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                self.make_dirs(&dir)?;
                place().map_err(io)?;
            }
            placed => placed.map_err(io)?,
        }
        // In place but not flushed; the shared flush makes it durable before this
        // returns, and so before the copy is written.
        commit.commit().map_err(io)
    }

    /// Makes the index folder and the tenant's folder `dir`, private.
    fn make_dirs(&self, dir: &PathBuf) -> Result<(), SpoolError> {
        for d in [&self.dir, dir] {
            mxr_durable::private_dir(d).map_err(|e| SpoolError::Io(d.clone(), e))?;
        }
        Ok(())
    }

    /// Indexes copy `to` (a bounce about copy `from`, stored in the spool under another
    /// tenant) with `from`'s tokens, under `tenant`: a bounce names the same persons
    /// as the copy it reports on, and holds the tenant's data. Nothing when `from` has
    /// no entry.
    pub fn alias(&self, tenant: &str, from: &str, to: &str, time: u64) -> Result<(), SpoolError> {
        match self.get(tenant, Place::Spool, from)? {
            Some(entry) => self.put(&IndexEntry { queue_id: to.to_owned(), time, ..entry }),
            None => Ok(()),
        }
    }

    /// The entry of one copy, if there is one.
    pub fn get(&self, tenant: &str, place: Place, queue_id: &str) -> Result<Option<IndexEntry>, SpoolError> {
        let path = self.path(tenant, place, queue_id);
        match std::fs::read(&path) {
            Ok(sealed) => self.open(tenant, place, queue_id, &path, &sealed).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(SpoolError::Io(path, e)),
        }
    }

    fn open(
        &self,
        tenant: &str,
        place: Place,
        qid: &str,
        path: &Path,
        sealed: &[u8],
    ) -> Result<IndexEntry, SpoolError> {
        let key = self.keys.tenant(tenant)?;
        let plain = key
            .sealer()
            .open(&Self::aad(tenant, place, qid), sealed)
            .map_err(|_| SpoolError::Broken(path.to_owned(), "does not authenticate"))?;
        postcard::from_bytes(&plain).map_err(|_| SpoolError::Broken(path.to_owned(), "bad index entry"))
    }

    /// Removes the entry of a copy (nothing when there is none), durably: also when
    /// [`forget`](Self::forget) removed it before and the removal is not on disk yet.
    pub fn remove(&self, tenant: &str, place: Place, queue_id: &str) -> Result<(), SpoolError> {
        self.forget(tenant, place, queue_id)?;
        match mxr_durable::sync_dir(&self.tenant_dir(tenant)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(SpoolError::Io(self.path(tenant, place, queue_id), e))
            }
            _ => Ok(()),
        }
    }

    /// Removes the entry of a delivered copy without waiting for the disk, as the
    /// spool removes the copy itself: should a crash undo it, the entry outlives its
    /// copy, which is harmless (a search checks the copy); the next flush makes it
    /// durable anyway.
    pub fn forget(&self, tenant: &str, place: Place, queue_id: &str) -> Result<(), SpoolError> {
        let path = self.path(tenant, place, queue_id);
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(SpoolError::Io(path, e)),
            _ => Ok(()),
        }
    }

    /// Every entry of a tenant, oldest first. An entry that does not open is an error
    /// naming its file: a search must not silently skip a copy.
    pub fn entries(&self, tenant: &str) -> Result<Vec<IndexEntry>, SpoolError> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(self.tenant_dir(tenant)).into_iter().flatten().flatten() {
            let path = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            let parsed = [Place::Spool, Place::Quarantine]
                .into_iter()
                .find_map(|p| name.strip_suffix(&format!(".{}", p.name())).map(|q| (p, q.to_owned())));
            let Some((place, qid)) = parsed else { continue };
            let sealed = std::fs::read(&path).map_err(|e| SpoolError::Io(path.clone(), e))?;
            out.push(self.open(tenant, place, &qid, &path, &sealed)?);
        }
        out.sort_by(|a, b| (a.time, &a.queue_id).cmp(&(b.time, &b.queue_id)));
        Ok(out)
    }

    /// The entries naming any of `tokens`, each with the roles those tokens play in it.
    pub fn find(
        &self,
        tenant: &str,
        tokens: &BTreeSet<String>,
    ) -> Result<Vec<(IndexEntry, BTreeSet<Role>)>, SpoolError> {
        Ok(self
            .entries(tenant)?
            .into_iter()
            .filter_map(|e| {
                let roles: BTreeSet<Role> =
                    e.tokens.iter().filter(|(_, t)| tokens.contains(t)).map(|(r, _)| *r).collect();
                (!roles.is_empty()).then_some((e, roles))
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_sealed_found_by_token_bound_to_their_name_and_removed() {
        for grouped in [false, true] {
            entries_round_trip(grouped);
        }
    }

    fn entries_round_trip(grouped: bool) {
        let dir = tempfile::tempdir().unwrap();
        let keys = Arc::new(KeyStore::open(dir.path(), &dir.path().join("master.key"), true).unwrap());
        let index = match grouped {
            false => SubjectIndex::new(dir.path(), keys),
            true => {
                let index_dir = dir.path().join("index");
                std::fs::create_dir(&index_dir).unwrap();
                let commit = Arc::new(GroupCommit::start(&[&index_dir]).unwrap());
                SubjectIndex::with_group_commit(dir.path(), keys, commit)
            }
        };
        let entry = |qid: &str, place, token: &str| IndexEntry {
            tenant: "t1".into(),
            place,
            queue_id: qid.into(),
            time: 5,
            tokens: vec![(Role::Sender, "p.aaaa".into()), (Role::Header, token.into())],
        };
        index.put(&entry("Q1", Place::Spool, "p.bbbb")).unwrap();
        index.put(&entry("Q2", Place::Quarantine, "p.cccc")).unwrap();
        let file = dir.path().join("index/t1/Q1.spool");
        assert!(!std::fs::read(&file).unwrap().windows(6).any(|w| w == b"p.bbbb"), "sealed at rest");

        let want: BTreeSet<String> = ["p.cccc".to_owned()].into();
        let found = index.find("t1", &want).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].0.queue_id.as_str(), found[0].1.clone()), ("Q2", [Role::Header].into()));
        assert_eq!(index.find("t1", &["p.aaaa".to_owned()].into()).unwrap().len(), 2);

        // Moved to another copy's name, an entry no longer opens, and says which file.
        std::fs::copy(&file, dir.path().join("index/t1/Q3.spool")).unwrap();
        let err = index.entries("t1").unwrap_err().to_string();
        assert!(err.contains("Q3.spool") && err.contains("does not authenticate"), "{err}");
        std::fs::remove_file(dir.path().join("index/t1/Q3.spool")).unwrap();

        index.remove("t1", Place::Spool, "Q1").unwrap();
        index.remove("t1", Place::Spool, "Q1").unwrap();
        assert_eq!(index.get("t1", Place::Spool, "Q1").unwrap(), None);
        assert_eq!(index.entries("t1").unwrap().len(), 1);
        index.forget("t1", Place::Quarantine, "Q2").unwrap();
        index.forget("t1", Place::Quarantine, "Q2").unwrap();
        assert_eq!(index.entries("t1").unwrap(), vec![]);
        // A durable removal of an entry already forgotten, or of a tenant never indexed.
        index.remove("t1", Place::Quarantine, "Q2").unwrap();
        index.remove("t9", Place::Spool, "Q1").unwrap();

        // A tenant's folder removed by another process (offboarding) is made again,
        // private, by the next entry.
        std::fs::remove_dir_all(dir.path().join("index/t1")).unwrap();
        index.put(&entry("Q4", Place::Spool, "p.dddd")).unwrap();
        assert_eq!(index.entries("t1").unwrap().len(), 1);
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("index/t1")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, mxr_durable::PRIVATE_DIR);
    }
}
