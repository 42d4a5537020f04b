//! The entry point every function's Lambda shares. A `main.rs` says only
//! which router it serves and which other AWS clients that router needs:
//!
//! ```ignore
//! #[tokio::main]
//! async fn main() -> Result<(), gru_lambda::Error> {
//!     gru_lambda::serve(|platform| async move { Ok(tracking::router(&platform)) }).await
//! }
//! ```
//!
//! Clients are built once per process, outside the handler.

use axum::Router;
use gru_web::{Platform, Settings};
use std::future::Future;
use std::sync::Arc;

/// What a Lambda's start can fail on (a missing setting, an AWS client).
pub type Error = lambda_http::Error;

/// The platform on AWS: the table (`TABLE_NAME`), the system clock and the
/// settings of [`Settings::from_env`].
pub async fn platform_from_env() -> Result<Platform, Error> {
    let store = gru_dynamodb::DynamoStore::from_env().await?;
    let settings = Settings::from_env()?;
    Ok(Platform::new(Arc::new(store), Arc::new(gru_ports::SystemClock), settings))
}

/// Starts the JSON logs, builds the platform and the router `build` makes
/// of it, and serves it behind API Gateway HTTP API.
pub async fn serve<F, R>(build: F) -> Result<(), Error>
where
    F: FnOnce(Platform) -> R,
    R: Future<Output = Result<Router, Error>>,
{
    gru_web::lambda::init_tracing();
    let router = build(platform_from_env().await?).await?;
    lambda_http::run(router).await
}
