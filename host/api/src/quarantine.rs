//! A tenant's quarantine: list, show, release, delete. Each call shows or acts on
//! personal data, so each is audited (under the subjects' pseudonyms, by the token)
//! before it acts.

use crate::App;
use crate::auth::Caller;
use crate::error::ApiError;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use mxr_audit::OperatorVerb;
use mxr_privacy::TenantPseudonyms;
use mxr_store::quarantine::QuarantineRecord;
use serde_json::{Value, json};
use std::sync::Arc;

/// Characters of body text shown by `show`.
const PREVIEW_CHARS: usize = 2000;

/// The routes of this module.
pub(crate) fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/api/tenants/{t}/quarantine", get(list))
        .route("/api/tenants/{t}/quarantine/{id}", get(show).delete(delete))
        .route("/api/tenants/{t}/quarantine/{id}/release", post(release))
}

/// Records `verb` on `records` by the caller before anything is shown or done.
fn audit(
    app: &App,
    caller: &Caller,
    tenant: &str,
    records: &[&QuarantineRecord],
    verb: OperatorVerb,
) -> Result<(), ApiError> {
    let key = app.parts.keys.tenant(tenant).map_err(|e| ApiError::internal(&e))?;
    let pseudonyms = TenantPseudonyms::new(key.pseudonym_root());
    let subjects =
        mxr_audit::subjects_of(&pseudonyms, records.iter().flat_map(|r| std::iter::once(&r.mail_from).chain(&r.rcpts)));
    let qid = if records.len() == 1 { records[0].queue_id.as_str() } else { "" };
    let actor = caller.actor().to_string();
    app.parts.audit.record_action_by(&actor, tenant, qid, subjects, verb).map_err(|e| ApiError::internal(&e))
}

fn entry(r: &QuarantineRecord) -> Value {
    json!({"id": r.queue_id, "received": mxr_audit::record_time(r.time), "from": r.mail_from, "rcpts": r.rcpts,
        "plugin": r.plugin, "reason": r.reason, "score": r.score})
}

/// The quarantined message `id` of tenant `t`, if the caller may see it.
fn find(app: &App, caller: &Caller, t: &str, id: &str) -> Result<(String, QuarantineRecord), ApiError> {
    let tenant = caller.tenant(app, t)?;
    let q = &app.parts.quarantine;
    let missing = || ApiError::NotFound(format!("no quarantined message {id}"));
    if q.tenant_of(id).as_deref() != Some(tenant.as_str()) {
        return Err(missing());
    }
    let records = q.list(&tenant).map_err(|e| ApiError::internal(&e))?;
    let record = records.into_iter().find(|r| r.queue_id == id).ok_or_else(missing)?;
    Ok((tenant.to_string(), record))
}

async fn list(State(app): State<Arc<App>>, caller: Caller, Path(t): Path<String>) -> Result<Json<Value>, ApiError> {
    let tenant = caller.tenant(&app, &t)?;
    let mut records = app.parts.quarantine.list(&tenant).map_err(|e| ApiError::internal(&e))?;
    records.sort_by(|a, b| b.time.cmp(&a.time));
    audit(&app, &caller, &tenant, &records.iter().collect::<Vec<_>>(), OperatorVerb::QuarantineList)?;
    let subjects = records.iter().map(|r| {
        let message = app.parts.quarantine.message(&tenant, &r.queue_id).unwrap_or_default();
        let mut e = entry(r);
        e["subject"] = mxr_mail::ParsedMail::parse(&message).subject().unwrap_or_default().into();
        e
    });
    Ok(Json(json!({ "messages": subjects.collect::<Vec<_>>() })))
}

async fn show(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path((t, id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let (tenant, record) = find(&app, &caller, &t, &id)?;
    audit(&app, &caller, &tenant, &[&record], OperatorVerb::QuarantineShow)?;
    let message = app.parts.quarantine.message(&tenant, &id).map_err(|e| ApiError::internal(&e))?;
    let end = message.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(message.len().min(8192));
    let parsed = mxr_mail::ParsedMail::parse(&message);
    let mut e = entry(&record);
    e["subject"] = parsed.subject().unwrap_or_default().into();
    e["headers"] = String::from_utf8_lossy(&message[..end]).into_owned().into();
    e["text"] = parsed.text().unwrap_or_default().chars().take(PREVIEW_CHARS).collect::<String>().into();
    Ok(Json(e))
}

async fn release(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path((t, id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let (tenant, record) = find(&app, &caller, &t, &id)?;
    audit(&app, &caller, &tenant, &[&record], OperatorVerb::QuarantineRelease)?;
    let env = app.parts.quarantine.release(&id, &app.parts.spool).map_err(|e| ApiError::internal(&e))?;
    app.parts.handoff.spooled(&env.queue_id);
    Ok(Json(json!({ "released": id, "queue_id": env.queue_id })))
}

async fn delete(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path((t, id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let (tenant, record) = find(&app, &caller, &t, &id)?;
    audit(&app, &caller, &tenant, &[&record], OperatorVerb::QuarantineDelete)?;
    app.parts.quarantine.delete(&id).map_err(|e| ApiError::internal(&e))?;
    Ok(Json(json!({ "deleted": id })))
}
