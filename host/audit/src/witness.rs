//! A witness (<https://c2sp.org/tlog-witness>): for each log it trusts (an origin and
//! the log's public key) it keeps the latest checkpoint it cosigned, and cosigns a new
//! one only if a consistency proof shows it extends that one. Whatever HTTP carries
//! the exchange, the decisions are here.
//!
//! Its state is a folder of files, one a log, each the latest checkpoint it cosigned
//! with its cosignature: written durably (temporary file, fsync, rename, fsync of the
//! folder) *before* the cosignature is handed out, under one lock with the check, so
//! that no crash and no race can make it forget or roll back what it signed. The same
//! files are the evidence a witness operator hands over to `mxr audit verify
//! --cosigned`. A state file that cannot be read stops the witness from starting:
//! cosigning from a forgotten state could sign a rollback.

use crate::add_checkpoint::AddCheckpoint;
use crate::note::{NoteKey, NoteSignature, NoteSigner, SigType, Verdict};
use crate::tree::{Hash, verify_consistency};
use crate::tree_head::{CheckpointError, SignedTreeHead};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The state file's name ending.
const STATE_SUFFIX: &str = ".checkpoint";

/// Why a witness cannot start.
#[derive(Debug, thiserror::Error)]
pub enum WitnessError {
    /// Its folder or a state file could not be read.
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
    /// A state file that is not a checkpoint.
    #[error("{0}: not a checkpoint: {1}")]
    Unreadable(PathBuf, CheckpointError),
    /// A state file this witness's key did not cosign.
    #[error("{0}: not cosigned by this witness's key")]
    NotOurs(PathBuf),
    /// The witness's key is not a cosignature key, or a log key not an Ed25519 one.
    #[error("{0}: wrong signature type for its role")]
    WrongKeyType(String),
}

/// Why a checkpoint was not cosigned; each maps to the protocol's HTTP status.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// The body is not a request, or its checkpoint not a checkpoint (400).
    #[error("malformed: {0}")]
    Malformed(String),
    /// The old size is larger than the checkpoint's (400).
    #[error("old size {old} is larger than the checkpoint's {size}")]
    OldTooLarge {
        /// The request's old size.
        old: u64,
        /// The checkpoint's size.
        size: u64,
    },
    /// No signature of a key trusted for the origin verifies (403).
    #[error("no trusted signature for {0:?} verifies")]
    Unsigned(String),
    /// The origin is not one of the logs this witness trusts (404).
    #[error("unknown log {0:?}")]
    UnknownOrigin(String),
    /// The old size is not the size this witness last cosigned, or the same size with
    /// another root (409).
    #[error("this witness last cosigned size {known}")]
    Conflict {
        /// The size this witness last cosigned for the log.
        known: u64,
    },
    /// The consistency proof does not verify (422).
    #[error("the consistency proof does not verify")]
    BadProof,
    /// The new state could not be made durable; nothing was cosigned (500).
    #[error("storing the state: {0}")]
    Storage(std::io::Error),
}

impl Refusal {
    /// The HTTP status the protocol gives this refusal.
    pub fn status(&self) -> u16 {
        match self {
            Refusal::Malformed(_) | Refusal::OldTooLarge { .. } => 400,
            Refusal::Unsigned(_) => 403,
            Refusal::UnknownOrigin(_) => 404,
            Refusal::Conflict { .. } => 409,
            Refusal::BadProof => 422,
            Refusal::Storage(_) => 500,
        }
    }
}

/// The latest checkpoint cosigned for one log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Latest {
    size: u64,
    root: Hash,
}

/// A witness: its key, the logs it trusts, and its durable state.
pub struct Witness {
    signer: NoteSigner,
    logs: BTreeMap<String, Vec<NoteKey>>,
    dir: PathBuf,
    state: Mutex<BTreeMap<String, Latest>>,
}

impl std::fmt::Debug for Witness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Witness").field("key", &self.signer).field("dir", &self.dir).finish_non_exhaustive()
    }
}

/// The state file of `origin` in a witness's folder: a hash of the origin, which may
/// hold any character.
pub fn state_file(dir: &Path, origin: &str) -> PathBuf {
    dir.join(format!("{}{STATE_SUFFIX}", &hex::encode(Sha256::digest(origin.as_bytes()))[..16]))
}

impl Witness {
    /// Opens the witness whose state is in `dir` (created if missing), cosigning with
    /// `signer` for the logs whose checkpoints `logs` sign (a log's origin is its key's
    /// name).
    pub fn open(dir: &Path, signer: NoteSigner, logs: Vec<NoteKey>) -> Result<Witness, WitnessError> {
        if signer.public().kind != SigType::Cosignature {
            return Err(WitnessError::WrongKeyType(signer.public().name.to_string()));
        }
        let mut by_origin: BTreeMap<String, Vec<NoteKey>> = BTreeMap::new();
        for k in logs {
            if k.kind != SigType::Ed25519 {
                return Err(WitnessError::WrongKeyType(k.name.to_string()));
            }
            by_origin.entry(k.name.to_string()).or_default().push(k);
        }
        mxr_durable::private_dir(dir).map_err(|e| WitnessError::Io(dir.to_owned(), e))?;
        let state = read_state(dir, &signer.public())?;
        Ok(Witness { signer, logs: by_origin, dir: dir.to_owned(), state: Mutex::new(state) })
    }

