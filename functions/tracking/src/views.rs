//! The JSON the back office reads: inbox rows and a request in full.

use gru_domain::form::{Answers, PageSummary};
use gru_domain::request::Phase;
use gru_domain::request::{Assignee, HistoryEntry, HistoryKind, Open311Origin, Request};
use gru_domain::workflow::{Deadline, DeadlineState, Status, Workflow};
use gru_records::case_files::DocumentFiles;
use gru_records::timeline::status_of;
use gru_web::Role;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;

#[derive(Serialize)]
pub struct ServiceRef {
    pub slug: String,
    pub title: String,
}

/// A status with both its labels.
#[derive(Serialize)]
pub struct StatusView {
    pub id: String,
    /// The agents' label.
    pub label: String,
    pub citizen_label: String,
    pub phase: Phase,
}

impl From<&Status> for StatusView {
    fn from(status: &Status) -> Self {
        Self {
            id: status.id.clone(),
            label: status.agent_label.clone(),
            citizen_label: status.citizen_label.clone(),
            phase: status.phase,
        }
    }
}

#[derive(Serialize)]
pub struct DeadlineView {
    pub due: Date,
    pub alert: Option<Date>,
    pub paused_since: Option<Date>,
    /// `on_time`, `soon`, `late` or `paused`, as of today in the city.
    pub state: DeadlineState,
}

impl DeadlineView {
    fn new(deadline: &Deadline, today: Date) -> Self {
        Self {
            due: deadline.due,
            alert: deadline.alert,
            paused_since: deadline.paused_since,
            state: deadline.state(today),
        }
    }
}

#[derive(Serialize)]
pub struct CitizenView {
    pub name: Option<String>,
    pub email: String,
    /// Whether the request was made from a citizen's account.
    pub with_account: bool,
}

/// One request in the inbox.
#[derive(Serialize)]
pub struct Row {
    pub reference: String,
    pub service: ServiceRef,
    pub citizen: CitizenView,
    pub status: StatusView,
    pub phase: Phase,
    pub channel: String,
    pub submitted_at: Timestamp,
    pub updated_at: Timestamp,
    pub deadline: Option<DeadlineView>,
    pub assignee: Option<Assignee>,
}

impl Row {
    pub fn new(request: &Request, workflow: &Workflow, today: Date) -> Self {
        Self {
            reference: request.reference.clone(),
            service: ServiceRef { slug: request.service.clone(), title: request.service_title.clone() },
            citizen: CitizenView {
                name: request.citizen_name.clone(),
                email: request.email.clone(),
                with_account: request.account.is_some(),
            },
            status: status_of(workflow, request).into(),
            phase: request.phase,
            channel: request.channel.clone(),
            submitted_at: request.submitted_at,
            updated_at: request.updated_at,
            deadline: request.deadline.as_ref().map(|d| DeadlineView::new(d, today)),
            assignee: request.assignee.clone(),
        }
    }
}

/// One row of the inbox: the request, and what its thread holds that the
/// agents have not read.
#[derive(Serialize)]
pub struct InboxRow {
    #[serde(flatten)]
    pub row: Row,
    /// The citizen's messages no agent has read yet.
    pub unread: u32,
}

/// A transition the agent may make now.
#[derive(Serialize)]
pub struct TransitionView {
    pub to: String,
    /// The button's label.
    pub label: String,
    pub status: StatusView,
    /// Whether entering the status emails the citizen.
    pub emails_citizen: bool,
    /// Whether it decides against the citizen (refused, closed): the agent
    /// confirms and gives the reason the citizen will read.
    pub asks_reason: bool,
}

/// What the agent may do about the assignee.
#[derive(Serialize)]
pub struct AssignmentRights {
    /// Assign the request to themselves.
    pub take: bool,
    /// Leave it unassigned (their own, or anyone's for a supervisor).
    pub release: bool,
    /// Assign it to a colleague.
    pub assign: bool,
}

/// One entry of the history, as agents read it (comments included).
#[derive(Serialize)]
pub struct HistoryView {
    pub at: Timestamp,
    pub kind: HistoryKind,
    pub phase: Phase,
    /// The status entered, with its labels (entries that enter one).
    pub status: Option<StatusView>,
    /// `citizen` or the agent's id.
    pub by: String,
    pub by_name: Option<String>,
    pub comment: Option<String>,
    /// What the citizen was told (refusals and closures).
    pub reason: Option<String>,
    pub channel: Option<String>,
    pub assignee: Option<Assignee>,
}

impl HistoryView {
    pub fn new(entry: &HistoryEntry, workflow: &Workflow) -> Self {
        Self {
            at: entry.at,
            kind: entry.kind,
            phase: entry.phase,
            status: entry.status.as_deref().and_then(|id| workflow.status(id)).map(StatusView::from),
            by: entry.by.clone(),
            by_name: entry.by_name.clone(),
            comment: entry.comment.clone(),
            reason: entry.reason.clone(),
            channel: entry.channel.clone(),
            assignee: entry.assignee.clone(),
        }
    }
}

/// A request in full, as an agent of its service reads it.
#[derive(Serialize)]
pub struct Detail {
    #[serde(flatten)]
    pub row: Row,
    /// To send back with the next change.
    pub version: u64,
    pub form_version: u32,
    /// Where letters go, when the citizen gave no email address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postal_address: Option<gru_domain::account::Address>,
    pub answers: Answers,
    /// The answers with their questions, page by page.
    pub summary: Vec<PageSummary>,
    pub documents: Vec<DocumentFiles>,
    /// Every entry, oldest first.
    pub history: Vec<HistoryView>,
    /// What the citizen reads as the next step.
    pub next_step: Option<String>,
    /// While it waits for the citizen: the status their answer leads back to.
    pub resume_status: Option<String>,
    pub transitions: Vec<TransitionView>,
    pub assignment: AssignmentRights,
    /// Sent by an Open311 app: the application, the location and the media as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open311: Option<Open311Origin>,
}

/// What the agent's role and the request allow about its assignee.
pub fn assignment_rights(role: Role, agent_id: &str, request: &Request) -> AssignmentRights {
    let own = request.assignee.as_ref().is_some_and(|a| a.id == agent_id);
    let supervisor = role >= Role::Supervisor;
    AssignmentRights {
        take: !own,
        release: request.assignee.is_some() && (own || supervisor),
        assign: supervisor,
    }
}

/// A colleague to assign a request to.
#[derive(Serialize)]
pub struct Colleague {
    pub id: String,
    pub name: String,
    pub role: Role,
}
