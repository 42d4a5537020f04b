//! HTTP handlers of the booking function: what is shared by the citizens'
//! routes ([`citizen`]), the manage link's ([`manage`]) and the agents'
//! ([`agent`]): the state, the booking itself with its retries, and the
//! mapping of booking errors to problems.

mod agent;
mod citizen;
mod manage;

use gru_records::agendas;

use crate::PREFIX;
use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post};
use gru_domain::agenda::Agenda;
use gru_domain::appointment::{Appointment, Contact, SlotRef};
use gru_domain::text;
use gru_notices::appointments;
use gru_ports::{Email, TransactOp};
use gru_records::agendas::{CityAgendas, Notice};
use gru_records::booking::{BookingError, BookingRepository, Claim, Versioned};
use gru_records::catalogue::CatalogueRepository;
use gru_records::requests::Repository as Requests;
use gru_web::{Platform, Problem, tokens};
use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp, ToSpan};

/// Tries of a booking that keeps meeting concurrent writes: each try reads
/// again, so a slot with places left is found, and a full one is said so.
const ATTEMPTS: usize = 12;

/// The state every handler shares.
pub(crate) type Ctx = gru_web::Ctx<Inner>;

pub(crate) struct Inner {
    pub(crate) platform: Platform,
    pub(crate) booking: BookingRepository,
    pub(crate) catalogue: CatalogueRepository,
    pub(crate) requests: Requests,
}

/// The booking function's routes, under [`PREFIX`].
pub fn router(platform: &Platform) -> Router {
    let store = &platform.store;
    let ctx = Ctx::new(
        platform,
        Inner {
            booking: BookingRepository::new(store.clone()),
            catalogue: CatalogueRepository::new(store.clone()),
            requests: Requests::new(store.clone()),
            platform: platform.clone(),
        },
    );
    let routes = Router::new()
        .route("/types", get(citizen::types))
        .route("/availability", get(citizen::availability))
        .route("/holds", post(citizen::hold))
        .route("/appointments", get(citizen::mine).post(citizen::confirm))
        .route("/appointments/{id}/cancel", post(citizen::cancel))
        .route("/manage", post(manage::show))
        .route("/manage/cancel", post(manage::cancel))
        .route("/manage/reschedule", post(manage::reschedule))
        .route("/agent/agendas", get(agent::agendas))
        .route("/agent/planning", get(agent::planning))
        .route("/agent/appointments", post(agent::book))
        .route("/agent/appointments/{id}/attendance", post(agent::attendance))
        .route("/agent/appointments/{id}/cancel", post(agent::cancel))
        .route("/agent/appointments/{id}/reschedule", post(agent::reschedule))
        .route("/agent/agendas/{agenda}/closures", post(agent::close))
        .with_state(ctx);
    gru_web::mount(PREFIX, routes)
}

/// The answer to a booking that failed.
pub(crate) fn refused(error: BookingError) -> Problem {
    error.into()
}

pub(crate) fn unknown_type() -> Problem {
    Problem::not_found("Ce type de rendez-vous n'existe pas.")
}

pub(crate) fn unknown_agenda() -> Problem {
    Problem::not_found("Aucun agenda accessible ne porte cet identifiant.")
}

pub(crate) fn unknown_appointment() -> Problem {
    Problem::not_found("Aucun rendez-vous accessible ne porte cet identifiant.")
}

/// 422 `slot-unavailable` naming `start`.
pub(crate) fn unavailable() -> Problem {
    Problem::unprocessable(
        "slot-unavailable",
        "Ce créneau n'est pas proposé : l'agenda est fermé, ou le délai de réservation est dépassé.",
    )
    .with_field("start", "Choisissez un créneau parmi ceux proposés.")
}

/// The held slot, unless it is no longer offered (422 `slot-unavailable`):
/// a day closed or hours changed since it was held. The notice is not
/// checked again while the hold lasts (it held when the slot was chosen);
/// once the hold has lapsed, it is.
pub(crate) fn still_offered(
    agendas: &CityAgendas,
    (slot, lapses): (SlotRef, Timestamp),
    now: Timestamp,
) -> Result<SlotRef, Problem> {
    let agenda = agendas.agenda(&slot.agenda).ok_or_else(unavailable)?;
    let notice = if lapses > now { Notice::Overridden } else { Notice::Respected };
    agendas.slot(agenda, &slot.appointment_type, slot.start, now, notice).ok_or_else(unavailable)?;
    Ok(slot)
}

/// The days an agenda can be asked about: a year back (the planning of
/// past weeks) to two years ahead (the longest horizon).
const DAYS_BACK: i64 = 366;
const DAYS_AHEAD: i64 = 731;

