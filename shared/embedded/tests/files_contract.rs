//! The Files contract on local files, served over real HTTP, and the grant
//! refusals only the embedded adapter has to enforce itself.

use gru_embedded::LocalFiles;
use gru_embedded::files::router;
use gru_ports::contract::files::upload;
use gru_ports::files::{Files, UploadGrant};
use gru_ports::{Clock, FixedClock};
use jiff::{SignedDuration, Timestamp};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const PDF: &[u8] = b"%PDF-1.7\n% embedded test\n%%EOF\n";

/// A server on a free port serving `router` for a `LocalFiles` in a fresh folder.
struct Server {
    files: Arc<LocalFiles>,
    root: PathBuf,
    address: std::net::SocketAddr,
}

async fn start(clock: Arc<dyn Clock>) -> Server {
    let dir = tempfile::tempdir().expect("temporary folder");
    let root = dir.path().join("files");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let files = Arc::new(LocalFiles::new(root.clone(), format!("http://{address}/"), [7; 32], clock));
    let app = router(files.clone());
    tokio::spawn(async move {
        // The folder lives as long as the server, which lives as long as the test.
        let _dir = dir;
        axum::serve(listener, app).await
    });
    Server { files, root, address }
}

async fn make() -> Arc<dyn Files> {
    start(Arc::new(gru_ports::SystemClock)).await.files
}

gru_ports::files_contract!(make().await);

fn at_noon() -> Arc<FixedClock> {
    Arc::new(FixedClock::new("2027-03-28T12:00:00Z".parse::<Timestamp>().unwrap()))
}

async fn grant(server: &Server, key: &str) -> UploadGrant {
    server
        .files
        .upload_grant(key, "application/pdf", PDF.len() as u64, SignedDuration::from_mins(5))
        .await
        .unwrap()
}

/// Asserts a problem+json refusal with `status` and a type ending in `kind`.
async fn assert_refused(response: reqwest::Response, status: u16, kind: &str) {
    assert_eq!(response.status().as_u16(), status);
    assert_eq!(response.headers().get("content-type").unwrap().to_str().unwrap(), "application/problem+json");
    let problem: serde_json::Value = response.json().await.unwrap();
    assert!(problem["type"].as_str().unwrap().ends_with(kind), "{problem}");
    assert_eq!(problem["status"], status);
    assert!(!problem["detail"].as_str().unwrap().is_empty(), "{problem}");
}

/// Nothing was stored under `key`, and no temporary file was left behind.
async fn assert_nothing_stored(server: &Server, key: &str) {
    assert!(server.files.head(key).await.unwrap().is_none(), "{key} was stored");
    let leftovers = match std::fs::read_dir(server.root.join("tmp")) {
        Ok(entries) => entries.count(),
        Err(_) => 0,
    };
    assert_eq!(leftovers, 0, "temporary files left behind");
}

fn with_param(url: &str, name: &str, value: &str) -> String {
    let mut url = reqwest::Url::parse(url).unwrap();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == name { value.to_owned() } else { v.into_owned() };
            (k.into_owned(), v)
        })
        .collect();
    url.query_pairs_mut().clear().extend_pairs(pairs);
    url.to_string()
}

async fn put(url: &str, content_type: &str, body: Vec<u8>) -> reqwest::Response {
    reqwest::Client::new().put(url).header("content-type", content_type).body(body).send().await.unwrap()
}

/// Sends `head` then `body` on a raw connection, closes the sending side and
/// returns the whole response, for requests no HTTP client would send.
async fn raw_request(address: std::net::SocketAddr, head: String, body: &[u8]) -> String {
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    stream.shutdown().await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    String::from_utf8_lossy(&response).into_owned()
}

fn path_and_query(url: &str) -> String {
    let url = reqwest::Url::parse(url).unwrap();
    format!("{}?{}", url.path(), url.query().unwrap())
}

#[tokio::test]
async fn an_upload_grant_refuses_a_body_of_another_length() {
    let server = start(at_noon()).await;
    let key = "requests/R-1/short.pdf";
    let grant = grant(&server, key).await;
    assert_refused(upload(&grant, PDF[..10].to_vec()).await, 400, "wrong-length").await;
    assert_nothing_stored(&server, key).await;
    let mut longer = PDF.to_vec();
    longer.extend_from_slice(b"more");
    assert_refused(upload(&grant, longer).await, 413, "too-large").await;
    assert_nothing_stored(&server, key).await;
}

#[tokio::test]
async fn an_upload_grant_counts_the_bytes_received_not_the_header() {
    let server = start(at_noon()).await;
    let key = "requests/R-1/lying.pdf";
    let grant = grant(&server, key).await;
    let target = path_and_query(&grant.url);
    // Announces the signed length, then sends fewer bytes and hangs up.
    let head = format!(
        "PUT {target} HTTP/1.1\r\nhost: test\r\ncontent-type: application/pdf\r\n\
         content-length: {}\r\n\r\n",
        PDF.len()
    );
    let response = raw_request(server.address, head, &PDF[..5]).await;
    assert!(response.starts_with("HTTP/1.1 400 "), "{response}");
    assert!(response.contains("urn:gru:problem:wrong-length"), "{response}");
    assert_nothing_stored(&server, key).await;
    // A chunked body announces no length at all.
    let head = format!(
        "PUT {target} HTTP/1.1\r\nhost: test\r\ncontent-type: application/pdf\r\n\
         transfer-encoding: chunked\r\nconnection: close\r\n\r\n"
    );
    let body = format!("{:x}\r\n{}\r\n0\r\n\r\n", PDF.len() * 2, "x".repeat(PDF.len() * 2));
    let response = raw_request(server.address, head, body.as_bytes()).await;
    assert!(response.starts_with("HTTP/1.1 411 "), "{response}");
    assert!(response.contains("urn:gru:problem:length-required"), "{response}");
    assert_nothing_stored(&server, key).await;
}

