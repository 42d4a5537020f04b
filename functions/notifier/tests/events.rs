//! The notifier's handler fed with the events Lambda gives it (fixtures in
//! `tests/fixtures/`), on the embedded store and the `.eml` outbox.

use gru_embedded::{LocalFiles, OutboxMailer, SqliteStore, outbox_messages};
use gru_notices::drafts::Housekeeping;
use gru_ports::{FixedClock, Store};
use gru_web::{Platform, Settings};
use jiff::{SignedDuration, Timestamp};
use notifier::{Notifier, NotifierError, Report};
use std::sync::Arc;

struct Setup {
    notifier: Notifier,
    store: Arc<dyn Store>,
    clock: Arc<FixedClock>,
    dir: tempfile::TempDir,
}

fn setup(now: &str) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.path().join("portal.db")).unwrap());
    let clock = Arc::new(FixedClock::new(now.parse().unwrap()));
    let mailer = Arc::new(OutboxMailer::new(dir.path().join("outbox"), "mairie@essai.example".into()));
    let files = Arc::new(LocalFiles::new(
        dir.path().join("files"),
        "https://essai.example".into(),
        [7; 32],
        clock.clone(),
    ));
    let platform = Platform::new(store.clone(), clock.clone(), Settings::new("https://essai.example"));
    Setup { notifier: Notifier::new(Housekeeping { platform, mailer }, files), store, clock, dir }
}

impl Setup {
    /// Queues a confirmation for `reference`, due at `at`, as a submission does.
    async fn queue(&self, reference: &str, at: &str) {
        let email = gru_ports::Email {
            to: "camille.martin@exemple.fr".into(),
            subject: format!("Demande {reference} bien reçue"),
            text: "Bonjour,\n".into(),
            html: None,
            attachments: Vec::new(),
            from_name: None,
        };
        let at: Timestamp = at.parse().unwrap();
        let op = gru_outbox::enqueue(&email, &format!("{reference}#submitted"), at).unwrap();
        self.store.transact(vec![op]).await.unwrap();
    }

    fn subjects(&self) -> Vec<String> {
        outbox_messages(&self.dir.path().join("outbox")).unwrap().into_iter().map(|m| m.subject).collect()
    }
}

fn fixture(name: &str) -> serde_json::Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn sent(n: usize) -> Report {
    Report { sent: n, ..Report::default() }
}

#[tokio::test]
async fn the_stream_delivers_the_emails_just_queued_once() {
    let setup = setup("2027-03-28T10:20:00Z");
    setup.queue("ABCD-2345", "2027-03-28T10:15:00Z").await;
    setup.queue("EFGH-6789", "2027-03-28T10:45:00Z").await;

    // The batch: the first email's INSERT, the second's (due later), a
    // REMOVE of the outbox and a request's INSERT.
    let stream = fixture("stream.json");
    assert_eq!(setup.notifier.handle(stream.clone()).await.unwrap(), sent(1));
    assert_eq!(setup.subjects(), ["Demande ABCD-2345 bien reçue"]);
    // A batch handed again (the runtime retries) sends nothing more.
    assert_eq!(setup.notifier.handle(stream).await.unwrap(), sent(0));
    assert_eq!(setup.subjects().len(), 1);
}

#[tokio::test]
async fn the_schedule_delivers_what_is_due_and_sweeps_the_drafts() {
    let setup = setup("2027-03-28T10:20:00Z");
    setup.queue("ABCD-2345", "2027-03-28T10:15:00Z").await;
    setup.queue("EFGH-6789", "2027-03-28T10:45:00Z").await;

    // A draft left unfinished, whose owner is to be warned today.
    let now: Timestamp = "2027-03-28T10:20:00Z".parse().unwrap();
    let draft = gru_domain::request::Draft {
        id: "brouillon-oublie".into(),
        service: "acte-etat-civil".into(),
        form_version: 1,
        answers: Default::default(),
        page: None,
        account: None,
        email: Some("oublieuse@exemple.fr".into()),
        created_at: now,
        updated_at: now,
        purge_at: now + SignedDuration::from_hours(7 * 24),
        warn_on: Some(now.to_zoned_datetime(jiff::tz::TimeZone::UTC).date()),
    };
    let drafts = gru_records::requests::Repository::new(setup.store.clone());
    drafts.save_draft(&draft, None).await.unwrap();

    let schedule = fixture("scheduled.json");
    let first = setup.notifier.handle(schedule.clone()).await.unwrap();
    assert_eq!(first, Report { sent: 1, warnings_sent: 1, ..Report::default() });
    assert_eq!(setup.notifier.handle(schedule.clone()).await.unwrap(), sent(0));
    setup.clock.advance(SignedDuration::from_mins(25));
    assert_eq!(setup.notifier.handle(schedule).await.unwrap(), sent(1));
    let mut subjects = setup.subjects();
    subjects.sort();
    assert_eq!(
        subjects,
        [
            "Demande ABCD-2345 bien reçue",
            "Demande EFGH-6789 bien reçue",
            "Votre demande « acte-etat-civil » n'est pas terminée"
        ]
    );
}

#[tokio::test]
async fn other_events_are_refused() {
    let setup = setup("2027-03-28T10:20:00Z");
    let mut other = fixture("scheduled.json");
    other["detail-type"] = "Object Created".into();
    for event in [other, serde_json::json!({ "hello": "world" })] {
        assert!(matches!(setup.notifier.handle(event).await, Err(NotifierError::UnknownEvent)));
    }
}
