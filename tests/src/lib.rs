//! One helper spawns the all-in-one portal on a free port with a fresh data
//! directory and the demo city; each test then reads as a user story told
//! over HTTP.

use std::path::PathBuf;

pub mod counting;
pub mod routes;
pub mod spreadsheets;

/// A running portal, stopped when dropped.
pub struct TestPortal {
    pub url: String,
    data_dir: Option<tempfile::TempDir>,
    pub client: reqwest::Client,
    /// The portal's periodic jobs, for tests to run a round when they want
    /// (`None` for the functions on moto).
    pub housekeeping: Option<portal::Housekeeping>,
    /// The outbox's delivery, every [`DELIVERY_PERIOD`] as the portal does.
    delivery: Option<portal::DeliveryTask>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    /// The store the functions run on, to enrol agents as the command line does.
    pub store: std::sync::Arc<dyn gru_ports::Store>,
    clock: std::sync::Arc<dyn gru_ports::Clock>,
}

/// How often a test portal delivers its outbox: short, so tests see the
/// emails queued with a change soon after it.
const DELIVERY_PERIOD: std::time::Duration = std::time::Duration::from_millis(100);

/// How long [`TestPortal::email_to`] waits for an email.
const EMAIL_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Runs each story (`async fn story(portal: &TestPortal, clock: &Arc<FixedClock>)`)
/// on both deployments: the embedded portal, and the functions on moto.
#[macro_export]
macro_rules! on_both {
    ($($story:ident),* $(,)?) => {
        mod embedded {
            $(
                #[tokio::test]
                async fn $story() {
                    let clock = std::sync::Arc::new(gru_ports::FixedClock::new(jiff::Timestamp::now()));
                    let portal = gru_tests::TestPortal::spawn_with_clock(clock.clone()).await;
                    super::$story(&portal, &clock).await;
                }
            )*
        }
        mod on_moto {
            $(
                #[tokio::test]
                async fn $story() {
                    let clock = std::sync::Arc::new(gru_ports::FixedClock::new(jiff::Timestamp::now()));
                    let portal = gru_tests::TestPortal::spawn_on_moto(clock.clone()).await;
                    super::$story(&portal, &clock).await;
                }
            )*
        }
    };
}

/// A small deterministic generator (xorshift): the same series at every
/// run, for benchmarks' data sets and tests' random series.
pub struct Dice(pub u64);

impl Dice {
    /// A number from 0 to `sides - 1`.
    pub fn roll(&mut self, sides: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % sides as u64) as usize
    }
}

/// The demo city's days (Paris, France's public holidays), for tests that
/// write requests through the repository.
pub fn demo_days() -> gru_domain::indicators::CityDays<'static> {
    static PARIS: std::sync::LazyLock<jiff::tz::TimeZone> =
        std::sync::LazyLock::new(|| jiff::tz::TimeZone::get("Europe/Paris").expect("the bundled database"));
    gru_domain::indicators::CityDays { zone: &PARIS, holidays: gru_domain::holidays::HolidayCalendar::France }
}

/// Copies a folder tree (the demo city, to change it in a test).
pub fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("the copy's folder is created");
    for entry in std::fs::read_dir(from).expect("the folder is readable") {
        let entry = entry.expect("a folder entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("an entry's type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("a file is copied");
        }
    }
}

/// The repository's root.
pub fn repository() -> PathBuf {
    portal::repository_dir()
}

impl TestPortal {
    /// Starts the portal with the demo city.
    pub async fn spawn() -> Self {
        Self::spawn_with_city(repository().join("infra/cities/demo")).await
    }

    pub async fn spawn_with_city(city_dir: PathBuf) -> Self {
        let data_dir = tempfile::tempdir().expect("temporary data directory");
        Self::spawn_in(data_dir, city_dir).await
    }

    /// Starts the portal with the demo city on a clock the test moves.
    pub async fn spawn_with_clock(clock: std::sync::Arc<gru_ports::FixedClock>) -> Self {
        let data_dir = tempfile::tempdir().expect("temporary data directory");
        Self::start(data_dir, repository().join("infra/cities/demo"), clock, None).await
    }

