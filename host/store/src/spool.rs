//! The spool: each accepted copy as one sealed file, durable before the `250`.
//!
//! File: `MXRSPL02`, the tenant id and queue id (length-prefixed, in clear: they name
//! the key and the file), then the sealed postcard of the envelope and the message.
//! Files of the first version (`MXRSPL01`, whose envelope has no SMTPUTF8 and
//! 8BITMIME flags) still open, with both flags false: postcard has no field names, so
//! the version in the magic is what says which envelope follows.
//! The clear part is the associated data, so a file cannot be swapped between tenants
//! or ids. Written to a temporary name, fsynced, renamed, and the folder fsynced; at
//! start, temporaries and files that do not open (torn, cut short, foreign) are removed.

use super::keys::{KeyError, KeyStore};
use super::sealed::{NONCE_LEN, TAG_LEN};
use super::subject_index::IndexEntry;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The magic of the files this version writes.
const MAGIC: &[u8; 8] = b"MXRSPL02";
/// The magic of the first version's files, read still.
const MAGIC_V1: &[u8; 8] = b"MXRSPL01";

/// The envelope of a spooled copy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpoolEnvelope {
    /// The id of the tenant the copy belongs to, whose keys seal it.
    pub tenant: String,
    /// The copy's queue id.
    pub queue_id: String,
    /// MAIL FROM (empty for the null sender).
    pub mail_from: String,
    /// This copy's recipients.
    pub rcpts: Vec<String>,
    /// When it was accepted (Unix seconds).
    pub received: u64,
    /// Delivery attempts made so far.
    pub attempts: u32,
    /// The client declared `SMTPUTF8` (RFC 6531): addresses and headers may be UTF-8,
    /// so the next hop must offer it too. False in first-version files.
    pub smtputf8: bool,
    /// The client declared `BODY=8BITMIME` (RFC 6152). False in first-version files.
    pub eight_bit: bool,
}

/// A spooled copy as seen from its clear header: see [`Spool::peek`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Peek {
    /// The tenant it belongs to.
    pub tenant: String,
    /// The file's size: about the message's, as a copy is sealed whole.
    pub bytes: u64,
}

/// A copy its writer has just spooled, as delivery would read it back: what a
/// [`Spool::peek`] would say, and the envelope and message a [`Spool::read`] would
/// open. Handing this over spares delivery a read, an open and a thread hop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Written {
    /// The copy's clear header, as a peek reads it.
    pub peek: Peek,
    /// Its envelope.
    pub env: SpoolEnvelope,
    /// Its message, every part joined.
    pub message: Vec<u8>,
}

/// The envelope as the first version (`MXRSPL01`) wrote it.
#[derive(Serialize, Deserialize)]
struct EnvelopeV1 {
    tenant: String,
    queue_id: String,
    mail_from: String,
    rcpts: Vec<String>,
    received: u64,
    attempts: u32,
}

impl From<EnvelopeV1> for SpoolEnvelope {
    fn from(v: EnvelopeV1) -> Self {
        let EnvelopeV1 { tenant, queue_id, mail_from, rcpts, received, attempts } = v;
        SpoolEnvelope { tenant, queue_id, mail_from, rcpts, received, attempts, smtputf8: false, eight_bit: false }
    }
}

/// Why a spool file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    /// Reading or writing the file at the path failed.
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
    /// The tenant's keys could not be loaded or made.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// Not a complete, authentic spool file.
    #[error("{0}: not a complete spool file ({1})")]
    Broken(PathBuf, &'static str),
}

/// The spool folder.
pub struct Spool {
    dir: PathBuf,
    keys: Arc<KeyStore>,
    index: super::subject_index::SubjectIndex,
    commit: Arc<super::group_commit::GroupCommit>,
}

fn header(tenant: &str, queue_id: &str) -> Vec<u8> {
    let mut h = MAGIC.to_vec();
    for part in [tenant, queue_id] {
        h.extend_from_slice(&(part.len() as u16).to_be_bytes());
        h.extend_from_slice(part.as_bytes());
    }
    h
}

