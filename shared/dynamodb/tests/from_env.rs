//! `DynamoStore::from_env` reads the variables the Lambda sets and honours
//! `AWS_ENDPOINT_URL` (here moto). This is the only test of its binary
//! because it changes the process environment.

use gru_ports::contract::{moto_endpoint, unique_name};
use gru_ports::{Condition, Item, Key, Store, StoreError};

#[test]
fn from_env_uses_the_configured_table_and_endpoint() {
    let endpoint = moto_endpoint();
    let table = unique_name("env");
    // SAFETY: no other thread reads the environment: this is the binary's
    // only test, and the runtime is started afterwards.
    unsafe {
        std::env::remove_var("TABLE_NAME");
        std::env::set_var("AWS_ENDPOINT_URL", &endpoint);
        std::env::set_var("AWS_ACCESS_KEY_ID", "test");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "test");
        std::env::set_var("AWS_REGION", "eu-west-3");
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let missing = runtime.block_on(gru_dynamodb::DynamoStore::from_env());
    assert!(matches!(missing, Err(StoreError::Backend(_))), "TABLE_NAME is required");
    // SAFETY: as above; the runtime's threads are idle and never read it.
    unsafe { std::env::set_var("TABLE_NAME", &table) };
    runtime.block_on(async {
        let config = gru_aws::sdk_config_from_env().unwrap();
        gru_dynamodb::create_table(&aws_sdk_dynamodb::Client::new(&config), &table).await.unwrap();
        let store = gru_dynamodb::DynamoStore::from_env().await.unwrap();
        let item = Item::new(Key::new("P", "S"), serde_json::json!({ "ok": true }));
        store.put(item.clone(), Condition::NotExists).await.unwrap();
        assert_eq!(store.get(&item.key).await.unwrap(), Some(item));
    });
}
