//! The customer console: a static page and its script and style, embedded in the
//! binary (no build step). It calls the JSON API with the token the customer signs
//! in with.

use crate::App;
use axum::Router;
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use axum::response::IntoResponse;
use axum::routing::get;
use std::sync::Arc;

const PAGE: &str = include_str!("../console/index.html");
const SCRIPT: &str = include_str!("../console/console.js");
const SUBJECTS: &str = include_str!("../console/subjects.js");
const STYLE: &str = include_str!("../console/console.css");

/// Only the page's own files and the API: no inline script, nothing from elsewhere.
const POLICY: &str =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'";

fn file(kind: &'static str, body: &'static str) -> impl IntoResponse {
    ([(CONTENT_TYPE, kind), (CONTENT_SECURITY_POLICY, POLICY), (CACHE_CONTROL, "no-cache")], body)
}

/// The routes of this module.
pub(crate) fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/", get(|| async { file("text/html; charset=utf-8", PAGE) }))
        .route("/console.js", get(|| async { file("text/javascript; charset=utf-8", SCRIPT) }))
        .route("/subjects.js", get(|| async { file("text/javascript; charset=utf-8", SUBJECTS) }))
        .route("/console.css", get(|| async { file("text/css; charset=utf-8", STYLE) }))
}
