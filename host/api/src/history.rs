//! Message history, from the audit log: per copy its time, outcome, the deciding
//! plugin (and its reason while the copy is held in quarantine), score and tags, and
//! which plugin saw which categories in which form. A
//! search by address matches the tenant's keyed pseudonym of it, so no raw address is
//! ever stored for it; the search itself is audited.

use crate::App;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::history_index::Copy;
use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use mxr_audit::OperatorVerb;
use mxr_privacy::TenantPseudonyms;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Copies shown without `limit`.
const DEFAULT_LIMIT: usize = 100;

/// The routes of this module.
pub(crate) fn routes() -> Router<Arc<App>> {
    Router::new().route("/api/tenants/{t}/history", get(history))
}

/// `?subject=<address>&limit=<n>`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Search {
    subject: Option<String>,
    limit: Option<usize>,
}

async fn history(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(t): Path<String>,
    Query(search): Query<Search>,
) -> Result<Json<Value>, ApiError> {
    let tenant = caller.tenant(&app, &t)?;
    let subject = match search.subject.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(address) => {
            let key = app.parts.keys.tenant(&tenant).map_err(|e| ApiError::internal(&e))?;
            let token = TenantPseudonyms::new(key.pseudonym_root()).audit_subject(address);
            let actor = caller.actor().to_string();
            let verb = OperatorVerb::HistorySearch;
            app.parts
                .audit
                .record_action_by(&actor, &tenant, "", vec![token.clone()], verb)
                .map_err(|e| ApiError::internal(&e))?;
            Some(token)
        }
        None => None,
    };
    let limit = search.limit.unwrap_or(DEFAULT_LIMIT);
    let (index, id) = (app.history.clone(), tenant.to_string());
    let list = tokio::task::spawn_blocking(move || index.copies(&id, subject.as_deref(), limit))
        .await
        .map_err(|e| ApiError::internal(&e))?
        .map_err(|e| ApiError::internal(&e))?;
    let reasons = held_reasons(&app, &tenant, &list).await?;
    let out: Vec<Value> = list
        .into_iter()
        .map(|(qid, c)| {
            let mut v = c.outcome.unwrap_or_else(|| json!({"outcome": "in progress"}));
            v["reason"] = reasons.get(&qid).cloned().into();
            v["queue_id"] = qid.into();
            v["time"] = mxr_audit::record_time(c.time).into();
            v["disclosures"] = c.disclosures.into();
            v
        })
        .collect();
    Ok(Json(json!({ "copies": out })))
}

/// The deciding plugin's reason for each listed copy still held in quarantine, from
/// its sealed quarantine record. The audit log keeps no reason text (a plugin's words
/// may carry what it was shown), so a copy no longer held shows none.
async fn held_reasons(
    app: &Arc<App>,
    tenant: &mxr_config::TenantId,
    list: &[(String, Copy)],
) -> Result<BTreeMap<String, String>, ApiError> {
    let held = |c: &Copy| c.outcome.as_ref().is_some_and(|o| o["outcome"] == "quarantined");
    if !list.iter().any(|(_, c)| held(c)) {
        return Ok(BTreeMap::new());
    }
    let (quarantine, tenant) = (app.parts.quarantine.clone(), tenant.to_string());
    let records = tokio::task::spawn_blocking(move || quarantine.list(&tenant))
        .await
        .map_err(|e| ApiError::internal(&e))?
        .map_err(|e| ApiError::internal(&e))?;
    Ok(records.into_iter().map(|r| (r.queue_id, r.reason)).collect())
}
