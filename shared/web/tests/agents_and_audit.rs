//! Agents' sessions and the audit trail on the SQLite store, with a clock
//! the tests move.

use axum::extract::FromRequestParts;
use axum::http::{Request, StatusCode, header};
use gru_embedded::SqliteStore;
use gru_ports::{Clock, Condition, FixedClock, Item, Key, Store, StoreError, TransactOp};
use gru_web::agent::{AgentSnapshot, COOKIE};
use gru_web::audit::{DEFAULT_KEEP, SYSTEM_ID};
use gru_web::{Agent, AgentSessions, AuditTrail, Role, Sessions};
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

    fn sessions(&self) -> AgentSessions {
        AgentSessions::new(self.store.clone(), self.clock.clone() as Arc<dyn Clock>)
    }

    fn trail(&self) -> AuditTrail {
        AuditTrail::new(self.store.clone(), self.clock.clone() as Arc<dyn Clock>, DEFAULT_KEEP)
    }
}

fn claire() -> AgentSnapshot {
    AgentSnapshot {
        id: "agent-1".into(),
        name: "Claire Martin".into(),
        email: "claire.martin@belleval.fr".into(),
        role: Role::Agent,
        services: vec!["etat-civil".into()],
    }
}

/// The agent a request with `cookie` is, through the extractor.
async fn agent_with_cookie(state: &Shared, cookie: &str) -> Result<Agent, StatusCode> {
    let request = Request::builder().header(header::COOKIE, cookie).body(()).unwrap();
    let (mut parts, ()) = request.into_parts();
    Agent::from_request_parts(&mut parts, state).await.map_err(|p| p.status_code())
}

async fn agent(state: &Shared, token: &str) -> Result<Agent, StatusCode> {
    agent_with_cookie(state, &format!("{COOKIE}={token}")).await
}

#[tokio::test]
async fn a_session_identifies_its_agent_until_it_ends() {
    let fixture = fixture();
    let sessions = fixture.sessions();
    let token = sessions.start(&claire()).await.unwrap();
    let found = agent(&fixture.shared(), &token).await.unwrap();
    assert_eq!((found.id.as_str(), found.name.as_str()), ("agent-1", "Claire Martin"));
    assert_eq!(
        (found.role, found.services.clone(), found.token.clone()),
        (Role::Agent, claire().services, token.clone())
    );
    assert!(found.snapshot() == claire());

    sessions.end(&token).await.unwrap();
    assert_eq!(agent(&fixture.shared(), &token).await.err(), Some(StatusCode::UNAUTHORIZED));
    assert_eq!(
        agent_with_cookie(&fixture.shared(), "theme=dark").await.err(),
        Some(StatusCode::UNAUTHORIZED)
    );
}

#[tokio::test]
async fn citizens_and_agents_sessions_do_not_open_each_other() {
    let fixture = fixture();
    let citizens = Sessions::new(fixture.store.clone(), fixture.clock.clone() as Arc<dyn Clock>);
    let citizen_token = citizens.start("acc1", "anne@example.fr").await.unwrap();
    let agents = fixture.sessions();
    assert_eq!(agent(&fixture.shared(), &citizen_token).await.err(), Some(StatusCode::UNAUTHORIZED));
    let agent_token = agents.start(&claire()).await.unwrap();
    assert!(citizens.find(&agent_token).await.unwrap().is_none());
    let both = format!("gru_session={citizen_token}; {COOKIE}={agent_token}");
    assert_eq!(agent_with_cookie(&fixture.shared(), &both).await.unwrap().id, "agent-1");
}

#[tokio::test]
async fn a_session_ends_after_thirty_idle_minutes_and_use_keeps_it_alive() {
    let fixture = fixture();
    let sessions = fixture.sessions();
    let used = sessions.start(&claire()).await.unwrap();
    let idle = sessions.start(&claire()).await.unwrap();
    for _ in 0..3 {
        fixture.clock.advance(SignedDuration::from_mins(25));
        assert!(agent(&fixture.shared(), &used).await.is_ok(), "used every 25 minutes");
    }
    assert_eq!(agent(&fixture.shared(), &idle).await.err(), Some(StatusCode::UNAUTHORIZED));
    fixture.clock.advance(SignedDuration::from_mins(31));
    assert_eq!(agent(&fixture.shared(), &used).await.err(), Some(StatusCode::UNAUTHORIZED));
}

#[tokio::test]
async fn a_session_ends_after_twelve_hours_however_used() {
    let fixture = fixture();
    let sessions = fixture.sessions();
    let token = sessions.start(&claire()).await.unwrap();
    for _ in 0..47 {
        fixture.clock.advance(SignedDuration::from_mins(15));
        assert!(agent(&fixture.shared(), &token).await.is_ok());
    }
    fixture.clock.advance(SignedDuration::from_mins(15));
    assert_eq!(agent(&fixture.shared(), &token).await.err(), Some(StatusCode::UNAUTHORIZED));
}

