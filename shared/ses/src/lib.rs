//! SES adapter of the [`Mailer`] port.
//!
//! The message is rendered by [`Email::to_mime`], the same bytes the embedded
//! adapter writes to its outbox, and sent as is with `SendRawEmail`.

use async_trait::async_trait;
use aws_sdk_ses::Client;
use aws_sdk_ses::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_ses::primitives::Blob;
use aws_sdk_ses::types::RawMessage;
use gru_ports::mailer::{Email, Mailer, MailerError};

/// The [`Mailer`] port on Amazon SES, sending from one verified identity.
#[derive(Debug, Clone)]
pub struct SesMailer {
    client: Client,
    from: String,
}

impl SesMailer {
    /// A mailer sending from `from` (an address or `Name <address>`, whose
    /// address or domain SES has verified), through a configured client.
    pub fn new(client: Client, from: impl Into<String>) -> Self {
        Self { client, from: from.into() }
    }

    /// A mailer sending from `MAIL_FROM`, configured by
    /// [`gru_aws::sdk_config_from_env`]. Call it once per process, outside
    /// the handler.
    pub async fn from_env() -> Result<Self, MailerError> {
        let from = std::env::var("MAIL_FROM")
            .map_err(|_| MailerError::Backend("la variable MAIL_FROM n'est pas définie".into()))?;
        let config = gru_aws::sdk_config_from_env().map_err(MailerError::Backend)?;
        Ok(Self::new(Client::new(&config), from))
    }
}

#[async_trait]
impl Mailer for SesMailer {
    async fn send(&self, email: &Email) -> Result<String, MailerError> {
        // Rendering parses both addresses, so an invalid one (or a header
        // injection attempt) is refused here, before SES is called.
        let mime = email.to_mime(&self.from)?;
        let message = RawMessage::builder()
            .data(Blob::new(mime))
            .build()
            .map_err(|_| MailerError::Backend("SendRawEmail: the message could not be built".into()))?;
        // No explicit destinations: SES takes them from the message's only
        // recipient header, `To`, which holds the one validated recipient.
        let output = self
            .client
            .send_raw_email()
            .source(&self.from)
            .raw_message(message)
            .send()
            .await
            .map_err(|e| backend(&e))?;
        Ok(output.message_id().to_owned())
    }
}

/// A short, data-free description of an SDK error: the error code, never the
/// service's message (which may quote addresses).
fn backend<E: ProvideErrorMetadata, R>(error: &SdkError<E, R>) -> MailerError {
    let cause = match error {
        SdkError::ServiceError(_) => error.code().unwrap_or("unidentified service error"),
        SdkError::TimeoutError(_) => "timeout",
        SdkError::DispatchFailure(_) => "could not reach the service",
        SdkError::ResponseError(_) => "unreadable response",
        SdkError::ConstructionFailure(_) => "request could not be built",
        _ => "unknown error",
    };
    MailerError::Backend(format!("SendRawEmail: {cause}"))
}
