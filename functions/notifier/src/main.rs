//! The notifier Lambda: the outbox's delivery and the scheduled housekeeping
//! on DynamoDB, SES and S3 (the files of drafts purged unsubmitted). Clients
//! are built once per process, outside the handler.

use lambda_runtime::{LambdaEvent, service_fn};
use notifier::Notifier;
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    gru_web::lambda::init_tracing();
    // The same App as the submissions Lambda's: the purge warnings link to
    // the draft on the site, and the files of purged drafts are deleted.
    let app = submissions::App::from_env().await?;
    let notifier = Arc::new(Notifier::new(app));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<serde_json::Value>| {
        let notifier = notifier.clone();
        async move { notifier.handle(event.payload).await.map_err(lambda_runtime::Error::from) }
    }))
    .await
}
