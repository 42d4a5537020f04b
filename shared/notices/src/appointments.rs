//! The emails of an appointment, in French, plain text, each with its
//! calendar file when it changes the citizen's calendar: the confirmation
//! and every move carry `METHOD:REQUEST` with the same UID and a higher
//! SEQUENCE, a cancellation `METHOD:CANCEL`, so calendar applications
//! update the one event instead of adding another.

use crate::french;
use gru_domain::appointment::Appointment;
use gru_domain::ics::{IcsEvent, IcsMethod};
use gru_ports::Email;
use gru_ports::mailer::EmailAttachment;
use gru_records::agendas::CityAgendas;
use jiff::Timestamp;

const SIGNATURE: &str = "Cordialement,\n{signature}\n\n\
    Ce courriel est envoyé automatiquement : merci de ne pas y répondre.";

/// What every email of an appointment needs besides the appointment.
pub struct Context<'a> {
    /// The agendas, the city's zone and the events' organiser.
    pub agendas: &'a CityAgendas,
    pub public_url: &'a str,
    pub now: Timestamp,
}

/// The link to the page that cancels or moves the appointment.
pub fn manage_link(public_url: &str, token: &str) -> String {
    format!("{public_url}/rendez-vous/gerer.html#{token}")
}

struct Described {
    what: String,
    when: String,
    place: String,
    address: String,
    /// « Numéro de pré-demande ANTS : 2301A… », one per answer given.
    answers: Vec<String>,
    /// What to bring, as the type says.
    bring: Vec<String>,
}

fn describe(appointment: &Appointment, ctx: &Context<'_>) -> Described {
    let agenda = ctx.agendas.agenda(&appointment.slot.agenda);
    let kind = agenda.and_then(|a| a.appointment_type(&appointment.slot.appointment_type));
    let what = kind.map_or_else(|| appointment.slot.appointment_type.clone(), |t| t.title.clone());
    let answers = kind
        .map(|t| {
            t.questions
                .iter()
                .filter_map(|q| {
                    appointment.answers.get(&q.id).map(|answer| format!("{} : {answer}", q.label))
                })
                .collect()
        })
        .unwrap_or_default();
    Described {
        what,
        when: french::date_time(ctx.agendas.local(appointment.slot.start)),
        place: agenda.map(|a| a.title.clone()).unwrap_or_default(),
        address: agenda.map(|a| a.address.clone()).unwrap_or_default(),
        answers,
        bring: kind.map(|t| t.bring.clone()).unwrap_or_default(),
    }
}

/// The `.ics` of the appointment as it now stands.
fn calendar(appointment: &Appointment, ctx: &Context<'_>, method: IcsMethod) -> EmailAttachment {
    let described = describe(appointment, ctx);
    let host =
        ctx.public_url.split("://").nth(1).unwrap_or(ctx.public_url).split('/').next().unwrap_or("gru");
    let uid = format!("{}@{host}", appointment.id);
    let location = [described.place.as_str(), described.address.as_str()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
    let event = IcsEvent {
        uid: &uid,
        sequence: appointment.sequence,
        method,
        start: appointment.slot.start,
        end: appointment.slot.end,
        zone: &ctx.agendas.zone,
        stamp: ctx.now,
        summary: &described.what,
        location: &location,
        description: if appointment.channel == "online" {
            "Rendez-vous pris sur le portail des démarches de la mairie."
        } else {
            "Rendez-vous pris avec les services de la mairie."
        },
        organizer: &ctx.agendas.organizer,
        attendee: appointment.contact.email.as_deref().unwrap_or_default(),
    };
    EmailAttachment {
        filename: "rendez-vous.ics".to_owned(),
        content_type: method.content_type().to_owned(),
        content: event.render(),
    }
}

fn email(to: &str, subject: String, text: String, attachment: Option<EmailAttachment>) -> Email {
    Email { attachments: attachment.into_iter().collect(), ..Email::new(to, subject, text) }
}

/// Where the citizen cancels or moves: the link of this email, which
/// replaces an earlier one when `replaces`, or the one they already have.
fn manage_paragraph(ctx: &Context<'_>, link: Option<&str>, replaces: bool) -> String {
    match link {
        Some(token) => format!(
            "{}Pour annuler ou déplacer ce rendez-vous, utilisez ce lien personnel (ne le transmettez pas) :\n{}\n\n",
            if replaces { "Le lien reçu auparavant ne fonctionne plus. " } else { "" },
            manage_link(ctx.public_url, token)
        ),
        None => "Pour annuler ou déplacer ce rendez-vous, utilisez le lien personnel du dernier courriel reçu à son sujet.\n\n"
            .to_owned(),
    }
}

/// Says when the reminder goes, if one will.
fn reminder_sentence(appointment: &Appointment) -> &'static str {
    if appointment.remind_at.is_some() { " Vous recevrez un rappel avant le rendez-vous." } else { "" }
}

