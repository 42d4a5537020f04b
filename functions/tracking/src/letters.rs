//! The letter to a citizen without an email address (a request received by
//! post or at the counter): what the email would have said about where the
//! request stands, laid out to be printed and posted by the agent.

use gru_domain::catalogue::City;
use gru_domain::request::{HistoryKind, Request};
use gru_domain::workflow::Workflow;
use gru_records::timeline::status_of;
use jiff::civil::Date;
use serde::Serialize;

/// A letter as the back office prints it.
#[derive(Debug, Serialize)]
pub struct Letter {
    /// The city's name and address, at the top left.
    pub sender: Vec<String>,
    /// The citizen's name and postal address, in the window of the envelope.
    pub recipient: Vec<String>,
    /// « Belleval-sur-Loire, le 7 décembre 2026 ».
    pub place_and_date: String,
    pub subject: String,
    /// Paragraphs, the signature last.
    pub body: Vec<String>,
}

/// The letter about where `request` stands today: its confirmation while it
/// is at its first status, else the current status's email (its link
/// replaced by how to reach the service), else the status in words.
pub fn letter(request: &Request, workflow: &Workflow, city: &City, today: Date) -> Letter {
    let status = status_of(workflow, request);
    let reach = format!(
        "en appelant le {} ou en écrivant à l'adresse ci-dessus, avec la référence {}",
        city.contact.phone, request.reference
    );
    let changed = request.history.iter().any(|e| e.kind == HistoryKind::Status);
    let (subject, text) = match (&status.email, changed) {
        (Some(template), true) => {
            let rendered = gru_records::progress::render_for(template, request, status, &reach);
            (rendered.subject, rendered.body)
        }
        (_, true) => (
            format!("Votre demande {} : {}", request.reference, status.citizen_label),
            format!(
                "Bonjour,\n\nVotre demande « {} » (référence {}) en est à l'étape : {}.{}\n\nPour toute question, contactez-nous {reach}.\n\nCordialement,\n{{signature}}",
                request.service_title,
                request.reference,
                status.citizen_label,
                status.next_step.as_deref().map(|n| format!(" {n}")).unwrap_or_default()
            ),
        ),
        (_, false) => (
            format!("Demande {} bien reçue : {}", request.reference, request.service_title),
            format!(
                "Bonjour,\n\nVotre demande « {} » a bien été reçue.\n\nSa référence : {}\n\n\
                 Nous vous écrirons à chaque étape importante. Pour toute question, contactez-nous {reach}.\n\n\
                 Cordialement,\n{{signature}}",
                request.service_title, request.reference
            ),
        ),
    };
    let text = text.replace("{signature}", city.signature());
    let mut recipient: Vec<String> = request.citizen_name.iter().cloned().collect();
    if let Some(address) = &request.postal_address {
        recipient.push(address.street.clone());
        recipient.extend(address.complement.iter().cloned());
        recipient.push(format!("{} {}", address.postcode, address.city));
    }
    Letter {
        sender: std::iter::once(city.name.clone())
            .chain(city.contact.address.lines().map(str::to_owned))
            .collect(),
        recipient,
        place_and_date: format!("{}, le {}", city.short_name, gru_notices::french::date(today)),
        subject,
        // An email's note about itself (« Ce courriel est envoyé automatiquement… ») has no place on paper.
        body: text
            .split("\n\n")
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty() && !p.starts_with("Ce courriel"))
            .collect(),
    }
}
