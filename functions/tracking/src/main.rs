//! The tracking Lambda: the same router as the all-in-one portal, on
//! DynamoDB. Clients are built once per process, outside the handler.
//! `AUDIT_KEEP_DAYS` sets how long audit entries are kept (a year unless set).

use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    gru_web::lambda::init_tracing();
    let store = gru_dynamodb::DynamoStore::from_env().await?;
    let public_url = std::env::var("PUBLIC_URL").map_err(|_| "PUBLIC_URL is not set")?;
    let mut app = tracking::App::new(
        Arc::new(store),
        Arc::new(gru_ports::SystemClock),
        public_url.trim_end_matches('/').to_owned(),
    );
    app.audit_keep = gru_web::audit::keep_from_env()?;
    gru_web::lambda::run(tracking::router(app)).await
}
