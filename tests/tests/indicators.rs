//! The indicators, told over HTTP on both deployments: counters kept by the
//! changes themselves, read by supervisors as a dashboard and a CSV, equal
//! to a recount of the requests even when changes race.

use accounts::agents::Role;
use gru_ports::FixedClock;
use gru_tests::{Answer, TestPortal, on_both};
use jiff::SignedDuration;
use jiff::civil::Date;
use serde_json::{Value, json};
use std::sync::Arc;

on_both!(
    a_supervisor_sees_what_was_received_and_decided_beside_last_year,
    the_dashboard_is_for_supervisors_and_refuses_bad_periods,
    the_csv_and_the_ods_open_in_a_spreadsheet_with_the_dashboards_figures,
    racing_changes_lose_no_count,
    appointments_are_counted_on_their_day_as_they_end_up,
    a_random_series_of_changes_is_recounted_as_kept_and_a_corrupt_count_is_repaired,
    messages_are_counted_each_way_without_the_internal_notes,
    open_data_publishes_a_closed_month_with_small_counts_blank,
    catalogue_pages_and_searches_are_counted_without_personal_data,
    requests_late_now_are_the_open_ones_past_their_due_day,
    the_waits_for_a_first_free_slot_are_recorded_once_a_day,
);

/// Today in the demo city (Paris).
fn today(clock: &FixedClock) -> Date {
    gru_ports::Clock::now(clock).to_zoned_datetime(jiff::tz::TimeZone::get("Europe/Paris").unwrap()).date()
}

/// `reference` moved by the agent of `cookie` through `statuses`, the last
/// with `reason` when it asks one.
async fn move_through(portal: &TestPortal, cookie: &str, reference: &str, statuses: &[&str]) {
    for to in statuses {
        let path = format!("/api/tracking/requests/{reference}");
        let version = portal.call_with("GET", &path, None, Some(cookie)).await.body["version"].clone();
        let body = json!({ "to": to, "version": version, "reason": "Les pièces ne correspondent pas à la demande." });
        let moved = portal.call_with("POST", &format!("{path}/transitions"), Some(&body), Some(cookie)).await;
        assert_eq!(moved.status, 200, "{reference} -> {to}: {}", moved.body);
    }
}

async fn dashboard(portal: &TestPortal, cookie: &str, query: &str) -> Answer {
    portal.call_with("GET", &format!("/api/reporting/indicators{query}"), None, Some(cookie)).await
}

async fn supervisor(portal: &TestPortal) -> String {
    portal.agent("direction@belleval.example", Role::Supervisor, &[]).await.0
}

async fn clerk(portal: &TestPortal) -> String {
    portal.agent("etat-civil@belleval.example", Role::Agent, &["acte-etat-civil"]).await.0
}

/// A week later, sessions have ended: colleagues of the first ones sign in.
async fn next_week(portal: &TestPortal, clock: &FixedClock) -> (String, String) {
    clock.advance(SignedDuration::from_hours(24 * 7));
    let clerk = portal.agent("etat-civil-2@belleval.example", Role::Agent, &["acte-etat-civil"]).await.0;
    let boss = portal.agent("direction-2@belleval.example", Role::Supervisor, &[]).await.0;
    (clerk, boss)
}

