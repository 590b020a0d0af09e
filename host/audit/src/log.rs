//! The append-only, hash-chained log file.
//!
//! On disk each record is a frame: a little-endian `u32` length, the postcard body
//! (sequence number, previous record's hash, the record), and the SHA-256 of the body.
//! Several processes may append (the relay, and `mxr quarantine` beside it): each
//! append takes an exclusive `flock`, first reads whatever others appended since, then
//! links its record to the true head. Records reach the disk with the spool's group
//! commit (same file system) or an explicit [`AuditLog::sync`]; a frame torn by a crash
//! is cut off when the log is next opened, with a warning.
//!
//! Each frame body is also a leaf of the log's RFC 6962 Merkle tree ([`crate::tree`]):
//! the handle keeps the tree's right edge, and a checkpoint is its root and size
//! signed as a C2SP note and appended to `audit/tree-heads`.

use super::checkpoint::{self, NodeSigner};
use super::{AuditError, AuditRecord, Corruption};
use crate::tree::{Frontier, leaf_hash};
use crate::tree_head::SignedTreeHead;
use mxr_metrics::CheckpointState;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The file of signed checkpoints (tree heads), in the audit folder.
pub const TREE_HEADS: &str = "tree-heads";
/// The file of checkpoints as witnesses cosigned them, in the audit folder.
pub const COSIGNED: &str = "cosigned";
/// The file of legacy checkpoints (before tree heads), in the audit folder.
pub const LEGACY_CHECKPOINTS: &str = "checkpoints";

/// Records between checkpoints, at most.
pub const CHECKPOINT_EVERY: u64 = 1000;
/// Time between checkpoints, at most, while records are written.
pub const CHECKPOINT_AFTER: Duration = Duration::from_secs(60);

/// A record as chained.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Its position, from 0.
    pub seq: u64,
    /// The hash of the record before it (zeros for the first).
    pub prev: [u8; 32],
    /// What was audited.
    pub record: AuditRecord,
}

/// One frame as found in the file.
#[derive(Debug)]
pub enum RawFrame<'a> {
    /// A whole frame.
    Whole {
        /// Byte offset in the file.
        offset: usize,
        /// The postcard body.
        body: &'a [u8],
        /// The hash stored after it.
        stored: [u8; 32],
    },
    /// The file ends inside a frame.
    Torn {
        /// Byte offset in the file.
        offset: usize,
    },
}

/// The frames of a log file's bytes, in order.
pub fn frames(bytes: &[u8]) -> Vec<RawFrame<'_>> {
    let mut out = Vec::new();
    let mut at = 0usize;
    while at < bytes.len() {
        let len = bytes.get(at..at + 4).map(|b| u32::from_le_bytes(b.try_into().unwrap()) as usize);
        let whole =
            len.and_then(|len| Some((bytes.get(at + 4..at + 4 + len)?, bytes.get(at + 4 + len..at + 36 + len)?)));
        match whole {
            Some((body, stored)) => {
                out.push(RawFrame::Whole { offset: at, body, stored: stored.try_into().unwrap() });
                at += 36 + body.len();
            }
            None => {
                out.push(RawFrame::Torn { offset: at });
                break;
            }
        }
    }
    out
}

/// A record's frame as written to the file, and its hash.
pub fn encode_frame(entry: &Entry) -> Result<(Vec<u8>, [u8; 32]), postcard::Error> {
    let body = postcard::to_allocvec(entry)?;
    let h = hash(&body);
    let mut frame = Vec::with_capacity(body.len() + 36);
    frame.extend_from_slice(&(body.len() as u32).to_le_bytes());
    frame.extend_from_slice(&body);
    frame.extend_from_slice(&h);
    Ok((frame, h))
}

/// A frame body's record.
pub fn decode_entry(body: &[u8]) -> Result<Entry, postcard::Error> {
    postcard::from_bytes(body)
}

/// The SHA-256 of a frame body.
pub fn hash(body: &[u8]) -> [u8; 32] {
    Sha256::digest(body).into()
}

struct Tail {
    file: File,
    len: u64,
    seq: u64,
    head: [u8; 32],
    signed: u64,
    /// Records known to be on disk: this many were appended when an fsync of this
    /// process last began.
    synced: u64,
    /// The Merkle tree's right edge over the `seq` records.
    frontier: Frontier,
    last_checkpoint: Instant,
    /// Since when records have waited for a checkpoint; `None` while all are covered.
    unsigned_since: Option<Instant>,
}

impl Tail {
    /// Notes that records may be waiting for a checkpoint (keeps the earliest time).
    fn note_unsigned(&mut self) {
        if self.seq > self.signed {
            self.unsigned_since.get_or_insert_with(Instant::now);
        }
    }
}

