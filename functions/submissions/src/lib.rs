//! The submissions function: a citizen fills in a service's form (which
//! adapts to the answers), keeps a draft, and submits it once, with or
//! without an account, getting a reference and a secret tracking link.
//! See docs/requests.md for the flow and docs/forms.md for the forms.
//!
//! Routes (all under [`PREFIX`]):
//!
//! | route | who | answer |
//! |---|---|---|
//! | `POST /evaluate` | anyone | visible pages and fields, documents required, errors |
//! | `POST /drafts` | anyone | a new draft (owned by the session's account, if any) |
//! | `GET, PUT, DELETE /drafts/{id}` | the draft's owner | read, save (version-checked), abandon |
//! | `POST /drafts/{id}/email` | owner without account | emails a one-time code and a resume link |
//! | `POST /drafts/{id}/submit` | owner | the request's reference and tracking link (`Idempotency-Key`) |
//! | `POST /tracking` | holder of a tracking link | the request |
//! | `GET /mine` | citizen | the citizen's requests and drafts |
//! | `GET /requests/{reference}` | the request's citizen | the request |
//! | `POST /agent/requests` | an agent handling the service | a request recorded for a citizen (phone, email, post, counter): its reference; the tracking link goes to the citizen only, by email (`Idempotency-Key`) |

pub mod access;
mod api;
pub mod attachments;
mod emails;
mod reference;
pub mod repository;
pub mod sweep;
pub mod timeline;

use gru_ports::{Clock, Files, Mailer, Store};
use jiff::SignedDuration;
use std::sync::Arc;

pub use api::router;

/// The URL prefix this function owns (one API Gateway route).
pub const PREFIX: &str = "/api/submissions";

/// What the function needs, chosen by its entry point (the Lambda's
/// `main.rs` or the all-in-one portal).
#[derive(Clone)]
pub struct App {
    pub store: Arc<dyn Store>,
    pub mailer: Arc<dyn Mailer>,
    /// Where the cases' files are: abandoning a draft deletes them, and a
    /// submission deletes those its case no longer needs.
    pub files: Arc<dyn Files>,
    pub clock: Arc<dyn Clock>,
    /// Where citizens reach the site (links in emails), without a trailing slash.
    pub public_url: String,
    pub drafts: DraftPolicy,
    /// How long the audit trail keeps what agents do here (requests they
    /// record): [`gru_web::audit::DEFAULT_KEEP`] unless the city says otherwise.
    pub audit_keep: SignedDuration,
}

impl App {
    /// The function on these ports, with the default draft policy.
    pub fn new(
        store: Arc<dyn Store>,
        mailer: Arc<dyn Mailer>,
        files: Arc<dyn Files>,
        clock: Arc<dyn Clock>,
        public_url: String,
    ) -> Self {
        Self {
            store,
            mailer,
            files,
            clock,
            public_url,
            drafts: DraftPolicy::default(),
            audit_keep: gru_web::audit::DEFAULT_KEEP,
        }
    }

    /// The function on AWS, as its Lambdas build it once per process
    /// (submissions, and the notifier for the drafts' housekeeping):
    /// DynamoDB, SES, S3, the system clock, `PUBLIC_URL` (links in emails),
    /// the draft policy ([`DraftPolicy::from_env`]) and how long the audit
    /// trail keeps entries ([`gru_web::audit::keep_from_env`]).
    pub async fn from_env() -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        let store = gru_dynamodb::DynamoStore::from_env().await?;
        let mailer = gru_ses::SesMailer::from_env().await?;
        let files = gru_s3::S3Files::from_env().await?;
        let public_url = std::env::var("PUBLIC_URL").map_err(|_| "PUBLIC_URL is not set")?;
        let mut app = Self::new(
            Arc::new(store),
            Arc::new(mailer),
            Arc::new(files),
            Arc::new(gru_ports::SystemClock),
            public_url.trim_end_matches('/').to_owned(),
        );
        app.drafts = DraftPolicy::from_env()?;
        app.audit_keep = gru_web::audit::keep_from_env()?;
        Ok(app)
    }
}

/// The link that resumes a draft on the site. The draft's id is its
/// capability when it has no account, so it travels in the fragment, which
/// browsers never send to a server (no access log holds it).
fn resume_url(public_url: &str, service: &str, draft: &str) -> String {
    format!("{public_url}/demarche.html?service={service}#brouillon={draft}")
}

/// How long unfinished drafts are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DraftPolicy {
    /// A draft is purged this long after its last save.
    pub keep: SignedDuration,
    /// Its owner is warned this long before the purge.
    pub warn_before: SignedDuration,
}

impl DraftPolicy {
    /// Drafts kept `keep_days` after their last save, their owner warned
    /// `warn_days` before: at least one day kept, at most a year, and the
    /// warning before the purge.
    pub fn days(keep_days: u32, warn_days: u32) -> Result<Self, String> {
        if !(1..=365).contains(&keep_days) {
            return Err(format!("drafts must be kept 1 to 365 days, not {keep_days}"));
        }
        if warn_days >= keep_days {
            return Err(format!(
                "the warning ({warn_days} days before) must come after the last save ({keep_days} days)"
            ));
        }
        let day = |n: u32| SignedDuration::from_hours(24 * i64::from(n));
        Ok(Self { keep: day(keep_days), warn_before: day(warn_days) })
    }

    /// From `DRAFT_KEEP_DAYS` and `DRAFT_WARN_DAYS` (the Lambda's settings),
    /// each defaulting to the default policy's.
    pub fn from_env() -> Result<Self, String> {
        let read = |name: &str, default: u32| match std::env::var(name) {
            Ok(text) => text.parse::<u32>().map_err(|_| format!("{name} must be a whole number of days")),
            Err(_) => Ok(default),
        };
        Self::days(read("DRAFT_KEEP_DAYS", DEFAULT_KEEP_DAYS)?, read("DRAFT_WARN_DAYS", DEFAULT_WARN_DAYS)?)
    }
}

/// Drafts are kept a month after their last save, their owner warned a week before.
pub const DEFAULT_KEEP_DAYS: u32 = 30;
pub const DEFAULT_WARN_DAYS: u32 = 7;

impl Default for DraftPolicy {
    fn default() -> Self {
        Self::days(DEFAULT_KEEP_DAYS, DEFAULT_WARN_DAYS).expect("the default policy is valid")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draft_policies_keep_drafts_a_while_and_warn_before() {
        assert_eq!(DraftPolicy::default().keep, SignedDuration::from_hours(30 * 24));
        assert!(DraftPolicy::days(1, 0).is_ok());
        assert!(DraftPolicy::days(365, 364).is_ok());
        for (keep, warn) in [(0, 0), (366, 7), (7, 7), (7, 8)] {
            assert!(DraftPolicy::days(keep, warn).is_err(), "{keep} {warn}");
        }
    }
}