async fn a_supervisor_sees_what_was_received_and_decided_beside_last_year(
    portal: &TestPortal,
    clock: &Arc<FixedClock>,
) {
    let day = today(clock);
    let citizen = portal.signed_up("camille@exemple.fr").await;
    let mut references = Vec::new();
    for _ in 0..3 {
        references.push(portal.death_certificate_request(&citizen).await);
    }
    let clerk = clerk(portal).await;
    move_through(portal, &clerk, &references[0], &["verification", "acte_etabli", "acte_envoye"]).await;
    move_through(portal, &clerk, &references[1], &["verification", "refusee"]).await;

    let boss = supervisor(portal).await;
    let answer = dashboard(portal, &boss, &format!("?from={day}&to={day}")).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let figures = &answer.body["figures"];
    assert_eq!(figures["drafts"], 3, "three forms started online");
    assert_eq!(figures["received"], 3);
    assert_eq!(figures["online"], 3);
    assert_eq!(figures["online_share"], 100.0);
    assert_eq!(figures["instructed"], 2);
    assert_eq!(figures["decided"], json!({ "accepted": 1, "refused": 1, "closed": 0 }));
    assert_eq!(figures["days_median"]["all"], 0, "decided the day they came");
    assert_eq!(answer.body["previous"]["received"], 0, "nothing a year earlier");
    assert_eq!(answer.body["previous_period"]["from"], (day - jiff::Span::new().years(1)).to_string());
    let services = answer.body["by_service"].as_array().unwrap();
    assert_eq!(services.len(), 1, "only the services with something: {services:?}");
    assert_eq!(services[0]["id"], "acte-etat-civil");
    assert_eq!(services[0]["figures"]["received"], 3);
    assert_eq!(answer.body["series_by"], "day");
    assert_eq!(
        answer.body["series"],
        json!([{ "label": day.to_string(), "received": 3, "decided": 2, "previous_received": 0 }])
    );

    // Another channel than online: nothing; the service's own figures: the same.
    let phone = dashboard(portal, &boss, &format!("?from={day}&to={day}&channel=phone")).await;
    assert_eq!(phone.body["figures"]["received"], 0);
    let service = dashboard(portal, &boss, &format!("?from={day}&to={day}&service=acte-etat-civil")).await;
    assert_eq!(service.body["figures"], *figures);

    // A decision taken later lands on its own day, a year's view by month.
    let (clerk, boss) = next_week(portal, clock).await;
    move_through(portal, &clerk, &references[2], &["verification", "acte_etabli", "acte_envoye"]).await;
    let later = today(clock);
    let from = later - jiff::Span::new().days(300);
    let year = dashboard(portal, &boss, &format!("?from={from}&to={later}")).await;
    assert_eq!(year.body["series_by"], "month");
    assert_eq!(year.body["figures"]["decided"]["accepted"], 2);
    let slowest =
        gru_domain::workflow::working_days_between(day, later, gru_domain::holidays::HolidayCalendar::France);
    assert_eq!(year.body["figures"]["days_p90"]["accepted"], slowest, "the slower of the two");
    let received: i64 =
        year.body["series"].as_array().unwrap().iter().map(|p| p["received"].as_i64().unwrap()).sum();
    assert_eq!(received, 3);
}

async fn the_dashboard_is_for_supervisors_and_refuses_bad_periods(
    portal: &TestPortal,
    clock: &Arc<FixedClock>,
) {
    let day = today(clock);
    assert_eq!(portal.call("GET", "/api/reporting/indicators", None, None).await.status, 401);
    let clerk = clerk(portal).await;
    let refused = dashboard(portal, &clerk, "").await;
    assert_eq!(refused.status, 403, "an agent sees their requests, not the city's figures");
    assert_eq!(refused.body["type"], "urn:gru:problem:forbidden");

    let boss = supervisor(portal).await;
    let month = dashboard(portal, &boss, "").await;
    assert_eq!(month.status, 200, "{}", month.body);
    assert_eq!(month.body["period"]["from"], day.first_of_month().to_string(), "the month so far by default");
    for (query, field) in [
        (format!("?from={day}&to={}", day - jiff::Span::new().days(1)), "to"),
        (format!("?from={}&to={day}", day - jiff::Span::new().days(400)), "from"),
        ("?from=2026-02-30".to_owned(), "from"),
        ("?service=inconnue".to_owned(), "service"),
        ("?channel=pigeon".to_owned(), "channel"),
        ("?service=<script>".to_owned(), "service"),
        ("?vue=tout".to_owned(), "vue"),
    ] {
        let answer = dashboard(portal, &boss, &query).await;
        assert_eq!(answer.status, 400, "{query}: {}", answer.body);
        assert_eq!(answer.headers["content-type"], "application/problem+json", "{query}");
        let fields: Vec<&str> = answer.body["errors"]
            .as_array()
            .map_or(Vec::new(), |e| e.iter().filter_map(|e| e["field"].as_str()).collect());
        assert!(
            fields.contains(&field) || answer.body.to_string().contains(field),
            "{query}: {}",
            answer.body
        );
    }
}

