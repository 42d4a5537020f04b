//! The submissions Lambda: the same router as the all-in-one portal, on
//! DynamoDB, SES and S3 (to delete the files a case leaves behind). Clients
//! are built once per process, outside the handler.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    gru_web::lambda::init_tracing();
    let app = submissions::App::from_env().await?;
    gru_web::lambda::run(submissions::router(app)).await
}
