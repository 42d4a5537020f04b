//! Outside applications' keys (Open311 apps): an admin issues one per
//! application, it is shown once and stored only as its SHA-256, and it
//! stops working the moment it is revoked.
//!
//! Items and access patterns (no scan):
//!
//! | item | pk / sk | index (gsi1) | read by |
//! |---|---|---|---|
//! | application | `APPLICATION#<id>` / `APPLICATION` | `APPLICATIONS` / `<id>` | get (revocation); index query (admins' list) |
//! | live key → application | `APP-KEY#<sha256(key)>` / `KEY` | | get (each call that needs a key) |
//!
//! Issuing writes both items (`NotExists`); revoking deletes the key item and
//! rewrites the application on its version, in one transaction with the
//! caller's audit entry.

use gru_ports::store::query_all;
use gru_ports::{Condition, Item, Key, Query, Store, StoreError, TransactOp};
use gru_web::tokens;
use jiff::Timestamp;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

const LIST_PARTITION: &str = "APPLICATIONS";
/// An application's id: this many random bytes, in hexadecimal.
const ID_BYTES: usize = 8;

#[derive(Debug, thiserror::Error)]
pub enum ApplicationsError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("a stored application item cannot be read")]
    Corrupt(#[source] serde_json::Error),
}

/// An application allowed to send reports, as admins see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    pub id: String,
    pub name: String,
    pub created_at: Timestamp,
    /// The admin who issued the key.
    pub created_by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<Timestamp>,
}

/// What the key item says: enough to accept a call, without a second read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyHolder {
    pub id: String,
    pub name: String,
}

#[derive(Serialize, Deserialize)]
struct StoredApplication {
    #[serde(flatten)]
    application: Application,
    key_hash: String,
}

fn application_key(id: &str) -> Key {
    Key::new(format!("APPLICATION#{id}"), "APPLICATION")
}

fn key_item_key(hash: &str) -> Key {
    Key::new(format!("APP-KEY#{hash}"), "KEY")
}

fn decode<T: DeserializeOwned>(item: Item) -> Result<T, ApplicationsError> {
    serde_json::from_value(item.data).map_err(ApplicationsError::Corrupt)
}

fn encode<T: Serialize>(value: &T) -> Result<serde_json::Value, ApplicationsError> {
    serde_json::to_value(value).map_err(ApplicationsError::Corrupt)
}

/// The applications' typed access to the store.
#[derive(Clone)]
pub struct Applications {
    store: Arc<dyn Store>,
}

impl Applications {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    /// Issues a key for a new application named `name` (already checked),
    /// with the caller's `extra` writes (its audit entry). Returns the
    /// application and the key, which is never readable again.
    pub async fn issue(
        &self,
        name: &str,
        by: &str,
        now: Timestamp,
        extra: Vec<TransactOp>,
    ) -> Result<(Application, String), ApplicationsError> {
        let key = tokens::random_token();
        let key_hash = tokens::hash(&key);
        let application = Application {
            id: tokens::hex_id::<ID_BYTES>(),
            name: name.to_owned(),
            created_at: now,
            created_by: by.to_owned(),
            revoked_at: None,
        };
        let holder = KeyHolder { id: application.id.clone(), name: application.name.clone() };
        let stored = StoredApplication { application: application.clone(), key_hash: key_hash.clone() };
        let mut ops = vec![
            TransactOp::Put {
                item: Item::new(application_key(&application.id), encode(&stored)?)
                    .with_index_key(Key::new(LIST_PARTITION, &application.id)),
                condition: Condition::NotExists,
            },
            TransactOp::Put {
                item: Item::new(key_item_key(&key_hash), encode(&holder)?),
                condition: Condition::NotExists,
            },
        ];
        ops.extend(extra);
        self.store.transact(ops).await?;
        Ok((application, key))
    }

    /// The application a key belongs to, while the key is live (one get).
    pub async fn holder_of(&self, key: &str) -> Result<Option<KeyHolder>, ApplicationsError> {
        self.store.get(&key_item_key(&tokens::hash(key))).await?.map(decode).transpose()
    }

    /// Every application, revoked ones included, oldest first.
    pub async fn list(&self) -> Result<Vec<Application>, ApplicationsError> {
        let items = query_all(self.store.as_ref(), Query::secondary(LIST_PARTITION)).await?;
        let mut applications = items
            .into_iter()
            .map(|item| decode::<StoredApplication>(item).map(|s| s.application))
            .collect::<Result<Vec<_>, _>>()?;
        applications.sort_by_key(|a| a.created_at);
        Ok(applications)
    }

    /// Revokes an application's key, with the caller's `extra` writes.
    /// `None` when no application has this id (text that is not an id is
    /// not read); revoking twice changes nothing the second time.
    pub async fn revoke(
        &self,
        id: &str,
        now: Timestamp,
        extra: Vec<TransactOp>,
    ) -> Result<Option<Application>, ApplicationsError> {
        let is_id = id.len() == ID_BYTES * 2 && id.bytes().all(|b| b.is_ascii_hexdigit());
        if !is_id {
            return Ok(None);
        }
        let Some(item) = self.store.get(&application_key(id)).await? else {
            return Ok(None);
        };
        let version = item.version;
        let mut stored: StoredApplication = decode(item)?;
        if stored.application.revoked_at.is_some() {
            return Ok(Some(stored.application));
        }
        stored.application.revoked_at = Some(now);
        let mut updated =
            Item::new(application_key(id), encode(&stored)?).with_index_key(Key::new(LIST_PARTITION, id));
        updated.version = version + 1;
        let mut ops = vec![
            TransactOp::Put { item: updated, condition: Condition::Version(version) },
            TransactOp::Delete { key: key_item_key(&stored.key_hash), condition: Condition::Exists },
        ];
        ops.extend(extra);
        self.store.transact(ops).await?;
        Ok(Some(stored.application))
    }
}
