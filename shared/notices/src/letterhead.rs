//! The city's name on every email: a [`Mailer`] that sends each email from
//! the city's sender name and signs it with the city's signature
//! (`[emails]` of its `city.toml`), whichever function composed it.

use async_trait::async_trait;
use gru_ports::{Email, Mailer, MailerError, Store};
use gru_records::catalogue::CatalogueRepository;
use std::sync::Arc;

/// Wraps the deployment's mailer (SES, the outbox folder).
pub struct Letterhead {
    mailer: Arc<dyn Mailer>,
    catalogue: CatalogueRepository,
}

impl Letterhead {
    /// `mailer`, with the city profile read from `store` at each send: one
    /// read per email, and a city re-imported signs the next one.
    pub fn around(mailer: Arc<dyn Mailer>, store: Arc<dyn Store>) -> Arc<dyn Mailer> {
        Arc::new(Self { mailer, catalogue: CatalogueRepository::new(store) })
    }
}

#[async_trait]
impl Mailer for Letterhead {
    async fn send(&self, email: &Email) -> Result<String, MailerError> {
        // An email the city cannot sign waits (the outbox retries) rather
        // than going out in nobody's name.
        let city =
            self.catalogue.imported_city().await.map_err(|error| {
                MailerError::Backend(format!("the city's profile cannot be read: {error}"))
            })?;
        self.mailer.send(&email.signed(city.sender_name(), city.signature())).await
    }
}
