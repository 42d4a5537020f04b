//! The outbox on the embedded store (SQLite), with a recording mailer.

mod common;

use common::{TestMailer, email, waiting};
use gru_embedded::{LocalFiles, SqliteStore};
use gru_outbox::{Delivery, MAX_ATTEMPTS, Outbox, Task, due_key, enqueue, enqueue_file_deletion};
use gru_ports::{Clock, Condition, Files, FixedClock, Item, Key, Store, StoreError, TransactOp};
use jiff::SignedDuration;
use std::sync::Arc;

struct Setup {
    store: Arc<dyn Store>,
    files: Arc<LocalFiles>,
    clock: Arc<FixedClock>,
    _dir: tempfile::TempDir,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(&dir.path().join("outbox.db")).unwrap());
    let clock = Arc::new(FixedClock::new("2027-03-28T10:15:00Z".parse().unwrap()));
    Setup { store, files: common::files(&dir.path().join("files")), clock, _dir: dir }
}

impl Setup {
    fn outbox(&self, mailer: &Arc<TestMailer>) -> Outbox {
        Outbox::new(self.store.clone(), mailer.clone(), self.files.clone(), self.clock.clone())
    }

    /// Queues one email in its own transaction, due now.
    async fn queue(&self, to: &str, event: &str) {
        let op = enqueue(&email(to, event), event, self.clock.now()).unwrap();
        self.store.transact(vec![op]).await.unwrap();
    }
}

fn delivery(sent: usize, failed: usize, waiting: usize) -> Delivery {
    Delivery { sent, failed, waiting, ..Delivery::default() }
}

#[tokio::test]
async fn a_queued_email_is_delivered_once() {
    let setup = setup();
    let mailer = Arc::new(TestMailer::default());
    setup.queue("camille@exemple.fr", "ABCD-2345#submitted").await;
    let outbox = setup.outbox(&mailer);
    assert_eq!(outbox.deliver_due().await.unwrap(), delivery(1, 0, 0));
    assert_eq!(outbox.deliver_due().await.unwrap(), delivery(0, 0, 0));
    setup.clock.advance(SignedDuration::from_hours(24 * 30));
    assert_eq!(outbox.deliver_due().await.unwrap(), delivery(0, 0, 0));
    assert_eq!(mailer.subjects(), ["ABCD-2345#submitted"]);
    assert_eq!(waiting(setup.store.as_ref()).await, 0);
}

#[tokio::test]
async fn an_email_due_later_waits_for_its_time() {
    let setup = setup();
    let mailer = Arc::new(TestMailer::default());
    let later = setup.clock.now() + SignedDuration::from_mins(10);
    let op = enqueue(&email("camille@exemple.fr", "later"), "later", later).unwrap();
    setup.store.transact(vec![op]).await.unwrap();
    let outbox = setup.outbox(&mailer);
    assert_eq!(outbox.deliver_due().await.unwrap(), delivery(0, 0, 0));
    setup.clock.advance(SignedDuration::from_mins(10));
    assert_eq!(outbox.deliver_due().await.unwrap(), delivery(1, 0, 0));
}

#[tokio::test]
async fn a_failed_send_is_tried_again_later_and_never_after_it_went() {
    let setup = setup();
    let mailer = Arc::new(TestMailer::failing(2));
    setup.queue("camille@exemple.fr", "ABCD-2345#submitted").await;
    let outbox = setup.outbox(&mailer);

    assert_eq!(outbox.deliver_due().await.unwrap(), delivery(0, 0, 1), "first try fails");
    assert_eq!(outbox.deliver_due().await.unwrap(), delivery(0, 0, 0), "not at once");
    setup.clock.advance(SignedDuration::from_secs(59));
    assert_eq!(outbox.deliver_due().await.unwrap(), delivery(0, 0, 0), "a minute later");
    setup.clock.advance(SignedDuration::from_secs(1));
    assert_eq!(outbox.deliver_due().await.unwrap(), delivery(0, 0, 1), "second try fails");
    setup.clock.advance(SignedDuration::from_mins(4));
    assert_eq!(outbox.deliver_due().await.unwrap(), delivery(0, 0, 0), "the wait grows");
    setup.clock.advance(SignedDuration::from_mins(1));
    assert_eq!(outbox.deliver_due().await.unwrap(), delivery(1, 0, 0), "third try goes");
    for _ in 0..5 {
        setup.clock.advance(SignedDuration::from_hours(24));
        assert_eq!(outbox.deliver_due().await.unwrap(), delivery(0, 0, 0));
    }
    assert_eq!(mailer.subjects(), ["ABCD-2345#submitted"]);
    assert!(outbox.failed().await.unwrap().is_empty());
}

#[tokio::test]
async fn an_email_that_never_goes_is_kept_for_an_administrator() {
    let setup = setup();
    let mailer = Arc::new(TestMailer::failing(usize::MAX));
    setup.queue("camille@exemple.fr", "ABCD-2345#submitted").await;
    let outbox = setup.outbox(&mailer);
    let mut total = Delivery::default();
    for _ in 0..20 {
        total += outbox.deliver_due().await.unwrap();
        setup.clock.advance(SignedDuration::from_hours(24));
    }
    assert_eq!(total, delivery(0, 1, MAX_ATTEMPTS as usize - 1));
    let failed = outbox.failed().await.unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].event, "ABCD-2345#submitted");
    assert_eq!(failed[0].attempts, MAX_ATTEMPTS);
    assert!(matches!(&failed[0].task, Task::Email(email) if email.to == "camille@exemple.fr"));
    assert!(failed[0].last_error.as_deref().is_some_and(|e| e.contains("down")));
    assert_eq!(waiting(setup.store.as_ref()).await, 0);
}

