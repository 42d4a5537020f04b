//! The indicators' dashboard of a year, on the all-in-one stack (SQLite):
//! a city that received 100,000 requests in the year (and as many the year
//! before, for the comparison), its counters written as the changes write
//! them (`gru_records::indicators::writes`), then `GET
//! /api/reporting/indicators` for the whole year by a supervisor, timed
//! over HTTP from the client, the first call (every month read from the
//! store) apart from the median. `cargo bench -p gru-tests --bench
//! indicators` (what `cargo xtask bench` runs) measures; run as a test
//! (`cargo test --all-targets`), it checks the same path on 2,000 requests.
//!
//! The requests are spread over the demo city's services and the channels
//! (70 % online), each received, most instructed and decided (70 %
//! accepted, 20 % refused, 10 % closed) after 0 to 39 working days.

use gru_domain::indicators::Tally;
use jiff::ToSpan;
use jiff::civil::{Date, date};
use std::time::{Duration, Instant};

const CHANNELS: [&str; 5] = ["online", "phone", "email", "counter", "post"];

/// The tallies of `requests` requests received in the year ending on `last`.
fn year_of_requests(
    requests: u64,
    last: Date,
    services: &[String],
    dice: &mut gru_tests::Dice,
) -> Vec<Tally> {
    let mut tallies = Vec::new();
    for _ in 0..requests {
        let day = last.checked_sub((dice.roll(365) as i64).days()).unwrap();
        let service = services[dice.roll(services.len())].clone();
        let channel = if dice.roll(10) < 7 { "online" } else { CHANNELS[1 + dice.roll(4)] };
        let mut count = |day: Date, counter: String| {
            tallies.push(Tally {
                day,
                service: service.clone(),
                channel: channel.to_owned(),
                counter,
                count: 1,
            });
        };
        count(day, "received".into());
        if dice.roll(10) < 9 {
            count(day, "instructed".into());
            let outcome = match dice.roll(10) {
                0..7 => "accepted",
                7..9 => "refused",
                _ => "closed",
            };
            let days = dice.roll(40);
            let decided = day.checked_add((days as i64).days()).unwrap().min(last);
            count(decided, format!("decided:{outcome}"));
            count(decided, format!("days:{outcome}:{days}"));
            count(decided, if dice.roll(10) < 8 { "in_time" } else { "late" }.into());
        }
    }
    tallies
}

#[tokio::main]
async fn main() {
    let measuring = std::env::args().any(|a| a == "--bench");
    let (requests, calls) = if measuring { (100_000, 50) } else { (2_000, 3) };
    let portal = gru_tests::TestPortal::spawn().await;
    let services: Vec<String> = gru_records::catalogue::CatalogueRepository::new(portal.store.clone())
        .all_summaries()
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.slug)
        .collect();

    let last = date(2026, 11, 30);
    let mut dice = gru_tests::Dice(0x9e37_79b9_7f4a_7c15);
    let seeding = Instant::now();
    let mut tallies = year_of_requests(requests, last, &services, &mut dice);
    tallies.extend(year_of_requests(requests, last.checked_sub(1.year()).unwrap(), &services, &mut dice));
    // The counters as the changes write them: each day's, service's and
    // channel's tallies together, as a busy day's changes would add them.
    let mut by_key: std::collections::BTreeMap<(Date, String, String), Vec<Tally>> = Default::default();
    for tally in tallies {
        by_key.entry((tally.day, tally.service.clone(), tally.channel.clone())).or_default().push(tally);
    }
    let ops: Vec<_> = by_key
        .values()
        .flat_map(|group| gru_records::indicators::writes(gru_records::indicators::Family::Requests, group))
        .collect();
    let written = ops.len();
    // Transactions of at most 100 additions, each on another key.
    let mut batch: Vec<gru_ports::TransactOp> = Vec::new();
    for op in ops {
        if batch.len() == 100 || batch.iter().any(|o| o.key() == op.key()) {
            portal.store.transact(std::mem::take(&mut batch)).await.unwrap();
        }
        batch.push(op);
    }
    portal.store.transact(batch).await.unwrap();
    println!(
        "seeded {} requests a year over two years: {written} counter additions in {:.1?}",
        requests,
        seeding.elapsed()
    );

    let (boss, _) = portal.agent("direction@belleval.example", accounts::agents::Role::Supervisor, &[]).await;
    let path = format!("/api/reporting/indicators?from={}&to={last}", last.checked_sub(364.days()).unwrap());
    let mut times: Vec<Duration> = Vec::new();
    let mut answer = serde_json::Value::Null;
    for _ in 0..calls {
        let started = Instant::now();
        let response = portal.call_with("GET", &path, None, Some(&boss)).await;
        times.push(started.elapsed());
        assert_eq!(response.status, 200, "{}", response.body);
        answer = response.body;
    }
    let received = answer["figures"]["received"].as_i64().unwrap();
    assert!(received > requests as i64 * 9 / 10, "the year's requests are counted: {received}");
    assert_eq!(answer["series"].as_array().unwrap().len(), 12, "a year, month by month");
    // The first call reads every month from the store; the next ones find
    // the closed months kept in memory (`IndicatorsRepository`).
    let first = times[0];
    times.sort();
    let median = times[times.len() / 2];
    let worst = times[times.len() - 1];
    println!(
        "dashboard of a year ({received} received, beside the year before): first call {first:.1?}, then median {median:.1?}, slowest {worst:.1?} over {calls} calls"
    );
}
