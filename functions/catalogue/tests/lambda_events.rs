//! The catalogue router driven the way Lambda drives it: API Gateway HTTP
//! API (payload v2) events, parsed by `lambda_http`, answered by the same
//! router the all-in-one portal serves.

use gru_embedded::SqliteStore;
use gru_records::catalogue::CatalogueRepository;
use http_body_util::BodyExt;
use std::path::Path;
use std::sync::Arc;
use tower::ServiceExt;

async fn router() -> (axum::Router, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("portal.db")).unwrap();
    let store: Arc<dyn gru_ports::Store> = Arc::new(store);
    let repository = CatalogueRepository::new(store.clone());
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../infra/cities/demo");
    let city = gru_domain::city_files::load(&root).expect("the demo city is valid");
    repository.import(&city, "fixture").await.unwrap();
    (
        catalogue::router(&gru_web::Platform::with_defaults(
            store.clone(),
            Arc::new(gru_ports::SystemClock),
            "https://essai.example",
        )),
        dir,
    )
}

/// Sends one fixture event through the router; returns status, headers and JSON body.
async fn send(fixture: &str) -> (u16, http::HeaderMap, serde_json::Value) {
    send_with(fixture, |_| {}).await
}

/// Sends a fixture event after `edit` has changed it.
async fn send_with(
    fixture: &str,
    edit: impl FnOnce(&mut serde_json::Value),
) -> (u16, http::HeaderMap, serde_json::Value) {
    let (router, _dir) = router().await;
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(fixture);
    let mut event: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    edit(&mut event);
    let request = lambda_http::request::from_str(&event.to_string()).expect("a valid API Gateway v2 event");
    let response = router.oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    let json =
        if bytes.is_empty() { serde_json::Value::Null } else { serde_json::from_slice(&bytes).unwrap() };
    (parts.status.as_u16(), parts.headers, json)
}

#[tokio::test]
async fn city_profile_through_api_gateway() {
    let (status, headers, city) = send("get-city.json").await;
    assert_eq!(status, 200);
    assert_eq!(city["short_name"], "Belleval-sur-Loire");
    assert!(headers["cache-control"].to_str().unwrap().contains("s-maxage"));
}

#[tokio::test]
async fn search_query_string_is_decoded_from_the_raw_query() {
    let (status, _, list) = send("search-services.json").await;
    assert_eq!(status, 200);
    assert_eq!(list["items"][0]["slug"], "acte-etat-civil", "{list}");
    assert!(list["items"].as_array().unwrap().len() <= 5, "limit applies");
}

#[tokio::test]
async fn service_presentation_through_api_gateway() {
    let (status, _, service) = send("get-service.json").await;
    assert_eq!(status, 200);
    assert_eq!(service["category"]["slug"], "etat-civil");
    assert_eq!(service["has_form"], true);
    assert_eq!(service["start"]["url"], "/demarche.html?service=acte-etat-civil");
}

#[tokio::test]
async fn unknown_slug_is_a_problem_document() {
    let (status, headers, problem) = send("unknown-service.json").await;
    assert_eq!(status, 404);
    assert_eq!(headers["content-type"], "application/problem+json");
    assert_eq!(problem["type"], "urn:gru:problem:not-found");
}

#[tokio::test]
async fn a_stale_etag_gets_the_full_answer_and_a_current_one_gets_304() {
    let (status, headers, categories) = send("revalidate-categories.json").await;
    assert_eq!(status, 200, "the fixture's ETag is stale");
    assert!(categories["items"].as_array().unwrap().len() >= 5);
    let etag = headers["etag"].to_str().unwrap().to_owned();
    let (status, headers, body) = send_with("revalidate-categories.json", |event| {
        event["headers"]["if-none-match"] = etag.clone().into()
    })
    .await;
    assert_eq!(status, 304);
    assert!(headers.contains_key("cache-control"));
    assert!(body.is_null(), "no body with 304");
}

#[tokio::test]
async fn writes_are_refused_as_problem_documents() {
    let (status, headers, problem) = send("post-services.json").await;
    assert_eq!(status, 405);
    assert_eq!(headers["content-type"], "application/problem+json");
    assert_eq!(problem["status"], 405);
}
