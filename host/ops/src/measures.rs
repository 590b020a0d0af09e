//! The statement of measures (agreement art. 2.2 and 6.2): which of the technical and
//! organisational measures are in force on this node, each checked against the config
//! and the data dir as they are now, not asserted.

use super::{Node, OpsError};
use mxr_config::{Config, NextHop, Region, TlsMode, TlsSource};
use mxr_store::subject_index::SubjectIndex;
use serde::Serialize;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// What a check found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// In force, checked.
    Ok,
    /// Not in force, or the check found a fault.
    Failed,
    /// Cannot be checked on this node (said why).
    NotChecked,
}

/// One measure and what its check found.
#[derive(Clone, Debug, Serialize)]
pub struct Measure {
    /// The article of the agreement it answers.
    pub article: &'static str,
    /// The measure.
    pub measure: &'static str,
    /// The check's verdict.
    pub status: Status,
    /// What was checked and found.
    pub detail: String,
}

fn measure(article: &'static str, measure: &'static str, failures: Vec<String>, ok: String) -> Measure {
    match failures.is_empty() {
        true => Measure { article, measure, status: Status::Ok, detail: ok },
        false => Measure { article, measure, status: Status::Failed, detail: failures.join("; ") },
    }
}

/// Every measure, checked.
pub fn check(node: &Node, config: &Config) -> Result<Vec<Measure>, OpsError> {
    Ok(vec![
        encryption(node)?,
        tls_inbound(config),
        tls_outbound(config),
        access(node),
        logging(node, config)?,
        purposes(config),
        permissions(node, config)?,
    ])
}

/// The last audited change to each tenant's state (its plugins, authorisations and
/// tightenings): who made it, what, and when. A change record names the tenants it
/// touched in its before and after states (a seed touches all it puts in). A tenant
/// whose state has no audited change at all fails the check. The log is read once.
fn permissions(node: &Node, config: &Config) -> Result<Measure, OpsError> {
    let path = mxr_audit::dir(&node.data_dir).join("log");
    let mut last: std::collections::HashMap<String, (u64, mxr_audit::ControlChange)> = Default::default();
    for e in mxr_audit::log::read_records(&path)? {
        let mxr_audit::Event::Control(c) = e.record.event else { continue };
        let mut ids = touched(&c.before);
        ids.extend(touched(&c.after));
        ids.insert(e.record.tenant.clone());
        for id in ids {
            last.insert(id, (e.record.time, c.clone()));
        }
    }
    let (mut found, mut failures) = (Vec::new(), Vec::new());
    for t in &config.tenants {
        match last.get(t.id.as_str()) {
            Some((time, c)) => {
                found.push(format!("{}: {} by {} at {}", t.id, c.action, c.actor, mxr_audit::record_time(*time)))
            }
            None => failures.push(format!("{}: no change to its state is in the audit log", t.id)),
        }
    }
    let what = "control of permissions (the last change to each)";
    Ok(measure("6.2", what, failures, found.join("; ")))
}

/// The tenant ids a change record's state (a JSON list of tenants) names.
fn touched(state: &str) -> std::collections::BTreeSet<String> {
    let list: Vec<serde_json::Value> = serde_json::from_str(state).unwrap_or_default();
    list.iter().filter_map(|t| t["id"].as_str().map(str::to_owned)).collect()
}

/// Every stored file opens with its tenant's key: it is authenticated ciphertext.
fn encryption(node: &Node) -> Result<Measure, OpsError> {
    let mut failures = Vec::new();
    let spool = node.spool()?;
    let mut n = 0;
    for e in std::fs::read_dir(spool.dir()).into_iter().flatten().flatten() {
        if e.file_name().to_string_lossy().ends_with(".msg") {
            n += 1;
            if let Err(err) = spool.read(&e.path()) {
                failures.push(err.to_string());
            }
        }
    }
    let q = node.quarantine();
    let index = SubjectIndex::new(&node.data_dir, node.keys.clone());
    for t in std::fs::read_dir(node.data_dir.join("quarantine")).into_iter().flatten().flatten() {
        let tenant = t.file_name().to_string_lossy().into_owned();
        match q.list(&tenant) {
            Ok(records) => {
                for r in records {
                    n += 2;
                    if let Err(err) = q.message(&tenant, &r.queue_id) {
                        failures.push(err.to_string());
                    }
                }
            }
            Err(err) => failures.push(err.to_string()),
        }
    }
    for t in std::fs::read_dir(node.data_dir.join("index")).into_iter().flatten().flatten() {
        match index.entries(&t.file_name().to_string_lossy()) {
            Ok(entries) => n += entries.len(),
            Err(err) => failures.push(err.to_string()),
        }
    }
    let ok = format!("{n} spool, quarantine and index files each opened with their tenant's key (XChaCha20-Poly1305)");
    Ok(measure("6.2", "encryption of files at rest", failures, ok))
}

