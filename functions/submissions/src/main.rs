//! The submissions Lambda: the same router as the all-in-one portal, on
//! DynamoDB, SES (the one-time codes) and S3 (to delete the files a case
//! leaves behind).

use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), gru_lambda::Error> {
    gru_lambda::serve(|platform| async move {
        let mailer = gru_ses::SesMailer::from_env().await?;
        let files = gru_s3::S3Files::from_env().await?;
        Ok(submissions::router(&platform, Arc::new(mailer), Arc::new(files)))
    })
    .await
}
