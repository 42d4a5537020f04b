//! The Store port: a key-value store shaped like DynamoDB.
//!
//! Items live under a partition key and a sort key; an item may also carry a
//! key for the one secondary index (a sparse index: items without it are not
//! in it). Every write can carry a condition; a transaction applies several
//! writes with their conditions, all or nothing. There is no scan: every read
//! is a `get` or a `query` on a partition, of the table or of the index.
//!
//! Sort keys compare as UTF-8 bytes, as in DynamoDB.

use async_trait::async_trait;
use base64::Engine;
use serde::{Deserialize, Serialize};

/// Where an item lives: partition key and sort key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

impl Key {
    pub fn new(pk: impl Into<String>, sk: impl Into<String>) -> Self {
        Self { pk: pk.into(), sk: sk.into() }
    }
}

/// One stored item.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub key: Key,
    /// Key in the secondary index, if the item belongs to it.
    pub index_key: Option<Key>,
    /// Incremented by the writer on each update; conditions check it.
    pub version: u64,
    /// Unix seconds after which the item may be deleted by the store (DynamoDB
    /// TTL). Deletion is lazy: readers check it when it matters.
    pub expires_at: Option<i64>,
    /// The item's own content, a JSON document.
    pub data: serde_json::Value,
}

impl Item {
    /// A new item at version 1, outside the index, without expiry.
    pub fn new(key: Key, data: serde_json::Value) -> Self {
        Self { key, index_key: None, version: 1, expires_at: None, data }
    }

    pub fn with_index_key(mut self, key: Key) -> Self {
        self.index_key = Some(key);
        self
    }
}

/// A condition on the item currently stored under a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    /// No condition.
    None,
    /// No item may exist under the key.
    NotExists,
    /// An item must exist under the key.
    Exists,
    /// An item must exist with exactly this version.
    Version(u64),
}

/// Which key a query reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Index {
    Table,
    /// The secondary index (`gsi1` on DynamoDB).
    Secondary,
}

/// The sort-key part of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SortKeyCondition {
    Any,
    Prefix(String),
    /// Inclusive on both ends.
    Between(String, String),
    /// Greater than or equal.
    From(String),
    /// Less than or equal.
    UpTo(String),
}

/// A query on one partition.
#[derive(Debug, Clone)]
pub struct Query {
    pub index: Index,
    pub partition: String,
    pub sort: SortKeyCondition,
    pub ascending: bool,
    /// At most this many items in the page (the adapter may cap it).
    pub limit: Option<u32>,
    pub cursor: Option<Cursor>,
}

impl Query {
    /// All items of a table partition, in ascending sort-key order.
    pub fn partition(pk: impl Into<String>) -> Self {
        Self {
            index: Index::Table,
            partition: pk.into(),
            sort: SortKeyCondition::Any,
            ascending: true,
            limit: None,
            cursor: None,
        }
    }

    /// All items of a partition of the secondary index.
    pub fn secondary(pk: impl Into<String>) -> Self {
        Self { index: Index::Secondary, ..Self::partition(pk) }
    }

    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.sort = SortKeyCondition::Prefix(prefix.into());
        self
    }

    pub fn sort(mut self, sort: SortKeyCondition) -> Self {
        self.sort = sort;
        self
    }

    pub fn descending(mut self) -> Self {
        self.ascending = false;
        self
    }

    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    pub fn after(mut self, cursor: Option<Cursor>) -> Self {
        self.cursor = cursor;
        self
    }
}

/// One page of a query. `next` is absent when the page is the last one; it
/// may rarely lead to an empty page when a backend cuts a page short for
/// its own reasons (DynamoDB's 1 MB).
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub items: Vec<Item>,
    pub next: Option<Cursor>,
}

/// An opaque position in a query, safe to hand to a client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Cursor(pub String);

/// What a cursor holds: the last item's keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CursorPosition {
    pub key: Key,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index_key: Option<Key>,
}

impl Cursor {
    pub fn encode(position: &CursorPosition) -> Self {
        let json = serde_json::to_vec(position).expect("keys serialize");
        Self(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json))
    }

    pub fn decode(&self) -> Result<CursorPosition, StoreError> {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(&self.0)
            .map_err(|_| StoreError::InvalidCursor)?;
        serde_json::from_slice(&bytes).map_err(|_| StoreError::InvalidCursor)
    }
}

/// One write of a transaction.
#[derive(Debug, Clone)]
pub enum TransactOp {
    Put {
        item: Item,
        condition: Condition,
    },
    Delete {
        key: Key,
        condition: Condition,
    },
    /// Writes nothing; the transaction fails if the condition does not hold.
    Check {
        key: Key,
        condition: Condition,
    },
    /// Adds to the counters of the item under `key`, creating it (every
    /// counter at 0) when missing. No condition and no version: concurrent
    /// additions are all applied, none lost (DynamoDB's `ADD`). Read back,
    /// the item's data is `{counter: total}` at version 0; an item is either
    /// counters only, written by `Add`, or never added to.
    Add {
        key: Key,
        counts: Vec<(String, i64)>,
    },
}

