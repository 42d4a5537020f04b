//! Extractors whose rejections are problem documents naming the field.

use crate::problem::Problem;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// Like `axum::extract::Query`, but a bad parameter is a 400 problem that
/// names it, and unknown parameters are refused.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(deserializer).map(Query).map_err(|error| {
            let path = error.path().to_string();
            let (field, message) = if path == "." {
                (unknown_field(error.inner()), "Paramètre inconnu.")
            } else {
                (path, "Valeur invalide.")
            };
            Problem::bad_request("invalid-query", "Un paramètre de la requête est invalide.")
                .with_field(&field, message)
        })
    }
}

/// serde reports an unknown field at the root; pull its name out of the
/// message so the client still learns which parameter is wrong.
fn unknown_field(error: &serde_urlencoded::de::Error) -> String {
    let message = error.to_string();
    message.split('`').nth(1).unwrap_or("query").to_owned()
}
