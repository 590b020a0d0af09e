//! Signed checkpoints: every so often the record count and the head hash of the log,
//! signed with the node's ed25519 key. They anchor the chain, so that a rewritten or
//! truncated log no longer matches what the node signed.

use super::{AuditError, Corruption};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::Path;

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

    /// A signed checkpoint for the first `count` records, whose last hash is `head`.
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

/// A checkpoint's encoded body (its frame is a `u32` length and this).
pub fn encode(cp: &Checkpoint) -> Result<Vec<u8>, postcard::Error> {
    postcard::to_allocvec(cp)
}

/// Appends a checkpoint to the checkpoint file, durably.
pub fn append(path: &Path, cp: &Checkpoint) -> Result<(), AuditError> {
    let io = |e| AuditError::Io(path.to_owned(), e);
    let body = encode(cp).map_err(|e| AuditError::Corrupt(path.to_owned(), Corruption::Encode(e)))?;
    let mut frame = (body.len() as u32).to_le_bytes().to_vec();
    frame.extend_from_slice(&body);
    let mut f = mxr_durable::open_private(path, true).map_err(io)?;
    f.write_all(&frame).map_err(io)?;
    f.sync_data().map_err(io)
}

/// Every checkpoint in a checkpoint file's bytes, and a description of any damage.
pub fn parse(bytes: &[u8]) -> (Vec<Checkpoint>, Option<String>) {
    let mut out = Vec::new();
    let mut at = 0usize;
    while at < bytes.len() {
        let n = out.len();
        let Some(len) = bytes.get(at..at + 4).map(|b| u32::from_le_bytes(b.try_into().unwrap()) as usize) else {
            return (out, Some(format!("checkpoint {n} at byte {at}: cut short")));
        };
        let Some(body) = bytes.get(at + 4..at + 4 + len) else {
            return (out, Some(format!("checkpoint {n} at byte {at}: cut short")));
        };
        match postcard::from_bytes::<Checkpoint>(body) {
            Ok(cp) => out.push(cp),
            Err(_) => return (out, Some(format!("checkpoint {n} at byte {at}: unreadable"))),
        }
        at += 4 + len;
    }
    (out, None)
}
