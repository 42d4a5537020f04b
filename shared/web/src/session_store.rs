//! What citizens' and agents' sessions share: a random token handed to the
//! browser, its SHA-256 in the store, an absolute end (`expires_at`, so
//! DynamoDB's TTL removes sessions nobody signs out of) and an idle limit,
//! `last_seen` rewritten at most every so often, and an index entry under
//! the owner so "end every session of this owner" is one query. Items:
//!
//! | item | pk / sk | index (gsi1) |
//! |---|---|---|
//! | session | `<key prefix><sha256(token)>` / `SESSION` | `<owner prefix><id>` / `SESSION#<sha256(token)>` |
//!
//! Each kind of session says its prefixes, durations and log wording in a
//! [`SessionKind`]; what it keeps of its owner is the payload `T`, stored
//! flattened beside `created_at` and `last_seen`.

use crate::tokens;
use gru_ports::store::query_all;
use gru_ports::{Clock, Condition, Item, Key, Query, Store, StoreError};
use jiff::{SignedDuration, Timestamp};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::marker::PhantomData;
use std::sync::Arc;

const SESSION_SK: &str = "SESSION";
/// The index sort key's prefix, under the owner's partition.
const INDEX_PREFIX: &str = "SESSION#";

/// How one kind of session is kept.
pub(crate) struct SessionKind {
    /// Before the token's hash in the session's partition key.
    pub key_prefix: &'static str,
    /// Before the owner's id in the index partition key.
    pub owner_prefix: &'static str,
    /// The longest a session lasts, whatever its use.
    pub lifetime: SignedDuration,
    /// A session unused for this long has ended.
    pub idle_limit: SignedDuration,
    /// `last_seen` is rewritten at most this often.
    pub refresh_every: SignedDuration,
    /// The session's name in errors and logs (`session`, `agent session`).
    pub what: &'static str,
    /// The same with its indefinite article (`a session`, `an agent session`).
    pub a_what: &'static str,
}

/// What the store keeps of a session (never the token itself).
#[derive(Serialize, Deserialize)]
struct StoredSession<T> {
    #[serde(flatten)]
    payload: T,
    created_at: Timestamp,
    last_seen: Timestamp,
}

/// Sessions of one kind, whose owners are known by `T`.
pub(crate) struct SessionStore<T> {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    kind: &'static SessionKind,
    payload: PhantomData<fn() -> T>,
}

impl<T> Clone for SessionStore<T> {
    fn clone(&self) -> Self {
        Self { store: self.store.clone(), clock: self.clock.clone(), kind: self.kind, payload: PhantomData }
    }
}

