//! Exports of a service's requests, told over HTTP on both deployments: an
//! agent chooses the columns, the export is built in steps whose progress
//! the back office shows, and the file opens in a spreadsheet with every
//! request of the period, nothing of another service.

use accounts::agents::Role;
use gru_ports::FixedClock;
use gru_tests::{TestPortal, death_certificate_answers, on_both};
use jiff::civil::Date;
use serde_json::{Map, Value, json};
use std::sync::Arc;

on_both!(
    an_agent_exports_a_services_requests_in_steps_and_opens_them_in_a_spreadsheet,
    exports_refuse_bad_orders_and_stay_their_agents_own,
);

const SERVICE: &str = "acte-etat-civil";
/// More requests than one step reads (`STEP_REQUESTS`, 200): the export takes three steps.
const REQUESTS: usize = 205;
/// A caller's name an attacker would choose: a formula and markup.
const HOSTILE: &str = "=HYPERLINK(\"http://x\") <b>Nom</b> & Cie";

fn today(clock: &FixedClock) -> Date {
    gru_ports::Clock::now(clock).to_zoned_datetime(jiff::tz::TimeZone::get("Europe/Paris").unwrap()).date()
}

/// `count` requests recorded by the agent of `cookie`, ten at a time; the
/// first caller's name is [`HOSTILE`]. Their references.
async fn record(portal: &TestPortal, cookie: &str, count: usize) -> Vec<String> {
    let mut references = Vec::new();
    for batch in (0..count).collect::<Vec<_>>().chunks(10) {
        let calls = batch.iter().map(|i| async move {
            let name = if *i == 0 { HOSTILE.to_owned() } else { format!("Usager {i}") };
            let body = json!({
                "service": SERVICE,
                "channel": if i % 2 == 0 { "phone" } else { "counter" },
                "citizen": { "email": format!("usager{i}@exemple.fr"), "name": name },
                "answers": death_certificate_answers(),
            });
            let recorded =
                portal.call_with("POST", "/api/submissions/agent/requests", Some(&body), Some(cookie)).await;
            assert_eq!(recorded.status, 201, "{}", recorded.body);
            recorded.body["reference"].as_str().unwrap().to_owned()
        });
        references.extend(futures_util::future::join_all(calls).await);
    }
    references
}

/// The export of `order` from its start to its file: each step's progress
/// and the file's bytes.
async fn export(portal: &TestPortal, cookie: &str, order: &Value) -> (Vec<Value>, Vec<u8>) {
    let started = portal.call_with("POST", "/api/reporting/exports", Some(order), Some(cookie)).await;
    assert_eq!(started.status, 201, "{}", started.body);
    let id = started.body["id"].as_str().unwrap().to_owned();
    let mut steps = vec![started.body];
    while steps.last().unwrap()["state"] == "running" {
        assert!(steps.len() < 10, "an export of {REQUESTS} requests takes a few steps: {steps:?}");
        // Each step asked twice at once (two tabs): both answer, and the
        // file is whole all the same (each request once, below).
        let path = format!("/api/reporting/exports/{id}/next");
        let (a, b) = tokio::join!(
            portal.call_with("POST", &path, None, Some(cookie)),
            portal.call_with("POST", &path, None, Some(cookie))
        );
        assert_eq!((a.status, b.status), (200, 200), "{} {}", a.body, b.body);
        let further = if a.body["done"].as_u64() >= b.body["done"].as_u64() { a.body } else { b.body };
        steps.push(further);
    }
    let ready = portal.call_with("GET", &format!("/api/reporting/exports/{id}"), None, Some(cookie)).await;
    assert_eq!(ready.body["state"], "ready", "{}", ready.body);
    let url = ready.body["download"]["url"].as_str().expect("a download link once ready");
    let file = reqwest::get(url).await.unwrap();
    assert_eq!(file.status(), 200);
    (steps, file.bytes().await.unwrap().to_vec())
}

