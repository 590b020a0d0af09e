//! Offboarding a tenant (agreement art. 11.4): once the relay no longer accepts its
//! mail, export all of its stored mail and the audit records about it in the
//! controller's format, delete its spool and quarantine files and index, destroy its
//! data key (crypto-shredding), verify that nothing of it can be read any more, and
//! issue a signed deletion certificate, recorded in the audit log.
//!
//! Mail still queued is delivered first or handed back (exported, then deleted), as
//! the controller chooses. Stopping intake is the tenant store's business: it is asked
//! through [`Intake`], and offboarding refuses while the tenant is still served.

use super::archive::{self, Format, Item};
use super::certificate::{self, Certificate, SignedCertificate};
use super::records::{self, Selection};
use super::{Node, OpsError, subject};
use mxr_audit::{AuditRecord, DeletionCertificate, Event, OperatorVerb};
use mxr_config::TenantId;
use mxr_store::keys::KeyStore;
use mxr_store::subject_index::Place;
use std::path::{Path, PathBuf};

/// Whoever decides which tenants the relay serves.
pub trait Intake {
    /// Makes sure the relay accepts no more mail for `tenant` (its RCPTs refused);
    /// `Err` says why that is not (yet) so.
    fn stop_accepting(&self, tenant: &TenantId) -> Result<(), String>;
}

/// What becomes of copies still waiting for delivery.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Queued {
    /// They must be delivered first: offboarding refuses while any wait.
    Deliver,
    /// They are handed back in the export, then deleted undelivered.
    HandBack,
}

/// How to offboard.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The export's format.
    pub format: Format,
    /// What becomes of queued copies.
    pub queued: Queued,
    /// The new folder for the export and the certificate (outside the data dir).
    pub out: PathBuf,
    /// Folders under the data dir holding the tenant's delivered mail (a Maildir next
    /// hop): the controller's own mailbox, not the processor's storage; left alone.
    pub delivered_mail: Vec<PathBuf>,
}

/// What offboarding did.
#[derive(Debug)]
pub struct Offboarded {
    /// The certificate, signed.
    pub certificate: SignedCertificate,
    /// Where it was written.
    pub certificate_file: PathBuf,
}

/// One stored copy of the tenant's.
struct Copy {
    place: Place,
    queue_id: String,
    time: u64,
    bytes: Vec<u8>,
}

fn collect(node: &Node, tenant: &TenantId) -> Result<Vec<Copy>, OpsError> {
    let mut out: Vec<Copy> = node
        .spool()?
        .entries()
        .into_iter()
        .filter(|(env, _)| env.tenant == tenant.as_str())
        .map(|(env, _)| Copy { place: Place::Spool, queue_id: env.queue_id, time: env.received, bytes: vec![] })
        .collect();
    for r in node.quarantine().list(tenant)? {
        out.push(Copy { place: Place::Quarantine, queue_id: r.queue_id, time: r.time, bytes: vec![] });
    }
    // Bounces about the tenant's mail wait in the spool under the bounce path's own
    // tenant; the tenant's index names them.
    let spool = node.spool()?;
    let index = mxr_store::subject_index::SubjectIndex::new(&node.data_dir, node.keys.clone());
    for e in index.entries(tenant)? {
        let bounce = e.place == Place::Spool && !out.iter().any(|c| c.queue_id == e.queue_id);
        if bounce && spool.path(&e.queue_id).is_file() {
            out.push(Copy { place: Place::Spool, queue_id: e.queue_id, time: e.time, bytes: vec![] });
        }
    }
    Ok(out)
}