/// 422 naming `field` unless `day` is within [`DAYS_BACK`] before today
/// and [`DAYS_AHEAD`] after.
pub(crate) fn check_day(
    agendas: &CityAgendas,
    day: Date,
    now: Timestamp,
    field: &str,
) -> Result<(), Problem> {
    let today = agendas.today(now);
    if today.saturating_sub(DAYS_BACK.days()) <= day && day <= today.saturating_add(DAYS_AHEAD.days()) {
        Ok(())
    } else {
        Err(Problem::unprocessable("invalid-date", "Cette date est trop éloignée.")
            .with_field(field, "Une date entre un an avant et deux ans après aujourd'hui."))
    }
}

/// 409 `not-changeable`: past, cancelled, or already seen.
pub(crate) fn not_changeable() -> Problem {
    Problem::new(
        StatusCode::CONFLICT,
        "not-changeable",
        "Rendez-vous non modifiable",
        "Ce rendez-vous est passé ou annulé : il ne peut plus être modifié.",
    )
}

/// Why one try of a change failed: a concurrent write touched the same
/// items (reading again and trying again may succeed), or an answer for the
/// client.
pub(crate) enum Failed {
    Race,
    Answer(Problem),
}

impl From<BookingError> for Failed {
    fn from(error: BookingError) -> Self {
        match error {
            BookingError::Race => Failed::Race,
            other => Failed::Answer(other.into()),
        }
    }
}

impl From<Problem> for Failed {
    fn from(problem: Problem) -> Self {
        Failed::Answer(problem)
    }
}

/// Runs `attempt` again, reading afresh, while it loses races, up to
/// [`ATTEMPTS`] tries; the last race lost answers 409 `conflict`.
pub(crate) async fn with_retries<T, F, Fut>(mut attempt: F) -> Result<T, Problem>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Failed>>,
{
    for _ in 0..ATTEMPTS {
        match attempt().await {
            Ok(value) => return Ok(value),
            Err(Failed::Answer(problem)) => return Err(problem),
            Err(Failed::Race) => continue,
        }
    }
    Err(BookingError::Race.into())
}

/// Whether `agenda` belongs to one of the services of `handles`.
pub(crate) fn agenda_of(agenda: &Agenda, handles: impl Fn(&str) -> bool) -> bool {
    agenda.services.iter().any(|s| handles(s))
}

/// The audit entry of an agent's action on an appointment, once its id is known.
pub(crate) type AuditOf<'a> = dyn Fn(&Appointment) -> TransactOp + Send + Sync + 'a;

/// A new appointment to book, before it has a place.
pub(crate) struct NewBooking<'a> {
    pub claim: Claim<'a>,
    /// Contact, account, reference, channel and author; the rest is filled in.
    pub appointment: Appointment,
    /// The booker's limit of active appointments of the type, unless lifted.
    pub limit: Option<u32>,
    /// The `Idempotency-Key` and its scope (the booker's email key or the agent).
    pub idempotency: Option<(String, String)>,
    /// The audit entry of an agent's booking, written with it.
    pub audit: Option<Box<AuditOf<'a>>>,
}

impl Inner {
    pub(crate) fn now(&self) -> Timestamp {
        self.platform.clock.now()
    }

    pub(crate) async fn agendas(&self) -> Result<CityAgendas, Problem> {
        Ok(agendas::load(&self.catalogue, &self.booking).await?)
    }

    /// Books at most once per `Idempotency-Key` (`scope`, key): the
    /// appointment the key's first booking made, if there was one; else
    /// what `booking` answers; and when `booking` is refused, the first
    /// booking's appointment if a twin request with the same key made it
    /// meanwhile (what refused this one is the twin's booking: the slot,
    /// the hold or the citizen's limit taken). Submissions answer a twin
    /// the same way.
    pub(crate) async fn once_per_key(
        &self,
        idempotency: Option<&(String, String)>,
        booking: impl Future<Output = Result<Appointment, Problem>>,
    ) -> Result<Appointment, Problem> {
        let Some((scope, key)) = idempotency else { return booking.await };
        if let Some(first) = self.replayed(scope, key).await? {
            return Ok(first);
        }
        match booking.await {
            Ok(appointment) => Ok(appointment),
            Err(refusal) => match self.replayed(scope, key).await? {
                Some(first) => Ok(first),
                None => Err(refusal),
            },
        }
    }

    /// Books `new`, with its confirmation email (and manage link) when it
    /// has an email address, in one transaction; tried again while it meets
    /// concurrent writes. Its `Idempotency-Key` is written with it, so a
    /// twin with the same key loses ([`Inner::once_per_key`] answers it).
    pub(crate) async fn book(
        &self,
        agendas: &CityAgendas,
        new: NewBooking<'_>,
    ) -> Result<Appointment, Problem> {
        with_retries(|| async {
            let now = self.now();
            let link = new.appointment.contact.email.is_some().then(tokens::random_token);
            let remind_before = |slot: &SlotRef| agendas.agenda(&slot.agenda).and_then(reminder_of);
            let plan = self
                .booking
                .plan_booking(
                    new.claim,
                    new.appointment.clone(),
                    new.limit,
                    link.as_deref(),
                    remind_before,
                    now,
                )
                .await?;
            let mut ops = plan.ops;
            let appointment = plan.appointment;
            if let Some(to) = &appointment.contact.email {
                let email = appointments::confirmation(
                    to,
                    &appointment,
                    link.as_deref(),
                    &self.email_context(agendas),
                );
                ops.push(self.queue(&email, &format!("appointment-confirmed:{}", appointment.id))?);
            }
            if let Some((scope, key)) = &new.idempotency {
                ops.push(self.booking.idempotency_op(scope, key, &appointment.id, now)?);
            }
            if let Some(audit) = &new.audit {
                ops.push(audit(&appointment));
            }
            ops.push(agendas.unchanged());
            self.booking.commit(ops).await?;
            Ok(appointment)
        })
        .await
    }