#[tokio::test]
async fn ending_every_session_of_an_agent_leaves_the_others() {
    let fixture = fixture();
    let sessions = fixture.sessions();
    let first = sessions.start(&claire()).await.unwrap();
    let second = sessions.start(&claire()).await.unwrap();
    let colleague = AgentSnapshot { id: "agent-2".into(), name: "Paul Durand".into(), ..claire() };
    let other = sessions.start(&colleague).await.unwrap();
    sessions.end_all("agent-1").await.unwrap();
    assert!(agent(&fixture.shared(), &first).await.is_err());
    assert!(agent(&fixture.shared(), &second).await.is_err());
    assert_eq!(agent(&fixture.shared(), &other).await.unwrap().name, "Paul Durand");
}

#[tokio::test]
async fn a_session_opened_in_a_failed_transaction_does_not_exist() {
    let fixture = fixture();
    let sessions = fixture.sessions();
    let (token, op) = sessions.open(&claire()).unwrap();
    let missing = TransactOp::Check { key: Key::new("NOTHING", "HERE"), condition: Condition::Exists };
    let failed = fixture.store.transact(vec![op, missing]).await;
    assert!(matches!(failed, Err(StoreError::ConditionFailed)));
    assert!(agent(&fixture.shared(), &token).await.is_err());
}

#[tokio::test]
async fn the_audit_trail_is_read_by_day_and_by_request() {
    let fixture = fixture();
    let sessions = fixture.sessions();
    let token = sessions.start(&claire()).await.unwrap();
    let claire = agent(&fixture.shared(), &token).await.unwrap();
    let trail = fixture.trail();

    trail.record(&claire, "request.read", Some("ABCD-2345"), None).await.unwrap();
    fixture.clock.advance(SignedDuration::from_mins(5));
    let target = Key::new("REQUEST#ABCD-2345", "REQUEST");
    let change =
        TransactOp::Put { item: Item::new(target, serde_json::json!({})), condition: Condition::NotExists };
    let entry = trail.entry(&claire, "request.transition", Some("ABCD-2345"), Some("in_review"));
    fixture.store.transact(vec![change, entry]).await.unwrap();
    fixture.clock.advance(SignedDuration::from_mins(1));
    trail.record(&claire, "agent.signout", None, None).await.unwrap();
    fixture.clock.advance(SignedDuration::from_mins(1));
    fixture.store.transact(vec![trail.system_entry("agent.create", None, Some("agent-9"))]).await.unwrap();
    fixture.clock.advance(SignedDuration::from_mins(1));
    trail.record(&claire, "request.read", Some("WXYZ-6789"), None).await.unwrap();

    let day = trail.day("2027-03-01".parse().unwrap()).await.unwrap();
    let actions: Vec<&str> = day.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["request.read", "request.transition", "agent.signout", "agent.create", "request.read"]
    );
    assert_eq!((day[0].agent_id.as_str(), day[0].agent_name.as_str()), ("agent-1", "Claire Martin"));
    assert_eq!(day[1].at, "2027-03-01T09:05:00Z".parse().unwrap());
    assert_eq!(day[1].detail.as_deref(), Some("in_review"));
    assert_eq!(day[3].agent_id, SYSTEM_ID);
    assert!(trail.day("2027-03-02".parse().unwrap()).await.unwrap().is_empty());

    let request = trail.of_request("ABCD-2345").await.unwrap();
    let actions: Vec<&str> = request.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["request.read", "request.transition"]);
}

#[tokio::test]
async fn an_action_that_fails_leaves_no_entry_and_entries_expire_after_a_year() {
    let fixture = fixture();
    let sessions = fixture.sessions();
    let claire = agent(&fixture.shared(), &sessions.start(&claire()).await.unwrap()).await.unwrap();
    let trail = fixture.trail();
    let stale =
        TransactOp::Check { key: Key::new("REQUEST#ABCD-2345", "REQUEST"), condition: Condition::Version(3) };
    let entry = trail.entry(&claire, "request.transition", Some("ABCD-2345"), None);
    assert!(fixture.store.transact(vec![stale, entry]).await.is_err());
    assert!(trail.of_request("ABCD-2345").await.unwrap().is_empty());

    let TransactOp::Put { item, .. } = trail.entry(&claire, "request.read", None, None) else {
        panic!("an entry is a put");
    };
    let a_year = fixture.clock.now() + DEFAULT_KEEP;
    assert_eq!(item.expires_at, Some(a_year.as_second()));
    assert!(item.index_key.is_none(), "only entries about a request are indexed");
}
