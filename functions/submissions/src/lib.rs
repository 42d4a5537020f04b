//! The submissions function (being built; see docs/requests.md).

use axum::Router;

/// The URL prefix this function owns (one API Gateway route).
pub const PREFIX: &str = "/api/submissions";

/// The function's routes under [`PREFIX`].
pub fn router() -> Router {
    gru_web::mount(PREFIX, Router::new())
}
