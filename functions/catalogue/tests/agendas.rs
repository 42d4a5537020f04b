//! The import stores each agenda beside the services, keeps them equal to
//! the files, and the booking function reads them back in one query.

use gru_domain::catalogue::CityCatalogue;
use gru_embedded::SqliteStore;
use gru_records::catalogue::CatalogueRepository;
use std::path::Path;
use std::sync::Arc;

fn demo() -> CityCatalogue {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../infra/cities/demo");
    gru_domain::city_files::load(&root).expect("the demo city is valid")
}

fn repository() -> (CatalogueRepository, Arc<dyn gru_ports::Store>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("portal.db")).unwrap();
    let store: Arc<dyn gru_ports::Store> = Arc::new(store);
    (CatalogueRepository::new(store.clone()), store, dir)
}

#[tokio::test]
async fn the_import_adds_changes_and_removes_agendas() {
    let (repository, _store, _dir) = repository();
    let city = demo();
    assert!(repository.agendas().await.unwrap().is_empty(), "nothing before the first import");
    repository.import(&city, "v1").await.unwrap();

    let stored = repository.agendas().await.unwrap();
    let ids: Vec<&str> = stored.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["etat-civil", "mairie-annexe-nord-titres", "mairie-centrale-titres"]);
    assert_eq!(stored, city.agendas, "stored as written, in id order");
    let civil_status = repository.agenda("etat-civil").await.unwrap().expect("stored");
    assert_eq!(civil_status.services, ["pacs", "acte-etat-civil"]);
    assert_eq!(civil_status.reminder_hours, 24);
    assert!(repository.agenda("inconnu").await.unwrap().is_none());
    // The services say which type they book.
    let passport = repository.service("passeport-carte-identite").await.unwrap().unwrap().service;
    let appointment = passport.appointment.expect("the demo's passport service books");
    assert_eq!((appointment.appointment_type.as_str(), appointment.required), ("titre-identite", true));

    let again = repository.import(&city, "v1").await.unwrap();
    assert_eq!((again.added, again.updated, again.removed), (0, 0, 0), "{again:?}");

    // The annex changes its notice; the central town hall's file goes.
    let mut changed = city.clone();
    changed.agendas.iter_mut().find(|a| a.id == "mairie-annexe-nord-titres").unwrap().min_notice_hours = 72;
    changed.agendas.retain(|a| a.id != "mairie-centrale-titres");
    let report = repository.import(&changed, "v2").await.unwrap();
    assert_eq!((report.added, report.updated, report.removed), (0, 1, 1), "{report:?}");
    assert!(repository.agenda("mairie-centrale-titres").await.unwrap().is_none());
    assert_eq!(repository.agenda("mairie-annexe-nord-titres").await.unwrap().unwrap().min_notice_hours, 72);
    assert_eq!(repository.agendas().await.unwrap(), changed.agendas);

    // Back: written again.
    let report = repository.import(&city, "v3").await.unwrap();
    assert_eq!((report.added, report.updated, report.removed), (1, 1, 0), "{report:?}");
    assert_eq!(repository.agendas().await.unwrap(), city.agendas);
}

#[tokio::test]
async fn a_service_page_says_which_appointment_it_books() {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let (repository, store, _dir) = repository();
    repository.import(&demo(), "v1").await.unwrap();
    let get = |slug: &str| {
        let request = http::Request::get(format!("/api/catalogue/services/{slug}"))
            .body(axum::body::Body::empty())
            .unwrap();
        catalogue::router(&gru_web::Platform::with_defaults(
            store.clone(),
            Arc::new(gru_ports::SystemClock),
            "https://essai.example",
        ))
        .oneshot(request)
    };
    let response = get("passeport-carte-identite").await.unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value =
        serde_json::from_slice(&response.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert_eq!(body["appointment"], serde_json::json!({"type": "titre-identite", "required": true}));
    let response = get("signalement-voirie").await.unwrap();
    let body: serde_json::Value =
        serde_json::from_slice(&response.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert!(body["appointment"].is_null(), "{body}");
}
