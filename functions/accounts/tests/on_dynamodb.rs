//! The key account flows as they run on AWS: DynamoDB (moto server), with
//! its secondary index for "sign out everywhere" and its transactions for
//! account creation and password reset.

mod common;

use common::{PASSWORD, Site};
use gru_dynamodb::{DynamoStore, create_table, emulator_client};
use gru_ports::contract::{moto_endpoint, unique_name};
use serde_json::json;
use std::sync::Arc;

#[tokio::test]
async fn accounts_work_on_dynamodb() {
    let client = emulator_client(&moto_endpoint());
    let table = unique_name("accounts");
    create_table(&client, &table).await.unwrap();
    let site = Site::new(Arc::new(DynamoStore::new(client, table)));

    // Sign-up, verification (a transaction), and a link that works once.
    let first = site.account("anne@example.fr").await;
    let token = site.token("anne@example.fr", "/compte/verifier.html");
    assert_eq!(site.post("/signup/verify", None, json!({ "token": token })).await.status, 400);
    assert_eq!(site.get("/me", Some(&first)).await.body["email"], "anne@example.fr");

    // Same answer for a wrong password and an unknown email.
    let wrong = site.sign_in("anne@example.fr", "pas le bon mot de passe").await;
    let unknown = site.sign_in("personne@example.fr", "pas le bon mot de passe").await;
    assert_eq!((wrong.status, &wrong.body), (401, &unknown.body));
    let second = site.sign_in("anne@example.fr", PASSWORD).await.session().unwrap();

    // Sign out everywhere: one query of the index.
    assert_eq!(site.post("/signout/everywhere", Some(&second), json!({})).await.status, 204);
    assert_eq!(site.get("/me", Some(&first)).await.status, 401);

    // Emailed sign-in link, then a reset that ends the link's session.
    site.post("/signin/link", None, json!({"email": "anne@example.fr"})).await;
    let link = site.token("anne@example.fr", "/compte/lien.html");
    let linked = site.post("/signin/link/confirm", None, json!({ "token": link })).await.session().unwrap();
    site.post("/password/reset", None, json!({"email": "anne@example.fr"})).await;
    let reset = site.token("anne@example.fr", "/compte/nouveau-mot-de-passe.html");
    let new_password = "un tout nouveau mot de passe";
    let confirmed =
        site.post("/password/reset/confirm", None, json!({"token": reset, "password": new_password})).await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.body);
    assert_eq!(site.get("/me", Some(&linked)).await.status, 401);
    assert_eq!(site.sign_in("anne@example.fr", new_password).await.status, 200);

    // Profile: a version-checked update.
    let session = confirmed.session().unwrap();
    let profile = json!({"name": "Anne", "phone": null, "address": null});
    let saved = site.send(Site::request("PUT", "/me/profile", Some(&session), Some(&profile))).await;
    assert_eq!((saved.status, saved.body), (200, profile));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_sign_ins_are_all_counted_on_dynamodb() {
    let client = emulator_client(&moto_endpoint());
    let table = unique_name("accounts");
    create_table(&client, &table).await.unwrap();
    let site = Arc::new(Site::new(Arc::new(DynamoStore::new(client, table))));
    let attempts: Vec<_> = (0..20)
        .map(|_| {
            let site = site.clone();
            tokio::spawn(
                async move { site.sign_in("anne@example.fr", "pas le bon mot de passe").await.status },
            )
        })
        .collect();
    let mut statuses = Vec::new();
    for attempt in attempts {
        statuses.push(attempt.await.unwrap());
    }
    statuses.sort_unstable();
    assert_eq!(statuses, [[401; 10], [429; 10]].concat(), "exactly the limit of 10 got through");
}
