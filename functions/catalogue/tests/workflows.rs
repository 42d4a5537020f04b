//! Each service's requests follow the workflow its city file names, or the
//! standard one; the import keeps the stored workflows equal to the files.

use gru_domain::catalogue::CityCatalogue;
use gru_domain::request::Phase;
use gru_domain::workflow::Workflow;
use gru_embedded::SqliteStore;
use gru_records::catalogue::CatalogueRepository;
use std::path::Path;
use std::sync::Arc;

fn demo() -> CityCatalogue {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../infra/cities/demo");
    gru_domain::city_files::load(&root).expect("the demo city is valid")
}

fn repository() -> (CatalogueRepository, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("portal.db")).unwrap();
    (CatalogueRepository::new(Arc::new(store)), dir)
}

#[tokio::test]
async fn a_service_follows_its_workflow_or_the_standard_one() {
    let (repository, _dir) = repository();
    let city = demo();
    repository.import(&city, "v1").await.unwrap();

    let civil_status = repository.workflow_of("acte-etat-civil").await.unwrap();
    assert_eq!(civil_status.id, "etat-civil");
    assert_eq!((civil_status.max_days, civil_status.alert_days), (Some(10), Some(7)));
    let waiting = civil_status.waiting_status().expect("the city can ask for a document");
    assert_eq!(waiting.citizen_label, "Pièce complémentaire demandée");
    assert_eq!(waiting.phase, Phase::WaitingForCitizen);
    assert_eq!(&civil_status, city.workflow("etat-civil").unwrap(), "stored as written");

    assert_eq!(repository.workflow_of("signalement-voirie").await.unwrap(), Workflow::standard());
    assert_eq!(
        repository.workflow_of("service-retire").await.unwrap(),
        Workflow::standard(),
        "the requests of a removed service can still be handled"
    );
}

#[tokio::test]
async fn the_import_adds_changes_and_removes_workflows_once() {
    let (repository, _dir) = repository();
    let city = demo();
    let first = repository.import(&city, "v1").await.unwrap();
    let again = repository.import(&city, "v1").await.unwrap();
    assert_eq!((again.added, again.updated, again.removed), (0, 0, 0), "{again:?} after {first:?}");

    // The city shortens the delay: only the workflow changes.
    let mut shorter = city.clone();
    shorter.workflows[0].max_days = Some(8);
    let report = repository.import(&shorter, "v2").await.unwrap();
    assert_eq!((report.added, report.updated, report.removed), (0, 1, 0), "{report:?}");
    assert_eq!(repository.workflow_of("acte-etat-civil").await.unwrap().max_days, Some(8));

    // A new workflow for another service: written, and named.
    let mut more = shorter.clone();
    let mut voirie = Workflow::standard();
    voirie.id = "voirie".to_owned();
    voirie.max_days = Some(5);
    voirie.alert_days = Some(3);
    more.workflows.push(voirie);
    more.services.iter_mut().find(|s| s.slug == "signalement-voirie").unwrap().workflow =
        Some("voirie".into());
    let report = repository.import(&more, "v3").await.unwrap();
    assert_eq!(
        (report.added, report.updated, report.removed),
        (1, 1, 0),
        "workflow and presentation: {report:?}"
    );
    assert_eq!(repository.workflow_of("signalement-voirie").await.unwrap().max_days, Some(5));

    // Back to the standard one: the workflow the files dropped is removed.
    let report = repository.import(&shorter, "v4").await.unwrap();
    assert_eq!((report.added, report.updated, report.removed), (0, 1, 1), "{report:?}");
    assert_eq!(repository.workflow_of("signalement-voirie").await.unwrap(), Workflow::standard());
    assert_eq!(repository.workflow_of("acte-etat-civil").await.unwrap().max_days, Some(8));
}