async fn the_csv_and_the_ods_open_in_a_spreadsheet_with_the_dashboards_figures(
    portal: &TestPortal,
    clock: &Arc<FixedClock>,
) {
    let day = today(clock);
    let citizen = portal.signed_up("dominique@exemple.fr").await;
    let reference = portal.death_certificate_request(&citizen).await;
    move_through(portal, &clerk(portal).await, &reference, &["verification", "refusee"]).await;
    let boss = supervisor(portal).await;
    let query = format!("?from={day}&to={day}");
    let figures = dashboard(portal, &boss, &query).await.body["figures"].clone();
    let title = portal.get_json("/api/catalogue/services/acte-etat-civil", 200).await["title"].clone();
    let download = |extension: &'static str| {
        let (boss, query) = (boss.clone(), query.clone());
        async move {
            let response = reqwest::Client::new()
                .get(format!("{}/api/reporting/indicators.{extension}{query}", portal.url))
                .header("cookie", &boss)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
            let disposition = response.headers()["content-disposition"].to_str().unwrap().to_owned();
            assert!(disposition.contains(&format!("indicateurs-{day}-{day}.{extension}")), "{disposition}");
            (response.headers()["content-type"].to_str().unwrap().to_owned(), response.bytes().await.unwrap())
        }
    };

    // Python's csv reads the CSV as a French spreadsheet would (`;`, UTF-8 with BOM).
    let (kind, csv) = download("csv").await;
    assert_eq!(kind, "text/csv; charset=utf-8");
    let rows = gru_tests::spreadsheets::read_csv(&csv);
    let total = &rows[0];
    assert_eq!(
        (total["vue"].as_str(), total["du"].as_str()),
        (Some("total"), Some(day.to_string().as_str()))
    );
    assert_eq!(total["reçues"], figures["received"].to_string());
    assert_eq!(total["refusées"], figures["decided"]["refused"].to_string());
    assert_eq!(total["délai médian (jours ouvrés)"], figures["days_median"]["all"].to_string());
    assert!(rows.iter().any(|r| r["vue"] == "démarche" && r["ligne"] == title), "{rows:?}");
    assert!(rows.iter().any(|r| r["vue"] == "canal" && r["ligne"] == "En ligne"), "{rows:?}");

    // odfpy reads the ODS: numbers as numbers, days as dates, the same figures.
    let (kind, ods) = download("ods").await;
    assert_eq!(kind, "application/vnd.oasis.opendocument.spreadsheet");
    let (sheet, rows) = gru_tests::spreadsheets::read_ods(&ods);
    assert_eq!(sheet, "Indicateurs");
    let total = &rows[0];
    assert_eq!(total["du"], day.to_string());
    assert_eq!(total["reçues"].as_f64(), figures["received"].as_f64());
    assert_eq!(total["refusées"].as_f64(), figures["decided"]["refused"].as_f64());
    assert_eq!(total["délai médian (jours ouvrés)"].as_f64(), figures["days_median"]["all"].as_f64());
    assert!(rows.iter().any(|r| r["vue"] == "démarche" && r["ligne"] == title), "{rows:?}");

    // Both downloads are in the audit trail.
    let admin = portal.agent("admin@belleval.example", Role::Admin, &[]).await.0;
    let trail = portal.call_with("GET", &format!("/api/tracking/audit?day={day}"), None, Some(&admin)).await;
    let exports = trail.body.to_string().matches("indicators.export").count();
    assert_eq!(exports, 2, "{}", trail.body);
}

