//! Threads in the store. Access patterns (no scan; see
//! docs/access-patterns.md):
//!
//! | item | pk / sk |
//! |---|---|
//! | a thread's counters | `THREAD#<reference>` / `STATE` |
//! | a message or note | `THREAD#<reference>` / `MSG#<at>#<id>` |
//! | where a side stopped reading | `THREAD#<reference>` / `READ#citizen`, `READ#agents` |
//!
//! `<at>` is RFC 3339 in UTC with exactly six fractional digits, so sort
//! keys order as time does. The `STATE` item's key, format and reading are
//! the tracking function's ([`tracking::thread_state`]: its inbox shows the
//! agents' unread counts). Reading a thread is a get of `STATE`, a query of
//! its last messages, newest first ([`SHOWN_MESSAGES`] at most, fewer when
//! they would make too large an answer: [`SHOWN_BYTES`]), and a query of its
//! two read markers: no answer grows with the thread.
//!
//! Every write goes through the `STATE` item at the version read: a
//! message is written with the counters it bumps, a read with the counter
//! it resets and its marker. Two writers deciding on the same reading
//! cannot both land; the loser reads again. Counters are therefore exact
//! whatever the concurrency, and message instants strictly increase in the
//! order messages land ([`crate::thread::ThreadState::next_at`]).

use crate::thread::{Message, Side, counted};
use gru_ports::store::{Condition, Item, Key, Query, Store, TransactOp, query_all};
use gru_records::requests::RepositoryError;
use gru_records::thread_state;
use gru_records::thread_state::partition;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

pub use gru_records::thread_state::StoredState;

const MESSAGE_PREFIX: &str = "MSG#";
const READ_PREFIX: &str = "READ#";

/// The most messages (notes included) one reading of a thread returns: the
/// last ones. Older ones stay stored, and are not shown.
pub const SHOWN_MESSAGES: usize = 200;

/// The most bytes of messages (as stored, in JSON) one reading returns:
/// with the views' few fields, and once the Lambda's answer escapes the body
/// again (at most doubling it), this stays well under the 6 MB a Lambda may
/// answer, whatever the messages hold (5000 characters each, control
/// characters escaped as six bytes). The newest message is always shown.
pub const SHOWN_BYTES: usize = 2_500_000;

fn marker_key(reference: &str, side: Side) -> Key {
    Key::new(partition(reference), format!("{READ_PREFIX}{}", side_name(side)))
}

fn side_name(side: Side) -> &'static str {
    match side {
        Side::Citizen => "citizen",
        Side::Agents => "agents",
    }
}

/// Where a message sorts in its thread.
pub fn sort_key(message: &Message) -> String {
    format!("{MESSAGE_PREFIX}{:.6}#{}", message.at, message.id)
}

/// Where a side stopped reading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadMarker {
    /// When it read.
    pub at: Timestamp,
    /// The sort key of the last message it was shown ([`sort_key`]).
    pub through: String,
}

impl ReadMarker {
    /// Whether `message` had been shown when this side last read.
    pub fn covers(&self, message: &Message) -> bool {
        sort_key(message) <= self.through
    }
}

/// A thread as read: counters first, then its last messages in order.
#[derive(Debug, Clone, Default)]
pub struct Thread {
    pub state: StoredState,
    /// The last messages and notes, oldest first ([`SHOWN_MESSAGES`],
    /// [`SHOWN_BYTES`]).
    pub messages: Vec<Message>,
    /// Whether older messages (for the citizen: public ones) were left out.
    pub earlier: bool,
    pub citizen_read: Option<ReadMarker>,
    pub agents_read: Option<ReadMarker>,
}

impl Thread {
    pub fn marker(&self, side: Side) -> Option<&ReadMarker> {
        match side {
            Side::Citizen => self.citizen_read.as_ref(),
            Side::Agents => self.agents_read.as_ref(),
        }
    }
}

/// The messaging function's typed access to the store.
#[derive(Clone)]
pub struct ThreadRepository {
    store: Arc<dyn Store>,
}

impl ThreadRepository {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    /// A thread's counters (zero for a thread without messages).
    pub async fn state(&self, reference: &str) -> Result<StoredState, RepositoryError> {
        thread_state::read(self.store.as_ref(), reference).await
    }

