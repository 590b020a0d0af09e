//! A JSON body whose errors name the field (`plugins[1]`), for every endpoint that
//! takes one; at most [`MAX_BODY`] bytes.

use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

/// The largest body any endpoint takes, in bytes (1 MiB).
pub const MAX_BODY: usize = 1 << 20;

/// A body of type `T`, decided at deserialisation (unknown fields refused).
pub struct JsonBody<T>(pub T);

/// Parses `bytes` as `T`, naming the field at fault.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        // A map key that is one of a closed set reads `tighten.x.?`: name its table.
        let field = e.path().to_string().trim_end_matches(".?").to_owned();
        let field = if field == "." { String::new() } else { field };
        ApiError::bad(field, e.into_inner().to_string())
    })?;
    de.end().map_err(|e| ApiError::bad("", e.to_string()))?;
    Ok(value)
}

/// Parses `bytes` as every body an endpoint takes, as the endpoints do (for the fuzz
/// target `api_bodies`): each one taken, or refused with the field at fault, which is
/// empty or a path (`plugins[1]`) into the body.
#[doc(hidden)]
pub fn parse_every_body(bytes: &[u8]) -> Vec<Result<(), ApiError>> {
    fn one<T: DeserializeOwned>(bytes: &[u8]) -> Result<(), ApiError> {
        parse::<T>(bytes).map(drop)
    }
    vec![
        one::<crate::tenant::ChainBody>(bytes),
        one::<crate::tenant::SettingsBody>(bytes),
        one::<crate::digest::LinkBody>(bytes),
        one::<mxr_config::digest::DigestFile>(bytes),
        one::<crate::operator::NewTokenBody>(bytes),
        one::<crate::subjects::SubjectBody>(bytes),
        one::<mxr_config::file::TenantFile>(bytes),
    ]
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| ApiError::bad("", e.body_text()))?;
        if bytes.len() > MAX_BODY {
            return Err(ApiError::bad("", format!("the body is over {MAX_BODY} bytes")));
        }
        parse(&bytes).map(JsonBody)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Chain {
        plugins: Vec<mxr_config::PluginName>,
    }

    #[test]
    fn errors_name_the_field() {
        let cases = [
            (r#"{"plugins": ["ok", "Not Ok"]}"#, "plugins[1]", "is not a plugin name"),
            (r#"{"plugins": "x"}"#, "plugins", "invalid type"),
            (r#"{"plugin": []}"#, "plugin", "unknown field `plugin`"),
            (r#"{"plugins": []} trailing"#, "", "trailing characters"),
            ("", "", "EOF"),
        ];
        for (body, field, says) in cases {
            let Err(ApiError::BadRequest { field: got, error }) = parse::<Chain>(body.as_bytes()) else {
                panic!("{body} was taken")
            };
            assert_eq!(got, field, "{body}");
            assert!(error.contains(says), "{body}: {error}");
        }
        assert_eq!(parse::<Chain>(br#"{"plugins": ["a", "b"]}"#).unwrap().plugins.len(), 2);
    }

    #[test]
    fn every_body_is_parsed_and_a_refusal_names_a_field_of_the_body() {
        let answers = parse_every_body(br#"{"addresses": ["a@b.test"], "plugins": ["x"]}"#);
        assert_eq!(answers.len(), 7);
        for a in answers {
            if let Err(ApiError::BadRequest { field, .. }) = a {
                assert!(field.is_empty() || field == "plugins" || field == "addresses", "{field}");
            }
        }
        let taken = parse_every_body(br#"{"addresses": ["a@b.test"]}"#);
        assert!(taken[5].is_ok(), "a subject body is taken: {:?}", taken[5]);
    }
}
