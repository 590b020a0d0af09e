//! Finding and erasing a data subject's data (agreement art. 7 and 9), by address,
//! through keyed tokens only: the sealed subject index for stored mail, the audit
//! tokens for the audit log.
//!
//! Erasure removes the person's mail from the spool and the quarantine, each removal
//! audited first. Audit records stay: they are the evidence the agreement asks to keep
//! (art. 12.3), and they hold tokens, never addresses or content.

use super::records::{self, Selection};
use super::{Node, OpsError};
use mxr_audit::{AuditRecord, OperatorVerb};
use mxr_config::TenantId;
use mxr_store::subject_index::{Place, Role, SubjectIndex};
use std::collections::BTreeSet;

/// A stored copy that names the person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    /// Where it is.
    pub place: Place,
    /// Its queue id.
    pub queue_id: String,
    /// When it was stored (Unix seconds).
    pub stored: u64,
    /// The parts the person plays in it.
    pub roles: BTreeSet<Role>,
}

/// Everything held about the persons.
#[derive(Clone, Debug)]
pub struct Findings {
    /// The tenant asked about.
    pub tenant: TenantId,
    /// The persons' audit tokens (what the audit log and request records name).
    pub audit_tokens: BTreeSet<String>,
    /// Stored copies naming them.
    pub mail: Vec<Found>,
    /// Audit records naming them, with their sequence numbers.
    pub audit: Vec<(u64, AuditRecord)>,
}

/// Checks that each argument is an address.
pub fn check_addresses(addresses: &[String]) -> Result<(), OpsError> {
    match addresses.iter().find(|a| !a.trim().split_once('@').is_some_and(|(l, d)| !l.is_empty() && !d.is_empty())) {
        Some(a) => Err(OpsError::BadInput { field: "ADDRESS", why: format!("{a:?} is not an e-mail address") }),
        None if addresses.is_empty() => Err(OpsError::BadInput { field: "ADDRESS", why: "give at least one".into() }),
        None => Ok(()),
    }
}

/// True while the copy is still stored (an index entry may outlive a crashed removal).
fn still_stored(node: &Node, tenant: &str, place: Place, queue_id: &str) -> bool {
    match place {
        Place::Spool => node.data_dir.join("spool").join(format!("{queue_id}.msg")).is_file(),
        Place::Quarantine => node.quarantine().tenant_dir(tenant).join(format!("{queue_id}.msg")).is_file(),
    }
}

/// What the node holds about the persons with these addresses, for one tenant.
pub fn find(node: &Node, tenant: &TenantId, addresses: &[String]) -> Result<Findings, OpsError> {
    check_addresses(addresses)?;
    let pseudonyms = node.pseudonyms(tenant)?;
    let index_tokens: BTreeSet<String> = addresses.iter().map(|a| pseudonyms.index_subject(a)).collect();
    let audit_tokens: BTreeSet<String> = addresses.iter().map(|a| pseudonyms.audit_subject(a)).collect();
    let index = SubjectIndex::new(&node.data_dir, node.keys.clone());
    let mail = index
        .find(tenant, &index_tokens)?
        .into_iter()
        .filter(|(e, _)| still_stored(node, tenant, e.place, &e.queue_id))
        .map(|(e, roles)| Found { place: e.place, queue_id: e.queue_id, stored: e.time, roles })
        .collect();
    let selection = Selection { tenant, subjects: Some(&audit_tokens), ..Selection::default() };
    let audit = records::select(node, &selection)?;
    Ok(Findings { tenant: tenant.clone(), audit_tokens, mail, audit })
}

/// The size on disk of a found copy's file (its sealed bytes; 0 when it is gone).
pub fn stored_size(node: &Node, tenant: &str, found: &Found) -> u64 {
    let path = match found.place {
        Place::Spool => node.data_dir.join("spool").join(format!("{}.msg", found.queue_id)),
        Place::Quarantine => node.quarantine().tenant_dir(tenant).join(format!("{}.msg", found.queue_id)),
    };
    std::fs::metadata(path).map_or(0, |m| m.len())
}

/// The stored bytes of a found copy.
pub fn read_copy(node: &Node, tenant: &str, found: &Found) -> Result<Vec<u8>, OpsError> {
    Ok(match found.place {
        Place::Spool => {
            let spool = node.spool()?;
            spool.read(&spool.path(&found.queue_id))?.1
        }
        Place::Quarantine => node.quarantine().message(tenant, &found.queue_id)?,
    })
}

/// Removes one stored copy of `tenant`'s and its index entries: the one under the
/// copy's own spool tenant, and the tenant's (a bounce is spooled under the bounce
/// path but indexed under the tenant whose mail it reports on).
pub fn remove_copy(node: &Node, tenant: &str, place: Place, queue_id: &str) -> Result<(), OpsError> {
    match place {
        Place::Spool => node.spool()?.erase(queue_id)?,
        Place::Quarantine => node.quarantine().delete(queue_id)?,
    }
    SubjectIndex::new(&node.data_dir, node.keys.clone()).remove(tenant, place, queue_id)?;
    Ok(())
}

/// Erases the persons' stored mail: each copy's erasure is audited (durably, naming
/// the persons' audit tokens), then the copy and its index entry are removed. Returns
/// what was erased and what stays (the audit records).
pub fn erase(node: &Node, tenant: &TenantId, addresses: &[String]) -> Result<Findings, OpsError> {
    let findings = find(node, tenant, addresses)?;
    let log = node.audit_log()?;
    let subjects: Vec<String> = findings.audit_tokens.iter().cloned().collect();
    for f in &findings.mail {
        node.record_action(&log, tenant, &f.queue_id, subjects.clone(), OperatorVerb::SubjectErase)?;
        remove_copy(node, tenant, f.place, &f.queue_id)?;
    }
    Ok(findings)
}

/// Why the audit records stay, as a report says it.
pub const AUDIT_RECORDS_STAY: &str = "Audit records are kept: they are the evidence the processing agreement \
asks for (art. 12.3), they hold only keyed tokens of the persons (never addresses or content), and they \
become unlinkable when the controller's key is destroyed at offboarding.";

/// A human-readable account of findings (no addresses: the controller knows whom it asked about).
pub fn report_text(f: &Findings, request: &super::request::Request, erased: bool) -> String {
    let t = mxr_audit::record_time;
    let mut s = format!(
        "Data-subject request {}\ntenant    {}\narrived   {}\ndeadline  {} (3 working days, art. 9)\npersons   {}\n\n",
        request.id,
        f.tenant,
        t(request.arrived),
        t(request.deadline),
        f.audit_tokens.len()
    );
    s.push_str("Searched: the spool, the quarantine (through the sealed subject index) and the audit log.\n");
    s.push_str("Message history: this node keeps none beyond the audit log.\n\n");
    let verb = if erased { "erased" } else { "held" };
    s.push_str(&format!("Stored mail {verb}: {}\n", f.mail.len()));
    for m in &f.mail {
        let roles: Vec<&str> = m.roles.iter().map(|r| r.name()).collect();
        s.push_str(&format!(
            "  {:<10} {:<28} stored {}  as {}\n",
            m.place.name(),
            m.queue_id,
            t(m.stored),
            roles.join(", ")
        ));
    }
    s.push_str(&format!("\nAudit records naming the persons: {}\n", f.audit.len()));
    if erased {
        s.push_str(&format!("{AUDIT_RECORDS_STAY}\nEach erasure is itself recorded in the audit log.\n"));
    }
    s
}
