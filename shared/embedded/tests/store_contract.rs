//! The Store contract on SQLite, and what only the SQLite adapter does.

use gru_embedded::SqliteStore;
use gru_ports::store::{
    Condition, Item, Key, Page, Query, SortKeyCondition, Store, StoreError, TransactOp, query_all,
};
use serde_json::json;
use std::sync::Arc;
use tempfile::TempDir;

/// A store on a fresh file, deleted with the store.
struct TempStore {
    store: SqliteStore,
    _dir: TempDir,
}

#[async_trait::async_trait]
impl Store for TempStore {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        self.store.get(key).await
    }
    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        self.store.put(item, condition).await
    }
    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError> {
        self.store.delete(key, condition).await
    }
    async fn query(&self, query: Query) -> Result<Page, StoreError> {
        self.store.query(query).await
    }
    async fn transact(&self, ops: Vec<TransactOp>) -> Result<(), StoreError> {
        self.store.transact(ops).await
    }
    fn change_mark(&self) -> Option<u64> {
        self.store.change_mark()
    }
}

async fn make() -> Arc<dyn Store> {
    let dir = tempfile::tempdir().expect("temporary folder");
    let store = SqliteStore::open(&dir.path().join("data/gru.sqlite")).expect("store opens");
    Arc::new(TempStore { store, _dir: dir })
}

gru_ports::store_contract!(make().await);

fn item(pk: &str, sk: &str) -> Item {
    Item::new(Key::new(pk, sk), json!({ "sk": sk }))
}

fn sort_keys(items: &[Item]) -> Vec<&str> {
    items.iter().map(|i| i.key.sk.as_str()).collect()
}

#[tokio::test]
async fn data_survives_reopening_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gru.sqlite");
    let written = item("P", "A").with_index_key(Key::new("I", "x"));
    {
        let store = SqliteStore::open(&path).unwrap();
        store.put(written.clone(), Condition::NotExists).await.unwrap();
    }
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.get(&written.key).await.unwrap(), Some(written.clone()));
    let indexed = query_all(&store, Query::secondary("I")).await.unwrap();
    assert_eq!(indexed, [written]);
}

/// A CLI import writes through its own store on the server's file: the
/// server's store sees the change in its mark, without reading anything.
#[tokio::test]
async fn a_write_by_another_process_moves_the_change_mark() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gru.sqlite");
    let (server, cli) = (SqliteStore::open(&path).unwrap(), SqliteStore::open(&path).unwrap());
    let before = server.change_mark().expect("SQLite tells its changes");
    cli.put(item("P", "A"), Condition::None).await.unwrap();
    assert_ne!(server.change_mark(), Some(before));
}

/// Twenty writers race for one key, through two stores on the same file (as
/// the server and a CLI would): the conditions are checked inside the write
/// transaction, so exactly one wins.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_twenty_racing_creations_exactly_one_wins() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gru.sqlite");
    let stores = [SqliteStore::open(&path).unwrap(), SqliteStore::open(&path).unwrap()];
    let barrier = Arc::new(tokio::sync::Barrier::new(20));
    let tasks: Vec<_> = (0..20)
        .map(|n| {
            let (store, barrier) = (stores[n % 2].clone(), barrier.clone());
            tokio::spawn(async move {
                let mut claim = item("slot", "last-place");
                claim.data = json!({ "writer": n });
                barrier.wait().await;
                store.put(claim, Condition::NotExists).await.map(|()| n)
            })
        })
        .collect();
    let mut winners = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            Ok(n) => winners.push(n),
            Err(StoreError::ConditionFailed) => {}
            Err(other) => panic!("unexpected error: {other}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one winner, got {winners:?}");
    let stored = stores[0].get(&Key::new("slot", "last-place")).await.unwrap().unwrap();
    assert_eq!(stored.data["writer"], winners[0]);
}

