//! Durable records of data-subject requests (agreement art. 9: help within three working
//! days): each request gets an id and a file saying when it arrived, what was done and
//! when, so that the promise can be shown. The file names the persons only by their
//! audit tokens, like the audit log.
//!
//! `<data_dir>/requests/<id>.json`, mode 0600, written durably on arrival and on each
//! step.

use super::{Node, OpsError};
use mxr_config::TenantId;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Working days the agreement allows (art. 9).
pub const WORKING_DAYS: u64 = 3;

/// What a request asks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RequestKind {
    /// Access: which data is held (`subject find`).
    Find,
    /// Access and portability: a copy of the data (`subject export`).
    Export,
    /// Erasure (`subject erase`).
    Erase,
}

/// One step carried out for a request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// What was done.
    pub kind: RequestKind,
    /// When it was done (Unix seconds).
    pub done: u64,
    /// A one-line summary (counts, never personal data).
    pub summary: String,
}

/// A data-subject request and its steps.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// `R-YYYYMMDD-` and 8 hex digits.
    pub id: String,
    /// The tenant (controller) that forwarded it.
    pub tenant: String,
    /// The persons' audit tokens.
    pub subjects: Vec<String>,
    /// When the controller's request arrived (Unix seconds).
    pub arrived: u64,
    /// The deadline: [`WORKING_DAYS`] working days (Monday to Friday) after arrival.
    pub deadline: u64,
    /// Steps done, in order.
    pub steps: Vec<Step>,
}

impl Request {
    /// True when the last step was done by the deadline (false while none is done).
    pub fn on_time(&self) -> bool {
        self.steps.last().is_some_and(|s| s.done <= self.deadline)
    }
}

/// The moment `days` working days (Monday to Friday) after `from`, in Unix seconds.
pub fn add_working_days(from: u64, days: u64) -> u64 {
    let mut t = from;
    let mut left = days;
    while left > 0 {
        t += 86_400;
        // 1970-01-01 was a Thursday: weekday 0 = Monday.
        if (t / 86_400 + 3) % 7 < 5 {
            left -= 1;
        }
    }
    t
}

fn dir(node: &Node) -> PathBuf {
    node.data_dir.join("requests")
}

fn write(node: &Node, r: &Request) -> Result<(), OpsError> {
    let d = dir(node);
    let bytes = serde_json::to_vec_pretty(r).expect("a request serialises");
    mxr_durable::write_durably(&d, &format!("{}.json", r.id), &[&bytes]).map_err(|e| OpsError::Io(d, e))?;
    Ok(())
}

/// Opens a new request arriving at `arrived` for these persons' audit tokens.
pub fn open(node: &Node, tenant: &TenantId, subjects: Vec<String>, arrived: u64) -> Result<Request, OpsError> {
    let mut random = [0u8; 4];
    getrandom::fill(&mut random).expect("the OS random source");
    let day = mxr_mail::date::rfc3339(arrived).get(..10).unwrap_or("").replace('-', "");
    let r = Request {
        id: format!("R-{day}-{}", hex::encode(random)),
        tenant: tenant.to_string(),
        subjects,
        arrived,
        deadline: add_working_days(arrived, WORKING_DAYS),
        steps: vec![],
    };
    write(node, &r)?;
    Ok(r)
}

/// The request a step for these addresses belongs to: request `existing` continued
/// (checked to be the tenant's, and to be about these persons), or a new one that
/// arrived at `arrived` (not in the future) for the addresses' audit tokens. The
/// addresses are checked first.
pub fn for_addresses(
    node: &Node,
    tenant: &TenantId,
    addresses: &[String],
    existing: Option<&str>,
    arrived: u64,
) -> Result<Request, OpsError> {
    super::subject::check_addresses(addresses)?;
    let pseudonyms = node.pseudonyms(tenant)?;
    let subjects: Vec<String> = addresses.iter().map(|a| pseudonyms.audit_subject(a)).collect();
    let Some(id) = existing else {
        if arrived > super::now() + 60 {
            let why = "a request cannot arrive in the future".into();
            return Err(OpsError::BadInput { field: "--received", why });
        }
        return open(node, tenant, subjects, arrived);
    };
    let r = load(node, tenant, id)?;
    if !subjects.iter().all(|s| r.subjects.contains(s)) {
        let why = format!("request {id} is about other persons; open a new request for these addresses");
        return Err(OpsError::BadInput { field: "ADDRESS", why });
    }
    Ok(r)
}

/// A request by id, checked to be the tenant's.
pub fn load(node: &Node, tenant: &TenantId, id: &str) -> Result<Request, OpsError> {
    let bad = |why: String| OpsError::BadInput { field: "--request", why };
    if !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(bad(format!("{id:?} is not a request id")));
    }
    let path = dir(node).join(format!("{id}.json"));
    let bytes = std::fs::read(&path).map_err(|_| bad(format!("no request {id}")))?;
    let r: Request =
        serde_json::from_slice(&bytes).map_err(|e| OpsError::Invalid(format!("{}: {e}", path.display())))?;
    if r.tenant != tenant.as_str() {
        // The same answer as for no request: another tenant's ids are not confirmed.
        return Err(bad(format!("no request {id}")));
    }
    Ok(r)
}

/// Records a step done now, durably.
pub fn record_step(node: &Node, r: &mut Request, kind: RequestKind, summary: String) -> Result<(), OpsError> {
    r.steps.push(Step { kind, done: super::now(), summary });
    write(node, r)
}

/// Every request of a tenant, oldest first.
pub fn list(node: &Node, tenant: &TenantId) -> Result<Vec<Request>, OpsError> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir(node)).into_iter().flatten().flatten() {
        let path = e.path();
        if path.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let bytes = std::fs::read(&path).map_err(|e| OpsError::Io(path.clone(), e))?;
        let r: Request =
            serde_json::from_slice(&bytes).map_err(|e| OpsError::Invalid(format!("{}: {e}", path.display())))?;
        if r.tenant == tenant.as_str() {
            out.push(r);
        }
    }
    out.sort_by(|a, b| (a.arrived, &a.id).cmp(&(b.arrived, &b.id)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_working_days_skip_the_weekend() {
        // 2024-06-05 was a Wednesday; 12:00 UTC.
        let wed = 1_717_588_800;
        assert_eq!(mxr_mail::date::rfc3339(add_working_days(wed, 3)), "2024-06-10T12:00:00Z", "Mon");
        let fri = wed + 2 * 86_400;
        assert_eq!(mxr_mail::date::rfc3339(add_working_days(fri, 3)), "2024-06-12T12:00:00Z", "Wed");
        let sat = wed + 3 * 86_400;
        assert_eq!(mxr_mail::date::rfc3339(add_working_days(sat, 3)), "2024-06-12T12:00:00Z", "Wed");
    }
}
