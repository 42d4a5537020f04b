//! The Lambda entry point shared by every function's `main.rs`.

use axum::Router;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::prelude::*;

/// JSON logs for CloudWatch, at the level of [`log_filter`].
pub fn init_tracing() {
    let filter = log_filter(std::env::var("AWS_LAMBDA_LOG_LEVEL").ok(), std::env::var("RUST_LOG").ok());
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer().json().with_current_span(false).without_time(), // CloudWatch stamps each line
        )
        .with(filter)
        .init();
}

/// What the logs keep: the level Lambda's logging controls set
/// (`AWS_LAMBDA_LOG_LEVEL`: `TRACE` … `ERROR`, `FATAL` read as `ERROR`),
/// or else `RUST_LOG` as a level or `target=level` directives separated by
/// commas (`info`, `warn,gru_web=debug`), or else `info`. A `Targets`
/// filter, not tracing-subscriber's `EnvFilter`: no regex engine in the
/// package, and no span or field filters, which the functions never needed.
pub fn log_filter(lambda_level: Option<String>, rust_log: Option<String>) -> Targets {
    let level = lambda_level.as_deref().map(str::trim).filter(|level| !level.is_empty()).and_then(|level| {
        if level.eq_ignore_ascii_case("fatal") { Some(LevelFilter::ERROR) } else { level.parse().ok() }
    });
    if let Some(level) = level {
        return Targets::new().with_default(level);
    }
    rust_log
        .as_deref()
        .map(str::trim)
        .filter(|directives| !directives.is_empty())
        .and_then(|directives| directives.parse().ok())
        .unwrap_or_else(|| Targets::new().with_default(LevelFilter::INFO))
}

/// Serves `router` on the Lambda runtime, behind API Gateway HTTP API.
pub async fn run(router: Router) -> Result<(), lambda_http::Error> {
    lambda_http::run(router).await
}

#[cfg(test)]
mod tests {
    use super::log_filter;
    use tracing::Level;

    fn keeps(lambda: Option<&str>, rust_log: Option<&str>, target: &str, level: Level) -> bool {
        log_filter(lambda.map(str::to_owned), rust_log.map(str::to_owned)).would_enable(target, &level)
    }

    #[test]
    fn info_by_default() {
        assert!(keeps(None, None, "gru_web", Level::INFO));
        assert!(!keeps(None, None, "gru_web", Level::DEBUG));
        assert!(!keeps(None, Some(""), "gru_web", Level::DEBUG));
        assert!(keeps(None, Some("not a level=at all=really"), "gru_web", Level::INFO));
    }

    #[test]
    fn rust_log_as_a_level_or_directives() {
        assert!(!keeps(None, Some("warn"), "gru_web", Level::INFO));
        assert!(keeps(None, Some("warn"), "gru_web", Level::WARN));
        assert!(keeps(None, Some("warn,gru_web=debug"), "gru_web::lambda", Level::DEBUG));
        assert!(!keeps(None, Some("warn,gru_web=debug"), "hyper", Level::INFO));
    }

    #[test]
    fn lambda_log_level_wins() {
        assert!(keeps(Some("DEBUG"), Some("error"), "hyper", Level::DEBUG));
        assert!(!keeps(Some("FATAL"), Some("trace"), "hyper", Level::WARN));
        assert!(keeps(Some("FATAL"), None, "hyper", Level::ERROR));
        assert!(keeps(Some(""), Some("debug"), "hyper", Level::DEBUG), "an empty level is no level");
    }
}
