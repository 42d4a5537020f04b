//! The emails a message sends, in French. They say that there is
//! something to read and where, never what: a message may hold personal
//! details that have no business in a mailbox, and a link keeps the reader
//! on the page where access is checked. Plain text, like every email of the
//! portal.

use gru_ports::Email;

const SIGNATURE: &str = "Cordialement,\n{signature}\n\n\
    Ce courriel est envoyé automatiquement : pour répondre, utilisez le suivi de votre demande.";

/// The citizen's link: the follow-up page of the request (as the
/// workflow's emails give it), opened with the personal link of the
/// confirmation email or from the citizen's account.
pub fn citizen_link(public_url: &str, reference: &str) -> String {
    format!("{public_url}/suivi.html?reference={reference}")
}

/// The agents' link: the request's page in the back office.
pub fn agent_link(public_url: &str, reference: &str) -> String {
    format!("{public_url}/admin/demande.html?ref={reference}")
}

/// To the citizen: an agent wrote.
pub fn new_message_to_citizen(to: &str, reference: &str, service_title: &str, link: &str) -> Email {
    Email {
        to: to.to_owned(),
        subject: format!("Nouveau message au sujet de votre demande {reference}"),
        text: format!(
            "Bonjour,\n\n\
             Un agent vous a écrit au sujet de votre demande « {service_title} » \
             (référence {reference}).\n\n\
             Pour lire ce message et y répondre, ouvrez le suivi de votre demande avec le lien personnel \
             reçu lors de son envoi, ou depuis votre espace personnel :\n{link}\n\n\
             Par sécurité, le message n'est pas recopié dans ce courriel.\n\n{SIGNATURE}\n"
        ),
        html: None,
        attachments: Vec::new(),
        from_name: None,
    }
}

/// To the citizen: an agent asks for something, and the request waits for
/// the answer (when the waiting status has no email of its own).
pub fn request_for_complement(to: &str, reference: &str, service_title: &str, link: &str) -> Email {
    Email {
        to: to.to_owned(),
        subject: format!("Votre demande {reference} : nous avons besoin de vous"),
        text: format!(
            "Bonjour,\n\n\
             Pour poursuivre le traitement de votre demande « {service_title} » (référence {reference}), \
             nous avons besoin d'une information ou d'une pièce de votre part.\n\n\
             Lisez notre message et répondez-nous en ligne, avec le lien personnel reçu lors de l'envoi \
             de votre demande, ou depuis votre espace personnel :\n{link}\n\n{SIGNATURE}\n"
        ),
        html: None,
        attachments: Vec::new(),
        from_name: None,
    }
}

/// To the agent the request is assigned to: the citizen wrote.
pub fn new_message_to_agent(to: &str, reference: &str, service_title: &str, link: &str) -> Email {
    Email {
        to: to.to_owned(),
        subject: format!("Demande {reference} : nouveau message du demandeur"),
        text: format!(
            "Bonjour,\n\n\
             Le demandeur a écrit au sujet de la demande {reference} (« {service_title} »), qui vous est \
             attribuée.\n\nPour lire son message :\n{link}\n"
        ),
        html: None,
        attachments: Vec::new(),
        from_name: None,
    }
}

/// To the agent the request is assigned to: the citizen answered what was
/// asked, and the request is back in `status` (its agents' label).
pub fn answer_to_agent(to: &str, reference: &str, service_title: &str, status: &str, link: &str) -> Email {
    Email {
        to: to.to_owned(),
        subject: format!("Demande {reference} : le demandeur a répondu"),
        text: format!(
            "Bonjour,\n\n\
             Le demandeur a répondu à la demande de complément faite pour la demande {reference} \
             (« {service_title} »), qui vous est attribuée.\n\n\
             La demande revient au statut « {status} ».\n\n\
             Pour lire sa réponse :\n{link}\n"
        ),
        html: None,
        attachments: Vec::new(),
        from_name: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_link_to_the_pages_and_never_quote_a_message() {
        let link = agent_link("https://mairie.example", "ABCD-2345");
        assert_eq!(link, "https://mairie.example/admin/demande.html?ref=ABCD-2345");
        assert_eq!(
            citizen_link("https://mairie.example", "ABCD-2345"),
            "https://mairie.example/suivi.html?reference=ABCD-2345"
        );
        let email = new_message_to_citizen("a@b.example", "ABCD-2345", "Acte de naissance", "L");
        assert!(email.subject.contains("ABCD-2345"));
        assert!(email.text.contains("« Acte de naissance »") && email.text.contains("\nL\n"));
        let email = answer_to_agent("c@d.example", "ABCD-2345", "Acte", "En instruction", "L");
        assert!(email.text.contains("« En instruction »"));
    }
}