/// Eight requests sent at once, then moved at once: the counters are
/// exactly a recount of the requests as they end up.
async fn racing_changes_lose_no_count(portal: &TestPortal, clock: &Arc<FixedClock>) {
    let day = today(clock);
    let citizen = portal.signed_up("sacha@exemple.fr").await;
    let sent =
        futures_util::future::join_all((0..8).map(|_| portal.death_certificate_request(&citizen))).await;
    let clerk = clerk(portal).await;
    futures_util::future::join_all(sent.iter().enumerate().map(|(i, reference)| {
        let path: &[&str] = if i % 2 == 0 { &["verification", "refusee"] } else { &["piece_demandee"] };
        move_through(portal, &clerk, reference, path)
    }))
    .await;
    let boss = supervisor(portal).await;
    let figures = dashboard(portal, &boss, &format!("?from={day}&to={day}")).await.body["figures"].clone();
    assert_eq!(
        (
            figures["received"].as_i64(),
            figures["instructed"].as_i64(),
            figures["asked"].as_i64(),
            figures["decided"]["refused"].as_i64()
        ),
        (Some(8), Some(8), Some(4), Some(4)),
        "{figures}"
    );

    // The recount: what each request stands for as it ends up (`counted`), added up.
    let days = gru_tests::demo_days();
    let requests = gru_records::requests::Repository::new(portal.store.clone());
    let mut recount = std::collections::BTreeMap::<String, i64>::new();
    for reference in &sent {
        let request = requests.request(reference).await.unwrap().expect("the request");
        for (_, counter, count) in gru_domain::indicators::counted(&request, days) {
            *recount.entry(counter).or_default() += count;
        }
    }
    let kept = gru_records::indicators::IndicatorsRepository::new(portal.store.clone())
        .counts(gru_records::indicators::Family::Requests, day, day)
        .await
        .unwrap();
    let mut counters = std::collections::BTreeMap::<String, i64>::new();
    for row in kept {
        for (counter, count) in row.counters {
            *counters.entry(counter).or_default() += count;
        }
    }
    // Drafts are counted as they start, and not recounted: they are gone once sent.
    assert_eq!(counters.remove("drafts"), Some(8));
    counters.retain(|_, n| *n != 0);
    assert_eq!(counters, recount, "the counters are the recount");
}

/// Four passport appointments in the coming fortnight: three booked online
/// (one cancelled), one by an agent for a caller; once their time has
/// passed, one attended and one missed.
async fn appointments_are_counted_on_their_day_as_they_end_up(portal: &TestPortal, clock: &Arc<FixedClock>) {
    const AGENDA: &str = "mairie-centrale-titres";
    let day = today(clock);
    let free = portal
        .get_json(&format!("/api/booking/availability?type=titre-identite&agenda={AGENDA}&days=14"), 200)
        .await;
    let starts: Vec<String> = free["days"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["slots"].as_array().unwrap().iter().map(|s| s["start"].as_str().unwrap().to_owned()))
        .collect();
    let mut ids = Vec::new();
    for (n, start) in starts.iter().take(3).enumerate() {
        let body = json!({
            "agenda": AGENDA, "type": "titre-identite", "start": start, "name": "Camille Martin",
            "email": format!("rdv{n}@exemple.fr"), "answers": { "numero-pre-demande": "2301A12345678" },
        });
        let booked = portal.call("POST", "/api/booking/appointments", Some(&body), None).await;
        assert_eq!(booked.status, 201, "{}", booked.body);
        ids.push(booked.body["id"].as_str().unwrap().to_owned());
    }
    let titres = portal.agent("titres@belleval.example", Role::Agent, &["passeport-carte-identite"]).await.0;
    let body = json!({ "agenda": AGENDA, "type": "titre-identite", "start": starts[3], "name": "Dominique Roux", "phone": "0612345678", "channel": "phone" });
    let by_phone =
        portal.call_with("POST", "/api/booking/agent/appointments", Some(&body), Some(&titres)).await;
    assert_eq!(by_phone.status, 201, "{}", by_phone.body);
    let cancel = json!({ "reason": "Le demandeur a appelé pour annuler." });
    let cancelled = portal
        .call_with(
            "POST",
            &format!("/api/booking/agent/appointments/{}/cancel", ids[2]),
            Some(&cancel),
            Some(&titres),
        )
        .await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.body);

    clock.advance(SignedDuration::from_hours(24 * 15));
    let titres =
        portal.agent("titres-2@belleval.example", Role::Agent, &["passeport-carte-identite"]).await.0;
    for (id, status) in [(&ids[0], "present"), (&ids[1], "no_show")] {
        let marked = portal
            .call_with(
                "POST",
                &format!("/api/booking/agent/appointments/{id}/attendance"),
                Some(&json!({ "status": status })),
                Some(&titres),
            )
            .await;
        assert_eq!(marked.status, 200, "{status}: {}", marked.body);
    }
    let boss = supervisor(portal).await;
    let answer =
        dashboard(portal, &boss, &format!("?from={day}&to={}", day + jiff::Span::new().days(14))).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(
        answer.body["appointments"],
        json!({ "booked_online": 3, "booked_by_agent": 1, "present": 1, "no_show": 1, "cancelled": 1, "cancelled_by_citizen": 0, "cancelled_by_agent": 1, "no_show_rate": 50.0 })
    );
    let agendas = answer.body["by_agenda"].as_array().unwrap();
    assert_eq!(agendas.len(), 3, "every agenda: {agendas:?}");
    let line = agendas.iter().find(|a| a["id"] == AGENDA).unwrap();
    assert_eq!(line["figures"]["present"], 1);
}