fn tls_inbound(config: &Config) -> Measure {
    let (failures, ok) = match &config.tls {
        None => (vec!["no [server.tls]: STARTTLS is not offered".to_owned()], String::new()),
        Some(TlsSource::SelfSigned) => (vec![], "STARTTLS offered with a self-signed certificate".to_owned()),
        Some(TlsSource::Files { cert, key }) => {
            let missing: Vec<String> =
                [cert, key].iter().filter(|p| !p.is_file()).map(|p| format!("{} is missing", p.display())).collect();
            (missing, format!("STARTTLS offered with {}", cert.display()))
        }
    };
    measure("6.2", "TLS inbound", failures, ok)
}

fn tls_outbound(config: &Config) -> Measure {
    let mut failures = Vec::new();
    let mut hops = Vec::new();
    for t in &config.tenants {
        match &t.next_hop {
            NextHop::Maildir(p) => hops.push(format!("{}: local Maildir {}", t.id, p.display())),
            NextHop::Smtp { host, tls, region, .. } => hop(&mut failures, &mut hops, &t.id, host, *tls, region),
            NextHop::Mx { domain, tls, region, .. } => {
                // The region is the tenant's declaration: DNS may name hosts anywhere.
                let name = format!("the MX hosts of {domain} (region declared)");
                hop(&mut failures, &mut hops, &t.id, &name, *tls, region)
            }
        }
    }
    measure("3.1, 6.2", "TLS and EU region per next hop", failures, hops.join("; "))
}

/// One SMTP next hop's line, and its failures (TLS not required, outside the EU).
fn hop(failures: &mut Vec<String>, hops: &mut Vec<String>, tenant: &str, host: &str, tls: TlsMode, region: &Region) {
    if tls != TlsMode::Required {
        failures.push(format!("{tenant}: next hop {host} does not require TLS ({tls:?})"));
    }
    if !region.is_eu() {
        failures.push(format!("{tenant}: next hop {host} is outside the EU ({region}; art. 3.1 needs consent)"));
    }
    hops.push(format!("{tenant}: {host} TLS required, region {region}"));
}

fn mode(path: &Path) -> Option<u32> {
    std::fs::metadata(path).ok().map(|m| m.permissions().mode() & 0o777)
}

/// Keys readable by their owner only.
fn access(node: &Node) -> Measure {
    let keys = node.data_dir.join("keys");
    let mut failures = Vec::new();
    let mut files = vec![node.master_key.clone(), keys.join("node-signing.key")];
    files.extend(std::fs::read_dir(keys.join("tenants")).into_iter().flatten().flatten().map(|e| e.path()));
    for f in &files {
        match mode(f) {
            Some(0o600) | None => {}
            Some(m) => failures.push(format!("{} has mode {m:o}, not 600", f.display())),
        }
    }
    for d in [keys.clone(), keys.join("tenants")] {
        if let Some(m) = mode(&d).filter(|m| *m != 0o700) {
            failures.push(format!("{} has mode {m:o}, not 700", d.display()));
        }
    }
    let ok = format!("{} key files mode 600 in folders of mode 700", files.len());
    measure("6.2", "access control to keys", failures, ok)
}

/// The audit log verifies, against its checkpoints and against every configured
/// witness's cosigned checkpoints (of which there must be one).
fn logging(node: &Node, config: &Config) -> Result<Measure, OpsError> {
    let kind = mxr_audit::note::SigType::Cosignature;
    let witnesses: Vec<_> = config
        .witnesses
        .iter()
        .filter_map(|w| mxr_audit::note::NoteKey::new(&w.key.0.name, kind, w.key.0.public).ok())
        .collect();
    let report = mxr_audit::verify_dir_witnessed(&node.data_dir, &node.signer()?.public(), &witnesses, &[])?;
    let witnessed: String =
        report.witnessed.iter().map(|w| format!("; witness {} cosigned the first {}", w.witness, w.size)).collect();
    let ok = format!(
        "audit log verifies: {} records, {} signed checkpoints, {} after the last{witnessed}",
        report.records, report.checkpoints, report.unsigned
    );
    Ok(measure("6.2, 12.3", "logging of every disclosure and operator action", report.findings, ok))
}

fn purposes(config: &Config) -> Measure {
    let grants: Vec<String> = config
        .tenants
        .iter()
        .map(|t| {
            let each: Vec<String> = t.authorise.iter().map(|(p, purpose)| format!("{p}={purpose}")).collect();
            format!("{}: [{}]", t.id, each.join(", "))
        })
        .collect();
    let failures = config
        .tenants
        .iter()
        .flat_map(|t| {
            t.plugins
                .iter()
                .filter(|p| !t.authorise.contains_key(*p))
                .map(move |p| format!("{}: {p} runs without an authorised purpose", t.id))
        })
        .collect();
    measure("1.3, 6.2", "purpose-bound access (authorised purposes per tenant)", failures, grants.join("; "))
}

/// The statement as text.
pub fn text(measures: &[Measure]) -> String {
    measures
        .iter()
        .map(|m| {
            let s = match m.status {
                Status::Ok => "OK        ",
                Status::Failed => "FAILED    ",
                Status::NotChecked => "NOT CHECKED",
            };
            format!("{s} art. {:<9} {}: {}\n", m.article, m.measure, m.detail)
        })
        .collect()
}
