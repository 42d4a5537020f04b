//! The reporting Lambda: the same router as the all-in-one portal, on
//! DynamoDB, with the exports' files in S3.

use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), gru_lambda::Error> {
    gru_lambda::serve(|platform| async move {
        let files = gru_s3::S3Files::from_env().await?;
        Ok(reporting::router(&platform, Arc::new(files)))
    })
    .await
}
