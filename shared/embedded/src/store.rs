//! [`SqliteStore`]: the [`Store`] port on one SQLite file.
//!
//! # Layout
//!
//! One table holds every item, keyed like DynamoDB:
//!
//! ```sql
//! items(pk, sk, ipk, isk, version, expires_at, data) PRIMARY KEY (pk, sk) WITHOUT ROWID
//! ```
//!
//! `ipk`/`isk` are the secondary-index key, `NULL` for items outside the index;
//! a partial index on `(ipk, isk, pk, sk) WHERE ipk IS NOT NULL` makes the
//! secondary index sparse, as on DynamoDB. `data` is the item's JSON text.
//!
//! # Ordering
//!
//! Keys are `TEXT` in a UTF-8 database under the default `BINARY` collation,
//! which compares with `memcmp`: sort keys order by their UTF-8 bytes, exactly
//! as DynamoDB orders string sort keys (and code-point order, not UTF-16 order).
//!
//! # Concurrency
//!
//! Every write runs on one writer connection, behind a mutex, inside
//! `BEGIN IMMEDIATE`, so a condition is checked and its write applied in the
//! same transaction: no read-then-write across transactions. `BEGIN IMMEDIATE`
//! and the busy timeout also make this hold across processes sharing the file
//! (the server and a CLI import, say). Reads use a small pool of read-only
//! connections, which WAL lets run beside the writer. Every SQLite call runs
//! in `spawn_blocking`, off the async workers.
//!
//! # Expiry
//!
//! Like DynamoDB's TTL, `expires_at` does not hide an item: readers check it
//! when it matters. [`SqliteStore::delete_expired`] plays the part of
//! DynamoDB's background TTL deletion; a periodic job calls it.

use gru_ports::store::{
    Condition, Cursor, CursorPosition, Index, Item, Key, Page, Query, SortKeyCondition, Store, StoreError,
    TransactOp, check_item, check_transaction,
};
use rusqlite::config::DbConfig;
use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// Items in one page when the query sets no limit (and the most it may ask).
pub const MAX_PAGE_ITEMS: u32 = 1000;

/// How long a connection waits for another process's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Idle read connections kept for reuse; more are opened under load and
/// closed after. As many as the requests a busy portal serves at once, so a
/// burst does not pay for opening connections (and compiling statements).
const IDLE_READERS: usize = 32;

const SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS items (
        pk TEXT NOT NULL,
        sk TEXT NOT NULL,
        ipk TEXT,
        isk TEXT,
        version INTEGER NOT NULL,
        expires_at INTEGER,
        data TEXT NOT NULL,
        PRIMARY KEY (pk, sk)
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS items_secondary ON items (ipk, isk, pk, sk) WHERE ipk IS NOT NULL;
    CREATE INDEX IF NOT EXISTS items_expiry ON items (expires_at) WHERE expires_at IS NOT NULL;
";

const COLUMNS: &str = "pk, sk, ipk, isk, version, expires_at, data";

/// The [`Store`] port on a SQLite file (see the module documentation).
///
/// Cloning is cheap and shares the connections.
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    /// A read-only connection that only asks `PRAGMA data_version`
    /// ([`Store::change_mark`]): it never writes, so its answer changes with
    /// every commit, this process's writer's or another process's.
    watcher: Mutex<Connection>,
}

