//! A request's thread as data: its messages, the agents' internal notes,
//! and the counters that say who has something new to read. Pure rules, no
//! I/O: the repository stores them, the handlers decide who sees what.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

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

/// Which side of the thread someone is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Citizen,
    Agents,
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
pub fn text_problem(text: &str) -> Option<String> {
    if text.trim().is_empty() {
        return Some("Écrivez votre message.".to_owned());
    }
    let chars = text.chars().count();
    (chars > MAX_TEXT_CHARS)
        .then(|| format!("Le message fait {chars} caractères : {MAX_TEXT_CHARS} au plus."))
}

/// The counters of a thread, kept in one item written with every message
/// (version-checked), so they are exact under concurrent writers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadState {
    /// Every message and note of the thread.
    pub messages: u32,
    /// Agents' messages (never notes) the citizen has not read.
    pub citizen_unread: u32,
    /// Citizen's messages the agents have not read.
    pub agents_unread: u32,
    /// When the last message or note was written.
    pub last_at: Option<Timestamp>,
}

impl ThreadState {
    /// The instant a message written `now` is recorded at: `now`, or just
    /// after the last message when the clocks of two writers disagree, so
    /// the order of messages is the order they were written in.
    /// Instants are kept to the microsecond, the precision of sort keys.
    pub fn next_at(&self, now: Timestamp) -> Timestamp {
        let now = Timestamp::from_microsecond(now.as_microsecond()).unwrap_or(now);
        match self.last_at {
            Some(last) if last >= now => last + SignedDuration::from_micros(1),
            _ => now,
        }
    }

    /// The state once `message` is added.
    pub fn with(&self, message: &Message) -> ThreadState {
        let mut next = self.clone();
        next.messages += 1;
        next.last_at = Some(message.at);
        if message.is_news_for(Side::Citizen) {
            next.citizen_unread += 1;
        }
        if message.is_news_for(Side::Agents) {
            next.agents_unread += 1;
        }
        next
    }

    /// What `side` has not read.
    pub fn unread(&self, side: Side) -> u32 {
        match side {
            Side::Citizen => self.citizen_unread,
            Side::Agents => self.agents_unread,
        }
    }

    /// The state once `side` has read everything.
    pub fn read_by(&self, side: Side) -> ThreadState {
        let mut next = self.clone();
        match side {
            Side::Citizen => next.citizen_unread = 0,
            Side::Agents => next.agents_unread = 0,
        }
        next
    }
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
        let state = ThreadState::default()
            .with(&message(Author::Citizen, false, at))
            .with(&message(agent(), false, at))
            .with(&message(agent(), true, at))
            .with(&message(Author::Citizen, false, at));
        assert_eq!((state.messages, state.citizen_unread, state.agents_unread), (4, 1, 2));
        let read = state.read_by(Side::Agents);
        assert_eq!((read.unread(Side::Agents), read.unread(Side::Citizen)), (0, 1));
        assert_eq!(state.read_by(Side::Citizen).unread(Side::Citizen), 0);
    }

    #[test]
    fn messages_are_recorded_in_the_order_they_are_written() {
        let now: Timestamp = "2027-03-01T09:00:00Z".parse().unwrap();
        let empty = ThreadState::default();
        assert_eq!(empty.next_at(now), now);
        let state = empty.with(&message(Author::Citizen, false, "2027-03-01T09:00:00Z"));
        assert_eq!(state.next_at(now), now + SignedDuration::from_micros(1), "same instant");
        let behind = now - SignedDuration::from_secs(5);
        assert_eq!(state.next_at(behind), now + SignedDuration::from_micros(1), "a slow clock");
        let later = now + SignedDuration::from_secs(5);
        assert_eq!(state.next_at(later), later);
    }

    #[test]
    fn texts_are_one_to_five_thousand_characters() {
        assert!(text_problem("").is_some());
        assert!(text_problem(" \n\t ").is_some());
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
