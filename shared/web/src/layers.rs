//! The layers every function router gets, in both deployments.

use crate::cache::NO_STORE;
use crate::problem::{Problem, method_not_allowed, no_route};
use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use std::time::Duration;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// Request bodies above this are refused with 413 (a function may lower it).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Mounts a function's routes under its URL prefix with the shared
/// behaviour: problem documents for unknown paths and methods and for
/// oversized bodies, a body limit, the CSRF header on state-changing
/// methods, `Cache-Control: no-store, private` on every answer that does not
/// set its own (only the public catalogue's [`crate::CachedJson`] does), and
/// a request log that holds the route template, status and latency only (no
/// query string, no IP address, no personal data). The fallbacks live inside
/// the prefix, so the all-in-one portal can merge every function's router
/// with its own.
pub fn mount(prefix: &str, routes: Router) -> Router {
    let routes = routes
        .fallback(no_route)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn(problem_for_bare_errors))
        .layer(middleware::from_fn(require_csrf_header));
    mount_as_is(prefix, routes)
}

/// Nests routes that speak another standard's formats (Open311) under
/// `prefix`: the body limit, `no-store` unless said otherwise and the
/// request log of [`mount`], without its problem documents (the routes
/// carry their own errors and fallbacks) nor its CSRF header check (no
/// cookie is read under such a prefix: a key in the request authenticates).
pub fn mount_as_is(prefix: &str, routes: Router) -> Router {
    let routes = routes
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        // Personal unless said otherwise: a route cannot forget it.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static(NO_STORE),
        ))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request| {
                    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", |p| p.as_str());
                    tracing::info_span!("request", method = %request.method(), route)
                })
                .on_response(|response: &Response, latency: Duration, _: &tracing::Span| {
                    tracing::info!(
                        status = response.status().as_u16(),
                        latency_ms = latency.as_millis() as u64,
                        "answered"
                    );
                }),
        );
    Router::new().nest(prefix, routes)
}

/// Turns the plain-text errors axum's own layers produce (e.g. 413 from the
/// body limit) into problem documents, so clients see one error format.
async fn problem_for_bare_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let is_problem = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if is_problem || !(response.status().is_client_error() || response.status().is_server_error()) {
        return response;
    }
    match response.status() {
        StatusCode::PAYLOAD_TOO_LARGE => body_too_large().into_response(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Type de contenu non pris en charge",
            "Envoyez du JSON avec l'en-tête Content-Type: application/json.",
        )
        .into_response(),
        status => Problem::new(status, "http-error", french_title(status), "La requête n'a pas pu aboutir.")
            .into_response(),
    }
}

/// The title of a problem for a bare HTTP status, in French as every
/// problem's (`canonical_reason` is English).
fn french_title(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "Requête invalide",
        404 => "Introuvable",
        405 => "Méthode non autorisée",
        408 => "Délai dépassé",
        413 => "Contenu trop volumineux",
        414 => "Adresse trop longue",
        415 => "Type de contenu non pris en charge",
        429 => "Trop de demandes",
        431 => "En-têtes trop volumineux",
        500 => "Erreur interne",
        503 => "Service indisponible",
        _ => "Erreur",
    }
}

/// The answer for a body over [`MAX_BODY_BYTES`].
pub fn body_too_large() -> Problem {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "body-too-large",
        "Contenu trop volumineux",
        format!("Le contenu envoyé dépasse la taille permise ({MAX_BODY_BYTES} octets)."),
    )
}

/// The header every state-changing request must carry, with the value
/// [`CSRF_VALUE`]. A cross-site HTML form cannot set it, and a cross-site
/// `fetch` that sets it needs a CORS preflight the API never grants: this is
/// the CSRF protection of cookie sessions.
pub const CSRF_HEADER: &str = "x-gru-csrf";

/// The one value of [`CSRF_HEADER`] accepted (docs/api.md).
pub const CSRF_VALUE: &str = "1";

async fn require_csrf_header(request: Request, next: Next) -> Response {
    use axum::http::Method;
    let safe = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe || request.headers().get(CSRF_HEADER).is_some_and(|v| v.as_bytes() == CSRF_VALUE.as_bytes()) {
        return next.run(request).await;
    }
    Problem::new(
        StatusCode::FORBIDDEN,
        "csrf",
        "Requête refusée",
        "Cette requête doit porter l'en-tête X-GRU-CSRF: 1 (protection contre la falsification de requête).",
    )
    .into_response()
}