/// A file's clear header: who it belongs to, and how long the header is.
struct Header {
    /// The tenant whose key seals it.
    tenant: String,
    /// Bytes of header before the sealed part.
    len: usize,
    /// Written by the first version (its envelope is an [`EnvelopeV1`]).
    v1: bool,
}

/// Parses a file's clear header.
fn parse_header(bytes: &[u8]) -> Option<Header> {
    let (rest, v1) = match bytes.strip_prefix(MAGIC.as_slice()) {
        Some(rest) => (rest, false),
        None => (bytes.strip_prefix(MAGIC_V1.as_slice())?, true),
    };
    let mut at = 0;
    let mut parts = Vec::new();
    for _ in 0..2 {
        let len = u16::from_be_bytes(rest.get(at..at + 2)?.try_into().ok()?) as usize;
        parts.push(String::from_utf8(rest.get(at + 2..at + 2 + len)?.to_vec()).ok()?);
        at += 2 + len;
    }
    parts.pop()?; // the queue id: bound as associated data, named by the file
    Some(Header { tenant: parts.pop()?, len: MAGIC.len() + at, v1 })
}

impl Spool {
    /// The spool in `<data_dir>/spool/`.
    pub fn open(data_dir: &Path, keys: Arc<KeyStore>) -> Result<Self, SpoolError> {
        let dir = data_dir.join("spool");
        mxr_durable::private_dir(&dir).map_err(|e| SpoolError::Io(dir.clone(), e))?;
        let index_dir = data_dir.join("index");
        mxr_durable::private_dir(&index_dir).map_err(|e| SpoolError::Io(index_dir.clone(), e))?;
        // One committer for both: an entry and a copy written at the same moment (each
        // message writes one of each) share a flush.
        let commit = Arc::new(
            super::group_commit::GroupCommit::start(&[&dir, &index_dir]).map_err(|e| SpoolError::Io(dir.clone(), e))?,
        );
        let index = super::subject_index::SubjectIndex::with_group_commit(data_dir, keys.clone(), commit.clone());
        Ok(Spool { dir, keys, index, commit })
    }

    /// The spool folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The index of the addresses each copy names: written by whoever spools a copy,
    /// before the copy; removed here with the copy.
    pub fn index(&self) -> &super::subject_index::SubjectIndex {
        &self.index
    }

    /// The file of a queue id.
    pub fn path(&self, queue_id: &str) -> PathBuf {
        self.dir.join(format!("{queue_id}.msg"))
    }

    /// Writes a copy durably: data and folder entry are on disk when this returns. The
    /// flush is shared with every other write waiting at the same moment (group commit).
    pub fn write(&self, env: &SpoolEnvelope, message: &[&[u8]]) -> Result<PathBuf, SpoolError> {
        self.write_copy(env, message).map(|(path, _)| path)
    }

    /// [`write`](Self::write), returning the file's path and size.
    fn write_copy(&self, env: &SpoolEnvelope, message: &[&[u8]]) -> Result<(PathBuf, u64), SpoolError> {
        let key = self.keys.tenant(&env.tenant)?;
        let envelope = postcard::to_allocvec(env).expect("envelope serialises");
        let body_len: usize = message.iter().map(|p| p.len()).sum();
        // The whole file in one buffer, sealed where it lies: one copy of the message.
        let head = header(&env.tenant, &env.queue_id);
        let mut file = Vec::with_capacity(head.len() + NONCE_LEN + envelope.len() + 8 + body_len + TAG_LEN);
        file.extend_from_slice(&head);
        file.resize(head.len() + NONCE_LEN, 0);
        file.extend_from_slice(&envelope);
        file.extend_from_slice(&(body_len as u64).to_be_bytes());
        message.iter().for_each(|p| file.extend_from_slice(p));
        key.sealer().seal_in_place(&head, &mut file, head.len());
        let path = self.path(&env.queue_id);
        let tmp = self.dir.join(format!(".{}.tmp", env.queue_id));
        let io = |e| SpoolError::Io(path.clone(), e);
        mxr_durable::place_private(&tmp, &path, &[&file]).map_err(io)?;
        self.commit.commit().map_err(io)?;
        Ok((path, file.len() as u64))
    }

