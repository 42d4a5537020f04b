//! Every function's routes on one set of ports: what API Gateway puts
//! behind one origin on AWS, served by one process here (and by the tests
//! and benchmarks on whichever adapters they choose).

use axum::Router;
use catalogue::CatalogueRepository;
use gru_ports::{Clock, Files, Mailer, Scanner, Store};
use std::sync::Arc;

/// The adapters the functions run on.
#[derive(Clone)]
pub struct Ports {
    pub store: Arc<dyn Store>,
    pub mailer: Arc<dyn Mailer>,
    pub files: Arc<dyn Files>,
    /// `None`: uploads are marked unscanned.
    pub scanner: Option<Arc<dyn Scanner>>,
    pub clock: Arc<dyn Clock>,
    /// Where citizens reach the site (links in emails), without a trailing slash.
    pub public_url: String,
    pub drafts: submissions::DraftPolicy,
    /// How long the audit trail keeps what agents do.
    pub audit_keep: jiff::SignedDuration,
}

impl Ports {
    /// The submissions function on these ports (also what the housekeeping runs).
    pub fn submissions(&self) -> submissions::App {
        let mut app = submissions::App::new(
            self.store.clone(),
            self.mailer.clone(),
            self.files.clone(),
            self.clock.clone(),
            self.public_url.clone(),
        );
        app.drafts = self.drafts;
        app.audit_keep = self.audit_keep;
        app
    }

    /// The booking function on these ports (also what sends the reminders).
    pub fn booking(&self) -> booking::App {
        booking::App {
            audit_keep: self.audit_keep,
            ..booking::App::new(self.store.clone(), self.clock.clone(), self.public_url.clone())
        }
    }

    /// What sends the emails the functions queue, and the reminders.
    pub fn notifications(&self) -> crate::Notifications {
        crate::Notifications {
            outbox: gru_outbox::Outbox::new(self.store.clone(), self.mailer.clone(), self.clock.clone()),
            booking: self.booking(),
        }
    }

    /// Every function's routes, each under its prefix ([`crate::FUNCTION_PREFIXES`]).
    pub fn router(&self) -> Router {
        Router::new()
            .merge(catalogue::router(CatalogueRepository::new(self.store.clone())))
            .merge(submissions::router(self.submissions()))
            .merge(attachments::router(attachments::App {
                audit_keep: self.audit_keep,
                ..attachments::App::new(
                    self.store.clone(),
                    self.files.clone(),
                    self.scanner.clone(),
                    self.clock.clone(),
                )
            }))
            .merge(tracking::router(tracking::App {
                audit_keep: self.audit_keep,
                ..tracking::App::new(self.store.clone(), self.clock.clone(), self.public_url.clone())
            }))
            .merge(messaging::router(messaging::App {
                audit_keep: self.audit_keep,
                ..messaging::App::new(self.store.clone(), self.clock.clone(), self.public_url.clone())
            }))
            .merge(booking::router(self.booking()))
            .merge(accounts::router(accounts::App {
                store: self.store.clone(),
                mailer: self.mailer.clone(),
                clock: self.clock.clone(),
                public_url: self.public_url.clone(),
                audit_keep: self.audit_keep,
            }))
    }
}
