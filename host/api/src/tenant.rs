//! A tenant's own state: the plugin catalogue with each plugin's data label, its
//! ordered plugin set with authorisations and tightenings, and per-plugin settings.

use crate::App;
use crate::auth::Caller;
use crate::body::JsonBody;
use crate::error::ApiError;
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;
use mxr_config::{MAX_SETTINGS_BYTES, PluginName, Tenant, TenantSource};
use mxr_privacy::{Category, Form, Grant};
use mxr_sandbox::LoadedPlugin;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The routes of this module.
pub(crate) fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/api/whoami", get(whoami))
        .route("/api/tenants/{t}/catalogue", get(catalogue))
        .route("/api/tenants/{t}/chain", get(chain).put(set_chain))
        .route("/api/tenants/{t}/settings/{plugin}", get(settings).put(set_settings).delete(clear_settings))
}

async fn whoami(caller: Caller) -> Json<Value> {
    let scope = &caller.token.scope;
    Json(json!({"token": caller.token.id, "scope": scope.to_string(), "tenant": scope.tenant().map(|t| t.as_str())}))
}

/// One category of a data label: the form the policy gives the purpose, and the form
/// the plugin gets for this tenant (never wider).
fn label(policy: &Grant, tenant: &Grant) -> Vec<Value> {
    policy
        .entries()
        .map(|(c, f)| json!({"category": c.name(), "policy": f.name(), "form": tenant.form(c).name()}))
        .collect()
}

fn plugin_entry(p: &LoadedPlugin, tenant: &Tenant) -> Value {
    let name = p.manifest.name.as_str();
    let tightened = tenant.tighten.get(name).map_or(p.grant, |t| p.grant.tighten(t));
    json!({
        "name": name,
        "version": p.manifest.version,
        "purpose": p.manifest.purpose,
        "stages": p.manifest.stage_names(),
        "loaded": true,
        "in_chain": tenant.plugins.iter().any(|n| n == name),
        "authorised": tenant.authorise.get(name),
        "runs": tenant.grant_for(name, &p.manifest.purpose, p.grant).is_ok(),
        "label": label(&p.grant, &tightened),
    })
}

async fn catalogue(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(t): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = caller.tenant(&app, &t)?;
    let state = app.parts.tenants.current();
    let tenant = state.get(&id).ok_or_else(|| ApiError::NotFound(format!("no tenant {t}")))?;
    let set = app.parts.plugins.snapshot();
    let mut plugins: Vec<Value> = set.iter().map(|p| plugin_entry(p, tenant)).collect();
    for missing in tenant.plugins.iter().filter(|n| set.get(n).is_none()) {
        plugins.push(json!({"name": missing.as_str(), "loaded": false, "in_chain": true,
            "authorised": tenant.authorise.get(missing), "runs": false, "label": []}));
    }
    Ok(Json(json!({ "plugins": plugins })))
}

/// A tenant's plugin set: the order they run in, the purpose each is authorised for,
/// and the forms it tightens.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ChainBody {
    plugins: Vec<PluginName>,
    #[serde(default)]
    authorise: BTreeMap<PluginName, String>,
    #[serde(default)]
    tighten: BTreeMap<PluginName, BTreeMap<Category, Form>>,
}

async fn chain(State(app): State<Arc<App>>, caller: Caller, Path(t): Path<String>) -> Result<Json<Value>, ApiError> {
    let id = caller.tenant(&app, &t)?;
    let f = app.parts.tenants.file(&id).ok_or_else(|| ApiError::NotFound(format!("no tenant {t}")))?;
    let body = ChainBody { plugins: f.plugins, authorise: f.authorise, tighten: f.tighten };
    Ok(Json(serde_json::to_value(body).expect("a chain encodes")))
}

async fn set_chain(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(t): Path<String>,
    JsonBody(body): JsonBody<ChainBody>,
) -> Result<Json<Value>, ApiError> {
    let id = caller.tenant(&app, &t)?;
    let mut dropped = Vec::new();
    let revision = app.parts.tenants.update(&caller.actor(), &id, |f| {
        // Settings of a plugin taken out of the chain go with it.
        dropped = f.settings.keys().filter(|p| !body.plugins.contains(p)).map(|p| p.to_string()).collect();
        f.settings.retain(|p, _| body.plugins.contains(p));
        (f.plugins, f.authorise, f.tighten) = (body.plugins, body.authorise, body.tighten);
        Ok::<(), ApiError>(())
    })?;
    Ok(Json(json!({ "revision": revision, "settings_dropped": dropped })))
}

/// The plugin `name` of tenant `id`'s chain.
fn chained(app: &App, id: &str, name: &str) -> Result<PluginName, ApiError> {
    let f = app.parts.tenants.file(id).ok_or_else(|| ApiError::NotFound(format!("no tenant {id}")))?;
    f.plugins.into_iter().find(|p| p == name).ok_or_else(|| ApiError::NotFound(format!("{name} is not in the chain")))
}

async fn settings(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path((t, plugin)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let id = caller.tenant(&app, &t)?;
    let name = chained(&app, &id, &plugin)?;
    let own = app.parts.tenants.file(&id).and_then(|f| f.settings.get(&name).cloned());
    let default = (app.parts.operator_settings)(&name);
    Ok(Json(json!({ "plugin": name.as_str(), "settings": own, "default": &*default })))
}

/// New settings text for one plugin.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SettingsBody {
    settings: String,
}

async fn set_settings(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path((t, plugin)): Path<(String, String)>,
    JsonBody(body): JsonBody<SettingsBody>,
) -> Result<Json<Value>, ApiError> {
    let id = caller.tenant(&app, &t)?;
    let name = chained(&app, &id, &plugin)?;
    if body.settings.len() > MAX_SETTINGS_BYTES {
        return Err(ApiError::bad("settings", format!("at most {MAX_SETTINGS_BYTES} bytes")));
    }
    check_settings(&app, &name, &body.settings).await?;
    let revision = app.parts.tenants.update(&caller.actor(), &id, |f| {
        f.settings.insert(name, body.settings);
        Ok::<(), ApiError>(())
    })?;
    Ok(Json(json!({ "revision": revision })))
}

/// Asks the loaded plugin `name` whether it accepts `text` (a plugin that exports
/// no check, or is not loaded now, takes any text): a refusal is a `400` on
/// `settings` with the plugin's words. The check runs in a sandbox, off the I/O
/// threads, at most [`crate::SETTINGS_CHECKS`] at once so that checks never take
/// the instances mail filtering needs.
async fn check_settings(app: &App, name: &PluginName, text: &str) -> Result<(), ApiError> {
    let Some(plugin) = app.parts.plugins.snapshot().get(name).cloned() else { return Ok(()) };
    let _turn = app.settings_checks.acquire().await.map_err(|e| ApiError::internal(&e))?;
    let text = text.to_owned();
    match tokio::task::spawn_blocking(move || plugin.check_settings(&text)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(refused)) => Err(ApiError::bad("settings", refused.to_string())),
        Err(_) => Err(ApiError::Internal),
    }
}

async fn clear_settings(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path((t, plugin)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let id = caller.tenant(&app, &t)?;
    let name = chained(&app, &id, &plugin)?;
    let revision = app.parts.tenants.update(&caller.actor(), &id, |f| {
        f.settings.remove(&name);
        Ok::<(), ApiError>(())
    })?;
    Ok(Json(json!({ "revision": revision })))
}
