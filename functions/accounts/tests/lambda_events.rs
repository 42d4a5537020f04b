//! The accounts router driven the way Lambda drives it: an API Gateway HTTP
//! API (payload v2) event parsed by `lambda_http`.

use gru_embedded::{OutboxMailer, SqliteStore};
use gru_ports::SystemClock;
use http_body_util::BodyExt;
use std::path::Path;
use std::sync::Arc;
use tower::ServiceExt;

#[tokio::test]
async fn a_sign_in_through_api_gateway_does_not_tell_whether_the_account_exists() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(&dir.path().join("portal.db")).unwrap());
    let platform = gru_web::Platform::with_defaults(store, Arc::new(SystemClock), "https://essai.example");
    let mailer = Arc::new(OutboxMailer::new(dir.path().join("outbox"), "mairie@essai.example".into()));
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/signin.json");
    let request = lambda_http::request::from_str(&std::fs::read_to_string(fixture).unwrap()).unwrap();
    let response = accounts::router(&platform, mailer).oneshot(request).await.unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["content-type"], "application/problem+json");
    let body: serde_json::Value =
        serde_json::from_slice(&response.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert_eq!(body["type"], "urn:gru:problem:invalid-credentials");
}