/// Sort keys order by UTF-8 bytes (DynamoDB's order), and prefixes work for
/// any character, including the ones next to UTF-8's boundaries.
#[tokio::test]
async fn non_ascii_sort_keys_order_by_bytes_and_match_prefixes() {
    let store = make().await;
    let keys = [
        "e",
        "é",
        "é#1",
        "éa",
        "ê",
        "\u{7F}",
        "\u{7F}x",
        "\u{80}",
        "\u{D7FF}",
        "\u{D7FF}a",
        "\u{E000}",
        "\u{FF5E}",
        "😀",
        "\u{10FFFF}",
        "\u{10FFFF}\u{10FFFF}",
        "Z",
    ];
    for sk in keys {
        store.put(item("P", sk), Condition::None).await.unwrap();
    }
    let all = query_all(store.as_ref(), Query::partition("P")).await.unwrap();
    let mut by_bytes = keys.to_vec();
    by_bytes.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    assert_eq!(sort_keys(&all), by_bytes);
    // UTF-16 would put the emoji (a surrogate pair) before U+FF5E; bytes do not.
    let ff5e = sort_keys(&all).iter().position(|k| *k == "\u{FF5E}").unwrap();
    let emoji = sort_keys(&all).iter().position(|k| *k == "😀").unwrap();
    assert!(ff5e < emoji);

    let prefixed = |prefix: &'static str| {
        let store = store.clone();
        async move { query_all(store.as_ref(), Query::partition("P").prefix(prefix)).await.unwrap() }
    };
    assert_eq!(sort_keys(&prefixed("é").await), ["é", "é#1", "éa"]);
    assert_eq!(sort_keys(&prefixed("\u{7F}").await), ["\u{7F}", "\u{7F}x"]);
    assert_eq!(sort_keys(&prefixed("\u{D7FF}").await), ["\u{D7FF}", "\u{D7FF}a"]);
    assert_eq!(sort_keys(&prefixed("\u{10FFFF}").await), ["\u{10FFFF}", "\u{10FFFF}\u{10FFFF}"]);
    assert_eq!(sort_keys(&prefixed("").await).len(), keys.len(), "an empty prefix is every key");
    let descending = query_all(store.as_ref(), Query::partition("P").prefix("é").descending()).await.unwrap();
    assert_eq!(sort_keys(&descending), ["éa", "é#1", "é"]);
}

#[tokio::test]
async fn pages_without_a_limit_stop_at_a_thousand_items() {
    let store = make().await;
    // 1100 items, written 100 (a transaction's most) at a time.
    for chunk in 0..11 {
        let ops = (0..100)
            .map(|n| TransactOp::Put {
                item: item("P", &format!("{:04}", chunk * 100 + n)),
                condition: Condition::None,
            })
            .collect();
        store.transact(ops).await.unwrap();
    }
    let first = store.query(Query::partition("P")).await.unwrap();
    assert_eq!(first.items.len(), 1000);
    let rest = store.query(Query::partition("P").after(first.next)).await.unwrap();
    assert_eq!(sort_keys(&rest.items).first(), Some(&"1000"));
    assert_eq!(rest.items.len(), 100);
    assert!(rest.next.is_none());
}

#[tokio::test]
async fn a_cursor_of_another_partition_is_refused() {
    let store = make().await;
    for sk in ["a", "b"] {
        store.put(item("P", sk), Condition::None).await.unwrap();
        store.put(item("Q", sk), Condition::None).await.unwrap();
    }
    let page = store.query(Query::partition("P").limit(1)).await.unwrap();
    let cursor = page.next.expect("more items follow");
    let result = store.query(Query::partition("Q").after(Some(cursor.clone()))).await;
    assert!(matches!(result, Err(StoreError::InvalidCursor)), "got {result:?}");
    let result = store.query(Query::secondary("P").after(Some(cursor))).await;
    assert!(
        matches!(result, Err(StoreError::InvalidCursor)),
        "a table cursor is no index cursor: {result:?}"
    );
}

/// Items sharing one index key come back in table-key order and paginate
/// without loss or repeat: the cursor carries the table key as tie-breaker.
#[tokio::test]
async fn equal_index_keys_paginate_by_table_key() {
    let store = make().await;
    for (pk, sk) in [("B", "1"), ("A", "2"), ("A", "1"), ("C", "0")] {
        let it = item(pk, sk).with_index_key(Key::new("I", "same"));
        store.put(it, Condition::None).await.unwrap();
    }
    for ascending in [true, false] {
        let mut query = Query::secondary("I").limit(1);
        query.ascending = ascending;
        let seen: Vec<(String, String)> = query_all(store.as_ref(), query)
            .await
            .unwrap()
            .into_iter()
            .map(|i| (i.key.pk, i.key.sk))
            .collect();
        let mut want: Vec<(String, String)> = [("A", "1"), ("A", "2"), ("B", "1"), ("C", "0")]
            .iter()
            .map(|(p, s)| (p.to_string(), s.to_string()))
            .collect();
        if !ascending {
            want.reverse();
        }
        assert_eq!(seen, want);
    }
}

#[tokio::test]
async fn expired_items_are_deleted_on_request_only() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("gru.sqlite")).unwrap();
    let mut old = item("P", "old");
    old.expires_at = Some(1_000);
    let mut fresh = item("P", "fresh");
    fresh.expires_at = Some(3_000);
    for it in [old.clone(), fresh, item("P", "forever")] {
        store.put(it, Condition::None).await.unwrap();
    }
    assert!(store.get(&old.key).await.unwrap().is_some(), "expiry alone hides nothing");
    assert_eq!(store.delete_expired(2_000).await.unwrap(), 1);
    let left = query_all(&store, Query::partition("P").sort(SortKeyCondition::Any)).await.unwrap();
    assert_eq!(sort_keys(&left), ["forever", "fresh"]);
}
