//! The deletion certificate of an offboarding (agreement art. 11.4: "confirm in
//! writing"), modelled on the sample certificate of sanitisation of NIST SP 800-88
//! Rev. 1, Appendix G: who sanitised what, when, by which method, how it was verified,
//! and what was handed over first (the export's hashes).
//!
//! The certificate is JSON; its body (serialised exactly as the [`Certificate`] struct
//! orders its fields) is signed with the node key as a `deletion-certificate/v1`
//! statement, and the body's SHA-256 is appended to the audit log, so that a
//! certificate can be checked alone (signature) and against the log (it was issued).

use super::OpsError;
use super::archive::Written;
pub use ed25519_dalek::VerifyingKey as PublicKey;
use ed25519_dalek::VerifyingKey;
use serde::{Deserialize, Serialize};

/// What the node signs certificates as.
pub const STATEMENT: &str = "deletion-certificate/v1";

/// Who carried out the sanitisation (NIST G: "person performing sanitization").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Performer {
    /// The operating-system user who ran the command.
    pub operator: String,
    /// The node: its region and the hex public key that signs its audit log.
    pub node_region: String,
    /// The node's public key, hex.
    pub node_key: String,
}

/// What was sanitised (NIST G: "media information").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Media {
    /// The tenant (controller) whose data it was.
    pub tenant: String,
    /// The data dir it was in.
    pub data_dir: String,
    /// Stored copies (spool and quarantine) exported and deleted.
    pub copies: usize,
    /// Files deleted (copies, quarantine records, index entries, the wrapped key).
    pub files_deleted: usize,
    /// What the files were.
    pub description: String,
    /// What was deliberately left, and why.
    pub not_covered: Vec<String>,
}

/// How it was sanitised (NIST G: "sanitization details").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sanitisation {
    /// The NIST category: `Purge` (cryptographic erase) with `Clear` (file deletion).
    pub method: String,
    /// The technique in words.
    pub technique: String,
    /// The tool and its version.
    pub tool: String,
    /// When it was done, RFC 3339 UTC.
    pub completed: String,
}

/// How it was verified (NIST G: "verification method"), and the result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    /// Each check made after the deletion, and what it found.
    pub checks: Vec<String>,
    /// `passed` (a failed verification issues no certificate).
    pub result: String,
}

/// What was handed to the controller before the deletion.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handover {
    /// The export's format (`maildir`, `mbox`, `eml-zip`).
    pub format: String,
    /// Every file of the export with its SHA-256.
    pub files: Vec<Written>,
    /// Copies that were still queued and were handed back rather than delivered.
    pub handed_back: usize,
}

/// A deletion certificate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Certificate {
    /// `DC-<tenant>-<YYYYMMDDTHHMMSSZ>`.
    pub id: String,
    /// The model followed.
    pub model: String,
    /// Who.
    pub performer: Performer,
    /// What.
    pub media: Media,
    /// How and when.
    pub sanitisation: Sanitisation,
    /// How it was checked.
    pub verification: Verification,
    /// The export handed over first.
    pub handover: Handover,
    /// Audit records that concern the tenant and stay as evidence (art. 12.3).
    pub audit_records_kept: usize,
}

/// The signature over a certificate's body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    /// `ed25519`.
    pub algorithm: String,
    /// The signing node key, hex.
    pub public_key: String,
    /// The signature, hex.
    pub value: String,
}

/// A certificate with its signature: what the file holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedCertificate {
    /// The signed body.
    pub certificate: Certificate,
    /// The node's signature over it.
    pub signature: Signature,
}

/// The signed bytes of a certificate.
pub fn body(c: &Certificate) -> Vec<u8> {
    serde_json::to_vec(c).expect("a certificate serialises")
}

/// Signs a certificate with the node key.
pub fn sign(c: Certificate, signer: &mxr_audit::NodeSigner) -> SignedCertificate {
    let value = signer.sign_statement(STATEMENT, &body(&c));
    let signature = Signature {
        algorithm: "ed25519".into(),
        public_key: hex::encode(signer.public().as_bytes()),
        value: hex::encode(value),
    };
    SignedCertificate { certificate: c, signature }
}

/// Parses a certificate file and checks its signature against `key` (the node's key,
/// from its key store or its published `node.pub`, never the one the file names).
pub fn verify(bytes: &[u8], key: &VerifyingKey) -> Result<SignedCertificate, OpsError> {
    let signed: SignedCertificate =
        serde_json::from_slice(bytes).map_err(|e| OpsError::Invalid(format!("not a deletion certificate: {e}")))?;
    if signed.signature.public_key != hex::encode(key.as_bytes()) {
        return Err(OpsError::Invalid(format!(
            "signed by key {}, not by the node key {}",
            signed.signature.public_key,
            hex::encode(key.as_bytes())
        )));
    }
    let sig = hex::decode(&signed.signature.value).unwrap_or_default();
    if !mxr_audit::checkpoint::verify_statement(key, STATEMENT, &body(&signed.certificate), &sig) {
        return Err(OpsError::Invalid("the signature does not verify: the certificate was changed or forged".into()));
    }
    Ok(signed)
}

/// The SHA-256 of a certificate's body, as the audit log records it.
pub fn digest(c: &Certificate) -> String {
    super::sha256_hex(&body(c))
}

/// True when the audit log holds this certificate's record (issued by this node).
pub fn in_audit_log(node: &super::Node, c: &Certificate) -> Result<bool, OpsError> {
    let want = digest(c);
    let path = mxr_audit::dir(&node.data_dir).join("log");
    Ok(mxr_audit::log::read_records(&path)?
        .iter()
        .any(|e| matches!(&e.record.event, mxr_audit::Event::Deletion(d) if d.id == c.id && d.sha256 == want)))
}
