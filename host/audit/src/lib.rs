//! The audit log: a tamper-evident record of every disclosure of personal data to a
//! plugin and of every operator action on stored mail (agreement articles 6.2 and 12.3).
//!
//! Records ([`record`]) are postcard-encoded and hash-chained in one append-only file
//! ([`log`]), and are the leaves of an RFC 6962 Merkle tree ([`tree`]). Periodically a
//! checkpoint, the tree's size and root as a C2SP signed note ([`tree_head`],
//! [`note`]), is signed with the node's ed25519 key ([`checkpoint`]); witnesses outside
//! the node cosign checkpoints after checking they extend what they saw before
//! ([`add_checkpoint`], [`witness`]). [`verify`] finds any changed, removed, inserted
//! or reordered record, any truncation behind a checkpoint, and any rewrite or cut
//! that a witness's cosigned checkpoint contradicts. Records carry
//! pseudonyms under a per-tenant audit key, never raw personal data. The audit log
//! runs no plugins and knows no protocol: it is told what was disclosed.

#![deny(missing_docs)]

pub mod add_checkpoint;
pub mod checkpoint;
mod frames;
pub mod log;
pub mod note;
pub mod proof;
pub mod record;
pub mod tree;
pub mod tree_head;
pub mod verify;
pub mod witness;

pub use checkpoint::{Checkpoint, NodeSigner, log_origin, node_note_key};
pub use log::AuditLog;
pub use record::{
    AuditRecord, ControlChange, CopyDone, DeletionCertificate, Disclosure, Event, OperatorAction, OperatorVerb,
};
pub use verify::{AuditFiles, VerifyReport, Witnessed, verify};

use std::path::{Path, PathBuf};

/// Why the audit log cannot be written or read.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The file could not be read or written.
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
    /// A record does not encode (never expected) or the log's tail is not ours.
    #[error("{0}: {1}")]
    Corrupt(PathBuf, Corruption),
}

/// What is wrong with an audit file another writer appended to, or a record to write.
#[derive(Debug, thiserror::Error)]
pub enum Corruption {
    /// The file is shorter than when this process last read it.
    #[error("shrank from {from} to {to} bytes")]
    Shrank {
        /// Its length then, in bytes.
        from: u64,
        /// Its length now, in bytes.
        to: u64,
    },
    /// A whole frame whose body does not decode.
    #[error("record at byte {at}: {source}")]
    Undecodable {
        /// The frame's offset in the file.
        at: u64,
        /// The decoder's complaint.
        source: postcard::Error,
    },
    /// A record whose sequence number, predecessor hash or own hash is not the next link.
    #[error("record at byte {at} does not chain; run `mxr audit verify`")]
    Unchained {
        /// The frame's offset in the file.
        at: u64,
    },
    /// A record or checkpoint does not encode (never expected).
    #[error("{0}")]
    Encode(postcard::Error),
}

/// Verifies `<data_dir>/audit/` against the node key `key` (from the key store, never
/// from the data dir's own `node.pub`, which is only a copy for outside checkers; a
/// `node.pub` that differs is itself a finding).
pub fn verify_dir(data_dir: &Path, key: &ed25519_dalek::VerifyingKey) -> Result<VerifyReport, AuditError> {
    verify_dir_witnessed(data_dir, key, &[], &[])
}

/// As [`verify_dir`], and holds the log to every checkpoint one of `witnesses`
/// cosigned: those in `audit/cosigned`, and the signed notes in `more` (checkpoints a
/// witness or a tenant kept, which whoever holds the node key cannot delete).
pub fn verify_dir_witnessed(
    data_dir: &Path,
    key: &ed25519_dalek::VerifyingKey,
    witnesses: &[note::NoteKey],
    more: &[Vec<u8>],
) -> Result<VerifyReport, AuditError> {
    let dir = dir(data_dir);
    let read = |name: &str| frames::read(&dir.join(name)).map_err(|e| AuditError::Io(dir.join(name), e));
    let (log_bytes, legacy, tree_heads) = (read("log")?, read(log::LEGACY_CHECKPOINTS)?, read(log::TREE_HEADS)?);
    let cosigned_file = read(log::COSIGNED)?;
    let mut cosigned = frames::parse(&cosigned_file).0;
    cosigned.extend(more.iter().map(Vec::as_slice));
    let files = AuditFiles { log: &log_bytes, legacy: &legacy, tree_heads: &tree_heads };
    let mut report = verify(&files, key, &cosigned, witnesses);
    let published = read("node.pub")?;
    let expected = format!("{}\n", hex::encode(key.as_bytes()));
    if !published.is_empty() && published != expected.as_bytes() {
        report.findings.push("node.pub is not the node's signing key (replaced)".into());
    }
    Ok(report)
}

