//! Citizen sessions: a random token in the `gru_session` cookie, its
//! SHA-256 in the store, and the extractors handlers use to learn who is
//! signed in ([`Citizen`], [`MaybeCitizen`]).
//!
//! A session lasts 30 days from sign-in at most, and ends sooner after 2
//! days without use. Items:
//!
//! | item | pk / sk | index (gsi1) |
//! |---|---|---|
//! | session | `SESSION#<sha256(token)>` / `SESSION` | `ACCOUNT#<id>` / `SESSION#<sha256(token)>` |
//!
//! The index entry makes "end every session of this account" one query.
//! `expires_at` is the absolute end, so DynamoDB's TTL removes sessions
//! nobody signs out of.

use crate::problem::Problem;
use crate::tokens;
use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use gru_ports::store::query_all;
use gru_ports::{Clock, Condition, Item, Key, Query, Store, StoreError};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The name of the session cookie.
pub const COOKIE: &str = "gru_session";
/// The longest a session lasts, whatever its use (also the cookie's `Max-Age`).
const LIFETIME: SignedDuration = SignedDuration::from_hours(30 * 24);
/// A session unused for this long has ended.
const IDLE_LIMIT: SignedDuration = SignedDuration::from_hours(2 * 24);
/// `last_seen` is rewritten at most this often: the idle limit is counted
/// in days, so finer tracking would only cost a write per request.
const REFRESH_EVERY: SignedDuration = SignedDuration::from_mins(10);

const SESSION_PREFIX: &str = "SESSION#";
const SESSION_SK: &str = "SESSION";

/// What the store keeps of a session (never the token itself).
#[derive(Serialize, Deserialize)]
struct StoredSession {
    account_id: String,
    email: String,
    created_at: Timestamp,
    last_seen: Timestamp,
}

/// The sessions of every account, in the store. Put it in the router's state
/// (or make it reachable with `FromRef`) for the extractors.
#[derive(Clone)]
pub struct Sessions {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
}

/// The signed-in citizen. As an extractor it answers 401
/// `urn:gru:problem:unauthenticated` when the request has no live session.
///
/// No `Debug`: it holds an email and a session token, which must not reach
/// a log by accident.
#[derive(Clone)]
pub struct Citizen {
    pub account_id: String,
    pub email: String,
    /// The session's token, to end this session or keep it when ending the others.
    pub token: String,
}

/// The signed-in citizen if there is one: for routes open to everyone that
/// behave differently for a citizen.
#[derive(Clone)]
pub struct MaybeCitizen(pub Option<Citizen>);

impl Sessions {
    /// Sessions kept in `store`, timed by `clock`.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }

    /// Opens a session for the account and returns its token, to be sent
    /// once in the cookie ([`set_cookie`]).
    pub async fn start(&self, account_id: &str, email: &str) -> Result<String, StoreError> {
        let token = tokens::random_token();
        let hash = tokens::hash(&token);
        let now = self.clock.now();
        let session = StoredSession {
            account_id: account_id.to_owned(),
            email: email.to_owned(),
            created_at: now,
            last_seen: now,
        };
        let item = Item {
            expires_at: Some(now.as_second() + LIFETIME.as_secs()),
            ..Item::new(session_key(&hash), encode(&session)?)
                .with_index_key(Key::new(account_partition(account_id), format!("{SESSION_PREFIX}{hash}")))
        };
        self.store.put(item, Condition::NotExists).await?;
        Ok(token)
    }

    /// The citizen whose session `token` opens, if it is still live. Marks
    /// the session as used (at most every 10 minutes); a session past its
    /// end is removed.
    pub async fn find(&self, token: &str) -> Result<Option<Citizen>, StoreError> {
        let key = session_key(&tokens::hash(token));
        let Some(item) = self.store.get(&key).await? else {
            return Ok(None);
        };
        let session: StoredSession = serde_json::from_value(item.data.clone())
            .map_err(|_| StoreError::Backend("a stored session cannot be read".into()))?;
        let now = self.clock.now();
        let idle_for = now.duration_since(session.last_seen);
        let over = item.expires_at.is_some_and(|end| now.as_second() >= end) || idle_for > IDLE_LIMIT;
        if over {
            // Removed now rather than by the TTL, which would keep an idle
            // session in the account's list for up to 30 days. Losing the
            // race to another request changes nothing.
            if let Err(error) = self.store.delete(&key, Condition::Version(item.version)).await {
                tracing::debug!(%error, "an ended session was not removed");
            }
            return Ok(None);
        }
        let citizen = Citizen {
            account_id: session.account_id.clone(),
            email: session.email.clone(),
            token: token.into(),
        };
        if idle_for >= REFRESH_EVERY {
            self.touch(item, session, now).await;
        }
        Ok(Some(citizen))
    }

