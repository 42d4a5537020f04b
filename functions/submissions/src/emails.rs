//! The emails citizens receive about their requests and drafts, in French.
//! Plain text: every mail client shows it, and answers typed by citizens
//! can never become markup in it.

use gru_ports::Email;
use gru_ports::mailer::SIGNATURE;

/// The one-time code proving the address, with the link to resume the draft.
pub fn code(to: &str, code: &str, service_title: &str, resume_url: &str, minutes: i64) -> Email {
    Email {
        to: to.to_owned(),
        subject: format!("Votre code de confirmation : {code}"),
        text: format!(
            "Bonjour,\n\n\
             Pour envoyer votre demande « {service_title} », saisissez ce code sur le portail :\n\n\
             {code}\n\n\
             Il est valable {minutes} minutes et ne sert qu'une fois.\n\n\
             Pour reprendre votre demande plus tard, depuis cet appareil ou un autre :\n{resume_url}\n\n\
             Si vous n'avez rien demandé, ignorez ce message : rien ne sera envoyé sans ce code.\n\n\
             Cordialement,\n{SIGNATURE}\n"
        ),
        html: None,
        attachments: Vec::new(),
        from_name: None,
    }
}
