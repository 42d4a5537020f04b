//! The notifier Lambda: the outbox's delivery and the scheduled housekeeping
//! on DynamoDB, SES and S3 (the files of drafts purged unsubmitted). Clients
//! are built once per process, outside the handler.

use lambda_runtime::{LambdaEvent, service_fn};
use notifier::Notifier;
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    gru_web::lambda::init_tracing();
    let store = gru_dynamodb::DynamoStore::from_env().await?;
    let mailer = gru_ses::SesMailer::from_env().await?;
    let files = gru_s3::S3Files::from_env().await?;
    // The purge warnings link to the draft on the site.
    let public_url = std::env::var("PUBLIC_URL").map_err(|_| "PUBLIC_URL is not set")?;
    let mut app = submissions::App::new(
        Arc::new(store),
        Arc::new(mailer),
        Arc::new(files),
        Arc::new(gru_ports::SystemClock),
        public_url.trim_end_matches('/').to_owned(),
    );
    app.drafts = submissions::DraftPolicy::from_env()?;
    let notifier = Arc::new(Notifier::new(app));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<serde_json::Value>| {
        let notifier = notifier.clone();
        async move { notifier.handle(event.payload).await.map_err(lambda_runtime::Error::from) }
    }))
    .await
}
