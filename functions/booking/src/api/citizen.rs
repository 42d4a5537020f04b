//! What citizens do, with or without an account: read the types and the
//! free slots, hold one, confirm, list and cancel their appointments.

use super::{
    AuditOf, Ctx, NewBooking, check_day, not_changeable, refused, still_offered, unavailable, unknown_agenda,
    unknown_appointment, unknown_type, with_retries,
};
use crate::views::{AppointmentView, slot_days};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use gru_domain::agenda::{Agenda, AppointmentType};
use gru_domain::appointment::{Appointment, Canceller, SlotRef, Status};
use gru_notices::appointments;
use gru_records::access;
use gru_records::agendas::Notice;
use gru_records::booking::{BookingError, Claim};
use gru_web::IdempotencyKey;
use gru_web::session::{Citizen, MaybeCitizen};
use gru_web::{ClientAddress, Json, Problem, Query, tokens};
use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp, ToSpan};
use serde::{Deserialize, Serialize};

/// Longest period one availability answer covers.
const MAX_DAYS: u32 = 62;
const DEFAULT_DAYS: u32 = 14;
/// Holds one client address may take per hour: enough to change one's
/// mind many times, too few to empty an agenda.
const HOLDS_PER_ADDRESS: u32 = 30;
/// Confirmations without an account from one address per hour.
const CONFIRMATIONS_PER_ADDRESS: u32 = 10;

#[derive(Serialize)]
pub(crate) struct TypeView {
    id: String,
    title: String,
    duration_minutes: u32,
    agendas: Vec<AgendaSummary>,
    /// What the booking form asks besides the contact.
    questions: Vec<gru_domain::agenda::AppointmentQuestion>,
    /// What to bring.
    bring: Vec<String>,
}

#[derive(Serialize)]
pub(crate) struct AgendaSummary {
    id: String,
    title: String,
    place: String,
    address: String,
    /// The type's duration at this agenda (each agenda sets its own).
    duration_minutes: u32,
}

impl AgendaSummary {
    fn new(agenda: &Agenda, kind: &AppointmentType) -> Self {
        Self {
            id: agenda.id.clone(),
            title: agenda.title.clone(),
            place: agenda.place.clone(),
            address: agenda.address.clone(),
            duration_minutes: kind.duration_minutes,
        }
    }
}

