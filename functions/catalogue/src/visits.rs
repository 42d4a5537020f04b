//! What citizens look at in the catalogue, counted for the city's
//! indicators (`gru_domain::indicators::service_viewed`, `searched`): the
//! site tells when a service's page was read and when a search settled.
//! No cookie, no address kept (the rate limit holds a hash of it for an
//! hour), and an unanswered search keeps only its normalised words, never
//! an email address or a long number.

use crate::snapshot::{Catalogue, Snapshot};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use gru_domain::indicators::{CityDays, Tally, day_of, searched, service_viewed, unanswered_words};
use gru_domain::search;
use gru_ports::{Clock, Store, TransactOp};
use gru_records::catalogue::CatalogueError;
use gru_records::indicators::{Family, unanswered, writes};
use gru_records::progress::Moment;
use gru_web::rate_limit::RateLimiter;
use gru_web::{ClientAddress, Json, Problem};
use jiff::SignedDuration;
use serde::Deserialize;
use std::sync::Arc;

/// Pages read and searches counted per address and hour, at most: far
/// more than a citizen reads, few enough that nobody inflates the figures.
const PER_ADDRESS_AN_HOUR: u32 = 300;
/// The longest search counted, in characters (the catalogue's own limit).
const MAX_QUERY_CHARS: usize = 200;

/// The state of the counting routes.
#[derive(Clone)]
pub(crate) struct Visits {
    catalogue: Arc<Catalogue>,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    limiter: RateLimiter,
}

impl Visits {
    pub(crate) fn new(catalogue: Arc<Catalogue>, store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self { limiter: RateLimiter::new(store.clone(), clock.clone()), catalogue, store, clock }
    }

    /// The snapshot, once the caller's address is within its limit.
    async fn snapshot(&self, address: &ClientAddress) -> Result<Arc<Snapshot>, Problem> {
        if let Some(subject) = address.rate_limit_subject() {
            self.limiter
                .hit("catalogue-visits", &subject, PER_ADDRESS_AN_HOUR, SignedDuration::from_hours(1))
                .await?;
        }
        Ok(self.catalogue.snapshot().await?)
    }

    /// Adds what `counts` makes of the city's days, with `extra` writes.
    async fn count(
        &self,
        snapshot: &Snapshot,
        counts: impl FnOnce(CityDays<'_>) -> (Vec<Tally>, Vec<TransactOp>),
    ) -> Result<StatusCode, Problem> {
        let city = snapshot.city.as_ref().ok_or(CatalogueError::NotImported)?;
        let moment = Moment::of(city, self.clock.now());
        let (tallies, extra) = counts(moment.days());
        let mut ops = writes(Family::Catalogue, &tallies);
        ops.extend(extra);
        self.store.transact(ops).await?;
        Ok(StatusCode::NO_CONTENT)
    }
}

/// A service's page was read: 204, or 404 for a service the catalogue does not have.
pub(crate) async fn viewed(
    State(visits): State<Visits>,
    address: ClientAddress,
    Path(slug): Path<String>,
) -> Result<StatusCode, Problem> {
    let snapshot = visits.snapshot(&address).await?;
    if !snapshot.summaries.iter().any(|s| s.slug == slug) {
        return Err(Problem::not_found("Cette démarche n'existe pas."));
    }
    let now = visits.clock.now();
    visits.count(&snapshot, |days| (vec![service_viewed(&slug, now, days)], Vec::new())).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SearchBody {
    q: String,
}

/// A search settled on the site (the citizen stopped typing, or sent it):
/// counted, with its words when nothing answered it. 204.
pub(crate) async fn searched_for(
    State(visits): State<Visits>,
    address: ClientAddress,
    Json(body): Json<SearchBody>,
) -> Result<StatusCode, Problem> {
    let q = body.q.trim();
    if q.is_empty() || q.chars().count() > MAX_QUERY_CHARS {
        return Err(Problem::bad_request("invalid-body", "La recherche est vide ou trop longue.")
            .with_field("q", "De 1 à 200 caractères."));
    }
    let snapshot = visits.snapshot(&address).await?;
    let query = search::Query::parse(q);
    let found = !query.is_empty() && snapshot.summaries.iter().any(|s| s.search.score(&query).is_some());
    let now = visits.clock.now();
    visits
        .count(&snapshot, |days| {
            let words = if found { None } else { unanswered_words(q) };
            (
                searched(found, now, days),
                words.map(|w| unanswered(day_of(now, days), &w)).into_iter().collect(),
            )
        })
        .await
}
