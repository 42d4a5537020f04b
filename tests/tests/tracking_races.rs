//! Two agents change the status of one request at once, on each store
//! adapter (the SQLite store of the all-in-one binary, DynamoDB on moto
//! server): one wins, the other gets 409, and the history, the outbox and
//! the audit trail hold exactly one change.

#[path = "tracking_world/mod.rs"]
mod common;

use common::{Seed, World, call, world, world_on};
use gru_dynamodb::{DynamoStore, create_table, emulator_client};
use gru_ports::contract::{moto_endpoint, unique_name};
use gru_web::Role;
use serde_json::json;
use std::sync::Arc;

async fn two_agents_at_once_make_one_change(world: World) {
    let first = world.agent(Role::Agent, &["etat-civil"]).await;
    let second = world.agent(Role::Agent, &["etat-civil"]).await;
    let admin = world.agent(Role::Admin, &[]).await;
    // A few rounds, so the race is run, not just the first one to start.
    for _ in 0..5 {
        let reference = world.seed(Seed::default()).await;
        let version = world.stored(&reference).await.version;
        let path = format!("/requests/{reference}/transitions");
        let racers =
            [(first.clone(), "checking"), (second.clone(), "missing_document")].map(|(agent, to)| {
                let (app, path) = (world.app.clone(), path.clone());
                tokio::spawn(async move {
                    call(&app, Some(&agent), "POST", &path, Some(json!({ "to": to, "version": version })))
                        .await
                })
            });
        let mut statuses = Vec::new();
        for racer in racers {
            let (status, body) = racer.await.unwrap();
            assert!(status == 200 || body["type"] == "urn:gru:problem:conflict", "{status}: {body}");
            statuses.push(status);
        }
        statuses.sort();
        assert_eq!(statuses, [200, 409], "one wins, one is told");

        let stored = world.stored(&reference).await;
        assert_eq!(stored.version, version + 1);
        assert_eq!(stored.value.history.len(), 2, "exactly one change in the history");
        let (_, trail) =
            world.call(Some(&admin), "GET", &format!("/audit?reference={reference}"), None).await;
        assert_eq!(trail["entries"].as_array().unwrap().len(), 1, "one change audited: {trail}");
    }
    let emails = world.outbox().await;
    assert_eq!(emails.len(), 5, "one email per winning change");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_agents_at_once_make_one_change_on_sqlite() {
    two_agents_at_once_make_one_change(world().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_agents_at_once_make_one_change_on_dynamodb() {
    let client = emulator_client(&moto_endpoint());
    let table = unique_name("tracking");
    create_table(&client, &table).await.unwrap();
    two_agents_at_once_make_one_change(world_on(Arc::new(DynamoStore::new(client, table)), None).await).await;
}
