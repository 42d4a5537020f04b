//! The submissions router driven the way Lambda drives it: API Gateway HTTP
//! API (payload v2) events parsed by `lambda_http`.

use gru_embedded::{OutboxMailer, SqliteStore};
use gru_ports::SystemClock;
use http_body_util::BodyExt;
use std::path::Path;
use std::sync::Arc;
use tower::ServiceExt;

/// Sends a fixture event (after `edit`) to the router on a fresh store with
/// the fixture city; returns the status and JSON body.
async fn send(fixture: &str, edit: impl FnOnce(&mut serde_json::Value)) -> (u16, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(&dir.path().join("portal.db")).unwrap());
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let city = gru_domain::city_files::load(&root.join("city")).unwrap();
    gru_records::catalogue::CatalogueRepository::new(store.clone()).import(&city, "fixture").await.unwrap();
    let mailer = Arc::new(OutboxMailer::new(dir.path().join("outbox"), "mairie@essai.example".into()));
    let platform = gru_web::Platform::with_defaults(store, Arc::new(SystemClock), "https://essai.example");
    let mut event: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("events").join(fixture)).unwrap()).unwrap();
    edit(&mut event);
    let request = lambda_http::request::from_str(&event.to_string()).expect("a valid API Gateway v2 event");
    let response = submissions::router(&platform, mailer).oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap())
}

#[tokio::test]
async fn evaluation_through_api_gateway() {
    let (status, evaluation) = send("evaluate.json", |_| {}).await;
    assert_eq!(status, 200, "{evaluation}");
    assert_eq!(evaluation["pages"][0]["fields"], serde_json::json!(["last_name", "urgent", "phone"]));
    assert_eq!(evaluation["documents"][0]["id"], "proof");
    assert_eq!(evaluation["errors"][0]["field"], "phone", "urgent: the phone is required");
}

#[tokio::test]
async fn a_draft_is_created_through_api_gateway() {
    let (status, draft) = send("create-draft.json", |_| {}).await;
    assert_eq!(status, 201, "{draft}");
    assert_eq!(draft["id"].as_str().unwrap().len(), 22);
    assert_eq!(draft["with_account"], false);
}

#[tokio::test]
async fn a_cross_site_post_without_the_csrf_header_is_refused() {
    let (status, problem) = send("create-draft.json", |event| {
        event["headers"].as_object_mut().unwrap().remove("x-gru-csrf");
    })
    .await;
    assert_eq!((status, problem["type"].as_str()), (403, Some("urn:gru:problem:csrf")));
}
