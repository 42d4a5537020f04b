//! The Store contract.

use crate::store::*;
use serde_json::json;
use std::sync::Arc;

/// Expands to one test per Store behaviour; `$make` is an async expression
/// giving a fresh `Arc<dyn Store>`.
#[macro_export]
macro_rules! store_contract {
    ($make:expr) => {
        $crate::store_contract!(@tests $make;
            round_trip_keeps_every_field,
            conditional_put_refuses_an_existing_key,
            exists_condition_refuses_a_missing_key,
            version_check_refuses_a_stale_version,
            of_concurrent_version_checked_updates_exactly_one_wins,
            conditional_delete_respects_its_condition,
            transaction_applies_every_write,
            transaction_with_one_failing_condition_writes_nothing,
            transaction_refuses_two_writes_on_one_key,
            prefix_query_comes_back_ordered_within_its_partition,
            range_queries_are_inclusive,
            queries_paginate_with_a_cursor,
            a_full_last_page_has_no_cursor,
            secondary_index_query_sees_only_indexed_items,
            a_forged_cursor_is_refused,
            keys_dynamodb_would_refuse_are_refused,
            a_change_mark_moves_with_every_write,
            additions_create_the_counters_and_add_to_them,
            an_addition_in_a_failed_transaction_adds_nothing,
            of_concurrent_additions_none_is_lost,
            additions_are_checked_like_writes,
        );
    };
    (@tests $make:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() {
                let store: std::sync::Arc<dyn $crate::Store> = $make;
                $crate::contract::store::$name(store).await;
            }
        )*
    };
}

fn partition() -> String {
    super::unique_name("P")
}

fn item(pk: &str, sk: &str, n: i64) -> Item {
    Item::new(Key::new(pk, sk), json!({ "n": n, "text": "Acte d'état civil ✓" }))
}

fn sort_keys(items: &[Item]) -> Vec<String> {
    items.iter().map(|i| i.key.sk.clone()).collect()
}

pub async fn round_trip_keeps_every_field(store: Arc<dyn Store>) {
    let pk = partition();
    let mut written = item(&pk, "A", 1).with_index_key(Key::new(format!("{pk}-I"), "x"));
    written.version = 7;
    written.expires_at = Some(1_900_000_000);
    store.put(written.clone(), Condition::None).await.unwrap();
    let read = store.get(&written.key).await.unwrap().expect("item is there");
    assert_eq!(read, written);
    assert!(store.get(&Key::new(&pk, "missing")).await.unwrap().is_none());
}

pub async fn conditional_put_refuses_an_existing_key(store: Arc<dyn Store>) {
    let pk = partition();
    store.put(item(&pk, "A", 1), Condition::NotExists).await.unwrap();
    let second = store.put(item(&pk, "A", 2), Condition::NotExists).await;
    assert!(matches!(second, Err(StoreError::ConditionFailed)), "got {second:?}");
    let kept = store.get(&Key::new(&pk, "A")).await.unwrap().unwrap();
    assert_eq!(kept.data["n"], 1, "the first write is kept");
}

pub async fn exists_condition_refuses_a_missing_key(store: Arc<dyn Store>) {
    let pk = partition();
    let result = store.put(item(&pk, "A", 1), Condition::Exists).await;
    assert!(matches!(result, Err(StoreError::ConditionFailed)), "got {result:?}");
    assert!(store.get(&Key::new(&pk, "A")).await.unwrap().is_none());
}

pub async fn version_check_refuses_a_stale_version(store: Arc<dyn Store>) {
    let pk = partition();
    store.put(item(&pk, "A", 1), Condition::NotExists).await.unwrap();
    let mut update = item(&pk, "A", 2);
    update.version = 2;
    let stale = store.put(update.clone(), Condition::Version(5)).await;
    assert!(matches!(stale, Err(StoreError::ConditionFailed)), "got {stale:?}");
    store.put(update.clone(), Condition::Version(1)).await.unwrap();
    let read = store.get(&update.key).await.unwrap().unwrap();
    assert_eq!((read.version, read.data["n"].as_i64()), (2, Some(2)));
    let missing = store.put(item(&pk, "B", 1), Condition::Version(1)).await;
    assert!(matches!(missing, Err(StoreError::ConditionFailed)), "got {missing:?}");
}

