//! The accounts Lambda: the same router as the all-in-one portal, on
//! DynamoDB and SES. Clients are built once per process, outside the handler.

use gru_ports::SystemClock;
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    gru_web::lambda::init_tracing();
    let store = gru_dynamodb::DynamoStore::from_env().await?;
    let mailer = gru_ses::SesMailer::from_env().await?;
    let public_url = std::env::var("PUBLIC_URL").map_err(|_| "PUBLIC_URL is not set")?;
    let app = accounts::App {
        store: Arc::new(store),
        mailer: Arc::new(mailer),
        clock: Arc::new(SystemClock),
        public_url: public_url.trim_end_matches('/').to_owned(),
        audit_keep: gru_web::audit::keep_from_env()?,
    };
    gru_web::lambda::run(accounts::router(app)).await
}
