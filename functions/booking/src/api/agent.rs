//! What agents do with the agendas of their services: the planning, booking
//! for a citizen who called or came, attendance, cancelling, moving, and
//! closing days. Every action is audited in its own transaction; an agenda
//! of another service is the same 404 as an unknown one.

use super::citizen::cancel_appointment;
use super::{
    Ctx, NewBooking, agenda_of, check_contact, check_day, not_changeable, unavailable, unknown_agenda,
    unknown_appointment, unknown_type, with_retries,
};
use crate::views::{AgentAppointmentView, Appointments, DayView};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use gru_domain::agenda::{Agenda, Closure};
use gru_domain::appointment::{Appointment, Status};
use gru_notices::appointments;
use gru_notices::french;
use gru_ports::TransactOp;
use gru_records::agendas::{CityAgendas, Notice};
use gru_records::booking::{Claim, StoredClosure, Versioned};
use gru_web::IdempotencyKey;
use gru_web::{Agent, Json, Problem, Query};
use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use serde::{Deserialize, Serialize};

/// The most days one planning answer covers: a week.
const MAX_PLANNING_DAYS: u32 = 7;
/// The longest closure an agent adds at once.
const MAX_CLOSURE_DAYS: i32 = 366;
const CHANNELS: [&str; 4] = ["phone", "counter", "email", "post"];

fn handles(agent: &Agent, agenda: &Agenda) -> bool {
    agenda_of(agenda, |service| agent.handles(service))
}

/// The agenda `id` if the agent handles it.
fn agenda<'a>(agendas: &'a CityAgendas, agent: &Agent, id: &str) -> Result<&'a Agenda, Problem> {
    agendas.agenda(id).filter(|a| handles(agent, a)).ok_or_else(unknown_agenda)
}

/// The appointment `id` if the agent handles its agenda.
async fn appointment(
    ctx: &Ctx,
    agendas: &CityAgendas,
    agent: &Agent,
    id: &str,
) -> Result<Versioned<Appointment>, Problem> {
    let found = ctx.appointment(id).await?;
    match agendas.agenda(&found.value.slot.agenda) {
        Some(a) if handles(agent, a) => Ok(found),
        _ => Err(unknown_appointment()),
    }
}

fn view(appointment: &Appointment, agendas: &CityAgendas, now: Timestamp) -> Response {
    axum::Json(AgentAppointmentView::new(appointment, agendas, now)).into_response()
}

#[derive(Serialize)]
struct AgendaView {
    id: String,
    title: String,
    place: String,
    address: String,
    types: Vec<TypeSummary>,
}

#[derive(Serialize)]
struct TypeSummary {
    id: String,
    title: String,
}

