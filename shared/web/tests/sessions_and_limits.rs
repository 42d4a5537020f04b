//! Sessions and rate limits on the SQLite store, with a clock the tests move.

use axum::extract::FromRequestParts;
use axum::http::{Request, StatusCode, header};
use gru_embedded::SqliteStore;
use gru_ports::{Clock, FixedClock, Store};
use gru_web::session::COOKIE;
use gru_web::{Citizen, MaybeCitizen, RateLimiter, Sessions};
use gru_web::{Platform, Shared};
use jiff::SignedDuration;
use std::sync::Arc;

struct Fixture {
    store: Arc<dyn Store>,
    clock: Arc<FixedClock>,
    _dir: tempfile::TempDir,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("web.db")).unwrap();
    let clock = Arc::new(FixedClock::new("2027-03-01T09:00:00Z".parse().unwrap()));
    Fixture { store: Arc::new(store), clock, _dir: dir }
}

impl Fixture {
    /// What a router's state shares, on the fixture's store and clock.
    fn shared(&self) -> Shared {
        Shared::new(&Platform::with_defaults(self.store.clone(), self.clock.clone(), "https://essai.example"))
    }

    fn sessions(&self) -> Sessions {
        Sessions::new(self.store.clone(), self.clock.clone() as Arc<dyn Clock>)
    }

    fn limiter(&self) -> RateLimiter {
        RateLimiter::new(self.store.clone(), self.clock.clone() as Arc<dyn Clock>)
    }
}

/// The citizen a request with `token` in its cookie is, through the extractors.
async fn citizen(state: &Shared, token: &str) -> Result<Citizen, StatusCode> {
    let request = Request::builder().header(header::COOKIE, format!("{COOKIE}={token}")).body(()).unwrap();
    let (mut parts, ()) = request.into_parts();
    let maybe = MaybeCitizen::from_request_parts(&mut parts, state).await.map_err(|p| p.status_code())?;
    let citizen = Citizen::from_request_parts(&mut parts, state).await.map_err(|p| p.status_code())?;
    assert_eq!(maybe.0.map(|c| c.account_id), Some(citizen.account_id.clone()));
    Ok(citizen)
}

#[tokio::test]
async fn a_session_identifies_its_citizen_until_it_ends() {
    let fixture = fixture();
    let sessions = fixture.sessions();
    let token = sessions.start("acc1", "anne@example.fr").await.unwrap();
    let found = citizen(&fixture.shared(), &token).await.unwrap();
    assert_eq!((found.account_id.as_str(), found.email.as_str()), ("acc1", "anne@example.fr"));
    assert_eq!(found.token, token);

    sessions.end(&token).await.unwrap();
    assert_eq!(citizen(&fixture.shared(), &token).await.err(), Some(StatusCode::UNAUTHORIZED));
    let request = Request::builder().body(()).unwrap();
    let (mut parts, ()) = request.into_parts();
    assert!(MaybeCitizen::from_request_parts(&mut parts, &fixture.shared()).await.unwrap().0.is_none());
}

#[tokio::test]
async fn an_idle_session_ends_after_two_days_and_use_keeps_it_alive() {
    let fixture = fixture();
    let sessions = fixture.sessions();
    let used = sessions.start("acc1", "anne@example.fr").await.unwrap();
    let idle = sessions.start("acc1", "anne@example.fr").await.unwrap();
    for _ in 0..3 {
        fixture.clock.advance(SignedDuration::from_hours(40));
        assert!(citizen(&fixture.shared(), &used).await.is_ok(), "used every 40 hours");
    }
    assert_eq!(citizen(&fixture.shared(), &idle).await.err(), Some(StatusCode::UNAUTHORIZED));
}

#[tokio::test]
async fn a_session_ends_after_thirty_days_however_used() {
    let fixture = fixture();
    let sessions = fixture.sessions();
    let token = sessions.start("acc1", "anne@example.fr").await.unwrap();
    for _ in 0..29 {
        fixture.clock.advance(SignedDuration::from_hours(24));
        assert!(citizen(&fixture.shared(), &token).await.is_ok());
    }
    fixture.clock.advance(SignedDuration::from_hours(24));
    assert_eq!(citizen(&fixture.shared(), &token).await.err(), Some(StatusCode::UNAUTHORIZED));
}

#[tokio::test]
async fn ending_all_sessions_can_keep_the_current_one() {
    let fixture = fixture();
    let sessions = fixture.sessions();
    let current = sessions.start("acc1", "anne@example.fr").await.unwrap();
    let other = sessions.start("acc1", "anne@example.fr").await.unwrap();
    let someone_else = sessions.start("acc2", "paul@example.fr").await.unwrap();

    sessions.end_all("acc1", Some(&current)).await.unwrap();
    assert!(citizen(&fixture.shared(), &current).await.is_ok());
    assert!(citizen(&fixture.shared(), &other).await.is_err());
    sessions.end_all("acc1", None).await.unwrap();
    assert!(citizen(&fixture.shared(), &current).await.is_err());
    assert!(citizen(&fixture.shared(), &someone_else).await.is_ok(), "other accounts are untouched");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_hits_are_all_counted() {
    let fixture = fixture();
    let limiter = fixture.limiter();
    let window = SignedDuration::from_mins(15);
    let hits = (0..20).map(|_| {
        let limiter = limiter.clone();
        tokio::spawn(async move { limiter.hit("signin-email", "anne@example.fr", 10, window).await })
    });
    let mut allowed = 0;
    for hit in hits.collect::<Vec<_>>() {
        match hit.await.unwrap() {
            Ok(()) => allowed += 1,
            Err(problem) => {
                assert_eq!(problem.status, 429);
                assert_eq!(problem.kind, "urn:gru:problem:rate-limited");
            }
        }
    }
    assert_eq!(allowed, 10);
}

#[tokio::test]
async fn limits_are_per_subject_and_window() {
    let fixture = fixture();
    let limiter = fixture.limiter();
    let hour = SignedDuration::from_hours(1);
    // 09:00 is a window start: the next opens in an hour.
    for _ in 0..2 {
        limiter.hit("reset", "anne@example.fr", 2, hour).await.unwrap();
    }
    fixture.clock.advance(SignedDuration::from_mins(20));
    let refused = limiter.hit("reset", "anne@example.fr", 2, hour).await.unwrap_err();
    assert_eq!(refused.retry_after, Some(40 * 60));
    assert!(refused.detail.contains("40 minutes"), "{}", refused.detail);
    assert!(!refused.detail.contains("anne"), "no personal data in the answer");
    limiter.hit("reset", "paul@example.fr", 2, hour).await.unwrap();
    limiter.hit("link", "anne@example.fr", 2, hour).await.unwrap();
    fixture.clock.advance(SignedDuration::from_mins(40));
    limiter.hit("reset", "anne@example.fr", 2, hour).await.unwrap();
}
