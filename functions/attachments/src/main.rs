//! The attachments Lambda: the same router as the all-in-one portal, on
//! DynamoDB and S3, with GuardDuty Malware Protection's verdicts read from
//! the objects' tags.

use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), gru_lambda::Error> {
    gru_lambda::serve(|platform| async move {
        let files = gru_s3::S3Files::from_env().await?;
        let scanner = files.scanner();
        Ok(attachments::router(&platform, Arc::new(files), Some(Arc::new(scanner))))
    })
    .await
}