    /// Starts the portal with the city in `city_dir` (a changed copy of the
    /// demo city) on a clock the test moves.
    pub async fn spawn_with_city_and_clock(
        city_dir: PathBuf,
        clock: std::sync::Arc<gru_ports::FixedClock>,
    ) -> Self {
        let data_dir = tempfile::tempdir().expect("temporary data directory");
        Self::start(data_dir, city_dir, clock, None).await
    }

    /// Starts the portal with the demo city, scanning uploads with the
    /// clamd at `GRU_CLAMD_ADDRESS` (started by `cargo xtask test`, or by
    /// hand with `cargo xtask clamd`).
    pub async fn spawn_with_clamd() -> Self {
        let address = std::env::var("GRU_CLAMD_ADDRESS").unwrap_or_else(|_| {
            panic!(
                "GRU_CLAMD_ADDRESS is not set: the scanning tests run against a real clamd. Run them with \
                 `cargo xtask test`, or start one with `cargo xtask clamd` and export the address it prints."
            )
        });
        let data_dir = tempfile::tempdir().expect("temporary data directory");
        let clock = std::sync::Arc::new(gru_ports::SystemClock);
        Self::start(data_dir, repository().join("infra/cities/demo"), clock, Some(address)).await
    }

    /// The functions as they run on AWS, on DynamoDB and S3 emulated by
    /// moto server (`GRU_MOTO_ENDPOINT`), with a fresh table and bucket and
    /// the demo city imported, on a clock the test moves. Emails land in a
    /// local `.eml` folder (those queued in the table delivered every 100 ms,
    /// as the notifier would); there is no housekeeping (DynamoDB's TTL does it).
    /// GuardDuty's part (tagging each new object with its verdict) is played
    /// by [`GuardDutyStandIn`]; the function reads the tags as on AWS.
    pub async fn spawn_on_moto(clock: std::sync::Arc<gru_ports::FixedClock>) -> Self {
        Self::spawn_on_moto_with(clock, true).await
    }

