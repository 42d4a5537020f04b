//! One helper spawns the all-in-one portal on a free port with a fresh data
//! directory and the demo city; each test then reads as a user story told
//! over HTTP.

use std::path::PathBuf;

/// A running portal, stopped when dropped.
pub struct TestPortal {
    pub url: String,
    data_dir: Option<tempfile::TempDir>,
    pub client: reqwest::Client,
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

    /// Starts the portal on an existing data directory (a restart).
    pub async fn spawn_in(data_dir: tempfile::TempDir, city_dir: PathBuf) -> Self {
        let options = portal::Options {
            data_dir: data_dir.path().to_owned(),
            city_dir,
            site_dir: repository().join("static-site"),
            serve_outbox: true,
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let app = portal::Portal::open(&options, &url).await.expect("the portal starts");
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(portal::serve(listener, app.router, async {
            let _ = stopped.await;
        }));
        Self { url, data_dir: Some(data_dir), client: reqwest::Client::new(), shutdown: Some(shutdown) }
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

    /// GETs `path` and parses the JSON body, asserting the status.
    pub async fn get_json(&self, path: &str, status: u16) -> serde_json::Value {
        let response = self.get(path).await;
        assert_eq!(response.status().as_u16(), status, "GET {path}");
        response.json().await.expect("a JSON body")
    }
}

impl Drop for TestPortal {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}
