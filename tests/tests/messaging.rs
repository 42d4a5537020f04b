//! The thread of a request through the routers, on the embedded SQLite
//! store: a request submitted by a signed-in citizen through the
//! submissions router, agents signed in with sessions of their own, the
//! request moved by the tracking router, and emails delivered from the
//! outbox to a mailer that keeps them.

use async_trait::async_trait;
use axum::Router;
use axum::body::Body;
use gru_embedded::SqliteStore;
use gru_ports::{Clock, Email, Mailer, MailerError, Store, SystemClock};
use gru_web::Platform;
use gru_web::agent::{AgentSessions, AgentSnapshot, Role};
use gru_web::session::Sessions;
use http::Request;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use std::path::Path;
use std::sync::{Arc, Mutex};
use tower::ServiceExt;

const URL: &str = "https://essai.example";
const SERVICE: &str = "demande-simple";

/// A mailer that keeps what it is given.
#[derive(Default)]
struct Kept(Mutex<Vec<Email>>);

#[async_trait]
impl Mailer for Kept {
    async fn send(&self, email: &Email) -> Result<String, MailerError> {
        self.0.lock().unwrap().push(email.clone());
        Ok("kept".into())
    }
}

struct World {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    app: Router,
    mailer: Arc<Kept>,
    files: Arc<gru_embedded::LocalFiles>,
    _dir: tempfile::TempDir,
}

/// A signed-in agent: their session cookie, id and address.
struct SignedAgent {
    cookie: String,
    id: String,
    email: String,
}

/// A submitted request: its reference and tracking token.
struct Submitted {
    reference: String,
    token: String,
}

impl World {
    async fn new() -> World {
        World::build(|store| store, Arc::new(SystemClock)).await
    }

    /// The world on the SQLite store as `wrap` returns it, on `clock`.
    async fn build(wrap: impl FnOnce(Arc<dyn Store>) -> Arc<dyn Store>, clock: Arc<dyn Clock>) -> World {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.path().join("portal.db")).unwrap());
        let store = wrap(store);
        let city_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/messaging-city");
        let city = gru_domain::city_files::load(&city_dir).expect("the fixture city is valid");
        gru_records::catalogue::CatalogueRepository::new(store.clone())
            .import(&city, "fixture")
            .await
            .unwrap();
        let mailer = Arc::new(Kept::default());
        let files = Arc::new(gru_embedded::LocalFiles::new(
            dir.path().join("files"),
            URL.into(),
            [7; 32],
            clock.clone(),
        ));
        let platform = Platform::with_defaults(store.clone(), clock.clone(), URL);
        let app = Router::new()
            .merge(messaging::router(&platform))
            .merge(submissions::router(&platform, mailer.clone()))
            .merge(tracking::router(&platform))
            .merge(attachments::router(&platform, files.clone(), None))
            .merge(gru_embedded::files::router(files.clone()));
        World { store, clock, app, mailer, files, _dir: dir }
    }

    /// A file for the request's thread, uploaded by its citizen through the
    /// attachments function (grant, upload to storage, confirmation).
    async fn thread_file(&self, cookie: &str, reference: &str, name: &str, bytes: &[u8]) -> Value {
        let announced = json!({ "name": name, "type": "application/pdf", "size": bytes.len() });
        let (status, grant) = self
            .call(
                "POST",
                &format!("/api/attachments/requests/{reference}/thread-files"),
                Some(cookie),
                Some(announced),
            )
            .await;
        assert_eq!(status, 201, "{grant}");
        let url = grant["upload"]["url"].as_str().unwrap().strip_prefix(URL).unwrap();
        let mut upload = Request::put(url);
        for header in grant["upload"]["headers"].as_array().unwrap() {
            upload = upload.header(header[0].as_str().unwrap(), header[1].as_str().unwrap());
        }
        let response =
            self.app.clone().oneshot(upload.body(Body::from(bytes.to_vec())).unwrap()).await.unwrap();
        assert!(response.status().is_success(), "{}", response.status());
        let id = grant["file"]["id"].as_str().unwrap();
        let confirm = format!("/api/attachments/requests/{reference}/thread-files/{id}/confirm");
        let (status, file) = self.call("POST", &confirm, Some(cookie), None).await;
        assert_eq!(status, 200, "{file}");
        file
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        cookie: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let (status, _, body) = self.send(method, path, cookie, body, None).await;
        (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
    }

    /// A call from the client address `from` (as the portal's TCP peer),
    /// answered with its headers and its body's bytes.
    async fn send(
        &self,
        method: &str,
        path: &str,
        cookie: Option<&str>,
        body: Option<Value>,
        from: Option<&str>,
    ) -> (u16, http::HeaderMap, Vec<u8>) {
        let mut request = Request::builder().method(method).uri(path).header("x-gru-csrf", "1");
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        if let Some(from) = from {
            let peer = std::net::SocketAddr::new(from.parse().unwrap(), 4242);
            request = request.extension(axum::extract::ConnectInfo(peer));
        }
        let body = match body {
            Some(body) => {
                request = request.header("content-type", "application/json");
                Body::from(body.to_string())
            }
            None => Body::empty(),
        };
        let response = self.app.clone().oneshot(request.body(body).unwrap()).await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, headers, bytes.to_vec())
    }

    /// A citizen's message from the client address `from`: the status and
    /// the problem's type, if refused.
    async fn message_from(&self, from: &str, path: &str, cookie: Option<&str>, body: Value) -> (u16, Value) {
        let (status, _, body) = self.send("POST", path, cookie, Some(body), Some(from)).await;
        (status, serde_json::from_slice::<Value>(&body).unwrap()["type"].clone())
    }

    /// The inbox row of `reference`, as `agent` sees it.
    async fn inbox_row(&self, agent: &SignedAgent, reference: &str) -> Value {
        let (status, page) = self.call("GET", "/api/tracking/inbox", Some(&agent.cookie), None).await;
        assert_eq!(status, 200, "{page}");
        page["requests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|row| row["reference"] == reference)
            .cloned()
            .unwrap_or_else(|| panic!("{reference} in the inbox: {page}"))
    }

    /// A citizen's session cookie.
    async fn citizen(&self, email: &str) -> String {
        let token = Sessions::new(self.store.clone(), self.clock.clone()).start(email, email).await.unwrap();
        format!("gru_session={token}")
    }

    /// An agent's account and session.
    async fn agent(&self, email: &str, name: &str, services: &[&str]) -> SignedAgent {
        let new = accounts::agents::NewAgent {
            email: email.into(),
            name: name.into(),
            role: Role::Agent,
            services: services.iter().map(|s| (*s).to_owned()).collect(),
        };
        let agent =
            accounts::agents::enrol(self.store.clone(), self.clock.clone(), URL, new).await.unwrap().agent;
        let snapshot = AgentSnapshot {
            id: agent.id.clone(),
            name: agent.name.clone(),
            email: agent.email.clone(),
            role: agent.role,
            services: agent.services.clone(),
        };
        let token =
            AgentSessions::new(self.store.clone(), self.clock.clone()).start(&snapshot).await.unwrap();
        SignedAgent { cookie: format!("gru_agent={token}"), id: agent.id, email: agent.email }
    }

    /// A request submitted by the citizen of `cookie`, its confirmation
    /// email delivered and forgotten.
    async fn request(&self, cookie: &str) -> Submitted {
        let (status, draft) = self
            .call("POST", "/api/submissions/drafts", Some(cookie), Some(json!({ "service": SERVICE })))
            .await;
        assert_eq!(status, 201, "{draft}");
        let id = draft["id"].as_str().unwrap();
        let answers = json!({ "answers": { "last_name": "Martin" }, "page": "identity", "version": 1 });
        let (status, body) =
            self.call("PUT", &format!("/api/submissions/drafts/{id}"), Some(cookie), Some(answers)).await;
        assert_eq!(status, 200, "{body}");
        let (status, receipt) = self
            .call("POST", &format!("/api/submissions/drafts/{id}/submit"), Some(cookie), Some(json!({})))
            .await;
        assert_eq!(status, 201, "{receipt}");
        self.delivered().await;
        let token = receipt["tracking_url"].as_str().unwrap().rsplit('#').next().unwrap().to_owned();
        Submitted { reference: receipt["reference"].as_str().unwrap().to_owned(), token }
    }

    /// The emails delivered from the outbox since the last call.
    async fn delivered(&self) -> Vec<Email> {
        gru_outbox::Outbox::new(
            self.store.clone(),
            self.mailer.clone(),
            self.files.clone(),
            self.clock.clone(),
        )
        .deliver_due()
        .await
        .unwrap();
        std::mem::take(&mut *self.mailer.0.lock().unwrap())
    }

    /// The thread's counters as stored.
    async fn state(&self, reference: &str) -> messaging::thread::ThreadState {
        messaging::repository::ThreadRepository::new(self.store.clone()).state(reference).await.unwrap().state
    }

    async fn stored_request(&self, reference: &str) -> gru_domain::request::Request {
        gru_records::requests::Repository::new(self.store.clone()).request(reference).await.unwrap().unwrap()
    }

    async fn unread(&self, cookie: &str) -> Value {
        let (status, body) = self.call("GET", "/api/messaging/unread", Some(cookie), None).await;
        assert_eq!(status, 200, "{body}");
        body
    }
}

