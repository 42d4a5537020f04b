//! The confirmation a citizen receives when a request is received, however
//! it came (online, recorded by an agent, sent by an Open311 app), with the
//! private tracking link.

use gru_outbox::OutboxError;
use gru_ports::mailer::SIGNATURE;
use gru_ports::{Email, TransactOp};
use jiff::Timestamp;

/// The link a request's tracking `token` opens on the site at `public_url`.
pub fn tracking_url(public_url: &str, token: &str) -> String {
    format!("{public_url}/suivi.html#{token}")
}

/// The confirmation of a received request.
pub fn confirmation(to: &str, reference: &str, service_title: &str, tracking_url: &str) -> Email {
    Email {
        to: to.to_owned(),
        subject: format!("Demande {reference} bien reçue : {service_title}"),
        text: format!(
            "Bonjour,\n\n\
             Votre demande « {service_title} » a bien été reçue.\n\n\
             Sa référence : {reference}\n\n\
             Suivez son avancement à tout moment avec ce lien personnel (ne le partagez pas) :\n\
             {tracking_url}\n\n\
             Vous recevrez un courriel à chaque étape importante.\n\n\
             Cordialement,\n{SIGNATURE}\n"
        ),
        html: None,
        attachments: Vec::new(),
        from_name: None,
    }
}

/// The confirmation queued in the transaction that writes the request: one
/// that fails sends nothing, one that is written sends once.
pub fn queue_confirmation(
    to: &str,
    reference: &str,
    service_title: &str,
    tracking_url: &str,
    now: Timestamp,
) -> Result<TransactOp, OutboxError> {
    let email = confirmation(to, reference, service_title, tracking_url);
    gru_outbox::enqueue(&email, &format!("{reference}#submitted"), now)
}
