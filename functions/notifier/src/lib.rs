//! The notifier: the Lambda that sends the outbox's emails and runs the
//! scheduled housekeeping. It is invoked two ways (docs/notifier.md):
//!
//! - by the table's DynamoDB stream: the `INSERT` records of the `OUTBOX`
//!   partition are emails just queued with the change they announce; those
//!   due now are delivered at once (records of claims and retries, due
//!   later, are left to the schedule);
//! - by an EventBridge schedule (every 5 minutes): the appointments'
//!   reminders due are queued ([`booking::reminders::send_due`]), every
//!   email due is delivered (retries, reminders, and any the stream
//!   missed), and the drafts' housekeeping runs, the same jobs as the
//!   all-in-one portal's ([`submissions::sweep::run`]).
//!
//! Delivery claims each email before sending it, so the stream, the schedule
//! and their retries may overlap without an email going twice.

use aws_lambda_events::event::dynamodb;
use gru_outbox::{Delivery, Outbox, OutboxError};
use gru_ports::Key;
use serde::{Deserialize, Serialize};
use submissions::repository::RepositoryError;

/// What the notifier does its work with: the submissions function's ports
/// (store, mailer, files, clock, public address, drafts' policy).
pub struct Notifier {
    outbox: Outbox,
    submissions: submissions::App,
    booking: booking::App,
}

/// What an invocation did, returned to the runtime (and so in the logs).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    pub sent: usize,
    /// Emails given up this time (kept under `OUTBOX-FAILED`).
    pub failed: usize,
    /// Emails whose send failed, waiting for their next try.
    pub waiting: usize,
    pub warnings_sent: usize,
    pub files_deleted: usize,
    /// Appointments' reminders queued this time.
    pub reminders: usize,
}

impl From<Delivery> for Report {
    fn from(delivery: Delivery) -> Self {
        let Delivery { sent, failed, waiting } = delivery;
        Self { sent, failed, waiting, ..Self::default() }
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
    Reminders(#[from] booking::reminders::ReminderError),
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
    pub fn new(submissions: submissions::App) -> Self {
        let outbox =
            Outbox::new(submissions.store.clone(), submissions.mailer.clone(), submissions.clock.clone());
        let booking = booking::App {
            audit_keep: submissions.audit_keep,
            ..booking::App::new(
                submissions.store.clone(),
                submissions.clock.clone(),
                submissions.public_url.clone(),
            )
        };
        Self { outbox, submissions, booking }
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

    /// The reminders due, every email due, then the drafts' housekeeping;
    /// each runs even when an earlier one failed, and the first failure is
    /// reported.
    async fn scheduled(&self) -> Result<Report, NotifierError> {
        let reminders = booking::reminders::send_due(&self.booking).await;
        let delivery = self.outbox.deliver_due().await;
        let swept = submissions::sweep::run(&self.submissions).await;
        let reminders = reminders?;
        let mut report = Report::from(delivery?);
        report.reminders = reminders;
        let swept = swept?;
        report.warnings_sent = swept.warnings_sent;
        report.files_deleted = swept.files_deleted;
        Ok(report)
    }
}

/// The keys of the emails a stream batch announces: records of items put
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
