//! The Mailer contract.

use crate::mailer::*;
use async_trait::async_trait;
use std::sync::Arc;

/// A mailer under test and a way to see what it delivered.
#[async_trait]
pub trait MailerFixture: Send + Sync {
    fn mailer(&self) -> Arc<dyn Mailer>;
    /// Every message delivered so far, as MIME bytes where the backend keeps
    /// them, or as placeholders where it only counts them.
    async fn delivered(&self) -> Vec<Vec<u8>>;
}

/// Expands to one test per Mailer behaviour; `$make` is an async expression
/// giving a fresh `Arc<dyn MailerFixture>`.
#[macro_export]
macro_rules! mailer_contract {
    ($make:expr) => {
        $crate::mailer_contract!(@tests $make;
            a_sent_email_is_delivered_once,
            an_invalid_recipient_is_refused_and_nothing_is_sent,
        );
    };
    (@tests $make:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                let fixture: std::sync::Arc<dyn $crate::contract::mailer::MailerFixture> = $make;
                $crate::contract::mailer::$name(fixture).await;
            }
        )*
    };
}

fn email(to: &str) -> Email {
    Email {
        to: to.into(),
        subject: "Votre demande d'acte de naissance".into(),
        text: "Bonjour,\nVotre demande est enregistrée.".into(),
        html: Some("<p>Bonjour,</p><p>Votre demande est enregistrée.</p>".into()),
        attachments: Vec::new(),
        from_name: None,
    }
}

pub async fn a_sent_email_is_delivered_once(fixture: Arc<dyn MailerFixture>) {
    let before = fixture.delivered().await.len();
    let id = fixture.mailer().send(&email("camille.martin@example.org")).await.unwrap();
    assert!(!id.is_empty(), "the backend gives a message id");
    let after = fixture.delivered().await;
    assert_eq!(after.len(), before + 1, "exactly one more message delivered");
}

pub async fn an_invalid_recipient_is_refused_and_nothing_is_sent(fixture: Arc<dyn MailerFixture>) {
    let before = fixture.delivered().await.len();
    let result = fixture.mailer().send(&email("not an address\r\nBcc: x@example.org")).await;
    assert!(matches!(result, Err(MailerError::InvalidAddress(_))), "got {result:?}");
    assert_eq!(fixture.delivered().await.len(), before);
}