impl SqliteStore {
    /// Opens the database at `path`, creating the file, its parent folders and
    /// the schema when missing.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| StoreError::Backend(format!("cannot create {}: {e}", parent.display())))?;
        }
        let writer = Connection::open(path).map_err(backend)?;
        writer.busy_timeout(BUSY_TIMEOUT).map_err(backend)?;
        let mode: String =
            writer.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0)).map_err(backend)?;
        if !mode.eq_ignore_ascii_case("wal") {
            // Still correct (writes stay serialised), only readers then wait for writers.
            tracing::warn!(mode, "SQLite refused WAL mode on this file system");
        }
        // NORMAL is durable across application crashes in WAL mode; only a power
        // loss may drop the last transactions, never corrupt the file.
        writer.execute_batch("PRAGMA synchronous = NORMAL;").map_err(backend)?;
        writer.execute_batch(SCHEMA).map_err(backend)?;
        Ok(Self {
            inner: Arc::new(Inner {
                path: path.to_owned(),
                writer: Mutex::new(writer),
                readers: Mutex::new(Vec::new()),
                watcher: Mutex::new(open_reader(path)?),
            }),
        })
    }

    /// Deletes the items whose `expires_at` is before `now` (Unix seconds) and
    /// returns how many went: the embedded stand-in for DynamoDB's TTL.
    pub async fn delete_expired(&self, now: i64) -> Result<u64, StoreError> {
        self.write(move |tx| {
            let deleted = tx
                .execute("DELETE FROM items WHERE expires_at IS NOT NULL AND expires_at < ?1", [now])
                .map_err(backend)?;
            Ok(deleted as u64)
        })
        .await
    }

    /// Runs `f` in a `BEGIN IMMEDIATE` transaction on the writer connection,
    /// committing when it returns `Ok` and rolling back otherwise.
    async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let inner = self.inner.clone();
        blocking(move || {
            let mut conn = lock(&inner.writer);
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(backend)?;
            let value = f(&tx)?;
            tx.commit().map_err(backend)?;
            Ok(value)
        })
        .await
    }

    /// Runs `f` on a pooled read-only connection.
    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let inner = self.inner.clone();
        blocking(move || {
            let pooled = lock(&inner.readers).pop();
            let conn = match pooled {
                Some(conn) => conn,
                None => open_reader(&inner.path)?,
            };
            let result = f(&conn);
            let mut idle = lock(&inner.readers);
            if idle.len() < IDLE_READERS {
                idle.push(conn);
            }
            result
        })
        .await
    }
}

#[async_trait::async_trait]
impl Store for SqliteStore {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        let key = key.clone();
        self.read(move |conn| {
            let sql = format!("SELECT {COLUMNS} FROM items WHERE pk = ?1 AND sk = ?2");
            let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
            let row = stmt.query_row([&key.pk, &key.sk], read_row).optional().map_err(backend)?;
            row.map(RawRow::into_item).transpose()
        })
        .await
    }

    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        check_item(&item)?;
        let row = RawRow::from_item(&item)?;
        self.write(move |tx| {
            check_condition(tx, &item.key, condition)?;
            upsert(tx, &row)
        })
        .await
    }

    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError> {
        let key = key.clone();
        self.write(move |tx| {
            check_condition(tx, &key, condition)?;
            remove(tx, &key)
        })
        .await
    }

    async fn query(&self, query: Query) -> Result<Page, StoreError> {
        let page_size = query.limit.map_or(MAX_PAGE_ITEMS, |limit| limit.clamp(1, MAX_PAGE_ITEMS));
        let position = query.cursor.as_ref().map(Cursor::decode).transpose()?;
        let (sql, params) = build_query(&query, position.as_ref(), page_size)?;
        let index = query.index;
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
            let rows = stmt
                .query_map(rusqlite::params_from_iter(params), read_row)
                .map_err(backend)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(backend)?;
            let mut items = rows.into_iter().map(RawRow::into_item).collect::<Result<Vec<_>, _>>()?;
            // One row more than the page was fetched only to learn whether more follow.
            let more = items.len() > page_size as usize;
            items.truncate(page_size as usize);
            let next = match items.last() {
                Some(last) if more => Some(Cursor::encode(&CursorPosition {
                    key: last.key.clone(),
                    index_key: match index {
                        Index::Table => None,
                        Index::Secondary => last.index_key.clone(),
                    },
                })),
                _ => None,
            };
            Ok(Page { items, next })
        })
        .await
    }

    async fn transact(&self, ops: Vec<TransactOp>) -> Result<(), StoreError> {
        check_transaction(&ops)?;
        let writes = ops
            .iter()
            .map(|op| match op {
                TransactOp::Put { item, .. } => RawRow::from_item(item).map(Write::Put),
                TransactOp::Delete { key, .. } => Ok(Write::Delete(key.clone())),
                TransactOp::Check { .. } => Ok(Write::Nothing),
                TransactOp::Add { key, counts } => Ok(Write::Add(key.clone(), counts.clone())),
            })
            .collect::<Result<Vec<_>, _>>()?;
        self.write(move |tx| {
            // Every condition first, so a failing one leaves nothing to undo.
            for op in &ops {
                let condition = match op {
                    TransactOp::Put { condition, .. }
                    | TransactOp::Delete { condition, .. }
                    | TransactOp::Check { condition, .. } => *condition,
                    TransactOp::Add { .. } => Condition::None,
                };
                check_condition(tx, op.key(), condition)?;
            }
            for write in &writes {
                match write {
                    Write::Put(row) => upsert(tx, row)?,
                    Write::Delete(key) => remove(tx, key)?,
                    Write::Add(key, counts) => add(tx, key, counts)?,
                    Write::Nothing => {}
                }
            }
            Ok(())
        })
        .await
    }

    fn change_mark(&self) -> Option<u64> {
        let watcher = lock(&self.inner.watcher);
        // Runs on the caller's thread: no file is read, only the WAL index
        // in shared memory. An error only means "cannot tell".
        let version = watcher
            .prepare_cached("PRAGMA data_version")
            .and_then(|mut stmt| stmt.query_row([], |row| row.get::<_, i64>(0)));
        version.ok().map(|v| v as u64)
    }
}

