//! What the tracking tests share: the router on a store with the fixture
//! city imported, a clock that only moves when told, agents signed in,
//! requests seeded as a submission writes them, and calls with an agent's
//! cookie.

#![allow(dead_code)] // Each test file uses its own part of it.

use axum::Router;
use axum::body::Body;
use gru_domain::request::Phase;
use gru_domain::request::{Assignee, Draft, HistoryEntry, HistoryKind, Request};
use gru_domain::workflow::{Deadline, Workflow};
use gru_ports::store::query_all;
use gru_ports::{FixedClock, Query, Store};
use gru_records::requests::{Repository, Submission, Versioned};
use gru_web::Platform;
use gru_web::Role;
use gru_web::agent::{AgentSessions, AgentSnapshot};
use http::Request as HttpRequest;
use http_body_util::BodyExt;
use jiff::Timestamp;
use jiff::civil::Date;
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tower::ServiceExt;

/// Monday 15 March 2027, 10:00 in Paris: "now" in every test.
pub const NOW: &str = "2027-03-15T09:00:00Z";

pub struct World {
    pub store: Arc<dyn Store>,
    pub app: Router,
    pub clock: Arc<FixedClock>,
    pub repository: Repository,
    references: AtomicUsize,
    _dir: Option<tempfile::TempDir>,
}

/// The world on a fresh SQLite store.
pub async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(gru_embedded::SqliteStore::open(&dir.path().join("portal.db")).unwrap());
    world_on(store, Some(dir)).await
}

/// The world on `store` (kept alive with `dir`, if any).
pub async fn world_on(store: Arc<dyn Store>, dir: Option<tempfile::TempDir>) -> World {
    let city_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/tracking-city");
    let city = gru_domain::city_files::load(&city_dir).expect("the fixture city is valid");
    gru_records::catalogue::CatalogueRepository::new(store.clone()).import(&city, "fixture").await.unwrap();
    let clock = Arc::new(FixedClock::new(NOW.parse().unwrap()));
    let app =
        tracking::router(&Platform::with_defaults(store.clone(), clock.clone(), "https://essai.example"));
    World {
        repository: Repository::new(store.clone()),
        store,
        app,
        clock,
        references: AtomicUsize::new(0),
        _dir: dir,
    }
}

/// A request to seed, as a submission (or an agent's later changes) left it.
pub struct Seed<'a> {
    pub service: &'a str,
    pub email: &'a str,
    pub name: Option<&'a str>,
    pub channel: &'a str,
    /// The day it was submitted (its deadline starts then), at 08:00 UTC.
    pub submitted_on: &'a str,
    /// The status it is at; its workflow's first when `None`.
    pub status: Option<&'a str>,
    pub assignee: Option<(&'a str, &'a str)>,
    /// The day its deadline was paused, if it waits for the citizen.
    pub paused_since: Option<&'a str>,
}

impl Default for Seed<'_> {
    fn default() -> Self {
        Self {
            service: "etat-civil",
            email: "anne@example.fr",
            name: Some("Anne Dupont"),
            channel: "online",
            submitted_on: "2027-03-15",
            status: None,
            assignee: None,
            paused_since: None,
        }
    }
}

/// A reference of the right shape, different for each call: `TEST-2222`, `TEST-2223`, ...
fn reference(n: usize) -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    let mut n = n;
    let mut tail = Vec::new();
    for _ in 0..4 {
        tail.push(ALPHABET[n % ALPHABET.len()] as char);
        n /= ALPHABET.len();
    }
    format!("TEST-{}", tail.into_iter().rev().collect::<String>())
}

impl World {
    /// A session for an agent who needs no account (no colleague lists).
    pub async fn agent(&self, role: Role, services: &[&str]) -> Signed {
        let id = format!("agent-{}", self.references.fetch_add(1, Ordering::SeqCst));
        self.session(&id, &format!("Agent {id}"), role, services).await
    }

    /// An agent with an account in the directory, and a session.
    pub async fn enrolled(&self, name: &str, role: Role, services: &[&str]) -> Signed {
        let email = format!("{}@mairie.example", name.to_lowercase().replace(' ', "."));
        let credentials = accounts::agents::enrol(
            self.store.clone(),
            self.clock.clone(),
            "https://essai.example",
            accounts::agents::NewAgent {
                email,
                name: name.to_owned(),
                role,
                services: services.iter().map(|s| (*s).to_owned()).collect(),
            },
        )
        .await
        .unwrap();
        self.session(&credentials.agent.id, name, role, services).await
    }

    async fn session(&self, id: &str, name: &str, role: Role, services: &[&str]) -> Signed {
        let sessions = AgentSessions::new(self.store.clone(), self.clock.clone());
        let token = sessions
            .start(&AgentSnapshot {
                id: id.to_owned(),
                name: name.to_owned(),
                email: format!("{id}@mairie.example"),
                role,
                services: services.iter().map(|s| (*s).to_owned()).collect(),
            })
            .await
            .unwrap();
        Signed { id: id.to_owned(), name: name.to_owned(), token }
    }