    /// Records that the session was used. Conditioned on the version read, so
    /// it never resurrects a session ended meanwhile; a failure only means
    /// another request did it first (or the session ended), so it is not an
    /// error for the request.
    async fn touch(&self, item: Item, session: StoredSession, now: Timestamp) {
        let session = StoredSession { last_seen: now, ..session };
        let Ok(data) = encode(&session) else { return };
        let condition = Condition::Version(item.version);
        let refreshed = Item { version: item.version + 1, data, ..item };
        if let Err(error) = self.store.put(refreshed, condition).await {
            tracing::debug!(%error, "session use not recorded");
        }
    }

    /// Ends the session `token` opens (nothing happens if it has ended already).
    pub async fn end(&self, token: &str) -> Result<(), StoreError> {
        self.store.delete(&session_key(&tokens::hash(token)), Condition::None).await
    }

    /// Ends every session of the account, except the one `except` opens
    /// (the citizen's current session, after a password change).
    pub async fn end_all(&self, account_id: &str, except: Option<&str>) -> Result<(), StoreError> {
        let kept = except.map(|token| session_key(&tokens::hash(token)));
        let query = Query::secondary(account_partition(account_id)).prefix(SESSION_PREFIX);
        for item in query_all(self.store.as_ref(), query).await? {
            if Some(&item.key) != kept.as_ref() {
                self.store.delete(&item.key, Condition::None).await?;
            }
        }
        Ok(())
    }
}

fn session_key(hash: &str) -> Key {
    Key::new(format!("{SESSION_PREFIX}{hash}"), SESSION_SK)
}

fn account_partition(account_id: &str) -> String {
    format!("ACCOUNT#{account_id}")
}

fn encode(session: &StoredSession) -> Result<serde_json::Value, StoreError> {
    serde_json::to_value(session).map_err(|_| StoreError::Backend("a session cannot be encoded".into()))
}

/// The `Set-Cookie` value that hands `token` to the browser: out of reach
/// of scripts, HTTPS only, not sent on cross-site subrequests, for the
/// whole site and the session's whole life.
///
/// # Panics
///
/// If `token` holds characters a header cannot carry; tokens from
/// [`Sessions::start`] never do.
pub fn set_cookie(token: &str) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{COOKIE}={token}; HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age={}",
        LIFETIME.as_secs()
    ))
    .expect("session tokens are base64url")
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie() -> HeaderValue {
    HeaderValue::from_static("gru_session=; HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age=0")
}

/// The session token of the request's cookie `cookie` (the citizens' or
/// the agents'), if it has one of the right shape (43 base64url
/// characters): anything else cannot be a token of ours, and is not worth
/// a store read.
pub(crate) fn cookie_token<'a>(parts: &'a Parts, cookie: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(name, _)| *name == cookie)
        .map(|(_, value)| value)
        .find(|value| {
            value.len() == 43 && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

impl<S> FromRequestParts<S> for MaybeCitizen
where
    Sessions: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Some(token) = cookie_token(parts, COOKIE) else {
            return Ok(Self(None));
        };
        let citizen =
            Sessions::from_ref(state).find(token).await.map_err(|error| Problem::internal(&error))?;
        Ok(Self(citizen))
    }
}

impl<S> FromRequestParts<S> for Citizen
where
    Sessions: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let MaybeCitizen(citizen) = MaybeCitizen::from_request_parts(parts, state).await?;
        citizen.ok_or_else(unauthenticated)
    }
}

/// 401 `urn:gru:problem:unauthenticated`: what [`Citizen`] answers without
/// a live session, for handlers that find the session's account gone.
pub fn unauthenticated() -> Problem {
    Problem::new(
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
        "Connexion requise",
        "Vous devez être connecté pour accéder à cette page. Connectez-vous, puis réessayez.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(cookies: &[&str]) -> Parts {
        let mut request = axum::http::Request::builder();
        for cookie in cookies {
            request = request.header(header::COOKIE, *cookie);
        }
        request.body(()).unwrap().into_parts().0
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let token = tokens::random_token();
        let found = parts(&["theme=dark", &format!("a=b; {COOKIE}={token}; c=d")]);
        assert_eq!(cookie_token(&found, COOKIE), Some(token.as_str()));
        assert_eq!(cookie_token(&parts(&[]), COOKIE), None);
        assert_eq!(cookie_token(&parts(&["gru_session=short"]), COOKIE), None, "not a token's shape");
        assert_eq!(cookie_token(&parts(&[&format!("x{COOKIE}={token}")]), COOKIE), None);
    }

    #[test]
    fn cookies_are_http_only_secure_and_lax() {
        let set = set_cookie("abc");
        assert_eq!(set, "gru_session=abc; HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age=2592000");
        assert!(clear_cookie().to_str().unwrap().contains("Max-Age=0"));
    }
}