fn citizen_thread(reference: &str) -> String {
    format!("/api/messaging/requests/{reference}/thread")
}

fn agent_thread(reference: &str) -> String {
    format!("/api/messaging/agent/requests/{reference}/thread")
}

fn texts(thread: &Value) -> Vec<&str> {
    thread["messages"].as_array().unwrap().iter().map(|m| m["text"].as_str().unwrap()).collect()
}

fn new_flags(thread: &Value) -> Vec<bool> {
    thread["messages"].as_array().unwrap().iter().map(|m| m["new"].as_bool().unwrap()).collect()
}

#[tokio::test]
async fn a_conversation_goes_both_ways_with_unread_counts_on_each_side() {
    let world = World::new().await;
    let anne = world.citizen("anne@essai.example").await;
    let claire = world.agent("claire@mairie.example", "Claire Martin", &[SERVICE]).await;
    let request = world.request(&anne).await;
    let reference = request.reference.as_str();

    let (status, posted) = world
        .call(
            "POST",
            &citizen_thread(reference),
            Some(&anne),
            Some(json!({ "text": "Bonjour, où en est ma demande ?" })),
        )
        .await;
    assert_eq!(status, 201, "{posted}");
    assert_eq!(posted["message"]["author"], json!({ "kind": "citizen" }));
    assert_eq!(posted["phase"], "submitted");
    assert_eq!(world.state(reference).await.agents_unread, 1);
    assert!(world.delivered().await.is_empty(), "no agent has the request yet: nobody to email");

    // The agent reads it: new to them, and read afterwards.
    let (status, thread) = world.call("GET", &agent_thread(reference), Some(&claire.cookie), None).await;
    assert_eq!(status, 200, "{thread}");
    assert_eq!(texts(&thread), ["Bonjour, où en est ma demande ?"]);
    assert_eq!(new_flags(&thread), [true]);
    assert_eq!(world.state(reference).await.agents_unread, 0);
    let (_, again) = world.call("GET", &agent_thread(reference), Some(&claire.cookie), None).await;
    assert_eq!(new_flags(&again), [false]);

    // Two answers: the citizen has two unread messages and two emails.
    for text in ["Nous l'examinons.", "Réponse sous huit jours."] {
        let (status, posted) = world
            .call("POST", &agent_thread(reference), Some(&claire.cookie), Some(json!({ "text": text })))
            .await;
        assert_eq!(status, 201, "{posted}");
        assert_eq!(posted["message"]["author"]["name"], "Claire Martin");
        assert_eq!(posted["message"]["internal"], false);
    }
    assert_eq!(world.unread(&anne).await, json!({ reference: 2 }));
    let emails = world.delivered().await;
    assert_eq!(emails.len(), 2);
    for email in &emails {
        assert_eq!(email.to, "anne@essai.example");
        assert!(email.subject.contains(reference), "{}", email.subject);
        assert!(email.text.contains(&format!("{URL}/suivi.html")), "a link: {}", email.text);
        assert!(!email.text.contains("examinons") && !email.text.contains("huit jours"), "never the text");
    }

    // The citizen reads: the agent's two messages are new, then read.
    let (status, thread) = world.call("GET", &citizen_thread(reference), Some(&anne), None).await;
    assert_eq!(status, 200, "{thread}");
    assert_eq!(
        texts(&thread),
        ["Bonjour, où en est ma demande ?", "Nous l'examinons.", "Réponse sous huit jours."]
    );
    assert_eq!(new_flags(&thread), [false, true, true]);
    assert_eq!(
        thread["messages"][1]["author"],
        json!({ "kind": "agent", "name": "Claire Martin" }),
        "no agent id"
    );
    assert_eq!(world.unread(&anne).await, json!({ reference: 0 }));
    let (_, agents_view) = world.call("GET", &agent_thread(reference), Some(&claire.cookie), None).await;
    assert_eq!(agents_view["messages"][2]["read_by_citizen"], true, "the agent sees it was read");

    // The tracking link reads and writes the same thread, as the citizen.
    let (status, tracked) = world
        .call("POST", "/api/messaging/tracking/thread", None, Some(json!({ "token": request.token })))
        .await;
    assert_eq!(status, 200, "{tracked}");
    assert_eq!(texts(&tracked).len(), 3);
    let (status, posted) = world
        .call(
            "POST",
            "/api/messaging/tracking/thread/messages",
            None,
            Some(json!({ "token": request.token, "text": "Merci !" })),
        )
        .await;
    assert_eq!(status, 201, "{posted}");
    let state = world.state(reference).await;
    assert_eq!((state.messages, state.citizen_unread, state.agents_unread), (4, 0, 1));
    let (_, thread) = world.call("GET", &agent_thread(reference), Some(&claire.cookie), None).await;
    assert_eq!(new_flags(&thread), [false, false, false, true]);
}

