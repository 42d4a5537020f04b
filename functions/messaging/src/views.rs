//! What each side is shown of a thread. The citizen's views are built from
//! public messages only: a note cannot reach a citizen's answer by mistake,
//! since no citizen view takes one.

use crate::repository::{ReadMarker, Thread};
use crate::thread::{Author, Message, MessageFile, Side};
use gru_domain::request::Phase;
use gru_domain::request::Request;
use jiff::Timestamp;
use serde::Serialize;

/// Who wrote a message, as shown: agents see their colleagues' ids, the
/// citizen sees the agent's name (the administration's agents are named to
/// the public they serve) but no id.
#[derive(Debug, Serialize)]
pub struct AuthorView {
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// One message as shown. The text is plain text: pages render it as text,
/// never as markup.
#[derive(Debug, Serialize)]
pub struct MessageView {
    pub id: String,
    pub at: Timestamp,
    pub author: AuthorView,
    /// Agents only: whether it is an internal note.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub internal: Option<bool>,
    pub text: String,
    pub files: Vec<MessageFile>,
    /// Written by the other side since the reader's side last read.
    pub new: bool,
    /// Agents only, on their messages to the citizen: whether the citizen
    /// has read it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_by_citizen: Option<bool>,
}

fn is_new(message: &Message, side: Side, marker: Option<&ReadMarker>) -> bool {
    message.is_news_for(side) && !marker.is_some_and(|m| m.covers(message))
}

impl MessageView {
    /// `message` as the citizen sees it (`None` for a note).
    pub fn for_citizen(message: &Message, marker: Option<&ReadMarker>) -> Option<MessageView> {
        if !message.is_public() {
            return None;
        }
        let author = match &message.author {
            Author::Citizen => AuthorView { kind: "citizen", id: None, name: None },
            Author::Agent { name, .. } => AuthorView { kind: "agent", id: None, name: Some(name.clone()) },
        };
        Some(MessageView {
            id: message.id.clone(),
            at: message.at,
            author,
            internal: None,
            text: message.text.clone(),
            files: message.files.clone(),
            new: is_new(message, Side::Citizen, marker),
            read_by_citizen: None,
        })
    }

    /// `message` as agents see it.
    pub fn for_agents(message: &Message, thread: &Thread) -> MessageView {
        let (author, to_citizen) = match &message.author {
            Author::Citizen => (AuthorView { kind: "citizen", id: None, name: None }, false),
            Author::Agent { id, name } => (
                AuthorView { kind: "agent", id: Some(id.clone()), name: Some(name.clone()) },
                message.is_public(),
            ),
        };
        MessageView {
            id: message.id.clone(),
            at: message.at,
            author,
            internal: Some(message.internal),
            text: message.text.clone(),
            files: message.files.clone(),
            new: is_new(message, Side::Agents, thread.marker(Side::Agents)),
            read_by_citizen: to_citizen
                .then(|| thread.marker(Side::Citizen).is_some_and(|m| m.covers(message))),
        }
    }
}

/// The thread as the citizen sees it.
#[derive(Debug, Serialize)]
pub struct CitizenThreadView {
    pub reference: String,
    pub phase: Phase,
    pub phase_label: &'static str,
    /// The request waits for the citizen's answer: replying moves it on.
    pub waiting_for_citizen: bool,
    /// Older messages exist and are left out (only the last ones are shown).
    pub earlier: bool,
    pub messages: Vec<MessageView>,
}

impl CitizenThreadView {
    pub fn new(request: &Request, thread: &Thread) -> Self {
        let marker = thread.marker(Side::Citizen);
        Self {
            reference: request.reference.clone(),
            phase: request.phase,
            phase_label: request.phase.label(),
            waiting_for_citizen: request.phase == Phase::WaitingForCitizen,
            earlier: thread.earlier,
            messages: thread.messages.iter().filter_map(|m| MessageView::for_citizen(m, marker)).collect(),
        }
    }
}

/// The thread as agents see it, with what the request's page needs to ask
/// the citizen on the right version.
#[derive(Debug, Serialize)]
pub struct AgentThreadView {
    pub reference: String,
    pub service: String,
    pub status: String,
    pub phase: Phase,
    /// The request's version, for `ask`.
    pub version: u64,
    /// Whether this agent may ask the citizen from the current status.
    pub can_ask: bool,
    /// Older messages exist and are left out (only the last ones are shown).
    pub earlier: bool,
    pub messages: Vec<MessageView>,
}

impl AgentThreadView {
    pub fn new(request: &Request, version: u64, can_ask: bool, thread: &Thread) -> Self {
        Self {
            reference: request.reference.clone(),
            service: request.service.clone(),
            status: request.status.clone(),
            phase: request.phase,
            version,
            can_ask,
            earlier: thread.earlier,
            messages: thread.messages.iter().map(|m| MessageView::for_agents(m, thread)).collect(),
        }
    }
}

/// The answer to a message just written.
#[derive(Debug, Serialize)]
pub struct PostedView {
    pub message: MessageView,
    /// Agents only: the request's status after the message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    pub phase: Phase,
    pub phase_label: &'static str,
    /// Agents only: the request's version after the message (for the next `ask`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<u64>,
}
