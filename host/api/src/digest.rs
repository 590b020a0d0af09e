//! The quarantine digest: a tenant sets where its digest goes and how often (a change
//! to its `[tenant.digest]`, validated and audited like every change), and anyone
//! holding a digest's release link may release that one message, once (the link is
//! the credential: signed, single-use, expiring; see [`mxr_digest`]).

use crate::App;
use crate::auth::Caller;
use crate::body::{JsonBody, parse};
use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use mxr_config::ConfigError;
use mxr_config::digest::DigestFile;
use mxr_digest::DigestError;
use mxr_digest::link::LinkError;
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

/// The routes of this module.
pub(crate) fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/api/tenants/{t}/digest", get(digest).put(set_digest).delete(stop_digest))
        .route("/api/release-link", post(release))
}

async fn digest(State(app): State<Arc<App>>, caller: Caller, Path(t): Path<String>) -> Result<Json<Value>, ApiError> {
    let id = caller.tenant(&app, &t)?;
    let f = app.parts.tenants.file(&id).ok_or_else(|| ApiError::NotFound(format!("no tenant {t}")))?;
    Ok(Json(json!({ "digest": f.digest })))
}

/// `{"to": "postmaster@acme.test", "every_hours": 24}`; the body is read after the
/// tenant is known, so a foreign token learns nothing from it.
async fn set_digest(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(t): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let id = caller.tenant(&app, &t)?;
    let digest: DigestFile = parse(&body)?;
    // Named as the body names them (`to`, `every_hours`); the store checks it again.
    digest.check("digest").map_err(|e| match e {
        ConfigError::Invalid { key, problem } => ApiError::bad(key.trim_start_matches("digest."), problem),
        other => ApiError::bad("", other.to_string()),
    })?;
    let revision = app.parts.tenants.update(&caller.actor(), &id, |f| {
        f.digest = Some(digest);
        Ok::<(), ApiError>(())
    })?;
    Ok(Json(json!({ "revision": revision })))
}

async fn stop_digest(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(t): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = caller.tenant(&app, &t)?;
    let revision = app.parts.tenants.update(&caller.actor(), &id, |f| {
        f.digest = None;
        Ok::<(), ApiError>(())
    })?;
    Ok(Json(json!({ "revision": revision })))
}

/// `{"link": "<the text after #release=>"}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LinkBody {
    link: String,
}

async fn release(State(app): State<Arc<App>>, JsonBody(body): JsonBody<LinkBody>) -> Result<Json<Value>, ApiError> {
    let digests = app.parts.digests.clone().ok_or_else(|| ApiError::NotFound("no quarantine digest here".into()))?;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let released = tokio::task::spawn_blocking(move || digests.release(&body.link, now))
        .await
        .map_err(|e| ApiError::internal(&e))?;
    match released {
        Ok(queue_id) => Ok(Json(json!({ "released": queue_id }))),
        Err(e @ DigestError::Link(LinkError::Malformed | LinkError::BadSignature | LinkError::Expired)) => {
            Err(ApiError::bad("link", e.to_string()))
        }
        Err(e @ DigestError::Used) => Err(ApiError::Conflict(e.to_string())),
        Err(e @ DigestError::Gone) => Err(ApiError::NotFound(e.to_string())),
        Err(e) => Err(ApiError::internal(&e)),
    }
}
