//! The Open311 Lambda: the same router as the all-in-one portal, on
//! DynamoDB only (the confirmation email leaves through the outbox).

#[tokio::main]
async fn main() -> Result<(), gru_lambda::Error> {
    gru_lambda::serve(|platform| async move { Ok(open311::router(&platform)) }).await
}