    pub async fn workflow(&self, service: &str) -> Workflow {
        gru_records::catalogue::CatalogueRepository::new(self.store.clone())
            .workflow_of(service)
            .await
            .unwrap()
    }

    /// Writes a request as a submission does (request, citizen's list
    /// entry, tracking link), in the state `seed` says; returns its reference.
    pub async fn seed(&self, seed: Seed<'_>) -> String {
        let reference = reference(self.references.fetch_add(1, Ordering::SeqCst) + 1000);
        let workflow = self.workflow(seed.service).await;
        let day: Date = seed.submitted_on.parse().unwrap();
        let at: Timestamp = format!("{day}T08:00:00Z").parse().unwrap();
        let first = workflow.initial();
        let status = seed.status.map_or(first, |id| workflow.status(id).expect("a status of the workflow"));
        let mut deadline = Deadline::start(day, &workflow, Default::default());
        if let (Some(d), Some(since)) = (deadline.as_mut(), seed.paused_since) {
            d.pause(since.parse().unwrap());
        }
        let mut history = vec![HistoryEntry {
            status: Some(first.id.clone()),
            channel: Some(seed.channel.to_owned()),
            ..HistoryEntry::new(HistoryKind::Submitted, at, first.phase, "citizen")
        }];
        if status.id != first.id {
            history.push(HistoryEntry {
                status: Some(status.id.clone()),
                ..HistoryEntry::new(HistoryKind::Status, at, status.phase, "someone")
            });
        }
        let request = Request {
            reference: reference.clone(),
            service: seed.service.to_owned(),
            service_title: seed.service.to_owned(),
            form_version: 1,
            answers: serde_json::from_value(serde_json::json!({ "last_name": "Dupont" })).unwrap(),
            documents: vec![],
            email: seed.email.to_owned(),
            account: None,
            citizen_name: seed.name.map(str::to_owned),
            channel: seed.channel.to_owned(),
            phase: status.phase,
            status: status.id.clone(),
            submitted_at: at,
            updated_at: at,
            history,
            case: None,
            assignee: seed.assignee.map(|(id, name)| Assignee { id: id.to_owned(), name: name.to_owned() }),
            deadline: if status.is_final() { None } else { deadline },
            resume_status: (status.phase == Phase::WaitingForCitizen).then(|| "checking".to_owned()),
            decided_due: None,
            open311: None,
            postal_address: None,
        };
        let draft = Draft {
            id: format!("draft-{reference}-xxxxxxxxxxx"),
            service: seed.service.to_owned(),
            form_version: 1,
            answers: request.answers.clone(),
            page: None,
            account: None,
            email: Some(seed.email.to_owned()),
            created_at: at,
            updated_at: at,
            purge_at: at + jiff::SignedDuration::from_hours(24 * 30),
            warn_on: None,
        };
        let version = self.repository.save_draft(&draft, None).await.unwrap();
        self.repository
            .submit(Submission {
                days: gru_tests::demo_days(),
                request: &request,
                draft: &Versioned { value: draft, version },
                tracking_hash: &gru_web::tokens::hash(&reference),
                email_key: &gru_web::tokens::email_key(seed.email),
                idempotency: None,
                code_version: None,
                keep_idempotency_until: at,
                files: vec![],
            })
            .await
            .unwrap();
        reference
    }

    /// The request as stored, with its version.
    pub async fn stored(&self, reference: &str) -> Versioned<Request> {
        self.repository.request_versioned(reference).await.unwrap().expect("the request exists")
    }

    /// Calls the router as `agent` (anonymous with `None`).
    pub async fn call(
        &self,
        agent: Option<&Signed>,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        call(&self.app, agent, method, path, body).await
    }

    /// The emails waiting in the outbox: `(to, subject, text)`.
    pub async fn outbox(&self) -> Vec<(String, String, String)> {
        query_all(self.store.as_ref(), Query::partition(gru_outbox::PARTITION))
            .await
            .unwrap()
            .into_iter()
            .map(|item| {
                let email = &item.data["email"];
                let text = |field: &str| email[field].as_str().unwrap_or_default().to_owned();
                (text("to"), text("subject"), text("text"))
            })
            .collect()
    }
}

/// A signed-in agent: their id, name and session token.
#[derive(Clone)]
pub struct Signed {
    pub id: String,
    pub name: String,
    pub token: String,
}

/// Calls `app` as `agent` (anonymous with `None`), with the CSRF header.
pub async fn call(
    app: &Router,
    agent: Option<&Signed>,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request =
        HttpRequest::builder().method(method).uri(format!("/api/tracking{path}")).header("x-gru-csrf", "1");
    if let Some(agent) = agent {
        request = request.header("cookie", format!("gru_agent={}", agent.token));
    }
    let body = match body {
        Some(body) => {
            request = request.header("content-type", "application/json");
            Body::from(body.to_string())
        }
        None => Body::empty(),
    };
    let response = app.clone().oneshot(request.body(body).unwrap()).await.unwrap();
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}
