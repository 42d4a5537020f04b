//! The transactional outbox: what a change must do outside the table (an
//! email announcing it, the deletion of a file's bytes whose record it
//! removes) is written in the change's own transaction ([`enqueue`],
//! [`enqueue_file_deletion`]), so it exists if and only if the change does,
//! and is carried out afterwards by [`Outbox`] (the notifier on AWS, a
//! background task of the all-in-one portal), tried again until it is done.
//! See docs/notifier.md.
//!
//! # Items
//!
//! | item | pk / sk |
//! |---|---|
//! | task waiting | `OUTBOX` / `<due>#<event>` |
//! | task given up | `OUTBOX-FAILED` / `<failed at>#<event>` |
//!
//! `<due>` is a fixed-width RFC 3339 instant (`2027-03-28T10:15:00.000000Z`),
//! so the partition sorts by due time and "everything due" is one query.
//!
//! # Delivery
//!
//! A notifier first *claims* a task: one transaction deletes the item at
//! the version it read and puts it back due at now + [`LEASE`]. Of two
//! notifiers reading the same item, only one transaction succeeds, and only
//! that one sends (or deletes). After that, the claimed item is deleted;
//! after a failure, it is moved to its next try ([`retry_delay`]), and after
//! [`MAX_ATTEMPTS`] (or an address the mailer refuses, a key the files
//! refuse) to `OUTBOX-FAILED`, where it stays for an administrator. A
//! notifier stopped between the send and the deletion leaves the claimed
//! item, done again when the lease ends: the one window where an email may
//! go twice (deleting bytes twice is harmless).
//!
//! Logs name the event only: never an address, a subject, an object key
//! (it holds the case's id) or the backend's error text (SES quotes
//! addresses in its messages).

use gru_ports::{
    Clock, Condition, Email, Files, FilesError, Item, Key, Mailer, MailerError, Query, SortKeyCondition,
    Store, StoreError, TransactOp,
};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The partition of the tasks waiting to be carried out.
pub const PARTITION: &str = "OUTBOX";
/// The partition of the tasks given up, kept for an administrator.
pub const FAILED_PARTITION: &str = "OUTBOX-FAILED";
/// How long a given-up task is kept for an administrator to see, before
/// the store deletes it: an email holds an address and maybe a tracking link.
pub const FAILED_KEEP: SignedDuration = SignedDuration::from_hours(30 * 24);
/// Tries before a task is given up.
pub const MAX_ATTEMPTS: u32 = 10;
/// How long a claim hides a task from other notifiers: longer than any
/// send takes, so an email is sent twice only if its notifier stopped.
pub const LEASE: SignedDuration = SignedDuration::from_mins(2);

/// The wait before the next try, after `attempts` failed sends (1 minute,
/// 5 minutes, 30 minutes, 2 hours, ... then daily): a mail service down for
/// a while is not hammered, and an email still goes out days later.
pub fn retry_delay(attempts: u32) -> SignedDuration {
    const MINUTES: [i64; 9] = [1, 5, 30, 120, 360, 720, 1440, 1440, 1440];
    let index = (attempts.max(1) as usize - 1).min(MINUTES.len() - 1);
    SignedDuration::from_mins(MINUTES[index])
}

/// Tasks read per page while delivering.
const PAGE: u32 = 100;

/// What can go wrong with the outbox.
#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    /// The event id is empty: it names the change, so it is required.
    #[error("an outbox event id must not be empty")]
    EmptyEvent,
    /// The task could not be written as JSON (the message keeps no detail:
    /// it could quote the email).
    #[error("an outbox task could not be encoded")]
    Encode,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Queues `email` for delivery as part of the caller's transaction: the
/// returned operation goes into the same `Store::transact` as the change it
/// announces, so a change that fails sends nothing. `event` names the change
/// (`"<reference>#submitted"`, `"<reference>#<history index>"`), unique per
/// change; the item is (`OUTBOX`, `<at>#<event>`), written on condition it
/// does not exist yet. `at` is when the email is due, usually now.
pub fn enqueue(email: &Email, event: &str, at: Timestamp) -> Result<TransactOp, OutboxError> {
    enqueue_task(Task::Email(email.clone()), event, at)
}

