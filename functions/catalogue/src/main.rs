//! The catalogue Lambda: the same router as the all-in-one portal, on
//! DynamoDB. Clients are built once per process, outside the handler.

use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    gru_web::lambda::init_tracing();
    let store = gru_dynamodb::DynamoStore::from_env().await?;
    let repository = catalogue::CatalogueRepository::new(Arc::new(store));
    gru_web::lambda::run(catalogue::router(repository)).await
}
