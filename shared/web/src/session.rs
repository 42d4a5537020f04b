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

use crate::platform::WebState;
use crate::problem::Problem;
use crate::session_store::{SessionKind, SessionStore};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use gru_ports::{Clock, Store, StoreError};
use jiff::SignedDuration;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The name of the session cookie.
pub const COOKIE: &str = "gru_session";
/// The longest a session lasts, whatever its use (also the cookie's `Max-Age`).
const LIFETIME: SignedDuration = SignedDuration::from_hours(30 * 24);

/// How citizens' sessions are kept.
static KIND: SessionKind = SessionKind {
    key_prefix: "SESSION#",
    owner_prefix: "ACCOUNT#",
    lifetime: LIFETIME,
    // A session unused for this long has ended.
    idle_limit: SignedDuration::from_hours(2 * 24),
    // `last_seen` is rewritten at most this often: the idle limit is
    // counted in days, so finer tracking would only cost a write per request.
    refresh_every: SignedDuration::from_mins(10),
    what: "session",
    a_what: "a session",
};

/// What a session knows of its citizen (stored beside its times, as
/// `{account_id, email, created_at, last_seen}`).
#[derive(Clone, Serialize, Deserialize)]
struct Owner {
    account_id: String,
    email: String,
}

/// The sessions of every account, in the store. The extractors find it in
/// the router state's [`crate::Shared`] pieces ([`WebState`]).
#[derive(Clone)]
pub struct Sessions {
    sessions: SessionStore<Owner>,
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
        Self { sessions: SessionStore::new(store, clock, &KIND) }
    }

    /// Opens a session for the account and returns its token, to be sent
    /// once in the cookie ([`set_cookie`]).
    pub async fn start(&self, account_id: &str, email: &str) -> Result<String, StoreError> {
        let owner = Owner { account_id: account_id.to_owned(), email: email.to_owned() };
        self.sessions.start(account_id, owner).await
    }

    /// The citizen whose session `token` opens, if it is still live. Marks
    /// the session as used (at most every 10 minutes); a session past its
    /// end is removed.
    pub async fn find(&self, token: &str) -> Result<Option<Citizen>, StoreError> {
        let owner = self.sessions.find(token).await?;
        Ok(owner.map(|Owner { account_id, email }| Citizen { account_id, email, token: token.into() }))
    }

    /// Ends the session `token` opens (nothing happens if it has ended already).
    pub async fn end(&self, token: &str) -> Result<(), StoreError> {
        self.sessions.end(token).await
    }

    /// Ends every session of the account, except the one `except` opens
    /// (the citizen's current session, after a password change).
    pub async fn end_all(&self, account_id: &str, except: Option<&str>) -> Result<(), StoreError> {
        self.sessions.end_all(account_id, except).await
    }
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
    S: WebState,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Some(token) = cookie_token(parts, COOKIE) else {
            return Ok(Self(None));
        };
        let citizen = state.shared().sessions.find(token).await.map_err(Problem::internal)?;
        Ok(Self(citizen))
    }
}

impl<S> FromRequestParts<S> for Citizen
where
    S: WebState,
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
    use crate::tokens;

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
