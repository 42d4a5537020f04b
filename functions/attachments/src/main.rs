//! The attachments Lambda: the same router as the all-in-one portal, on
//! DynamoDB and S3, with GuardDuty Malware Protection's verdicts read from
//! the objects' tags. Clients are built once per process, outside the handler.

use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    gru_web::lambda::init_tracing();
    let store = gru_dynamodb::DynamoStore::from_env().await?;
    let files = gru_s3::S3Files::from_env().await?;
    let scanner = files.scanner();
    let app = attachments::App {
        store: Arc::new(store),
        files: Arc::new(files),
        scanner: Some(Arc::new(scanner)),
        clock: Arc::new(gru_ports::SystemClock),
    };
    gru_web::lambda::run(attachments::router(app)).await
}
