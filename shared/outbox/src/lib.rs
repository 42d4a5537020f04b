//! The transactional outbox: an email announcing a change is written in the
//! change's own transaction ([`enqueue`]), so it exists if and only if the
//! change does, and is delivered afterwards by [`Outbox`] (the notifier on
//! AWS, a background task of the all-in-one portal). See docs/notifier.md.
//!
//! # Items
//!
//! | item | pk / sk |
//! |---|---|
//! | email waiting | `OUTBOX` / `<due>#<event>` |
//! | email given up | `OUTBOX-FAILED` / `<failed at>#<event>` |
//!
//! `<due>` is a fixed-width RFC 3339 instant (`2027-03-28T10:15:00.000000Z`),
//! so the partition sorts by due time and "everything due" is one query.
//!
//! # Delivery
//!
//! A notifier first *claims* an email: one transaction deletes the item at
//! the version it read and puts it back due at now + [`LEASE`]. Of two
//! notifiers reading the same item, only one transaction succeeds, and only
//! that one sends. After the send, the claimed item is deleted; after a
//! failed send, it is moved to its next try ([`retry_delay`]), and after
//! [`MAX_ATTEMPTS`] (or an address the mailer refuses) to `OUTBOX-FAILED`,
//! where it stays for an administrator. A notifier stopped between the send
//! and the deletion leaves the claimed item, sent again when the lease ends:
//! the one window where an email may go twice.
//!
//! Logs name the event only: never an address, a subject or the mailer's
//! error text (SES quotes addresses in its messages).

use gru_ports::{
    Clock, Condition, Email, Item, Key, Mailer, MailerError, Query, SortKeyCondition, Store, StoreError,
    TransactOp,
};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The partition of the emails waiting to be delivered.
pub const PARTITION: &str = "OUTBOX";
/// The partition of the emails given up, kept for an administrator.
pub const FAILED_PARTITION: &str = "OUTBOX-FAILED";
/// How long a given-up email is kept for an administrator to see, before
/// the store deletes it: it holds an address and maybe a tracking link.
pub const FAILED_KEEP: SignedDuration = SignedDuration::from_hours(30 * 24);
/// Sends tried before an email is given up.
pub const MAX_ATTEMPTS: u32 = 10;
/// How long a claim hides an email from other notifiers: longer than any
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

/// Emails read per page while delivering.
const PAGE: u32 = 100;

/// What can go wrong with the outbox.
#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    /// The event id is empty: it names the change, so it is required.
    #[error("an outbox event id must not be empty")]
    EmptyEvent,
    /// The email could not be written as JSON (the message keeps no detail:
    /// it could quote the email).
    #[error("an outbox email could not be encoded")]
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
    if event.is_empty() {
        return Err(OutboxError::EmptyEvent);
    }
    let queued = Queued {
        event: event.to_owned(),
        email: email.clone(),
        queued_at: at,
        attempts: 0,
        last_error: None,
    };
    Ok(TransactOp::Put {
        item: Item::new(due_key(at, event), queued.encode()?),
        condition: Condition::NotExists,
    })
}

/// The key of an email due at `at`.
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

/// An email in the outbox, as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Queued {
    event: String,
    email: Email,
    /// When the change queued it.
    queued_at: Timestamp,
    /// Sends tried so far (a claim counts as one: its notifier may have
    /// stopped during the send).
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

/// An email given up after [`MAX_ATTEMPTS`] sends, or refused by the mailer
/// (an address it cannot send to).
#[derive(Debug, Clone, PartialEq)]
pub struct FailedEmail {
    pub key: Key,
    pub event: String,
    pub email: Email,
    pub queued_at: Timestamp,
    pub attempts: u32,
    pub last_error: Option<String>,
}

/// What a round of delivery did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivery {
    /// Emails sent.
    pub sent: usize,
    /// Emails given up (moved to `OUTBOX-FAILED`).
    pub failed: usize,
    /// Emails whose send failed this round, waiting for their next try.
    pub waiting: usize,
}

impl std::ops::AddAssign for Delivery {
    fn add_assign(&mut self, other: Self) {
        self.sent += other.sent;
        self.failed += other.failed;
        self.waiting += other.waiting;
    }
}

/// What became of one email in a round.
enum Outcome {
    Sent,
    Failed,
    Waiting,
    /// Not due, gone, or claimed by another notifier first.
    Skipped,
}

