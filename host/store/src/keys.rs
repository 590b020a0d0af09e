//! The key store: a master key from a file, and per-tenant data keys wrapped by it.
//!
//! A tenant's data key encrypts its spooled and quarantined mail, and a pseudonym root
//! derives from it (the privacy crate turns that root into purpose and audit keys; this
//! crate knows no purposes). Destroying the wrapped key file makes all of the tenant's
//! stored mail unreadable (crypto-shredding, for offboarding). A wrong master key is
//! caught by a check value and named as such, never read as garbage.

use super::sealed::{Sealer, random_key};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Why keys are unusable.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// A key file could not be read or written.
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
    /// The master key file is not 32 bytes.
    #[error("{0}: a master key file holds exactly 32 bytes")]
    BadMaster(PathBuf),
    /// The master key does not open this data dir's keys.
    #[error("the master key in {0} is not the one this data dir's keys were made with")]
    WrongMaster(PathBuf),
    /// A wrapped tenant key does not open.
    #[error("tenant {0}: its wrapped data key does not open with this master key")]
    Unwrap(String),
}

/// One tenant's keys.
pub struct TenantKey {
    sealer: Sealer,
    pseudonym_root: [u8; 32],
}

impl TenantKey {
    fn from_data_key(key: &[u8; 32]) -> Self {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
        mac.update(b"mxr/pseudonym-root/v1");
        let pseudonym_root: [u8; 32] = mac.finalize().into_bytes().into();
        TenantKey { sealer: Sealer::new(key), pseudonym_root }
    }

    /// Seals and opens the tenant's files.
    pub fn sealer(&self) -> &Sealer {
        &self.sealer
    }

    /// The secret every pseudonym key of this tenant derives from (HMAC of the data
    /// key, so that the key that seals mail never leaves this crate). Destroying the
    /// tenant key makes every pseudonym derived from it unlinkable for good.
    pub fn pseudonym_root(&self) -> &[u8; 32] {
        &self.pseudonym_root
    }
}

/// A tenant's keys and the stamp of the file they were read from.
type Cached = (Arc<TenantKey>, FileStamp);

/// What identifies one version of a key file: a file written anew (always to a
/// temporary name, then renamed) has another inode, and a file changed in place has
/// another change time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct FileStamp {
    dev: u64,
    ino: u64,
    len: u64,
    ctime: (i64, i64),
}

impl FileStamp {
    fn of(m: &std::fs::Metadata) -> Self {
        use std::os::unix::fs::MetadataExt;
        FileStamp { dev: m.dev(), ino: m.ino(), len: m.len(), ctime: (m.ctime(), m.ctime_nsec()) }
    }
}

/// The master key and the tenant keys it wraps, in `<data_dir>/keys/`.
pub struct KeyStore {
    dir: PathBuf,
    master: Sealer,
    /// Each tenant's keys with the stamp of the file they were read from.
    tenants: Mutex<HashMap<String, Cached>>,
}

const CHECK_AAD: &[u8] = b"mxr/master-check/v1";

/// The bytes of the key file at `path`, made with `make` first when there is none.
/// What is returned is always what is on disk: when another process made the file at
/// the same moment, the first file stays and both read it ([`mxr_durable::create_private`]).
/// Also says whether this call made it.
fn read_or_create(path: &Path, make: impl FnOnce() -> Vec<u8>) -> Result<(Vec<u8>, bool), KeyError> {
    let io = |e| KeyError::Io(path.to_owned(), e);
    match std::fs::read(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let made = mxr_durable::create_private(path, &[&make()]).map_err(io)?;
            Ok((std::fs::read(path).map_err(io)?, made))
        }
        read => Ok((read.map_err(io)?, false)),
    }
}