pub async fn of_concurrent_version_checked_updates_exactly_one_wins(store: Arc<dyn Store>) {
    const WRITERS: i64 = 8;
    let pk = partition();
    store.put(item(&pk, "A", 0), Condition::NotExists).await.unwrap();
    let barrier = Arc::new(tokio::sync::Barrier::new(WRITERS as usize));
    let tasks: Vec<_> = (1..=WRITERS)
        .map(|n| {
            let (store, barrier, pk) = (store.clone(), barrier.clone(), pk.clone());
            tokio::spawn(async move {
                let mut update = item(&pk, "A", n);
                update.version = 2;
                barrier.wait().await;
                store.put(update, Condition::Version(1)).await.map(|()| n)
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
    assert_eq!(winners.len(), 1, "exactly one writer wins, got {winners:?}");
    let read = store.get(&Key::new(&pk, "A")).await.unwrap().unwrap();
    assert_eq!(read.data["n"].as_i64(), Some(winners[0]), "the winner's write is stored");
    assert_eq!(read.version, 2);
}

pub async fn conditional_delete_respects_its_condition(store: Arc<dyn Store>) {
    let pk = partition();
    let key = Key::new(&pk, "A");
    store.put(item(&pk, "A", 1), Condition::None).await.unwrap();
    let stale = store.delete(&key, Condition::Version(3)).await;
    assert!(matches!(stale, Err(StoreError::ConditionFailed)), "got {stale:?}");
    assert!(store.get(&key).await.unwrap().is_some());
    store.delete(&key, Condition::Version(1)).await.unwrap();
    assert!(store.get(&key).await.unwrap().is_none());
    store.delete(&key, Condition::None).await.expect("deleting a missing item is fine");
    let gone = store.delete(&key, Condition::Exists).await;
    assert!(matches!(gone, Err(StoreError::ConditionFailed)), "got {gone:?}");
}

pub async fn transaction_applies_every_write(store: Arc<dyn Store>) {
    let pk = partition();
    store.put(item(&pk, "OLD", 0), Condition::None).await.unwrap();
    store.put(item(&pk, "CHECKED", 0), Condition::None).await.unwrap();
    store
        .transact(vec![
            TransactOp::Put { item: item(&pk, "A", 1), condition: Condition::NotExists },
            TransactOp::Put { item: item(&pk, "B", 2), condition: Condition::None },
            TransactOp::Delete { key: Key::new(&pk, "OLD"), condition: Condition::Exists },
            TransactOp::Check { key: Key::new(&pk, "CHECKED"), condition: Condition::Version(1) },
        ])
        .await
        .unwrap();
    let all = query_all(store.as_ref(), Query::partition(&pk)).await.unwrap();
    assert_eq!(sort_keys(&all), ["A", "B", "CHECKED"]);
}

pub async fn transaction_with_one_failing_condition_writes_nothing(store: Arc<dyn Store>) {
    let pk = partition();
    store.put(item(&pk, "TAKEN", 0), Condition::None).await.unwrap();
    store.put(item(&pk, "KEEP", 0), Condition::None).await.unwrap();
    let result = store
        .transact(vec![
            TransactOp::Put { item: item(&pk, "A", 1), condition: Condition::NotExists },
            TransactOp::Delete { key: Key::new(&pk, "KEEP"), condition: Condition::None },
            TransactOp::Put { item: item(&pk, "TAKEN", 1), condition: Condition::NotExists },
        ])
        .await;
    assert!(matches!(result, Err(StoreError::ConditionFailed)), "got {result:?}");
    let all = query_all(store.as_ref(), Query::partition(&pk)).await.unwrap();
    assert_eq!(sort_keys(&all), ["KEEP", "TAKEN"], "nothing was written");
    assert_eq!(all[1].data["n"], 0);
}

pub async fn transaction_refuses_two_writes_on_one_key(store: Arc<dyn Store>) {
    let pk = partition();
    let result = store
        .transact(vec![
            TransactOp::Put { item: item(&pk, "A", 1), condition: Condition::None },
            TransactOp::Put { item: item(&pk, "A", 2), condition: Condition::None },
        ])
        .await;
    assert!(matches!(result, Err(StoreError::InvalidTransaction(_))), "got {result:?}");
    assert!(store.get(&Key::new(&pk, "A")).await.unwrap().is_none());
}

pub async fn prefix_query_comes_back_ordered_within_its_partition(store: Arc<dyn Store>) {
    let pk = partition();
    let other = partition();
    for sk in ["S#c", "S#a", "T#a", "S#b", "R#z", "S#aa"] {
        store.put(item(&pk, sk, 0), Condition::None).await.unwrap();
    }
    store.put(item(&other, "S#0", 0), Condition::None).await.unwrap();
    let asc = query_all(store.as_ref(), Query::partition(&pk).prefix("S#")).await.unwrap();
    assert_eq!(sort_keys(&asc), ["S#a", "S#aa", "S#b", "S#c"]);
    let desc = query_all(store.as_ref(), Query::partition(&pk).prefix("S#").descending()).await.unwrap();
    assert_eq!(sort_keys(&desc), ["S#c", "S#b", "S#aa", "S#a"]);
    let all = query_all(store.as_ref(), Query::partition(&pk)).await.unwrap();
    assert_eq!(sort_keys(&all), ["R#z", "S#a", "S#aa", "S#b", "S#c", "T#a"]);
}

pub async fn range_queries_are_inclusive(store: Arc<dyn Store>) {
    let pk = partition();
    for day in ["2027-03-27", "2027-03-28", "2027-03-29", "2027-03-30", "2027-03-31"] {
        store.put(item(&pk, day, 0), Condition::None).await.unwrap();
    }
    let q = |sort| query_all(store.as_ref(), Query::partition(&pk).sort(sort));
    let between = q(SortKeyCondition::Between("2027-03-28".into(), "2027-03-30".into())).await.unwrap();
    assert_eq!(sort_keys(&between), ["2027-03-28", "2027-03-29", "2027-03-30"]);
    let from = q(SortKeyCondition::From("2027-03-30".into())).await.unwrap();
    assert_eq!(sort_keys(&from), ["2027-03-30", "2027-03-31"]);
    let up_to = q(SortKeyCondition::UpTo("2027-03-28".into())).await.unwrap();
    assert_eq!(sort_keys(&up_to), ["2027-03-27", "2027-03-28"]);
}

pub async fn queries_paginate_with_a_cursor(store: Arc<dyn Store>) {
    let pk = partition();
    let expected: Vec<String> = (0..25).map(|n| format!("I#{n:03}")).collect();
    for sk in expected.iter().rev() {
        store.put(item(&pk, sk, 0), Condition::None).await.unwrap();
    }
    for ascending in [true, false] {
        let mut query = Query::partition(&pk).prefix("I#").limit(10);
        query.ascending = ascending;
        let mut seen = Vec::new();
        let mut pages = 0;
        loop {
            let page = store.query(query.clone()).await.unwrap();
            assert!(page.items.len() <= 10, "a page holds at most the limit");
            seen.extend(sort_keys(&page.items));
            pages += 1;
            assert!(pages <= 4, "pagination ends");
            match page.next {
                Some(cursor) => query.cursor = Some(cursor),
                None => break,
            }
        }
        let mut want = expected.clone();
        if !ascending {
            want.reverse();
        }
        assert_eq!(seen, want, "every item once, in order (ascending: {ascending})");
    }
}

pub async fn a_full_last_page_has_no_cursor(store: Arc<dyn Store>) {
    let pk = partition();
    for n in 0..4 {
        store.put(item(&pk, &format!("I#{n}"), 0), Condition::None).await.unwrap();
    }
    let first = store.query(Query::partition(&pk).limit(2)).await.unwrap();
    assert_eq!(sort_keys(&first.items), ["I#0", "I#1"]);
    let second = store.query(Query::partition(&pk).limit(2).after(first.next)).await.unwrap();
    assert_eq!(sort_keys(&second.items), ["I#2", "I#3"]);
    assert!(second.next.is_none(), "no cursor to an empty page");
    let exact = store.query(Query::secondary(format!("{pk}-none")).limit(2)).await.unwrap();
    assert!(exact.items.is_empty() && exact.next.is_none());
}

pub async fn secondary_index_query_sees_only_indexed_items(store: Arc<dyn Store>) {
    let pk = partition();
    let index_pk = format!("{pk}-by-status");
    for (sk, status_key) in [
        ("R1", Some("open#2027-01-03")),
        ("R2", None),
        ("R3", Some("open#2027-01-01")),
        ("R4", Some("done#2027-01-02")),
    ] {
        let mut it = item(&pk, sk, 0);
        it.index_key = status_key.map(|s| Key::new(&index_pk, s));
        store.put(it, Condition::None).await.unwrap();
    }
    let open = query_all(store.as_ref(), Query::secondary(&index_pk).prefix("open#")).await.unwrap();
    assert_eq!(sort_keys(&open), ["R3", "R1"], "ordered by the index sort key");
    let mut query = Query::secondary(&index_pk).limit(1);
    let mut seen = Vec::new();
    loop {
        let page = store.query(query.clone()).await.unwrap();
        seen.extend(sort_keys(&page.items));
        match page.next {
            Some(cursor) => query.cursor = Some(cursor),
            None => break,
        }
    }
    assert_eq!(seen, ["R4", "R3", "R1"], "the index paginates too");
    let table = query_all(store.as_ref(), Query::partition(&index_pk)).await.unwrap();
    assert!(table.is_empty(), "index keys are not table keys");
}

pub async fn a_forged_cursor_is_refused(store: Arc<dyn Store>) {
    let pk = partition();
    let query = Query::partition(&pk).after(Some(Cursor("not a cursor!".into())));
    let result = store.query(query).await;
    assert!(matches!(result, Err(StoreError::InvalidCursor)), "got {result:?}");
}

pub async fn keys_dynamodb_would_refuse_are_refused(store: Arc<dyn Store>) {
    let pk = partition();
    let long_sort_key = "é".repeat(MAX_SORT_KEY_BYTES / 2 + 1);
    let bad_items = [
        item("", "A", 0),
        item(&pk, "", 0),
        item(&pk, &long_sort_key, 0),
        item(&pk, "A", 0).with_index_key(Key::new(format!("{pk}-I"), "")),
    ];
    for bad in bad_items {
        let put = store.put(bad.clone(), Condition::None).await;
        assert!(matches!(put, Err(StoreError::InvalidKey)), "{:?}: {put:?}", bad.key);
        let ops = vec![TransactOp::Put { item: bad, condition: Condition::None }];
        let transaction = store.transact(ops).await;
        assert!(matches!(transaction, Err(StoreError::InvalidKey)), "{transaction:?}");
    }
    assert!(query_all(store.as_ref(), Query::partition(&pk)).await.unwrap().is_empty(), "nothing written");
    let longest = item(&pk, &"s".repeat(MAX_SORT_KEY_BYTES), 0);
    store.put(longest, Condition::None).await.expect("a key at the limit fits");
}

/// A store that gives a change mark gives a new one after each kind of
/// write, and the same one while nothing is written.
pub async fn a_change_mark_moves_with_every_write(store: Arc<dyn Store>) {
    let Some(first) = store.change_mark() else { return };
    assert_eq!(store.change_mark(), Some(first), "no write, same mark");
    let moved = |before: u64, write: &str| {
        let after = store.change_mark().expect("the store still tells");
        assert_ne!(after, before, "a {write} moves the mark");
        after
    };
    let pk = partition();
    let written = item(&pk, "A", 1);
    store.put(written.clone(), Condition::None).await.unwrap();
    let mark = moved(first, "put");
    let op = TransactOp::Put { item: item(&pk, "B", 2), condition: Condition::None };
    store.transact(vec![op]).await.unwrap();
    let mark = moved(mark, "transaction");
    store.delete(&written.key, Condition::None).await.unwrap();
    moved(mark, "delete");
}

async fn counters(store: &Arc<dyn Store>, key: &Key) -> serde_json::Value {
    store.get(key).await.unwrap().expect("the counters' item").data
}

fn add(key: &Key, counts: &[(&str, i64)]) -> TransactOp {
    TransactOp::Add { key: key.clone(), counts: counts.iter().map(|(n, c)| ((*n).to_owned(), *c)).collect() }
}

pub async fn additions_create_the_counters_and_add_to_them(store: Arc<dyn Store>) {
    let key = Key::new(partition(), "D2026-12-07#acte-etat-civil#online");
    store.transact(vec![add(&key, &[("received", 1), ("time:3", 1)])]).await.unwrap();
    store.transact(vec![add(&key, &[("received", 2), ("decided", 1), ("time:3", -1)])]).await.unwrap();
    assert_eq!(counters(&store, &key).await, json!({ "received": 3, "decided": 1, "time:3": 0 }));
    // Read by a query too, as a dashboard reads them.
    let page = store.query(Query::partition(key.pk.clone()).prefix("D2026-12")).await.unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].data["received"], 3);
}

pub async fn an_addition_in_a_failed_transaction_adds_nothing(store: Arc<dyn Store>) {
    let pk = partition();
    let key = Key::new(&pk, "COUNTS");
    store.transact(vec![add(&key, &[("received", 1)])]).await.unwrap();
    let taken = item(&pk, "TAKEN", 1);
    store.put(taken.clone(), Condition::None).await.unwrap();
    let failed = store
        .transact(vec![
            add(&key, &[("received", 1)]),
            TransactOp::Put { item: taken, condition: Condition::NotExists },
        ])
        .await;
    assert!(matches!(failed, Err(StoreError::ConditionFailed)), "{failed:?}");
    assert_eq!(counters(&store, &key).await, json!({ "received": 1 }));
}

pub async fn of_concurrent_additions_none_is_lost(store: Arc<dyn Store>) {
    let key = Key::new(partition(), "COUNTS");
    let racers = (0..16).map(|i| {
        let store = store.clone();
        let key = key.clone();
        tokio::spawn(async move {
            // Each with its own write beside the shared counters, as a request's change is.
            let own = TransactOp::Put {
                item: item(&key.pk, &format!("OWN{i:02}"), i),
                condition: Condition::NotExists,
            };
            loop {
                match store.transact(vec![add(&key, &[("a", 1), ("b", 2)]), own.clone()]).await {
                    Ok(()) => return,
                    // DynamoDB refuses a transaction while another holds the item: try again.
                    Err(StoreError::TransactionConflict) => tokio::task::yield_now().await,
                    Err(error) => panic!("{error}"),
                }
            }
        })
    });
    for racer in racers.collect::<Vec<_>>() {
        racer.await.unwrap();
    }
    assert_eq!(counters(&store, &key).await, json!({ "a": 16, "b": 32 }));
}

pub async fn additions_are_checked_like_writes(store: Arc<dyn Store>) {
    let key = Key::new(partition(), "COUNTS");
    for (counts, why) in [
        (vec![], "nothing to add"),
        (vec![("", 1)], "a counter without a name"),
        (vec![("a", 1), ("a", 2)], "one counter twice"),
    ] {
        let error = store.transact(vec![add(&key, &counts)]).await.unwrap_err();
        assert!(matches!(error, StoreError::InvalidTransaction(_)), "{why}: {error:?}");
    }
    let long = "x".repeat(MAX_COUNTER_NAME_BYTES + 1);
    assert!(store.transact(vec![add(&key, &[(long.as_str(), 1)])]).await.is_err());
    assert!(store.get(&key).await.unwrap().is_none(), "nothing was written");
}