impl<T: Serialize + DeserializeOwned + Clone> SessionStore<T> {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, kind: &'static SessionKind) -> Self {
        Self { store, clock, kind, payload: PhantomData }
    }

    /// A new session of `owner_id` knowing `payload`, as the item to write
    /// (`NotExists`), and its token.
    pub fn new_session(&self, owner_id: &str, payload: T) -> Result<(String, Item), StoreError> {
        let token = tokens::random_token();
        let hash = tokens::hash(&token);
        let now = self.clock.now();
        let session = StoredSession { payload, created_at: now, last_seen: now };
        let index_key =
            Key::new(format!("{}{owner_id}", self.kind.owner_prefix), format!("{INDEX_PREFIX}{hash}"));
        let item = Item {
            expires_at: Some(now.as_second() + self.kind.lifetime.as_secs()),
            ..Item::new(self.session_key(&hash), self.encode(&session)?).with_index_key(index_key)
        };
        Ok((token, item))
    }

    /// Opens a session on its own and returns its token.
    pub async fn start(&self, owner_id: &str, payload: T) -> Result<String, StoreError> {
        let (token, item) = self.new_session(owner_id, payload)?;
        self.store.put(item, Condition::NotExists).await?;
        Ok(token)
    }

    /// What the session `token` opens knows of its owner, if it is still
    /// live. Marks the session as used (at most every `refresh_every`); a
    /// session past its end is removed.
    pub async fn find(&self, token: &str) -> Result<Option<T>, StoreError> {
        let key = self.session_key(&tokens::hash(token));
        let Some(item) = self.store.get(&key).await? else {
            return Ok(None);
        };
        let session: StoredSession<T> = serde_json::from_value(item.data.clone())
            .map_err(|_| StoreError::Backend(format!("a stored {} cannot be read", self.kind.what)))?;
        let now = self.clock.now();
        let idle_for = now.duration_since(session.last_seen);
        let over =
            item.expires_at.is_some_and(|end| now.as_second() >= end) || idle_for > self.kind.idle_limit;
        if over {
            // Removed now rather than by the TTL, which would keep an idle
            // session in its owner's list until its absolute end. Losing
            // the race to another request changes nothing.
            if let Err(error) = self.store.delete(&key, Condition::Version(item.version)).await {
                tracing::debug!(%error, "an ended {} was not removed", self.kind.what);
            }
            return Ok(None);
        }
        let payload = session.payload.clone();
        if idle_for >= self.kind.refresh_every {
            self.touch(item, session, now).await;
        }
        Ok(Some(payload))
    }

    /// Records that the session was used. Conditioned on the version read, so
    /// it never resurrects a session ended meanwhile; a failure only means
    /// another request did it first (or the session ended), so it is not an
    /// error for the request.
    async fn touch(&self, item: Item, session: StoredSession<T>, now: Timestamp) {
        let session = StoredSession { last_seen: now, ..session };
        let Ok(data) = self.encode(&session) else { return };
        let condition = Condition::Version(item.version);
        let refreshed = Item { version: item.version + 1, data, ..item };
        if let Err(error) = self.store.put(refreshed, condition).await {
            tracing::debug!(%error, "{} use not recorded", self.kind.what);
        }
    }

    /// Ends the session `token` opens (nothing happens if it has ended already).
    pub async fn end(&self, token: &str) -> Result<(), StoreError> {
        self.store.delete(&self.session_key(&tokens::hash(token)), Condition::None).await
    }

    /// Ends every session of the owner, except the one `except` opens.
    pub async fn end_all(&self, owner_id: &str, except: Option<&str>) -> Result<(), StoreError> {
        let kept = except.map(|token| self.session_key(&tokens::hash(token)));
        let query = Query::secondary(format!("{}{owner_id}", self.kind.owner_prefix)).prefix(INDEX_PREFIX);
        for item in query_all(self.store.as_ref(), query).await? {
            if Some(&item.key) != kept.as_ref() {
                self.store.delete(&item.key, Condition::None).await?;
            }
        }
        Ok(())
    }

    fn session_key(&self, hash: &str) -> Key {
        Key::new(format!("{}{hash}", self.kind.key_prefix), SESSION_SK)
    }

    fn encode(&self, session: &StoredSession<T>) -> Result<serde_json::Value, StoreError> {
        serde_json::to_value(session)
            .map_err(|_| StoreError::Backend(format!("{} cannot be encoded", self.kind.a_what)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Serialize, Deserialize)]
    struct Owner {
        account_id: String,
        email: String,
    }

    #[test]
    fn the_payload_is_stored_beside_the_times() {
        let now = Timestamp::UNIX_EPOCH;
        let session = StoredSession {
            payload: Owner { account_id: "a1".into(), email: "a@b.fr".into() },
            created_at: now,
            last_seen: now,
        };
        let value = serde_json::to_value(&session).unwrap();
        assert_eq!(
            value,
            serde_json::json!({
                "account_id": "a1",
                "email": "a@b.fr",
                "created_at": "1970-01-01T00:00:00Z",
                "last_seen": "1970-01-01T00:00:00Z",
            })
        );
        let read: StoredSession<Owner> = serde_json::from_value(value).unwrap();
        assert_eq!((read.payload.account_id.as_str(), read.last_seen), ("a1", now));
    }
}