    /// [`TestPortal::spawn_on_moto`], with GuardDuty answering or never
    /// (`guardduty_answers`), to see what waiting for its verdict does.
    pub async fn spawn_on_moto_with(
        clock: std::sync::Arc<gru_ports::FixedClock>,
        guardduty_answers: bool,
    ) -> Self {
        use std::sync::Arc;
        let endpoint = gru_ports::contract::moto_endpoint();
        let dynamodb = gru_dynamodb::emulator_client(&endpoint);
        let table = gru_ports::contract::unique_name("portal");
        gru_dynamodb::create_table(&dynamodb, &table).await.expect("the table is created");
        let store: Arc<dyn gru_ports::Store> = Arc::new(gru_dynamodb::DynamoStore::new(dynamodb, table));
        let s3 = gru_s3::emulator_client(&endpoint);
        let bucket = gru_ports::contract::unique_name("files");
        gru_s3::create_bucket(&s3, &bucket).await.expect("the bucket is created");
        let files: Arc<dyn gru_ports::Files> = Arc::new(gru_s3::S3Files::new(s3.clone(), bucket.clone()));
        let guardduty = gru_s3::GuardDutyScanner::new(s3.clone(), bucket.clone());
        let scanner: Arc<dyn gru_ports::Scanner> = if guardduty_answers {
            Arc::new(GuardDutyStandIn { s3, bucket, reader: guardduty })
        } else {
            Arc::new(guardduty)
        };
        let city =
            gru_domain::city_files::load(&repository().join("infra/cities/demo")).expect("the demo city");
        gru_records::catalogue::CatalogueRepository::new(store.clone())
            .import(&city, "moto")
            .await
            .expect("imported");
        let data_dir = tempfile::tempdir().expect("temporary data directory");
        let outbox = Arc::new(gru_embedded::OutboxMailer::new(
            data_dir.path().join("outbox"),
            "ne-pas-repondre@belleval.example".into(),
        ));
        // Signed by the city, as each function's main.rs does on AWS.
        let mailer = gru_notices::letterhead::Letterhead::around(outbox, store.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let clock: Arc<dyn gru_ports::Clock> = clock;
        let ports = portal::Ports {
            platform: gru_web::Platform::new(store, clock, gru_web::Settings::new(&url)),
            mailer,
            files,
            scanner: Some(scanner),
        };
        let router = ports.router();
        let (store, clock) = (ports.platform.store.clone(), ports.platform.clock.clone());
        Self::serve(listener, url, router, data_dir, None, ports.notifications(), store, clock).await
    }

    /// Starts the portal on an existing data directory (a restart).
    pub async fn spawn_in(data_dir: tempfile::TempDir, city_dir: PathBuf) -> Self {
        Self::start(data_dir, city_dir, std::sync::Arc::new(gru_ports::SystemClock), None).await
    }

    async fn start(
        data_dir: tempfile::TempDir,
        city_dir: PathBuf,
        clock: std::sync::Arc<dyn gru_ports::Clock>,
        clamd: Option<String>,
    ) -> Self {
        let options = portal::Options {
            serve_outbox: true,
            clamd,
            ..portal::Options::new(data_dir.path().to_owned(), city_dir)
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let app =
            portal::Portal::open_with_clock(&options, &url, clock.clone()).await.expect("the portal starts");
        Self::serve(
            listener,
            url,
            app.router,
            data_dir,
            Some(app.housekeeping),
            app.notifications,
            app.store,
            clock,
        )
        .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn serve(
        listener: tokio::net::TcpListener,
        url: String,
        router: axum::Router,
        data_dir: tempfile::TempDir,
        housekeeping: Option<portal::Housekeeping>,
        notifications: portal::Notifications,
        store: std::sync::Arc<dyn gru_ports::Store>,
        clock: std::sync::Arc<dyn gru_ports::Clock>,
    ) -> Self {
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(portal::serve(listener, router, async {
            let _ = stopped.await;
        }));
        Self {
            url,
            data_dir: Some(data_dir),
            client: reqwest::Client::new(),
            housekeeping,
            delivery: Some(portal::DeliveryTask::spawn(notifications, DELIVERY_PERIOD)),
            shutdown: Some(shutdown),
            store,
            clock,
        }
    }

    /// Stops the portal and hands back its data directory.
    pub async fn stop(mut self) -> tempfile::TempDir {
        if let Some(delivery) = self.delivery.take() {
            delivery.stop().await;
        }
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        self.data_dir.take().expect("the data directory is kept until stop")
    }

    /// The portal's data directory (outbox, files, store).
    pub fn data_path(&self) -> &std::path::Path {
        self.data_dir.as_ref().expect("the data directory is kept until stop").path()
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(format!("{}{path}", self.url)).send().await.expect("request sent")
    }

    /// Sends a JSON request as the site does (with the CSRF header), with the
    /// citizen's session cookie if given, and returns the status, headers and
    /// body (`null` when empty).
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<&serde_json::Value>,
        session: Option<&str>,
    ) -> Answer {
        let cookie = session.map(|token| format!("gru_session={token}"));
        self.call_with(method, path, body, cookie.as_deref()).await
    }

    /// [`Self::call`] with a whole cookie (`gru_agent=...` for an agent, as
    /// [`Self::agent`] gives it).
    pub async fn call_with(
        &self,
        method: &str,
        path: &str,
        body: Option<&serde_json::Value>,
        cookie: Option<&str>,
    ) -> Answer {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("an HTTP method");
        let mut request =
            self.client.request(method, format!("{}{path}", self.url)).header("x-gru-csrf", "1");
        if let Some(body) = body {
            request = request.json(body);
        }
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        let response = request.send().await.expect("request sent");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("a body");
        let body = if bytes.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|_| String::from_utf8_lossy(&bytes).into())
        };
        Answer { status, headers, body }
    }

