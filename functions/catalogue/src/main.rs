//! The catalogue Lambda: the same router as the all-in-one portal, on
//! DynamoDB only.

#[tokio::main]
async fn main() -> Result<(), gru_lambda::Error> {
    gru_lambda::serve(|platform| async move { Ok(catalogue::router(&platform)) }).await
}
