//! Files on a request's thread and agents' downloads, through the routers
//! on the embedded store: requests submitted through the submissions
//! router, bytes sent to the local files' signed URLs, agents signed in
//! with sessions of their own.

use async_trait::async_trait;
use axum::Router;
use axum::body::Body;
use gru_embedded::{LocalFiles, SqliteStore};
use gru_ports::{Clock, Condition, Item, Key, Page, Query, Store, StoreError, SystemClock, TransactOp};
use gru_records::requests::Repository;
use gru_web::Platform;
use gru_web::agent::{AgentSessions, AgentSnapshot, Role};
use gru_web::audit::{AuditTrail, DEFAULT_KEEP};
use gru_web::session::Sessions;
use http::Request;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tower::ServiceExt;

const URL: &str = "https://essai.example";
/// Its form takes PDF files of 1 MB at most.
const SERVICE: &str = "demande-simple";
const OTHER_SERVICE: &str = "voirie";
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

/// A store that closes a request, as an agent would, just before the next
/// transaction that checks it: the request changes between the read a
/// change is decided on and its write.
struct ClosingStore {
    inner: Arc<dyn Store>,
    armed: AtomicBool,
}

#[async_trait]
impl Store for ClosingStore {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        self.inner.get(key).await
    }
    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        self.inner.put(item, condition).await
    }
    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError> {
        self.inner.delete(key, condition).await
    }
    async fn query(&self, query: Query) -> Result<Page, StoreError> {
        self.inner.query(query).await
    }
    async fn transact(&self, ops: Vec<TransactOp>) -> Result<(), StoreError> {
        let checked = ops.iter().find_map(|op| match op {
            TransactOp::Check { key, .. } => key.pk.strip_prefix("REQUEST#").map(str::to_owned),
            _ => None,
        });
        if let Some(reference) = checked
            && self.armed.swap(false, Ordering::SeqCst)
        {
            close(&self.inner, &reference).await;
        }
        self.inner.transact(ops).await
    }
}

/// Moves the request to a final phase, at its version.
async fn close(store: &Arc<dyn Store>, reference: &str) {
    let repository = Repository::new(store.clone());
    let current = repository.request_versioned(reference).await.unwrap().unwrap();
    let mut closed = current.value.clone();
    closed.phase = gru_domain::request::Phase::Closed;
    closed.status = "closed".into();
    repository
        .change_request(&current, &closed, "Terminée", gru_tests::demo_days(), Vec::new())
        .await
        .unwrap();
}

struct World {
    store: Arc<ClosingStore>,
    clock: Arc<dyn Clock>,
    app: Router,
    _dir: tempfile::TempDir,
}

/// A submitted request: its reference and tracking token.
struct Submitted {
    reference: String,
    token: String,
}

/// What an answer said.
struct Answer {
    status: u16,
    body: Value,
}

/// A scanner whose first verdict is pending (GuardDuty has not tagged the
/// object yet) and every later one clean.
#[derive(Default)]
struct SlowScanner {
    asked: std::sync::atomic::AtomicUsize,
}

#[async_trait]
impl gru_ports::Scanner for SlowScanner {
    fn name(&self) -> &'static str {
        "guardduty"
    }

    async fn scan(&self, _key: &str, _body: &[u8]) -> Result<gru_ports::Verdict, gru_ports::ScanError> {
        match self.asked.fetch_add(1, Ordering::SeqCst) {
            0 => Ok(gru_ports::Verdict::Pending),
            _ => Ok(gru_ports::Verdict::Clean),
        }
    }
}

impl World {
    async fn new() -> World {
        World::with_scanner(None).await
    }

