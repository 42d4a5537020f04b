//! The booking Lambda: the same router as the all-in-one portal, on
//! DynamoDB (emails leave through the outbox, delivered by the notifier,
//! which also sends the reminders). The client is built once per process.

use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    gru_web::lambda::init_tracing();
    let store = gru_dynamodb::DynamoStore::from_env().await?;
    let public_url = std::env::var("PUBLIC_URL").map_err(|_| "PUBLIC_URL is not set")?;
    let mut app = booking::App::new(
        Arc::new(store),
        Arc::new(gru_ports::SystemClock),
        public_url.trim_end_matches('/').to_owned(),
    );
    app.audit_keep = gru_web::audit::keep_from_env()?;
    gru_web::lambda::run(booking::router(app)).await
}
