//! The submissions function (being built; see docs/requests.md).

use axum::Router;
use gru_ports::{Clock, Mailer, Store};
use std::sync::Arc;

/// The URL prefix this function owns (one API Gateway route).
pub const PREFIX: &str = "/api/submissions";

/// What the function needs, chosen by its entry point (the Lambda's
/// `main.rs` or the all-in-one portal).
#[derive(Clone)]
pub struct App {
    pub store: Arc<dyn Store>,
    pub mailer: Arc<dyn Mailer>,
    pub clock: Arc<dyn Clock>,
    /// Where citizens reach the site (links in emails), without a trailing slash.
    pub public_url: String,
}

/// The function's routes under [`PREFIX`].
pub fn router(_app: App) -> Router {
    gru_web::mount(PREFIX, Router::new())
}