    async fn with_scanner(scanner: Option<Arc<dyn gru_ports::Scanner>>) -> World {
        let dir = tempfile::tempdir().unwrap();
        let sqlite: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.path().join("portal.db")).unwrap());
        let store = Arc::new(ClosingStore { inner: sqlite, armed: AtomicBool::new(false) });
        let shared: Arc<dyn Store> = store.clone();
        let city_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/thread-files-city");
        let city = gru_domain::city_files::load(&city_dir).expect("the fixture city is valid");
        gru_records::catalogue::CatalogueRepository::new(shared.clone())
            .import(&city, "fixture")
            .await
            .unwrap();
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let files = Arc::new(LocalFiles::new(dir.path().join("files"), URL.into(), [7; 32], clock.clone()));
        let mailer = Arc::new(gru_embedded::OutboxMailer::new(
            dir.path().join("outbox"),
            "mairie@essai.example".into(),
        ));
        let platform = Platform::with_defaults(shared, clock.clone(), URL);
        let app = Router::new()
            .merge(attachments::router(&platform, files.clone(), scanner))
            .merge(submissions::router(&platform, mailer))
            .merge(gru_embedded::files::router(files));
        World { store, clock, app, _dir: dir }
    }

    fn store(&self) -> Arc<dyn Store> {
        self.store.clone()
    }

    async fn call(&self, method: &str, path: &str, cookie: Option<&str>, body: Option<Value>) -> Answer {
        let mut request = Request::builder().method(method).uri(path).header("x-gru-csrf", "1");
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
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
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Answer { status, body: serde_json::from_slice(&bytes).unwrap_or(Value::Null) }
    }

    /// A citizen's session cookie.
    async fn citizen(&self, email: &str) -> String {
        let token = Sessions::new(self.store(), self.clock.clone()).start(email, email).await.unwrap();
        format!("gru_session={token}")
    }

    /// A signed-in agent of `services`; their session cookie.
    async fn agent(&self, id: &str, services: &[&str]) -> String {
        let snapshot = AgentSnapshot {
            id: id.into(),
            name: format!("Agent {id}"),
            email: format!("{id}@mairie.example"),
            role: Role::Agent,
            services: services.iter().map(|s| (*s).to_owned()).collect(),
        };
        let token = AgentSessions::new(self.store(), self.clock.clone()).start(&snapshot).await.unwrap();
        format!("gru_agent={token}")
    }

    /// A request of [`SERVICE`] submitted by the citizen of `cookie`.
    async fn request(&self, cookie: &str) -> Submitted {
        let draft = self
            .call("POST", "/api/submissions/drafts", Some(cookie), Some(json!({ "service": SERVICE })))
            .await;
        assert_eq!(draft.status, 201, "{}", draft.body);
        let id = draft.body["id"].as_str().unwrap();
        let answers = json!({ "answers": { "last_name": "Martin" }, "page": "identity", "version": 1 });
        let saved =
            self.call("PUT", &format!("/api/submissions/drafts/{id}"), Some(cookie), Some(answers)).await;
        assert_eq!(saved.status, 200, "{}", saved.body);
        let path = format!("/api/submissions/drafts/{id}/submit");
        let receipt = self.call("POST", &path, Some(cookie), Some(json!({}))).await;
        assert_eq!(receipt.status, 201, "{}", receipt.body);
        let token = receipt.body["tracking_url"].as_str().unwrap().rsplit('#').next().unwrap().to_owned();
        Submitted { reference: receipt.body["reference"].as_str().unwrap().to_owned(), token }
    }

    /// Sends the bytes where an upload grant says (the grant's URL is the
    /// portal's own, served by the same router).
    async fn put_upload(&self, upload: &Value, bytes: &[u8]) -> u16 {
        let path = upload["url"].as_str().unwrap().strip_prefix(URL).unwrap();
        let mut request = Request::builder().method("PUT").uri(path);
        for pair in upload["headers"].as_array().unwrap() {
            request = request.header(pair[0].as_str().unwrap(), pair[1].as_str().unwrap());
        }
        let response =
            self.app.clone().oneshot(request.body(Body::from(bytes.to_vec())).unwrap()).await.unwrap();
        response.status().as_u16()
    }

    /// Asks a grant at `grant` (the body gets the file's name, type and
    /// size), sends `bytes`, and confirms at `<confirm>/<file>/confirm`.
    /// The refusal of the grant, or the confirmation's answer.
    async fn upload(&self, grant: &str, cookie: Option<&str>, mut body: Value, bytes: &[u8]) -> Answer {
        body["name"] = json!("piece.pdf");
        body["type"] = json!("application/pdf");
        body["size"] = json!(bytes.len());
        let granted = self.call("POST", grant, cookie, Some(body.clone())).await;
        if granted.status != 201 {
            return granted;
        }
        let status = self.put_upload(&granted.body["upload"], bytes).await;
        assert!((200..300).contains(&status), "the grant takes the announced file: {status}");
        let file = granted.body["file"]["id"].as_str().unwrap();
        let confirm = format!("{grant}/{file}/confirm");
        let token = body.get("token").map(|t| json!({ "token": t })).unwrap_or(json!({}));
        self.call("POST", &confirm, cookie, Some(token)).await
    }

    fn audit(&self) -> AuditTrail {
        AuditTrail::new(self.store(), self.clock.clone(), DEFAULT_KEEP)
    }
}

