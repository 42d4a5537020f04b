//! Submissions on the all-in-one stack (SQLite store, outbox mailer): how
//! many per second, at what latency, and how many store operations each
//! costs. `cargo bench -p gru-tests --bench submissions` (what `cargo xtask
//! bench` runs) measures 2,000 submissions from 32 concurrent clients; run as
//! a test (`cargo test --all-targets`), it checks the same path with 20.
//!
//! Each submission is a signed-in citizen's (no email code), of a complete
//! civil-status form prepared beforehand, so the figure is the submission
//! alone: validation against the form version, one transaction, one email.

use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn birth_answers() -> Value {
    json!({
        "record_kind": "birth", "copy_kind": "full", "relation": "self",
        "person_last_name": "Martin", "person_first_names": "Camille", "birth_date": "1990-04-12",
        "parent1_name": "Paul Martin", "requester_email": "camille@exemple.fr",
        "postal_address": { "street": "3 rue des Lilas", "postcode": "41000", "city": "Belleval-sur-Loire" },
        "copies": 1
    })
}

/// Supplies the identity document the birth certificate needs: grant,
/// upload, confirm (not timed: the figure is the submission's).
async fn attach_identity<F, Fut>(call: &F, client: &reqwest::Client, draft: &str, session: &str)
where
    F: Fn(reqwest::Method, String, Value, Option<String>) -> Fut,
    Fut: std::future::Future<Output = reqwest::Result<reqwest::Response>>,
{
    let body = json!({ "document": "identity", "name": "carte.pdf", "type": "application/pdf", "size": gru_tests::PDF.len() });
    let path = format!("/api/attachments/drafts/{draft}/files");
    let grant: Value = call(reqwest::Method::POST, path, body, Some(session.to_owned()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let upload = &grant["upload"];
    let sent = client
        .put(upload["url"].as_str().unwrap())
        .header("content-type", "application/pdf")
        .body(gru_tests::PDF)
        .send()
        .await
        .unwrap();
    assert!(sent.status().is_success());
    let path =
        format!("/api/attachments/drafts/{draft}/files/{}/confirm", grant["file"]["id"].as_str().unwrap());
    let confirmed = call(reqwest::Method::POST, path, json!({}), Some(session.to_owned())).await.unwrap();
    assert_eq!(confirmed.status(), 200);
}

#[tokio::main]
async fn main() {
    let measuring = std::env::args().any(|a| a == "--bench");
    let (submissions, clients) = if measuring { (2_000, 32) } else { (20, 4) };

    let dir = tempfile::tempdir().unwrap();
    let (url, store) = gru_tests::counting::serve_demo(dir.path()).await;

    let client = reqwest::Client::new();
    let call = |method: reqwest::Method, path: String, body: Value, session: Option<String>| {
        let mut request =
            client.request(method, format!("{url}{path}")).header("x-gru-csrf", "1").json(&body);
        if let Some(token) = session {
            request = request.header("cookie", format!("gru_session={token}"));
        }
        request.send()
    };
    let session = sign_up(&call, dir.path()).await;

    // Drafts ready to submit.
    let mut drafts = Vec::with_capacity(submissions);
    for _ in 0..submissions {
        let draft: Value = call(
            reqwest::Method::POST,
            "/api/submissions/drafts".into(),
            json!({ "service": "acte-etat-civil" }),
            Some(session.clone()),
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        let id = draft["id"].as_str().unwrap().to_owned();
        let saved = call(
            reqwest::Method::PUT,
            format!("/api/submissions/drafts/{id}"),
            json!({ "answers": birth_answers(), "page": "delivery", "version": draft["version"] }),
            Some(session.clone()),
        )
        .await
        .unwrap();
        assert_eq!(saved.status(), 200);
        attach_identity(&call, &client, &id, &session).await;
        drafts.push(id);
    }

    let before = store.snapshot();
    let queue = Arc::new(std::sync::Mutex::new(drafts));
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..clients {
        let (queue, call_client, url, session) =
            (queue.clone(), client.clone(), url.clone(), session.clone());
        workers.spawn(async move {
            let mut latencies = Vec::new();
            loop {
                // The lock is released before the request is sent.
                let next = queue.lock().unwrap().pop();
                let Some(id) = next else { break };
                let sent = Instant::now();
                let response = call_client
                    .post(format!("{url}/api/submissions/drafts/{id}/submit"))
                    .header("x-gru-csrf", "1")
                    .header("idempotency-key", &id)
                    .header("cookie", format!("gru_session={session}"))
                    .json(&json!({}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
                latencies.push(sent.elapsed());
            }
            latencies
        });
    }
    let mut latencies: Vec<Duration> = workers.join_all().await.into_iter().flatten().collect();
    let elapsed = started.elapsed();
    let after = store.snapshot();
    latencies.sort();
    let percentile = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    let per = |i: usize| (after[i] - before[i]) as f64 / submissions as f64;
    println!(
        "| submissions | clients | per second | p50 | p99 | reads each | single writes each | transactions each |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    println!(
        "| {submissions} | {clients} | {:.0} | {:.1} ms | {:.1} ms | {:.1} | {:.1} | {:.1} |",
        submissions as f64 / elapsed.as_secs_f64(),
        percentile(0.50).as_secs_f64() * 1000.0,
        percentile(0.99).as_secs_f64() * 1000.0,
        per(0),
        per(1),
        per(2),
    );
}

/// Signs a citizen up through the emailed verification link; returns the session token.
async fn sign_up<F, Fut>(call: &F, data: &std::path::Path) -> String
where
    F: Fn(reqwest::Method, String, Value, Option<String>) -> Fut,
    Fut: std::future::Future<Output = reqwest::Result<reqwest::Response>>,
{
    let body = json!({ "email": "bench@exemple.fr", "password": "un mot de passe solide" });
    let signup = call(reqwest::Method::POST, "/api/accounts/signup".into(), body, None).await.unwrap();
    assert_eq!(signup.status(), 202);
    let mail = gru_embedded::outbox_messages(&data.join("outbox")).unwrap().remove(0);
    let token = mail.links.iter().find_map(|l| l.split_once("verifier.html#")).unwrap().1.to_owned();
    let verified =
        call(reqwest::Method::POST, "/api/accounts/signup/verify".into(), json!({ "token": token }), None)
            .await
            .unwrap();
    let cookie = verified.headers()["set-cookie"].to_str().unwrap().to_owned();
    cookie.strip_prefix("gru_session=").unwrap().split(';').next().unwrap().to_owned()
}
