//! The Store contract against DynamoDB, as emulated by moto server
//! (`GRU_MOTO_ENDPOINT`); each test gets a fresh table.

use aws_sdk_dynamodb::Client;
use gru_dynamodb::{DynamoStore, create_table, emulator_client};
use gru_ports::contract::{moto_endpoint, unique_name};
use std::sync::Arc;

fn moto_client() -> Client {
    emulator_client(&moto_endpoint())
}

async fn fresh_store() -> Arc<DynamoStore> {
    let client = moto_client();
    let table = unique_name("store");
    create_table(&client, &table).await.expect("table is created");
    Arc::new(DynamoStore::new(client, table))
}

gru_ports::store_contract!(fresh_store().await);

/// The attribute layout is shared with the infrastructure template (key and
/// index names, the TTL attribute), so it is checked on the raw item.
#[tokio::test]
async fn items_are_stored_with_the_documented_attributes() {
    use aws_sdk_dynamodb::types::AttributeValue::{N, S};
    use gru_ports::{Condition, Item, Key, Store};

    let client = moto_client();
    let table = unique_name("store");
    create_table(&client, &table).await.unwrap();
    let store = DynamoStore::new(client.clone(), &table);
    let mut item = Item::new(Key::new("REQ#1", "META"), serde_json::json!({ "statut": "reçue" }))
        .with_index_key(Key::new("STATUS#open", "2027-01-03"));
    item.expires_at = Some(1_900_000_000);
    store.put(item, Condition::NotExists).await.unwrap();
    store.put(Item::new(Key::new("REQ#1", "PLAIN"), serde_json::json!(null)), Condition::None).await.unwrap();

    let raw = |sk: &str| {
        client.get_item().table_name(&table).key("pk", S("REQ#1".into())).key("sk", S(sk.into())).send()
    };
    let full = raw("META").await.unwrap().item.expect("item is stored");
    assert_eq!(full["gsi1pk"], S("STATUS#open".into()));
    assert_eq!(full["gsi1sk"], S("2027-01-03".into()));
    assert_eq!(full["version"], N("1".into()));
    assert_eq!(full["expires_at"], N("1900000000".into()));
    assert_eq!(full["data"], S(r#"{"statut":"reçue"}"#.into()));
    let plain = raw("PLAIN").await.unwrap().item.expect("item is stored");
    let mut names: Vec<&str> = plain.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(names, ["data", "pk", "sk", "version"], "no index key, no TTL when unset");

    let ttl = client.describe_time_to_live().table_name(&table).send().await.unwrap();
    let ttl = ttl.time_to_live_description().expect("TTL is described");
    assert_eq!(ttl.attribute_name(), Some("expires_at"));
    let description = client.describe_table().table_name(&table).send().await.unwrap();
    let indexes = description.table().unwrap().global_secondary_indexes();
    assert_eq!(indexes.iter().filter_map(|i| i.index_name()).collect::<Vec<_>>(), ["gsi1"]);
}

#[tokio::test]
async fn a_cursor_from_another_query_is_refused() {
    use gru_ports::{Condition, Item, Key, Query, Store, StoreError};

    let store = fresh_store().await;
    let pk = unique_name("P");
    for sk in ["A", "B", "C"] {
        let item = Item::new(Key::new(&pk, sk), serde_json::json!({}))
            .with_index_key(Key::new(format!("{pk}-I"), sk));
        store.put(item, Condition::None).await.unwrap();
    }
    let table_cursor = store.query(Query::partition(&pk).limit(1)).await.unwrap().next;
    assert!(table_cursor.is_some(), "more items follow");
    let index_cursor = store.query(Query::secondary(format!("{pk}-I")).limit(1)).await.unwrap().next;
    assert!(index_cursor.is_some(), "more items follow");

    let other_partition = store.query(Query::partition(unique_name("P")).after(table_cursor.clone())).await;
    assert!(matches!(other_partition, Err(StoreError::InvalidCursor)), "got {other_partition:?}");
    let table_cursor_on_index = store.query(Query::secondary(format!("{pk}-I")).after(table_cursor)).await;
    assert!(matches!(table_cursor_on_index, Err(StoreError::InvalidCursor)), "got {table_cursor_on_index:?}");
    let index_cursor_on_table = store.query(Query::partition(format!("{pk}-I")).after(index_cursor)).await;
    assert!(matches!(index_cursor_on_table, Err(StoreError::InvalidCursor)), "got {index_cursor_on_table:?}");
}
