//! The notifier Lambda: the outbox's delivery and the scheduled housekeeping
//! on DynamoDB, SES and S3 (the bytes of the files whose records are gone).
//! Clients are built once per process, outside the handler.

use gru_notices::drafts::Housekeeping;
use gru_notices::letterhead::Letterhead;
use lambda_runtime::{LambdaEvent, service_fn};
use notifier::Notifier;
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    gru_web::lambda::init_tracing();
    let platform = gru_lambda::platform_from_env().await?;
    let mailer = Letterhead::around(Arc::new(gru_ses::SesMailer::from_env().await?), platform.store.clone());
    let housekeeping = Housekeeping { platform, mailer };
    let files = Arc::new(gru_s3::S3Files::from_env().await?);
    let notifier = Arc::new(Notifier::new(housekeeping, files));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<serde_json::Value>| {
        let notifier = notifier.clone();
        async move { notifier.handle(event.payload).await.map_err(lambda_runtime::Error::from) }
    }))
    .await
}
