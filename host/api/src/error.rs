//! The API's errors, each one status and a JSON body `{"error": ..., "field": ...}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use mxr_config::ConfigError;
use mxr_tenants::ApplyError;

/// Why a request was refused. Nothing changed in any case.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No token, or one that is unknown or revoked: `401`.
    #[error("a valid bearer token is needed")]
    Unauthorized,
    /// A tenant token on an operator endpoint: `403`.
    #[error("operator scope needed")]
    OperatorOnly,
    /// Nothing there, or nothing this token may see: `404`.
    #[error("{0}")]
    NotFound(String),
    /// The body or a parameter is wrong: `400`, naming the field.
    #[error("{error}")]
    BadRequest {
        /// The field at fault (`plugins[1]`), empty when it is the whole body.
        field: String,
        /// What is wrong with it.
        error: String,
    },
    /// It exists already: `409`.
    #[error("{0}")]
    Conflict(String),
    /// Too many requests with this token this minute: `429`.
    #[error("too many requests with this token; retry in {0} s")]
    TooMany(u64),
    /// The relay could not do it: `500` (the cause is logged, not shown).
    #[error("internal error")]
    Internal,
}

impl ApiError {
    /// A `400` for `field`.
    pub fn bad(field: impl Into<String>, error: impl Into<String>) -> ApiError {
        ApiError::BadRequest { field: field.into(), error: error.into() }
    }

    /// Logs `e` and answers `500`.
    pub fn internal(e: &dyn std::fmt::Display) -> ApiError {
        tracing::error!(error = %e, "API request failed");
        ApiError::Internal
    }

    fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::OperatorOnly => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = serde_json::json!({ "error": self.to_string() });
        if let ApiError::BadRequest { field, .. } = &self
            && !field.is_empty()
        {
            body["field"] = field.clone().into();
        }
        let mut response = (self.status(), axum::Json(body)).into_response();
        if let ApiError::TooMany(secs) = self {
            response.headers_mut().insert("retry-after", secs.into());
        }
        if matches!(self, ApiError::Unauthorized) {
            response.headers_mut().insert("www-authenticate", axum::http::HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl From<ApplyError> for ApiError {
    /// A rule the change breaks names its field as the body has it: `tenant.domains[0]`
    /// becomes `domains[0]`.
    fn from(e: ApplyError) -> ApiError {
        match e {
            ApplyError::Invalid(ConfigError::Invalid { key, problem }) => {
                let field = key.strip_prefix("tenant.").map_or(key.clone(), str::to_owned);
                ApiError::bad(field, problem)
            }
            ApplyError::Invalid(other) => ApiError::bad("", other.to_string()),
            ApplyError::NoSuchTenant(id) => ApiError::NotFound(format!("no tenant {id}")),
            ApplyError::Exists(id) => ApiError::Conflict(format!("tenant {id} exists already")),
            other => ApiError::internal(&other),
        }
    }
}
