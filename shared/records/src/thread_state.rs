//! The counters of a request's thread: one item per thread, written by the
//! messaging function with every message and every read (version-checked),
//! and read here for the inbox's unread counts. The item's key, format and
//! reading live here, once: messaging depends on tracking and uses them.
//!
//! | item | pk / sk |
//! |---|---|
//! | a thread's counters | `THREAD#<reference>` / `STATE` |
//!
//! The rest of the thread's partition (messages, read markers) is the
//! messaging function's (`messaging::repository`).

use crate::requests::RepositoryError;
use gru_ports::store::{Condition, Item, Key, Store, TransactOp};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

/// The sort key of the counters in their thread's partition.
const STATE: &str = "STATE";

/// The partition of a request's thread: its counters, messages and read markers.
pub fn partition(reference: &str) -> String {
    format!("THREAD#{reference}")
}

/// The key of a thread's counters.
pub fn key(reference: &str) -> Key {
    Key::new(partition(reference), STATE)
}

/// Which side of the thread someone is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Citizen,
    Agents,
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

    /// The state once a message written `at` is added, counted as news for
    /// the sides `news_for` says.
    pub fn with_message(&self, at: Timestamp, news_for: impl Fn(Side) -> bool) -> ThreadState {
        let mut next = self.clone();
        next.messages += 1;
        next.last_at = Some(at);
        if news_for(Side::Citizen) {
            next.citizen_unread += 1;
        }
        if news_for(Side::Agents) {
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

/// A thread's counters as read, with the version the next write checks
/// (`None`: the thread has no message yet).
#[derive(Debug, Clone, Default)]
pub struct StoredState {
    pub state: ThreadState,
    pub version: Option<u64>,
}

impl StoredState {
    /// The write replacing these counters by `next`, on the version read
    /// (`NotExists` for a thread without messages).
    pub fn write(&self, reference: &str, next: &ThreadState) -> Result<TransactOp, RepositoryError> {
        let data = serde_json::to_value(next).map_err(RepositoryError::Corrupt)?;
        let mut item = Item::new(key(reference), data);
        item.version = self.version.map_or(1, |v| v + 1);
        let condition = self.version.map_or(Condition::NotExists, Condition::Version);
        Ok(TransactOp::Put { item, condition })
    }
}

/// A thread's counters (zero for a thread without messages): one get.
pub async fn read(store: &dyn Store, reference: &str) -> Result<StoredState, RepositoryError> {
    match store.get(&key(reference)).await? {
        Some(item) => Ok(StoredState {
            version: Some(item.version),
            state: serde_json::from_value(item.data).map_err(RepositoryError::Corrupt)?,
        }),
        None => Ok(StoredState::default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_recorded_in_the_order_they_are_written() {
        let now: Timestamp = "2027-03-01T09:00:00Z".parse().unwrap();
        let empty = ThreadState::default();
        assert_eq!(empty.next_at(now), now);
        let state = empty.with_message(now, |_| false);
        assert_eq!(state.next_at(now), now + SignedDuration::from_micros(1), "same instant");
        let behind = now - SignedDuration::from_secs(5);
        assert_eq!(state.next_at(behind), now + SignedDuration::from_micros(1), "a slow clock");
        let later = now + SignedDuration::from_secs(5);
        assert_eq!(state.next_at(later), later);
    }

    #[test]
    fn each_side_reads_its_own_counter() {
        let at: Timestamp = "2027-03-01T09:00:00Z".parse().unwrap();
        let state = ThreadState::default()
            .with_message(at, |side| side == Side::Agents)
            .with_message(at, |side| side == Side::Citizen)
            .with_message(at, |side| side == Side::Agents);
        assert_eq!((state.messages, state.unread(Side::Citizen), state.unread(Side::Agents)), (3, 1, 2));
        let read = state.read_by(Side::Agents);
        assert_eq!((read.unread(Side::Agents), read.unread(Side::Citizen)), (0, 1));
    }
}
