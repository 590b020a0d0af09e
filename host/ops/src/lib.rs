//! The processing agreement's operations, as library calls that the `mxr` command (and
//! the control plane's API) carry out on a relay's data dir:
//! - data-subject requests, art. 7 and 9 ([`subject`], [`export`], [`request`]);
//! - offboarding with crypto-shredding and a signed deletion certificate, art. 11.4
//!   ([`offboard`], [`certificate`]);
//! - the breach notification draft, art. 5.5 ([`breach`]);
//! - the statement of measures in force, art. 2.2 and 6.2 ([`measures`]).
//!
//! Every operation that reads or removes personal data writes its audit record first,
//! and refuses to act when that record cannot be written. Exports go outside the data
//! dir: nothing in clear is ever left under it.

#![deny(missing_docs)]

pub mod archive;
pub mod breach;
pub mod certificate;
pub mod export;
pub mod measures;
pub mod offboard;
pub mod records;
pub mod request;
pub mod subject;

use mxr_audit::{AuditError, AuditLog, NodeSigner};
use mxr_config::TenantId;
use mxr_privacy::TenantPseudonyms;
use mxr_store::keys::{KeyError, KeyStore};
use mxr_store::quarantine::Quarantine;
use mxr_store::spool::{Spool, SpoolError};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Why an operation did not complete. Nothing is changed when it fails before acting.
#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    /// The keys could not be opened.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// Stored mail could not be read or removed.
    #[error(transparent)]
    Store(#[from] SpoolError),
    /// The audit log could not be read or written.
    #[error(transparent)]
    Audit(#[from] AuditError),
    /// A file could not be read or written.
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
    /// The archive could not be written.
    #[error("{0}: {1}")]
    Archive(PathBuf, zip::result::ZipError),
    /// There is no master key where the config says.
    #[error("no master key at {0}: is this the relay's data dir?")]
    NoMasterKey(PathBuf),
    /// The tenant has no key here: it never had mail on this node, or it was offboarded.
    #[error("tenant {0:?} has no key in this data dir (it never had mail here, or it was offboarded)")]
    UnknownTenant(String),
    /// An export would leave personal data in clear under the data dir.
    #[error("--out {0}: exports must be written outside the data dir")]
    OutputInsideDataDir(PathBuf),
    /// An export's folder exists already.
    #[error("--out {0}: exists already; give a new folder")]
    OutputExists(PathBuf),
    /// A command-line value is not of the right shape.
    #[error("{field}: {why}")]
    BadInput {
        /// The option or field.
        field: &'static str,
        /// What is wrong.
        why: String,
    },
    /// Offboarding refused: mail is still queued and the controller chose delivery.
    #[error(
        "tenant {tenant}: {count} copies are still waiting for delivery; let them be delivered (mxr queue flush) or choose --queued hand-back"
    )]
    StillQueued {
        /// The tenant.
        tenant: String,
        /// Copies waiting.
        count: usize,
    },
    /// The relay still accepts mail for the tenant.
    #[error("tenant {0}: the relay must stop accepting its mail first ({1})")]
    StillAccepting(String, String),
    /// Verification after deletion found something left.
    #[error("verification failed: {0}")]
    Verification(String),
    /// A certificate or report file is not what it claims.
    #[error("{0}")]
    Invalid(String),
    /// An export in memory would pass its bound (the API's); the CLI writes files.
    #[error("the export is over {0} bytes; ask the operator for it (mxr subject export)")]
    TooLarge(usize),
}

/// A relay's data dir, opened with its keys, for operations.
pub struct Node {
    /// The data dir.
    pub data_dir: PathBuf,
    /// The node's region, stamped on audit records.
    pub region: String,
    /// The master key's file.
    pub master_key: PathBuf,
    /// The key store.
    pub keys: Arc<KeyStore>,
    /// The relay's own audit log, when the operation runs inside the relay (the
    /// API); `None`: opened per operation (the CLI beside a relay).
    pub log: Option<Arc<AuditLog>>,
    /// Who acts, as the audit records name them: an API token; `None`: the OS user.
    pub actor: Option<String>,
}

impl Node {
    /// Opens a data dir with its existing master key (never makes one).
    pub fn open(data_dir: &Path, master_key: &Path, region: &str) -> Result<Node, OpsError> {
        if !master_key.is_file() {
            return Err(OpsError::NoMasterKey(master_key.to_owned()));
        }
        let keys = Arc::new(KeyStore::open(data_dir, master_key, false)?);
        let (data_dir, region, master_key) = (data_dir.to_owned(), region.to_owned(), master_key.to_owned());
        Ok(Node { data_dir, region, master_key, keys, log: None, actor: None })
    }

    /// Records that `verb` was done to copy `queue_id` of `tenant`, naming `subjects`,
    /// by this node's actor, durably, before it is done.
    pub fn record_action(
        &self,
        log: &AuditLog,
        tenant: &str,
        queue_id: &str,
        subjects: Vec<String>,
        verb: mxr_audit::OperatorVerb,
    ) -> Result<(), OpsError> {
        match &self.actor {
            Some(actor) => log.record_action_by(actor, tenant, queue_id, subjects, verb)?,
            None => log.record_operator_action(tenant, queue_id, subjects, verb)?,
        }
        Ok(())
    }

    /// The node's checkpoint signer (the node key).
    pub fn signer(&self) -> Result<NodeSigner, OpsError> {
        Ok(NodeSigner::from_seed(&self.keys.node_signing_seed()?))
    }

    /// The audit log, open for appending: the relay's own when there is one.
    pub fn audit_log(&self) -> Result<Arc<AuditLog>, OpsError> {
        match &self.log {
            Some(log) => Ok(log.clone()),
            None => Ok(Arc::new(AuditLog::open(&self.data_dir, &self.region, self.signer()?)?)),
        }
    }

    /// The spool.
    pub fn spool(&self) -> Result<Spool, OpsError> {
        Ok(Spool::open(&self.data_dir, self.keys.clone())?)
    }

    /// The quarantine.
    pub fn quarantine(&self) -> Quarantine {
        Quarantine::new(&self.data_dir, self.keys.clone())
    }

    /// The tenant's pseudonym keys; an error when it has no key here (never makes one).
    pub fn pseudonyms(&self, tenant: &TenantId) -> Result<TenantPseudonyms, OpsError> {
        let key = self.keys.existing(tenant)?.ok_or_else(|| OpsError::UnknownTenant(tenant.to_string()))?;
        Ok(TenantPseudonyms::new(key.pseudonym_root()))
    }

    /// Refuses an output path under the data dir, or one that exists.
    pub fn check_output(&self, out: &Path) -> Result<(), OpsError> {
        let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_owned());
        let data = std::fs::canonicalize(&self.data_dir).unwrap_or_else(|_| absolute(&self.data_dir));
        let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let target = std::fs::canonicalize(parent).unwrap_or_else(|_| absolute(parent));
        if target.starts_with(&data) {
            return Err(OpsError::OutputInsideDataDir(out.to_owned()));
        }
        if out.exists() {
            return Err(OpsError::OutputExists(out.to_owned()));
        }
        Ok(())
    }
}

/// Hex SHA-256 of bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// Seconds since the Unix epoch now.
pub fn now() -> u64 {
    mxr_audit::now()
}
