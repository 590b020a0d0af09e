//! Reading the audit log for an operation: the records of a tenant, of a person (by
//! audit token) or of a period, and each record as JSON (the shape `mxr audit show
//! --json` prints and exports carry).

use super::{Node, OpsError};
use mxr_audit::{AuditRecord, Event};
use std::collections::{BTreeMap, BTreeSet};

/// Which records to take.
#[derive(Clone, Debug, Default)]
pub struct Selection<'a> {
    /// Only this tenant's.
    pub tenant: &'a str,
    /// Only records naming one of these audit tokens (`None`: any).
    pub subjects: Option<&'a BTreeSet<String>>,
    /// From this time on (Unix seconds, inclusive).
    pub from: Option<u64>,
    /// Up to this time (inclusive).
    pub to: Option<u64>,
}

/// The selected records, each with its sequence number in the log.
pub fn select(node: &Node, s: &Selection) -> Result<Vec<(u64, AuditRecord)>, OpsError> {
    let path = mxr_audit::dir(&node.data_dir).join("log");
    Ok(mxr_audit::log::read_records(&path)?
        .into_iter()
        .filter(|e| e.record.tenant == s.tenant)
        .filter(|e| s.subjects.is_none_or(|want| e.record.subjects.iter().any(|t| want.contains(t))))
        .filter(|e| s.from.is_none_or(|f| e.record.time >= f) && s.to.is_none_or(|t| e.record.time <= t))
        .map(|e| (e.seq, e.record))
        .collect())
}

/// A record as JSON: time, region, tenant, queue id, subjects, and the event.
pub fn record_json(r: &AuditRecord) -> serde_json::Value {
    let mut v = serde_json::json!({
        "time": mxr_audit::record_time(r.time),
        "region": r.region,
        "tenant": r.tenant,
        "queue_id": r.queue_id,
        "subjects": r.subjects,
    });
    match &r.event {
        Event::Disclosure(d) => {
            let forms: BTreeMap<&str, &str> = d.forms.iter().map(|(c, f)| (c.name(), f.name())).collect();
            v["disclosure"] = serde_json::json!({
                "plugin": d.plugin, "version": d.version, "sha256": d.sha256, "purpose": d.purpose,
                "stage": d.stage, "forms": forms, "outcome": d.outcome,
            });
        }
        Event::Operator(o) => v["operator_action"] = serde_json::json!({"action": o.action.name(), "by": o.operator}),
        Event::Deletion(c) => v["deletion_certificate"] = serde_json::json!({"id": c.id, "sha256": c.sha256}),
        Event::Outcome(o) => {
            v["outcome"] = serde_json::json!({
                "outcome": o.outcome, "code": o.code, "plugin": o.plugin, "score": o.score, "tags": o.tags,
            });
        }
        Event::Control(c) => {
            let parse = |s: &str| serde_json::from_str(s).unwrap_or(serde_json::Value::Null);
            v["control_change"] = serde_json::json!({
                "action": c.action, "by": c.actor, "before": parse(&c.before), "after": parse(&c.after),
            });
        }
    }
    v
}

/// Records as a JSON array, each with its sequence number.
pub fn records_json(records: &[(u64, AuditRecord)]) -> serde_json::Value {
    serde_json::Value::Array(
        records
            .iter()
            .map(|(seq, r)| {
                let mut v = record_json(r);
                v["seq"] = (*seq).into();
                v
            })
            .collect(),
    )
}
