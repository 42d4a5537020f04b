//! The appointment aggregate: the slot an appointment or a hold takes,
//! who the appointment is for, where it stands, and the rules on time
//! around it (how long a hold keeps its place, when the reminder goes, how
//! long an appointment is listed and kept). How appointments are stored,
//! and how two bookers are kept off one place, is `gru_records::booking`'s.

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

/// How long a hold keeps a place while the citizen gives their details.
pub const HOLD_TTL: SignedDuration = SignedDuration::from_mins(10);
/// How long the dashboard lists an appointment after its end.
pub const SHOWN_AFTER: SignedDuration = SignedDuration::from_hours(30 * 24);
/// How long an appointment is kept after its end (the citizen's dashboard,
/// the agents' planning of past weeks), then deleted by the store.
pub const KEEP_AFTER_END: SignedDuration = SignedDuration::from_hours(400 * 24);

/// A slot as an appointment or a hold takes it: where, what, when, and how
/// much it may share the agenda with others.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotRef {
    /// The agenda's id.
    pub agenda: String,
    /// The appointment type's id.
    pub appointment_type: String,
    pub start: Timestamp,
    pub end: Timestamp,
    /// The end plus the type's buffer: how long it occupies the agenda.
    pub until: Timestamp,
    /// The city's day it is on (its ledger).
    pub day: Date,
    /// The type's places, and the agenda's desks over every type.
    pub places: u32,
    pub capacity: u32,
}

/// Where an appointment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Booked, and neither cancelled nor attended yet.
    Booked,
    /// Cancelled by the citizen or an agent: its place is free again.
    Cancelled,
    /// The citizen came (marked by an agent).
    Present,
    /// The citizen did not come (marked by an agent).
    NoShow,
}

/// Who the appointment is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// One appointment. Its id never changes, even when it moves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appointment {
    pub id: String,
    pub slot: SlotRef,
    pub status: Status,
    pub contact: Contact,
    /// The citizen's account, when booked signed in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// The request it belongs to, when the service asks for both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// `online`, or how an agent was reached: `phone`, `counter`, `email`, `post`.
    pub channel: String,
    /// The agent who booked it, for agents' eyes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub booked_by: Option<String>,
    /// The `.ics` SEQUENCE: raised by each change the citizen is told about.
    pub sequence: u32,
    pub created_at: Timestamp,
    /// When the reminder goes, while it has not gone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remind_at: Option<Timestamp>,
    /// The SHA-256 of the live manage link, if there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// The answers to its type's questions, by question id.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub answers: std::collections::BTreeMap<String, String>,
    /// Who cancelled it, once cancelled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled_by: Option<Canceller>,
}

impl Appointment {
    /// Whether it still takes a place and can be moved or cancelled.
    pub fn is_active(&self, now: Timestamp) -> bool {
        self.status == Status::Booked && self.slot.start > now
    }
}

/// Who cancelled an appointment: its citizen (signed in or by its link), or
/// an agent (for a caller, or closing a day).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Canceller {
    Citizen,
    Agent,
}

impl Canceller {
    pub fn as_str(self) -> &'static str {
        match self {
            Canceller::Citizen => "citizen",
            Canceller::Agent => "agent",
        }
    }
}

/// When the reminder of `slot` goes: `before` its start, if that is still
/// ahead of `now` (an appointment booked the day before gets none).
pub fn remind_at(slot: &SlotRef, before: Option<SignedDuration>, now: Timestamp) -> Option<Timestamp> {
    let at = slot.start - before?;
    (at > now).then_some(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        "2027-03-22T08:00:00Z".parse().expect("a timestamp")
    }

    fn slot(places: u32) -> SlotRef {
        let start: Timestamp = "2027-03-24T09:00:00Z".parse().expect("a timestamp");
        SlotRef {
            agenda: "mairie".to_owned(),
            appointment_type: "titre".to_owned(),
            start,
            end: start + SignedDuration::from_mins(20),
            until: start + SignedDuration::from_mins(30),
            day: start.to_zoned_datetime(jiff::tz::TimeZone::UTC).date(),
            places,
            capacity: places,
        }
    }

    #[test]
    fn a_reminder_too_late_is_not_planned() {
        let slot = slot(1);
        let day = SignedDuration::from_hours(24);
        assert_eq!(remind_at(&slot, Some(day), slot.start - SignedDuration::from_hours(2)), None);
        assert_eq!(remind_at(&slot, None, now()), None);
    }
}