async fn an_agent_exports_a_services_requests_in_steps_and_opens_them_in_a_spreadsheet(
    portal: &TestPortal,
    clock: &Arc<FixedClock>,
) {
    // A request of the day before stays out of the export.
    let (clerk, _) = portal.agent("etat-civil@belleval.example", Role::Agent, &[SERVICE]).await;
    let before = record(portal, &clerk, 1).await;
    clock.advance(jiff::SignedDuration::from_hours(24));
    let day = today(clock);
    let (clerk, _) = portal.agent("etat-civil-2@belleval.example", Role::Agent, &[SERVICE]).await;
    let references = record(portal, &clerk, REQUESTS).await;
    let (other, _) = portal.agent("voirie@belleval.example", Role::Agent, &["signalement-voirie"]).await;
    let question = "Quel acte demandez-vous ?";

    let fields = ["reference", "submitted", "channel", "citizen", "answers", "reference"];
    let order = |format: &str| json!({ "service": SERVICE, "from": day, "to": day, "fields": fields, "format": format });
    let (steps, csv) = export(portal, &clerk, &order("csv")).await;
    // 200 requests, then 5, then the file; the progress only grows.
    let done: Vec<u64> = steps.iter().map(|s| s["done"].as_u64().unwrap()).collect();
    assert_eq!((done[0], *done.last().unwrap()), (200, REQUESTS as u64), "{steps:?}");
    assert!(done.windows(2).all(|w| w[0] <= w[1]), "{steps:?}");
    assert!(steps.iter().all(|s| s["total"] == REQUESTS), "the total comes from the counters: {steps:?}");
    assert_eq!(steps[0]["file_name"], format!("demandes-{SERVICE}-{day}-{day}.csv"));

    let rows = gru_tests::spreadsheets::read_csv(&csv);
    assert_eq!(rows.len(), REQUESTS);
    let exported: Vec<&str> = rows.iter().map(|r| r["référence"].as_str().unwrap()).collect();
    let mut expected: Vec<&str> = references.iter().map(String::as_str).collect();
    expected.sort();
    let mut sorted = exported.clone();
    sorted.sort();
    assert_eq!(sorted, expected, "every request of the period once");
    assert!(!exported.contains(&before[0].as_str()), "nothing of the day before");
    let columns: Vec<&String> = rows[0].keys().collect();
    assert!(
        columns.iter().any(|c| *c == "reçue le") && columns.iter().any(|c| *c == question),
        "{columns:?}"
    );
    assert!(!columns.iter().any(|c| *c == "courriel"), "only the columns chosen: {columns:?}");
    let first = row_of(&rows, &references[0]);
    assert_eq!(first["reçue le"], day.to_string());
    assert_eq!(first["canal"], "Téléphone");
    assert_eq!(first[question], "Acte de décès");
    assert_eq!(first["demandeur"], format!("'{HOSTILE}"), "a formula is neutralised");

    // The same export as ODS, read by odfpy: the same rows, the text as typed.
    let (_, ods) = export(portal, &clerk, &order("ods")).await;
    let (sheet, rows) = gru_tests::spreadsheets::read_ods(&ods);
    assert_eq!((sheet.as_str(), rows.len()), ("Demandes", REQUESTS));
    let first = row_of(&rows, &references[0]);
    assert_eq!(first["demandeur"], HOSTILE);
    assert_eq!(first["reçue le"], day.to_string());
    assert_eq!(first[question], "Acte de décès");

    // The other service's agent cannot export this one; the exports are audited.
    let refused = portal.call_with("POST", "/api/reporting/exports", Some(&order("csv")), Some(&other)).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    let admin = portal.agent("admin@belleval.example", Role::Admin, &[]).await.0;
    let trail = portal.call_with("GET", &format!("/api/tracking/audit?day={day}"), None, Some(&admin)).await;
    assert_eq!(trail.body.to_string().matches("requests.export").count(), 2, "{}", trail.body);
}

