//! The operator's scope: tenants (create, replace, suspend, delete), tokens, the
//! loaded plugins with their load failures, the queue, and `/metrics`.

use crate::App;
use crate::auth::{Caller, OperatorCaller};
use crate::body::JsonBody;
use crate::error::ApiError;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use mxr_config::TenantStatus;
use mxr_config::file::TenantFile;
use mxr_tenants::{Change, Scope};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The Prometheus text format 0.0.4, which `/metrics` answers in.
const METRICS_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The routes of this module.
pub(crate) fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/api/tenants", get(tenants).post(create))
        .route("/api/tenants/{t}", get(tenant).put(replace).delete(remove))
        .route("/api/tenants/{t}/suspend", post(suspend))
        .route("/api/tenants/{t}/resume", post(resume))
        .route("/api/tokens", get(tokens).post(create_token))
        .route("/api/tokens/{id}", delete(revoke_token))
        .route("/api/plugins", get(plugins))
        .route("/api/queue", get(queue))
        .route("/metrics", get(metrics))
}

async fn tenants(State(app): State<Arc<App>>, _: OperatorCaller) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!({ "tenants": *app.parts.tenants.files() })))
}

async fn create(
    State(app): State<Arc<App>>,
    OperatorCaller(caller): OperatorCaller,
    JsonBody(file): JsonBody<TenantFile>,
) -> Result<Json<Value>, ApiError> {
    let revision = app.parts.tenants.create(&caller.actor(), file)?;
    Ok(Json(json!({ "revision": revision })))
}

async fn tenant(
    State(app): State<Arc<App>>,
    OperatorCaller(caller): OperatorCaller,
    Path(t): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = caller.tenant(&app, &t)?;
    Ok(Json(serde_json::to_value(app.parts.tenants.file(&id)).expect("a tenant encodes")))
}

async fn replace(
    State(app): State<Arc<App>>,
    OperatorCaller(caller): OperatorCaller,
    Path(t): Path<String>,
    JsonBody(file): JsonBody<TenantFile>,
) -> Result<Json<Value>, ApiError> {
    let id = caller.tenant(&app, &t)?;
    if file.id != id {
        return Err(ApiError::bad("id", format!("the body is tenant {}, the path {id}", file.id)));
    }
    let revision = app.parts.tenants.apply(&caller.actor(), Change::Put(vec![file]))?;
    Ok(Json(json!({ "revision": revision })))
}

async fn remove(
    State(app): State<Arc<App>>,
    OperatorCaller(caller): OperatorCaller,
    Path(t): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = caller.tenant(&app, &t)?;
    let revision = app.parts.tenants.apply(&caller.actor(), Change::Delete(id))?;
    Ok(Json(json!({ "revision": revision })))
}

async fn set_status(app: &App, caller: &Caller, t: &str, status: TenantStatus) -> Result<Json<Value>, ApiError> {
    let id = caller.tenant(app, t)?;
    let revision = app.parts.tenants.update(&caller.actor(), &id, |f| {
        f.status = status;
        Ok::<(), ApiError>(())
    })?;
    Ok(Json(json!({ "revision": revision, "status": status })))
}

async fn suspend(
    State(app): State<Arc<App>>,
    OperatorCaller(caller): OperatorCaller,
    Path(t): Path<String>,
) -> Result<Json<Value>, ApiError> {
    set_status(&app, &caller, &t, TenantStatus::Suspended).await
}

async fn resume(
    State(app): State<Arc<App>>,
    OperatorCaller(caller): OperatorCaller,
    Path(t): Path<String>,
) -> Result<Json<Value>, ApiError> {
    set_status(&app, &caller, &t, TenantStatus::Active).await
}

async fn tokens(State(app): State<Arc<App>>, _: OperatorCaller) -> Result<Json<Value>, ApiError> {
    let tokens = app.parts.tenants.tokens().map_err(|e| ApiError::internal(&e))?;
    let list: Vec<Value> = tokens
        .iter()
        .map(|t| {
            json!({"id": t.id, "scope": t.scope.to_string(), "label": t.label,
            "created": mxr_audit::record_time(t.created), "revoked": t.revoked.map(mxr_audit::record_time)})
        })
        .collect();
    Ok(Json(json!({ "tokens": list })))
}

/// A token to make.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewTokenBody {
    /// `operator` or `tenant:<id>`.
    scope: String,
    #[serde(default)]
    label: String,
}

async fn create_token(
    State(app): State<Arc<App>>,
    OperatorCaller(caller): OperatorCaller,
    JsonBody(body): JsonBody<NewTokenBody>,
) -> Result<Json<Value>, ApiError> {
    let scope: Scope = body.scope.parse().map_err(|e: String| ApiError::bad("scope", e))?;
    let made = app.parts.tenants.create_token(&caller.actor(), scope, &body.label).map_err(|e| match e {
        mxr_tenants::ApplyError::NoSuchTenant(t) => ApiError::bad("scope", format!("no tenant {t}")),
        other => other.into(),
    })?;
    Ok(Json(json!({ "id": made.record.id, "scope": made.record.scope.to_string(), "secret": made.secret })))
}

async fn revoke_token(
    State(app): State<Arc<App>>,
    OperatorCaller(caller): OperatorCaller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    match app.parts.tenants.revoke_token(&caller.actor(), &id)? {
        Some(_) => Ok(Json(json!({ "revoked": id }))),
        None => Err(ApiError::NotFound(format!("no token {id}"))),
    }
}

async fn plugins(State(app): State<Arc<App>>, _: OperatorCaller) -> Result<Json<Value>, ApiError> {
    let set = app.parts.plugins.snapshot();
    let loaded: Vec<Value> = set
        .iter()
        .map(|p| {
            let s = p.stats.snapshot();
            json!({"name": p.manifest.name, "version": p.manifest.version, "purpose": p.manifest.purpose,
                "sha256": p.identity.sha256, "file": p.path.display().to_string(), "calls": s.calls})
        })
        .collect();
    let refused: Vec<Value> = app
        .parts
        .plugins
        .refused_files()
        .into_iter()
        .map(|(f, why)| json!({"file": f.display().to_string(), "error": why}))
        .collect();
    Ok(Json(json!({ "generation": set.generation, "loaded": loaded, "refused": refused })))
}

async fn queue(State(app): State<Arc<App>>, _: OperatorCaller) -> Result<Json<Value>, ApiError> {
    let spool = app.parts.spool.clone();
    let entries = tokio::task::spawn_blocking(move || spool.entries()).await.map_err(|e| ApiError::internal(&e))?;
    let now = mxr_audit::now();
    let mut by_tenant: BTreeMap<&str, usize> = BTreeMap::new();
    for (env, _) in &entries {
        *by_tenant.entry(env.tenant.as_str()).or_default() += 1;
    }
    let oldest = entries.iter().map(|(e, _)| now.saturating_sub(e.received)).max();
    let bytes: usize = entries.iter().map(|(_, size)| size).sum();
    Ok(Json(json!({ "waiting": entries.len(), "bytes": bytes, "oldest_secs": oldest, "by_tenant": by_tenant })))
}

async fn metrics(State(app): State<Arc<App>>, _: OperatorCaller) -> Result<impl IntoResponse, ApiError> {
    let render = app.parts.metrics.as_ref().ok_or_else(|| ApiError::NotFound("this relay keeps no metrics".into()))?;
    Ok(([(axum::http::header::CONTENT_TYPE, METRICS_CONTENT_TYPE)], render()))
}
