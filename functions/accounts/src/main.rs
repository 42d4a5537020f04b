//! The accounts Lambda: the same router as the all-in-one portal, on
//! DynamoDB and SES.

use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), gru_lambda::Error> {
    gru_lambda::serve(|platform| async move {
        let mailer = gru_ses::SesMailer::from_env().await?;
        let mailer = gru_notices::letterhead::Letterhead::around(Arc::new(mailer), platform.store.clone());
        Ok(accounts::router(&platform, mailer))
    })
    .await
}