/// Queues the deletion of the stored bytes under `object_keys` as part of
/// the caller's transaction, the one that removes the files' records: the
/// bytes go if and only if the records do, and a failed deletion is tried
/// again, so no object is left behind that no record points to. One item
/// for all of them, so a transaction holds one more operation, not one per
/// file. `event` names a file (`"file#<id>"`), never the case, whose id may
/// be a draft's capability.
pub fn enqueue_file_deletion(
    object_keys: Vec<String>,
    event: &str,
    at: Timestamp,
) -> Result<TransactOp, OutboxError> {
    enqueue_task(Task::DeleteFiles(object_keys), event, at)
}

fn enqueue_task(task: Task, event: &str, at: Timestamp) -> Result<TransactOp, OutboxError> {
    if event.is_empty() {
        return Err(OutboxError::EmptyEvent);
    }
    let queued = Queued { event: event.to_owned(), task, queued_at: at, attempts: 0, last_error: None };
    Ok(TransactOp::Put {
        item: Item::new(due_key(at, event), queued.encode()?),
        condition: Condition::NotExists,
    })
}

/// The key of a task due at `at`.
pub fn due_key(at: Timestamp, event: &str) -> Key {
    Key::new(PARTITION, format!("{}#{event}", stamp(at)))
}

/// When an outbox item is due, read from its sort key (`None` if the key is
/// not one [`due_key`] makes).
pub fn due_at(sort_key: &str) -> Option<Timestamp> {
    sort_key.split_once('#')?.0.parse().ok()
}

/// An instant as fixed-width RFC 3339 in UTC, so sort keys order by time.
fn stamp(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// What an outbox item does once it is due.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    /// An email to send.
    Email(Email),
    /// The object keys of stored bytes to delete.
    DeleteFiles(Vec<String>),
}

/// A task in the outbox, as stored: `{"event", "email": {..}, ...}` or
/// `{"event", "delete_files": ["<key>", ...], ...}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Queued {
    event: String,
    #[serde(flatten)]
    task: Task,
    /// When the change queued it.
    queued_at: Timestamp,
    /// Tries so far (a claim counts as one: its notifier may have stopped
    /// during the send).
    attempts: u32,
    /// What went wrong last, for an administrator reading the store.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_error: Option<String>,
}

impl Queued {
    fn encode(&self) -> Result<serde_json::Value, OutboxError> {
        serde_json::to_value(self).map_err(|_| OutboxError::Encode)
    }
}

/// A task given up after [`MAX_ATTEMPTS`] tries, or refused by its backend
/// (an address the mailer cannot send to, a key the files refuse).
#[derive(Debug, Clone, PartialEq)]
pub struct FailedTask {
    pub key: Key,
    pub event: String,
    pub task: Task,
    pub queued_at: Timestamp,
    pub attempts: u32,
    pub last_error: Option<String>,
}

/// What a round of delivery did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivery {
    /// Emails sent.
    pub sent: usize,
    /// Files whose bytes were deleted.
    pub deleted: usize,
    /// Tasks given up (moved to `OUTBOX-FAILED`).
    pub failed: usize,
    /// Tasks that failed this round, waiting for their next try.
    pub waiting: usize,
}

impl std::ops::AddAssign for Delivery {
    fn add_assign(&mut self, other: Self) {
        self.sent += other.sent;
        self.deleted += other.deleted;
        self.failed += other.failed;
        self.waiting += other.waiting;
    }
}

/// Why a task was not done: its backend's error, kept in the item for an
/// administrator, and whether trying again is pointless.
struct Failure {
    refused: bool,
    error: String,
}

/// What became of one task in a round.
enum Outcome {
    Sent,
    /// Files deleted.
    Deleted(usize),
    Failed,
    Waiting,
    /// Not due, gone, or claimed by another notifier first.
    Skipped,
}

impl From<Outcome> for Delivery {
    fn from(outcome: Outcome) -> Self {
        match outcome {
            Outcome::Sent => Delivery { sent: 1, ..Delivery::default() },
            Outcome::Deleted(files) => Delivery { deleted: files, ..Delivery::default() },
            Outcome::Failed => Delivery { failed: 1, ..Delivery::default() },
            Outcome::Waiting => Delivery { waiting: 1, ..Delivery::default() },
            Outcome::Skipped => Delivery::default(),
        }
    }
}

/// Carries out the outbox's tasks: emails through a mailer, deletions
/// through the files.
#[derive(Clone)]
pub struct Outbox {
    store: Arc<dyn Store>,
    mailer: Arc<dyn Mailer>,
    files: Arc<dyn Files>,
    clock: Arc<dyn Clock>,
}

impl Outbox {
    pub fn new(
        store: Arc<dyn Store>,
        mailer: Arc<dyn Mailer>,
        files: Arc<dyn Files>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { store, mailer, files, clock }
    }