impl TransactOp {
    pub fn key(&self) -> &Key {
        match self {
            TransactOp::Put { item, .. } => &item.key,
            TransactOp::Delete { key, .. } | TransactOp::Check { key, .. } | TransactOp::Add { key, .. } => {
                key
            }
        }
    }
}

/// What can go wrong with a store operation.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A condition did not hold (in a transaction: nothing was written).
    #[error("a write condition did not hold")]
    ConditionFailed,
    #[error("the pagination cursor is not valid")]
    InvalidCursor,
    /// A key is empty or longer than DynamoDB allows.
    #[error("an item key is empty or too long")]
    InvalidKey,
    #[error("the transaction is not valid: {0}")]
    InvalidTransaction(&'static str),
    /// A concurrent transaction touched the same items and nothing was
    /// written: unlike a failed condition, trying again may succeed.
    #[error("a concurrent transaction touched the same items")]
    TransactionConflict,
    #[error("store backend error: {0}")]
    Backend(String),
}

/// The most items a transaction may hold (DynamoDB's limit).
pub const MAX_TRANSACTION_ITEMS: usize = 100;

/// The Store port. See the module documentation.
#[async_trait]
pub trait Store: Send + Sync {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError>;
    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError>;
    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError>;
    async fn query(&self, query: Query) -> Result<Page, StoreError>;
    /// Applies every operation or none. At most [`MAX_TRANSACTION_ITEMS`]
    /// operations, each on a different key.
    async fn transact(&self, ops: Vec<TransactOp>) -> Result<(), StoreError>;

    /// A number that differs from the last one returned whenever anything
    /// was written since, by this process or another, when the store can
    /// tell that without a read (SQLite's `data_version`); `None` when it
    /// cannot (DynamoDB). Caches of what rarely changes (the catalogue) use
    /// it to know, at no cost, that they are still current.
    fn change_mark(&self) -> Option<u64> {
        None
    }
}

/// DynamoDB's limits on key attributes (bytes of UTF-8). Every adapter
/// enforces them, so an item the embedded store accepts, DynamoDB accepts.
pub const MAX_PARTITION_KEY_BYTES: usize = 2048;
/// See [`MAX_PARTITION_KEY_BYTES`].
pub const MAX_SORT_KEY_BYTES: usize = 1024;

/// Refuses an item whose table or index key is empty or too long.
pub fn check_item(item: &Item) -> Result<(), StoreError> {
    std::iter::once(&item.key).chain(&item.index_key).try_for_each(|key| {
        let fits = |value: &str, max: usize| !value.is_empty() && value.len() <= max;
        if fits(&key.pk, MAX_PARTITION_KEY_BYTES) && fits(&key.sk, MAX_SORT_KEY_BYTES) {
            Ok(())
        } else {
            Err(StoreError::InvalidKey)
        }
    })
}

/// The longest counter name (DynamoDB allows 255 bytes per attribute name,
/// some taken by the adapter's prefix).
pub const MAX_COUNTER_NAME_BYTES: usize = 200;

/// Checks the limits every adapter enforces the same way before a transaction.
pub fn check_transaction(ops: &[TransactOp]) -> Result<(), StoreError> {
    if ops.is_empty() {
        return Err(StoreError::InvalidTransaction("no operation"));
    }
    if ops.len() > MAX_TRANSACTION_ITEMS {
        return Err(StoreError::InvalidTransaction("more than 100 operations"));
    }
    for op in ops {
        match op {
            TransactOp::Put { item, .. } => check_item(item)?,
            TransactOp::Add { key, counts } => {
                check_item(&Item::new(key.clone(), serde_json::Value::Null))?;
                if counts.is_empty() {
                    return Err(StoreError::InvalidTransaction("an addition without counters"));
                }
                let named = |name: &String| !name.is_empty() && name.len() <= MAX_COUNTER_NAME_BYTES;
                if !counts.iter().all(|(name, _)| named(name)) {
                    return Err(StoreError::InvalidTransaction("a counter's name is empty or too long"));
                }
                let mut names = std::collections::HashSet::new();
                if !counts.iter().all(|(name, _)| names.insert(name)) {
                    return Err(StoreError::InvalidTransaction("one counter named twice"));
                }
            }
            TransactOp::Delete { .. } | TransactOp::Check { .. } => {}
        }
    }
    let mut keys = std::collections::HashSet::new();
    if !ops.iter().all(|op| keys.insert(op.key())) {
        return Err(StoreError::InvalidTransaction("two operations on one key"));
    }
    Ok(())
}

/// Follows the cursors of a query to the end and returns every item.
pub async fn query_all(store: &dyn Store, mut query: Query) -> Result<Vec<Item>, StoreError> {
    let mut items = Vec::new();
    loop {
        let page = store.query(query.clone()).await?;
        items.extend(page.items);
        match page.next {
            Some(cursor) => query.cursor = Some(cursor),
            None => return Ok(items),
        }
    }
}