/// Once a day, each agenda's first free slot is recorded (the notifier's
/// schedule, the portal's housekeeping): the dashboard reads how long
/// citizens waited, as booking's own availability found it; a second run
/// the same day records nothing.
async fn the_waits_for_a_first_free_slot_are_recorded_once_a_day(
    portal: &TestPortal,
    clock: &Arc<FixedClock>,
) {
    const AGENDA: &str = "mairie-centrale-titres";
    let day = today(clock);
    let platform = gru_web::Platform::with_defaults(portal.store.clone(), clock.clone(), &portal.url);
    let recorded = gru_notices::waits::record(&platform).await.unwrap();
    assert!(recorded >= 3, "each agenda's types: {recorded}");
    assert_eq!(gru_notices::waits::record(&platform).await.unwrap(), 0, "once a day");
    let free = portal
        .get_json(&format!("/api/booking/availability?type=titre-identite&agenda={AGENDA}&days=62"), 200)
        .await;
    let first: Date = free["days"][0]["date"].as_str().unwrap().parse().unwrap();
    let answer = dashboard(portal, &supervisor(portal).await, &format!("?from={day}&to={day}")).await;
    let line =
        answer.body["by_agenda"].as_array().unwrap().iter().find(|a| a["id"] == AGENDA).unwrap().clone();
    // Two types (applying for a passport, collecting it): the median of two days is the sooner.
    let median = line["waits"]["median_days"].as_i64().unwrap();
    assert!(median <= i64::from((first - day).get_days()), "{line}");
    assert_eq!((&line["waits"]["recorded"], &line["waits"]["none_free"]), (&json!(2), &json!(0)));
    assert_eq!(line["previous_waits"]["recorded"], 0);
}