/// What a transaction operation writes, prepared before taking the writer.
enum Write {
    Put(RawRow),
    Delete(Key),
    Add(Key, Vec<(String, i64)>),
    Nothing,
}

/// An item as stored: the columns of one row.
struct RawRow {
    pk: String,
    sk: String,
    ipk: Option<String>,
    isk: Option<String>,
    version: i64,
    expires_at: Option<i64>,
    data: String,
}

impl RawRow {
    fn from_item(item: &Item) -> Result<Self, StoreError> {
        let version = i64::try_from(item.version)
            .map_err(|_| StoreError::Backend(format!("version {} is too large", item.version)))?;
        let data = serde_json::to_string(&item.data).map_err(backend)?;
        let (ipk, isk) = match &item.index_key {
            Some(key) => (Some(key.pk.clone()), Some(key.sk.clone())),
            None => (None, None),
        };
        Ok(Self {
            pk: item.key.pk.clone(),
            sk: item.key.sk.clone(),
            ipk,
            isk,
            version,
            expires_at: item.expires_at,
            data,
        })
    }

    fn into_item(self) -> Result<Item, StoreError> {
        let version = u64::try_from(self.version)
            .map_err(|_| StoreError::Backend(format!("stored version {} is negative", self.version)))?;
        let data = serde_json::from_str(&self.data)
            .map_err(|e| StoreError::Backend(format!("stored data is not JSON: {e}")))?;
        let index_key = match (self.ipk, self.isk) {
            (Some(pk), Some(sk)) => Some(Key { pk, sk }),
            _ => None,
        };
        Ok(Item {
            key: Key { pk: self.pk, sk: self.sk },
            index_key,
            version,
            expires_at: self.expires_at,
            data,
        })
    }
}

fn read_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<RawRow> {
    Ok(RawRow {
        pk: row.get(0)?,
        sk: row.get(1)?,
        ipk: row.get(2)?,
        isk: row.get(3)?,
        version: row.get(4)?,
        expires_at: row.get(5)?,
        data: row.get(6)?,
    })
}

fn check_condition(tx: &Transaction<'_>, key: &Key, condition: Condition) -> Result<(), StoreError> {
    if condition == Condition::None {
        return Ok(());
    }
    let stored: Option<i64> = tx
        .prepare_cached("SELECT version FROM items WHERE pk = ?1 AND sk = ?2")
        .and_then(|mut stmt| stmt.query_row([&key.pk, &key.sk], |row| row.get(0)).optional())
        .map_err(backend)?;
    let holds = match condition {
        Condition::None => true,
        Condition::NotExists => stored.is_none(),
        Condition::Exists => stored.is_some(),
        Condition::Version(expected) => stored.and_then(|v| u64::try_from(v).ok()) == Some(expected),
    };
    if holds { Ok(()) } else { Err(StoreError::ConditionFailed) }
}