    /// The emails sent to `to` so far, newest first. The answers to a
    /// click (codes, links) are sent before the answer; an email announcing
    /// a change goes through the outbox: wait for it with [`Self::email_to`].
    pub fn emails_to(&self, to: &str) -> Vec<gru_embedded::OutboxEntry> {
        gru_embedded::outbox_messages(&self.data_path().join("outbox"))
            .expect("the outbox is readable")
            .into_iter()
            .filter(|e| e.to.contains(to))
            .collect()
    }

    /// The newest email to `to` whose subject contains `subject`, waiting
    /// up to five seconds for the outbox's delivery to send it.
    pub async fn email_to(&self, to: &str, subject: &str) -> gru_embedded::OutboxEntry {
        let deadline = tokio::time::Instant::now() + EMAIL_WAIT;
        loop {
            if let Some(found) = self.emails_to(to).into_iter().find(|m| m.subject.contains(subject)) {
                return found;
            }
            assert!(tokio::time::Instant::now() < deadline, "no email « {subject} » within {EMAIL_WAIT:?}");
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// Waits up to five seconds for the stored object at `path` to be
    /// deleted (by the outbox's delivery, which deletes the bytes of files
    /// whose records are gone); fails if it is still there.
    pub async fn wait_until_gone(&self, path: &std::path::Path) {
        let deadline = tokio::time::Instant::now() + EMAIL_WAIT;
        while path.exists() {
            assert!(
                tokio::time::Instant::now() < deadline,
                "{} still there after {EMAIL_WAIT:?}",
                path.display()
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// A death certificate request submitted by the signed-in citizen of
    /// `session`; returns its reference.
    pub async fn death_certificate_request(&self, session: &str) -> String {
        let body = serde_json::json!({ "service": "acte-etat-civil" });
        let draft = self.call("POST", "/api/submissions/drafts", Some(&body), Some(session)).await.body;
        let path = format!("/api/submissions/drafts/{}", draft["id"].as_str().expect("a draft"));
        let save =
            serde_json::json!({ "answers": death_certificate_answers(), "page": "delivery", "version": 1 });
        let saved = self.call("PUT", &path, Some(&save), Some(session)).await;
        assert_eq!(saved.status, 200, "{}", saved.body);
        let sent =
            self.call("POST", &format!("{path}/submit"), Some(&serde_json::json!({})), Some(session)).await;
        assert_eq!(sent.status, 201, "{}", sent.body);
        sent.body["reference"].as_str().expect("a reference").to_owned()
    }

    /// Enrols an agent as `portal agent create` does, signs them in with
    /// their password and a fresh TOTP code as the admin page does, and
    /// returns their cookie (`gru_agent=...`) and id.
    pub async fn agent(
        &self,
        email: &str,
        role: accounts::agents::Role,
        services: &[&str],
    ) -> (String, String) {
        let new = accounts::agents::NewAgent {
            email: email.into(),
            name: format!("Agent {email}"),
            role,
            services: services.iter().map(|s| s.to_string()).collect(),
        };
        let credentials = accounts::agents::enrol(self.store.clone(), self.clock.clone(), &self.url, new)
            .await
            .expect("the agent is enrolled");
        (self.agent_signs_in(&credentials).await, credentials.agent.id)
    }

    /// The agent of `credentials` signs in again (a new session, e.g. after
    /// the clock moved past the last one): their cookie.
    pub async fn agent_signs_in(&self, credentials: &accounts::agents::Credentials) -> String {
        let now = self.clock.now().as_second().try_into().expect("after 1970");
        let body = serde_json::json!({
            "email": credentials.agent.email,
            "password": credentials.password,
            "code": accounts::agents::totp_code(&credentials.totp_secret, now),
        });
        let signed_in = self.call("POST", "/api/accounts/agents/signin", Some(&body), None).await;
        assert_eq!(signed_in.status, 200, "{}", signed_in.body);
        let cookie = signed_in
            .headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|c| c.strip_prefix("gru_agent=")?.split(';').next())
            .expect("the agent's session cookie");
        format!("gru_agent={cookie}")
    }

    /// GETs `path` and parses the JSON body, asserting the status.
    pub async fn get_json(&self, path: &str, status: u16) -> serde_json::Value {
        let response = self.get(path).await;
        assert_eq!(response.status().as_u16(), status, "GET {path}");
        response.json().await.expect("a JSON body")
    }
}

/// A death certificate sent by email (demo city, service `acte-etat-civil`):
/// a case without documents to upload.
pub fn death_certificate_answers() -> serde_json::Value {
    serde_json::json!({
        "record_kind": "death", "person_last_name": "Martin", "person_first_names": "Paul",
        "death_date": "2024-02-03", "death_place": "Belleval-sur-Loire", "requester_name": "Camille Martin",
        "requester_email": "camille@exemple.fr", "delivery_method": "email"
    })
}

/// A full copy of one's own birth certificate (demo city, service
/// `acte-etat-civil`), sent by post: the case needs an identity document.
pub fn birth_certificate_answers() -> serde_json::Value {
    serde_json::json!({
        "record_kind": "birth",
        "copy_kind": "full",
        "relation": "self",
        "person_last_name": "Martin",
        "person_first_names": "Camille Anne",
        "birth_date": "1990-04-12",
        "parent1_name": "Paul Martin",
        "parent2_name": "Jeanne Durand",
        "requester_email": "camille.martin@exemple.fr",
        "postal_address": { "street": "3 rue des Lilas", "postcode": "41000", "city": "Belleval-sur-Loire" },
        "copies": 1
    })
}

impl TestPortal {
    /// A draft of [`birth_certificate_answers`], every page saved; its id.
    pub async fn birth_certificate_draft(&self, session: Option<&str>) -> String {
        let body = serde_json::json!({ "service": "acte-etat-civil" });
        let draft = self.call("POST", "/api/submissions/drafts", Some(&body), session).await;
        assert_eq!(draft.status, 201, "{}", draft.body);
        let id = draft.body["id"].as_str().expect("a draft id").to_owned();
        let save = serde_json::json!({
            "answers": birth_certificate_answers(), "page": "delivery", "version": draft.body["version"]
        });
        let saved = self.call("PUT", &format!("/api/submissions/drafts/{id}"), Some(&save), session).await;
        assert_eq!(saved.status, 200, "{}", saved.body);
        id
    }
}

/// Plays GuardDuty Malware Protection on moto: tags an object with the
/// verdict GuardDuty would give (threats found when it holds the EICAR
/// test string's tail, none otherwise) unless tagged already, then reads
/// the verdict through the real adapter.
pub struct GuardDutyStandIn {
    s3: aws_sdk_s3::Client,
    bucket: String,
    reader: gru_s3::GuardDutyScanner,
}

#[async_trait::async_trait]
impl gru_ports::Scanner for GuardDutyStandIn {
    fn name(&self) -> &'static str {
        self.reader.name()
    }

    /// Unlike GuardDuty, the stand-in judges by the bytes it is given.
    fn reads_body(&self) -> bool {
        true
    }

    async fn scan(&self, key: &str, body: &[u8]) -> Result<gru_ports::Verdict, gru_ports::ScanError> {
        use aws_sdk_s3::types::{Tag, Tagging};
        let tags = self.s3.get_object_tagging().bucket(&self.bucket).key(key).send().await;
        if tags.is_ok_and(|t| t.tag_set().is_empty()) {
            let infected = body.windows(14).any(|w| w == b"ANTIVIRUS-TEST");
            let status = if infected { "THREATS_FOUND" } else { "NO_THREATS_FOUND" };
            let tag = Tag::builder().key(gru_s3::SCAN_STATUS_TAG).value(status).build().expect("a tag");
            let tagging = Tagging::builder().tag_set(tag).build().expect("a tag set");
            let tagged =
                self.s3.put_object_tagging().bucket(&self.bucket).key(key).tagging(tagging).send().await;
            tagged.expect("moto tags the object");
        }
        self.reader.scan(key, body).await
    }
}

/// A small, real PDF (its bytes say so).
pub const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

impl TestPortal {
    /// Uploads `bytes` for `document` of a draft as the site does: asks a
    /// grant, sends the bytes where it says, confirms. Answers the refusal
    /// of the grant, or else the confirmation's answer.
    pub async fn upload(
        &self,
        draft: &str,
        document: &str,
        name: &str,
        media_type: &str,
        bytes: &[u8],
        session: Option<&str>,
    ) -> Answer {
        let body = serde_json::json!({
            "document": document, "name": name, "type": media_type, "size": bytes.len()
        });
        let grant =
            self.call("POST", &format!("/api/attachments/drafts/{draft}/files"), Some(&body), session).await;
        if grant.status != 201 {
            return grant;
        }
        let status = self.put_upload(&grant.body["upload"], bytes.to_vec()).await;
        assert!((200..300).contains(&status), "the upload grant accepts the announced file: {status}");
        let file = grant.body["file"]["id"].as_str().expect("a file id");
        let confirm = format!("/api/attachments/drafts/{draft}/files/{file}/confirm");
        self.call("POST", &confirm, Some(&serde_json::json!({})), session).await
    }

    /// Sends `bytes` as an upload grant says (every header but the length,
    /// which the client sets, as browsers do), and answers the status.
    pub async fn put_upload(&self, upload: &serde_json::Value, bytes: Vec<u8>) -> u16 {
        let mut request = self.client.put(upload["url"].as_str().expect("a grant URL"));
        for pair in upload["headers"].as_array().expect("grant headers") {
            let (name, value) = (pair[0].as_str().unwrap(), pair[1].as_str().unwrap());
            if !name.eq_ignore_ascii_case("content-length") {
                request = request.header(name, value);
            }
        }
        request.body(bytes).send().await.expect("upload sent").status().as_u16()
    }

    /// Signs a citizen up and in through the emailed verification link;
    /// answers the session token.
    pub async fn signed_up(&self, email: &str) -> String {
        let body = serde_json::json!({ "email": email, "password": "un mot de passe solide", "name": "Camille Martin" });
        assert_eq!(self.call("POST", "/api/accounts/signup", Some(&body), None).await.status, 202);
        let link = self
            .emails_to(email)
            .into_iter()
            .find_map(|mail| mail.links.into_iter().find(|l| l.contains("/compte/verifier.html#")))
            .expect("the verification email and its link");
        let token = link.split_once('#').unwrap().1;
        let body = serde_json::json!({ "token": token });
        let answer = self.call("POST", "/api/accounts/signup/verify", Some(&body), None).await;
        assert_eq!(answer.status, 201, "{}", answer.body);
        answer.session().expect("signed in")
    }

    /// Uploads a small PDF for every document the draft's case still misses
    /// (nothing when the draft is gone: submitted already).
    pub async fn attach_required(&self, draft: &str, session: Option<&str>) {
        let checklist = self.call("GET", &format!("/api/attachments/drafts/{draft}"), None, session).await;
        if checklist.status == 404 {
            return;
        }
        assert_eq!(checklist.status, 200, "{:?}", checklist.body);
        for document in checklist.body["documents"].as_array().expect("documents") {
            if document["missing"] == true {
                let id = document["id"].as_str().unwrap();
                let sent = self.upload(draft, id, "piece.pdf", "application/pdf", PDF, session).await;
                assert_eq!(sent.status, 200, "{:?}", sent.body);
            }
        }
    }
}

/// What came back from [`TestPortal::call`].
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: serde_json::Value,
}

impl Answer {
    /// The session token the answer set, if any.
    pub fn session(&self) -> Option<String> {
        self.headers.get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).find_map(|cookie| {
            let value = cookie.strip_prefix("gru_session=")?.split(';').next()?;
            (!value.is_empty()).then(|| value.to_owned())
        })
    }

    /// The field paths of a problem's errors.
    pub fn error_fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|errors| errors.iter().filter_map(|e| e["field"].as_str().map(str::to_owned)).collect())
            .unwrap_or_default()
    }
}

impl Drop for TestPortal {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}