#[tokio::test]
async fn an_upload_grant_refuses_another_content_type() {
    let server = start(at_noon()).await;
    let key = "requests/R-1/typed.pdf";
    let grant = grant(&server, key).await;
    assert_refused(put(&grant.url, "text/html", PDF.to_vec()).await, 415, "wrong-content-type").await;
    assert_nothing_stored(&server, key).await;
}

#[tokio::test]
async fn an_expired_upload_grant_is_refused() {
    let clock = at_noon();
    let server = start(clock.clone()).await;
    let key = "requests/R-1/late.pdf";
    let grant = grant(&server, key).await;
    assert_eq!(grant.expires_at, "2027-03-28T12:05:00Z".parse::<Timestamp>().unwrap());
    clock.advance(SignedDuration::from_mins(5));
    assert_refused(upload(&grant, PDF.to_vec()).await, 403, "grant-expired").await;
    assert_nothing_stored(&server, key).await;
}

#[tokio::test]
async fn a_tampered_upload_grant_is_refused() {
    let server = start(at_noon()).await;
    let key = "requests/R-1/mine.pdf";
    let grant = grant(&server, key).await;
    let other = "requests/R-2/theirs.pdf";
    let tampered_key = with_param(&grant.url, "key", other);
    assert_refused(put(&tampered_key, "application/pdf", PDF.to_vec()).await, 403, "invalid-grant").await;
    assert_nothing_stored(&server, other).await;
    let bigger = PDF.len() + 1000;
    let tampered_length = with_param(&grant.url, "length", &bigger.to_string());
    assert_refused(put(&tampered_length, "application/pdf", vec![b'x'; bigger]).await, 403, "invalid-grant")
        .await;
    let tampered_type = with_param(&grant.url, "type", "text/html");
    assert_refused(put(&tampered_type, "text/html", PDF.to_vec()).await, 403, "invalid-grant").await;
    let later = with_param(&grant.url, "expires", "4102444800");
    assert_refused(put(&later, "application/pdf", PDF.to_vec()).await, 403, "invalid-grant").await;
    let unsigned = grant.url.split("&sig=").next().unwrap().to_owned();
    assert_refused(put(&unsigned, "application/pdf", PDF.to_vec()).await, 403, "invalid-grant").await;
    assert_nothing_stored(&server, key).await;
}

#[tokio::test]
async fn a_download_grant_is_signed_expires_and_needs_the_object() {
    let clock = at_noon();
    let server = start(clock.clone()).await;
    let key = "requests/R-1/acte.pdf";
    server.files.put(key, PDF.to_vec(), "application/pdf").await.unwrap();
    let grant = server
        .files
        .download_grant(key, "Acte de naissance — Zoé.pdf", SignedDuration::from_mins(5))
        .await
        .unwrap();

    let response = reqwest::get(&grant.url).await.unwrap();
    assert_eq!(response.status(), 200);
    let header = |name: &str| response.headers().get(name).unwrap().to_str().unwrap().to_owned();
    assert_eq!(header("content-type"), "application/pdf");
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(header("cache-control"), "private, no-store");
    assert_eq!(
        header("content-disposition"),
        "attachment; filename=\"Acte de naissance _ Zo_.pdf\"; \
         filename*=UTF-8''Acte%20de%20naissance%20%E2%80%94%20Zo%C3%A9.pdf"
    );

    let renamed = with_param(&grant.url, "name", "facture.html");
    assert_refused(reqwest::get(&renamed).await.unwrap(), 403, "invalid-grant").await;
    let other = with_param(&grant.url, "key", "requests/R-2/acte.pdf");
    assert_refused(reqwest::get(&other).await.unwrap(), 403, "invalid-grant").await;

    let missing = server
        .files
        .download_grant("requests/R-1/gone.pdf", "x.pdf", SignedDuration::from_mins(5))
        .await
        .unwrap();
    assert_refused(reqwest::get(&missing.url).await.unwrap(), 404, "file-not-found").await;

    clock.advance(SignedDuration::from_mins(6));
    assert_refused(reqwest::get(&grant.url).await.unwrap(), 403, "grant-expired").await;
}

#[tokio::test]
async fn an_object_and_a_longer_key_under_it_coexist() {
    let server = start(at_noon()).await;
    server.files.put("a", b"short".to_vec(), "text/plain").await.unwrap();
    server.files.put("a/b", b"long".to_vec(), "text/plain").await.unwrap();
    assert_eq!(server.files.get("a").await.unwrap().as_deref(), Some(&b"short"[..]));
    assert_eq!(server.files.get("a/b").await.unwrap().as_deref(), Some(&b"long"[..]));
    assert!(server.files.head("a/b/c").await.unwrap().is_none());
    assert!(server.files.head("b/c").await.unwrap().is_none());
    assert_stored_under(&server.root, "objects/a~obj");
}

fn assert_stored_under(root: &Path, relative: &str) {
    assert!(root.join(relative).is_file(), "{relative} is not a file under {}", root.display());
}