impl From<Outcome> for Delivery {
    fn from(outcome: Outcome) -> Self {
        match outcome {
            Outcome::Sent => Delivery { sent: 1, ..Delivery::default() },
            Outcome::Failed => Delivery { failed: 1, ..Delivery::default() },
            Outcome::Waiting => Delivery { waiting: 1, ..Delivery::default() },
            Outcome::Skipped => Delivery::default(),
        }
    }
}

/// Delivers the outbox's emails through a mailer.
#[derive(Clone)]
pub struct Outbox {
    store: Arc<dyn Store>,
    mailer: Arc<dyn Mailer>,
    clock: Arc<dyn Clock>,
}

impl Outbox {
    pub fn new(store: Arc<dyn Store>, mailer: Arc<dyn Mailer>, clock: Arc<dyn Clock>) -> Self {
        Self { store, mailer, clock }
    }

    /// Delivers every email due now: claims each one (so two notifiers never
    /// both send it), sends it, deletes it; a failed send is tried again
    /// after [`retry_delay`], and given up after [`MAX_ATTEMPTS`]. Safe to
    /// run as often and as concurrently as wanted.
    pub async fn deliver_due(&self) -> Result<Delivery, OutboxError> {
        let now = self.clock.now();
        // `$` follows `#`: the bound takes every key of an email due up to now.
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

    /// Delivers the emails under `keys` that are due (what the table's
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

    /// The emails given up in the last [`FAILED_KEEP`], oldest first.
    pub async fn failed(&self) -> Result<Vec<FailedEmail>, OutboxError> {
        let items =
            gru_ports::store::query_all(self.store.as_ref(), Query::partition(FAILED_PARTITION)).await?;
        let now = self.clock.now().as_second();
        Ok(items
            .into_iter()
            .filter(|item| item.expires_at.is_none_or(|end| end > now))
            .filter_map(|item| {
                let queued: Queued = serde_json::from_value(item.data).ok()?;
                Some(FailedEmail {
                    key: item.key,
                    event: queued.event,
                    email: queued.email,
                    queued_at: queued.queued_at,
                    attempts: queued.attempts,
                    last_error: queued.last_error,
                })
            })
            .collect())
    }

    /// A given-up email as kept: until [`FAILED_KEEP`] has passed.
    fn failed_item(&self, key: Key, data: serde_json::Value) -> Item {
        Item { expires_at: Some((self.clock.now() + FAILED_KEEP).as_second()), ..Item::new(key, data) }
    }

    /// Claims, sends and settles one email.
    async fn deliver_item(&self, item: Item) -> Result<Outcome, OutboxError> {
        let Ok(mut queued) = serde_json::from_value::<Queued>(item.data.clone()) else {
            // Unreadable (written by another version?): set aside, not retried forever.
            tracing::error!(key = %item.key.sk, "an outbox item cannot be read; moved to the failed emails");
            let failed = Key::new(FAILED_PARTITION, item.key.sk.clone());
            let moved = self.moved(&item, self.failed_item(failed, item.data.clone())).await?;
            return Ok(if moved { Outcome::Failed } else { Outcome::Skipped });
        };
        queued.attempts += 1;
        let claim = Item::new(due_key(self.clock.now() + LEASE, &queued.event), queued.encode()?);
        if !self.moved(&item, claim.clone()).await? {
            return Ok(Outcome::Skipped);
        }
        let error = match self.mailer.send(&queued.email).await {
            Ok(_) => {
                if let Err(error) = self.store.delete(&claim.key, Condition::Version(claim.version)).await {
                    // Sent: the item comes back when its lease ends and the
                    // email goes again. Nothing better to do than say so.
                    tracing::error!(event = %queued.event, %error, "a sent email stays in the outbox");
                }
                return Ok(Outcome::Sent);
            }
            Err(error) => error,
        };
        let refused = matches!(error, MailerError::InvalidAddress(_));
        queued.last_error = Some(error.to_string());
        if refused || queued.attempts >= MAX_ATTEMPTS {
            tracing::error!(
                event = %queued.event,
                attempts = queued.attempts,
                refused,
                "an email is given up; it stays in the failed emails"
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
            "an email could not be sent; it will be tried again"
        );
        self.moved(&claim, Item::new(due_key(next, &queued.event), queued.encode()?)).await?;
        Ok(Outcome::Waiting)
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
    fn an_event_names_the_change() {
        let email = Email {
            to: "a@example.org".into(),
            subject: "s".into(),
            text: "t".into(),
            html: None,
            attachments: Vec::new(),
        };
        assert!(matches!(enqueue(&email, "", Timestamp::UNIX_EPOCH), Err(OutboxError::EmptyEvent)));
    }
}