    /// The context of the emails of an appointment.
    pub(crate) fn email_context<'a>(&'a self, agendas: &'a CityAgendas) -> appointments::Context<'a> {
        appointments::Context { agendas, public_url: &self.platform.settings.public_url, now: self.now() }
    }

    /// The appointment an earlier booking with the same `Idempotency-Key`
    /// (in the same scope) made, if there was one.
    pub(crate) async fn replayed(&self, scope: &str, key: &str) -> Result<Option<Appointment>, Problem> {
        match self.booking.replay(scope, key).await? {
            Some(id) => Ok(Some(self.appointment(&id).await?.value)),
            None => Ok(None),
        }
    }

    /// The outbox write of `email`, for the change's own transaction.
    pub(crate) fn queue(&self, email: &Email, event: &str) -> Result<TransactOp, Problem> {
        gru_outbox::enqueue(email, event, self.now()).map_err(Problem::internal)
    }

    /// The appointment `id`, or the unknown-appointment answer (also for
    /// what cannot be an id: 32 hexadecimal characters).
    pub(crate) async fn appointment(&self, id: &str) -> Result<Versioned<Appointment>, Problem> {
        if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(unknown_appointment());
        }
        self.booking.appointment(id).await?.ok_or_else(unknown_appointment)
    }
}

/// How long before an appointment of `agenda` its reminder goes.
pub(crate) fn reminder_of(agenda: &Agenda) -> Option<SignedDuration> {
    (agenda.reminder_hours > 0).then(|| SignedDuration::from_hours(i64::from(agenda.reminder_hours)))
}

/// Checks a citizen's or an agent's contact fields: 422 naming each bad one.
/// The name is kept cleaned for one line ([`text::clean_line`]: no
/// bidirectional controls nor zero-width characters), and one that shows
/// nothing once cleaned is no name.
/// The answers to the questions of the type `slot` books (`require`: the
/// required ones must be there), or a 422 naming each at fault.
pub(crate) fn check_answers(
    agendas: &gru_records::agendas::CityAgendas,
    slot: &gru_domain::appointment::SlotRef,
    answers: &std::collections::BTreeMap<String, String>,
    require: bool,
) -> Result<std::collections::BTreeMap<String, String>, Problem> {
    let kind = agendas.agenda(&slot.agenda).and_then(|a| a.appointment_type(&slot.appointment_type));
    let Some(kind) = kind else { return Ok(Default::default()) };
    kind.checked_answers(answers, require).map_err(|faults| {
        faults.into_iter().fold(
            Problem::unprocessable("invalid-answers", "Vérifiez vos réponses aux questions du rendez-vous."),
            |problem, (field, message)| problem.with_field(&field, message),
        )
    })
}

pub(crate) fn check_contact(
    name: &str,
    email: Option<&str>,
    phone: Option<&str>,
) -> Result<Contact, Problem> {
    let mut problem = Problem::unprocessable("invalid-contact", "Vérifiez vos coordonnées.");
    let line_break = text::trim_invisible(name).chars().any(char::is_control);
    let name = text::clean_line(name);
    if !text::has_visible(&name) || name.chars().count() > 200 || line_break {
        problem = problem.with_field("name", "Indiquez un nom et un prénom (200 caractères au plus).");
    }
    let email = match email.map(text::trim_invisible).filter(|e| !e.is_empty()) {
        Some(raw) => match tokens::normalize_email(raw) {
            Some(email) => Some(email),
            None => {
                problem = problem
                    .with_field("email", "Indiquez une adresse électronique valide, comme nom@exemple.fr.");
                None
            }
        },
        None => None,
    };
    let phone = phone.map(text::trim_invisible).filter(|p| !p.is_empty()).map(str::to_owned);
    if phone.as_deref().is_some_and(|p| {
        p.len() > 30
            || !p.chars().all(|c| c.is_ascii_digit() || " +.-()".contains(c))
            || !p.chars().any(|c| c.is_ascii_digit())
    }) {
        problem = problem
            .with_field("phone", "Indiquez un numéro de téléphone (chiffres, espaces, +, points, tirets).");
    }
    if !problem.errors.is_empty() {
        return Err(problem);
    }
    Ok(Contact { name, email, phone })
}