/// Rounds of three changes at once, each drawn at random: a citizen sends a
/// request, an agent records one from another channel, an agent moves a
/// request by one of the transitions its workflow offers (a lost race is a
/// 409, as in the back office), or a caller's appointment is booked then
/// cancelled. Then `portal indicators rebuild`'s recount finds nothing to
/// correct; a counter corrupted on purpose is corrected, and a rebuild run
/// again corrects nothing.
async fn a_random_series_of_changes_is_recounted_as_kept_and_a_corrupt_count_is_repaired(
    portal: &TestPortal,
    clock: &Arc<FixedClock>,
) {
    const AGENDA: &str = "mairie-centrale-titres";
    let day = today(clock);
    let citizen = portal.signed_up("alex@exemple.fr").await;
    let clerk = clerk(portal).await;
    let titres = portal.agent("titres@belleval.example", Role::Agent, &["passeport-carte-identite"]).await.0;
    let free = portal
        .get_json(&format!("/api/booking/availability?type=titre-identite&agenda={AGENDA}&days=14"), 200)
        .await;
    let mut starts: Vec<String> = free["days"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["slots"].as_array().unwrap().iter().map(|s| s["start"].as_str().unwrap().to_owned()))
        .collect();
    let mut dice = gru_tests::Dice(0x5eed_1234_abcd_0042);
    let references = std::sync::Mutex::new(Vec::<String>::new());
    for round in 0..6 {
        let changes = (0..3).map(|n| {
            let (pick, channel, choice) = (dice.roll(4), ["phone", "email", "counter", "post"][dice.roll(4)], dice.roll(8));
            let start = if pick == 3 { starts.pop() } else { None };
            let (citizen, clerk, titres, references) = (&citizen, &clerk, &titres, &references);
            async move {
                match pick {
                    0 => {
                        let reference = portal.death_certificate_request(citizen).await;
                        references.lock().unwrap().push(reference);
                    }
                    1 => {
                        let body = json!({
                            "service": "acte-etat-civil", "channel": channel,
                            "citizen": { "email": format!("appel{round}-{n}@exemple.fr") },
                            "answers": gru_tests::death_certificate_answers(),
                        });
                        let recorded = portal
                            .call_with("POST", "/api/submissions/agent/requests", Some(&body), Some(clerk))
                            .await;
                        assert_eq!(recorded.status, 201, "{}", recorded.body);
                        references.lock().unwrap().push(recorded.body["reference"].as_str().unwrap().to_owned());
                    }
                    2 => {
                        let known = references.lock().unwrap().clone();
                        let Some(reference) = known.get(choice % known.len().max(1)) else { return };
                        let path = format!("/api/tracking/requests/{reference}");
                        let detail = portal.call_with("GET", &path, None, Some(clerk)).await.body;
                        let offered = detail["transitions"].as_array().unwrap();
                        let Some(to) = offered.get(choice % offered.len().max(1)) else { return };
                        let body = json!({ "to": to["to"], "version": detail["version"], "reason": "Dossier incomplet." });
                        let moved =
                            portal.call_with("POST", &format!("{path}/transitions"), Some(&body), Some(clerk)).await;
                        assert!([200, 409].contains(&moved.status), "{}", moved.body);
                    }
                    _ => {
                        let Some(start) = start else { return };
                        let body = json!({ "agenda": AGENDA, "type": "titre-identite", "start": start, "name": "Dominique Roux", "phone": "0612345678", "channel": "phone" });
                        let booked = portal
                            .call_with("POST", "/api/booking/agent/appointments", Some(&body), Some(titres))
                            .await;
                        assert_eq!(booked.status, 201, "{}", booked.body);
                        let cancel = json!({ "reason": "Empêchement." });
                        let path = format!("/api/booking/agent/appointments/{}/cancel", booked.body["id"].as_str().unwrap());
                        assert_eq!(portal.call_with("POST", &path, Some(&cancel), Some(titres)).await.status, 200);
                    }
                }
            }
        });
        futures_util::future::join_all(changes.collect::<Vec<_>>()).await;
    }
    let sent = references.lock().unwrap().len() as u64;
    assert!(sent >= 4, "the series sent requests: {sent}");

    let boss = supervisor(portal).await;
    let query = format!("?from={day}&to={day}");
    let kept = dashboard(portal, &boss, &query).await.body;
    let services = vec!["acte-etat-civil".to_owned(), "passeport-carte-identite".to_owned()];
    let rebuild = || {
        gru_records::recount::rebuild(
            portal.store.clone(),
            &services,
            gru_tests::demo_days(),
            day.year(),
            |_, _| {},
        )
    };
    let report = rebuild().await.unwrap();
    assert_eq!(
        report,
        gru_records::recount::Recount { requests: sent, corrected: 0 },
        "the counters kept are the recount"
    );

    // A fault adds what never happened: the rebuild takes it back.
    let key = gru_ports::Key::new(format!("STATS#{}", day.year()), format!("D{day}#acte-etat-civil#online"));
    let bogus = vec![("received".to_owned(), 5), ("decided:closed".to_owned(), -1)];
    portal.store.transact(vec![gru_ports::TransactOp::Add { key, counts: bogus }]).await.unwrap();
    assert_ne!(dashboard(portal, &boss, &query).await.body["figures"], kept["figures"]);
    assert_eq!(rebuild().await.unwrap().corrected, 2);
    assert_eq!(dashboard(portal, &boss, &query).await.body["figures"], kept["figures"]);
    assert_eq!(rebuild().await.unwrap().corrected, 0, "a second rebuild changes nothing");
}