#[tokio::test]
async fn a_note_stays_with_the_agents() {
    let world = World::new().await;
    let anne = world.citizen("anne@essai.example").await;
    let claire = world.agent("claire@mairie.example", "Claire Martin", &[SERVICE]).await;
    let request = world.request(&anne).await;
    let reference = request.reference.as_str();
    let note = "Note : pièce d'identité à vérifier auprès de la préfecture";

    let (status, posted) = world
        .call(
            "POST",
            &agent_thread(reference),
            Some(&claire.cookie),
            Some(json!({ "text": note, "internal": true })),
        )
        .await;
    assert_eq!(status, 201, "{posted}");
    assert_eq!(posted["message"]["internal"], true);
    assert!(world.delivered().await.is_empty(), "a note is never emailed");
    assert_eq!(world.unread(&anne).await, json!({ reference: 0 }), "nor counted for the citizen");

    let (_, thread) = world.call("GET", &citizen_thread(reference), Some(&anne), None).await;
    assert_eq!(thread["messages"], json!([]));
    let (_, tracked) = world
        .call("POST", "/api/messaging/tracking/thread", None, Some(json!({ "token": request.token })))
        .await;
    assert_eq!(tracked["messages"], json!([]));
    // After a message from the citizen, the note is still nowhere in their answers.
    let (_, posted) =
        world.call("POST", &citizen_thread(reference), Some(&anne), Some(json!({ "text": "Bonjour" }))).await;
    for answer in [posted, thread, tracked] {
        assert!(!answer.to_string().contains("préfecture"), "{answer}");
    }
    let (_, thread) = world.call("GET", &citizen_thread(reference), Some(&anne), None).await;
    assert_eq!(texts(&thread), ["Bonjour"]);

    let (_, agents_view) = world.call("GET", &agent_thread(reference), Some(&claire.cookie), None).await;
    assert_eq!(texts(&agents_view), [note, "Bonjour"]);
    assert_eq!(agents_view["messages"][0]["internal"], true);
}

/// The request's version as the agents' thread gives it.
async fn version(world: &World, agent: &SignedAgent, reference: &str) -> u64 {
    let (status, thread) = world.call("GET", &agent_thread(reference), Some(&agent.cookie), None).await;
    assert_eq!(status, 200, "{thread}");
    thread["version"].as_u64().unwrap()
}

