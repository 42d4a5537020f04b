//! The Mailer port: sends one email. Both adapters send the same MIME
//! message, rendered once by [`Email::to_mime`].

use async_trait::async_trait;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart, header::ContentType};

/// An email to one recipient. Serializable, so the outbox can keep it in
/// the store until it is delivered.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
    /// Files joined to the message (an appointment's `.ics`); emails kept
    /// by an outbox before attachments existed read as none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<EmailAttachment>,
    /// The sender's name as the recipient's mail client shows it (the
    /// city's); the address stays the mailer's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_name: Option<String>,
}

/// Where an email's text is signed: written by the code that composes the
/// email, replaced by the city's signature just before sending.
pub const SIGNATURE: &str = "{signature}";

/// A text file joined to an email.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EmailAttachment {
    /// As the recipient's mail client shows it: `rendez-vous.ics`.
    pub filename: String,
    /// The full MIME type, parameters included:
    /// `text/calendar; charset=UTF-8; method=REQUEST`.
    pub content_type: String,
    pub content: String,
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
    /// A plain-text email, without HTML nor attachments.
    pub fn new(to: impl Into<String>, subject: impl Into<String>, text: impl Into<String>) -> Self {
        Email {
            to: to.into(),
            subject: subject.into(),
            text: text.into(),
            html: None,
            attachments: Vec::new(),
            from_name: None,
        }
    }

    /// This email from `sender_name`, its last [`SIGNATURE`] replaced by
    /// `signature`. Only the last: the text before it may quote what a
    /// citizen wrote, and their `{signature}` stays as they wrote it.
    pub fn signed(&self, sender_name: &str, signature: &str) -> Email {
        let mut email = self.clone();
        if let Some(at) = email.text.rfind(SIGNATURE) {
            email.text.replace_range(at..at + SIGNATURE.len(), signature);
        }
        email.from_name = Some(sender_name.to_owned());
        email
    }

    /// Renders the message as RFC 5322 bytes (an `.eml` file): the text
    /// (and its HTML alternative), then, when there are attachments, each
    /// of them in a multipart/mixed message.
    pub fn to_mime(&self, from: &str) -> Result<Vec<u8>, MailerError> {
        let mut from: Mailbox = from.parse().map_err(|_| MailerError::InvalidAddress(from.to_owned()))?;
        if let Some(name) = &self.from_name {
            // One line of text: a name is never a header of its own.
            from.name = Some(name.chars().filter(|c| !c.is_control()).collect());
        }
        let to: Mailbox = self.to.parse().map_err(|_| MailerError::InvalidAddress(self.to.clone()))?;
        let builder = lettre::Message::builder().from(from).to(to).subject(&self.subject);
        let text = SinglePart::builder().header(ContentType::TEXT_PLAIN).body(self.text.clone());
        let body = self.html.as_ref().map(|html| {
            MultiPart::alternative()
                .singlepart(text.clone())
                .singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(html.clone()))
        });
        let message = if self.attachments.is_empty() {
            match body {
                Some(alternative) => builder.multipart(alternative),
                None => builder.singlepart(text),
            }
        } else {
            let mut mixed = match body {
                Some(alternative) => MultiPart::mixed().multipart(alternative),
                None => MultiPart::mixed().singlepart(text),
            };
            for attachment in &self.attachments {
                let content_type = ContentType::parse(&attachment.content_type).map_err(|e| {
                    MailerError::Backend(format!("attachment type « {} »: {e}", attachment.content_type))
                })?;
                mixed = mixed.singlepart(
                    Attachment::new(attachment.filename.clone())
                        .body(attachment.content.clone(), content_type),
                );
            }
            builder.multipart(mixed)
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

#[cfg(test)]
mod tests {
    use super::*;

    const ICS: &str = "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nSUMMARY:Dépôt d'un dossier\r\nEND:VCALENDAR\r\n";

    fn with_ics() -> Email {
        Email {
            attachments: vec![EmailAttachment {
                filename: "rendez-vous.ics".into(),
                content_type: "text/calendar; charset=UTF-8; method=REQUEST".into(),
                content: ICS.into(),
            }],
            ..Email::new("citoyen@example.org", "Votre rendez-vous", "Bonjour,\n")
        }
    }

    #[test]
    fn a_signed_email_comes_from_the_city_and_ends_with_its_signature() {
        let email = Email::new(
            "citoyen@example.org",
            "Objet",
            "Vous avez écrit : {signature}\n\nCordialement,\n{signature}\n",
        );
        let signed = email.signed("Ville de Belleval-sur-Loire", "Ville de Belleval");
        assert_eq!(signed.text, "Vous avez écrit : {signature}\n\nCordialement,\nVille de Belleval\n");
        let mime = String::from_utf8(signed.to_mime("ne-pas-repondre@belleval.example").unwrap()).unwrap();
        assert!(
            mime.contains("From: \"Ville de Belleval-sur-Loire\" <ne-pas-repondre@belleval.example>"),
            "{mime}"
        );

        let hostile = email.signed("Ville\r\nBcc: x@example.org", "Ville");
        let mime = String::from_utf8(hostile.to_mime("ne-pas-repondre@belleval.example").unwrap()).unwrap();
        assert!(!mime.contains("\nBcc:"), "no header injected: {mime}");
    }

    #[test]
    fn an_email_with_an_ics_is_multipart_mixed_with_a_calendar_part() {
        let mime = String::from_utf8(with_ics().to_mime("mairie@example.org").unwrap()).unwrap();
        assert!(mime.contains("Content-Type: multipart/mixed;"), "{mime}");
        assert!(mime.contains("Content-Type: text/plain; charset=utf-8"), "{mime}");
        // The MIME library writes the charset in lower case.
        assert!(mime.contains("Content-Type: text/calendar; charset=utf-8; method=REQUEST"), "{mime}");
        assert!(mime.contains("Content-Disposition: attachment; filename=\"rendez-vous.ics\""), "{mime}");
        let calendar = mime.find("text/calendar").unwrap();
        assert!(mime.find("text/plain").unwrap() < calendar, "the text comes first");

        let mut html = with_ics();
        html.html = Some("<p>Bonjour,</p>".into());
        let mime = String::from_utf8(html.to_mime("mairie@example.org").unwrap()).unwrap();
        assert!(mime.contains("multipart/mixed") && mime.contains("multipart/alternative"), "{mime}");
        assert!(mime.contains("text/html") && mime.contains("method=REQUEST"), "{mime}");
    }

    #[test]
    fn an_email_without_attachments_stays_as_it_was() {
        let mime = String::from_utf8(Email::new("a@example.org", "s", "t").to_mime("b@example.org").unwrap())
            .unwrap();
        assert!(!mime.contains("multipart"), "{mime}");
        let mut bad = with_ics();
        bad.attachments[0].content_type = "pas un type".into();
        assert!(matches!(bad.to_mime("b@example.org"), Err(MailerError::Backend(_))));
    }

    #[test]
    fn attachments_are_left_out_of_the_json_when_there_are_none() {
        let json = serde_json::to_value(Email::new("a@example.org", "s", "t")).unwrap();
        assert!(json.get("attachments").is_none(), "{json}");
        let old: Email = serde_json::from_str(r#"{"to":"a@example.org","subject":"s","text":"t"}"#).unwrap();
        assert!(old.attachments.is_empty());
        let email = with_ics();
        let back: Email = serde_json::from_value(serde_json::to_value(&email).unwrap()).unwrap();
        assert_eq!(back, email);
    }
}