    /// Carries out every task due now: claims each one (so two notifiers
    /// never both do it), does it, deletes it; a failed one is tried again
    /// after [`retry_delay`], and given up after [`MAX_ATTEMPTS`]. Safe to
    /// run as often and as concurrently as wanted.
    pub async fn deliver_due(&self) -> Result<Delivery, OutboxError> {
        let now = self.clock.now();
        // `$` follows `#`: the bound takes every key of a task due up to now.
        let due = SortKeyCondition::UpTo(format!("{}$", stamp(now)));
        let mut query = Query::partition(PARTITION).sort(due).limit(PAGE);
        let mut delivery = Delivery::default();
        loop {
            let page = self.store.query(query.clone()).await?;
            for item in page.items {
                delivery += self.deliver_item(item).await?.into();
            }
            match page.next {
                Some(cursor) => query.cursor = Some(cursor),
                None => return Ok(delivery),
            }
        }
    }

    /// Carries out the tasks under `keys` that are due (what the table's
    /// stream announces): others, gone or not yet due (claimed, waiting for
    /// a retry), are left to their own time.
    pub async fn deliver(&self, keys: &[Key]) -> Result<Delivery, OutboxError> {
        let mut delivery = Delivery::default();
        for key in keys {
            let due = key.pk == PARTITION && due_at(&key.sk).is_some_and(|due| due <= self.clock.now());
            if !due {
                continue;
            }
            if let Some(item) = self.store.get(key).await? {
                delivery += self.deliver_item(item).await?.into();
            }
        }
        Ok(delivery)
    }

    /// The tasks given up in the last [`FAILED_KEEP`], oldest first.
    pub async fn failed(&self) -> Result<Vec<FailedTask>, OutboxError> {
        let items =
            gru_ports::store::query_all(self.store.as_ref(), Query::partition(FAILED_PARTITION)).await?;
        let now = self.clock.now().as_second();
        Ok(items
            .into_iter()
            .filter(|item| item.expires_at.is_none_or(|end| end > now))
            .filter_map(|item| {
                let queued: Queued = serde_json::from_value(item.data).ok()?;
                Some(FailedTask {
                    key: item.key,
                    event: queued.event,
                    task: queued.task,
                    queued_at: queued.queued_at,
                    attempts: queued.attempts,
                    last_error: queued.last_error,
                })
            })
            .collect())
    }

    /// A given-up task as kept: until [`FAILED_KEEP`] has passed.
    fn failed_item(&self, key: Key, data: serde_json::Value) -> Item {
        Item { expires_at: Some((self.clock.now() + FAILED_KEEP).as_second()), ..Item::new(key, data) }
    }

    /// Claims, carries out and settles one task.
    async fn deliver_item(&self, item: Item) -> Result<Outcome, OutboxError> {
        let Ok(mut queued) = serde_json::from_value::<Queued>(item.data.clone()) else {
            // Unreadable (written by another version?): set aside, not retried forever.
            tracing::error!(key = %item.key.sk, "an outbox item cannot be read; moved to the failed tasks");
            let failed = Key::new(FAILED_PARTITION, item.key.sk.clone());
            let moved = self.moved(&item, self.failed_item(failed, item.data.clone())).await?;
            return Ok(if moved { Outcome::Failed } else { Outcome::Skipped });
        };
        queued.attempts += 1;
        let claim = Item::new(due_key(self.clock.now() + LEASE, &queued.event), queued.encode()?);
        if !self.moved(&item, claim.clone()).await? {
            return Ok(Outcome::Skipped);
        }
        let failure = match self.carry_out(&queued.task).await {
            Ok(done) => {
                if let Err(error) = self.store.delete(&claim.key, Condition::Version(claim.version)).await {
                    // Done: the item comes back when its lease ends and the
                    // task is done again. Nothing better to do than say so.
                    tracing::error!(event = %queued.event, %error, "a task done stays in the outbox");
                }
                return Ok(done);
            }
            Err(failure) => failure,
        };
        queued.last_error = Some(failure.error);
        if failure.refused || queued.attempts >= MAX_ATTEMPTS {
            tracing::error!(
                event = %queued.event,
                attempts = queued.attempts,
                refused = failure.refused,
                "an outbox task is given up; it stays in the failed tasks"
            );
            let failed = Key::new(FAILED_PARTITION, format!("{}#{}", stamp(self.clock.now()), queued.event));
            self.moved(&claim, self.failed_item(failed, queued.encode()?)).await?;
            return Ok(Outcome::Failed);
        }
        let next = self.clock.now() + retry_delay(queued.attempts);
        tracing::warn!(
            event = %queued.event,
            attempts = queued.attempts,
            next = %next,
            "an outbox task failed; it will be tried again"
        );
        self.moved(&claim, Item::new(due_key(next, &queued.event), queued.encode()?)).await?;
        Ok(Outcome::Waiting)
    }

