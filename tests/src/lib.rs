//! One helper spawns the all-in-one portal on a free port with a fresh data
//! directory and the demo city; each test then reads as a user story told
//! over HTTP.

use std::path::PathBuf;

/// A running portal, stopped when dropped.
pub struct TestPortal {
    pub url: String,
    data_dir: Option<tempfile::TempDir>,
    pub client: reqwest::Client,
    /// The portal's periodic jobs, for tests to run a round when they want.
    pub housekeeping: portal::Housekeeping,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
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
        Self::start(data_dir, repository().join("infra/cities/demo"), clock).await
    }

    /// Starts the portal on an existing data directory (a restart).
    pub async fn spawn_in(data_dir: tempfile::TempDir, city_dir: PathBuf) -> Self {
        Self::start(data_dir, city_dir, std::sync::Arc::new(gru_ports::SystemClock)).await
    }

    async fn start(
        data_dir: tempfile::TempDir,
        city_dir: PathBuf,
        clock: std::sync::Arc<dyn gru_ports::Clock>,
    ) -> Self {
        let options = portal::Options {
            data_dir: data_dir.path().to_owned(),
            city_dir,
            site_dir: repository().join("static-site"),
            serve_outbox: true,
            drafts: Default::default(),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let app = portal::Portal::open_with_clock(&options, &url, clock).await.expect("the portal starts");
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(portal::serve(listener, app.router, async {
            let _ = stopped.await;
        }));
        Self {
            url,
            data_dir: Some(data_dir),
            client: reqwest::Client::new(),
            housekeeping: app.housekeeping,
            shutdown: Some(shutdown),
        }
    }

    /// Stops the portal and hands back its data directory.
    pub async fn stop(mut self) -> tempfile::TempDir {
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
    /// session cookie if given, and returns the status, headers and body
    /// (`null` when empty).
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<&serde_json::Value>,
        session: Option<&str>,
    ) -> Answer {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("an HTTP method");
        let mut request =
            self.client.request(method, format!("{}{path}", self.url)).header("x-gru-csrf", "1");
        if let Some(body) = body {
            request = request.json(body);
        }
        if let Some(token) = session {
            request = request.header("cookie", format!("gru_session={token}"));
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

    /// The emails sent to `to`, newest first.
    pub fn emails_to(&self, to: &str) -> Vec<gru_embedded::OutboxEntry> {
        gru_embedded::outbox_messages(&self.data_path().join("outbox"))
            .expect("the outbox is readable")
            .into_iter()
            .filter(|e| e.to.contains(to))
            .collect()
    }

    /// GETs `path` and parses the JSON body, asserting the status.
    pub async fn get_json(&self, path: &str, status: u16) -> serde_json::Value {
        let response = self.get(path).await;
        assert_eq!(response.status().as_u16(), status, "GET {path}");
        response.json().await.expect("a JSON body")
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
