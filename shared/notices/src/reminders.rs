//! The reminders: each booked appointment whose reminder time has come gets
//! its email, once. Run by the notifier's schedule on AWS and by the
//! all-in-one portal's delivery task; a reminder is taken off the index in
//! the transaction that queues its email, so two runs never send it twice.

use crate::appointments;
use gru_domain::appointment::Status;
use gru_records::agendas::{self, AgendasError};
use gru_records::booking::{BookingError, BookingRepository};
use gru_records::catalogue::CatalogueRepository;
use gru_web::Platform;

/// What sending the reminders can fail on.
#[derive(Debug, thiserror::Error)]
pub enum ReminderError {
    #[error(transparent)]
    Agendas(#[from] AgendasError),
    #[error(transparent)]
    Booking(#[from] BookingError),
}

/// Queues the email of every reminder due; returns how many. A reminder
/// that meets a concurrent change (a move, a cancellation) is left to the
/// next run, which reads the appointment again.
pub async fn send_due(platform: &Platform) -> Result<usize, ReminderError> {
    let booking = BookingRepository::new(platform.store.clone());
    let now = platform.clock.now();
    let due = booking.due_reminders(now).await?;
    if due.is_empty() {
        return Ok(0);
    }
    let catalogue = CatalogueRepository::new(platform.store.clone());
    let agendas = agendas::load(&catalogue, &booking).await?;
    let context = appointments::Context { agendas: &agendas, public_url: &platform.settings.public_url, now };
    let mut sent = 0;
    for id in due {
        let current = match booking.appointment(&id).await {
            Ok(Some(current)) => current,
            Ok(None) => continue,
            Err(error) => {
                tracing::warn!(appointment = %id, %error, "an appointment's reminder failed");
                continue;
            }
        };
        let appointment = &current.value;
        if appointment.status != Status::Booked || appointment.remind_at.is_none_or(|at| at > now) {
            continue;
        }
        let mut reminded = appointment.clone();
        reminded.remind_at = None;
        let plan = booking.plan_update(&current, reminded)?;
        let mut ops = plan.ops;
        // A run late past the start takes the reminder off without sending it.
        let started = appointment.slot.start <= now;
        if let Some(to) = appointment.contact.email.as_ref().filter(|_| !started) {
            let email = appointments::reminder(to, appointment, &context);
            let event = format!("appointment-reminder:{id}:{}", appointment.sequence);
            ops.push(gru_outbox::enqueue(&email, &event, now).map_err(BookingError::from)?);
        }
        match booking.commit(ops).await {
            Ok(()) => sent += usize::from(!started),
            Err(BookingError::Race) => continue,
            // One appointment's failure does not hold back the others'.
            Err(error) => tracing::warn!(appointment = %id, %error, "an appointment's reminder failed"),
        }
    }
    Ok(sent)
}