    /// Sends the email or deletes the bytes.
    async fn carry_out(&self, task: &Task) -> Result<Outcome, Failure> {
        match task {
            Task::Email(email) => match self.mailer.send(email).await {
                Ok(_) => Ok(Outcome::Sent),
                Err(error) => Err(Failure {
                    refused: matches!(error, MailerError::InvalidAddress(_)),
                    error: error.to_string(),
                }),
            },
            Task::DeleteFiles(keys) => {
                // Deleting is idempotent: a retry deletes them all again.
                for key in keys {
                    self.files.delete(key).await.map_err(|error| Failure {
                        refused: matches!(error, FilesError::InvalidKey(_)),
                        error: error.to_string(),
                    })?;
                }
                Ok(Outcome::Deleted(keys.len()))
            }
        }
    }

    /// Moves `from` (at its version) to `to` in one transaction; `false`
    /// when another notifier moved it first.
    async fn moved(&self, from: &Item, to: Item) -> Result<bool, OutboxError> {
        let ops = vec![
            TransactOp::Delete { key: from.key.clone(), condition: Condition::Version(from.version) },
            TransactOp::Put { item: to, condition: Condition::NotExists },
        ];
        match self.store.transact(ops).await {
            Ok(()) => Ok(true),
            Err(StoreError::ConditionFailed | StoreError::TransactionConflict) => Ok(false),
            Err(other) => Err(other.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_keys_order_by_due_time() {
        let at = |s: &str| s.parse::<Timestamp>().unwrap();
        let keys: Vec<String> = ["2027-03-28T10:15:00Z", "2027-03-28T10:15:00.5Z", "2027-03-28T10:15:01Z"]
            .into_iter()
            .map(|s| due_key(at(s), "ABCD-2345#submitted").sk)
            .collect();
        assert_eq!(keys[0], "2027-03-28T10:15:00.000000Z#ABCD-2345#submitted");
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
        assert_eq!(due_at(&keys[1]), Some(at("2027-03-28T10:15:00.5Z")));
        assert_eq!(due_at("not a key"), None);
    }

    #[test]
    fn retries_wait_longer_and_longer_never_as_long_as_a_lease() {
        let delays: Vec<_> = (1..MAX_ATTEMPTS).map(retry_delay).collect();
        assert_eq!(delays[0], SignedDuration::from_mins(1));
        assert!(delays.windows(2).all(|w| w[0] <= w[1]));
        // A retry's key never meets its claim's key in one transaction.
        assert!(delays.iter().all(|d| *d != LEASE));
    }

    #[test]
    fn emails_keep_their_stored_shape_and_deletions_name_their_key() {
        let at = Timestamp::UNIX_EPOCH;
        let stored = serde_json::json!({
            "event": "ABCD-2345#submitted",
            "email": { "to": "a@example.org", "subject": "s", "text": "t" },
            "queued_at": "2027-03-28T10:15:00Z",
            "attempts": 0,
        });
        let read: Queued = serde_json::from_value(stored.clone()).unwrap();
        assert_eq!(read.task, Task::Email(Email::new("a@example.org", "s", "t")));
        assert_eq!(read.encode().unwrap()["email"], stored["email"]);
        let keys = vec!["cases/c/f".to_owned(), "cases/c/g".to_owned()];
        let TransactOp::Put { item, .. } = enqueue_file_deletion(keys.clone(), "file#f", at).unwrap() else {
            panic!("a put")
        };
        assert_eq!(item.data["delete_files"], serde_json::json!(["cases/c/f", "cases/c/g"]));
        let read: Queued = serde_json::from_value(item.data).unwrap();
        assert_eq!(read.task, Task::DeleteFiles(keys));
    }

    #[test]
    fn an_event_names_the_change() {
        let email = Email {
            to: "a@example.org".into(),
            subject: "s".into(),
            text: "t".into(),
            html: None,
            attachments: Vec::new(),
            from_name: None,
        };
        assert!(matches!(enqueue(&email, "", Timestamp::UNIX_EPOCH), Err(OutboxError::EmptyEvent)));
    }
}
