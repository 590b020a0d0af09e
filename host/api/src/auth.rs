//! Who is calling: the bearer token, looked up by its hash; its scope decides which
//! tenants it may name. Each token has its own request budget per minute.

use crate::App;
use crate::error::ApiError;
use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use mxr_config::TenantId;
use mxr_tenants::{Actor, Scope, TokenRecord};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A budget window.
const WINDOW: Duration = Duration::from_secs(60);

/// Requests per token per minute.
pub(crate) struct RateLimits {
    per_minute: u32,
    /// Token id → (start of its window, requests in it).
    windows: Mutex<HashMap<String, (Instant, u32)>>,
}

impl RateLimits {
    pub(crate) fn new(per_minute: u32) -> RateLimits {
        RateLimits { per_minute, windows: Mutex::default() }
    }

    /// Counts a request of `token`; the seconds to wait when it is over its budget.
    fn take(&self, token: &str) -> Result<(), u64> {
        let now = Instant::now();
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        windows.retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
        let (start, count) = windows.entry(token.to_owned()).or_insert((now, 0));
        if *count >= self.per_minute {
            return Err((WINDOW.saturating_sub(now.duration_since(*start))).as_secs().max(1));
        }
        *count += 1;
        Ok(())
    }
}

/// An authenticated caller.
pub(crate) struct Caller {
    pub(crate) token: TokenRecord,
}

impl Caller {
    /// The caller as the audit log names it.
    pub(crate) fn actor(&self) -> Actor {
        Actor::Token { id: self.token.id.clone(), scope: self.token.scope.clone() }
    }

    /// The tenant `t`, if this caller may act on it: the operator on any tenant that
    /// exists, a tenant token on its own only. Anything else is "no tenant", so that a
    /// foreign token learns nothing, not even whether the tenant exists.
    pub(crate) fn tenant(&self, app: &App, t: &str) -> Result<TenantId, ApiError> {
        let missing = || ApiError::NotFound(format!("no tenant {t}"));
        let id = TenantId::try_from(t).map_err(|_| missing())?;
        match &self.token.scope {
            Scope::Tenant(own) if *own != id => Err(missing()),
            _ if app.parts.tenants.file(&id).is_none() => Err(missing()),
            _ => Ok(id),
        }
    }

    /// Refuses tenant tokens.
    pub(crate) fn operator(&self) -> Result<(), ApiError> {
        match self.token.scope {
            Scope::Operator => Ok(()),
            Scope::Tenant(_) => Err(ApiError::OperatorOnly),
        }
    }
}

/// The token of a request, authenticated and within its budget.
async fn authenticate(parts: &Parts, app: &App) -> Result<Caller, ApiError> {
    let header = parts.headers.get(axum::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    let secret = header.and_then(|h| h.strip_prefix("Bearer ")).map(str::trim).ok_or(ApiError::Unauthorized)?;
    let found = app.parts.tenants.authenticate(secret).map_err(|e| ApiError::internal(&e))?;
    let token = found.ok_or(ApiError::Unauthorized)?;
    app.limits.take(&token.id).map_err(ApiError::TooMany)?;
    Ok(Caller { token })
}

impl FromRequestParts<Arc<App>> for Caller {
    type Rejection = ApiError;

    /// Authenticates, and when the path names a tenant (`{t}`), checks the token may
    /// act on it, before any body is read: a foreign token learns nothing, not even
    /// whether its body would have been valid.
    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Caller, ApiError> {
        let caller = authenticate(parts, app).await?;
        let params =
            RawPathParams::from_request_parts(parts, app).await.map_err(|e| ApiError::bad("", e.body_text()))?;
        if let Some((_, t)) = params.iter().find(|(name, _)| *name == "t") {
            caller.tenant(app, t)?;
        }
        Ok(caller)
    }
}

/// A caller with the operator's scope; a tenant token gets `403` whatever it names.
pub(crate) struct OperatorCaller(pub(crate) Caller);

impl FromRequestParts<Arc<App>> for OperatorCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<OperatorCaller, ApiError> {
        let caller = authenticate(parts, app).await?;
        caller.operator()?;
        Ok(OperatorCaller(caller))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_token_has_its_own_budget() {
        let limits = RateLimits::new(3);
        for _ in 0..3 {
            limits.take("a").unwrap();
        }
        let wait = limits.take("a").unwrap_err();
        assert!((1..=60).contains(&wait), "{wait}");
        limits.take("b").expect("another token is not held back");
    }
}
