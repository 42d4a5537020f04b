//! The Mailer port: sends one email. Both adapters send the same MIME
//! message, rendered once by [`Email::to_mime`].

use async_trait::async_trait;
use lettre::message::{Mailbox, MultiPart, SinglePart, header::ContentType};

/// An email to one recipient. Serializable, so the outbox can keep it in
/// the store until it is delivered.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum MailerError {
    /// The address is kept for the caller, never printed: it is personal data.
    #[error("email address is not valid")]
    InvalidAddress(String),
    #[error("mail backend error: {0}")]
    Backend(String),
}

impl Email {
    /// Renders the message as RFC 5322 bytes (an `.eml` file).
    pub fn to_mime(&self, from: &str) -> Result<Vec<u8>, MailerError> {
        let from: Mailbox = from.parse().map_err(|_| MailerError::InvalidAddress(from.to_owned()))?;
        let to: Mailbox = self.to.parse().map_err(|_| MailerError::InvalidAddress(self.to.clone()))?;
        let builder = lettre::Message::builder().from(from).to(to).subject(&self.subject);
        let text = SinglePart::builder().header(ContentType::TEXT_PLAIN).body(self.text.clone());
        let message = match &self.html {
            Some(html) => builder.multipart(
                MultiPart::alternative()
                    .singlepart(text)
                    .singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(html.clone())),
            ),
            None => builder.singlepart(text),
        }
        .map_err(|e| MailerError::Backend(e.to_string()))?;
        Ok(message.formatted())
    }
}

/// The Mailer port.
#[async_trait]
pub trait Mailer: Send + Sync {
    /// Sends the email and returns the message id given by the backend.
    async fn send(&self, email: &Email) -> Result<String, MailerError>;
}