/// Offboards `tenant`; see the module documentation for the steps.
pub fn offboard(node: &Node, tenant: &TenantId, intake: &dyn Intake, plan: &Plan) -> Result<Offboarded, OpsError> {
    node.pseudonyms(tenant)?;
    intake.stop_accepting(tenant).map_err(|why| OpsError::StillAccepting(tenant.to_string(), why))?;
    node.check_output(&plan.out)?;
    let mut copies = collect(node, tenant)?;
    let queued = copies.iter().filter(|c| c.place == Place::Spool).count();
    if plan.queued == Queued::Deliver && queued > 0 {
        return Err(OpsError::StillQueued { tenant: tenant.to_string(), count: queued });
    }
    mxr_durable::private_dir(&plan.out).map_err(|e| OpsError::Io(plan.out.clone(), e))?;
    let log = node.audit_log()?;
    for c in &mut copies {
        node.record_action(&log, tenant, &c.queue_id, vec![], OperatorVerb::TenantOffboard)?;
        let found = subject::Found { place: c.place, queue_id: c.queue_id.clone(), stored: c.time, roles: [].into() };
        c.bytes = subject::read_copy(node, tenant, &found)?;
    }
    let items: Vec<Item> = copies
        .iter()
        .map(|c| Item { name: format!("{}-{}.eml", c.place.name(), c.queue_id), bytes: c.bytes.clone(), time: c.time })
        .collect();
    let mut files = archive::write(plan.format, &items, &plan.out)?;
    let audit = records::select(node, &Selection { tenant, ..Selection::default() })?;
    let audit_json = serde_json::to_vec_pretty(&records::records_json(&audit)).expect("json");
    files.push(archive::write_file(&plan.out, "audit.json", &audit_json)?);

    let files_deleted = delete(node, tenant, &copies)?;
    let checks = verify(node, tenant, &copies, &plan.delivered_mail)?;
    let signer = node.signer()?;
    let completed = super::now();
    let stamp = mxr_audit::record_time(completed).replace(['-', ':'], "");
    let cert = Certificate {
        id: format!("DC-{tenant}-{stamp}"),
        model: "NIST SP 800-88 Rev. 1, Appendix G: certificate of sanitization".into(),
        performer: certificate::Performer {
            operator: mxr_audit::os_operator(),
            node_region: node.region.clone(),
            node_key: hex::encode(signer.public().as_bytes()),
        },
        media: media(node, tenant, copies.len(), files_deleted, &plan.delivered_mail),
        sanitisation: certificate::Sanitisation {
            method: "Purge (cryptographic erase) and Clear (file deletion)".into(),
            technique: "the tenant's 256-bit data key (XChaCha20-Poly1305, wrapped under the node master key) was \
                        deleted, so every sealed file and pseudonym made with it is unreadable; then every file \
                        of the tenant's was unlinked and its folder synced"
                .into(),
            tool: format!("mxr {}", env!("CARGO_PKG_VERSION")),
            completed: mxr_audit::record_time(completed),
        },
        verification: certificate::Verification { checks, result: "passed".into() },
        handover: certificate::Handover { format: plan.format.name().into(), files, handed_back: queued },
        audit_records_kept: audit.len(),
    };
    let signed = certificate::sign(cert, &signer);
    let bytes = serde_json::to_vec_pretty(&signed).expect("json");
    let file = archive::write_file(&plan.out, "deletion-certificate.json", &bytes)?;
    let record = AuditRecord {
        time: completed,
        region: node.region.clone(),
        tenant: tenant.to_string(),
        queue_id: String::new(),
        subjects: vec![],
        event: Event::Deletion(DeletionCertificate {
            id: signed.certificate.id.clone(),
            sha256: certificate::digest(&signed.certificate),
        }),
    };
    log.append(&record)?;
    log.checkpoint()?;
    Ok(Offboarded { certificate: signed, certificate_file: plan.out.join(file.path) })
}