fn upsert(tx: &Transaction<'_>, row: &RawRow) -> Result<(), StoreError> {
    let sql = format!("INSERT OR REPLACE INTO items ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    tx.prepare_cached(&sql)
        .and_then(|mut stmt| {
            stmt.execute(rusqlite::params![
                row.pk,
                row.sk,
                row.ipk,
                row.isk,
                row.version,
                row.expires_at,
                row.data
            ])
        })
        .map_err(backend)?;
    Ok(())
}

/// Adds `counts` to the counters of the item under `key` (created when
/// missing). The writer is this transaction's alone: no addition is lost.
fn add(tx: &Transaction<'_>, key: &Key, counts: &[(String, i64)]) -> Result<(), StoreError> {
    let stored: Option<String> = tx
        .prepare_cached("SELECT data FROM items WHERE pk = ?1 AND sk = ?2")
        .and_then(|mut stmt| stmt.query_row([&key.pk, &key.sk], |row| row.get(0)).optional())
        .map_err(backend)?;
    let mut counters: serde_json::Map<String, serde_json::Value> = match stored {
        Some(text) => serde_json::from_str(&text).map_err(backend)?,
        None => serde_json::Map::new(),
    };
    for (name, count) in counts {
        let total =
            counters.get(name).and_then(serde_json::Value::as_i64).unwrap_or(0).saturating_add(*count);
        counters.insert(name.clone(), total.into());
    }
    let mut item = Item::new(key.clone(), serde_json::Value::Object(counters));
    item.version = 0;
    upsert(tx, &RawRow::from_item(&item)?)
}

fn remove(tx: &Transaction<'_>, key: &Key) -> Result<(), StoreError> {
    tx.prepare_cached("DELETE FROM items WHERE pk = ?1 AND sk = ?2")
        .and_then(|mut stmt| stmt.execute([&key.pk, &key.sk]))
        .map_err(backend)?;
    Ok(())
}

/// The SQL and parameters of one page of `query`, fetching `page_size + 1` rows.
fn build_query(
    query: &Query,
    position: Option<&CursorPosition>,
    page_size: u32,
) -> Result<(String, Vec<Value>), StoreError> {
    let (partition_column, sort_column) = match query.index {
        Index::Table => ("pk", "sk"),
        Index::Secondary => ("ipk", "isk"),
    };
    let mut sql = format!("SELECT {COLUMNS} FROM items WHERE {partition_column} = ?");
    let mut params = vec![Value::Text(query.partition.clone())];
    let mut bound = |sql: &mut String, op: &str, value: &str| {
        sql.push_str(&format!(" AND {sort_column} {op} ?"));
        params.push(Value::Text(value.to_owned()));
    };
    match &query.sort {
        SortKeyCondition::Any => {}
        SortKeyCondition::Prefix(prefix) => {
            if !prefix.is_empty() {
                bound(&mut sql, ">=", prefix);
                if let Some(end) = prefix_end(prefix) {
                    bound(&mut sql, "<", &end);
                }
            }
        }
        SortKeyCondition::Between(low, high) => {
            bound(&mut sql, ">=", low);
            bound(&mut sql, "<=", high);
        }
        SortKeyCondition::From(low) => bound(&mut sql, ">=", low),
        SortKeyCondition::UpTo(high) => bound(&mut sql, "<=", high),
    }
    let (after, direction) = if query.ascending { (">", "ASC") } else { ("<", "DESC") };
    match (query.index, position) {
        (_, None) => {}
        (Index::Table, Some(position)) => {
            if position.key.pk != query.partition {
                return Err(StoreError::InvalidCursor);
            }
            sql.push_str(&format!(" AND sk {after} ?"));
            params.push(Value::Text(position.key.sk.clone()));
        }
        (Index::Secondary, Some(position)) => {
            let index_key = position.index_key.as_ref().ok_or(StoreError::InvalidCursor)?;
            if index_key.pk != query.partition {
                return Err(StoreError::InvalidCursor);
            }
            // Index keys need not be unique: the table key breaks ties.
            sql.push_str(&format!(" AND (isk, pk, sk) {after} (?, ?, ?)"));
            params.push(Value::Text(index_key.sk.clone()));
            params.push(Value::Text(position.key.pk.clone()));
            params.push(Value::Text(position.key.sk.clone()));
        }
    }
    match query.index {
        Index::Table => sql.push_str(&format!(" ORDER BY sk {direction}")),
        Index::Secondary => {
            sql.push_str(&format!(" ORDER BY isk {direction}, pk {direction}, sk {direction}"));
        }
    }
    sql.push_str(" LIMIT ?");
    params.push(Value::Integer(i64::from(page_size) + 1));
    Ok((sql, params))
}

/// The smallest string greater than every string that starts with `prefix`,
/// or `None` when there is none (the prefix is only `U+10FFFF`s).
///
/// It is `prefix` with its last character replaced by the next one. Because
/// UTF-8 byte order is code-point order and UTF-8 is prefix-free, the strings
/// in `[prefix, prefix_end)` are exactly those starting with `prefix`, and the
/// bound stays valid UTF-8 `TEXT`, so the range still uses the key's B-tree.
fn prefix_end(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = match last {
            // Surrogates are not characters: the next one after U+D7FF is U+E000.
            '\u{D7FF}' => Some('\u{E000}'),
            char::MAX => None,
            c => char::from_u32(u32::from(c) + 1),
        };
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

fn open_reader(path: &Path) -> Result<Connection, StoreError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(backend)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(backend)?;
    // Without the query planner's stability guarantee, SQLite expires a
    // statement whose plan depends on its bound values once rusqlite clears
    // them on the way back to its cache, so every read compiled its
    // statement again; these key lookups and range queries have one plan.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true).map_err(backend)?;
    Ok(conn)
}

/// A poisoned lock only means a panic happened while it was held; the
/// connection inside is still sound (an open transaction rolls back on drop).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StoreError::Backend(format!("store task failed: {e}")))?
}