fn row_of<'a>(rows: &'a [Map<String, Value>], reference: &str) -> &'a Map<String, Value> {
    rows.iter().find(|r| r["référence"] == reference).unwrap_or_else(|| panic!("{reference} is exported"))
}

async fn exports_refuse_bad_orders_and_stay_their_agents_own(portal: &TestPortal, clock: &Arc<FixedClock>) {
    let day = today(clock);
    let new = accounts::agents::NewAgent {
        email: "etat-civil@belleval.example".into(),
        name: "Agent de l'état civil".into(),
        role: Role::Agent,
        services: vec![SERVICE.into()],
    };
    let credentials =
        accounts::agents::enrol(portal.store.clone(), clock.clone(), &portal.url, new).await.unwrap();
    let clerk = portal.agent_signs_in(&credentials).await;
    let (colleague, _) = portal.agent("etat-civil-2@belleval.example", Role::Agent, &[SERVICE]).await;
    let good =
        json!({ "service": SERVICE, "from": day, "to": day, "fields": ["reference"], "format": "ods" });
    let with = |key: &str, value: Value| {
        let mut order = good.clone();
        order[key] = value;
        order
    };
    let year_after = day.checked_add(jiff::ToSpan::days(400)).unwrap();
    for (order, status, field) in [
        (with("fields", json!([])), 400, "fields"),
        (with("fields", json!(["reference", "password"])), 400, "fields[1]"),
        (with("format", json!("xlsx")), 400, "format"),
        (with("to", json!(day.yesterday().unwrap())), 400, "to"),
        (with("to", json!(year_after)), 400, "from"),
        (with("from", json!("2026-02-30")), 400, "from"),
        (with("service", json!("nulle-part")), 403, ""),
    ] {
        let answer = portal.call_with("POST", "/api/reporting/exports", Some(&order), Some(&clerk)).await;
        assert_eq!(answer.status, status, "{order}: {}", answer.body);
        assert_eq!(answer.headers["content-type"], "application/problem+json", "{order}");
        assert!(answer.body.to_string().contains(field), "{order}: {}", answer.body);
    }
    let started = portal.call_with("POST", "/api/reporting/exports", Some(&good), Some(&clerk)).await;
    assert_eq!(started.status, 201, "{}", started.body);
    assert_eq!(started.body["state"], "ready", "an empty period is one step");
    let id = started.body["id"].as_str().unwrap();
    for path in [format!("/api/reporting/exports/{id}"), format!("/api/reporting/exports/{id}/next")] {
        let method = if path.ends_with("/next") { "POST" } else { "GET" };
        let theirs = portal.call_with(method, &path, None, Some(&colleague)).await;
        assert_eq!(theirs.status, 404, "a colleague does not see another's export: {}", theirs.body);
    }
    for unknown in ["0".repeat(32), "../../etc".to_owned(), "z".repeat(32)] {
        let answer =
            portal.call_with("GET", &format!("/api/reporting/exports/{unknown}"), None, Some(&clerk)).await;
        assert_eq!(answer.status, 404, "{unknown}: {}", answer.body);
    }
    // An export is kept 32 hours (sessions are shorter: the agent signs in
    // again), then its file is deleted by the outbox (checked on the
    // all-in-one's files; the bucket's deletions are the outbox's contract).
    let path = format!("/api/reporting/exports/{id}");
    let name = started.body["file_name"].as_str().unwrap();
    let file = portal.data_path().join(format!("files/objects/exports/{id}/{name}~obj"));
    let local = file.exists();
    clock.advance(jiff::SignedDuration::from_hours(31));
    let clerk = portal.agent_signs_in(&credentials).await;
    assert_eq!(portal.call_with("GET", &path, None, Some(&clerk)).await.status, 200);
    clock.advance(jiff::SignedDuration::from_hours(2));
    let clerk = portal.agent_signs_in(&credentials).await;
    let gone = portal.call_with("GET", &path, None, Some(&clerk)).await;
    assert_eq!(gone.status, 404, "{}", gone.body);
    if local {
        portal.wait_until_gone(&file).await;
    }
}
