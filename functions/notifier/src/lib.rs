//! The notifier: the Lambda that carries out the outbox's tasks (emails,
//! deletions of files' bytes) and runs the scheduled housekeeping. It is invoked two ways (docs/notifier.md):
//!
//! - by the table's DynamoDB stream: the `INSERT` records of the `OUTBOX`
//!   partition are tasks just queued with the change they follow; those
//!   due now are carried out at once (records of claims and retries, due
//!   later, are left to the schedule);
//! - by an EventBridge schedule (every 5 minutes): the appointments'
//!   reminders due are queued ([`gru_notices::reminders::send_due`]), every
//!   task due is carried out (retries, reminders, and any the stream
//!   missed), the drafts' housekeeping runs, and today's first free slots
//!   are recorded once a day, the same jobs as the all-in-one portal's
//!   ([`gru_notices::drafts::run`], [`gru_notices::waits::record`]).
//!
//! Delivery claims each task before doing it, so the stream, the schedule
//! and their retries may overlap without an email going twice.

use aws_lambda_events::event::dynamodb;
use gru_notices::drafts::Housekeeping;
use gru_notices::reminders::ReminderError;
use gru_outbox::{Delivery, Outbox, OutboxError};
use gru_ports::{Files, Key};
use gru_records::requests::RepositoryError;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// What the notifier does its work with: the platform, the mailer and the
/// cases' files (the outbox deletes the bytes of removed files).
pub struct Notifier {
    outbox: Outbox,
    housekeeping: Housekeeping,
}

/// What an invocation did, returned to the runtime (and so in the logs).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    pub sent: usize,
    /// Files whose bytes the outbox deleted.
    pub files_deleted: usize,
    /// Outbox tasks given up this time (kept under `OUTBOX-FAILED`).
    pub failed: usize,
    /// Outbox tasks that failed, waiting for their next try.
    pub waiting: usize,
    pub warnings_sent: usize,
    /// Files of drafts gone unsubmitted whose records were purged (their
    /// bytes queued for deletion).
    pub files_purged: usize,
    /// Appointments' reminders queued this time.
    pub reminders: usize,
    /// Agendas' and types' first free slots recorded for today (the indicators).
    pub waits_recorded: usize,
}

impl From<Delivery> for Report {
    fn from(delivery: Delivery) -> Self {
        let Delivery { sent, deleted, failed, waiting } = delivery;
        Self { sent, files_deleted: deleted, failed, waiting, ..Self::default() }
    }
}

/// Why an invocation failed: the runtime then reports it, and the stream
/// or the schedule invokes again (every step is safe to repeat).
#[derive(Debug, thiserror::Error)]
pub enum NotifierError {
    #[error("the event is neither a DynamoDB stream batch nor a scheduled event")]
    UnknownEvent,
    #[error(transparent)]
    Outbox(#[from] OutboxError),
    #[error(transparent)]
    Housekeeping(#[from] RepositoryError),
    #[error(transparent)]
    Reminders(#[from] ReminderError),
    #[error(transparent)]
    Waits(#[from] gru_notices::waits::WaitsError),
}

/// The two events the notifier is subscribed to.
#[derive(Deserialize)]
#[serde(untagged)]
enum Incoming {
    Stream(dynamodb::Event),
    Scheduled {
        #[serde(rename = "detail-type")]
        detail_type: String,
    },
}

/// The table key of a stream record.
#[derive(Deserialize)]
struct TableKey {
    pk: String,
    sk: String,
}

impl Notifier {
    pub fn new(housekeeping: Housekeeping, files: Arc<dyn Files>) -> Self {
        let platform = &housekeeping.platform;
        let outbox =
            Outbox::new(platform.store.clone(), housekeeping.mailer.clone(), files, platform.clock.clone());
        Self { outbox, housekeeping }
    }

    /// Handles one invocation: a stream batch or a scheduled event.
    pub async fn handle(&self, event: serde_json::Value) -> Result<Report, NotifierError> {
        let report = match serde_json::from_value(event).map_err(|_| NotifierError::UnknownEvent)? {
            Incoming::Stream(batch) => self.outbox.deliver(&queued_keys(&batch)).await?.into(),
            Incoming::Scheduled { detail_type } if detail_type == "Scheduled Event" => {
                self.scheduled().await?
            }
            Incoming::Scheduled { .. } => return Err(NotifierError::UnknownEvent),
        };
        tracing::info!(?report, "notifier done");
        Ok(report)
    }

    /// The reminders due, every email due, the drafts' housekeeping, then
    /// today's first free slots;
    /// each runs even when an earlier one failed, and the first failure is
    /// reported.
    async fn scheduled(&self) -> Result<Report, NotifierError> {
        let reminders = gru_notices::reminders::send_due(&self.housekeeping.platform).await;
        let delivery = self.outbox.deliver_due().await;
        let swept = gru_notices::drafts::run(&self.housekeeping).await;
        let waits = gru_notices::waits::record(&self.housekeeping.platform).await;
        let reminders = reminders?;
        let mut report = Report::from(delivery?);
        report.reminders = reminders;
        let swept = swept?;
        report.warnings_sent = swept.warnings_sent;
        report.files_purged = swept.files_purged;
        report.waits_recorded = waits?;
        Ok(report)
    }
}

/// The keys of the tasks a stream batch announces: records of items put
/// in the outbox's partition (other items of the table are not the
/// notifier's business; the subscription's filter should keep them away).
fn queued_keys(batch: &dynamodb::Event) -> Vec<Key> {
    batch
        .records
        .iter()
        .filter(|record| record.event_name == "INSERT")
        .filter_map(|record| serde_dynamo::from_item::<_, TableKey>(record.change.keys.clone()).ok())
        .filter(|key| key.pk == gru_outbox::PARTITION)
        .map(|key| Key::new(key.pk, key.sk))
        .collect()
}
