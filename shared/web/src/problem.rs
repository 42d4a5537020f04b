//! Errors as `application/problem+json` (RFC 9457): a stable `type`, a
//! human `detail` in French, and per-field errors for form validation.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// One field at fault, named as the client sent it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// An error response. Build one with the constructors; `kind` becomes the
/// stable `type` URN (`urn:gru:problem:<kind>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Seconds before the client may try again, sent as the `Retry-After`
    /// header (with 429 and 503), not in the document.
    #[serde(skip)]
    pub retry_after: Option<u64>,
}

impl Problem {
    pub fn new(status: StatusCode, kind: &str, title: &str, detail: impl Into<String>) -> Self {
        Self {
            kind: format!("urn:gru:problem:{kind}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            errors: Vec::new(),
            retry_after: None,
        }
    }

    pub fn with_field(mut self, field: &str, message: impl Into<String>) -> Self {
        self.errors.push(FieldError { field: field.to_owned(), message: message.into() });
        self
    }

    /// Tells the client how many seconds to wait before trying again.
    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", "Introuvable", detail)
    }

    pub fn bad_request(kind: &str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, kind, "Requête invalide", detail)
    }

    /// Input that is well formed but breaks a rule (a field's constraint).
    pub fn unprocessable(kind: &str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, kind, "Requête refusée", detail)
    }

    /// 422 `validation` naming every field at fault.
    pub fn invalid(errors: Vec<FieldError>) -> Self {
        Self {
            errors,
            ..Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation",
                "Données invalides",
                "Certains champs sont invalides : corrigez-les, puis réessayez.",
            )
        }
    }

    /// A failure of ours: the detail stays generic, the cause goes to the log.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Erreur interne",
            "Une erreur est survenue de notre côté. Réessayez dans quelques instants.",
        )
    }

    pub fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.status_code();
        let retry_after = self.retry_after;
        let mut response = (status, Json(self)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(crate::cache::NO_STORE));
        if let Some(seconds) = retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// The answer for a path no route owns.
pub async fn no_route() -> Problem {
    Problem::not_found("Cette adresse ne correspond à aucune ressource.")
}

/// The answer for a method a route does not accept.
pub async fn method_not_allowed() -> Problem {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
        "Méthode non autorisée",
        "Cette ressource n'accepte pas cette méthode.",
    )
}

/// A store failure the handler did not expect: ours, never the client's.
impl From<gru_ports::StoreError> for Problem {
    fn from(error: gru_ports::StoreError) -> Self {
        Problem::internal(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_rfc9457_with_field_errors() {
        let problem = Problem::bad_request("invalid-query", "Paramètre invalide.")
            .with_field("cursor", "Curseur inconnu.");
        let json = serde_json::to_value(&problem).unwrap();
        assert_eq!(json["type"], "urn:gru:problem:invalid-query");
        assert_eq!(json["status"], 400);
        assert_eq!(json["errors"][0]["field"], "cursor");
        let response = problem.into_response();
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/problem+json");
        assert!(!response.headers().contains_key(header::RETRY_AFTER));
    }

    #[test]
    fn retry_after_is_a_header_not_a_member() {
        let problem =
            Problem::new(StatusCode::TOO_MANY_REQUESTS, "rate-limited", "Trop de demandes", "Attendez.")
                .with_retry_after(90);
        assert!(serde_json::to_value(&problem).unwrap().get("retry_after").is_none());
        let response = problem.into_response();
        assert_eq!(response.headers()[header::RETRY_AFTER], "90");
    }
}