    /// Writes a copy's subject-index entry durably, then the copy: a copy is never on
    /// disk without its entry (see [`subject_index`](super::subject_index)). Each
    /// write waits for its own group commit, shared with whatever else is written at
    /// that moment. Returns what delivery would otherwise [`peek`](Self::peek) at and
    /// [`read`](Self::read) back.
    pub fn write_indexed(
        &self,
        entry: &IndexEntry,
        env: &SpoolEnvelope,
        message: &[&[u8]],
    ) -> Result<Written, SpoolError> {
        self.index.put(entry)?;
        let (_, bytes) = self.write_copy(env, message)?;
        let peek = Peek { tenant: env.tenant.clone(), bytes };
        Ok(Written { peek, env: env.clone(), message: message.concat() })
    }

    /// Reads and opens a spooled copy; the message is opened where it was read, so
    /// reading takes one copy's worth of memory.
    pub fn read(&self, path: &Path) -> Result<(SpoolEnvelope, Vec<u8>), SpoolError> {
        let mut bytes = std::fs::read(path).map_err(|e| SpoolError::Io(path.to_owned(), e))?;
        let broken = |why| SpoolError::Broken(path.to_owned(), why);
        let head = parse_header(&bytes).ok_or_else(|| broken("bad header"))?;
        let key = self.keys.tenant(&head.tenant)?;
        let (aad, sealed) = bytes.split_at_mut(head.len);
        let plain = key.sealer().open_in_place(aad, sealed).map_err(|_| broken("does not authenticate"))?;
        let (env, rest): (SpoolEnvelope, &[u8]) = if head.v1 {
            postcard::take_from_bytes::<EnvelopeV1>(plain).map(|(e, rest)| (e.into(), rest))
        } else {
            postcard::take_from_bytes(plain)
        }
        .map_err(|_| broken("bad envelope"))?;
        let len = rest
            .get(..8)
            .map(|l| u64::from_be_bytes(l.try_into().unwrap()) as usize)
            .ok_or_else(|| broken("no length"))?;
        rest.get(8..).filter(|b| b.len() >= len).ok_or_else(|| broken("cut short"))?;
        let start = head.len + NONCE_LEN + (plain.len() - rest.len()) + 8;
        bytes.truncate(start + len);
        bytes.drain(..start);
        Ok((env, bytes))
    }

    /// The tenant a spooled copy belongs to, from its clear header alone; `None` when
    /// the file is gone (delivered).
    pub fn tenant_of(&self, queue_id: &str) -> Result<Option<String>, SpoolError> {
        Ok(self.peek(queue_id)?.map(|p| p.tenant))
    }