    /// The thread as `side` reads it: its counters, its last messages
    /// ([`SHOWN_MESSAGES`] at most, fewer past [`SHOWN_BYTES`]; for the
    /// citizen, public ones only, so agents' notes never push the citizen's
    /// messages out) and its read markers. The counters are read first: a
    /// message landing after them is in the list or not, but a write decided
    /// on this reading fails either way (the message moved the counters'
    /// version).
    pub async fn thread(&self, reference: &str, side: Side) -> Result<Thread, RepositoryError> {
        let state = self.state(reference).await?;
        let mut thread = Thread { state, ..Thread::default() };
        // One more than shown, to know whether older ones are left out.
        let mut query = Query::partition(partition(reference))
            .prefix(MESSAGE_PREFIX)
            .descending()
            .limit(SHOWN_MESSAGES as u32 + 1);
        let mut newest_first = Vec::new();
        let mut bytes = 0;
        'pages: loop {
            let page = self.store.query(query.clone()).await?;
            for item in page.items {
                let size = item.data.to_string().len();
                let message: Message = decode(item)?;
                if side == Side::Citizen && !message.is_public() {
                    continue;
                }
                bytes += size;
                let full = newest_first.len() == SHOWN_MESSAGES || bytes > SHOWN_BYTES;
                if full && !newest_first.is_empty() {
                    thread.earlier = true;
                    break 'pages;
                }
                newest_first.push(message);
            }
            match page.next {
                Some(cursor) => query.cursor = Some(cursor),
                None => break,
            }
        }
        newest_first.reverse();
        thread.messages = newest_first;
        let markers = Query::partition(partition(reference)).prefix(READ_PREFIX);
        for item in query_all(self.store.as_ref(), markers).await? {
            let sk = item.key.sk.as_str();
            if sk == marker_key(reference, Side::Citizen).sk {
                thread.citizen_read = Some(decode(item)?);
            } else if sk == marker_key(reference, Side::Agents).sk {
                thread.agents_read = Some(decode(item)?);
            }
        }
        Ok(thread)
    }

    /// The writes adding `message` to the thread whose counters were read
    /// as `read`: the message and the counters it moves. The caller runs
    /// them in one transaction with what the message causes (its email, a
    /// change of the request, an audit entry); `ConditionFailed` means
    /// another write won, and the caller decides again on a new reading.
    pub fn add(
        &self,
        reference: &str,
        read: &StoredState,
        message: &Message,
    ) -> Result<Vec<TransactOp>, RepositoryError> {
        let item = Item::new(Key::new(partition(reference), sort_key(message)), encode(message)?);
        Ok(vec![
            read.write(reference, &counted(&read.state, message))?,
            TransactOp::Put { item, condition: Condition::NotExists },
        ])
    }

    /// Records that `side` read `thread` up to its last message, at `now`
    /// (older messages left out of the reading are older than it: covered):
    /// its unread counter back to zero and its marker moved, on the version
    /// of the counters read. Nothing is written when the side had nothing
    /// new. `Err(ConditionFailed)` when a message landed meanwhile.
    pub async fn mark_read(
        &self,
        reference: &str,
        thread: &Thread,
        side: Side,
        now: Timestamp,
    ) -> Result<(), RepositoryError> {
        let Some(last) = thread.messages.last() else { return Ok(()) };
        if thread.state.state.unread(side) == 0 {
            return Ok(());
        }
        let marker = ReadMarker { at: now, through: sort_key(last) };
        let ops = vec![
            thread.state.write(reference, &thread.state.state.read_by(side))?,
            TransactOp::Put {
                item: Item::new(marker_key(reference, side), encode(&marker)?),
                condition: Condition::None,
            },
        ];
        Ok(self.store.transact(ops).await?)
    }
}

fn decode<T: serde::de::DeserializeOwned>(item: Item) -> Result<T, RepositoryError> {
    serde_json::from_value(item.data).map_err(RepositoryError::Corrupt)
}

fn encode<T: Serialize>(value: &T) -> Result<serde_json::Value, RepositoryError> {
    serde_json::to_value(value).map_err(RepositoryError::Corrupt)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::thread::Author;

    #[test]
    fn sort_keys_have_a_fixed_width_so_they_order_as_time() {
        let message = |at: &str| Message {
            id: "ab12".into(),
            at: at.parse().unwrap(),
            author: Author::Citizen,
            internal: false,
            text: "x".into(),
            files: Vec::new(),
        };
        let whole = sort_key(&message("2027-03-01T09:00:00Z"));
        let later = sort_key(&message("2027-03-01T09:00:00.5Z"));
        assert_eq!(whole, "MSG#2027-03-01T09:00:00.000000Z#ab12");
        assert_eq!(later, "MSG#2027-03-01T09:00:00.500000Z#ab12");
        assert!(whole < later);
        let marker = ReadMarker { at: "2027-03-01T10:00:00Z".parse().unwrap(), through: whole };
        assert!(marker.covers(&message("2027-03-01T09:00:00Z")));
        assert!(!marker.covers(&message("2027-03-01T09:00:00.5Z")));
    }
}
