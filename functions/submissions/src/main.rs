//! The submissions Lambda: the same router as the all-in-one portal, on
//! DynamoDB and SES (the one-time codes). The bytes of the files a case
//! leaves behind are deleted by the notifier (queued with their records).

use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), gru_lambda::Error> {
    gru_lambda::serve(|platform| async move {
        let mailer = gru_ses::SesMailer::from_env().await?;
        let mailer = gru_notices::letterhead::Letterhead::around(Arc::new(mailer), platform.store.clone());
        Ok(submissions::router(&platform, mailer))
    })
    .await
}