/// The what, when and where of an appointment, one per line, then the
/// answers given and what to bring.
impl Described {
    fn lines(&self) -> String {
        let mut lines = format!("{}\nLe {}\n{}\n{}", self.what, self.when, self.place, self.address);
        for answer in &self.answers {
            lines.push_str(&format!("\n{answer}"));
        }
        if !self.bring.is_empty() {
            lines.push_str("\n\nÀ apporter :");
            for item in &self.bring {
                lines.push_str(&format!("\n- {item}"));
            }
        }
        lines
    }
}

/// An email saying where and when the appointment now is, with its
/// calendar (`REQUEST`) and where to change it.
fn scheduled(
    to: &str,
    appointment: &Appointment,
    ctx: &Context<'_>,
    subject: String,
    intro: &str,
    calendar_note: &str,
    manage: String,
) -> Email {
    let d = describe(appointment, ctx);
    email(
        to,
        subject,
        format!(
            "Bonjour {},\n\n{intro}\n\n{}\n\n{calendar_note}{}\n\n{manage}{SIGNATURE}\n",
            appointment.contact.name,
            d.lines(),
            reminder_sentence(appointment),
        ),
        Some(calendar(appointment, ctx, IcsMethod::Request)),
    )
}

/// To the citizen: the appointment is booked.
pub fn confirmation(to: &str, appointment: &Appointment, link: Option<&str>, ctx: &Context<'_>) -> Email {
    let subject = format!("Rendez-vous confirmé le {}", describe(appointment, ctx).when);
    let manage = manage_paragraph(ctx, link, false);
    let note = "Le fichier joint ajoute ce rendez-vous à votre agenda.";
    scheduled(to, appointment, ctx, subject, "Votre rendez-vous est confirmé :", note, manage)
}

/// To the citizen: the appointment moved (by them or by an agent).
pub fn moved(to: &str, appointment: &Appointment, link: Option<&str>, ctx: &Context<'_>) -> Email {
    let subject = format!("Rendez-vous déplacé au {}", describe(appointment, ctx).when);
    let manage = manage_paragraph(ctx, link, true);
    let note = "Le fichier joint met à jour votre agenda.";
    scheduled(
        to,
        appointment,
        ctx,
        subject,
        "Votre rendez-vous a changé. Il a lieu désormais :",
        note,
        manage,
    )
}

/// To the citizen: the appointment is cancelled; `reason` when an agent
/// cancelled it.
pub fn cancelled(to: &str, appointment: &Appointment, reason: Option<&str>, ctx: &Context<'_>) -> Email {
    let d = describe(appointment, ctx);
    let why = reason.map(|r| format!("Motif : {r}\n\n")).unwrap_or_default();
    email(
        to,
        format!("Rendez-vous du {} annulé", d.when),
        format!(
            "Bonjour {},\n\n\
             Votre rendez-vous « {} » du {} ({}) est annulé.\n\n{why}\
             Le fichier joint le retire de votre agenda. Vous pouvez prendre un autre rendez-vous sur le portail :\n\
             {}/rendez-vous/?type={}\n\n{SIGNATURE}\n",
            appointment.contact.name,
            d.what,
            d.when,
            d.place,
            ctx.public_url,
            appointment.slot.appointment_type,
        ),
        Some(calendar(appointment, ctx, IcsMethod::Cancel)),
    )
}

/// To the citizen: the appointment is soon.
pub fn reminder(to: &str, appointment: &Appointment, ctx: &Context<'_>) -> Email {
    let d = describe(appointment, ctx);
    email(
        to,
        format!("Rappel : rendez-vous le {}", d.when),
        format!(
            "Bonjour {},\n\n\
             Nous vous rappelons votre rendez-vous :\n\n{}\n\n\
             Si vous ne pouvez pas venir, annulez-le avec le lien personnel du dernier courriel reçu à son sujet \
             (ou depuis votre espace personnel, si vous en avez un) : le créneau sera proposé à quelqu'un d'autre.\n\n{SIGNATURE}\n",
            appointment.contact.name,
            d.lines(),
        ),
        None,
    )
}
