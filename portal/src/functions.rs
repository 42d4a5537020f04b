//! Every function's routes on one platform: what API Gateway puts behind
//! one origin on AWS, served by one process here (and by the tests and
//! benchmarks on whichever adapters they choose).

use axum::Router;
use gru_notices::drafts::Housekeeping;
use gru_ports::{Files, Mailer, Scanner};
use gru_web::Platform;
use std::sync::Arc;

/// The platform and the other adapters the functions run on.
#[derive(Clone)]
pub struct Ports {
    pub platform: Platform,
    pub mailer: Arc<dyn Mailer>,
    pub files: Arc<dyn Files>,
    /// `None`: uploads are marked unscanned.
    pub scanner: Option<Arc<dyn Scanner>>,
}

impl Ports {
    /// What the drafts' housekeeping runs on (warnings, files of purged drafts).
    pub fn housekeeping(&self) -> Housekeeping {
        Housekeeping { platform: self.platform.clone(), mailer: self.mailer.clone() }
    }

    /// What carries out the tasks the functions queue (emails, deletions of
    /// files' bytes), and the reminders.
    pub fn notifications(&self) -> crate::Notifications {
        let platform = &self.platform;
        crate::Notifications {
            outbox: gru_outbox::Outbox::new(
                platform.store.clone(),
                self.mailer.clone(),
                self.files.clone(),
                platform.clock.clone(),
            ),
            platform: platform.clone(),
        }
    }

    /// Every function's routes, each under its prefix ([`crate::FUNCTION_PREFIXES`]).
    pub fn router(&self) -> Router {
        let platform = &self.platform;
        Router::new()
            .merge(catalogue::router(platform))
            .merge(submissions::router(platform, self.mailer.clone()))
            .merge(attachments::router(platform, self.files.clone(), self.scanner.clone()))
            .merge(tracking::router(platform))
            .merge(messaging::router(platform))
            .merge(booking::router(platform))
            .merge(open311::router(platform))
            .merge(reporting::router(platform, self.files.clone()))
            .merge(accounts::router(platform, self.mailer.clone()))
    }
}
