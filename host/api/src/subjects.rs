//! Data-subject requests for the tenant's own data (agreement art. 7 and 9), the
//! same operations as `mxr subject` through `mxr-ops`: find what is held about
//! persons, export it (a zip of `mail.zip`, `manifest.json`, `audit.json` and
//! `report.txt`), erase their stored mail, and list the requests with their
//! deadlines. Every step is recorded on the request; each copy exported or erased
//! is audited before it is touched (by `mxr-ops`).

use crate::App;
use crate::auth::Caller;
use crate::body::JsonBody;
use crate::error::ApiError;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use mxr_config::TenantId;
use mxr_ops::request::{self, Request, RequestKind};
use mxr_ops::subject::{self, Findings};
use mxr_ops::{Node, OpsError};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

/// The routes of this module.
pub(crate) fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/api/tenants/{t}/subjects/find", post(find))
        .route("/api/tenants/{t}/subjects/export", post(export))
        .route("/api/tenants/{t}/subjects/erase", post(erase))
        .route("/api/tenants/{t}/subjects/requests", get(requests))
}

/// `{"addresses": [...], "request": "R-…"?, "received": "YYYY-MM-DD"?}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SubjectBody {
    /// The persons' e-mail addresses.
    addresses: Vec<String>,
    /// Continue this request; without it, a new one.
    request: Option<String>,
    /// When the controller's request arrived (a new request; default now).
    received: Option<String>,
}

/// The most a zip the API builds may hold of stored mail, in bytes (64 MiB): it is
/// built in the relay's memory. A larger export is the operator's (`mxr subject
/// export` writes files).
pub const MAX_EXPORT_BYTES: usize = 64 << 20;

/// The node the operations act on: the relay's own data dir, keys and audit log,
/// with the caller as the actor its audit records name.
fn node(app: &App, caller: &Caller) -> Node {
    let c = &app.parts.config;
    Node {
        data_dir: c.data_dir.clone(),
        region: c.region.to_string(),
        master_key: c.master_key.path.clone(),
        keys: app.parts.keys.clone(),
        log: Some(app.parts.audit.clone()),
        actor: Some(caller.actor().to_string()),
    }
}

/// An operation's error as the API answers it.
fn refused(e: OpsError) -> ApiError {
    match e {
        OpsError::BadInput { field, why } => {
            let field = match field {
                "ADDRESS" => "addresses",
                "--request" => "request",
                "--received" => "received",
                other => other,
            };
            ApiError::bad(field, why)
        }
        OpsError::UnknownTenant(t) => ApiError::NotFound(format!("nothing is held for tenant {t}")),
        e @ OpsError::TooLarge(_) => ApiError::bad("", e.to_string()),
        other => ApiError::internal(&other),
    }
}

/// Runs `step` for the body's request (opened or continued) off the I/O threads, and
/// records it on the request as `kind` with the summary it returns.
async fn run<T: Send + 'static>(
    app: &Arc<App>,
    caller: &Caller,
    tenant: TenantId,
    body: SubjectBody,
    kind: RequestKind,
    step: impl FnOnce(&Node, &TenantId, &[String], &Request) -> Result<(String, T), OpsError> + Send + 'static,
) -> Result<(T, Request), ApiError> {
    let arrived = match (&body.request, &body.received) {
        (None, Some(v)) => mxr_mail::date::parse_utc(v)
            .ok_or_else(|| ApiError::bad("received", format!("{v:?}: expected YYYY-MM-DD[THH:MM:SSZ]")))?,
        _ => mxr_ops::now(),
    };
    let node = node(app, caller);
    let done = tokio::task::spawn_blocking(move || {
        let mut r = request::for_addresses(&node, &tenant, &body.addresses, body.request.as_deref(), arrived)?;
        let (summary, out) = step(&node, &tenant, &body.addresses, &r)?;
        request::record_step(&node, &mut r, kind, summary)?;
        Ok::<_, OpsError>((out, r))
    });
    done.await.map_err(|e| ApiError::internal(&e))?.map_err(refused)
}

