//! HTTP handlers of the submissions function: the router, its state and the
//! helpers several routes share. Each route lives with its concern: `evaluate`
//! (a form as the answers make it), `drafts` (create, read, save, abandon),
//! `code` (the email code of drafts without an account), `submit` (the
//! submission, the replay of an `Idempotency-Key`), `requests` (the tracking
//! link, the citizen's dashboard, one request) and `recorded` (requests
//! recorded by agents).

use gru_records::access;

use crate::PREFIX;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use gru_domain::form::Form;
use gru_domain::request::{Draft, Receipt};
use gru_ports::{Mailer, StoreError, TransactOp};
use gru_records::case_files::AttachmentRepository;
use gru_records::catalogue::CatalogueRepository;
use gru_records::requests::{Repository, RepositoryError, Versioned};
use gru_web::session::Citizen;
use gru_web::{Platform, Problem};
use jiff::{SignedDuration, Timestamp};
use std::sync::Arc;

mod code;
mod drafts;
mod evaluate;
mod recorded;
mod requests;
mod submit;

/// How long a retry with the same `Idempotency-Key` gets the same answer.
const IDEMPOTENCY_HOURS: i64 = 24;

/// The state every handler shares.
type Ctx = gru_web::Ctx<Inner>;

pub(super) struct Inner {
    platform: Platform,
    mailer: Arc<dyn Mailer>,
    repository: Repository,
    attachments: AttachmentRepository,
    catalogue: CatalogueRepository,
}

/// The submissions function's routes, under [`PREFIX`].
pub fn router(platform: &Platform, mailer: Arc<dyn Mailer>) -> Router {
    let store = &platform.store;
    let ctx = Ctx::new(
        platform,
        Inner {
            repository: Repository::new(store.clone()),
            attachments: AttachmentRepository::new(store.clone()),
            catalogue: CatalogueRepository::new(store.clone()),
            platform: platform.clone(),
            mailer,
        },
    );
    let routes = Router::new()
        .route("/evaluate", post(evaluate::evaluate))
        .route("/drafts", post(drafts::create_draft))
        .route("/drafts/{id}", get(drafts::read_draft).put(drafts::save_draft).delete(drafts::abandon_draft))
        .route("/drafts/{id}/email", post(code::send_code))
        .route("/drafts/{id}/submit", post(submit::submit))
        .route("/tracking", post(requests::track))
        .route("/mine", get(requests::mine))
        .route("/requests/{reference}", get(requests::read_request))
        .route("/agent/requests", post(recorded::record))
        .with_state(ctx);
    gru_web::mount(PREFIX, routes)
}

fn unknown_draft() -> Problem {
    Problem::not_found("Ce brouillon n'existe pas, a déjà été envoyé ou a été supprimé.")
}

fn stale_draft() -> Problem {
    Problem::new(
        StatusCode::CONFLICT,
        "conflict",
        "Brouillon modifié ailleurs",
        "Ce brouillon a été modifié depuis un autre onglet ou appareil. Rechargez la page pour reprendre la dernière version.",
    )
}

/// A draft write that lost a race (another tab saved first) is a 409 the
/// citizen can act on; anything else is ours.
fn stale_on_conflict<T>(result: Result<T, RepositoryError>) -> Result<T, Problem> {
    match result {
        Err(RepositoryError::Store(StoreError::ConditionFailed)) => Err(stale_draft()),
        other => Ok(other?),
    }
}

fn invalid_answers(errors: Vec<gru_domain::form::FieldError>, status: StatusCode) -> Problem {
    let mut problem = Problem::new(
        status,
        "invalid-answers",
        "Réponses à corriger",
        "Certaines réponses sont à corriger : chaque erreur est indiquée avec sa question.",
    );
    for error in errors {
        problem = problem.with_field(&error.field, error.message);
    }
    problem
}

/// The confirmation of a new request to `email`, queued in the transaction
/// that writes the request ([`gru_notices::requests::queue_confirmation`]).
fn queue_confirmation(
    email: &str,
    reference: &str,
    service_title: &str,
    tracking_url: &str,
    now: Timestamp,
) -> Result<TransactOp, Problem> {
    gru_notices::requests::queue_confirmation(email, reference, service_title, tracking_url, now)
        .map_err(Problem::internal)
}

/// Until when a request written `now` answers a retry with the same
/// `Idempotency-Key`.
fn keep_idempotency_until(now: Timestamp) -> Timestamp {
    now.saturating_add(SignedDuration::from_hours(IDEMPOTENCY_HOURS)).expect("in range")
}

impl Inner {
    fn now(&self) -> Timestamp {
        self.platform.clock.now()
    }

    /// Today in the city's time zone (a date "in the past" is the city's
    /// past), with the city's public holidays (deadlines count working days).
    async fn city_day(&self) -> Result<gru_records::progress::Moment, Problem> {
        Ok(self.catalogue.moment(self.now()).await?)
    }

    /// The link a new request's tracking `token` opens on the site.
    fn tracking_url(&self, token: &str) -> String {
        gru_notices::requests::tracking_url(&self.platform.settings.public_url, token)
    }

    /// The service's form: the given version, or the current one.
    async fn form(&self, service: &str, version: Option<u32>) -> Result<Form, Problem> {
        let unknown = || {
            Problem::not_found("Cette démarche n'existe pas ou ne se fait pas en ligne.")
                .with_field("service", "Démarche inconnue.")
        };
        if !gru_domain::catalogue::is_valid_slug(service) {
            return Err(unknown());
        }
        self.catalogue.form(service, version).await?.ok_or_else(unknown)
    }

    async fn service_title(&self, slug: &str) -> Result<String, Problem> {
        Ok(self.catalogue.service(slug).await?.map(|s| s.service.title).unwrap_or_else(|| slug.to_owned()))
    }

    /// A draft the caller may use (see [`access::draft`]).
    async fn owned_draft(&self, id: &str, citizen: &Option<Citizen>) -> Result<Versioned<Draft>, Problem> {
        access::draft(&self.repository, id, citizen, self.now()).await?.ok_or_else(unknown_draft)
    }

    /// Sets the purge date (and the day of the warning before it) from now.
    fn schedule_purge(&self, draft: &mut Draft) {
        let policy = &self.platform.settings.drafts;
        let now = self.now();
        draft.updated_at = now;
        draft.purge_at = now.saturating_add(policy.keep).expect("the purge date is in range");
        draft.warn_on = (draft.account.is_some() || draft.email.is_some()).then(|| {
            let warn_at = draft.purge_at.saturating_sub(policy.warn_before).expect("in range");
            warn_at.to_zoned_datetime(jiff::tz::TimeZone::UTC).date()
        });
    }

    fn resume_url(&self, draft: &Draft) -> String {
        gru_notices::drafts::resume_url(&self.platform.settings.public_url, &draft.service, &draft.id)
    }
}

/// A request written (or a retry answered): 201 with its receipt.
fn created(receipt: Receipt) -> Response {
    (StatusCode::CREATED, axum::Json(receipt)).into_response()
}