/// An agent leaves an internal note, then asks the citizen for a document
/// (the message moves the request), the citizen answers: two messages
/// counted, one each way, the note not.
async fn messages_are_counted_each_way_without_the_internal_notes(
    portal: &TestPortal,
    clock: &Arc<FixedClock>,
) {
    let day = today(clock);
    let citizen = portal.signed_up("noa@exemple.fr").await;
    let reference = portal.death_certificate_request(&citizen).await;
    let clerk = clerk(portal).await;
    let agent_thread = format!("/api/messaging/agent/requests/{reference}/thread");
    move_through(portal, &clerk, &reference, &["verification"]).await;
    // A note, then a question that moves the request to waiting for the citizen.
    let note = json!({ "text": "Vérifier le registre.", "internal": true });
    assert_eq!(portal.call_with("POST", &agent_thread, Some(&note), Some(&clerk)).await.status, 201);
    let version = portal.call_with("GET", &agent_thread, None, Some(&clerk)).await.body["version"].clone();
    let ask = json!({ "text": "Merci d'envoyer le livret de famille.", "ask": { "version": version } });
    let sent = portal.call_with("POST", &agent_thread, Some(&ask), Some(&clerk)).await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    let answer = json!({ "text": "Merci beaucoup." });
    let sent = portal
        .call("POST", &format!("/api/messaging/requests/{reference}/thread"), Some(&answer), Some(&citizen))
        .await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    let figures =
        dashboard(portal, &supervisor(portal).await, &format!("?from={day}&to={day}")).await.body["figures"]
            .clone();
    assert_eq!(
        (&figures["messages_citizen"], &figures["messages_agent"], &figures["messages_per_request"]),
        (&json!(1), &json!(1), &json!(2.0))
    );
}

/// Six requests sent online and two recorded by phone in a month, one of
/// them refused: once the month is over, anyone reads its file, where the
/// phone's two and the one refusal are blank (1 to 4: the statistical secret).
async fn open_data_publishes_a_closed_month_with_small_counts_blank(
    portal: &TestPortal,
    clock: &Arc<FixedClock>,
) {
    let month = today(clock).first_of_month();
    let citizen = portal.signed_up("eden@exemple.fr").await;
    let mut online = Vec::new();
    for _ in 0..6 {
        online.push(portal.death_certificate_request(&citizen).await);
    }
    let clerk = clerk(portal).await;
    for n in 0..2 {
        let body = json!({
            "service": "acte-etat-civil", "channel": "phone",
            "citizen": { "email": format!("tel{n}@exemple.fr"), "name": "Sam Personne" },
            "answers": gru_tests::death_certificate_answers(),
        });
        let recorded =
            portal.call_with("POST", "/api/submissions/agent/requests", Some(&body), Some(&clerk)).await;
        assert_eq!(recorded.status, 201, "{}", recorded.body);
    }
    move_through(portal, &clerk, &online[0], &["verification", "refusee"]).await;
    let name = format!("{:04}-{:02}", month.year(), month.month());
    let file = format!("/api/reporting/open-data/{name}.csv");
    assert_eq!(portal.call("GET", &file, None, None).await.status, 404, "not before the month is over");

    // The first of the next month.
    let next = month.checked_add(jiff::ToSpan::months(1)).unwrap();
    clock.advance(SignedDuration::from_hours(24 * i64::from((next - today(clock)).get_days())));
    let index = portal.get_json("/api/reporting/open-data", 200).await;
    assert_eq!(index["months"][0]["month"], name, "{index}");
    assert!(index["months"][0]["url"].as_str().unwrap().ends_with(&file));
    let response = reqwest::get(format!("{}{file}", portal.url)).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    let csv = response.bytes().await.unwrap();
    let text = String::from_utf8_lossy(&csv);
    assert!(!text.contains("exemple.fr") && !text.contains("Sam Personne"), "no personal data: {text}");
    let rows = gru_tests::spreadsheets::read_csv(&csv);
    let row = |channel: &str| {
        rows.iter().find(|r| r["canal"] == channel).unwrap_or_else(|| panic!("{channel}: {rows:?}"))
    };
    let web = row("En ligne");
    assert_eq!((web["démarche"].as_str(), web["reçues"].as_str()), (Some("acte-etat-civil"), Some("6")));
    assert_eq!(
        (web["acceptées"].as_str(), web["refusées"].as_str()),
        (Some("0"), Some("")),
        "one refusal: blank"
    );
    assert_eq!(row("Téléphone")["reçues"], "", "two by phone: blank");
    for wrong in ["2026-13.csv", "2026-1.csv", "demandes.csv", "..%2F..%2Fportal.db"] {
        let answer = portal.call("GET", &format!("/api/reporting/open-data/{wrong}"), None, None).await;
        assert_eq!(answer.status, 404, "{wrong}: {}", answer.body);
        assert_eq!(answer.headers["content-type"], "application/problem+json");
    }
}

