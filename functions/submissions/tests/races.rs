//! Submissions racing on each store adapter: the SQLite store of the
//! all-in-one binary and DynamoDB (moto server), through the same router.

use axum::Router;
use axum::body::Body;
use gru_dynamodb::{DynamoStore, create_table, emulator_client};
use gru_embedded::{OutboxMailer, SqliteStore, outbox_messages};
use gru_ports::contract::{moto_endpoint, unique_name};
use gru_ports::{Query, Store, SystemClock};
use http::Request;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;
use tower::ServiceExt;

/// The router on `store`, with the fixture city imported and the outbox in
/// `outbox`.
async fn app(store: Arc<dyn Store>, outbox: &Path) -> Router {
    let city_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/city");
    let city = gru_domain::city_files::load(&city_dir).expect("the fixture city is valid");
    gru_records::catalogue::CatalogueRepository::new(store.clone()).import(&city, "fixture").await.unwrap();
    let mailer = Arc::new(OutboxMailer::new(outbox.to_owned(), "mairie@essai.example".to_owned()));
    let platform = gru_web::Platform::with_defaults(store, Arc::new(SystemClock), "https://essai.example");
    submissions::router(&platform, mailer)
}

async fn call(app: &Router, method: &str, path: &str, body: Value, key: Option<&str>) -> (u16, Value) {
    let mut request = Request::builder()
        .method(method)
        .uri(format!("/api/submissions{path}"))
        .header("content-type", "application/json")
        .header("x-gru-csrf", "1");
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    let response = app.clone().oneshot(request.body(Body::from(body.to_string())).unwrap()).await.unwrap();
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// A draft filled in and its email proven: ready to submit with `code`.
async fn ready_draft(app: &Router, outbox: &Path, email: &str) -> (String, String) {
    let (status, draft) = call(app, "POST", "/drafts", json!({ "service": "demande-simple" }), None).await;
    assert_eq!(status, 201, "{draft}");
    let id = draft["id"].as_str().unwrap().to_owned();
    let answers = json!({ "last_name": "Martin", "urgent": false });
    let (status, body) = call(
        app,
        "PUT",
        &format!("/drafts/{id}"),
        json!({ "answers": answers, "page": "identity", "version": 1 }),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) =
        call(app, "POST", &format!("/drafts/{id}/email"), json!({ "email": email }), None).await;
    assert_eq!(status, 202, "{body}");
    let mail = outbox_messages(outbox)
        .unwrap()
        .into_iter()
        .find(|m| m.to.contains(email))
        .expect("the code is sent");
    let code = mail.subject.rsplit(' ').next().unwrap().to_owned();
    (id, code)
}

/// Twenty concurrent submissions of one draft with one `Idempotency-Key`:
/// every one answers 201 with the same reference, and the store holds one
/// request.
async fn twenty_submissions_with_one_key_make_one_request(store: Arc<dyn Store>) {
    let outbox = tempfile::tempdir().unwrap();
    let app = app(store.clone(), outbox.path()).await;
    let email = format!("{}@essai.example", unique_name("race"));
    let (id, code) = ready_draft(&app, outbox.path(), &email).await;

    let mut racers = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let (app, id, code) = (app.clone(), id.clone(), code.clone());
        racers.spawn(async move {
            call(&app, "POST", &format!("/drafts/{id}/submit"), json!({ "code": code }), Some("one-click"))
                .await
        });
    }
    let answers = racers.join_all().await;
    let references: std::collections::HashSet<String> = answers
        .iter()
        .map(|(status, body)| {
            assert_eq!(*status, 201, "{body}");
            body["reference"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(references.len(), 1, "one reference for every answer: {references:?}");

    let citizen = format!("CITIZEN#{}", gru_web::tokens::email_key(&email));
    let requests = gru_ports::store::query_all(store.as_ref(), Query::partition(citizen).prefix("REQUEST#"))
        .await
        .unwrap();
    assert_eq!(requests.len(), 1, "exactly one request stored");
    // The confirmation was queued with the request: delivering the outbox sends it.
    let mailer = Arc::new(OutboxMailer::new(outbox.path().to_owned(), "mairie@essai.example".to_owned()));
    let files = Arc::new(gru_embedded::LocalFiles::new(
        outbox.path().join("files"),
        "https://essai.example".into(),
        [7; 32],
        Arc::new(SystemClock),
    ));
    let delivered =
        gru_outbox::Outbox::new(store, mailer, files, Arc::new(SystemClock)).deliver_due().await.unwrap();
    assert_eq!(delivered.sent, 1);
    let confirmations =
        outbox_messages(outbox.path()).unwrap().into_iter().filter(|m| m.subject.contains("bien reçue"));
    assert_eq!(confirmations.count(), 1, "one confirmation email");
}

/// Fifty wrong guesses of an emailed code sent at once: each is counted
/// before it is compared, so after them the code is spent and even the
/// right one is refused.
async fn parallel_guesses_spend_the_code(store: Arc<dyn Store>) {
    let outbox = tempfile::tempdir().unwrap();
    let app = app(store, outbox.path()).await;
    let email = format!("{}@essai.example", unique_name("guess"));
    let (id, code) = ready_draft(&app, outbox.path(), &email).await;
    let mut guesses = tokio::task::JoinSet::new();
    for n in 0..50 {
        let (app, id) = (app.clone(), id.clone());
        let guess = format!("{:06}", (code.parse::<u32>().unwrap() + 1 + n) % 1_000_000);
        guesses.spawn(async move {
            call(&app, "POST", &format!("/drafts/{id}/submit"), json!({ "code": guess }), None).await
        });
    }
    for (status, body) in guesses.join_all().await {
        assert_eq!((status, body["type"].as_str()), (400, Some("urn:gru:problem:invalid-code")), "{body}");
    }
    let (status, body) =
        call(&app, "POST", &format!("/drafts/{id}/submit"), json!({ "code": code }), None).await;
    assert_eq!(status, 400, "the code is spent: {body}");
}

#[tokio::test]
async fn parallel_guesses_spend_the_code_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    parallel_guesses_spend_the_code(Arc::new(SqliteStore::open(&dir.path().join("portal.db")).unwrap()))
        .await;
}

#[tokio::test]
async fn parallel_guesses_spend_the_code_on_dynamodb() {
    let client = emulator_client(&moto_endpoint());
    let table = unique_name("guesses");
    create_table(&client, &table).await.unwrap();
    parallel_guesses_spend_the_code(Arc::new(DynamoStore::new(client, table))).await;
}

#[tokio::test]
async fn twenty_submissions_with_one_key_make_one_request_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(&dir.path().join("portal.db")).unwrap());
    twenty_submissions_with_one_key_make_one_request(store).await;
}

#[tokio::test]
async fn twenty_submissions_with_one_key_make_one_request_on_dynamodb() {
    let client = emulator_client(&moto_endpoint());
    let table = unique_name("submissions");
    create_table(&client, &table).await.unwrap();
    twenty_submissions_with_one_key_make_one_request(Arc::new(DynamoStore::new(client, table))).await;
}
