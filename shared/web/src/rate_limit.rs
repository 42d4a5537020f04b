//! Rate limits as fixed-window counters in the store, so every Lambda
//! instance (or the one portal process) counts against the same numbers.
//!
//! | item | pk / sk |
//! |---|---|
//! | counter | `RATE#<bucket>#<sha256(subject)>#<window start, Unix seconds>` / `RATE` |
//!
//! The subject (an email, a client address) is hashed: keys hold no
//! personal data. Each window has its own item, which expires at the
//! window's end (DynamoDB's TTL, the portal's sweep).

use crate::problem::Problem;
use crate::tokens;
use axum::http::StatusCode;
use gru_ports::{Clock, Condition, Item, Key, Store, StoreError};
use jiff::SignedDuration;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// How many times a hit re-reads the counter after losing a race. Each lost
/// race means another hit was counted, so a burst this large on one subject
/// is itself a reason to refuse.
const MAX_ATTEMPTS: usize = 32;

#[derive(Serialize, Deserialize)]
struct Counter {
    count: u32,
}

/// Counts hits per bucket and subject; see the module documentation.
#[derive(Clone)]
pub struct RateLimiter {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
}

impl RateLimiter {
    /// Counters kept in `store`, windows cut by `clock`.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }

    /// Counts one hit of `subject` in `bucket` (e.g. `signin-email`) and
    /// refuses it when the current window of length `window` already holds
    /// `limit` hits: 429 `urn:gru:problem:rate-limited` with `Retry-After`
    /// set to the window's end. Refused hits are not counted.
    ///
    /// Every write is conditioned on what was read (not-exists for the
    /// window's first hit, the version otherwise), so concurrent hits are
    /// never lost: the loser reads again and retries.
    ///
    /// # Panics
    ///
    /// If `window` is shorter than one second.
    pub async fn hit(
        &self,
        bucket: &str,
        subject: &str,
        limit: u32,
        window: SignedDuration,
    ) -> Result<(), Problem> {
        let length = window.as_secs();
        assert!(length > 0, "a rate-limit window lasts at least one second");
        let now = self.clock.now().as_second();
        let start = now - now.rem_euclid(length);
        let end = start + length;
        let key = Key::new(format!("RATE#{bucket}#{}#{start}", tokens::hash(subject)), "RATE");
        let refused = || rate_limited(end - now);
        for _ in 0..MAX_ATTEMPTS {
            let current = self.store.get(&key).await.map_err(Problem::internal)?;
            let (count, version, condition) = match current {
                Some(item) => {
                    let counter: Counter = serde_json::from_value(item.data)
                        .map_err(|_| Problem::internal("a stored rate counter cannot be read"))?;
                    (counter.count, item.version, Condition::Version(item.version))
                }
                None => (0, 0, Condition::NotExists),
            };
            if count >= limit {
                return Err(refused());
            }
            let data = serde_json::json!(Counter { count: count + 1 });
            let item = Item { version: version + 1, expires_at: Some(end), ..Item::new(key.clone(), data) };
            match self.store.put(item, condition).await {
                Ok(()) => return Ok(()),
                Err(StoreError::ConditionFailed) => continue,
                Err(error) => return Err(Problem::internal(error)),
            }
        }
        Err(refused())
    }
}

/// The answer over a limit, telling when the window ends.
fn rate_limited(seconds: i64) -> Problem {
    let seconds = seconds.max(1);
    let minutes = (seconds + 59) / 60;
    let wait = if minutes > 1 { format!("{minutes} minutes") } else { "une minute".to_owned() };
    Problem::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate-limited",
        "Trop de demandes",
        format!("Trop de tentatives en peu de temps. Réessayez dans {wait}."),
    )
    .with_retry_after(seconds.unsigned_abs())
}
