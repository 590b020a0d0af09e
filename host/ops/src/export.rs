//! `subject export`: what was found about a person, for the controller: built in
//! memory ([`build`], which the API zips), or written into a new folder outside the
//! data dir ([`export`], the CLI):
//! - `mail.zip`: each stored copy as an `.eml` file;
//! - `manifest.json`: each item, where it came from, and its SHA-256;
//! - `audit.json`: the audit records naming the person;
//! - `report.txt`: the same for people to read.
//!
//! Each copy's export is audited before the copy is read.

use super::archive::{self, Format, Item, Written};
use super::request::Request;
use super::subject::{self, Findings};
use super::{Node, OpsError};
use mxr_audit::OperatorVerb;
use mxr_config::TenantId;
use std::path::Path;

/// What an export wrote.
#[derive(Debug)]
pub struct Exported {
    /// What was found.
    pub findings: Findings,
    /// Every file written, with its SHA-256.
    pub files: Vec<Written>,
}

/// An export's files in memory, in the order they are written: `mail.zip`,
/// `audit.json`, `report.txt`, then `manifest.json` (which lists the others).
#[derive(Debug)]
pub struct ExportFiles {
    /// What was found.
    pub findings: Findings,
    /// (name, bytes) of each file.
    pub files: Vec<(String, Vec<u8>)>,
}

impl ExportFiles {
    /// The files as one stored zip (what the API answers with).
    pub fn zip(self) -> Result<Vec<u8>, OpsError> {
        let items: Vec<Item> = self.files.into_iter().map(|(name, bytes)| Item { name, bytes, time: 0 }).collect();
        archive::zip_of(&items, Path::new("export.zip"))
    }
}

/// Builds the persons' export in memory; each copy's export is audited before the
/// copy is read. With `max_bytes`, the stored copies together may hold at most that
/// many bytes ([`OpsError::TooLarge`] beyond, checked before any copy is read).
pub fn build(
    node: &Node,
    tenant: &TenantId,
    addresses: &[String],
    request: &Request,
    max_bytes: Option<usize>,
) -> Result<ExportFiles, OpsError> {
    let findings = subject::find(node, tenant, addresses)?;
    if let Some(max) = max_bytes {
        let total: u64 = findings.mail.iter().map(|f| subject::stored_size(node, tenant, f)).sum();
        if total > max as u64 {
            return Err(OpsError::TooLarge(max));
        }
    }
    let log = node.audit_log()?;
    let subjects: Vec<String> = findings.audit_tokens.iter().cloned().collect();
    let mut items = Vec::new();
    let mut manifest = Vec::new();
    for f in &findings.mail {
        node.record_action(&log, tenant, &f.queue_id, subjects.clone(), OperatorVerb::SubjectExport)?;
        let bytes = subject::read_copy(node, tenant, f)?;
        let name = format!("{}-{}.eml", f.place.name(), f.queue_id);
        manifest.push(serde_json::json!({
            "file": format!("mail.zip/{name}"),
            "origin": f.place.name(),
            "queue_id": f.queue_id,
            "stored": mxr_audit::record_time(f.stored),
            "roles": f.roles.iter().map(|r| r.name()).collect::<Vec<_>>(),
            "sha256": super::sha256_hex(&bytes),
            "bytes": bytes.len(),
        }));
        items.push(Item { name, bytes, time: f.stored });
    }
    let mail = archive::zip_of(&items, Path::new(Format::EmlZip.file_name()))?;
    let audit = serde_json::to_vec_pretty(&super::records::records_json(&findings.audit)).expect("json");
    let report = subject::report_text(&findings, request, false).into_bytes();
    let mut files = vec![
        (Format::EmlZip.file_name().to_owned(), mail),
        ("audit.json".into(), audit),
        ("report.txt".into(), report),
    ];
    let listed: Vec<Written> = files
        .iter()
        .map(|(path, b)| Written { path: path.clone(), sha256: super::sha256_hex(b), bytes: b.len() as u64 })
        .collect();
    let doc = serde_json::json!({
        "request": request.id,
        "tenant": tenant.as_str(),
        "exported": mxr_audit::record_time(super::now()),
        "items": manifest,
        "audit_records": findings.audit.len(),
        "files": listed,
    });
    files.push(("manifest.json".into(), serde_json::to_vec_pretty(&doc).expect("json")));
    Ok(ExportFiles { findings, files })
}

/// Exports the persons' data into the new folder `out` (private, each file fsynced).
pub fn export(
    node: &Node,
    tenant: &TenantId,
    addresses: &[String],
    out: &Path,
    request: &Request,
) -> Result<Exported, OpsError> {
    node.check_output(out)?;
    let built = build(node, tenant, addresses, request, None)?;
    mxr_durable::private_dir(out).map_err(|e| OpsError::Io(out.to_owned(), e))?;
    let files =
        built.files.iter().map(|(name, bytes)| archive::write_file(out, name, bytes)).collect::<Result<_, _>>()?;
    Ok(Exported { findings: built.findings, files })
}