/// The audit log of one data dir, open for appending.
pub struct AuditLog {
    path: PathBuf,
    /// `tree-heads`: the signed checkpoints.
    tree_heads: PathBuf,
    region: String,
    signer: NodeSigner,
    /// A second descriptor of the file, for `flock` while `tail` is borrowed.
    lock_file: File,
    tail: Mutex<Tail>,
}

impl std::fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditLog").field("path", &self.path).finish_non_exhaustive()
    }
}

/// Holds an exclusive `flock` on the log file while alive.
struct Locked<'a>(&'a File);

impl<'a> Locked<'a> {
    fn new(f: &'a File, path: &Path) -> Result<Self, AuditError> {
        rustix::fs::flock(f, rustix::fs::FlockOperation::LockExclusive)
            .map_err(|e| AuditError::Io(path.to_owned(), e.into()))?;
        Ok(Locked(f))
    }
}

impl Drop for Locked<'_> {
    fn drop(&mut self) {
        let _ = rustix::fs::flock(self.0, rustix::fs::FlockOperation::Unlock);
    }
}

impl AuditLog {
    /// Opens (or starts) `<data_dir>/audit/log`, stamping records with `region` and
    /// signing checkpoints with `signer`.
    pub fn open(data_dir: &Path, region: &str, signer: NodeSigner) -> Result<Self, AuditError> {
        let dir = super::dir(data_dir);
        mxr_durable::private_dir(&dir).map_err(|e| AuditError::Io(dir.clone(), e))?;
        let path = dir.join("log");
        let file = mxr_durable::open_private(&path, true).map_err(|e| AuditError::Io(path.clone(), e))?;
        let public = dir.join("node.pub");
        std::fs::write(&public, format!("{}\n", hex::encode(signer.public().as_bytes())))
            .map_err(|e| AuditError::Io(public, e))?;
        let lock_file = file.try_clone().map_err(|e| AuditError::Io(path.clone(), e))?;
        let now = Instant::now();
        let tail = Tail {
            file,
            len: 0,
            seq: 0,
            head: [0; 32],
            signed: 0,
            synced: 0,
            frontier: Frontier::new(),
            last_checkpoint: now,
            unsigned_since: None,
        };
        let tree_heads = dir.join(TREE_HEADS);
        let log = AuditLog { tree_heads, path, region: region.to_owned(), signer, lock_file, tail: Mutex::new(tail) };
        {
            let mut t = log.lock();
            let _flock = Locked::new(&log.lock_file, &log.path)?;
            log.catch_up(&mut t)?;
            // Records after the last checkpoint (a crash before it) are signed by the next one.
            let legacy =
                std::fs::read(dir.join(LEGACY_CHECKPOINTS)).map(|b| checkpoint::parse(&b).0).unwrap_or_default();
            let newest = latest_tree_head(&log.tree_heads).ok().flatten().map_or(0, |c| c.head.size);
            t.signed = legacy.last().map_or(0, |c| c.count).max(newest).min(t.seq);
            t.unsigned_since = None;
            t.note_unsigned();
        }
        Ok(log)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Tail> {
        self.tail.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The node region records are stamped with.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// Reads frames other processes appended since `t` was current; cuts a torn tail.
    fn catch_up(&self, t: &mut Tail) -> Result<(), AuditError> {
        let io = |e| AuditError::Io(self.path.clone(), e);
        let len = t.file.metadata().map_err(io)?.len();
        if len == t.len {
            return Ok(());
        }
        if len < t.len {
            return Err(AuditError::Corrupt(self.path.clone(), Corruption::Shrank { from: t.len, to: len }));
        }
        let mut bytes = Vec::with_capacity((len - t.len) as usize);
        t.file.seek(SeekFrom::Start(t.len)).map_err(io)?;
        (&t.file).take(len - t.len).read_to_end(&mut bytes).map_err(io)?;
        for frame in frames(&bytes) {
            match frame {
                RawFrame::Whole { body, stored, offset } => {
                    let at = t.len + offset as u64;
                    let entry: Entry = postcard::from_bytes(body).map_err(|source| {
                        AuditError::Corrupt(self.path.clone(), Corruption::Undecodable { at, source })
                    })?;
                    if entry.seq != t.seq || entry.prev != t.head || hash(body) != stored {
                        return Err(AuditError::Corrupt(self.path.clone(), Corruption::Unchained { at }));
                    }
                    t.seq += 1;
                    t.head = stored;
                    t.frontier.push(leaf_hash(body));
                }
                RawFrame::Torn { offset } => {
                    let good = t.len + offset as u64;
                    tracing::warn!(path = %self.path.display(), at = good, "cutting an audit record torn by a crash");
                    t.file.set_len(good).map_err(io)?;
                    t.len = good;
                    return Ok(());
                }
            }
        }
        t.len = len;
        t.note_unsigned();
        Ok(())
    }

    /// Appends a record; returns its sequence number.
    pub fn append(&self, record: &AuditRecord) -> Result<u64, AuditError> {
        let mut t = self.lock();
        let t = &mut *t;
        let _flock = Locked::new(&self.lock_file, &self.path)?;
        self.catch_up(t)?;
        let entry = Entry { seq: t.seq, prev: t.head, record: record.clone() };
        let (frame, h) =
            encode_frame(&entry).map_err(|e| AuditError::Corrupt(self.path.clone(), Corruption::Encode(e)))?;
        (&t.file).write_all(&frame).map_err(|e| AuditError::Io(self.path.clone(), e))?;
        t.len += frame.len() as u64;
        t.seq += 1;
        t.head = h;
        t.frontier.push(leaf_hash(&frame[4..frame.len() - 32]));
        t.note_unsigned();
        if t.seq - t.signed >= CHECKPOINT_EVERY || t.last_checkpoint.elapsed() >= CHECKPOINT_AFTER {
            self.checkpoint_locked(t)?;
        }
        Ok(entry.seq)
    }

    /// Makes every appended record durable now: at once when an fsync since the last
    /// append already did (a refusal that recorded nothing, say); otherwise with the
    /// lock released, so appends of other sessions do not wait behind the disk.
    pub fn sync(&self) -> Result<(), AuditError> {
        let io = |e| AuditError::Io(self.path.clone(), e);
        let (file, seq) = {
            let t = self.lock();
            if t.synced >= t.seq {
                return Ok(());
            }
            (t.file.try_clone().map_err(io)?, t.seq)
        };
        file.sync_data().map_err(io)?;
        let mut t = self.lock();
        t.synced = t.synced.max(seq);
        Ok(())
    }

    /// Signs a checkpoint for everything appended so far, if anything is unsigned.
    pub fn checkpoint(&self) -> Result<(), AuditError> {
        let mut t = self.lock();
        let t = &mut *t;
        let _flock = Locked::new(&self.lock_file, &self.path)?;
        self.catch_up(t)?;
        self.checkpoint_locked(t)
    }

    fn checkpoint_locked(&self, t: &mut Tail) -> Result<(), AuditError> {
        t.last_checkpoint = Instant::now();
        if t.signed == t.seq {
            t.unsigned_since = None;
            return Ok(());
        }
        // The records a checkpoint covers must be on disk before the checkpoint is.
        t.file.sync_data().map_err(|e| AuditError::Io(self.path.clone(), e))?;
        t.synced = t.seq;
        let signed = self.signer.sign_tree_head(t.frontier.size(), t.frontier.root());
        crate::frames::append(&self.tree_heads, &signed.note.to_bytes())
            .map_err(|e| AuditError::Io(self.tree_heads.clone(), e))?;
        t.signed = t.seq;
        t.unsigned_since = None;
        Ok(())
    }

    /// How many records no signed checkpoint covers yet, and how long the oldest of
    /// them has waited (as this process saw them written): read by the metrics.
    pub fn checkpoint_state(&self) -> CheckpointState {
        let t = self.lock();
        let waiting = t.unsigned_since.map_or(Duration::ZERO, |since| since.elapsed());
        CheckpointState { unsigned: t.seq - t.signed, waiting }
    }

    /// How many records the log holds.
    pub fn record_count(&self) -> u64 {
        self.lock().seq
    }
}

/// Every readable record of a log file, in order (for `mxr audit show`; `verify`
/// is what judges integrity).
pub fn read_records(path: &Path) -> Result<Vec<Entry>, AuditError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
        Err(e) => return Err(AuditError::Io(path.to_owned(), e)),
    };
    Ok(frames(&bytes)
        .into_iter()
        .filter_map(|f| match f {
            RawFrame::Whole { body, .. } => postcard::from_bytes(body).ok(),
            RawFrame::Torn { .. } => None,
        })
        .collect())
}

/// The newest signed checkpoint in a tree-heads file, if it holds a readable one
/// (`verify` is what judges it).
pub fn latest_tree_head(path: &Path) -> Result<Option<SignedTreeHead>, AuditError> {
    let bytes = crate::frames::read(path).map_err(|e| AuditError::Io(path.to_owned(), e))?;
    Ok(crate::frames::parse(&bytes).0.last().and_then(|b| SignedTreeHead::parse(b).ok()))
}

/// Every readable checkpoint in a tree-heads file, oldest first (`verify` judges them).
pub fn read_tree_heads(path: &Path) -> Result<Vec<SignedTreeHead>, AuditError> {
    let bytes = crate::frames::read(path).map_err(|e| AuditError::Io(path.to_owned(), e))?;
    Ok(crate::frames::parse(&bytes).0.into_iter().filter_map(|b| SignedTreeHead::parse(b).ok()).collect())
}
