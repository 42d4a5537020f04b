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

/// Like `axum::Json`, but every rejection is a problem document: a wrong
/// content type is 415, malformed JSON is 400 with the line and column, and a
/// value of the wrong shape (or an unknown field, for types that deny them)
/// is 400 naming the field's path.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> axum::extract::FromRequest<S> for Json<T> {
    type Rejection = Problem;

    async fn from_request(request: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = request
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
        if !is_json {
            return Err(Problem::new(
                axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Type de contenu non pris en charge",
                "Envoyez du JSON avec l'en-tête Content-Type: application/json.",
            ));
        }
        let body = axum::body::Bytes::from_request(request, state).await.map_err(|rejection| {
            if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                crate::layers::body_too_large()
            } else {
                Problem::bad_request("unreadable-body", "Le contenu de la requête n'a pas pu être lu.")
            }
        })?;
        parse_json(&body).map(Json)
    }
}

/// Parses a JSON body with the same errors as the [`Json`] extractor.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, Problem> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut deserializer);
    if value.is_ok()
        && let Err(trailing) = deserializer.end()
    {
        return Err(malformed(&trailing));
    }
    value.map_err(|error| {
        let inner = error.inner();
        if inner.is_syntax() || inner.is_eof() {
            return malformed(inner);
        }
        let path = error.path().to_string();
        let message = inner.to_string();
        let (field, message) = match message.strip_prefix("unknown field `") {
            // The path already ends with the unknown field's name.
            Some(_) => (path, "Champ inconnu.".to_owned()),
            None if message.starts_with("missing field `") => {
                let name = message.split('`').nth(1).unwrap_or_default();
                let field = if path == "." { name.to_owned() } else { format!("{path}.{name}") };
                (field, "Ajoutez ce champ à la requête.".to_owned())
            }
            None => (path, "Valeur invalide.".to_owned()),
        };
        Problem::bad_request("invalid-body", "Le contenu de la requête est invalide.")
            .with_field(&field, message)
    })
}

fn malformed(error: &serde_json::Error) -> Problem {
    Problem::bad_request(
        "malformed-json",
        format!("Le contenu n'est pas du JSON valide (ligne {}, colonne {}).", error.line(), error.column()),
    )
}

/// The `Idempotency-Key` header, when the client sent one: 1 to 100
/// visible ASCII characters, else 400 `invalid-header` naming it. A request
/// sent again with the same key gets the first answer.
pub struct IdempotencyKey(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Problem> {
        let Some(value) = parts.headers.get("idempotency-key") else { return Ok(Self(None)) };
        let key = value.to_str().unwrap_or_default();
        if key.is_empty() || key.len() > 100 || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Problem::bad_request("invalid-header", "L'en-tête Idempotency-Key est invalide.")
                .with_field("Idempotency-Key", "De 1 à 100 caractères ASCII visibles."));
        }
        Ok(Self(Some(key.to_owned())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        inner: Option<Inner>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        count: u32,
    }

    fn field_of(body: &str) -> (String, String) {
        let problem = parse_json::<Body>(body.as_bytes()).unwrap_err();
        let error = problem
            .errors
            .first()
            .cloned()
            .unwrap_or(crate::FieldError { field: String::new(), message: problem.detail.clone() });
        (problem.kind, error.field)
    }

    #[test]
    fn json_errors_name_the_field() {
        assert_eq!(field_of("{\"name\":").0, "urn:gru:problem:malformed-json");
        assert_eq!(field_of("{\"name\": \"a\"} trailing").0, "urn:gru:problem:malformed-json");
        assert_eq!(field_of("{}"), ("urn:gru:problem:invalid-body".into(), "name".into()));
        assert_eq!(field_of("{\"name\":\"a\",\"x\":1}").1, "x");
        assert_eq!(field_of("{\"name\":\"a\",\"inner\":{\"count\":-1}}").1, "inner.count");
        assert_eq!(field_of("{\"name\":\"a\",\"inner\":{\"count\":1,\"y\":2}}").1, "inner.y");
        assert!(parse_json::<Body>(b"{\"name\":\"a\"}").is_ok());
    }
}
