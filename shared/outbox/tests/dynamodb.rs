//! The outbox on DynamoDB, as emulated by moto server (`GRU_MOTO_ENDPOINT`).

mod common;

use gru_dynamodb::{DynamoStore, create_table, emulator_client};
use gru_ports::contract::{moto_endpoint, unique_name};
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_notifiers_at_once_send_each_email_once() {
    let client = emulator_client(&moto_endpoint());
    let table = unique_name("outbox");
    create_table(&client, &table).await.expect("the table is created");
    common::two_notifiers_send_each_email_once(Arc::new(DynamoStore::new(client, table))).await;
}