/// Every appointment type and the agendas offering it.
pub(crate) async fn types(State(ctx): State<Ctx>) -> Result<Response, Problem> {
    let agendas = ctx.agendas().await?;
    let mut types: Vec<TypeView> = Vec::new();
    for agenda in &agendas.agendas {
        for kind in &agenda.appointment_types {
            match types.iter_mut().find(|t| t.id == kind.id) {
                Some(known) => known.agendas.push(AgendaSummary::new(agenda, kind)),
                None => types.push(TypeView {
                    id: kind.id.clone(),
                    title: kind.title.clone(),
                    duration_minutes: kind.duration_minutes,
                    agendas: vec![AgendaSummary::new(agenda, kind)],
                    questions: kind.questions.clone(),
                    bring: kind.bring.clone(),
                }),
            }
        }
    }
    Ok(axum::Json(types).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AvailabilityQuery {
    #[serde(rename = "type")]
    appointment_type: String,
    agenda: Option<String>,
    from: Option<Date>,
    days: Option<u32>,
}

#[derive(Serialize)]
struct AvailabilityView<T> {
    #[serde(rename = "type")]
    appointment_type: String,
    type_title: String,
    days: Vec<T>,
}

/// The free slots of a type, in one agenda or in all those offering it.
pub(crate) async fn availability(
    State(ctx): State<Ctx>,
    Query(query): Query<AvailabilityQuery>,
) -> Result<Response, Problem> {
    let days = query.days.unwrap_or(DEFAULT_DAYS);
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(Problem::unprocessable("invalid-query", "La période demandée est trop longue.")
            .with_field("days", format!("De 1 à {MAX_DAYS} jours.")));
    }
    let agendas = ctx.agendas().await?;
    let kind = agendas.appointment_type(&query.appointment_type).ok_or_else(unknown_type)?.clone();
    let mut offering = agendas.offering(&kind.id);
    if let Some(id) = &query.agenda {
        offering.retain(|a| &a.id == id);
        if offering.is_empty() {
            return Err(unknown_agenda());
        }
    }
    let now = ctx.now();
    let from = query.from.unwrap_or_else(|| agendas.today(now));
    check_day(&agendas, from, now, "from")?;
    let until = from.saturating_add((i64::from(days) - 1).days());
    let slots = agendas.free_slots(&ctx.booking, &offering, &kind.id, (from, until), now).await?;
    Ok(axum::Json(AvailabilityView {
        appointment_type: kind.id,
        type_title: kind.title,
        days: slot_days(&slots, &agendas),
    })
    .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct HoldBody {
    agenda: String,
    #[serde(rename = "type")]
    appointment_type: String,
    start: Timestamp,
}

#[derive(Serialize)]
struct HoldView {
    hold: String,
    agenda: String,
    #[serde(rename = "type")]
    appointment_type: String,
    start: Timestamp,
    end: Timestamp,
    expires_at: Timestamp,
}

/// Holds one place of a slot while the citizen gives their details.
pub(crate) async fn hold(
    State(ctx): State<Ctx>,
    address: ClientAddress,
    Json(body): Json<HoldBody>,
) -> Result<Response, Problem> {
    if let Some(subject) = address.rate_limit_subject() {
        ctx.shared()
            .limiter
            .hit("booking-hold", &subject, HOLDS_PER_ADDRESS, SignedDuration::from_hours(1))
            .await?;
    }
    let agendas = ctx.agendas().await?;
    let agenda = agendas.agenda(&body.agenda).ok_or_else(unknown_agenda)?;
    agenda.appointment_type(&body.appointment_type).ok_or_else(unknown_type)?;
    let now = ctx.now();
    let slot = agendas
        .slot(agenda, &body.appointment_type, body.start, now, Notice::Respected)
        .ok_or_else(unavailable)?;
    let (hold, expires_at) =
        with_retries(|| async { Ok(ctx.booking.hold(&slot, agendas.unchanged(), now).await?) }).await?;
    let SlotRef { agenda, appointment_type, start, end, .. } = slot;
    let view = HoldView { hold, agenda, appointment_type, start, end, expires_at };
    Ok((StatusCode::CREATED, axum::Json(view)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConfirmBody {
    hold: Option<String>,
    agenda: Option<String>,
    #[serde(rename = "type")]
    appointment_type: Option<String>,
    start: Option<Timestamp>,
    name: String,
    email: Option<String>,
    phone: Option<String>,
    reference: Option<String>,
    /// Answers to the type's questions, by question id.
    #[serde(default)]
    answers: std::collections::BTreeMap<String, String>,
}

/// Confirms an appointment: the held place, or a free one of the slot named.
pub(crate) async fn confirm(
    State(ctx): State<Ctx>,
    MaybeCitizen(citizen): MaybeCitizen,
    address: ClientAddress,
    IdempotencyKey(key): IdempotencyKey,
    Json(body): Json<ConfirmBody>,
) -> Result<Response, Problem> {
    let email = match &citizen {
        Some(citizen) => Some(citizen.email.as_str()),
        None => body.email.as_deref(),
    };
    let contact = super::check_contact(&body.name, email, body.phone.as_deref())?;
    let Some(email) = contact.email.clone() else {
        return Err(Problem::unprocessable("invalid-contact", "Vérifiez vos coordonnées.").with_field(
            "email",
            "Indiquez votre adresse électronique : la confirmation et le lien pour annuler y sont envoyés.",
        ));
    };
    let agendas = ctx.agendas().await?;
    let now = ctx.now();
    let idempotency = key.map(|key| (tokens::email_key(&email), key));
    // A confirmation sent again answers the first, even though its hold is
    // spent, and counts for no limit: it books nothing.
    let booking = async {
        if citizen.is_none()
            && let Some(subject) = address.rate_limit_subject()
        {
            let hour = SignedDuration::from_hours(1);
            ctx.shared().limiter.hit("booking-confirm", &subject, CONFIRMATIONS_PER_ADDRESS, hour).await?;
        }
        let slot = match (&body.hold, &body.agenda, &body.appointment_type, body.start) {
            (Some(hold), None, None, None) => {
                let held = ctx.booking.held_slot(hold).await?;
                still_offered(&agendas, held.ok_or_else(|| refused(BookingError::HoldExpired))?, now)?
            }
            (None, Some(agenda), Some(kind), Some(start)) => {
                let agenda = agendas.agenda(agenda).ok_or_else(unknown_agenda)?;
                agenda.appointment_type(kind).ok_or_else(unknown_type)?;
                agendas.slot(agenda, kind, start, now, Notice::Respected).ok_or_else(unavailable)?
            }
            _ => {
                return Err(Problem::unprocessable(
                    "invalid-slot",
                    "Indiquez le créneau réservé (hold), ou l'agenda, le type et l'heure du créneau.",
                )
                .with_field("hold", "Un créneau réservé, ou agenda, type et start."));
            }
        };
        let answers = super::check_answers(&agendas, &slot, &body.answers, true)?;
        let reference = match &body.reference {
            Some(reference) => Some(owned_reference(&ctx, reference, &email, citizen.as_ref()).await?),
            None => None,
        };
        let limit = agendas
            .agenda(&slot.agenda)
            .and_then(|a| a.appointment_type(&slot.appointment_type))
            .map(|t| t.max_active_per_citizen);
        let claim = match &body.hold {
            Some(hold) => Claim::Hold(hold),
            None => Claim::Free(&slot),
        };
        let appointment = Appointment {
            id: String::new(),
            slot: slot.clone(),
            status: Status::Booked,
            contact,
            account: citizen.as_ref().map(|c| c.account_id.clone()),
            reference,
            channel: "online".to_owned(),
            booked_by: None,
            sequence: 0,
            created_at: now,
            remind_at: None,
            link: None,
            answers,
            cancelled_by: None,
        };
        let new = NewBooking { claim, appointment, limit, idempotency: idempotency.clone(), audit: None };
        ctx.book(&agendas, new).await
    };
    let booked = ctx.once_per_key(idempotency.as_ref(), booking).await?;
    let view = AppointmentView::new(&booked, &agendas, ctx.now());
    Ok((StatusCode::CREATED, axum::Json(view)).into_response())
}

/// The reference of a request of the booker: theirs by session, or sent
/// from their email address.
async fn owned_reference(
    ctx: &Ctx,
    reference: &str,
    email: &str,
    citizen: Option<&Citizen>,
) -> Result<String, Problem> {
    let request = match citizen {
        Some(citizen) => access::citizen_request(&ctx.requests, reference, citizen).await?,
        None => ctx
            .requests
            .request(reference)
            .await?
            .filter(|r| tokens::email_key(&r.email) == tokens::email_key(email)),
    };
    request.map(|r| r.reference).ok_or_else(|| {
        Problem::unprocessable("unknown-reference", "Aucune de vos demandes ne porte cette référence.")
            .with_field("reference", "Vérifiez la référence de votre demande.")
    })
}

/// The signed-in citizen's appointments: those to come, then those of the
/// last weeks.
pub(crate) async fn mine(State(ctx): State<Ctx>, citizen: Citizen) -> Result<Response, Problem> {
    let agendas = ctx.agendas().await?;
    let now = ctx.now();
    let mut appointments = ctx.booking.of_booker(&citizen.email).await?;
    appointments.retain(|a| a.slot.end + gru_domain::appointment::SHOWN_AFTER > now);
    appointments.sort_by_key(|a| (!a.is_active(now), a.slot.start));
    let views: Vec<AppointmentView> =
        appointments.iter().map(|a| AppointmentView::new(a, &agendas, now)).collect();
    Ok(axum::Json(views).into_response())
}

/// The signed-in citizen cancels one of their appointments.
pub(crate) async fn cancel(
    State(ctx): State<Ctx>,
    citizen: Citizen,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let owned = |a: &Appointment| {
        a.contact.email.as_deref().is_some_and(|e| tokens::email_key(e) == tokens::email_key(&citizen.email))
    };
    let cancelled = cancel_appointment(&ctx, &id, &owned, None, None).await?;
    let agendas = ctx.agendas().await?;
    Ok(axum::Json(AppointmentView::new(&cancelled, &agendas, ctx.now())).into_response())
}

/// Cancels the appointment `id`, if the caller still `may`, and emails its
/// citizen, with the audit entry of the agent who did it (and their
/// reason) if one did.
pub(crate) async fn cancel_appointment(
    ctx: &Ctx,
    id: &str,
    may: &(dyn Fn(&Appointment) -> bool + Sync),
    reason: Option<&str>,
    audit: Option<&AuditOf<'_>>,
) -> Result<Appointment, Problem> {
    let agendas = ctx.agendas().await?;
    with_retries(|| async {
        // Checked on every read: a link revoked by a move meanwhile no longer cancels.
        let current = ctx.appointment(id).await?;
        if !may(&current.value) {
            return Err(unknown_appointment().into());
        }
        let now = ctx.now();
        if current.value.status != Status::Booked || (audit.is_none() && !current.value.is_active(now)) {
            return Err(not_changeable().into());
        }
        let by = if audit.is_some() { Canceller::Agent } else { Canceller::Citizen };
        let plan = ctx.booking.plan_cancel(&current, now, by).await?;
        let mut ops = plan.ops;
        if let Some(to) = &plan.appointment.contact.email {
            let email = appointments::cancelled(to, &plan.appointment, reason, &ctx.email_context(&agendas));
            ops.push(ctx.queue(&email, &format!("appointment-cancelled:{id}"))?);
        }
        if let Some(audit) = audit {
            ops.push(audit(&plan.appointment));
        }
        ctx.booking.commit(ops).await?;
        Ok(plan.appointment)
    })
    .await
}

/// 422 unless the held slot is of the type `expected`.
pub(crate) fn same_type(slot: &SlotRef, expected: &str) -> Result<(), Problem> {
    if slot.appointment_type == expected {
        Ok(())
    } else {
        Err(Problem::unprocessable("invalid-slot", "Ce créneau est pour un autre type de rendez-vous.")
            .with_field("hold", "Choisissez un créneau du même type de rendez-vous."))
    }
}
