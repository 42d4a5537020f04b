//! Requests and the drafts they start as: the public phases a citizen sees,
//! whatever the service's workflow; the draft being filled in; the request
//! as submitted or recorded, with its history, its assignee and its deadline;
//! what a citizen's list shows of it and the receipt a submission answers.

use crate::form::{Answers, FormDocument};
use crate::holidays::HolidayCalendar;
use crate::workflow::{self, Deadline, Workflow};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// The fixed public phase of a request. Each service's workflow maps its own
/// statuses onto these, so citizens and indicators read the same words
/// everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Submitted,
    InProgress,
    WaitingForCitizen,
    Accepted,
    Refused,
    Closed,
}

impl Phase {
    /// Every phase, in a request's usual order.
    pub const ALL: [Phase; 6] = [
        Phase::Submitted,
        Phase::InProgress,
        Phase::WaitingForCitizen,
        Phase::Accepted,
        Phase::Refused,
        Phase::Closed,
    ];

    /// Whether requests end here: accepted, refused or closed.
    pub fn is_final(self) -> bool {
        matches!(self, Phase::Accepted | Phase::Refused | Phase::Closed)
    }

    /// Whether a request is decided against the citizen here (refused or
    /// closed without action): the agent must then say why, in words the
    /// citizen reads on their follow-up page.
    pub fn asks_reason(self) -> bool {
        matches!(self, Phase::Refused | Phase::Closed)
    }

    /// The key fragment and JSON name (`submitted`, `in_progress`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Submitted => "submitted",
            Phase::InProgress => "in_progress",
            Phase::WaitingForCitizen => "waiting_for_citizen",
            Phase::Accepted => "accepted",
            Phase::Refused => "refused",
            Phase::Closed => "closed",
        }
    }

    /// What the citizen reads.
    pub fn label(self) -> &'static str {
        match self {
            Phase::Submitted => "Demande reçue",
            Phase::InProgress => "En cours de traitement",
            Phase::WaitingForCitizen => "En attente de votre réponse",
            Phase::Accepted => "Acceptée",
            Phase::Refused => "Refusée",
            Phase::Closed => "Terminée",
        }
    }
}

/// A form being filled in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    pub id: String,
    pub service: String,
    pub form_version: u32,
    pub answers: Answers,
    /// The page the citizen was on, to resume there.
    pub page: Option<String>,
    /// The account that owns it; `None` for a draft without an account, whose
    /// id is the capability.
    pub account: Option<String>,
    /// The address the citizen gave (without an account), for the code, the
    /// resume link and the warning before purge.
    pub email: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// When the draft is purged unless saved again.
    pub purge_at: Timestamp,
    /// The day (UTC) the warning before purge goes out; `None` when nobody
    /// can be warned (no account, no email given). The pending warning is a
    /// pointer item, deleted once sent, so sending it never changes the
    /// draft (and never makes the citizen's next save look concurrent).
    pub warn_on: Option<jiff::civil::Date>,
}

/// A document the request needs, as the citizen's case required it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequiredDocument {
    pub id: String,
    pub title: String,
    pub description: String,
}

impl From<&FormDocument> for RequiredDocument {
    fn from(d: &FormDocument) -> Self {
        Self { id: d.id.clone(), title: d.title.clone(), description: d.description.clone() }
    }
}

/// The agent handling a request, with the name lists show (as it was when
/// assigned, so a list needs no read of the agents).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignee {
    pub id: String,
    pub name: String,
}

/// What an entry of a request's history records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HistoryKind {
    /// Sent online by the citizen (every entry stored before workflows is one).
    #[default]
    Submitted,
    /// Recorded by an agent for a request that came by another channel.
    Recorded,
    /// Moved to another status of its workflow.
    Status,
    /// Given to an agent, or released.
    Assigned,
}

/// One entry of a request's history. The fields added with workflows
/// default, so entries stored before them still read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub at: Timestamp,
    /// The phase the request is in after this entry.
    pub phase: Phase,
    /// Who acted: `citizen`, or an agent's id.
    pub by: String,
    #[serde(default)]
    pub kind: HistoryKind,
    /// The workflow status entered (submitted, recorded and status entries).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The acting agent's name, as it was then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_name: Option<String>,
    /// An agent's comment on the change: agents read it, citizens never do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Why the request was refused or closed, in the agent's words for the
    /// citizen, who reads it on their follow-up page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// How the request came in (submitted and recorded entries).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// The agent now handling the request (assigned entries; `None`: released).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<Assignee>,
}

impl HistoryEntry {
    /// An entry of `kind` with its time, phase and actor only; the caller
    /// fills in what its kind records.
    pub fn new(kind: HistoryKind, at: Timestamp, phase: Phase, by: impl Into<String>) -> Self {
        Self {
            at,
            phase,
            by: by.into(),
            kind,
            status: None,
            by_name: None,
            comment: None,
            reason: None,
            channel: None,
            assignee: None,
        }
    }
}

