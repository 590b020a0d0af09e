//! The node's signing key, and the checkpoints it signs.
//!
//! A checkpoint is a C2SP signed note ([`crate::tree_head`]) stating the log's RFC 6962
//! tree head (origin, size, root), signed with the node's Ed25519 key under the key
//! name [`log_origin`]. Logs written before tree heads also hold *legacy* checkpoints
//! ([`Checkpoint`]: record count and chain head hash, postcard-framed in
//! `audit/checkpoints`); they are still read and verified, never written any more.

use super::{AuditError, Corruption};
use crate::note::{KeyName, Note, NoteKey, NoteSigner, SigType};
use crate::tree::Hash;
use crate::tree_head::{SignedTreeHead, TreeHead};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The origin of the audit log signed by `key`, which is also the key name of its
/// checkpoint signatures: `mxr-audit/` and the first 8 bytes of the key in hex. It
/// follows from the node key, so every process writing the log (the relay, `mxr`
/// commands beside it) agrees on it without configuration.
pub fn log_origin(key: &VerifyingKey) -> String {
    format!("mxr-audit/{}", hex::encode(&key.as_bytes()[..8]))
}

/// The note key that verifies the checkpoints of the log signed by `key`.
pub fn node_note_key(key: &VerifyingKey) -> NoteKey {
    let name = KeyName::try_from(log_origin(key).as_str()).expect("hex has no space or '+'");
    NoteKey { name, kind: SigType::Ed25519, public: *key }
}

/// The node's signing key.
pub struct NodeSigner {
    key: SigningKey,
}

impl std::fmt::Debug for NodeSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NodeSigner({})", hex::encode(self.public().as_bytes()))
    }
}

impl NodeSigner {
    /// The signer for a 32-byte seed (from the key store).
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        NodeSigner { key: SigningKey::from_bytes(seed) }
    }

    /// The public key that verifies its checkpoints.
    pub fn public(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    /// The checkpoint for a tree of `size` leaves with root `root`, signed.
    pub fn sign_tree_head(&self, size: u64, root: Hash) -> SignedTreeHead {
        let head = TreeHead { origin: log_origin(&self.public()), size, root };
        let signer = NoteSigner::new(node_note_key(&self.public()).name, SigType::Ed25519, self.key.as_bytes());
        let text = head.text();
        let note = Note { signatures: vec![signer.sign(&text, 0)], text };
        SignedTreeHead { head, note }
    }

    /// A legacy checkpoint for the first `count` records, whose last hash is `head`:
    /// the format before tree heads, made only to test that old data dirs still verify.
    pub fn sign(&self, count: u64, head: [u8; 32], time: u64) -> Checkpoint {
        let signature = self.key.sign(&signed_bytes(count, &head, time)).to_bytes().to_vec();
        Checkpoint { count, head, time, signature }
    }
}

/// The bytes a statement of `kind` is signed as: `mxr/<kind>\0` then `body`, so that
/// no statement can pass for a checkpoint or for a statement of another kind.
fn statement_bytes(kind: &str, body: &[u8]) -> Vec<u8> {
    let mut m = format!("mxr/{kind}\0").into_bytes();
    m.extend_from_slice(body);
    m
}

impl NodeSigner {
    /// Signs a document of `kind` (such as `deletion-certificate/v1`) with the node
    /// key: the 64-byte ed25519 signature.
    pub fn sign_statement(&self, kind: &str, body: &[u8]) -> [u8; 64] {
        self.key.sign(&statement_bytes(kind, body)).to_bytes()
    }
}

/// True when `key` signed `body` as a statement of `kind`.
pub fn verify_statement(key: &VerifyingKey, kind: &str, body: &[u8], signature: &[u8]) -> bool {
    Signature::from_slice(signature).is_ok_and(|sig| key.verify(&statement_bytes(kind, body), &sig).is_ok())
}

/// A signed statement: the log's first `count` records end in `head`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// How many records it covers.
    pub count: u64,
    /// The hash of record `count - 1` (all zeros for an empty log).
    pub head: [u8; 32],
    /// When it was signed, seconds since the Unix epoch.
    pub time: u64,
    /// The ed25519 signature (64 bytes).
    pub signature: Vec<u8>,
}

fn signed_bytes(count: u64, head: &[u8; 32], time: u64) -> Vec<u8> {
    let mut m = b"mxr/audit-checkpoint/v1\0".to_vec();
    m.extend_from_slice(&count.to_le_bytes());
    m.extend_from_slice(head);
    m.extend_from_slice(&time.to_le_bytes());
    m
}

impl Checkpoint {
    /// True when `key` signed exactly this checkpoint.
    pub fn verify(&self, key: &VerifyingKey) -> bool {
        let Ok(sig) = Signature::from_slice(&self.signature) else { return false };
        key.verify(&signed_bytes(self.count, &self.head, self.time), &sig).is_ok()
    }
}

/// A legacy checkpoint's encoded body (its frame is a `u32` length and this).
pub fn encode(cp: &Checkpoint) -> Result<Vec<u8>, postcard::Error> {
    postcard::to_allocvec(cp)
}

/// Appends a legacy checkpoint to a legacy checkpoint file, durably.
pub fn append(path: &Path, cp: &Checkpoint) -> Result<(), AuditError> {
    let body = encode(cp).map_err(|e| AuditError::Corrupt(path.to_owned(), Corruption::Encode(e)))?;
    crate::frames::append(path, &body).map_err(|e| AuditError::Io(path.to_owned(), e))
}

/// Every legacy checkpoint in a legacy checkpoint file's bytes, and a description of
/// any damage.
pub fn parse(bytes: &[u8]) -> (Vec<Checkpoint>, Option<String>) {
    let (frames, cut) = crate::frames::parse(bytes);
    let mut out = Vec::new();
    let mut at = 0usize;
    for body in frames {
        match postcard::from_bytes::<Checkpoint>(body) {
            Ok(cp) => out.push(cp),
            Err(_) => {
                let damage = format!("checkpoint {} at byte {at}: unreadable", out.len());
                return (out, Some(damage));
            }
        }
        at += 4 + body.len();
    }
    let damage = cut.map(|at| format!("checkpoint {} at byte {at}: cut short", out.len()));
    (out, damage)
}