#[tokio::test]
async fn asking_makes_the_request_wait_and_the_answer_moves_it_back() {
    let world = World::new().await;
    let anne = world.citizen("anne@essai.example").await;
    let claire = world.agent("claire@mairie.example", "Claire Martin", &[SERVICE]).await;
    let request = world.request(&anne).await;
    let reference = request.reference.as_str();

    // Claire takes the request and starts reviewing it.
    let v = version(&world, &claire, reference).await;
    let (status, body) = world
        .call(
            "POST",
            &format!("/api/tracking/requests/{reference}/assignee"),
            Some(&claire.cookie),
            Some(json!({ "agent": claire.id, "version": v })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let v = version(&world, &claire, reference).await;
    let (status, body) = world
        .call(
            "POST",
            &format!("/api/tracking/requests/{reference}/transitions"),
            Some(&claire.cookie),
            Some(json!({ "to": "in_review", "version": v })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    world.delivered().await;
    let before = world.stored_request(reference).await.history.len();

    // She asks for a document: the request waits for the citizen.
    let (_, thread) = world.call("GET", &agent_thread(reference), Some(&claire.cookie), None).await;
    assert_eq!(thread["can_ask"], true);
    let ask = json!({ "text": "Merci d'envoyer un justificatif de domicile.", "ask": { "version": thread["version"] } });
    let (status, posted) =
        world.call("POST", &agent_thread(reference), Some(&claire.cookie), Some(ask)).await;
    assert_eq!(status, 201, "{posted}");
    assert_eq!(
        (posted["status"].as_str(), posted["phase"].as_str()),
        (Some("waiting_for_citizen"), Some("waiting_for_citizen"))
    );
    let stored = world.stored_request(reference).await;
    assert_eq!(stored.history.len(), before + 1, "one history entry");
    assert_eq!(stored.status, "waiting_for_citizen");
    assert_eq!(stored.resume_status.as_deref(), Some("in_review"));
    assert_eq!(posted["version"].as_u64(), Some(version(&world, &claire, reference).await));
    let emails = world.delivered().await;
    assert_eq!(emails.len(), 1, "one email for the message and the wait");
    assert_eq!(emails[0].to, "anne@essai.example");
    assert!(!emails[0].text.contains("justificatif de domicile"), "never the text");

    let (_, thread) = world.call("GET", &citizen_thread(reference), Some(&anne), None).await;
    assert_eq!(thread["waiting_for_citizen"], true);

    // Her answer moves it back to where it was, and tells Claire.
    let (status, posted) = world
        .call(
            "POST",
            &citizen_thread(reference),
            Some(&anne),
            Some(json!({ "text": "Le voici en pièce jointe." })),
        )
        .await;
    assert_eq!(status, 201, "{posted}");
    assert_eq!(posted["phase"], "in_progress");
    let stored = world.stored_request(reference).await;
    assert_eq!(stored.history.len(), before + 2, "one history entry");
    assert_eq!((stored.status.as_str(), stored.resume_status.as_deref()), ("in_review", None));
    assert_eq!(stored.history.last().unwrap().by, "citizen");
    let emails = world.delivered().await;
    assert_eq!(
        emails.len(),
        1,
        "one email, to the agent: {:?}",
        emails.iter().map(|e| &e.to).collect::<Vec<_>>()
    );
    assert_eq!(emails[0].to, claire.email);
    assert!(
        emails[0].text.contains(&format!("{URL}/admin/demande.html?ref={reference}")),
        "{}",
        emails[0].text
    );
    assert!(!emails[0].text.contains("pièce jointe"), "never the text");

    // Another message while it is in review moves nothing.
    let (_, posted) =
        world.call("POST", &citizen_thread(reference), Some(&anne), Some(json!({ "text": "Merci." }))).await;
    assert_eq!(posted["phase"], "in_progress");
    assert_eq!(world.stored_request(reference).await.history.len(), before + 2);
}

#[tokio::test]
async fn an_ask_on_a_stale_version_is_refused() {
    let world = World::new().await;
    let anne = world.citizen("anne@essai.example").await;
    let claire = world.agent("claire@mairie.example", "Claire Martin", &[SERVICE]).await;
    let request = world.request(&anne).await;
    let reference = request.reference.as_str();
    let seen = version(&world, &claire, reference).await;

    // A colleague moves the request meanwhile.
    let (status, body) = world
        .call(
            "POST",
            &format!("/api/tracking/requests/{reference}/transitions"),
            Some(&claire.cookie),
            Some(json!({ "to": "in_review", "version": seen })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    world.delivered().await;

    let ask = json!({ "text": "Une pièce manque.", "ask": { "version": seen } });
    let (status, problem) =
        world.call("POST", &agent_thread(reference), Some(&claire.cookie), Some(ask)).await;
    assert_eq!(status, 409, "{problem}");
    assert_eq!(problem["type"], "urn:gru:problem:conflict");
    assert_eq!(world.state(reference).await.messages, 0, "nothing written");
    assert!(world.delivered().await.is_empty(), "nothing sent");
    assert_eq!(world.stored_request(reference).await.status, "in_review");
}

#[tokio::test]
async fn markup_is_stored_and_returned_as_text() {
    let world = World::new().await;
    let anne = world.citizen("anne@essai.example").await;
    let claire = world.agent("claire@mairie.example", "Claire Martin", &[SERVICE]).await;
    let request = world.request(&anne).await;
    let reference = request.reference.as_str();
    let script = "<script>alert(1)</script>";
    let markup = "<b>gras</b> & <img src=x onerror=alert(2)>";

    world.call("POST", &citizen_thread(reference), Some(&anne), Some(json!({ "text": script }))).await;
    world.call("POST", &agent_thread(reference), Some(&claire.cookie), Some(json!({ "text": markup }))).await;

    let (_, mine) = world.call("GET", &citizen_thread(reference), Some(&anne), None).await;
    let (_, theirs) = world.call("GET", &agent_thread(reference), Some(&claire.cookie), None).await;
    assert_eq!(texts(&mine), [script, markup]);
    assert_eq!(texts(&theirs), [script, markup]);

    let response = world
        .app
        .clone()
        .oneshot(Request::get(citizen_thread(reference)).header("cookie", &anne).body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.headers()["content-type"], "application/json", "JSON, never HTML");
    assert_eq!(response.headers()["cache-control"], "no-store, private");
}

#[tokio::test]
async fn strangers_get_the_same_answer_as_for_a_request_that_does_not_exist() {
    let world = World::new().await;
    let anne = world.citizen("anne@essai.example").await;
    let bruno = world.citizen("bruno@essai.example").await;
    let claire = world.agent("claire@mairie.example", "Claire Martin", &[SERVICE]).await;
    let other = world.agent("paul@mairie.example", "Paul Durand", &["urbanisme"]).await;
    let request = world.request(&anne).await;
    let reference = request.reference.as_str();
    world
        .call("POST", &agent_thread(reference), Some(&claire.cookie), Some(json!({ "text": "Bonjour Anne" })))
        .await;
    let message = json!({ "text": "Intrus" });

    let (status, unknown) = world.call("GET", &citizen_thread("ZZZZ-9999"), Some(&bruno), None).await;
    assert_eq!(status, 404, "{unknown}");
    for (method, body) in [("GET", None), ("POST", Some(message.clone()))] {
        let (status, problem) =
            world.call(method, &citizen_thread(reference), Some(&bruno), body.clone()).await;
        assert_eq!((status, &problem), (404, &unknown), "citizen B, {method}");
        let (status, problem) =
            world.call(method, &agent_thread(reference), Some(&other.cookie), body.clone()).await;
        assert_eq!((status, &problem), (404, &unknown), "an agent of another service, {method}");
        let (status, problem) = world.call(method, &citizen_thread(reference), None, body.clone()).await;
        assert_eq!((status, problem["type"].as_str()), (401, Some("urn:gru:problem:unauthenticated")));
        let (status, _) = world.call(method, &agent_thread(reference), None, body.clone()).await;
        assert_eq!(status, 401, "anonymous, agents' route, {method}");
        let (status, _) = world.call(method, &agent_thread(reference), Some(&anne), body).await;
        assert_eq!(status, 401, "a citizen's session is not an agent's, {method}");
    }
    let (status, _) = world.call("GET", "/api/messaging/unread", None, None).await;
    assert_eq!(status, 401);
    let (status, _) = world
        .call("POST", "/api/messaging/tracking/thread", None, Some(json!({ "token": "not-a-token" })))
        .await;
    assert_eq!(status, 404);
    assert_eq!(world.unread(&bruno).await, json!({}), "B has no request");
    assert_eq!(world.state(reference).await.messages, 1, "nothing written by anyone refused");
}

#[tokio::test]
async fn bad_input_is_refused_naming_the_field() {
    let world = World::new().await;
    let anne = world.citizen("anne@essai.example").await;
    let claire = world.agent("claire@mairie.example", "Claire Martin", &[SERVICE]).await;
    let request = world.request(&anne).await;
    let reference = request.reference.as_str();
    let citizen = citizen_thread(reference);
    let agent = agent_thread(reference);

    let cases = [
        (&citizen, &anne, json!({ "text": "" }), 422, "text"),
        (&citizen, &anne, json!({ "text": " \n " }), 422, "text"),
        (&citizen, &anne, json!({ "text": "é".repeat(5001) }), 422, "text"),
        (&citizen, &anne, json!({ "text": "Bonjour", "internal": true }), 400, "internal"),
        (&citizen, &anne, json!({ "text": "Bonjour", "files": ["inconnu"] }), 422, "files"),
        (&citizen, &anne, json!({ "files": [] }), 400, "text"),
        (&agent, &claire.cookie, json!({ "text": "Bonjour", "urgent": true }), 400, "urgent"),
        (
            &agent,
            &claire.cookie,
            json!({ "text": "Note", "internal": true, "ask": { "version": 1 } }),
            422,
            "ask",
        ),
        (&agent, &claire.cookie, json!({ "text": "Bonjour", "ask": { "version": 1, "x": 1 } }), 400, "ask.x"),
    ];
    for (path, cookie, body, status, field) in cases {
        let (got, problem) = world.call("POST", path, Some(cookie), Some(body.clone())).await;
        assert_eq!(got, status, "{body}: {problem}");
        assert_eq!(problem["errors"][0]["field"], field, "{body}: {problem}");
    }
    let (status, _) =
        world.call("POST", &citizen, Some(&anne), Some(json!({ "text": "é".repeat(5000) }))).await;
    assert_eq!(status, 201, "5000 characters are fine, whatever their bytes");
    assert_eq!(world.state(reference).await.messages, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_messages_from_both_sides_keep_exact_counts() {
    let world = Arc::new(World::new().await);
    let anne = world.citizen("anne@essai.example").await;
    let claire = world.agent("claire@mairie.example", "Claire Martin", &[SERVICE]).await;
    let request = world.request(&anne).await;
    let reference = request.reference.clone();
    const EACH: usize = 12;

    let mut writers = tokio::task::JoinSet::new();
    for n in 0..EACH {
        for (path, cookie) in
            [(citizen_thread(&reference), anne.clone()), (agent_thread(&reference), claire.cookie.clone())]
        {
            let world = world.clone();
            writers.spawn(async move {
                world
                    .call("POST", &path, Some(&cookie), Some(json!({ "text": format!("message {n}") })))
                    .await
            });
        }
    }
    for (status, body) in writers.join_all().await {
        assert_eq!(status, 201, "{body}");
    }

    let state = world.state(&reference).await;
    assert_eq!(
        (state.messages, state.citizen_unread, state.agents_unread),
        (2 * EACH as u32, EACH as u32, EACH as u32)
    );
    assert_eq!(world.unread(&anne).await, json!({ &reference: EACH }));
    let (_, thread) = world.call("GET", &agent_thread(&reference), Some(&claire.cookie), None).await;
    let messages = thread["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2 * EACH);
    assert_eq!(new_flags(&thread).iter().filter(|new| **new).count(), EACH, "the citizen's, new to agents");
    let instants: Vec<jiff::Timestamp> =
        messages.iter().map(|m| m["at"].as_str().unwrap().parse().unwrap()).collect();
    assert!(instants.windows(2).all(|pair| pair[0] < pair[1]), "strictly in the order they landed");
    assert_eq!(world.delivered().await.len(), EACH, "one email to the citizen per agent's message");
}

#[tokio::test]
async fn a_message_carries_files_uploaded_for_the_thread_and_nothing_else() {
    let world = World::new().await;
    let anne = world.citizen("anne@essai.example").await;
    let claire = world.agent("claire@mairie.example", "Claire Martin", &[SERVICE]).await;
    let request = world.request(&anne).await;
    let reference = request.reference.as_str();
    let pdf = b"%PDF-1.7 justificatif";
    let file = world.thread_file(&anne, reference, "justificatif.pdf", pdf).await;
    let id = file["id"].as_str().unwrap();

    let body = json!({ "text": "Voici le justificatif.", "files": [id] });
    let (status, posted) = world.call("POST", &citizen_thread(reference), Some(&anne), Some(body)).await;
    assert_eq!(status, 201, "{posted}");
    let expected =
        json!([{ "id": id, "name": "justificatif.pdf", "type": "application/pdf", "size": pdf.len() }]);
    assert_eq!(posted["message"]["files"], expected);
    let (_, thread) = world.call("GET", &agent_thread(reference), Some(&claire.cookie), None).await;
    assert_eq!(thread["messages"][0]["files"], expected);

    // A reservation not confirmed yet, or the same file twice, is refused.
    let announced = json!({ "name": "b.pdf", "type": "application/pdf", "size": 10 });
    let (_, grant) = world
        .call(
            "POST",
            &format!("/api/attachments/requests/{reference}/thread-files"),
            Some(&anne),
            Some(announced),
        )
        .await;
    let unconfirmed = grant["file"]["id"].as_str().unwrap();
    for files in [json!([unconfirmed]), json!([id, id])] {
        let body = json!({ "text": "Encore", "files": files });
        let (status, problem) = world.call("POST", &citizen_thread(reference), Some(&anne), Some(body)).await;
        assert_eq!((status, &problem["errors"][0]["field"]), (422, &json!("files")), "{problem}");
    }
    assert_eq!(world.state(reference).await.messages, 1);
}

/// Takes the request for `agent` and moves it to `in_review`, emails delivered and forgotten.
async fn take_and_review(world: &World, agent: &SignedAgent, reference: &str) {
    let v = version(world, agent, reference).await;
    let body = json!({ "agent": agent.id, "version": v });
    let assignee = format!("/api/tracking/requests/{reference}/assignee");
    let (status, answer) = world.call("POST", &assignee, Some(&agent.cookie), Some(body)).await;
    assert_eq!(status, 200, "{answer}");
    let v = version(world, agent, reference).await;
    let body = json!({ "to": "in_review", "version": v });
    let transitions = format!("/api/tracking/requests/{reference}/transitions");
    let (status, answer) = world.call("POST", &transitions, Some(&agent.cookie), Some(body)).await;
    assert_eq!(status, 200, "{answer}");
    world.delivered().await;
}

#[tokio::test]
async fn citizens_messages_are_limited_per_request_and_per_address() {
    let clock = Arc::new(gru_ports::FixedClock::new("2027-03-15T09:00:00Z".parse().unwrap()));
    let world = World::build(|store| store, clock.clone()).await;
    let anne = world.citizen("anne@essai.example").await;
    let bruno = world.citizen("bruno@essai.example").await;
    let first = world.request(&anne).await;
    let (home, cafe) = ("192.0.2.10", "2001:db8:1:2::7");
    let text = |n: usize| json!({ "text": format!("message {n}") });

    // Twenty an hour on one request, whoever sends them and from wherever.
    for n in 0..20 {
        let from = if n % 2 == 0 { home } else { cafe };
        let (status, kind) =
            world.message_from(from, &citizen_thread(&first.reference), Some(&anne), text(n)).await;
        assert_eq!(status, 201, "message {n}: {kind}");
    }
    let (status, headers, body) =
        world.send("POST", &citizen_thread(&first.reference), Some(&anne), Some(text(20)), Some(cafe)).await;
    let problem: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!((status, problem["type"].as_str()), (429, Some("urn:gru:problem:rate-limited")), "{problem}");
    let retry: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=3600).contains(&retry), "until the window's end: {retry}");
    let tracked = json!({ "token": first.token, "text": "Par le lien de suivi" });
    let (status, kind) =
        world.message_from(cafe, "/api/messaging/tracking/thread/messages", None, tracked).await;
    assert_eq!((status, kind.as_str()), (429, Some("urn:gru:problem:rate-limited")), "the link too");
    assert_eq!(world.state(&first.reference).await.messages, 20, "nothing written past the limit");

    // Sixty an hour from one address, over every request: `home` sent ten.
    let mut sent = 10;
    let mut refused = None;
    for _ in 0..3 {
        let request = world.request(&bruno).await;
        for n in 0..20 {
            let (status, kind) =
                world.message_from(home, &citizen_thread(&request.reference), Some(&bruno), text(n)).await;
            if status != 201 {
                assert_eq!((status, kind.as_str()), (429, Some("urn:gru:problem:rate-limited")));
                refused = Some(request.reference.clone());
                break;
            }
            sent += 1;
        }
        if refused.is_some() {
            break;
        }
    }
    assert_eq!(sent, 60, "sixty from one address");
    let last = refused.expect("the sixty-first refused");
    let (status, kind) = world.message_from(cafe, &citizen_thread(&last), Some(&bruno), text(0)).await;
    assert_eq!(status, 201, "another address still writes: {kind}");

    // The next hour, everyone writes again.
    clock.advance(jiff::SignedDuration::from_hours(1));
    let anne = world.citizen("anne@essai.example").await;
    let (status, kind) =
        world.message_from(home, &citizen_thread(&first.reference), Some(&anne), text(0)).await;
    assert_eq!(status, 201, "{kind}");
}

#[tokio::test]
async fn a_burst_of_citizen_messages_emails_the_agent_once() {
    let world = World::new().await;
    let anne = world.citizen("anne@essai.example").await;
    let claire = world.agent("claire@mairie.example", "Claire Martin", &[SERVICE]).await;
    let request = world.request(&anne).await;
    let reference = request.reference.as_str();
    take_and_review(&world, &claire, reference).await;

    for text in ["Bonjour", "J'oubliais :", "une dernière chose"] {
        let (status, posted) =
            world.call("POST", &citizen_thread(reference), Some(&anne), Some(json!({ "text": text }))).await;
        assert_eq!(status, 201, "{posted}");
    }
    let emails = world.delivered().await;
    assert_eq!(
        emails.len(),
        1,
        "one email for the burst: {:?}",
        emails.iter().map(|e| &e.subject).collect::<Vec<_>>()
    );
    assert_eq!(emails[0].to, claire.email);
    assert_eq!(world.state(reference).await.agents_unread, 3);

    // Once Claire has read them, the next message is news again.
    world.call("GET", &agent_thread(reference), Some(&claire.cookie), None).await;
    world.call("POST", &citizen_thread(reference), Some(&anne), Some(json!({ "text": "Et encore" }))).await;
    assert_eq!(world.delivered().await.len(), 1);
}

#[tokio::test]
async fn the_inbox_shows_what_agents_have_not_read() {
    let world = World::new().await;
    let anne = world.citizen("anne@essai.example").await;
    let claire = world.agent("claire@mairie.example", "Claire Martin", &[SERVICE]).await;
    let request = world.request(&anne).await;
    let reference = request.reference.as_str();
    assert_eq!(world.inbox_row(&claire, reference).await["unread"], 0, "no thread yet");

    world.call("POST", &citizen_thread(reference), Some(&anne), Some(json!({ "text": "Bonjour" }))).await;
    assert_eq!(world.inbox_row(&claire, reference).await["unread"], 1);
    world
        .call("POST", &agent_thread(reference), Some(&claire.cookie), Some(json!({ "text": "Bien reçu" })))
        .await;
    assert_eq!(world.inbox_row(&claire, reference).await["unread"], 1, "answering is not reading");

    let (status, _) = world.call("GET", &agent_thread(reference), Some(&claire.cookie), None).await;
    assert_eq!(status, 200);
    assert_eq!(world.inbox_row(&claire, reference).await["unread"], 0);
}

/// A store that holds the first citizen's message it is given until told
/// to go on: another write lands between the message's reading and its
/// transaction.
struct HeldMessage {
    inner: Arc<dyn Store>,
    hold: Arc<Mutex<Option<Hold>>>,
}

/// Says the message is held; waits for the word to go on.
type Hold = (tokio::sync::oneshot::Sender<()>, tokio::sync::oneshot::Receiver<()>);

fn is_citizen_message(ops: &[gru_ports::TransactOp]) -> bool {
    ops.iter().any(|op| match op {
        gru_ports::TransactOp::Put { item, .. } => {
            item.key.sk.starts_with("MSG#") && item.data["author"]["kind"] == "citizen"
        }
        _ => false,
    })
}

#[async_trait]
impl Store for HeldMessage {
    async fn get(&self, key: &gru_ports::Key) -> Result<Option<gru_ports::Item>, gru_ports::StoreError> {
        self.inner.get(key).await
    }
    async fn put(
        &self,
        item: gru_ports::Item,
        condition: gru_ports::Condition,
    ) -> Result<(), gru_ports::StoreError> {
        self.inner.put(item, condition).await
    }
    async fn delete(
        &self,
        key: &gru_ports::Key,
        condition: gru_ports::Condition,
    ) -> Result<(), gru_ports::StoreError> {
        self.inner.delete(key, condition).await
    }
    async fn query(&self, query: gru_ports::Query) -> Result<gru_ports::store::Page, gru_ports::StoreError> {
        self.inner.query(query).await
    }
    async fn transact(&self, ops: Vec<gru_ports::TransactOp>) -> Result<(), gru_ports::StoreError> {
        let held = if is_citizen_message(&ops) { self.hold.lock().unwrap().take() } else { None };
        if let Some((reached, go)) = held {
            reached.send(()).unwrap();
            go.await.unwrap();
        }
        self.inner.transact(ops).await
    }
}

#[tokio::test]
async fn a_citizen_message_crossing_a_move_to_waiting_moves_the_request_back() {
    let (reached_tx, reached) = tokio::sync::oneshot::channel();
    let (go, go_rx) = tokio::sync::oneshot::channel();
    let hold = Arc::new(Mutex::new(None));
    let wrap = {
        let hold = hold.clone();
        |inner| -> Arc<dyn Store> { Arc::new(HeldMessage { inner, hold }) }
    };
    let world = Arc::new(World::build(wrap, Arc::new(SystemClock)).await);
    let anne = world.citizen("anne@essai.example").await;
    let claire = world.agent("claire@mairie.example", "Claire Martin", &[SERVICE]).await;
    let request = world.request(&anne).await;
    let reference = request.reference.clone();
    take_and_review(&world, &claire, &reference).await;
    *hold.lock().unwrap() = Some((reached_tx, go_rx));

    // Anne writes while the request is in review; her message is decided, then held.
    let writer = {
        let (world, anne, reference) = (world.clone(), anne.clone(), reference.clone());
        tokio::spawn(async move {
            world
                .call(
                    "POST",
                    &citizen_thread(&reference),
                    Some(&anne),
                    Some(json!({ "text": "Voici la pièce." })),
                )
                .await
        })
    };
    reached.await.unwrap();
    // Meanwhile Claire asks for something: the request waits for Anne.
    let v = version(&world, &claire, &reference).await;
    let body = json!({ "to": "waiting_for_citizen", "version": v });
    let transitions = format!("/api/tracking/requests/{reference}/transitions");
    let (status, moved) = world.call("POST", &transitions, Some(&claire.cookie), Some(body)).await;
    assert_eq!(status, 200, "{moved}");
    go.send(()).unwrap();

    // Anne's message landed after the move: it is her answer.
    let (status, posted) = writer.await.unwrap();
    assert_eq!(status, 201, "{posted}");
    assert_eq!(posted["phase"], "in_progress");
    let stored = world.stored_request(&reference).await;
    assert_eq!((stored.status.as_str(), stored.resume_status.as_deref()), ("in_review", None));
    assert_eq!(stored.history.last().unwrap().by, "citizen");
    assert_eq!(world.state(&reference).await.messages, 1, "written once");
}

/// Writes `count` messages on the thread as `author` would, straight to the
/// store (the HTTP route would take a while for hundreds).
async fn write_messages(
    world: &World,
    reference: &str,
    count: usize,
    text: impl Fn(usize) -> String,
    internal: bool,
) {
    let threads = messaging::repository::ThreadRepository::new(world.store.clone());
    let author = messaging::thread::Author::Agent { id: "a1".into(), name: "Claire Martin".into() };
    for n in 0..count {
        let state = threads.state(reference).await.unwrap();
        let message = messaging::thread::Message {
            id: format!("m{n:04}"),
            at: state.state.next_at(world.clock.now()),
            author: author.clone(),
            internal,
            text: text(n),
            files: Vec::new(),
        };
        world.store.transact(threads.add(reference, &state, &message).unwrap()).await.unwrap();
    }
}

#[tokio::test]
async fn a_thread_answers_with_its_last_messages_only() {
    let world = World::new().await;
    let anne = world.citizen("anne@essai.example").await;
    let claire = world.agent("claire@mairie.example", "Claire Martin", &[SERVICE]).await;
    let request = world.request(&anne).await;
    let reference = request.reference.as_str();
    let shown = messaging::repository::SHOWN_MESSAGES;

    world.call("POST", &citizen_thread(reference), Some(&anne), Some(json!({ "text": "Bonjour" }))).await;
    let (_, thread) = world.call("GET", &agent_thread(reference), Some(&claire.cookie), None).await;
    assert_eq!(thread["earlier"], false);

    write_messages(&world, reference, shown + 5, |n| format!("message {n}"), false).await;
    for (path, cookie) in [(agent_thread(reference), &claire.cookie), (citizen_thread(reference), &anne)] {
        let (status, thread) = world.call("GET", &path, Some(cookie), None).await;
        assert_eq!(status, 200, "{thread}");
        let texts = texts(&thread);
        assert_eq!(texts.len(), shown, "{path}");
        assert_eq!((texts[0], texts[shown - 1]), ("message 5", "message 204"), "the last ones, in order");
        assert_eq!(thread["earlier"], true);
    }
    assert_eq!(world.unread(&anne).await, json!({ reference: 0 }), "read through the last one");

    // Notes do not push the citizen's messages out of the citizen's answer.
    let other = world.request(&anne).await;
    world
        .call("POST", &citizen_thread(&other.reference), Some(&anne), Some(json!({ "text": "Bonjour" })))
        .await;
    write_messages(&world, &other.reference, shown + 5, |n| format!("note {n}"), true).await;
    let (_, thread) = world.call("GET", &citizen_thread(&other.reference), Some(&anne), None).await;
    assert_eq!((texts(&thread), &thread["earlier"]), (vec!["Bonjour"], &json!(false)));
    let (_, thread) = world.call("GET", &agent_thread(&other.reference), Some(&claire.cookie), None).await;
    assert_eq!((texts(&thread).len(), &thread["earlier"]), (shown, &json!(true)));
}

#[tokio::test]
async fn a_thread_of_long_messages_stays_far_below_what_a_lambda_may_answer() {
    let world = World::new().await;
    let anne = world.citizen("anne@essai.example").await;
    let claire = world.agent("claire@mairie.example", "Claire Martin", &[SERVICE]).await;
    let request = world.request(&anne).await;
    let reference = request.reference.as_str();
    // Control characters: JSON writes each as six bytes, and the envelope
    // of a Lambda's answer escapes them once more: the last 200 of these
    // would make 7 MB.
    let heavy = |n: usize| format!("{n:03} {}", "\u{1}".repeat(4996));
    let shown = messaging::repository::SHOWN_MESSAGES;

    write_messages(&world, reference, shown, heavy, false).await;
    let (status, _, body) =
        world.send("GET", &agent_thread(reference), Some(&claire.cookie), None, None).await;
    assert_eq!(status, 200);
    let thread: Value = serde_json::from_slice(&body).unwrap();
    let count = thread["messages"].as_array().unwrap().len();
    assert!(count < shown && thread["earlier"] == true, "{count} messages");
    let newest = format!("{:03} ", shown - 1);
    assert!(thread["messages"][count - 1]["text"].as_str().unwrap().starts_with(&newest), "the newest last");
    // Lambda answers at most 6 MB, the body once more escaped in its envelope.
    let envelope = serde_json::to_string(&String::from_utf8(body).unwrap()).unwrap();
    assert!(envelope.len() < 6_000_000, "{} bytes", envelope.len());
}

/// Issue 14: a message of zero-width spaces shows nothing, so it is refused
/// as a blank one is, from either side, and nothing is written.
#[tokio::test]
async fn a_message_of_invisible_characters_is_refused_as_a_blank_one() {
    let world = World::new().await;
    let anne = world.citizen("anne@essai.example").await;
    let claire = world.agent("claire@mairie.example", "Claire Martin", &[SERVICE]).await;
    let request = world.request(&anne).await;
    let reference = request.reference.as_str();
    for (path, cookie) in [(citizen_thread(reference), &anne), (agent_thread(reference), &claire.cookie)] {
        let blank = world.call("POST", &path, Some(cookie), Some(json!({ "text": "   " }))).await;
        assert_eq!(blank.0, 422, "{}", blank.1);
        for invisible in
            ["\u{200b}\u{200b}\u{200b}", "\u{202e}\u{200b}\u{feff}", "\u{2066}\n\u{200d}\u{2069}"]
        {
            let refused = world.call("POST", &path, Some(cookie), Some(json!({ "text": invisible }))).await;
            assert_eq!(refused, blank, "{path}: {invisible:?}");
        }
    }
    assert_eq!(world.state(reference).await.messages, 0, "nothing written");
    let (status, _) = world
        .call("POST", &citizen_thread(reference), Some(&anne), Some(json!({ "text": "\u{200b}Merci" })))
        .await;
    assert_eq!(status, 201, "a message with something to read is fine");
}
