//! The booking Lambda: the same router as the all-in-one portal, on DynamoDB
//! only (its emails leave through the outbox in the table, delivered by the
//! notifier).

#[tokio::main]
async fn main() -> Result<(), gru_lambda::Error> {
    gru_lambda::serve(|platform| async move { Ok(booking::router(&platform)) }).await
}
