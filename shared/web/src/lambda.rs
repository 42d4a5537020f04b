//! The Lambda entry point shared by every function's `main.rs`.

use axum::Router;

/// JSON logs for CloudWatch, level from `RUST_LOG` (default `info`).
pub fn init_tracing() {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_current_span(false)
        .without_time() // CloudWatch stamps each line
        .init();
}

/// Serves `router` on the Lambda runtime, behind API Gateway HTTP API.
pub async fn run(router: Router) -> Result<(), lambda_http::Error> {
    lambda_http::run(router).await
}