/// A service's page read three times; searches that found something, that
/// found nothing (twice the same words), and some whose words are personal:
/// the dashboard counts them all, and lists only the harmless words.
async fn catalogue_pages_and_searches_are_counted_without_personal_data(
    portal: &TestPortal,
    clock: &Arc<FixedClock>,
) {
    let day = today(clock);
    for _ in 0..3 {
        let read = portal.call("POST", "/api/catalogue/services/acte-etat-civil/views", None, None).await;
        assert_eq!(read.status, 204, "{}", read.body);
    }
    assert_eq!(portal.call("POST", "/api/catalogue/services/nulle-part/views", None, None).await.status, 404);
    for q in [
        "acte de naissance",
        "Piscine municipale",
        "piscine  MUNICIPALE",
        "jean.dupont@exemple.fr",
        "06 12 34 56 78",
    ] {
        let sent = portal.call("POST", "/api/catalogue/searches", Some(&json!({ "q": q })), None).await;
        assert_eq!(sent.status, 204, "{q}: {}", sent.body);
    }
    for (body, field) in [
        (json!({ "q": "  " }), "q"),
        (json!({ "q": "x".repeat(201) }), "q"),
        (json!({ "query": "x" }), "query"),
    ] {
        let refused = portal.call("POST", "/api/catalogue/searches", Some(&body), None).await;
        assert_eq!(refused.status, 400, "{body}: {}", refused.body);
        assert!(refused.body.to_string().contains(field), "{}", refused.body);
    }
    let answer = dashboard(portal, &supervisor(portal).await, &format!("?from={day}&to={day}")).await;
    let catalogue = &answer.body["catalogue"];
    assert_eq!(
        (&catalogue["views"], &catalogue["searches"], &catalogue["searches_empty"]),
        (&json!(3), &json!(5), &json!(4))
    );
    assert_eq!(catalogue["by_service"][0]["id"], "acte-etat-civil");
    assert_eq!(catalogue["by_service"][0]["views"], 3);
    assert_eq!(
        catalogue["unanswered"],
        json!([{ "words": "piscine municipale", "count": 2 }]),
        "no email, no phone number"
    );
}

/// Three requests with the état civil's ten working days: one decided, one
/// waiting for the citizen (its clock paused), one left open. Three weeks
/// later only the last is late; once decided, none is.
async fn requests_late_now_are_the_open_ones_past_their_due_day(
    portal: &TestPortal,
    clock: &Arc<FixedClock>,
) {
    let citizen = portal.signed_up("lou@exemple.fr").await;
    let mut references = Vec::new();
    for _ in 0..3 {
        references.push(portal.death_certificate_request(&citizen).await);
    }
    let clerk = clerk(portal).await;
    move_through(portal, &clerk, &references[0], &["verification", "refusee"]).await;
    move_through(portal, &clerk, &references[1], &["piece_demandee"]).await;
    let late_now = |figures: &Value| figures["late_now"].as_i64().unwrap();
    let boss = supervisor(portal).await;
    assert_eq!(late_now(&dashboard(portal, &boss, "").await.body), 0, "nothing due yet");

    clock.advance(SignedDuration::from_hours(24 * 21));
    let (clerk, boss) = next_week(portal, clock).await;
    let answer = dashboard(portal, &boss, "").await.body;
    assert_eq!(late_now(&answer), 1, "{answer}");
    assert_eq!(answer["by_service"][0]["late_now"], 1);
    let phone = dashboard(portal, &boss, "?channel=phone").await.body;
    assert_eq!(late_now(&phone), 0, "the filters apply");
    move_through(portal, &clerk, &references[2], &["verification", "refusee"]).await;
    assert_eq!(late_now(&dashboard(portal, &boss, "").await.body), 0);
}