    /// What the queue needs before it reads a copy whole (to pick its slots and hold
    /// its memory): its tenant, from the clear header alone, and the file's size;
    /// `None` when the file is gone (delivered).
    pub fn peek(&self, queue_id: &str) -> Result<Option<Peek>, SpoolError> {
        use std::io::Read;
        let path = self.path(queue_id);
        let io = |e| SpoolError::Io(path.clone(), e);
        let mut head = Vec::new();
        let file = match std::fs::File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io(e)),
        };
        let bytes = file.metadata().map_err(io)?.len();
        // Magic, two length prefixes, a tenant id (≤ 64 bytes) and a queue id.
        file.take(1024).read_to_end(&mut head).map_err(io)?;
        let tenant = parse_header(&head).ok_or_else(|| SpoolError::Broken(path.clone(), "bad header"))?.tenant;
        Ok(Some(Peek { tenant, bytes }))
    }

    /// Removes a delivered copy, then its index entry. The copy's removal is not
    /// flushed: should a crash undo it, the copy is delivered once more, which
    /// at-least-once delivery allows; the next group commit makes it durable anyway.
    pub fn remove(&self, queue_id: &str) -> Result<(), SpoolError> {
        match self.tenant_of(queue_id)? {
            Some(tenant) => self.remove_of(&tenant, queue_id),
            None => Err(SpoolError::Io(self.path(queue_id), std::io::ErrorKind::NotFound.into())),
        }
    }

    /// As [`remove`](Self::remove), for a copy whose tenant the caller read from it
    /// (delivery, which has just opened it): its header is not read again.
    pub fn remove_of(&self, tenant: &str, queue_id: &str) -> Result<(), SpoolError> {
        let path = self.path(queue_id);
        std::fs::remove_file(&path).map_err(|e| SpoolError::Io(path, e))?;
        self.index.forget(tenant, super::subject_index::Place::Spool, queue_id)
    }

    /// Removes a copy for good (an erasure): as [`remove`](Self::remove), and the
    /// removal is on disk when this returns.
    pub fn erase(&self, queue_id: &str) -> Result<(), SpoolError> {
        self.remove(queue_id)?;
        mxr_durable::sync_dir(&self.dir).map_err(|e| SpoolError::Io(self.dir.clone(), e))
    }

    /// Every spooled copy that opens, read-only (for `mxr queue`): envelope and size.
    pub fn entries(&self) -> Vec<(SpoolEnvelope, usize)> {
        let mut out: Vec<(SpoolEnvelope, usize)> = std::fs::read_dir(&self.dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".msg"))
            .filter_map(|e| self.read(&e.path()).ok().map(|(env, body)| (env, body.len())))
            .collect();
        out.sort_by(|a, b| (a.0.received, &a.0.queue_id).cmp(&(b.0.received, &b.0.queue_id)));
        out
    }

    /// At start: removes temporaries and broken files; returns the envelopes of
    /// everything intact, still to deliver.
    pub fn recover(&self) -> Vec<SpoolEnvelope> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(&self.dir).into_iter().flatten().flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') && name.ends_with(".tmp") {
                tracing::info!(file = %path.display(), "removing a spool file whose write never finished");
                let _ = std::fs::remove_file(&path);
                continue;
            }
            if !name.ends_with(".msg") {
                continue;
            }
            match self.read(&path) {
                Ok((env, _)) => out.push(env),
                Err(SpoolError::Broken(p, why)) => {
                    tracing::warn!(file = %p.display(), why, "removing a torn spool file; it was never acknowledged whole");
                    let _ = std::fs::remove_file(&p);
                }
                Err(e) => tracing::error!(error = %e, "cannot read a spool file; leaving it for later"),
            }
        }
        out.sort_by(|a, b| (a.received, &a.queue_id).cmp(&(b.received, &b.queue_id)));
        out
    }
}

/// What the spool tells delivery: the hand-off at the end of the chain. The chain
/// writes a copy durably into the spool, then says so here; delivery implements it.
pub trait Handoff: Send + Sync {
    /// `queue_id` is durably in the spool: deliver it. Idempotent (delivery may also
    /// find the file by rescanning the spool).
    fn spooled(&self, queue_id: &str);
    /// As [`spooled`](Self::spooled), for a copy its writer has just written and
    /// still has, so that delivery need not read it back.
    fn spooled_written(&self, written: Written) {
        self.spooled(&written.env.queue_id);
    }
    /// The copy `env` was refused after DATA while other copies of the same message
    /// were accepted (the client got `250`): its sender is owed a bounce listing
    /// `failed` (recipient, reason). Nothing for the null sender.
    fn owe_bounce(&self, env: &SpoolEnvelope, message: &[u8], failed: &[(String, String)]);
}

#[cfg(test)]
mod tests;