/// The agendas of the agent's services.
pub(crate) async fn agendas(State(ctx): State<Ctx>, agent: Agent) -> Result<Response, Problem> {
    let agendas = ctx.agendas().await?;
    let views: Vec<AgendaView> = agendas
        .agendas
        .iter()
        .filter(|a| handles(&agent, a))
        .map(|a| AgendaView {
            id: a.id.clone(),
            title: a.title.clone(),
            place: a.place.clone(),
            address: a.address.clone(),
            types: a
                .appointment_types
                .iter()
                .map(|t| TypeSummary { id: t.id.clone(), title: t.title.clone() })
                .collect(),
        })
        .collect();
    Ok(axum::Json(views).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PlanningQuery {
    agenda: Option<String>,
    place: Option<String>,
    from: Option<Date>,
    days: Option<u32>,
}

#[derive(Serialize)]
struct Planning {
    from: Date,
    days: Vec<DayView<Appointments>>,
}

/// The appointments of one agenda, or of every agenda of one place the
/// agent handles, day by day over one to seven days.
pub(crate) async fn planning(
    State(ctx): State<Ctx>,
    agent: Agent,
    Query(query): Query<PlanningQuery>,
) -> Result<Response, Problem> {
    let days = query.days.unwrap_or(1);
    if !(1..=MAX_PLANNING_DAYS).contains(&days) {
        return Err(Problem::unprocessable("invalid-query", "Le planning couvre de 1 à 7 jours.")
            .with_field("days", "De 1 à 7 jours."));
    }
    let agendas = ctx.agendas().await?;
    let (chosen, subject): (Vec<&Agenda>, String) = match (&query.agenda, &query.place) {
        (Some(id), None) => (vec![agenda(&agendas, &agent, id)?], format!("agenda:{id}")),
        (None, Some(place)) => {
            let chosen: Vec<&Agenda> =
                agendas.agendas.iter().filter(|a| &a.place == place && handles(&agent, a)).collect();
            if chosen.is_empty() {
                return Err(unknown_agenda());
            }
            (chosen, format!("place:{place}"))
        }
        _ => {
            return Err(Problem::unprocessable("invalid-query", "Choisissez un agenda ou un lieu.")
                .with_field("agenda", "Un agenda, ou un lieu (place), pas les deux."));
        }
    };
    let now = ctx.now();
    let from = query.from.unwrap_or_else(|| agendas.today(now));
    check_day(&agendas, from, now, "from")?;
    let until = from.saturating_add((i64::from(days) - 1).days());
    let mut appointments = Vec::new();
    for agenda in &chosen {
        appointments.extend(ctx.booking.appointments_between(&agenda.id, (from, until)).await?);
    }
    appointments.sort_by_key(|a| (a.slot.start, a.slot.agenda.clone()));
    ctx.shared().audit.record(&agent, "planning.read", None, Some(&subject)).await?;
    let mut planning = Planning { from, days: Vec::new() };
    let mut day = from;
    while day <= until {
        let closed = chosen.iter().map(|a| a.is_closed(day)).collect::<Option<Vec<String>>>();
        let of_day = appointments
            .iter()
            .filter(|a| agendas.today(a.slot.start) == day)
            .map(|a| AgentAppointmentView::new(a, &agendas, now))
            .collect();
        planning.days.push(DayView {
            date: day,
            label: french::date(day),
            closed: closed.map(|reasons| reasons.join(" ; ")),
            content: Appointments { appointments: of_day },
        });
        day = day.saturating_add(1.day());
    }
    Ok(axum::Json(planning).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BookBody {
    agenda: String,
    #[serde(rename = "type")]
    appointment_type: String,
    start: Timestamp,
    name: String,
    email: Option<String>,
    phone: Option<String>,
    channel: String,
    #[serde(default)]
    override_notice: bool,
    reference: Option<String>,
    /// Answers to the type's questions, if the caller gave them.
    #[serde(default)]
    answers: std::collections::BTreeMap<String, String>,
}

/// Books for a citizen who called, wrote or came. `override_notice` lifts
/// the notice, the horizon and the citizen's limit (the audit says so);
/// never a past start, a closed day or a full slot.
pub(crate) async fn book(
    State(ctx): State<Ctx>,
    agent: Agent,
    IdempotencyKey(key): IdempotencyKey,
    Json(body): Json<BookBody>,
) -> Result<Response, Problem> {
    if !CHANNELS.contains(&body.channel.as_str()) {
        return Err(Problem::unprocessable("invalid-channel", "Indiquez comment l'usager vous a contacté.")
            .with_field("channel", "phone, counter, email ou post."));
    }
    let contact = check_contact(&body.name, body.email.as_deref(), body.phone.as_deref())?;
    let agendas = ctx.agendas().await?;
    let agenda = agenda(&agendas, &agent, &body.agenda)?;
    agenda.appointment_type(&body.appointment_type).ok_or_else(unknown_type)?;
    let now = ctx.now();
    let notice = if body.override_notice { Notice::Overridden } else { Notice::Respected };
    let slot =
        agendas.slot(agenda, &body.appointment_type, body.start, now, notice).ok_or_else(unavailable)?;
    // A caller may not have every answer at hand: none is required here.
    let answers = super::check_answers(&agendas, &slot, &body.answers, false)?;
    if let Some(reference) = &body.reference {
        let request = ctx.requests.request(reference).await?;
        if !request.is_some_and(|r| agent.handles(&r.service)) {
            return Err(Problem::unprocessable(
                "unknown-reference",
                "Aucune demande accessible ne porte cette référence.",
            )
            .with_field("reference", "Vérifiez la référence de la demande."));
        }
    }
    let limit = (!body.override_notice)
        .then(|| agenda.appointment_type(&slot.appointment_type).map(|t| t.max_active_per_citizen))
        .flatten();
    let appointment = Appointment {
        id: String::new(),
        slot: slot.clone(),
        status: Status::Booked,
        contact,
        account: None,
        reference: body.reference.clone(),
        channel: body.channel.clone(),
        booked_by: Some(agent.name.clone()),
        sequence: 0,
        created_at: now,
        remind_at: None,
        link: None,
        answers,
        cancelled_by: None,
    };
    let detail = body.override_notice.then_some("override-notice");
    let audit = |a: &Appointment| ctx.shared().audit.entry(&agent, "appointment.book", Some(&a.id), detail);
    let idempotency = key.map(|key| (format!("agent:{}", agent.id), key));
    let new = NewBooking {
        claim: Claim::Free(&slot),
        appointment,
        limit,
        idempotency: idempotency.clone(),
        audit: Some(Box::new(audit)),
    };
    let booked = ctx.once_per_key(idempotency.as_ref(), ctx.book(&agendas, new)).await?;
    Ok((StatusCode::CREATED, view(&booked, &agendas, ctx.now())).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AttendanceBody {
    status: Status,
}

/// Marks the citizen present or absent, from the appointment's day on.
pub(crate) async fn attendance(
    State(ctx): State<Ctx>,
    agent: Agent,
    Path(id): Path<String>,
    Json(body): Json<AttendanceBody>,
) -> Result<Response, Problem> {
    if !matches!(body.status, Status::Present | Status::NoShow) {
        return Err(Problem::unprocessable("invalid-status", "Indiquez si l'usager est venu.")
            .with_field("status", "present ou no_show."));
    }
    let agendas = ctx.agendas().await?;
    let marked = with_retries(|| async {
        let current = appointment(&ctx, &agendas, &agent, &id).await?;
        let now = ctx.now();
        if current.value.status == Status::Cancelled {
            return Err(not_changeable().into());
        }
        let absent_too_soon = body.status == Status::NoShow && now < current.value.slot.start;
        if agendas.today(now) < agendas.today(current.value.slot.start) || absent_too_soon {
            return Err(Problem::unprocessable("too-early", "Le rendez-vous n'a pas encore eu lieu.")
                .with_field("status", "La présence se note à partir du jour du rendez-vous.")
                .into());
        }
        let mut marked = current.value.clone();
        marked.status = body.status;
        marked.remind_at = None;
        let plan = ctx.booking.plan_update(&current, marked)?;
        let mut ops = plan.ops;
        let action =
            if body.status == Status::Present { "appointment.present" } else { "appointment.no-show" };
        ops.push(ctx.shared().audit.entry(&agent, action, Some(&id), None));
        ctx.booking.commit(ops).await?;
        Ok(plan.appointment)
    })
    .await?;
    Ok(view(&marked, &agendas, ctx.now()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CancelBody {
    reason: String,
}

/// Cancels an appointment with a reason the citizen reads in the email.
pub(crate) async fn cancel(
    State(ctx): State<Ctx>,
    agent: Agent,
    Path(id): Path<String>,
    Json(body): Json<CancelBody>,
) -> Result<Response, Problem> {
    let reason = gru_domain::text::trim_invisible(&body.reason);
    if !gru_domain::text::has_visible(reason) || reason.chars().count() > 500 {
        return Err(Problem::unprocessable("invalid-reason", "Indiquez le motif de l'annulation.")
            .with_field("reason", "De 1 à 500 caractères : il est envoyé à l'usager."));
    }
    let agendas = ctx.agendas().await?;
    let audit = |a: &Appointment| -> TransactOp {
        ctx.shared().audit.entry(&agent, "appointment.cancel", Some(&a.id), None)
    };
    let handled =
        |a: &Appointment| agendas.agenda(&a.slot.agenda).is_some_and(|agenda| handles(&agent, agenda));
    let cancelled = cancel_appointment(&ctx, &id, &handled, Some(reason), Some(&audit)).await?;
    Ok(view(&cancelled, &agendas, ctx.now()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RescheduleBody {
    start: Timestamp,
    agenda: Option<String>,
}

/// Moves an appointment to another slot (of the same type, in the same or
/// another agenda the agent handles), keeping its id; the citizen gets the
/// updated `.ics`. The agent's move lifts the notice, not the opening hours.
pub(crate) async fn reschedule(
    State(ctx): State<Ctx>,
    agent: Agent,
    Path(id): Path<String>,
    Json(body): Json<RescheduleBody>,
) -> Result<Response, Problem> {
    let agendas = ctx.agendas().await?;
    let moved = with_retries(|| async {
        let current = appointment(&ctx, &agendas, &agent, &id).await?;
        let now = ctx.now();
        if !current.value.is_active(now) {
            return Err(not_changeable().into());
        }
        let target = agenda(&agendas, &agent, body.agenda.as_deref().unwrap_or(&current.value.slot.agenda))?;
        if target.id == current.value.slot.agenda && body.start == current.value.slot.start {
            return Err(Problem::unprocessable("same-slot", "Le rendez-vous est déjà à cet horaire.")
                .with_field("start", "Choisissez un autre créneau.")
                .into());
        }
        if target.appointment_type(&current.value.slot.appointment_type).is_none() {
            return Err(Problem::unprocessable(
                "invalid-agenda",
                "Cet agenda ne propose pas ce type de rendez-vous.",
            )
            .with_field("agenda", "Choisissez un agenda qui propose ce type de rendez-vous.")
            .into());
        }
        let slot = agendas
            .slot(target, &current.value.slot.appointment_type, body.start, now, Notice::Overridden)
            .ok_or_else(unavailable)?;
        let remind = super::reminder_of(target);
        let plan = ctx.booking.plan_move(&current, Claim::Free(&slot), None, remind, now).await?;
        let mut ops = plan.ops;
        if let Some(to) = &plan.appointment.contact.email {
            let email = appointments::moved(to, &plan.appointment, None, &ctx.email_context(&agendas));
            let event = format!("appointment-moved:{}:{}", plan.appointment.id, plan.appointment.sequence);
            ops.push(ctx.queue(&email, &event)?);
        }
        ops.push(agendas.unchanged());
        ops.push(ctx.shared().audit.entry(&agent, "appointment.move", Some(&id), None));
        ctx.booking.commit(ops).await?;
        Ok(plan.appointment)
    })
    .await?;
    Ok(view(&moved, &agendas, ctx.now()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CloseBody {
    from: Date,
    until: Option<Date>,
    reason: String,
}

#[derive(Serialize)]
struct Closed {
    closure: StoredClosure,
    /// The appointments on the closed days: to move or cancel.
    to_move: Vec<AgentAppointmentView>,
}

/// Closes an agenda on some days: no slot is offered there any more, and
/// the answer lists the appointments already booked on them.
pub(crate) async fn close(
    State(ctx): State<Ctx>,
    agent: Agent,
    Path(id): Path<String>,
    Json(body): Json<CloseBody>,
) -> Result<Response, Problem> {
    let agendas = ctx.agendas().await?;
    let agenda = agenda(&agendas, &agent, &id)?;
    let until = body.until.unwrap_or(body.from);
    check_day(&agendas, body.from, ctx.now(), "from")?;
    let reason = gru_domain::text::trim_invisible(&body.reason);
    let mut problem = Problem::unprocessable("invalid-closure", "Vérifiez la fermeture.");
    if until < body.from
        || body.from.until(until).map(|s| s.get_days()).unwrap_or(i32::MAX) >= MAX_CLOSURE_DAYS
    {
        problem = problem.with_field("until", "Le dernier jour suit le premier, au plus un an après.");
    }
    if !gru_domain::text::has_visible(reason) || reason.chars().count() > 200 {
        problem = problem.with_field("reason", "De 1 à 200 caractères : il est montré aux agents.");
    }
    if !problem.errors.is_empty() {
        return Err(problem);
    }
    let now = ctx.now();
    let closure = StoredClosure {
        id: gru_web::tokens::hex_id::<8>(),
        closure: Closure {
            from: body.from,
            until: Some(until),
            every_year: false,
            reason: reason.to_owned(),
        },
        agenda: agenda.id.clone(),
        added_by: agent.name.clone(),
        added_at: now,
    };
    let detail = format!("{}:{}", body.from, until);
    // Bookings check the closures' version: one decided before this closure
    // and written after it fails and reads the agendas again, so `to_move`
    // (read after) misses none.
    with_retries(|| async {
        let (added, version) = ctx.booking.closures().await?;
        let write = ctx.booking.closure_op(added, version, closure.clone())?;
        let audit = ctx.shared().audit.entry(&agent, "agenda.close", None, Some(&detail));
        Ok(ctx.booking.commit(vec![write, audit]).await?)
    })
    .await?;
    let booked = ctx.booking.appointments_between(&agenda.id, (body.from, until)).await?;
    let to_move = booked
        .iter()
        .filter(|a| a.status == Status::Booked)
        .map(|a| AgentAppointmentView::new(a, &agendas, now))
        .collect();
    Ok((StatusCode::CREATED, axum::Json(Closed { closure, to_move })).into_response())
}