/// A submitted request and where its instruction stands. The fields added
/// with workflows default when read (`status` to the phase's name,
/// `updated_at` to `submitted_at`), so requests stored before them still read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request {
    pub reference: String,
    pub service: String,
    pub service_title: String,
    pub form_version: u32,
    pub answers: Answers,
    pub documents: Vec<RequiredDocument>,
    pub email: String,
    pub account: Option<String>,
    /// The citizen's name when known (the account's profile, or what an
    /// agent recorded), for agents' lists and search.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citizen_name: Option<String>,
    /// How the request reached the city: `online` here; agents record others.
    pub channel: String,
    /// The public phase: the phase of `status` in the service's workflow.
    pub phase: Phase,
    /// The status of the service's workflow the request is at.
    pub status: String,
    pub submitted_at: Timestamp,
    /// When it last changed (its submission, until an agent acts).
    pub updated_at: Timestamp,
    pub history: Vec<HistoryEntry>,
    /// The case its files belong to (the id of the draft it was), when it
    /// came from a draft.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case: Option<String>,
    /// The agent handling it, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<Assignee>,
    /// The processing deadline, when its workflow sets one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Deadline>,
    /// The due day its deadline had when it was decided (a decision stops
    /// the deadline): whether it was decided in time, for the indicators.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_due: Option<jiff::civil::Date>,
    /// While it waits for the citizen: the status to go back to when the
    /// citizen answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resume_status: Option<String>,
    /// Where to write to the citizen, for a request received by post or at
    /// the counter without an email address: its letters are printed from
    /// the back office.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_address: Option<crate::account::Address>,
    /// Sent by an Open311 app (channel `open311`): where, and with what media.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open311: Option<Open311Origin>,
}

impl Request {
    /// When a request in a final phase was decided: its last entry into
    /// that phase (a decided request may be reopened, then decided again).
    pub fn decided_at(&self) -> Option<Timestamp> {
        self.decision_entry().map(|index| self.history[index].at)
    }

    /// The index in `history` of the entry after which the request stayed final.
    pub fn decision_entry(&self) -> Option<usize> {
        if !self.phase.is_final() || self.history.is_empty() {
            return None;
        }
        Some(self.history.iter().rposition(|e| !e.phase.is_final()).map_or(0, |i| i + 1))
            .filter(|index| *index < self.history.len())
    }
}

/// What an Open311 app sent besides the form's answers: the location as
/// given and the media's address, published by the standard's `GET
/// requests` (never the reporter's identity nor the description).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Open311Origin {
    /// The id of the application's key.
    pub application: String,
    /// The application's name when it sent the report.
    pub application_name: String,
    /// The Open311 service the app chose (the service's slug, or one of its
    /// `[[open311.codes]]`), and its name then.
    pub service_code: String,
    pub service_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub long: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_url: Option<String>,
}

/// What a citizen's list shows of a request (one item per request under the
/// citizen's email).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestSummary {
    pub reference: String,
    pub service: String,
    pub service_title: String,
    pub phase: Phase,
    pub submitted_at: Timestamp,
    pub channel: String,
    /// The citizen's label of its status, once an agent moved it (before
    /// that, the phase's label says it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_label: Option<String>,
}

/// The answer given to a submission, kept so that a retry gets it again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub reference: String,
    /// The citizen's private tracking link; never given to an agent who
    /// records a request (the citizen gets it by email), or the agent could
    /// act as the citizen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_url: Option<String>,
}

/// Who brought a new request in: the citizen online, or an agent recording
/// one that came by another channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnteredBy {
    Citizen,
    Agent { id: String, name: String },
}

/// What a new request is made of, before it enters its workflow.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRequest {
    pub reference: String,
    pub service: String,
    pub service_title: String,
    pub form_version: u32,
    pub answers: Answers,
    pub documents: Vec<RequiredDocument>,
    pub email: String,
    pub account: Option<String>,
    pub citizen_name: Option<String>,
    /// `online`, or the channel an agent recorded.
    pub channel: String,
    /// The case its files belong to, when it came from a draft.
    pub case: Option<String>,
    pub entered_by: EnteredBy,
}

impl NewRequest {
    /// The request at the first status of `workflow`, received `now`
    /// (`today` in the city), with its first history entry and the
    /// processing deadline that status sets.
    pub fn enter(
        self,
        workflow: &Workflow,
        now: Timestamp,
        today: Date,
        calendar: HolidayCalendar,
    ) -> Request {
        let first = workflow.initial();
        let (kind, by, by_name) = match self.entered_by {
            EnteredBy::Citizen => (HistoryKind::Submitted, "citizen".to_owned(), None),
            EnteredBy::Agent { id, name } => (HistoryKind::Recorded, id, Some(name)),
        };
        Request {
            reference: self.reference,
            service: self.service,
            service_title: self.service_title,
            form_version: self.form_version,
            answers: self.answers,
            documents: self.documents,
            email: self.email,
            account: self.account,
            citizen_name: self.citizen_name,
            channel: self.channel.clone(),
            phase: first.phase,
            status: first.id.clone(),
            submitted_at: now,
            updated_at: now,
            history: vec![HistoryEntry {
                status: Some(first.id.clone()),
                channel: Some(self.channel),
                by_name,
                ..HistoryEntry::new(kind, now, first.phase, by)
            }],
            case: self.case,
            assignee: None,
            deadline: workflow::apply(first.deadline, None, today, workflow, calendar),
            decided_due: None,
            resume_status: None,
            open311: None,
            postal_address: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_names_are_the_key_fragments() {
        for phase in Phase::ALL {
            assert_eq!(serde_json::to_value(phase).unwrap(), phase.as_str());
        }
    }
}
