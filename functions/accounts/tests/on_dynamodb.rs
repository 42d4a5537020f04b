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

#[tokio::test]
async fn agents_work_on_dynamodb() {
    use accounts::agents::{NewAgent, enrol, totp_code};
    use gru_ports::{Clock, Store};
    use gru_web::Role;

    let client = emulator_client(&moto_endpoint());
    let table = unique_name("agents");
    create_table(&client, &table).await.unwrap();
    let store: Arc<dyn Store> = Arc::new(DynamoStore::new(client, table));
    let site = Site::new(store.clone());
    let new = |email: &str, name: &str, role| NewAgent {
        email: email.into(),
        name: name.into(),
        role,
        services: vec![],
    };
    let clock = site.clock.clone() as Arc<dyn Clock>;
    let admin = enrol(
        store.clone(),
        clock.clone(),
        common::PUBLIC_URL,
        new("admin@belleval.fr", "Alice", Role::Admin),
    )
    .await
    .unwrap();
    let claire =
        enrol(store.clone(), clock, common::PUBLIC_URL, new("claire@belleval.fr", "Claire", Role::Agent))
            .await
            .unwrap();
    let now = || site.clock.now().as_second() as u64;
    let sign_in = |email: &str, password: &str, code: String| {
        let body = json!({"email": email, "password": password, "code": code});
        site.send(Site::agent_request("POST", "/agents/signin", None, Some(&body)))
    };

    // Sign-in: the account, the session and the audit entry in one transaction; a code works once.
    let code = totp_code(&claire.totp_secret, now());
    let signed_in = sign_in("claire@belleval.fr", &claire.password, code.clone()).await;
    assert_eq!(signed_in.status, 200, "{}", signed_in.body);
    assert_eq!(sign_in("claire@belleval.fr", &claire.password, code).await.status, 401);
    let claire_session = signed_in.agent_session().unwrap();
    let admin_session = sign_in("admin@belleval.fr", &admin.password, totp_code(&admin.totp_secret, now()))
        .await
        .agent_session()
        .unwrap();

    // The list is one index query; a change of role ends the sessions found through the index.
    let listed = site.send(Site::agent_request("GET", "/agents", Some(&admin_session), None)).await;
    assert_eq!(listed.body.as_array().map(Vec::len), Some(2), "{}", listed.body);
    let path = format!("/agents/{}", claire.agent.id);
    let promoted = site
        .send(Site::agent_request("PUT", &path, Some(&admin_session), Some(&json!({"role": "supervisor"}))))
        .await;
    assert_eq!(promoted.status, 200, "{}", promoted.body);
    let me = site.send(Site::agent_request("GET", "/agents/me", Some(&claire_session), None)).await;
    assert_eq!(me.status, 401);
}
