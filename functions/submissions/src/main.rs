//! The submissions Lambda: the same router as the all-in-one portal, on
//! DynamoDB, SES and S3 (to delete the files a case leaves behind). Clients
//! are built once per process, outside the handler.

use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    gru_web::lambda::init_tracing();
    let store = gru_dynamodb::DynamoStore::from_env().await?;
    let mailer = gru_ses::SesMailer::from_env().await?;
    let files = gru_s3::S3Files::from_env().await?;
    let public_url = std::env::var("PUBLIC_URL").map_err(|_| "PUBLIC_URL is not set")?;
    let mut app = submissions::App::new(
        Arc::new(store),
        Arc::new(mailer),
        Arc::new(files),
        Arc::new(gru_ports::SystemClock),
        public_url.trim_end_matches('/').to_owned(),
    );
    app.drafts = submissions::DraftPolicy::from_env()?;
    app.audit_keep = gru_web::audit::keep_from_env()?;
    gru_web::lambda::run(submissions::router(app)).await
}
