//! A request's thread as data: its messages, the agents' internal notes,
//! and the counters that say who has something new to read. Pure rules, no
//! I/O: the repository stores them, the handlers decide who sees what.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The thread's counters and its sides: one definition, the tracking
/// function's (its inbox reads the agents' unread counts).
pub use gru_records::thread_state::{Side, ThreadState};

/// The longest message, in characters (Unicode scalar values, as people
/// count them, not bytes).
pub const MAX_TEXT_CHARS: usize = 5000;

/// The most files one message carries.
pub const MAX_FILES: usize = 10;

/// Who wrote a message. Serialised as `{"kind": "citizen"}` or
/// `{"kind": "agent", "id": …, "name": …}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Author {
    /// The request's citizen (signed in, or holding the tracking link).
    Citizen,
    /// An agent of the city, named as they were when they wrote.
    Agent { id: String, name: String },
}

impl Author {
    pub fn side(&self) -> Side {
        match self {
            Author::Citizen => Side::Citizen,
            Author::Agent { .. } => Side::Agents,
        }
    }
}

/// A file joined to a message: one of the request's files for the
/// document `thread`, as it was when joined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageFile {
    pub id: String,
    pub name: String,
    /// Its media type (`application/pdf`, `image/jpeg`, `image/png`).
    #[serde(rename = "type")]
    pub media_type: String,
    pub size: u64,
}

/// One message of a thread, or an internal note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub id: String,
    pub at: Timestamp,
    pub author: Author,
    /// An agents' note: never shown, counted nor emailed to the citizen.
    pub internal: bool,
    /// Plain text, kept exactly as written: markup in it is just characters.
    pub text: String,
    pub files: Vec<MessageFile>,
}

impl Message {
    /// Whether the citizen may see it.
    pub fn is_public(&self) -> bool {
        !self.internal
    }

    /// Whether it is news for `side`: written by the other side, and a
    /// note is news for nobody but agents (who never count them: notes are
    /// their own side's).
    pub fn is_news_for(&self, side: Side) -> bool {
        self.author.side() != side && (side == Side::Agents || self.is_public())
    }
}

/// What is wrong with a message's text, in French for the person typing it.
/// A text with nothing visible (blanks, zero-width spaces, bidirectional
/// controls…) is as empty as no text.
pub fn text_problem(text: &str) -> Option<String> {
    if !gru_domain::text::has_visible(text) {
        return Some("Écrivez votre message.".to_owned());
    }
    let chars = text.chars().count();
    (chars > MAX_TEXT_CHARS)
        .then(|| format!("Le message fait {chars} caractères : {MAX_TEXT_CHARS} au plus."))
}

/// The thread's counters after `message` is added to `state`: one more
/// message, and one more unread for the side it is news for.
pub fn counted(state: &ThreadState, message: &Message) -> ThreadState {
    state.with_message(message.at, |side| message.is_news_for(side))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(author: Author, internal: bool, at: &str) -> Message {
        Message {
            id: "m".into(),
            at: at.parse().unwrap(),
            author,
            internal,
            text: "Bonjour".into(),
            files: Vec::new(),
        }
    }

    fn agent() -> Author {
        Author::Agent { id: "a1".into(), name: "Claire Martin".into() }
    }

    #[test]
    fn each_side_counts_what_the_other_side_wrote_and_notes_count_for_nobody() {
        let at = "2027-03-01T09:00:00Z";
        let state = [
            message(Author::Citizen, false, at),
            message(agent(), false, at),
            message(agent(), true, at),
            message(Author::Citizen, false, at),
        ]
        .iter()
        .fold(ThreadState::default(), |state, m| counted(&state, m));
        assert_eq!((state.messages, state.citizen_unread, state.agents_unread), (4, 1, 2));
        let read = state.read_by(Side::Agents);
        assert_eq!((read.unread(Side::Agents), read.unread(Side::Citizen)), (0, 1));
        assert_eq!(state.read_by(Side::Citizen).unread(Side::Citizen), 0);
    }

    #[test]
    fn texts_are_one_to_five_thousand_characters() {
        assert!(text_problem("").is_some());
        assert!(text_problem(" \n\t ").is_some());
        assert_eq!(
            text_problem("\u{200b}\u{200b}\u{200b}"),
            text_problem(" "),
            "zero-width spaces are as blank as a space"
        );
        assert_eq!(text_problem("\u{202e}\u{feff}\n\u{2066}"), text_problem(""));
        assert_eq!(text_problem("\u{200b}Merci\u{200b}"), None);
        assert_eq!(text_problem("<script>alert(1)</script>"), None, "markup is just text");
        assert_eq!(text_problem(&"é".repeat(MAX_TEXT_CHARS)), None, "characters, not bytes");
        let long = text_problem(&"a".repeat(MAX_TEXT_CHARS + 1)).unwrap();
        assert!(long.contains("5001") && long.contains("5000"), "{long}");
    }

    #[test]
    fn authors_serialise_with_their_kind() {
        assert_eq!(serde_json::to_value(Author::Citizen).unwrap(), serde_json::json!({ "kind": "citizen" }));
        assert_eq!(
            serde_json::to_value(agent()).unwrap(),
            serde_json::json!({ "kind": "agent", "id": "a1", "name": "Claire Martin" })
        );
    }
}