#[tokio::test]
async fn an_address_the_mailer_refuses_is_given_up_at_once() {
    let setup = setup();
    let mailer = Arc::new(TestMailer::default());
    setup.queue("not an address", "ABCD-2345#submitted").await;
    let outbox = setup.outbox(&mailer);
    assert_eq!(outbox.deliver_due().await.unwrap(), delivery(0, 1, 0));
    assert_eq!(outbox.failed().await.unwrap()[0].attempts, 1);
    // Kept a month for an administrator, then gone: it holds an address.
    setup.clock.advance(gru_outbox::FAILED_KEEP + SignedDuration::from_secs(1));
    assert!(outbox.failed().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_transaction_that_fails_queues_nothing() {
    let setup = setup();
    let taken = Key::new("REQUEST#ABCD-2345", "REQUEST");
    setup.store.put(Item::new(taken.clone(), serde_json::json!({})), Condition::NotExists).await.unwrap();
    let change =
        TransactOp::Put { item: Item::new(taken, serde_json::json!({})), condition: Condition::NotExists };
    let op = enqueue(&email("camille@exemple.fr", "s"), "ABCD-2345#submitted", setup.clock.now()).unwrap();
    let written = setup.store.transact(vec![change, op]).await;
    assert!(matches!(written, Err(StoreError::ConditionFailed)), "{written:?}");
    let mailer = Arc::new(TestMailer::default());
    assert_eq!(setup.outbox(&mailer).deliver_due().await.unwrap(), delivery(0, 0, 0));
    assert_eq!(waiting(setup.store.as_ref()).await, 0);
}

#[tokio::test]
async fn the_same_event_is_queued_once() {
    let setup = setup();
    setup.queue("camille@exemple.fr", "ABCD-2345#submitted").await;
    let again = enqueue(&email("camille@exemple.fr", "s"), "ABCD-2345#submitted", setup.clock.now()).unwrap();
    assert!(matches!(setup.store.transact(vec![again]).await, Err(StoreError::ConditionFailed)));
}

#[tokio::test]
async fn given_keys_are_delivered_when_due_and_not_yet_taken() {
    let setup = setup();
    let mailer = Arc::new(TestMailer::default());
    setup.queue("camille@exemple.fr", "A#submitted").await;
    let now = setup.clock.now();
    let later = now + SignedDuration::from_mins(5);
    let op = enqueue(&email("camille@exemple.fr", "B#submitted"), "B#submitted", later).unwrap();
    setup.store.transact(vec![op]).await.unwrap();
    let outbox = setup.outbox(&mailer);
    let keys = [
        due_key(now, "A#submitted"),
        due_key(later, "B#submitted"),
        due_key(now, "gone#submitted"),
        Key::new("REQUEST#A", "REQUEST"),
    ];
    assert_eq!(outbox.deliver(&keys).await.unwrap(), delivery(1, 0, 0));
    assert_eq!(outbox.deliver(&keys).await.unwrap(), delivery(0, 0, 0), "the stream may repeat a record");
    assert_eq!(mailer.subjects(), ["A#submitted"]);
    assert_eq!(waiting(setup.store.as_ref()).await, 1, "B waits for its time");
}

#[tokio::test]
async fn a_queued_deletion_deletes_every_file_it_names_once() {
    let setup = setup();
    for key in ["cases/c/a", "cases/c/b", "cases/other/c"] {
        setup.files.put(key, b"%PDF-1.7".to_vec(), "application/pdf").await.unwrap();
    }
    let gone = vec!["cases/c/a".to_owned(), "cases/c/b".to_owned()];
    let op = enqueue_file_deletion(gone, "file#a", setup.clock.now()).unwrap();
    setup.store.transact(vec![op]).await.unwrap();
    let outbox = setup.outbox(&Arc::new(TestMailer::default()));
    let done = outbox.deliver_due().await.unwrap();
    assert_eq!(done, Delivery { deleted: 2, ..Delivery::default() });
    assert_eq!(setup.files.get("cases/c/a").await.unwrap(), None);
    assert_eq!(setup.files.get("cases/c/b").await.unwrap(), None);
    assert!(setup.files.get("cases/other/c").await.unwrap().is_some(), "only the files named");
    assert_eq!(outbox.deliver_due().await.unwrap(), Delivery::default(), "once");
    assert_eq!(waiting(setup.store.as_ref()).await, 0);
}

#[tokio::test]
async fn a_deletion_the_files_refuse_is_kept_for_an_administrator() {
    let setup = setup();
    let op = enqueue_file_deletion(vec!["../etc/passwd".to_owned()], "file#x", setup.clock.now()).unwrap();
    setup.store.transact(vec![op]).await.unwrap();
    let outbox = setup.outbox(&Arc::new(TestMailer::default()));
    assert_eq!(outbox.deliver_due().await.unwrap(), delivery(0, 1, 0), "given up at once");
    let failed = outbox.failed().await.unwrap();
    assert_eq!(failed[0].task, Task::DeleteFiles(vec!["../etc/passwd".to_owned()]));
    assert_eq!(failed[0].event, "file#x");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_notifiers_at_once_send_each_email_once() {
    let setup = setup();
    common::two_notifiers_send_each_email_once(setup.store.clone()).await;
}
