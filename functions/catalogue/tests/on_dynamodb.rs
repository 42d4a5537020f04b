//! The catalogue as it runs on AWS: imported into DynamoDB (moto server)
//! and served by the same router, fed an API Gateway event.

use gru_dynamodb::{DynamoStore, create_table, emulator_client};
use gru_ports::contract::{moto_endpoint, unique_name};
use gru_records::catalogue::CatalogueRepository;
use http_body_util::BodyExt;
use std::path::Path;
use std::sync::Arc;
use tower::ServiceExt;

#[tokio::test]
async fn import_is_idempotent_and_search_works_on_dynamodb() {
    let client = emulator_client(&moto_endpoint());
    let table = unique_name("catalogue");
    create_table(&client, &table).await.unwrap();
    let store: Arc<dyn gru_ports::Store> = Arc::new(DynamoStore::new(client, table));
    let repository = CatalogueRepository::new(store.clone());
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let city = gru_domain::city_files::load(&root.join("../../infra/cities/demo")).unwrap();

    let first = repository.import(&city, "v1").await.unwrap();
    let forms = city.services.iter().filter(|s| s.form.is_some()).count();
    let items = 1
        + city.categories.len()
        + 2 * city.services.len()
        + forms
        + city.workflows.len()
        + city.agendas.len();
    assert_eq!((first.added, first.updated, first.removed), (items, 0, 0), "{first:?}");
    let again = repository.import(&city, "v1").await.unwrap();
    assert_eq!((again.added, again.updated, again.removed), (0, 0, 0), "{again:?}");

    let mut smaller = city.clone();
    let removed = smaller.services.pop().unwrap();
    smaller.categories.retain(|c| smaller.services.iter().any(|s| s.category == c.slug));
    let report = repository.import(&smaller, "v2").await.unwrap();
    let categories_gone = city.categories.len() - smaller.categories.len();
    assert_eq!(
        report.removed,
        2 + categories_gone,
        "summary and presentation of {} removed: {report:?}",
        removed.slug
    );
    assert!(repository.service(&removed.slug).await.unwrap().is_none());

    let event = std::fs::read_to_string(root.join("tests/fixtures/search-services.json")).unwrap();
    let request = lambda_http::request::from_str(&event).unwrap();
    let response = catalogue::router(&gru_web::Platform::with_defaults(
        store.clone(),
        Arc::new(gru_ports::SystemClock),
        "https://essai.example",
    ))
    .oneshot(request)
    .await
    .unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value =
        serde_json::from_slice(&response.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert_eq!(body["items"][0]["slug"], "acte-etat-civil", "{body}");
}