    /// The key its cosignatures verify with.
    pub fn key(&self) -> NoteKey {
        self.signer.public()
    }

    /// The size it last cosigned for `origin` (0: never).
    pub fn latest_size(&self, origin: &str) -> u64 {
        self.lock().get(origin).map_or(0, |l| l.size)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Latest>> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Handles an `add-checkpoint` request body at POSIX time `now`: the cosignature,
    /// once the new state is on disk.
    pub fn add_checkpoint(&self, body: &[u8], now: u64) -> Result<NoteSignature, Refusal> {
        let req = AddCheckpoint::parse(body).map_err(|e| Refusal::Malformed(e.to_string()))?;
        let cp = SignedTreeHead::parse(&req.checkpoint).map_err(|e| Refusal::Malformed(e.to_string()))?;
        let origin = &cp.head.origin;
        let keys = self.logs.get(origin).ok_or_else(|| Refusal::UnknownOrigin(origin.clone()))?;
        let verdicts: Vec<Verdict> = keys.iter().map(|k| k.check(&cp.note)).collect();
        if verdicts.contains(&Verdict::Bad) || !verdicts.iter().any(|v| matches!(v, Verdict::Signed { .. })) {
            return Err(Refusal::Unsigned(origin.clone()));
        }
        let (old, size) = (req.old, cp.head.size);
        if old > size {
            return Err(Refusal::OldTooLarge { old, size });
        }
        let mut state = self.lock();
        let known = state.get(origin).copied().unwrap_or(Latest { size: 0, root: [0; 32] });
        if old != known.size || (old == size && old > 0 && known.root != cp.head.root) {
            return Err(Refusal::Conflict { known: known.size });
        }
        verify_consistency(old, &known.root, size, &cp.head.root, &req.proof).map_err(|_| Refusal::BadProof)?;
        let line = self.signer.sign(&cp.note.text, now);
        let mut kept = cp.note.clone();
        kept.signatures.push(line.clone());
        let path = state_file(&self.dir, origin);
        let name = path.file_name().expect("a file name").to_string_lossy().into_owned();
        mxr_durable::write_durably(&self.dir, &name, &[&kept.to_bytes()]).map_err(Refusal::Storage)?;
        state.insert(origin.clone(), Latest { size, root: cp.head.root });
        Ok(line)
    }
}

/// The witness's 32-byte Ed25519 seed in `path`, made (from the OS's random source,
/// mode 0600, durably) when there is none yet.
pub fn key_seed(path: &Path) -> Result<[u8; 32], WitnessError> {
    let io = |e| WitnessError::Io(path.to_owned(), e);
    match std::fs::read(path) {
        Ok(bytes) => bytes.try_into().map_err(|_| io(std::io::Error::other("not a 32-byte key"))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut seed = [0u8; 32];
            getrandom::fill(&mut seed).map_err(|e| io(std::io::Error::other(e.to_string())))?;
            let dir = path.parent().unwrap_or(Path::new("."));
            let name = path.file_name().ok_or_else(|| io(std::io::ErrorKind::InvalidInput.into()))?;
            mxr_durable::write_durably(dir, &name.to_string_lossy(), &[&seed]).map_err(io)?;
            Ok(seed)
        }
        Err(e) => Err(io(e)),
    }
}

/// Reads every state file in `dir`, each cosigned by `me`.
fn read_state(dir: &Path, me: &NoteKey) -> Result<BTreeMap<String, Latest>, WitnessError> {
    let io = |p: &Path| {
        let p = p.to_owned();
        move |e| WitnessError::Io(p, e)
    };
    let mut state = BTreeMap::new();
    for entry in std::fs::read_dir(dir).map_err(io(dir))? {
        let path = entry.map_err(io(dir))?.path();
        if !path.to_string_lossy().ends_with(STATE_SUFFIX) {
            continue;
        }
        let bytes = std::fs::read(&path).map_err(io(&path))?;
        let cp = SignedTreeHead::parse(&bytes).map_err(|e| WitnessError::Unreadable(path.clone(), e))?;
        if !matches!(me.check(&cp.note), Verdict::Signed { .. }) {
            return Err(WitnessError::NotOurs(path));
        }
        state.insert(cp.head.origin.clone(), Latest { size: cp.head.size, root: cp.head.root });
    }
    Ok(state)
}
