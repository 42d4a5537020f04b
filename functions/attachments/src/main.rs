//! The attachments Lambda: the same router as the all-in-one portal, on
//! DynamoDB and S3, with GuardDuty Malware Protection's verdicts read from
//! the objects' tags. Clients are built once per process, outside the handler.
//! `AUDIT_KEEP_DAYS` sets how long audit entries are kept (a year unless set).

use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    gru_web::lambda::init_tracing();
    let store = gru_dynamodb::DynamoStore::from_env().await?;
    let files = gru_s3::S3Files::from_env().await?;
    let scanner = files.scanner();
    let mut app = attachments::App::new(
        Arc::new(store),
        Arc::new(files),
        Some(Arc::new(scanner)),
        Arc::new(gru_ports::SystemClock),
    );
    app.audit_keep = gru_web::audit::keep_from_env()?;
    gru_web::lambda::run(attachments::router(app)).await
}