impl KeyStore {
    /// Opens the store in `<data_dir>/keys/` with the master key at `master_path`,
    /// generating the master key (mode 0600) if `create_master` and it is missing.
    pub fn open(data_dir: &Path, master_path: &Path, create_master: bool) -> Result<Self, KeyError> {
        let dir = data_dir.join("keys");
        for d in [dir.clone(), dir.join("tenants")] {
            mxr_durable::private_dir(&d).map_err(|e| KeyError::Io(d.clone(), e))?;
        }
        let master = match std::fs::read(master_path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && create_master => {
                if let Some(parent) = master_path.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| KeyError::Io(parent.to_owned(), e))?;
                }
                let (bytes, made) = read_or_create(master_path, || random_key().to_vec())?;
                if made {
                    tracing::info!(path = %master_path.display(), "generated a master key");
                }
                bytes
            }
            read => read.map_err(|e| KeyError::Io(master_path.to_owned(), e))?,
        };
        let master: [u8; 32] = master.try_into().map_err(|_| KeyError::BadMaster(master_path.to_owned()))?;
        let master = Sealer::new(&master);
        let (sealed, _) = read_or_create(&dir.join("master.check"), || master.seal(CHECK_AAD, b"mxr"))?;
        master.open(CHECK_AAD, &sealed).map_err(|_| KeyError::WrongMaster(master_path.to_owned()))?;
        Ok(KeyStore { dir, master, tenants: Mutex::new(HashMap::new()) })
    }

    fn tenant_path(&self, tenant: &str) -> PathBuf {
        self.dir.join("tenants").join(format!("{tenant}.key"))
    }

    /// True when the tenant has a data key here (it has stored or processed mail).
    pub fn has_tenant(&self, tenant: &str) -> bool {
        self.tenant_path(tenant).is_file()
    }

    /// The file holding a tenant's wrapped data key.
    pub fn tenant_key_file(&self, tenant: &str) -> PathBuf {
        self.tenant_path(tenant)
    }

    /// The tenant's keys if it has a data key here; never makes one (for checking that
    /// a destroyed key stays destroyed).
    pub fn existing(&self, tenant: &str) -> Result<Option<Arc<TenantKey>>, KeyError> {
        self.load(tenant, false)
    }

    /// The tenant's keys, creating and wrapping a data key on first use.
    ///
    /// A cached key counts only while its file is the one it was read from (same
    /// device, inode, size and change time): a key destroyed or replaced by another
    /// process, such as offboarding beside a running relay, is forgotten here too. That
    /// check is one `statx`, where reading the file back was five system calls, and a
    /// message asks for its tenant's keys about ten times.
    pub fn tenant(&self, tenant: &str) -> Result<Arc<TenantKey>, KeyError> {
        Ok(self.load(tenant, true)?.expect("a key is made when there is none"))
    }

    /// The tenant's keys; with `make`, a key is made when there is none, else `None`.
    /// Whether the file is there is decided by the same read that loads it, so a key
    /// destroyed by another process meanwhile is never made again by [`existing`](Self::existing).
    fn load(&self, tenant: &str, make: bool) -> Result<Option<Arc<TenantKey>>, KeyError> {
        let path = self.tenant_path(tenant);
        let now = match std::fs::metadata(&path) {
            Ok(m) => Some(FileStamp::of(&m)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(KeyError::Io(path, e)),
        };
        let mut cache = self.tenants.lock().unwrap_or_else(|p| p.into_inner());
        if let (Some(now), Some((key, stamp))) = (now, cache.get(tenant))
            && *stamp == now
        {
            return Ok(Some(key.clone()));
        }
        let aad = format!("mxr/tenant-key/v1/{tenant}");
        // The stamp is taken from the handle the key is read through, so it is the
        // stamp of exactly the bytes read. A key this process makes is read back the
        // same way: when another process made one at the same moment, the one on disk
        // (the first) is the tenant's key, never replaced.
        let mut made = false;
        let (key, stamp) = loop {
            let read = std::fs::File::open(&path).and_then(|mut f| {
                let stamp = FileStamp::of(&f.metadata()?);
                let mut sealed = Vec::new();
                std::io::Read::read_to_end(&mut f, &mut sealed)?;
                Ok((sealed, stamp))
            });
            match read {
                Ok((sealed, stamp)) => {
                    let plain =
                        self.master.open(aad.as_bytes(), &sealed).map_err(|_| KeyError::Unwrap(tenant.to_owned()))?;
                    break (plain.try_into().map_err(|_| KeyError::Unwrap(tenant.to_owned()))?, stamp);
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && !make => return Ok(None),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && !made => {
                    let sealed = self.master.seal(aad.as_bytes(), &random_key());
                    mxr_durable::create_private(&path, &[&sealed]).map_err(|e| KeyError::Io(path.clone(), e))?;
                    made = true;
                }
                Err(e) => return Err(KeyError::Io(path, e)),
            }
        };
        let k = Arc::new(TenantKey::from_data_key(&key));
        cache.insert(tenant.to_owned(), (k.clone(), stamp));
        Ok(Some(k))
    }

    /// The node's audit signing key (an ed25519 seed), sealed by the master key in
    /// `keys/node-signing.key` and made on first use.
    pub fn node_signing_seed(&self) -> Result<[u8; 32], KeyError> {
        let path = self.dir.join("node-signing.key");
        const AAD: &[u8] = b"mxr/node-signing-key/v1";
        let (sealed, _) = read_or_create(&path, || self.master.seal(AAD, &random_key()))?;
        self.master
            .open(AAD, &sealed)
            .ok()
            .and_then(|p| p.try_into().ok())
            .ok_or_else(|| KeyError::Unwrap("(node signing key)".into()))
    }

    /// Destroys a tenant's data key: everything sealed with it becomes unreadable.
    pub fn destroy(&self, tenant: &str) -> Result<(), KeyError> {
        self.tenants.lock().unwrap_or_else(|p| p.into_inner()).remove(tenant);
        let path = self.tenant_path(tenant);
        match std::fs::remove_file(&path) {
            Ok(()) => mxr_durable::sync_dir(&self.dir.join("tenants")).map_err(|e| KeyError::Io(path, e)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(KeyError::Io(path, e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stores that make a data dir's keys at the same moment (processes beside each
    /// other) all end up with one set: the first file on disk is never replaced.
    #[test]
    fn stores_making_a_key_at_once_agree_on_it() {
        let dir = tempfile::tempdir().unwrap();
        let master = dir.path().join("master.key");
        let roots: Vec<([u8; 32], [u8; 32])> = std::thread::scope(|s| {
            // The master key, its check value and the node's signing key too.
            let makers: Vec<_> = (0..8)
                .map(|_| {
                    s.spawn(|| {
                        let store = KeyStore::open(dir.path(), &master, true).unwrap();
                        (store.node_signing_seed().unwrap(), *store.tenant("race").unwrap().pseudonym_root())
                    })
                })
                .collect();
            makers.into_iter().map(|m| m.join().unwrap()).collect()
        });
        assert!(roots.iter().all(|r| *r == roots[0]), "every store uses the key on disk");
        let again = KeyStore::open(dir.path(), &master, false).unwrap();
        assert_eq!((again.node_signing_seed().unwrap(), *again.tenant("race").unwrap().pseudonym_root()), roots[0]);
    }

    #[test]
    fn existing_never_makes_a_key() {
        let dir = tempfile::tempdir().unwrap();
        let store = KeyStore::open(dir.path(), &dir.path().join("master.key"), true).unwrap();
        assert!(store.existing("gone").unwrap().is_none());
        assert!(!store.has_tenant("gone"), "asking made no key");
        let made = *store.tenant("gone").unwrap().pseudonym_root();
        assert_eq!(store.existing("gone").unwrap().map(|k| *k.pseudonym_root()), Some(made));
        store.destroy("gone").unwrap();
        assert!(store.existing("gone").unwrap().is_none(), "destroyed stays destroyed");
    }

    #[test]
    fn keys_persist_a_wrong_master_is_named_and_destroy_shreds() {
        let dir = tempfile::tempdir().unwrap();
        let master = dir.path().join("master.key");
        let store = KeyStore::open(dir.path(), &master, true).unwrap();
        let sealed = store.tenant("acme").unwrap().sealer().seal(b"x", b"mail");
        drop(store);
        let again = KeyStore::open(dir.path(), &master, false).unwrap();
        assert_eq!(again.tenant("acme").unwrap().sealer().open(b"x", &sealed).unwrap(), b"mail");
        let p = *again.tenant("acme").unwrap().pseudonym_root();
        assert_eq!(p, *again.tenant("acme").unwrap().pseudonym_root());
        assert_ne!(p, *again.tenant("globex").unwrap().pseudonym_root());

        let other = dir.path().join("other.key");
        std::fs::write(&other, [9u8; 32]).unwrap();
        let err = KeyStore::open(dir.path(), &other, false).err().expect("wrong master refused").to_string();
        assert!(err.contains("is not the one this data dir's keys were made with"), "{err}");

        let beside = KeyStore::open(dir.path(), &master, false).unwrap();
        assert!(beside.tenant("acme").unwrap().sealer().open(b"x", &sealed).is_ok(), "cached here");
        again.destroy("acme").unwrap();
        assert!(again.tenant("acme").unwrap().sealer().open(b"x", &sealed).is_err(), "shredded");
        assert!(
            beside.tenant("acme").unwrap().sealer().open(b"x", &sealed).is_err(),
            "forgotten by other processes too"
        );
        // A key made anew by one process is the key of every other process as well.
        let renewed = *again.tenant("acme").unwrap().pseudonym_root();
        assert_ne!(renewed, p);
        assert_eq!(*beside.tenant("acme").unwrap().pseudonym_root(), renewed, "the replaced file is read again");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&master).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }
}