fn citizen_files(reference: &str) -> String {
    format!("/api/attachments/requests/{reference}/thread-files")
}

fn agent_files(reference: &str) -> String {
    format!("/api/attachments/agent/requests/{reference}/thread-files")
}

fn agent_download(reference: &str, file: &str) -> String {
    format!("/api/attachments/agent/requests/{reference}/files/{file}/download")
}

#[tokio::test]
async fn the_citizen_the_link_holder_and_the_agent_add_files_the_agent_downloads() {
    let world = World::new().await;
    let anne = world.citizen("anne@essai.example").await;
    let claire = world.agent("claire", &[SERVICE]).await;
    let request = world.request(&anne).await;
    let reference = request.reference.as_str();

    let by_citizen = world.upload(&citizen_files(reference), Some(&anne), json!({}), PDF).await;
    assert_eq!(by_citizen.status, 200, "{}", by_citizen.body);
    assert_eq!(by_citizen.body["document"], "thread");
    assert_eq!(by_citizen.body["name"], "piece.pdf");
    assert_eq!(
        (by_citizen.body["scan"].as_str(), by_citizen.body["downloadable"].as_bool()),
        (Some("unscanned"), Some(true))
    );
    let by_link = world
        .upload("/api/attachments/tracking/thread-files", None, json!({ "token": request.token }), PDF)
        .await;
    assert_eq!(by_link.status, 200, "{}", by_link.body);
    let by_agent = world.upload(&agent_files(reference), Some(&claire), json!({}), PDF).await;
    assert_eq!(by_agent.status, 200, "{}", by_agent.body);

    // The agent downloads each; every download is in the audit trail,
    // with the document and the file's id, never its name.
    for file in [&by_citizen, &by_link, &by_agent] {
        let id = file.body["id"].as_str().unwrap();
        let granted =
            world.call("POST", &agent_download(reference, id), Some(&claire), Some(json!({}))).await;
        assert_eq!(granted.status, 200, "{}", granted.body);
        assert!(granted.body["url"].as_str().unwrap().starts_with(URL));
    }
    let trail = world.audit().of_request(reference).await.unwrap();
    let downloads: Vec<_> = trail.iter().filter(|e| e.action == "file.download").collect();
    assert_eq!(downloads.len(), 3);
    assert!(downloads.iter().all(|e| e.agent_id == "claire"));
    let detail = downloads[0].detail.as_deref().unwrap();
    assert_eq!(detail, format!("thread/{}", by_citizen.body["id"].as_str().unwrap()));
    assert!(!trail.iter().any(|e| e.detail.as_deref().is_some_and(|d| d.contains("piece"))));

    // The citizen gets the agent's file too, signed in or through the link.
    let agents_file = by_agent.body["id"].as_str().unwrap();
    let path = format!("/api/attachments/requests/{reference}/files/{agents_file}/download");
    assert_eq!(world.call("POST", &path, Some(&anne), Some(json!({}))).await.status, 200);
    let path = format!("/api/attachments/tracking/files/{agents_file}/download");
    let by_token = world.call("POST", &path, None, Some(json!({ "token": request.token }))).await;
    assert_eq!(by_token.status, 200, "{}", by_token.body);
}