fn backend(error: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_end_is_the_next_character() {
        assert_eq!(prefix_end("S#").as_deref(), Some("S$"));
        assert_eq!(prefix_end("é").as_deref(), Some("ê"));
        assert_eq!(prefix_end("a\u{7F}").as_deref(), Some("a\u{80}"));
        assert_eq!(prefix_end("a\u{D7FF}").as_deref(), Some("a\u{E000}"));
        assert_eq!(prefix_end("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(prefix_end("\u{10FFFF}\u{10FFFF}"), None);
    }

    /// "No scan on any request path": every query shape must search a B-tree.
    #[test]
    fn every_query_shape_searches_an_index() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("plan.sqlite")).unwrap();
        let conn = lock(&store.inner.writer);
        let position = CursorPosition { key: Key::new("P", "a"), index_key: Some(Key::new("P", "b")) };
        let sorts = [
            SortKeyCondition::Any,
            SortKeyCondition::Prefix("é".into()),
            SortKeyCondition::Between("a".into(), "b".into()),
            SortKeyCondition::From("a".into()),
            SortKeyCondition::UpTo("b".into()),
        ];
        for base in [Query::partition("P"), Query::secondary("P")] {
            for sort in &sorts {
                for ascending in [true, false] {
                    for cursor in [None, Some(&position)] {
                        let mut query = base.clone().sort(sort.clone());
                        query.ascending = ascending;
                        let (sql, params) = build_query(&query, cursor, 10).unwrap();
                        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
                        let plan: Vec<String> = stmt
                            .query_map(rusqlite::params_from_iter(params), |row| row.get(3))
                            .unwrap()
                            .collect::<Result<_, _>>()
                            .unwrap();
                        let searches = plan.iter().any(|step| step.starts_with("SEARCH"));
                        let scans_or_sorts =
                            plan.iter().any(|step| step.starts_with("SCAN") || step.contains("TEMP B-TREE"));
                        assert!(searches && !scans_or_sorts, "{sql}: {plan:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_cursor_from_another_partition_is_refused() {
        let elsewhere = CursorPosition { key: Key::new("Q", "a"), index_key: None };
        let result = build_query(&Query::partition("P"), Some(&elsewhere), 10);
        assert!(matches!(result, Err(StoreError::InvalidCursor)));
        let indexed = CursorPosition { key: Key::new("P", "a"), index_key: Some(Key::new("Q", "x")) };
        let result = build_query(&Query::secondary("P"), Some(&indexed), 10);
        assert!(matches!(result, Err(StoreError::InvalidCursor)));
        let result = build_query(&Query::secondary("P"), Some(&elsewhere), 10);
        assert!(matches!(result, Err(StoreError::InvalidCursor)), "an index cursor needs its index key");
    }
}