/// A request as JSON: its id, times and steps.
fn request_json(r: &Request) -> Value {
    let t = mxr_audit::record_time;
    let steps: Vec<Value> =
        r.steps.iter().map(|s| json!({"kind": s.kind, "done": t(s.done), "summary": s.summary})).collect();
    json!({"id": r.id, "arrived": t(r.arrived), "deadline": t(r.deadline), "on_time": r.on_time(), "steps": steps})
}

/// Findings as JSON: the stored copies naming the persons, and how many audit records.
fn findings_json(f: &Findings, r: &Request, erased: bool) -> Value {
    let mail: Vec<Value> = f
        .mail
        .iter()
        .map(|m| {
            let roles: Vec<&str> = m.roles.iter().map(|r| r.name()).collect();
            json!({"place": m.place.name(), "queue_id": m.queue_id, "stored": mxr_audit::record_time(m.stored), "roles": roles})
        })
        .collect();
    json!({"request": request_json(r), "mail": mail, "audit_records": f.audit.len(),
        "report": subject::report_text(f, r, erased)})
}

/// Finds (or, with `erase`, erases) the persons' stored mail, as one request step.
async fn findings(
    app: Arc<App>,
    caller: Caller,
    t: String,
    body: SubjectBody,
    erase: bool,
) -> Result<Json<Value>, ApiError> {
    let tenant = caller.tenant(&app, &t)?;
    let kind = if erase { RequestKind::Erase } else { RequestKind::Find };
    let (f, r) = run(&app, &caller, tenant, body, kind, move |node, tenant, addresses, _| {
        if !erase {
            let f = subject::find(node, tenant, addresses)?;
            return Ok((format!("found {} stored copies, {} audit records", f.mail.len(), f.audit.len()), f));
        }
        let f = subject::erase(node, tenant, addresses)?;
        Ok((format!("erased {} stored copies; {} audit records kept", f.mail.len(), f.audit.len()), f))
    })
    .await?;
    Ok(Json(findings_json(&f, &r, erase)))
}

async fn find(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(t): Path<String>,
    JsonBody(body): JsonBody<SubjectBody>,
) -> Result<Json<Value>, ApiError> {
    findings(app, caller, t, body, false).await
}

async fn export(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(t): Path<String>,
    JsonBody(body): JsonBody<SubjectBody>,
) -> Result<Response, ApiError> {
    let tenant = caller.tenant(&app, &t)?;
    let (zip, r) = run(&app, &caller, tenant, body, RequestKind::Export, |node, tenant, addresses, r| {
        let built = mxr_ops::export::build(node, tenant, addresses, r, Some(MAX_EXPORT_BYTES))?;
        let (copies, records) = (built.findings.mail.len(), built.findings.audit.len());
        Ok((format!("exported {copies} stored copies, {records} audit records"), built.zip()?))
    })
    .await?;
    let name = format!("attachment; filename=\"subject-{}.zip\"", r.id);
    Ok(([(header::CONTENT_TYPE, "application/zip".to_owned()), (header::CONTENT_DISPOSITION, name)], zip)
        .into_response())
}

async fn erase(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(t): Path<String>,
    JsonBody(body): JsonBody<SubjectBody>,
) -> Result<Json<Value>, ApiError> {
    findings(app, caller, t, body, true).await
}

async fn requests(State(app): State<Arc<App>>, caller: Caller, Path(t): Path<String>) -> Result<Json<Value>, ApiError> {
    let tenant = caller.tenant(&app, &t)?;
    let node = node(&app, &caller);
    let list = tokio::task::spawn_blocking(move || request::list(&node, &tenant))
        .await
        .map_err(|e| ApiError::internal(&e))?
        .map_err(refused)?;
    Ok(Json(json!({"requests": list.iter().map(request_json).collect::<Vec<_>>()})))
}
