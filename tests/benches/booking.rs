//! Booking on the all-in-one stack (SQLite store, outbox mailer): how many
//! store operations a hold and a confirmation cost, and their latency.
//! `cargo bench -p gru-tests --bench booking` (what `cargo xtask bench`
//! runs) books 400 places of the demo city's passport agendas from 8
//! concurrent clients; run as a test (`cargo test --all-targets`), it
//! checks the same path with 10 from one client (the figures without
//! contention: each race lost adds a read of the ledger and a transaction).
//!
//! Each booking is a citizen's without an account: a hold of a slot read
//! from the availability, then the confirmation with a distinct email (the
//! type allows one active appointment per citizen).

use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() {
    let measuring = std::env::args().any(|a| a == "--bench");
    let (bookings, clients) = if measuring { (400, 8) } else { (10, 1) };
    let dir = tempfile::tempdir().unwrap();
    let (url, store) = gru_tests::counting::serve_demo(dir.path()).await;
    let client = reqwest::Client::new();

    // Every free place of the two town halls' passport agendas, 60 days ahead.
    let availability: Value = client
        .get(format!("{url}/api/booking/availability?type=titre-identite&days=60"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut places: Vec<(String, String)> = Vec::new();
    for day in availability["days"].as_array().unwrap() {
        for slot in day["slots"].as_array().unwrap() {
            for _ in 0..slot["places_left"].as_u64().unwrap() {
                places
                    .push((slot["agenda"].as_str().unwrap().into(), slot["start"].as_str().unwrap().into()));
            }
        }
    }
    assert!(places.len() >= bookings, "{} places for {bookings} bookings", places.len());
    places.truncate(bookings);

    let before = store.snapshot();
    let queue = Arc::new(Mutex::new(places.into_iter().enumerate().collect::<Vec<_>>()));
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..clients {
        let (queue, client, url) = (queue.clone(), client.clone(), url.clone());
        workers.spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let next = queue.lock().unwrap().pop();
                let Some((n, (agenda, start))) = next else { break };
                let sent = Instant::now();
                let post = |path: &str, body: Value| {
                    client
                        .post(format!("{url}/api/booking{path}"))
                        .header("x-gru-csrf", "1")
                        .json(&body)
                        .send()
                };
                let hold =
                    post("/holds", json!({ "agenda": agenda, "type": "titre-identite", "start": start }))
                        .await
                        .unwrap();
                assert_eq!(hold.status(), 201, "{}", hold.text().await.unwrap());
                let hold: Value = hold.json().await.unwrap();
                // The passport type asks for the ANTS pre-application number.
                let body = json!({
                    "hold": hold["hold"], "name": "Camille Martin", "email": format!("c{n}@exemple.fr"),
                    "answers": { "numero-pre-demande": "2301A12345678" },
                });
                let confirmed = post("/appointments", body).await.unwrap();
                assert_eq!(confirmed.status(), 201, "{}", confirmed.text().await.unwrap());
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
    let per = |i: usize| (after[i] - before[i]) as f64 / bookings as f64;
    println!(
        "| bookings (hold + confirm) | clients | per second | p50 | p99 | reads each | transactions each |"
    );
    println!("|---|---|---|---|---|---|---|");
    println!(
        "| {bookings} | {clients} | {:.0} | {:.1} ms | {:.1} ms | {:.1} | {:.1} |",
        bookings as f64 / elapsed.as_secs_f64(),
        percentile(0.50).as_secs_f64() * 1000.0,
        percentile(0.99).as_secs_f64() * 1000.0,
        per(0),
        per(2),
    );
    assert_eq!(after[1], before[1], "bookings write only in transactions");
}