#[tokio::test]
async fn strangers_get_the_answer_an_unknown_request_gets() {
    let world = World::new().await;
    let anne = world.citizen("anne@essai.example").await;
    let bruno = world.citizen("bruno@essai.example").await;
    let claire = world.agent("claire", &[SERVICE]).await;
    let roads = world.agent("marc", &[OTHER_SERVICE]).await;
    let request = world.request(&anne).await;
    let reference = request.reference.as_str();
    let file = world.upload(&citizen_files(reference), Some(&anne), json!({}), PDF).await;
    let file = file.body["id"].as_str().unwrap().to_owned();
    let grant = json!({ "name": "x.pdf", "type": "application/pdf", "size": 10 });

    let unknown = world.call("POST", &citizen_files("ZZZZ-9999"), Some(&bruno), Some(grant.clone())).await;
    assert_eq!(unknown.status, 404);
    let bruno_tries = world.call("POST", &citizen_files(reference), Some(&bruno), Some(grant.clone())).await;
    assert_eq!((bruno_tries.status, &bruno_tries.body), (404, &unknown.body));
    let confirm = format!("{}/{file}/confirm", citizen_files(reference));
    let bruno_confirms = world.call("POST", &confirm, Some(&bruno), Some(json!({}))).await;
    assert_eq!((bruno_confirms.status, &bruno_confirms.body), (404, &unknown.body));

    let unknown_for_agents =
        world.call("POST", &agent_files("ZZZZ-9999"), Some(&roads), Some(grant.clone())).await;
    assert_eq!(unknown_for_agents.status, 404);
    let other_service = world.call("POST", &agent_files(reference), Some(&roads), Some(grant.clone())).await;
    assert_eq!((other_service.status, &other_service.body), (404, &unknown_for_agents.body));
    let unknown_file =
        world.call("POST", &agent_download(reference, &"Z".repeat(22)), Some(&claire), Some(json!({}))).await;
    assert_eq!(unknown_file.status, 404);
    let other_download =
        world.call("POST", &agent_download(reference, &file), Some(&roads), Some(json!({}))).await;
    assert_eq!((other_download.status, &other_download.body), (404, &unknown_file.body));
    // A citizen's session is not an agent's.
    let citizen_as_agent =
        world.call("POST", &agent_download(reference, &file), Some(&anne), Some(json!({}))).await;
    assert_eq!(citizen_as_agent.status, 401);

    // Without a session or with a wrong link: nothing either.
    assert_eq!(world.call("POST", &citizen_files(reference), None, Some(grant.clone())).await.status, 401);
    assert_eq!(world.call("POST", &agent_files(reference), None, Some(grant.clone())).await.status, 401);
    assert_eq!(
        world.call("POST", &agent_download(reference, &file), None, Some(json!({}))).await.status,
        401
    );
    let mut by_link = grant.clone();
    by_link["token"] = json!("x".repeat(43));
    let wrong_link = world.call("POST", "/api/attachments/tracking/thread-files", None, Some(by_link)).await;
    assert_eq!(wrong_link.status, 404);
    for answer in [&bruno_tries, &other_service, &other_download, &wrong_link] {
        assert!(!answer.body.to_string().contains("piece.pdf"));
    }
    // No stranger's download reached the audit trail, and the refused ones left nothing.
    assert!(world.audit().of_request(reference).await.unwrap().is_empty());
}

#[tokio::test]
async fn the_thread_takes_the_service_s_formats_and_sizes_and_ten_files() {
    let world = World::new().await;
    let anne = world.citizen("anne@essai.example").await;
    let reference = world.request(&anne).await.reference;
    let path = citizen_files(&reference);
    let png = json!({ "name": "photo.png", "type": "image/png", "size": 10 });
    let refused = world.call("POST", &path, Some(&anne), Some(png)).await;
    assert_eq!(refused.status, 422, "the service takes PDF only: {}", refused.body);
    assert_eq!(refused.body["errors"][0]["field"], "type");
    assert!(refused.body["errors"][0]["message"].as_str().unwrap().ends_with("fichier PDF."));
    let too_big = json!({ "name": "gros.pdf", "type": "application/pdf", "size": 1_000_001 });
    let refused = world.call("POST", &path, Some(&anne), Some(too_big)).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body["errors"][0]["message"].as_str().unwrap().contains("1 Mo"));
    // Unknown fields are refused: a thread file is for no document.
    let with_document =
        json!({ "document": "identity", "name": "a.pdf", "type": "application/pdf", "size": 10 });
    assert_eq!(world.call("POST", &path, Some(&anne), Some(with_document)).await.status, 400);

    // Ten files (reservations take their place until they lapse), not eleven.
    for n in 0..10 {
        let body = json!({ "name": format!("{n}.pdf"), "type": "application/pdf", "size": 10 });
        let granted = world.call("POST", &path, Some(&anne), Some(body)).await;
        assert_eq!(granted.status, 201, "{}", granted.body);
    }
    let eleventh = json!({ "name": "10.pdf", "type": "application/pdf", "size": 10 });
    let refused = world.call("POST", &path, Some(&anne), Some(eleventh)).await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(refused.body["type"].as_str().unwrap().ends_with(":quota"));
    assert_eq!(refused.body["errors"][0]["field"], "file");
}

