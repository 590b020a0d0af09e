//! The spool: each accepted copy as one sealed file, durable before the `250`.
//!
//! File: `MXRSPL01`, the tenant id and queue id (length-prefixed, in clear: they name
//! the key and the file), then the sealed postcard of the envelope and the message.
//! The clear part is the associated data, so a file cannot be swapped between tenants
//! or ids. Written to a temporary name, fsynced, renamed, and the folder fsynced; at
//! start, temporaries and files that do not open (torn, cut short, foreign) are removed.

use super::keys::{KeyError, KeyStore};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const MAGIC: &[u8; 8] = b"MXRSPL01";

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
    commit: super::group_commit::GroupCommit,
}

fn header(tenant: &str, queue_id: &str) -> Vec<u8> {
    let mut h = MAGIC.to_vec();
    for part in [tenant, queue_id] {
        h.extend_from_slice(&(part.len() as u16).to_be_bytes());
        h.extend_from_slice(part.as_bytes());
    }
    h
}

/// Splits a file into (tenant, queue id, header bytes, sealed body).
fn parse_header(bytes: &[u8]) -> Option<(String, String, usize)> {
    let rest = bytes.strip_prefix(MAGIC.as_slice())?;
    let mut at = 0;
    let mut parts = Vec::new();
    for _ in 0..2 {
        let len = u16::from_be_bytes(rest.get(at..at + 2)?.try_into().ok()?) as usize;
        parts.push(String::from_utf8(rest.get(at + 2..at + 2 + len)?.to_vec()).ok()?);
        at += 2 + len;
    }
    let queue_id = parts.pop()?;
    Some((parts.pop()?, queue_id, MAGIC.len() + at))
}

impl Spool {
    /// The spool in `<data_dir>/spool/`.
    pub fn open(data_dir: &Path, keys: Arc<KeyStore>) -> Result<Self, SpoolError> {
        let dir = data_dir.join("spool");
        mxr_durable::private_dir(&dir).map_err(|e| SpoolError::Io(dir.clone(), e))?;
        let commit = super::group_commit::GroupCommit::start(&dir).map_err(|e| SpoolError::Io(dir.clone(), e))?;
        Ok(Spool { dir, keys, commit })
    }

    /// The spool folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file of a queue id.
    pub fn path(&self, queue_id: &str) -> PathBuf {
        self.dir.join(format!("{queue_id}.msg"))
    }

    /// Writes a copy durably: data and folder entry are on disk when this returns. The
    /// flush is shared with every other write waiting at the same moment (group commit).
    pub fn write(&self, env: &SpoolEnvelope, message: &[&[u8]]) -> Result<PathBuf, SpoolError> {
        let key = self.keys.tenant(&env.tenant)?;
        let mut plain = postcard::to_allocvec(env).expect("envelope serialises");
        let body: Vec<u8> = message.concat();
        plain.extend_from_slice(&(body.len() as u64).to_be_bytes());
        plain.extend_from_slice(&body);
        let head = header(&env.tenant, &env.queue_id);
        let sealed = key.sealer().seal(&head, &plain);
        let path = self.path(&env.queue_id);
        let tmp = self.dir.join(format!(".{}.tmp", env.queue_id));
        let io = |e| SpoolError::Io(path.clone(), e);
        let mut f = mxr_durable::open_private(&tmp, false).map_err(io)?;
        f.write_all(&head).map_err(io)?;
        f.write_all(&sealed).map_err(io)?;
        drop(f);
        std::fs::rename(&tmp, &path).map_err(io)?;
        self.commit.commit().map_err(io)?;
        Ok(path)
    }

    /// Reads and opens a spooled copy.
    pub fn read(&self, path: &Path) -> Result<(SpoolEnvelope, Vec<u8>), SpoolError> {
        let bytes = std::fs::read(path).map_err(|e| SpoolError::Io(path.to_owned(), e))?;
        let broken = |why| SpoolError::Broken(path.to_owned(), why);
        let (tenant, _qid, head_len) = parse_header(&bytes).ok_or_else(|| broken("bad header"))?;
        let key = self.keys.tenant(&tenant)?;
        let plain =
            key.sealer().open(&bytes[..head_len], &bytes[head_len..]).map_err(|_| broken("does not authenticate"))?;
        let (env, rest): (SpoolEnvelope, &[u8]) =
            postcard::take_from_bytes(&plain).map_err(|_| broken("bad envelope"))?;
        let len = rest
            .get(..8)
            .map(|l| u64::from_be_bytes(l.try_into().unwrap()) as usize)
            .ok_or_else(|| broken("no length"))?;
        let body = rest.get(8..8 + len).ok_or_else(|| broken("cut short"))?.to_vec();
        Ok((env, body))
    }

    /// Removes a delivered copy. Not flushed: should a crash undo the removal, the copy
    /// is delivered once more, which at-least-once delivery allows; the next group commit
    /// makes it durable anyway.
    pub fn remove(&self, queue_id: &str) -> Result<(), SpoolError> {
        let path = self.path(queue_id);
        std::fs::remove_file(&path).map_err(|e| SpoolError::Io(path, e))
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
    /// The copy `env` was refused after DATA while other copies of the same message
    /// were accepted (the client got `250`): its sender is owed a bounce listing
    /// `failed` (recipient, reason). Nothing for the null sender.
    fn owe_bounce(&self, env: &SpoolEnvelope, message: &[u8], failed: &[(String, String)]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spool(dir: &Path) -> Spool {
        let keys = Arc::new(KeyStore::open(dir, &dir.join("master.key"), true).unwrap());
        Spool::open(dir, keys).unwrap()
    }

    fn env(qid: &str) -> SpoolEnvelope {
        SpoolEnvelope {
            tenant: "t1".into(),
            queue_id: qid.into(),
            mail_from: "a@b.test".into(),
            rcpts: vec!["c@d.test".into()],
            received: 1,
            attempts: 0,
        }
    }

    #[test]
    fn round_trip_and_recovery_removes_whatever_is_not_whole() {
        let dir = tempfile::tempdir().unwrap();
        let s = spool(dir.path());
        let path = s.write(&env("Q1"), &[b"Subject: x\r\n", b"\r\nbody canary-7f3a\r\n"]).unwrap();
        let (e, body) = s.read(&path).unwrap();
        assert_eq!((e, body.as_slice()), (env("Q1"), &b"Subject: x\r\n\r\nbody canary-7f3a\r\n"[..]));
        assert!(!std::fs::read(&path).unwrap().windows(12).any(|w| w == b"canary-7f3a\r"), "sealed at rest");

        let whole = std::fs::read(&path).unwrap();
        s.write(&env("Q2"), &[b"second"]).unwrap();
        std::fs::write(s.path("Q3"), &whole[..whole.len() - 10]).unwrap(); // torn write
        let mut swapped = whole.clone();
        swapped[10] = b'X'; // the tenant id (t1 → X1) in the clear header, bound as associated data
        std::fs::write(s.path("Q4"), &swapped).unwrap();
        std::fs::write(dir.path().join("spool/.Q5.tmp"), b"half").unwrap(); // crash before rename
        let recovered: Vec<String> = s.recover().into_iter().map(|e| e.queue_id).collect();
        assert_eq!(recovered, ["Q1", "Q2"]);
        let mut left: Vec<String> = std::fs::read_dir(dir.path().join("spool"))
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, ["Q1.msg", "Q2.msg"]);
    }
}