/// Appends a checkpoint as a witness cosigned it (the node's note with the witness's
/// cosignature lines) to `<data_dir>/audit/cosigned`, durably.
pub fn store_cosigned(data_dir: &Path, note: &note::Note) -> Result<(), AuditError> {
    let path = dir(data_dir).join(log::COSIGNED);
    frames::append(&path, &note.to_bytes()).map_err(|e| AuditError::Io(path, e))
}

/// Every checkpoint in `<data_dir>/audit/cosigned` that parses, oldest first.
pub fn read_cosigned(data_dir: &Path) -> Result<Vec<tree_head::SignedTreeHead>, AuditError> {
    let path = dir(data_dir).join(log::COSIGNED);
    let bytes = frames::read(&path).map_err(|e| AuditError::Io(path, e))?;
    Ok(frames::parse(&bytes).0.into_iter().filter_map(|b| tree_head::SignedTreeHead::parse(b).ok()).collect())
}

/// `<data_dir>/audit/`.
pub fn dir(data_dir: &Path) -> PathBuf {
    data_dir.join("audit")
}

/// The subjects of a record about mail to and from `addresses`: each address's keyed
/// token under the tenant's `pseudonyms`, sorted, once each (the null sender skipped).
pub fn subjects_of<'a>(
    pseudonyms: &mxr_privacy::TenantPseudonyms,
    addresses: impl IntoIterator<Item = &'a String>,
) -> Vec<String> {
    let mut subjects: Vec<String> =
        addresses.into_iter().filter(|a| !a.is_empty()).map(|a| pseudonyms.audit_subject(a)).collect();
    subjects.sort();
    subjects.dedup();
    subjects
}

/// A record's time, RFC 3339 in UTC.
pub fn record_time(secs: u64) -> String {
    mxr_mail::date::rfc3339(secs)
}

/// The seconds since the Unix epoch now.
pub fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Who runs an operator command: the OS user (`$USER`, `$LOGNAME`, else `uid N`).
pub fn os_operator() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| format!("uid {}", rustix::process::getuid().as_raw()))
}

impl AuditLog {
    /// Records a change to the tenant state of `tenant` (empty for node-wide changes)
    /// and makes it durable (a signed checkpoint) before returning: a change whose
    /// record fails must not be applied.
    pub fn record_control_change(&self, tenant: &str, change: ControlChange) -> Result<(), AuditError> {
        let record = AuditRecord {
            time: now(),
            region: self.region().to_owned(),
            tenant: tenant.to_owned(),
            queue_id: String::new(),
            subjects: vec![],
            event: Event::Control(change),
        };
        self.append(&record)?;
        self.checkpoint()
    }

    /// Records an operator's action on stored mail of `tenant` and makes it durable
    /// (a signed checkpoint) before returning: an action whose record fails must not
    /// be carried out. `subjects` are the audit pseudonyms of the persons concerned.
    pub fn record_operator_action(
        &self,
        tenant: &str,
        queue_id: &str,
        subjects: Vec<String>,
        action: OperatorVerb,
    ) -> Result<(), AuditError> {
        self.record_action_by(&os_operator(), tenant, queue_id, subjects, action)
    }

    /// As [`AuditLog::record_operator_action`], by `operator` (an API token, say).
    pub fn record_action_by(
        &self,
        operator: &str,
        tenant: &str,
        queue_id: &str,
        subjects: Vec<String>,
        action: OperatorVerb,
    ) -> Result<(), AuditError> {
        let record = AuditRecord {
            time: now(),
            region: self.region().to_owned(),
            tenant: tenant.to_owned(),
            queue_id: queue_id.to_owned(),
            subjects,
            event: Event::Operator(OperatorAction { action, operator: operator.to_owned() }),
        };
        self.append(&record)?;
        self.checkpoint()
    }
}