#[tokio::test]
async fn a_closed_request_takes_no_new_file() {
    let world = World::new().await;
    let anne = world.citizen("anne@essai.example").await;
    let claire = world.agent("claire", &[SERVICE]).await;
    let request = world.request(&anne).await;
    let reference = request.reference.as_str();
    let kept = world.upload(&citizen_files(reference), Some(&anne), json!({}), PDF).await;
    assert_eq!(kept.status, 200);
    let body = json!({ "name": "tard.pdf", "type": "application/pdf", "size": PDF.len() });
    let granted = world.call("POST", &citizen_files(reference), Some(&anne), Some(body.clone())).await;
    assert_eq!(granted.status, 201);

    // Closed between the reading an upload is decided on and its write: the
    // write checks the request's version, reads it again, and refuses.
    world.store.armed.store(true, Ordering::SeqCst);
    let racing = world.call("POST", &agent_files(reference), Some(&claire), Some(body.clone())).await;
    assert_eq!(racing.status, 409, "{}", racing.body);
    assert!(racing.body["type"].as_str().unwrap().ends_with(":request-closed"));
    assert!(!world.store.armed.load(Ordering::SeqCst), "the request was closed during the upload");

    // Then nobody adds a file, nor confirms one reserved before.
    assert_problem_closed(
        &world.call("POST", &citizen_files(reference), Some(&anne), Some(body.clone())).await,
    );
    let mut by_link = body.clone();
    by_link["token"] = json!(request.token);
    assert_problem_closed(
        &world.call("POST", "/api/attachments/tracking/thread-files", None, Some(by_link)).await,
    );
    world.put_upload(&granted.body["upload"], PDF).await;
    let file = granted.body["file"]["id"].as_str().unwrap();
    let confirm = format!("{}/{file}/confirm", citizen_files(reference));
    assert_problem_closed(&world.call("POST", &confirm, Some(&anne), Some(json!({}))).await);
    // What it had stays downloadable.
    let path = agent_download(reference, kept.body["id"].as_str().unwrap());
    assert_eq!(world.call("POST", &path, Some(&claire), Some(json!({}))).await.status, 200);
}

fn assert_problem_closed(answer: &Answer) {
    assert_eq!(answer.status, 409, "{}", answer.body);
    assert!(answer.body["type"].as_str().unwrap().ends_with(":request-closed"), "{}", answer.body);
    assert_eq!(answer.body["detail"], "Cette demande est terminée : elle ne reçoit plus de fichiers.");
}

#[tokio::test]
async fn a_page_waiting_for_the_verdict_asks_the_confirmation_again() {
    let world = World::with_scanner(Some(Arc::new(SlowScanner::default()))).await;
    let anne = world.citizen("anne@essai.example").await;
    let reference = world.request(&anne).await.reference;
    let sent = world.upload(&citizen_files(&reference), Some(&anne), json!({}), PDF).await;
    assert_eq!(
        (sent.body["scan"].as_str(), sent.body["downloadable"].as_bool()),
        (Some("pending"), Some(false))
    );
    // A message cannot join it yet; the page asks again until the verdict comes.
    let again = format!("{}/{}/confirm", citizen_files(&reference), sent.body["id"].as_str().unwrap());
    let settled = world.call("POST", &again, Some(&anne), Some(json!({}))).await;
    assert_eq!(settled.status, 200, "{}", settled.body);
    assert_eq!(
        (settled.body["scan"].as_str(), settled.body["downloadable"].as_bool()),
        (Some("clean"), Some(true))
    );
    assert_eq!(settled.body["uploaded_at"], sent.body["uploaded_at"], "the same file");
}
