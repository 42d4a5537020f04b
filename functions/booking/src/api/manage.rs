//! What the holder of an appointment's manage link does: see it, cancel it,
//! or move it to a held slot. The link is the appointment's only one; a
//! move replaces it (the new one is emailed) and a cancellation revokes it.

use super::citizen::{cancel_appointment, same_type};
use super::{Ctx, not_changeable, refused, with_retries};
use crate::views::AppointmentView;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Response;
use gru_domain::appointment::Appointment;
use gru_notices::appointments;
use gru_records::booking::{BookingError, Claim, Versioned};
use gru_web::{Json, Problem, tokens};
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TokenBody {
    token: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RescheduleBody {
    token: String,
    hold: String,
}

#[derive(Serialize)]
struct Moved {
    appointment: AppointmentView,
}

fn unknown_link() -> Problem {
    Problem::new(
        StatusCode::NOT_FOUND,
        "unknown-link",
        "Lien non valable",
        "Ce lien n'est plus valable : il a déjà servi, ou le rendez-vous a été annulé. \
         Utilisez le lien du dernier courriel reçu.",
    )
}

async fn linked(ctx: &Ctx, token: &str) -> Result<Versioned<Appointment>, Problem> {
    ctx.booking.by_link(token).await?.ok_or_else(unknown_link)
}

async fn view(ctx: &Ctx, appointment: &Appointment) -> Result<Response, Problem> {
    let agendas = ctx.agendas().await?;
    Ok(axum::Json(AppointmentView::new(appointment, &agendas, ctx.now())).into_response())
}

/// The appointment the link is for.
pub(crate) async fn show(State(ctx): State<Ctx>, Json(body): Json<TokenBody>) -> Result<Response, Problem> {
    let appointment = linked(&ctx, &body.token).await?;
    view(&ctx, &appointment.value).await
}

/// Cancels the appointment; the link dies with it.
pub(crate) async fn cancel(State(ctx): State<Ctx>, Json(body): Json<TokenBody>) -> Result<Response, Problem> {
    let appointment = linked(&ctx, &body.token).await?;
    let hash = tokens::hash(&body.token);
    let still_linked = |a: &Appointment| a.link.as_deref() == Some(hash.as_str());
    let cancelled = cancel_appointment(&ctx, &appointment.value.id, &still_linked, None, None).await?;
    view(&ctx, &cancelled).await
}

/// Moves the appointment to the held slot, keeping its id: one transaction
/// frees the old place, takes the held one, replaces the link and queues
/// the email with the new link and the updated `.ics`.
pub(crate) async fn reschedule(
    State(ctx): State<Ctx>,
    Json(body): Json<RescheduleBody>,
) -> Result<Response, Problem> {
    let agendas = ctx.agendas().await?;
    let moved = with_retries(|| async {
        let current = linked(&ctx, &body.token).await?;
        let now = ctx.now();
        if !current.value.is_active(now) {
            return Err(not_changeable().into());
        }
        let held = ctx.booking.held_slot(&body.hold).await?;
        let held =
            super::still_offered(&agendas, held.ok_or_else(|| refused(BookingError::HoldExpired))?, now)?;
        same_type(&held, &current.value.slot.appointment_type)?;
        let remind = agendas.agenda(&held.agenda).and_then(super::reminder_of);
        let link = tokens::random_token();
        let plan = ctx.booking.plan_move(&current, Claim::Hold(&body.hold), Some(&link), remind, now).await?;
        let mut ops = plan.ops;
        if let Some(to) = &plan.appointment.contact.email {
            let email = appointments::moved(to, &plan.appointment, Some(&link), &ctx.email_context(&agendas));
            let event = format!("appointment-moved:{}:{}", plan.appointment.id, plan.appointment.sequence);
            ops.push(ctx.queue(&email, &event)?);
        }
        ops.push(agendas.unchanged());
        ctx.booking.commit(ops).await?;
        Ok(plan.appointment)
    })
    .await?;
    let appointment = AppointmentView::new(&moved, &agendas, ctx.now());
    Ok(axum::Json(Moved { appointment }).into_response())
}