fn media(node: &Node, tenant: &TenantId, copies: usize, files_deleted: usize, kept: &[PathBuf]) -> certificate::Media {
    let mut not_covered = vec![
        "audit records about the tenant: kept as evidence (art. 12.3); they hold only tokens under the destroyed key"
            .to_owned(),
    ];
    not_covered.extend(kept.iter().map(|p| format!("{}: delivered mail (the controller's own Maildir)", p.display())));
    certificate::Media {
        tenant: tenant.to_string(),
        data_dir: node.data_dir.display().to_string(),
        copies,
        files_deleted,
        description: "spooled and quarantined mail, quarantine records and subject-index entries, sealed with the \
                      tenant's data key; the wrapped data key"
            .into(),
        not_covered,
    }
}

/// Deletes the copies (each with its index entry), the tenant's quarantine and index
/// folders, then destroys its key; returns how many files went.
fn delete(node: &Node, tenant: &TenantId, copies: &[Copy]) -> Result<usize, OpsError> {
    let mut files = 0;
    for c in copies {
        subject::remove_copy(node, tenant, c.place, &c.queue_id)?;
        files += if c.place == Place::Quarantine { 3 } else { 2 };
    }
    let index = mxr_store::subject_index::SubjectIndex::new(&node.data_dir, node.keys.clone());
    for dir in [node.quarantine().tenant_dir(tenant), index.tenant_dir(tenant)] {
        files += remove_tree(&dir)?;
    }
    node.keys.destroy(tenant)?;
    Ok(files + 1)
}

fn remove_tree(dir: &Path) -> Result<usize, OpsError> {
    let left = walk(dir).len();
    match std::fs::remove_dir_all(dir) {
        Ok(()) => Ok(left),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
        Err(e) => Err(OpsError::Io(dir.to_owned(), e)),
    }
}

/// Every file under `dir`.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
    }
    out
}

/// After the deletion: the key is gone for good, no file names the tenant, and no
/// file under the data dir holds any line of its mail in clear.
fn verify(node: &Node, tenant: &TenantId, copies: &[Copy], kept: &[PathBuf]) -> Result<Vec<String>, OpsError> {
    let fail = |why: String| Err(OpsError::Verification(why));
    let fresh = KeyStore::open(&node.data_dir, &node.master_key, false)?;
    if fresh.tenant_key_file(tenant).exists() || fresh.existing(tenant)?.is_some() {
        return fail(format!("tenant {tenant}'s data key is still in the key store"));
    }
    let mut checks = vec![format!(
        "the key store, opened afresh with the master key, holds no data key for {tenant}: no ciphertext made with it can be opened"
    )];
    let spool = node.spool()?;
    let files: Vec<PathBuf> =
        walk(&node.data_dir).into_iter().filter(|p| !kept.iter().any(|k| p.starts_with(k))).collect();
    for p in files.iter().filter(|p| p.extension().is_some_and(|x| x == "msg") && p.starts_with(spool.dir())) {
        let qid = p.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        if spool.tenant_of(qid).ok().flatten().as_deref() == Some(tenant.as_str()) {
            return fail(format!("{} is still a spool file of {tenant}", p.display()));
        }
    }
    checks.push(format!("no spool file's header names {tenant}; no quarantine or index folder of {tenant} remains"));
    let samples: Vec<&[u8]> = copies.iter().filter_map(|c| longest_line(&c.bytes)).collect();
    for p in &files {
        let bytes = std::fs::read(p).map_err(|e| OpsError::Io(p.clone(), e))?;
        if let Some(s) = samples.iter().find(|s| bytes.windows(s.len()).any(|w| w == **s)) {
            return fail(format!("{} holds a line of {tenant}'s mail in clear ({} bytes)", p.display(), s.len()));
        }
    }
    checks.push(format!(
        "{} files under the data dir searched for the longest line of each of the {} deleted messages: none found in clear",
        files.len(),
        copies.len()
    ));
    Ok(checks)
}

/// A message's longest line, if it has one of 16 bytes or more (a sample to search for).
fn longest_line(bytes: &[u8]) -> Option<&[u8]> {
    bytes
        .split(|b| *b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .max_by_key(|l| l.len())
        .filter(|l| l.len() >= 16)
}
