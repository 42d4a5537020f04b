//! The booking function: citizens book appointments in the city's agendas
//! (docs/booking.md). A citizen holds a slot for a few minutes while giving
//! their details, then confirms; a confirmation emails an `.ics` and a
//! private link to cancel or reschedule. Agents see the planning of the
//! agendas of their services, book for citizens who call or come, mark
//! attendance, cancel, and close days.
//!
//! No slot is ever booked twice: each agenda's day is one ledger item,
//! written at the version read in the same transaction as the appointment,
//! and an appointment is added only where it fits ([`repository`]).
//!
//! Routes (all under [`PREFIX`]; bodies are JSON, unknown fields refused;
//! every `POST` needs the `X-GRU-CSRF` header):
//!
//! | route | who | answer |
//! |---|---|---|
//! | `GET /types` | anyone | the appointment types and the agendas offering each |
//! | `GET /availability` `?type&agenda&from&days` | anyone | free slots per day, of one agenda or all offering the type |
//! | `POST /holds` `{agenda, type, start}` | anyone | 201 a hold of one place for 10 minutes; 409 `slot-taken` |
//! | `POST /appointments` `{hold \| agenda+type+start, name, email?, phone?, reference?, answers?}` | anyone (email needed without a session) | 201 the appointment, emailed with its `.ics`, what to bring and the manage link; 422 `invalid-answers` on `answers.<id>`; `Idempotency-Key` accepted |
//! | `GET /appointments` | citizen | the citizen's appointments |
//! | `POST /appointments/{id}/cancel` | the appointment's citizen | the cancelled appointment |
//! | `POST /manage` `{token}` | holder of the manage link | the appointment |
//! | `POST /manage/cancel` `{token}` | holder of the manage link | the cancelled appointment; the link is revoked |
//! | `POST /manage/reschedule` `{token, hold}` | holder of the manage link | the moved appointment (same id); a new link is emailed, the old one is revoked |
//! | `GET /agent/agendas` | agent | the agendas of the agent's services |
//! | `GET /agent/planning` `?agenda\|place&from&days` | agent handling the agenda | appointments per day; audited |
//! | `POST /agent/appointments` `{agenda, type, start, name, email?, phone?, channel, override_notice?, reference?}` | agent handling the agenda | 201 the appointment; audited; `Idempotency-Key` accepted |
//! | `POST /agent/appointments/{id}/attendance` `{status}` | agent handling the agenda | present or no-show; audited |
//! | `POST /agent/appointments/{id}/cancel` `{reason}` | agent handling the agenda | cancelled, the citizen emailed; audited |
//! | `POST /agent/appointments/{id}/reschedule` `{start, agenda?}` | agent handling the agenda | moved (same id), the citizen emailed; audited |
//! | `POST /agent/agendas/{agenda}/closures` `{from, until?, reason}` | agent handling the agenda | 201 the closure and the appointments to move; audited |
//!
//! An appointment or agenda the caller may not reach is the same 404 as
//! one that does not exist. Every answer with personal data is
//! `Cache-Control: no-store`.

mod api;
mod views;

pub use api::router;

/// The URL prefix this function owns (one API Gateway route).
pub const PREFIX: &str = "/api/booking";
