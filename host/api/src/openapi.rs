//! Every endpoint in one table, and the OpenAPI description made from it (served at
//! `/api/openapi.json`, no token needed). The tests walk the same table, so an
//! endpoint added here without a foreign-token test fails the suite.

use crate::App;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Who may call an endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone (the description, the console's files).
    Public,
    /// Any valid token: what it returns depends on the token (`whoami`).
    Token,
    /// The operator, or the token of the tenant named in the path.
    Tenant,
    /// The operator only.
    Operator,
    /// Anyone holding a signed link, which the body carries (no token).
    Link,
}

/// (method, path, access, summary) of every endpoint.
pub const ROUTES: &[(&str, &str, Access, &str)] = &[
    ("get", "/api/openapi.json", Access::Public, "This description"),
    ("get", "/api/whoami", Access::Token, "The calling token: its id, scope and tenant"),
    ("get", "/api/tenants/{t}/catalogue", Access::Tenant, "Loaded plugins with their data labels for the tenant"),
    ("get", "/api/tenants/{t}/chain", Access::Tenant, "The tenant's ordered plugin set, authorisations, tightenings"),
    ("put", "/api/tenants/{t}/chain", Access::Tenant, "Replace the plugin set, authorisations and tightenings"),
    ("get", "/api/tenants/{t}/settings/{plugin}", Access::Tenant, "The tenant's settings for a plugin"),
    ("put", "/api/tenants/{t}/settings/{plugin}", Access::Tenant, "Set the tenant's settings for a plugin"),
    ("delete", "/api/tenants/{t}/settings/{plugin}", Access::Tenant, "Fall back to the operator's default settings"),
    ("get", "/api/tenants/{t}/quarantine", Access::Tenant, "Quarantined mail (audited)"),
    ("get", "/api/tenants/{t}/quarantine/{id}", Access::Tenant, "One quarantined message (audited)"),
    ("post", "/api/tenants/{t}/quarantine/{id}/release", Access::Tenant, "Release it for delivery (audited)"),
    ("delete", "/api/tenants/{t}/quarantine/{id}", Access::Tenant, "Delete it (audited)"),
    ("get", "/api/tenants/{t}/history", Access::Tenant, "Message history; ?subject=<address> searches (audited)"),
    (
        "post",
        "/api/tenants/{t}/subjects/find",
        Access::Tenant,
        "A data-subject request: what is held about {addresses}",
    ),
    (
        "post",
        "/api/tenants/{t}/subjects/export",
        Access::Tenant,
        "Export it as a zip: mail.zip, manifest.json, audit.json, report.txt (audited)",
    ),
    (
        "post",
        "/api/tenants/{t}/subjects/erase",
        Access::Tenant,
        "Erase their stored mail; audit records stay (audited)",
    ),
    (
        "get",
        "/api/tenants/{t}/subjects/requests",
        Access::Tenant,
        "Data-subject requests: arrival, 3-working-day deadline, steps",
    ),
    ("get", "/api/tenants/{t}/digest", Access::Tenant, "Where the quarantine digest goes, and how often"),
    ("put", "/api/tenants/{t}/digest", Access::Tenant, "Set the quarantine digest: {to, every_hours}"),
    ("delete", "/api/tenants/{t}/digest", Access::Tenant, "Stop the quarantine digest"),
    ("post", "/api/release-link", Access::Link, "Release one message with a digest's link, once (audited)"),
    ("get", "/api/tenants", Access::Operator, "Every tenant"),
    ("post", "/api/tenants", Access::Operator, "Create a tenant"),
    ("get", "/api/tenants/{t}", Access::Operator, "One tenant as stored"),
    ("put", "/api/tenants/{t}", Access::Operator, "Replace a tenant"),
    ("delete", "/api/tenants/{t}", Access::Operator, "Delete a tenant"),
    ("post", "/api/tenants/{t}/suspend", Access::Operator, "Suspend: its mail gets 450 4.7.1"),
    ("post", "/api/tenants/{t}/resume", Access::Operator, "Resume a suspended tenant"),
    ("get", "/api/tokens", Access::Operator, "Every token (never a secret)"),
    ("post", "/api/tokens", Access::Operator, "Make a token; its secret is shown once"),
    ("delete", "/api/tokens/{id}", Access::Operator, "Revoke a token"),
    ("get", "/api/plugins", Access::Operator, "Loaded plugins and files refused"),
    ("get", "/api/queue", Access::Operator, "What waits for delivery"),
    ("get", "/metrics", Access::Operator, "Prometheus metrics"),
];

/// The OpenAPI 3.1 description of [`ROUTES`].
pub fn description() -> Value {
    let mut paths: BTreeMap<&str, serde_json::Map<String, Value>> = BTreeMap::new();
    for (method, path, access, summary) in ROUTES {
        let params: Vec<Value> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
            .map(|p| json!({"name": p, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        let mut op = json!({"summary": summary, "parameters": params, "responses": {
            "200": {"description": "OK"}, "400": {"$ref": "#/components/responses/Error"},
            "401": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"},
            "429": {"$ref": "#/components/responses/Error"}}});
        if matches!(access, Access::Public | Access::Link) {
            op["security"] = json!([]);
        }
        op["x-mxr-scope"] = format!("{access:?}").to_lowercase().into();
        paths.entry(path).or_default().insert((*method).to_owned(), op);
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": "mxr", "version": env!("CARGO_PKG_VERSION"),
            "description": "The relay's control plane. Tenant tokens see only their own tenant."},
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": {"Error": {"description": "Refused; nothing changed", "content": {"application/json": {"schema": {
                "type": "object", "required": ["error"],
                "properties": {"error": {"type": "string"}, "field": {"type": "string"}}}}}}}
        }
    })
}

/// The routes of this module.
pub(crate) fn routes() -> Router<Arc<App>> {
    Router::new().route("/api/openapi.json", get(|| async { Json(description()) }))
}
