//! `subject export`: what was found about a person, written for the controller into a
//! new folder outside the data dir:
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

/// Exports the persons' data into the new folder `out`.
pub fn export(
    node: &Node,
    tenant: &TenantId,
    addresses: &[String],
    out: &Path,
    request: &Request,
) -> Result<Exported, OpsError> {
    node.check_output(out)?;
    let findings = subject::find(node, tenant, addresses)?;
    mxr_durable::private_dir(out).map_err(|e| OpsError::Io(out.to_owned(), e))?;
    let log = node.audit_log()?;
    let subjects: Vec<String> = findings.audit_tokens.iter().cloned().collect();
    let mut items = Vec::new();
    let mut manifest = Vec::new();
    for f in &findings.mail {
        log.record_operator_action(tenant, &f.queue_id, subjects.clone(), OperatorVerb::SubjectExport)?;
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
    let mut files = archive::write(Format::EmlZip, &items, out)?;
    let audit = serde_json::to_vec_pretty(&super::records::records_json(&findings.audit)).expect("json");
    files.push(archive::write_file(out, "audit.json", &audit)?);
    files.push(archive::write_file(out, "report.txt", subject::report_text(&findings, request, false).as_bytes())?);
    let doc = serde_json::json!({
        "request": request.id,
        "tenant": tenant.as_str(),
        "exported": mxr_audit::record_time(super::now()),
        "items": manifest,
        "audit_records": findings.audit.len(),
        "files": files,
    });
    files.push(archive::write_file(out, "manifest.json", &serde_json::to_vec_pretty(&doc).expect("json"))?);
    Ok(Exported { findings, files })
}
