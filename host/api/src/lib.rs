//! The HTTP API, the customer console and `/metrics`, on their own listener.
//!
//! Two scopes of bearer token ([`mxr_tenants::Scope`]): the operator's sees and changes
//! everything; a tenant's sees and changes only its own tenant, and any other tenant
//! is answered as if it did not exist. Every change goes through
//! [`mxr_tenants::Tenants`] (validated, audited, applied live). Every call that shows
//! or acts on personal data is audited before it acts. Requests are rate-limited per
//! token. A body that does not parse gets a `400` whose JSON names the field, and
//! changes nothing.

#![deny(missing_docs)]

mod auth;
mod body;
mod console;
mod digest;
mod error;
mod history;
mod history_index;
mod https;
mod openapi;
mod operator;
mod quarantine;
mod subjects;
mod tenant;

pub use body::parse_every_body;
pub use error::ApiError;
pub use openapi::{Access, ROUTES};

use axum::Router;
use mxr_audit::AuditLog;
use mxr_config::Config;
use mxr_sandbox::PluginRegistry;
use mxr_store::keys::KeyStore;
use mxr_store::quarantine::Quarantine;
use mxr_store::spool::{Handoff, Spool};
use mxr_tenants::Tenants;
use std::sync::Arc;

/// Renders the relay's metrics in the Prometheus text format.
pub type MetricsRender = Arc<dyn Fn() -> String + Send + Sync>;

/// The operator's settings text for a plugin in force now (a reload changes it).
pub type OperatorSettings = Arc<dyn Fn(&str) -> Arc<str> + Send + Sync>;

/// What the API works on: handles on the relay's parts, nothing more.
pub struct ApiParts {
    /// Server settings (the data dir, limits) as the relay started with them.
    pub config: Arc<Config>,
    /// The operator's default settings per plugin, as the last reload left them.
    pub operator_settings: OperatorSettings,
    /// The live tenant state and the tokens.
    pub tenants: Arc<Tenants>,
    /// The loaded plugins (the catalogue).
    pub plugins: Arc<PluginRegistry>,
    /// Tenant keys (the pseudonyms a history search matches by).
    pub keys: Arc<KeyStore>,
    /// Where looks at personal data are recorded, and history is read from.
    pub audit: Arc<AuditLog>,
    /// The queue's files.
    pub spool: Arc<Spool>,
    /// The quarantine.
    pub quarantine: Quarantine,
    /// Told of released mail, so that delivery starts at once.
    pub handoff: Arc<dyn Handoff>,
    /// `/metrics`, when the relay keeps metrics.
    pub metrics: Option<MetricsRender>,
    /// The quarantine digest, whose release links `/api/release-link` takes.
    pub digests: Option<Arc<mxr_digest::Digests>>,
}

/// The API's shared state: the parts and the per-token rate limits.
pub(crate) struct App {
    pub(crate) parts: ApiParts,
    pub(crate) limits: auth::RateLimits,
    /// Message history, read from the audit log as it grows.
    pub(crate) history: Arc<history_index::HistoryIndex>,
    /// Plugin settings checks running at once ([`SETTINGS_CHECKS`]): each takes a
    /// sandbox instance from the pool that mail filtering uses.
    pub(crate) settings_checks: tokio::sync::Semaphore,
}

/// Settings checks the API runs at once, for all tenants together.
pub const SETTINGS_CHECKS: usize = 2;

/// The whole API, console and `/metrics`; `per_minute` requests per token (a
/// token over it gets `429` until the minute is over).
pub fn router(parts: ApiParts, per_minute: u32) -> Router {
    let log = mxr_audit::dir(&parts.config.data_dir).join("log");
    let history = Arc::new(history_index::HistoryIndex::new(log));
    let settings_checks = tokio::sync::Semaphore::new(SETTINGS_CHECKS);
    let app = Arc::new(App { parts, limits: auth::RateLimits::new(per_minute), history, settings_checks });
    Router::new()
        .merge(console::routes())
        .merge(openapi::routes())
        .merge(tenant::routes())
        .merge(quarantine::routes())
        .merge(history::routes())
        .merge(subjects::routes())
        .merge(digest::routes())
        .merge(operator::routes())
        .fallback(|| async { ApiError::NotFound("no such endpoint".into()) })
        .with_state(app)
}

/// Serves `router` on `listener` until `shutdown` completes: over HTTPS with the
/// certificate `tls` holds at each handshake, or plain HTTP when `tls` is `None`.
pub async fn serve(
    listener: tokio::net::TcpListener,
    tls: Option<Arc<mxr_tls::LiveTls>>,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    match tls {
        Some(tls) => {
            let listener = https::TlsListener::new(listener, tls)?;
            axum::serve(listener, router).with_graceful_shutdown(shutdown).await
        }
        None => axum::serve(listener, router).with_graceful_shutdown(shutdown).await,
    }
}
