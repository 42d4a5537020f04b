//! Appointments as citizens and agents live them, on the demo city's
//! agendas (docs/booking.md) and a clock the test sets: the week of
//! 22 March 2027, with the change to summer time on Sunday 28 March and
//! Easter Monday on the 29th.
//!
//! The demo agendas: `mairie-centrale-titres` (type `titre-identite`,
//! 2 places, 24 h notice, 60 days ahead), `mairie-annexe-nord-titres`
//! (`titre-identite`, 1 place, 48 h notice, 45 days ahead, closed from
//! 26 July to 27 August 2027), both handled by the agents of
//! `passeport-carte-identite`; `etat-civil` (`pacs`, `dossier-mariage`),
//! handled by those of `pacs` and `acte-etat-civil`.

use accounts::agents::Role;
use gru_ports::FixedClock;
use gru_tests::{Answer, TestPortal};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use std::sync::Arc;

/// Monday 22 March 2027, 9 h in Paris.
const MONDAY: &str = "2027-03-22T08:00:00Z";
const CENTRALE: &str = "mairie-centrale-titres";
const ANNEXE: &str = "mairie-annexe-nord-titres";
const TITRE: &str = "titre-identite";
const TITRES_SERVICE: &str = "passeport-carte-identite";
/// The question the passport type asks when booking.
const PRE_APPLICATION: &str = "numero-pre-demande";
const BOOKING: &str = "/api/booking";

fn clock_at(at: &str) -> Arc<FixedClock> {
    Arc::new(FixedClock::new(at.parse().expect("an instant")))
}

fn paris() -> TimeZone {
    TimeZone::get("Europe/Paris").expect("the zone database knows Paris")
}

/// The free slots, asserting the answer is 200.
async fn availability(portal: &TestPortal, query: &str) -> Value {
    let answer = portal.call("GET", &format!("{BOOKING}/availability?{query}"), None, None).await;
    assert_eq!(answer.status, 200, "availability?{query}: {}", answer.body);
    answer.body
}

/// The dates (`YYYY-MM-DD`) an availability answer lists.
fn dates(availability: &Value) -> Vec<String> {
    days(availability).iter().map(|d| d["date"].as_str().unwrap().to_owned()).collect()
}

fn days(availability: &Value) -> Vec<Value> {
    availability["days"].as_array().expect("days").clone()
}

/// Every slot of an availability answer, in order.
fn slots(availability: &Value) -> Vec<Value> {
    days(availability).iter().flat_map(|d| d["slots"].as_array().expect("slots").clone()).collect()
}

fn starts(availability: &Value) -> Vec<String> {
    slots(availability).iter().map(|s| s["start"].as_str().unwrap().to_owned()).collect()
}

/// The slot starting at `start` in `agenda`, if listed.
fn slot_at(availability: &Value, agenda: &str, start: &str) -> Option<Value> {
    slots(availability).into_iter().find(|s| s["agenda"] == agenda && s["start"] == start)
}

async fn hold(portal: &TestPortal, agenda: &str, start: &str) -> Answer {
    let body = json!({ "agenda": agenda, "type": TITRE, "start": start });
    portal.call("POST", &format!("{BOOKING}/holds"), Some(&body), None).await
}

/// The hold's secret, asserting it was granted.
async fn held(portal: &TestPortal, agenda: &str, start: &str) -> String {
    let answer = hold(portal, agenda, start).await;
    assert_eq!(answer.status, 201, "hold {agenda} {start}: {}", answer.body);
    answer.body["hold"].as_str().expect("a hold").to_owned()
}

/// Confirms an appointment of the passport type, which asks for the ANTS
/// pre-application number: the body's own answers, else a valid one.
async fn confirm(portal: &TestPortal, mut body: Value, session: Option<&str>) -> Answer {
    if body.get("answers").is_none() {
        body["answers"] = json!({ PRE_APPLICATION: "2301A12345678" });
    }
    portal.call("POST", &format!("{BOOKING}/appointments"), Some(&body), session).await
}

/// A citizen without an account books the slot directly (no hold); the
/// appointment's view.
async fn booked(portal: &TestPortal, agenda: &str, start: &str, email: &str) -> Value {
    let body =
        json!({ "agenda": agenda, "type": TITRE, "start": start, "name": "Camille Martin", "email": email });
    let answer = confirm(portal, body, None).await;
    assert_eq!(answer.status, 201, "booking {agenda} {start}: {}", answer.body);
    answer.body
}

async fn agent_book(portal: &TestPortal, agent: &str, body: Value) -> Answer {
    portal.call_with("POST", &format!("{BOOKING}/agent/appointments"), Some(&body), Some(agent)).await
}

async fn planning(portal: &TestPortal, agent: &str, query: &str) -> Answer {
    portal.call_with("GET", &format!("{BOOKING}/agent/planning?{query}"), None, Some(agent)).await
}

/// The appointments of every day of a planning answer.
fn planned(planning: &Value) -> Vec<Value> {
    planning["days"]
        .as_array()
        .expect("days")
        .iter()
        .flat_map(|d| d["appointments"].as_array().expect("appointments").clone())
        .collect()
}

fn kind(answer: &Answer) -> &str {
    answer.body["type"].as_str().unwrap_or_default()
}

/// The `rendez-vous.ics` of an email, unfolded, with `\n` line ends.
fn ics(mail: &gru_embedded::OutboxEntry) -> String {
    let attachment = mail
        .attachments
        .iter()
        .find(|a| a.filename == "rendez-vous.ics")
        .unwrap_or_else(|| panic!("« {} » has no rendez-vous.ics", mail.subject));
    assert!(attachment.content_type.starts_with("text/calendar"), "{}", attachment.content_type);
    attachment.content.replace("\r\n", "\n").replace("\n ", "")
}

fn has_line(calendar: &str, line: &str) -> bool {
    calendar.lines().any(|l| l == line)
}

/// The manage link's secret in an email.
fn manage_token(portal: &TestPortal, mail: &gru_embedded::OutboxEntry) -> String {
    let link = mail
        .links
        .iter()
        .find(|l| l.contains("/rendez-vous/gerer.html#"))
        .unwrap_or_else(|| panic!("« {} » has no manage link: {}", mail.subject, mail.text));
    assert!(link.starts_with(&portal.url), "{link}");
    link.split_once('#').unwrap().1.to_owned()
}

async fn manage(portal: &TestPortal, action: &str, body: Value) -> Answer {
    portal.call("POST", &format!("{BOOKING}/manage{action}"), Some(&body), None).await
}

/// The demo city whose annex receives three citizens at once, and also on
/// Sunday nights from 1 h to 4 h (to see the hour skipped in March).
fn changed_city() -> tempfile::TempDir {
    let city = tempfile::tempdir().unwrap();
    gru_tests::copy_tree(&gru_tests::repository().join("infra/cities/demo"), city.path());
    let file = city.path().join(format!("agendas/{ANNEXE}.toml"));
    let text = std::fs::read_to_string(&file).unwrap();
    let changed = text.replacen("duration_minutes = 30\n", "duration_minutes = 30\nplaces = 3\n", 1)
        + "\n[[opening]]\ndays = [\"sunday\"]\nfrom = 01:00:00\nto = 04:00:00\n";
    assert!(changed.contains("places = 3"), "the annex's type is changed");
    std::fs::write(&file, changed).unwrap();
    city
}

/// `racers` agents' bookings of one slot at once, each for another person
/// who came to the counter; the answers.
async fn agents_race(
    portal: &Arc<TestPortal>,
    agent: &str,
    agenda: &str,
    start: &str,
    racers: usize,
) -> Vec<Answer> {
    let mut race = tokio::task::JoinSet::new();
    for n in 0..racers {
        let (portal, agent) = (portal.clone(), agent.to_owned());
        let body = json!({
            "agenda": agenda, "type": TITRE, "start": start, "name": format!("Usager {n}"),
            "channel": "counter", "override_notice": false,
        });
        race.spawn(async move { agent_book(&portal, &agent, body).await });
    }
    race.join_all().await
}

/// Exactly `places` bookings won; every other one was told the slot is taken.
fn exactly_won(answers: &[Answer], places: usize) {
    let won = answers.iter().filter(|a| a.status == 201).count();
    assert_eq!(won, places, "{:?}", answers.iter().map(|a| (a.status, &a.body)).collect::<Vec<_>>());
    for lost in answers.iter().filter(|a| a.status != 201) {
        assert_eq!((lost.status, kind(lost)), (409, "urn:gru:problem:slot-taken"), "{}", lost.body);
    }
}

/// The agenda's appointments on the day of `start` (a day of March 2027).
async fn appointments_at(portal: &TestPortal, agent: &str, agenda: &str, start: &str) -> Vec<Value> {
    let day = start.parse::<Timestamp>().unwrap().to_zoned_datetime(paris()).date();
    let answer = planning(portal, agent, &format!("agenda={agenda}&from={day}&days=1")).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    planned(&answer.body).into_iter().filter(|a| a["start"] == start).collect()
}

/// Fifty agents book the annex's only place of Friday 26 March at 9 h at
/// once, then twenty citizens hold its only place at 9 h 30.
async fn one_place_many_racers(portal: TestPortal) {
    let portal = Arc::new(portal);
    let (agent, _) = portal.agent("titres@belleval.example", Role::Agent, &[TITRES_SERVICE]).await;
    let start = "2027-03-26T08:00:00Z";
    let answers = agents_race(&portal, &agent, ANNEXE, start, 50).await;
    exactly_won(&answers, 1);
    let listed = appointments_at(&portal, &agent, ANNEXE, start).await;
    assert_eq!(listed.len(), 1, "one appointment in the planning: {listed:?}");
    let winner = answers.iter().find(|a| a.status == 201).unwrap();
    assert_eq!(listed[0]["id"], winner.body["id"]);
    assert_eq!(listed[0]["name"], winner.body["name"]);
    let free = availability(&portal, &format!("type={TITRE}&agenda={ANNEXE}&from=2027-03-26&days=1")).await;
    assert!(slot_at(&free, ANNEXE, start).is_none(), "the booked slot is no longer offered");

    // Twenty citizens choose the next slot at the same moment.
    let next = "2027-03-26T08:30:00Z";
    let mut race = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let portal = portal.clone();
        race.spawn(async move { hold(&portal, ANNEXE, next).await });
    }
    let answers = race.join_all().await;
    exactly_won(&answers, 1);
    let free = availability(&portal, &format!("type={TITRE}&agenda={ANNEXE}&from=2027-03-26&days=1")).await;
    assert!(slot_at(&free, ANNEXE, next).is_none(), "the held slot is not offered while held");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_agents_booking_the_last_place_at_once_make_one_appointment() {
    one_place_many_racers(TestPortal::spawn_with_clock(clock_at(MONDAY)).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_agents_booking_the_last_place_at_once_make_one_appointment_on_dynamodb() {
    one_place_many_racers(TestPortal::spawn_on_moto(clock_at(MONDAY)).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_slot_with_three_places_takes_three_of_fifty_racers() {
    let city = changed_city();
    let portal =
        Arc::new(TestPortal::spawn_with_city_and_clock(city.path().to_owned(), clock_at(MONDAY)).await);
    let (agent, _) = portal.agent("titres@belleval.example", Role::Agent, &[TITRES_SERVICE]).await;
    let start = "2027-03-26T08:00:00Z";
    let free = availability(&portal, &format!("type={TITRE}&agenda={ANNEXE}&from=2027-03-26&days=1")).await;
    assert_eq!(slot_at(&free, ANNEXE, start).expect("offered")["places_left"], 3);

    let answers = agents_race(&portal, &agent, ANNEXE, start, 50).await;
    exactly_won(&answers, 3);
    assert_eq!(appointments_at(&portal, &agent, ANNEXE, start).await.len(), 3);
    let free = availability(&portal, &format!("type={TITRE}&agenda={ANNEXE}&from=2027-03-26&days=1")).await;
    assert!(slot_at(&free, ANNEXE, start).is_none(), "a full slot is not offered");
}

#[tokio::test]
async fn a_citizen_books_moves_is_reminded_of_and_cancels_an_appointment_by_email_alone() {
    let clock = clock_at(MONDAY);
    book_move_remind_cancel(TestPortal::spawn_with_clock(clock.clone()).await, clock).await;
}

#[tokio::test]
async fn a_citizen_books_moves_is_reminded_of_and_cancels_an_appointment_on_dynamodb() {
    let clock = clock_at(MONDAY);
    book_move_remind_cancel(TestPortal::spawn_on_moto(clock.clone()).await, clock).await;
}

/// A citizen without an account books, moves, is reminded of and cancels
/// an appointment, by the emails and the link they receive.
async fn book_move_remind_cancel(portal: TestPortal, clock: Arc<FixedClock>) {
    let me = "camille@exemple.fr";

    let types = portal.call("GET", &format!("{BOOKING}/types"), None, None).await;
    assert_eq!(types.status, 200, "{}", types.body);
    let titre = types.body.as_array().unwrap().iter().find(|t| t["id"] == TITRE).expect("the type").clone();
    let offering: Vec<&str> =
        titre["agendas"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert!(offering.contains(&CENTRALE) && offering.contains(&ANNEXE), "{offering:?}");

    // Monday 9 h: the first slot is Tuesday 9 h, 24 hours ahead, in French.
    let free = availability(&portal, &format!("type={TITRE}&agenda={CENTRALE}&days=7")).await;
    assert_eq!(free["type"], TITRE);
    assert_eq!(free["type_title"], "Dépôt d'une demande de passeport ou de carte d'identité");
    let first_day = &days(&free)[0];
    assert_eq!(first_day["date"], "2027-03-23");
    assert_eq!(first_day["label"], "mardi 23 mars 2027");
    let first = &first_day["slots"][0];
    assert_eq!(first["start"], "2027-03-23T08:00:00Z");
    assert_eq!(first["end"], "2027-03-23T08:20:00Z");
    assert_eq!(first["time"], "9 h 00");
    assert_eq!(
        first["label"],
        "mardi 23 mars 2027 à 9 h 00 — Mairie centrale — passeports et cartes d'identité"
    );
    assert_eq!(first["places_left"], 2);
    assert_eq!(first["place"], "mairie-centrale");

    // Hold, then confirm with an email address.
    let hold = held(&portal, CENTRALE, "2027-03-23T08:00:00Z").await;
    let free = availability(&portal, &format!("type={TITRE}&agenda={CENTRALE}&from=2027-03-23&days=1")).await;
    assert_eq!(slot_at(&free, CENTRALE, "2027-03-23T08:00:00Z").unwrap()["places_left"], 1, "held");
    let confirmed =
        confirm(&portal, json!({ "hold": hold, "name": "Camille Martin", "email": me }), None).await;
    assert_eq!(confirmed.status, 201, "{}", confirmed.body);
    assert!(confirmed.headers["cache-control"].to_str().unwrap().starts_with("no-store"));
    let appointment = confirmed.body;
    let id = appointment["id"].as_str().unwrap().to_owned();
    assert_eq!(appointment["status"], "booked");
    assert_eq!(appointment["agenda"], CENTRALE);
    assert_eq!(appointment["type"], TITRE);
    assert_eq!(appointment["start"], "2027-03-23T08:00:00Z");
    assert_eq!(appointment["label"], "mardi 23 mars 2027 à 9 h 00");
    assert_eq!(appointment["can_change"], true);
    let again = confirm(&portal, json!({ "hold": hold, "name": "Camille Martin", "email": me }), None).await;
    assert_eq!((again.status, kind(&again)), (410, "urn:gru:problem:hold-expired"), "a hold books once");

    // The confirmation: an .ics to add it to one's calendar, and a private link.
    let mail = portal.email_to(me, "Rendez-vous confirmé").await;
    assert_eq!(mail.subject, "Rendez-vous confirmé le mardi 23 mars 2027 à 9 h 00");
    let calendar = ics(&mail);
    assert!(
        mail.attachments[0].content_type.contains("method=REQUEST"),
        "{}",
        mail.attachments[0].content_type
    );
    for line in
        ["METHOD:REQUEST", "SEQUENCE:0", "DTSTART;TZID=Europe/Paris:20270323T090000", "BEGIN:VTIMEZONE"]
    {
        assert!(has_line(&calendar, line), "{line} in\n{calendar}");
    }
    assert!(has_line(&calendar, "TZID:Europe/Paris"), "{calendar}");
    let uid = calendar.lines().find(|l| l.starts_with("UID:")).expect("a UID").to_owned();
    assert!(uid.starts_with(&format!("UID:{id}@")), "{uid}");
    let token = manage_token(&portal, &mail);
    let shown = manage(&portal, "", json!({ "token": token })).await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    assert_eq!(shown.body["id"], id.as_str());
    assert_eq!(shown.body["can_change"], true);

    // Moved to Tuesday 30 March, 10 h: summer time, so 8 h UTC.
    let later = held(&portal, CENTRALE, "2027-03-30T08:00:00Z").await;
    let moved = manage(&portal, "/reschedule", json!({ "token": token, "hold": later })).await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    assert_eq!(moved.body["appointment"]["id"], id.as_str(), "the same appointment");
    assert_eq!(moved.body["appointment"]["start"], "2027-03-30T08:00:00Z");
    assert_eq!(moved.body["appointment"]["label"], "mardi 30 mars 2027 à 10 h 00");
    let mail = portal.email_to(me, "Rendez-vous déplacé").await;
    assert_eq!(mail.subject, "Rendez-vous déplacé au mardi 30 mars 2027 à 10 h 00");
    let calendar = ics(&mail);
    for line in ["METHOD:REQUEST", "SEQUENCE:1", "DTSTART;TZID=Europe/Paris:20270330T100000", &uid] {
        assert!(has_line(&calendar, line), "{line} in\n{calendar}");
    }
    let new_token = manage_token(&portal, &mail);
    assert_ne!(new_token, token);
    let old = manage(&portal, "", json!({ "token": token })).await;
    assert_eq!((old.status, kind(&old)), (404, "urn:gru:problem:unknown-link"), "{}", old.body);
    let free = availability(&portal, &format!("type={TITRE}&agenda={CENTRALE}&from=2027-03-23&days=1")).await;
    assert_eq!(
        slot_at(&free, CENTRALE, "2027-03-23T08:00:00Z").unwrap()["places_left"],
        2,
        "the old place is free"
    );

    // The day before, the reminder comes, once.
    assert!(portal.emails_to(me).iter().all(|m| !m.subject.starts_with("Rappel")), "no reminder yet");
    clock.advance(SignedDuration::from_hours(7 * 24 + 1));
    let reminder = portal.email_to(me, "Rappel").await;
    assert_eq!(reminder.subject, "Rappel : rendez-vous le mardi 30 mars 2027 à 10 h 00");
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(portal.emails_to(me).iter().filter(|m| m.subject.starts_with("Rappel")).count(), 1);

    // Cancelled through the new link: the calendar drops it, the link dies.
    let cancelled = manage(&portal, "/cancel", json!({ "token": new_token })).await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.body);
    assert_eq!(cancelled.body["status"], "cancelled");
    assert_eq!(cancelled.body["can_change"], false);
    let mail = portal.email_to(me, "annulé").await;
    assert_eq!(mail.subject, "Rendez-vous du mardi 30 mars 2027 à 10 h 00 annulé");
    let calendar = ics(&mail);
    for line in ["METHOD:CANCEL", "STATUS:CANCELLED", "SEQUENCE:2", &uid] {
        assert!(has_line(&calendar, line), "{line} in\n{calendar}");
    }
    let dead = manage(&portal, "", json!({ "token": new_token })).await;
    assert_eq!((dead.status, kind(&dead)), (404, "urn:gru:problem:unknown-link"), "{}", dead.body);
    let twice = manage(&portal, "/cancel", json!({ "token": new_token })).await;
    assert_eq!(twice.status, 404, "{}", twice.body);

    // Seen from the Monday before (out of the 24 h notice), the place is free again.
    clock.advance(SignedDuration::from_hours(-(7 * 24 + 1)));
    let free = availability(&portal, &format!("type={TITRE}&agenda={CENTRALE}&from=2027-03-30&days=1")).await;
    assert_eq!(slot_at(&free, CENTRALE, "2027-03-30T08:00:00Z").expect("offered again")["places_left"], 2);
}

#[tokio::test]
async fn slots_follow_the_city_clock_across_the_change_to_summer_time_and_skip_public_holidays() {
    let portal = TestPortal::spawn_with_clock(clock_at(MONDAY)).await;
    let free = availability(&portal, &format!("type={TITRE}&agenda={CENTRALE}&days=62")).await;
    let listed = dates(&free);
    // Monday 9 h: no slot inside the 24 hours' notice.
    assert_eq!(listed[0], "2027-03-23");
    assert_eq!(starts(&free)[0], "2027-03-23T08:00:00Z");
    let notice_end: Timestamp = "2027-03-23T08:00:00Z".parse().unwrap();
    assert!(starts(&free).iter().all(|s| s.parse::<Timestamp>().unwrap() >= notice_end));
    // Easter Monday and Ascension Thursday are closed; the days around open.
    for closed in ["2027-03-29", "2027-05-06"] {
        assert!(!listed.contains(&closed.to_owned()), "{closed} is a public holiday: {listed:?}");
    }
    for open in ["2027-03-26", "2027-03-30", "2027-05-05", "2027-05-07"] {
        assert!(listed.contains(&open.to_owned()), "{open} is open: {listed:?}");
    }
    // No weekend, and nothing past the 60 days' horizon (21 May).
    assert!(!listed.contains(&"2027-03-27".to_owned()) && !listed.contains(&"2027-03-28".to_owned()));
    assert!(listed.iter().all(|d| d.as_str() <= "2027-05-21"), "{listed:?}");
    assert!(listed.contains(&"2027-05-21".to_owned()), "the horizon's last day is offered");
    let past_horizon =
        availability(&portal, &format!("type={TITRE}&agenda={CENTRALE}&from=2027-05-22&days=30")).await;
    assert!(days(&past_horizon).is_empty(), "{past_horizon}");

    // 8 h 30 in Paris is 7 h 30 UTC before the change, 6 h 30 after.
    let day = |date: &str| days(&free).into_iter().find(|d| d["date"] == date).unwrap();
    let friday = day("2027-03-26");
    assert_eq!(friday["label"], "vendredi 26 mars 2027");
    assert_eq!(friday["slots"][0]["start"], "2027-03-26T07:30:00Z");
    assert_eq!(friday["slots"][0]["time"], "8 h 30");
    let tuesday = day("2027-03-30");
    assert_eq!(tuesday["label"], "mardi 30 mars 2027");
    assert_eq!(tuesday["slots"][0]["start"], "2027-03-30T06:30:00Z");
    assert_eq!(tuesday["slots"][0]["time"], "8 h 30");
    assert_eq!(day("2027-04-01")["label"], "jeudi 1er avril 2027");
    // Every slot's time is its start on the Paris clock.
    for slot in slots(&free) {
        let local = slot["start"].as_str().unwrap().parse::<Timestamp>().unwrap().to_zoned_datetime(paris());
        assert_eq!(slot["time"], format!("{} h {:02}", local.hour(), local.minute()), "{slot}");
    }

    // Any town hall: both agendas, in time order.
    let anywhere = availability(&portal, &format!("type={TITRE}&from=2027-03-24&days=1")).await;
    let agendas: Vec<String> =
        slots(&anywhere).iter().map(|s| s["agenda"].as_str().unwrap().to_owned()).collect();
    assert!(agendas.contains(&CENTRALE.to_owned()) && agendas.contains(&ANNEXE.to_owned()), "{agendas:?}");
    let all = starts(&anywhere);
    assert!(all.windows(2).all(|w| w[0] <= w[1]), "{all:?}");
    // The annex asks 48 hours' notice: Wednesday 9 h is its first slot.
    let annexe = availability(&portal, &format!("type={TITRE}&agenda={ANNEXE}&days=7")).await;
    assert_eq!(starts(&annexe)[0], "2027-03-24T08:00:00Z");
}

#[tokio::test]
async fn the_hour_skipped_in_march_has_no_slot() {
    let city = changed_city();
    let portal = TestPortal::spawn_with_city_and_clock(city.path().to_owned(), clock_at(MONDAY)).await;
    let free = availability(&portal, &format!("type={TITRE}&agenda={ANNEXE}&from=2027-03-28&days=1")).await;
    let sunday = &days(&free)[0];
    assert_eq!(sunday["date"], "2027-03-28");
    let times: Vec<&str> =
        sunday["slots"].as_array().unwrap().iter().map(|s| s["time"].as_str().unwrap()).collect();
    assert_eq!(times, ["1 h 00", "1 h 30", "3 h 00", "3 h 30"], "2 h to 3 h does not exist that night");
    assert_eq!(
        starts(&free),
        ["2027-03-28T00:00:00Z", "2027-03-28T00:30:00Z", "2027-03-28T01:00:00Z", "2027-03-28T01:30:00Z"]
    );
    let gap = hold(&portal, ANNEXE, "2027-03-28T01:00:00Z").await;
    assert_eq!(gap.status, 201, "3 h in summer time is a slot: {}", gap.body);
}

#[tokio::test]
async fn the_annex_summer_closure_has_no_slots() {
    // Monday 19 July 2027: the annex closes from 26 July to 27 August.
    let portal = TestPortal::spawn_with_clock(clock_at("2027-07-19T08:00:00Z")).await;
    let free = availability(&portal, &format!("type={TITRE}&agenda={ANNEXE}&days=62")).await;
    let listed = dates(&free);
    assert!(
        listed.contains(&"2027-07-23".to_owned()) && listed.contains(&"2027-07-24".to_owned()),
        "{listed:?}"
    );
    assert!(
        listed.iter().all(|d| !("2027-07-26"..="2027-08-27").contains(&d.as_str())),
        "closed for the summer: {listed:?}"
    );
    assert!(listed.contains(&"2027-08-28".to_owned()), "open again on Saturday 28 August: {listed:?}");
    // 45 days ahead at most: Thursday 2 September.
    assert!(listed.iter().all(|d| d.as_str() <= "2027-09-02"), "{listed:?}");
    let closed = hold(&portal, ANNEXE, "2027-08-04T07:00:00Z").await;
    assert_eq!((closed.status, kind(&closed)), (422, "urn:gru:problem:slot-unavailable"), "{}", closed.body);
    assert_eq!(closed.error_fields(), ["start"]);
}

#[tokio::test]
async fn one_citizen_holds_one_upcoming_appointment_of_a_type() {
    let portal = TestPortal::spawn_with_clock(clock_at(MONDAY)).await;
    let first = booked(&portal, CENTRALE, "2027-03-23T08:00:00Z", "camille@exemple.fr").await;
    let mail = portal.email_to("camille@exemple.fr", "Rendez-vous confirmé").await;

    // Another one of the same type, at the other town hall, same address.
    let body = json!({
        "agenda": ANNEXE, "type": TITRE, "start": "2027-03-24T08:00:00Z",
        "name": "Camille Martin", "email": "Camille@Exemple.fr",
    });
    let refused = confirm(&portal, body.clone(), None).await;
    assert_eq!((refused.status, kind(&refused)), (422, "urn:gru:problem:limit-reached"), "{}", refused.body);
    assert_eq!(refused.error_fields(), ["type"]);
    let free = availability(&portal, &format!("type={TITRE}&agenda={ANNEXE}&from=2027-03-24&days=1")).await;
    assert!(slot_at(&free, ANNEXE, "2027-03-24T08:00:00Z").is_some(), "the refused booking took no place");

    // Once the first is cancelled, the second is allowed.
    let cancelled = manage(&portal, "/cancel", json!({ "token": manage_token(&portal, &mail) })).await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.body);
    assert_eq!(cancelled.body["id"], first["id"]);
    let allowed = confirm(&portal, body, None).await;
    assert_eq!(allowed.status, 201, "{}", allowed.body);
}

#[tokio::test]
async fn agents_plan_book_mark_cancel_and_close_within_their_services() {
    let clock = clock_at(MONDAY);
    let portal = TestPortal::spawn_with_clock(clock.clone()).await;
    let (agent, _) = portal.agent("titres@belleval.example", Role::Agent, &[TITRES_SERVICE]).await;
    let (other, _) = portal.agent("pacs@belleval.example", Role::Agent, &["pacs"]).await;
    let (admin, _) = portal.agent("admin@belleval.example", Role::Admin, &[]).await;

    let mine = portal.call_with("GET", &format!("{BOOKING}/agent/agendas"), None, Some(&agent)).await;
    assert_eq!(mine.status, 200, "{}", mine.body);
    let ids: Vec<&str> = mine.body.as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert!(ids.contains(&CENTRALE) && ids.contains(&ANNEXE), "{ids:?}");
    let theirs = portal.call_with("GET", &format!("{BOOKING}/agent/agendas"), None, Some(&other)).await;
    let ids: Vec<&str> = theirs.body.as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["etat-civil"]);

    // Two citizens booked online; a third called.
    let tuesday = booked(&portal, CENTRALE, "2027-03-23T08:00:00Z", "usager@exemple.fr").await;
    let thursday = booked(&portal, CENTRALE, "2027-03-25T08:00:00Z", "autre@exemple.fr").await;
    let called = agent_book(
        &portal,
        &agent,
        json!({
            "agenda": CENTRALE, "type": TITRE, "start": "2027-03-23T08:30:00Z", "name": "Jean Dupont",
            "phone": "02 54 00 00 00", "channel": "phone",
        }),
    )
    .await;
    assert_eq!(called.status, 201, "{}", called.body);
    assert_eq!(called.body["channel"], "phone");
    assert_eq!(called.body["booked_by"], "Agent titres@belleval.example");
    assert!(called.body.get("email").is_none(), "{}", called.body);

    // The day's planning, then the week's, per agenda and per place.
    let day = planning(&portal, &agent, &format!("agenda={CENTRALE}&from=2027-03-23&days=1")).await;
    assert_eq!(day.status, 200, "{}", day.body);
    assert!(day.headers["cache-control"].to_str().unwrap().starts_with("no-store"));
    assert_eq!(day.body["days"][0]["label"], "mardi 23 mars 2027");
    let rows = planned(&day.body);
    let names: Vec<&str> = rows.iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Camille Martin", "Jean Dupont"]);
    assert_eq!(rows[0]["id"], tuesday["id"]);
    assert_eq!(rows[0]["email"], "usager@exemple.fr");
    assert_eq!(rows[0]["channel"], "online");
    assert_eq!(rows[1]["time"], "9 h 30");
    let week = planning(&portal, &agent, &format!("agenda={CENTRALE}&from=2027-03-22&days=7")).await;
    assert_eq!(week.status, 200, "{}", week.body);
    assert_eq!(week.body["days"].as_array().unwrap().len(), 7);
    assert_eq!(planned(&week.body).len(), 3);
    let place = planning(&portal, &agent, "place=mairie-centrale&from=2027-03-22&days=7").await;
    assert_eq!(place.status, 200, "{}", place.body);
    let at_place: Vec<Value> = planned(&place.body).iter().map(|a| a["id"].clone()).collect();
    assert_eq!(at_place, [tuesday["id"].clone(), called.body["id"].clone(), thursday["id"].clone()]);
    let easter = planning(&portal, &agent, &format!("agenda={CENTRALE}&from=2027-03-29&days=1")).await;
    assert_eq!(easter.body["days"][0]["closed"], "Jour férié", "{}", easter.body);
    let too_long = planning(&portal, &agent, &format!("agenda={CENTRALE}&from=2027-03-22&days=8")).await;
    assert_eq!(too_long.status, 422, "{}", too_long.body);
    assert_eq!(too_long.error_fields(), ["days"]);

    // Inside the notice: only when the agent says so, and the audit trail says it.
    let soon = |start: &str, override_notice: bool| {
        json!({
            "agenda": CENTRALE, "type": TITRE, "start": start, "name": "Lucie Bernard",
            "channel": "counter", "override_notice": override_notice,
        })
    };
    let refused = agent_book(&portal, &agent, soon("2027-03-22T10:30:00Z", false)).await;
    assert_eq!(
        (refused.status, kind(&refused)),
        (422, "urn:gru:problem:slot-unavailable"),
        "{}",
        refused.body
    );
    let overridden = agent_book(&portal, &agent, soon("2027-03-22T10:00:00Z", true)).await;
    assert_eq!(overridden.status, 201, "{}", overridden.body);
    let past = agent_book(&portal, &agent, soon("2027-03-22T07:30:00Z", true)).await;
    assert_eq!(past.status, 422, "never a past slot: {}", past.body);
    let audit = portal.call_with("GET", "/api/tracking/audit?day=2027-03-22", None, Some(&admin)).await;
    assert_eq!(audit.status, 200, "{}", audit.body);
    let entries = audit.body["entries"].as_array().unwrap();
    let overrides: Vec<&Value> = entries
        .iter()
        .filter(|e| e["action"] == "appointment.book" && e["detail"] == "override-notice")
        .collect();
    assert_eq!(overrides.len(), 1, "{entries:?}");
    assert_eq!(overrides[0]["reference"], overridden.body["id"]);
    assert_eq!(overrides[0]["agent_name"], "Agent titres@belleval.example");
    assert_eq!(entries.iter().filter(|e| e["action"] == "appointment.book").count(), 2, "{entries:?}");
    assert!(entries.iter().any(|e| e["action"] == "planning.read"), "{entries:?}");

    // Attendance is noted from the appointment's day on.
    let attendance = |agent: &str, id: &Value, status: &str| {
        let (portal, agent, status) = (&portal, agent.to_owned(), status.to_owned());
        let path = format!("{BOOKING}/agent/appointments/{}/attendance", id.as_str().unwrap());
        async move { portal.call_with("POST", &path, Some(&json!({ "status": status })), Some(&agent)).await }
    };
    let early = attendance(&agent, &tuesday["id"], "present").await;
    assert_eq!((early.status, kind(&early)), (422, "urn:gru:problem:too-early"), "{}", early.body);

    // An agent of another service sees none of it.
    let id = tuesday["id"].as_str().unwrap();
    for (method, path, body) in [
        ("GET", format!("{BOOKING}/agent/planning?agenda={CENTRALE}&from=2027-03-23"), None),
        (
            "POST",
            format!("{BOOKING}/agent/appointments/{id}/attendance"),
            Some(json!({ "status": "present" })),
        ),
        ("POST", format!("{BOOKING}/agent/appointments/{id}/cancel"), Some(json!({ "reason": "Absent" }))),
        (
            "POST",
            format!("{BOOKING}/agent/appointments/{id}/reschedule"),
            Some(json!({ "start": "2027-03-24T08:00:00Z" })),
        ),
        (
            "POST",
            format!("{BOOKING}/agent/agendas/{CENTRALE}/closures"),
            Some(json!({ "from": "2027-03-24", "reason": "Grève" })),
        ),
        ("POST", format!("{BOOKING}/agent/appointments"), Some(soon("2027-03-24T08:00:00Z", false))),
    ] {
        let answer = portal.call_with(method, &path, body.as_ref(), Some(&other)).await;
        assert_eq!(answer.status, 404, "{method} {path}: {}", answer.body);
    }
    let place = planning(&portal, &other, "place=mairie-annexe-nord&from=2027-03-22").await;
    assert_eq!(place.status, 404, "{}", place.body);

    // Thursday closes: the answer lists the appointment to move, the day offers nothing.
    let closed = portal
        .call_with(
            "POST",
            &format!("{BOOKING}/agent/agendas/{CENTRALE}/closures"),
            Some(&json!({ "from": "2027-03-25", "reason": "Formation des agents" })),
            Some(&agent),
        )
        .await;
    assert_eq!(closed.status, 201, "{}", closed.body);
    let to_move: Vec<&Value> = closed.body["to_move"].as_array().unwrap().iter().map(|a| &a["id"]).collect();
    assert_eq!(to_move, [&thursday["id"]]);
    let free = availability(&portal, &format!("type={TITRE}&agenda={CENTRALE}&from=2027-03-25&days=1")).await;
    assert!(days(&free).is_empty(), "{free}");
    let thursday_planning = planning(&portal, &agent, &format!("agenda={CENTRALE}&from=2027-03-25")).await;
    assert_eq!(thursday_planning.body["days"][0]["closed"], "Formation des agents");
    assert_eq!(planned(&thursday_planning.body).len(), 1, "still listed, to move");

    // The agent cancels it; the citizen is told why, and their calendar drops it.
    let path = format!("{BOOKING}/agent/appointments/{}/cancel", thursday["id"].as_str().unwrap());
    let cancel = json!({ "reason": "Fermeture exceptionnelle du guichet" });
    let cancelled = portal.call_with("POST", &path, Some(&cancel), Some(&agent)).await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.body);
    assert_eq!(cancelled.body["status"], "cancelled");
    let mail = portal.email_to("autre@exemple.fr", "annulé").await;
    assert!(mail.text.contains("Motif : Fermeture exceptionnelle du guichet"), "{}", mail.text);
    let calendar = ics(&mail);
    assert!(has_line(&calendar, "METHOD:CANCEL"), "{calendar}");
    let twice = portal.call_with("POST", &path, Some(&cancel), Some(&agent)).await;
    assert_eq!((twice.status, kind(&twice)), (409, "urn:gru:problem:not-changeable"), "{}", twice.body);

    // Tuesday morning (a new session: the last one idled out): present, and absent.
    clock.advance(SignedDuration::from_hours(25));
    let (agent, _) = portal.agent("matin@belleval.example", Role::Agent, &[TITRES_SERVICE]).await;
    let present = attendance(&agent, &tuesday["id"], "present").await;
    assert_eq!(present.status, 200, "{}", present.body);
    assert_eq!(present.body["status"], "present");
    let absent = attendance(&agent, &called.body["id"], "no_show").await;
    assert_eq!(absent.status, 200, "{}", absent.body);
    assert_eq!(absent.body["status"], "no_show");
    let day = planning(&portal, &agent, &format!("agenda={CENTRALE}&from=2027-03-23&days=1")).await;
    let statuses: Vec<Value> = planned(&day.body).iter().map(|a| a["status"].clone()).collect();
    assert_eq!(statuses, ["present", "no_show"]);
}

/// A request with the headers the test chooses.
async fn raw(
    portal: &TestPortal,
    path: &str,
    content_type: &str,
    body: &str,
    headers: &[(&str, &str)],
) -> Answer {
    let mut request = portal
        .client
        .post(format!("{}{path}", portal.url))
        .header("x-gru-csrf", "1")
        .header("content-type", content_type)
        .body(body.to_owned());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("request sent");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.json().await.unwrap_or(Value::Null);
    Answer { status, headers, body }
}

#[tokio::test]
async fn bad_input_is_refused_and_hostile_input_stays_text() {
    let portal = TestPortal::spawn_with_clock(clock_at(MONDAY)).await;
    let (agent, _) = portal.agent("titres@belleval.example", Role::Agent, &[TITRES_SERVICE]).await;

    let unknown = portal.call("GET", &format!("{BOOKING}/availability?type=inconnu"), None, None).await;
    assert_eq!(unknown.status, 404, "{}", unknown.body);
    let unknown =
        portal.call("GET", &format!("{BOOKING}/availability?type={TITRE}&agenda=inconnu"), None, None).await;
    assert_eq!(unknown.status, 404, "{}", unknown.body);
    let long = portal.call("GET", &format!("{BOOKING}/availability?type={TITRE}&days=100"), None, None).await;
    assert_eq!(long.status, 422, "{}", long.body);
    assert_eq!(long.error_fields(), ["days"]);

    let holds = format!("{BOOKING}/holds");
    let malformed = raw(&portal, &holds, "application/json", "{\"agenda\": ", &[]).await;
    assert_eq!(malformed.status, 400, "{}", malformed.body);
    let body = json!({ "agenda": CENTRALE, "type": TITRE, "start": "2027-03-24T08:00:00Z" }).to_string();
    let not_json = raw(&portal, &holds, "text/plain", &body, &[]).await;
    assert_eq!(not_json.status, 415, "{}", not_json.body);
    let extra = json!({ "agenda": CENTRALE, "type": TITRE, "start": "2027-03-24T08:00:00Z", "places": 2 });
    let unknown_field = portal.call("POST", &holds, Some(&extra), None).await;
    assert_eq!(unknown_field.status, 400, "{}", unknown_field.body);
    let off_hours = hold(&portal, CENTRALE, "2027-03-24T08:10:00Z").await;
    assert_eq!((off_hours.status, kind(&off_hours)), (422, "urn:gru:problem:slot-unavailable"));
    let no_csrf = portal
        .client
        .post(format!("{}{holds}", portal.url))
        .json(&json!({ "agenda": CENTRALE, "type": TITRE, "start": "2027-03-24T08:00:00Z" }))
        .send()
        .await
        .unwrap();
    assert_eq!(no_csrf.status().as_u16(), 403, "a POST without the CSRF header is refused");

    // A name with markup is kept as text, and answered as JSON.
    let script = "<script>alert('rdv')</script> Dupont";
    let booked_for = agent_book(
        &portal,
        &agent,
        json!({ "agenda": CENTRALE, "type": TITRE, "start": "2027-03-24T08:00:00Z", "name": script, "channel": "counter" }),
    )
    .await;
    assert_eq!(booked_for.status, 201, "{}", booked_for.body);
    assert_eq!(booked_for.body["name"], script);
    assert!(booked_for.headers["content-type"].to_str().unwrap().starts_with("application/json"));
    let day = planning(&portal, &agent, &format!("agenda={CENTRALE}&from=2027-03-24")).await;
    assert_eq!(day.headers["content-type"], "application/json");
    assert_eq!(planned(&day.body)[0]["name"], script);
    let online = confirm(
        &portal,
        json!({ "agenda": CENTRALE, "type": TITRE, "start": "2027-03-24T08:30:00Z", "name": script, "email": "script@exemple.fr" }),
        None,
    )
    .await;
    assert_eq!(online.status, 201, "{}", online.body);
    let mail = portal.email_to("script@exemple.fr", "Rendez-vous confirmé").await;
    assert!(mail.text.contains(&format!("Bonjour {script},")), "{}", mail.text);

    // Hostile or missing addresses.
    for email in [
        "camille@exemple.fr\r\nBcc: tous@exemple.fr",
        "camille@exemple.fr, tous@exemple.fr",
        "pas-une-adresse",
    ] {
        let body = json!({ "agenda": CENTRALE, "type": TITRE, "start": "2027-03-24T09:00:00Z", "name": "Camille", "email": email });
        let refused = confirm(&portal, body, None).await;
        assert_eq!(refused.status, 422, "{email:?}: {}", refused.body);
        assert_eq!(refused.error_fields(), ["email"], "{email:?}");
    }
    let body =
        json!({ "agenda": CENTRALE, "type": TITRE, "start": "2027-03-24T09:00:00Z", "name": "Camille" });
    let no_email = confirm(&portal, body, None).await;
    assert_eq!(
        (no_email.status, no_email.error_fields()),
        (422, vec!["email".to_owned()]),
        "{}",
        no_email.body
    );

    // A confirmation sent twice with one Idempotency-Key books once.
    let appointments = format!("{BOOKING}/appointments");
    let body = json!({
        "agenda": CENTRALE, "type": TITRE, "start": "2027-03-24T09:00:00Z",
        "name": "Camille Martin", "email": "deux-fois@exemple.fr",
        "answers": { PRE_APPLICATION: "2301A12345678" },
    })
    .to_string();
    let key = [("idempotency-key", "7f1c2b9e-rdv-1")];
    let first = raw(&portal, &appointments, "application/json", &body, &key).await;
    assert_eq!(first.status, 201, "{}", first.body);
    let second = raw(&portal, &appointments, "application/json", &body, &key).await;
    assert_eq!(second.status, 201, "{}", second.body);
    assert_eq!(second.body["id"], first.body["id"], "the same appointment");
    let free = availability(&portal, &format!("type={TITRE}&agenda={CENTRALE}&from=2027-03-24&days=1")).await;
    assert_eq!(
        slot_at(&free, CENTRALE, "2027-03-24T09:00:00Z").unwrap()["places_left"],
        1,
        "one place taken"
    );
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(portal.emails_to("deux-fois@exemple.fr").len(), 1, "one confirmation email");
    let long_key = "k".repeat(101);
    for bad in ["une cle", long_key.as_str()] {
        let refused =
            raw(&portal, &appointments, "application/json", &body, &[("idempotency-key", bad)]).await;
        assert_eq!(refused.status, 400, "{bad:?}: {}", refused.body);
    }
    let agent_path = format!("{BOOKING}/agent/appointments");
    let cookie = [("cookie", agent.as_str()), ("idempotency-key", "a b")];
    let body = json!({
        "agenda": CENTRALE, "type": TITRE, "start": "2027-03-24T09:30:00Z", "name": "Paul Durand", "channel": "post",
    })
    .to_string();
    let refused = raw(&portal, &agent_path, "application/json", &body, &cookie).await;
    assert_eq!(refused.status, 400, "{}", refused.body);
}

#[tokio::test]
async fn a_lapsed_hold_is_lost_only_when_someone_else_takes_the_place() {
    let clock = clock_at(MONDAY);
    let portal = TestPortal::spawn_with_clock(clock.clone()).await;
    let person = |hold: &str, email: &str| json!({ "hold": hold, "name": "Camille Martin", "email": email });

    // The annex's only place at 9 h on Friday: held, so taken for the others.
    let start = "2027-03-26T08:00:00Z";
    let slow = held(&portal, ANNEXE, start).await;
    let taken = hold(&portal, ANNEXE, start).await;
    assert_eq!((taken.status, kind(&taken)), (409, "urn:gru:problem:slot-taken"), "{}", taken.body);
    // Ten minutes later it is offered again; nobody took it, so the slow citizen still books it.
    clock.advance(SignedDuration::from_mins(11));
    let free = availability(&portal, &format!("type={TITRE}&agenda={ANNEXE}&from=2027-03-26&days=1")).await;
    assert!(slot_at(&free, ANNEXE, start).is_some(), "a lapsed hold keeps nothing");
    let late = confirm(&portal, person(&slow, "lent@exemple.fr"), None).await;
    assert_eq!(late.status, 201, "{}", late.body);

    // At 9 h 30, someone else holds the lapsed place first.
    let next = "2027-03-26T08:30:00Z";
    let slow = held(&portal, ANNEXE, next).await;
    clock.advance(SignedDuration::from_mins(11));
    let quick = held(&portal, ANNEXE, next).await;
    let lost = confirm(&portal, person(&slow, "lent2@exemple.fr"), None).await;
    assert_eq!((lost.status, kind(&lost)), (410, "urn:gru:problem:hold-expired"), "{}", lost.body);
    assert_eq!(lost.error_fields(), ["hold"]);
    let won = confirm(&portal, person(&quick, "rapide@exemple.fr"), None).await;
    assert_eq!(won.status, 201, "{}", won.body);
}

#[tokio::test]
async fn holds_and_confirmations_without_an_account_are_limited_per_address() {
    let clock = clock_at(MONDAY);
    let portal = TestPortal::spawn_with_clock(clock.clone()).await;
    let free = starts(&availability(&portal, &format!("type={TITRE}&agenda={CENTRALE}&days=14")).await);
    assert!(free.len() > 80, "{}", free.len());

    for start in &free[..30] {
        held(&portal, CENTRALE, start).await;
    }
    let limited = hold(&portal, CENTRALE, &free[30]).await;
    assert_eq!((limited.status, kind(&limited)), (429, "urn:gru:problem:rate-limited"), "{}", limited.body);
    assert!(limited.headers.contains_key("retry-after"));

    for (n, start) in free[40..50].iter().enumerate() {
        booked(&portal, CENTRALE, start, &format!("usager{n}@exemple.fr")).await;
    }
    let body = json!({ "agenda": CENTRALE, "type": TITRE, "start": free[50], "name": "Onze", "email": "onze@exemple.fr" });
    let limited = confirm(&portal, body, None).await;
    assert_eq!((limited.status, kind(&limited)), (429, "urn:gru:problem:rate-limited"), "{}", limited.body);
    // A signed-in citizen is not counted by address.
    let session = portal.signed_up("compte@exemple.fr").await;
    let body = json!({ "agenda": CENTRALE, "type": TITRE, "start": free[51], "name": "Claire Petit" });
    let signed_in = confirm(&portal, body, Some(&session)).await;
    assert_eq!(signed_in.status, 201, "{}", signed_in.body);

    // An hour later, the address may hold again.
    clock.advance(SignedDuration::from_hours(1));
    held(&portal, CENTRALE, &free[60]).await;
}

#[tokio::test]
async fn a_signed_in_citizen_books_with_their_account_and_cancels_from_their_dashboard() {
    let portal = TestPortal::spawn_with_clock(clock_at(MONDAY)).await;
    let claire = portal.signed_up("claire@exemple.fr").await;
    let bruno = portal.signed_up("bruno@exemple.fr").await;
    let mine = |session: String| {
        let portal = &portal;
        async move { portal.call("GET", &format!("{BOOKING}/appointments"), None, Some(&session)).await }
    };

    let body =
        json!({ "agenda": CENTRALE, "type": TITRE, "start": "2027-03-23T08:00:00Z", "name": "Claire Petit" });
    let confirmed = confirm(&portal, body, Some(&claire)).await;
    assert_eq!(confirmed.status, 201, "{}", confirmed.body);
    let id = confirmed.body["id"].as_str().unwrap().to_owned();
    let mail = portal.email_to("claire@exemple.fr", "Rendez-vous confirmé").await;
    assert!(has_line(&ics(&mail), "METHOD:REQUEST"));
    manage_token(&portal, &mail);

    let listed = mine(claire.clone()).await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    let ids: Vec<&Value> = listed.body.as_array().unwrap().iter().map(|a| &a["id"]).collect();
    assert_eq!(ids, [&json!(id)]);
    assert_eq!(mine(bruno.clone()).await.body, json!([]));
    let path = format!("{BOOKING}/appointments/{id}/cancel");
    let not_his = portal.call("POST", &path, None, Some(&bruno)).await;
    assert_eq!(not_his.status, 404, "{}", not_his.body);
    let cancelled = portal.call("POST", &path, None, Some(&claire)).await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.body);
    assert_eq!(cancelled.body["status"], "cancelled");
    let mail = portal.email_to("claire@exemple.fr", "annulé").await;
    assert!(has_line(&ics(&mail), "METHOD:CANCEL"));

    // Linked to one of her requests, never to someone else's.
    let reference = portal.death_certificate_request(&claire).await;
    let others = portal.death_certificate_request(&bruno).await;
    let with = |reference: &str| {
        json!({
            "agenda": CENTRALE, "type": TITRE, "start": "2027-03-23T08:30:00Z", "name": "Claire Petit",
            "reference": reference,
        })
    };
    let refused = confirm(&portal, with(&others), Some(&claire)).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(refused.error_fields(), ["reference"]);
    let linked = confirm(&portal, with(&reference), Some(&claire)).await;
    assert_eq!(linked.status, 201, "{}", linked.body);
    assert_eq!(linked.body["reference"], reference.as_str());
}

#[tokio::test]
async fn an_agent_moves_an_appointment_and_the_citizen_calendar_follows() {
    let portal = TestPortal::spawn_with_clock(clock_at(MONDAY)).await;
    let (agent, _) = portal.agent("titres@belleval.example", Role::Agent, &[TITRES_SERVICE]).await;
    let (admin, _) = portal.agent("admin@belleval.example", Role::Admin, &[]).await;
    let me = "camille@exemple.fr";
    let appointment = booked(&portal, CENTRALE, "2027-03-23T08:00:00Z", me).await;
    let id = appointment["id"].as_str().unwrap();
    let mail = portal.email_to(me, "Rendez-vous confirmé").await;
    let token = manage_token(&portal, &mail);

    // One appointment of the type per citizen, unless the agent lifts it.
    let for_her = |start: &str, override_notice: bool| {
        json!({
            "agenda": CENTRALE, "type": TITRE, "start": start, "name": "Camille Martin", "email": me,
            "channel": "phone", "override_notice": override_notice,
        })
    };
    let refused = agent_book(&portal, &agent, for_her("2027-03-24T08:00:00Z", false)).await;
    assert_eq!((refused.status, kind(&refused)), (422, "urn:gru:problem:limit-reached"), "{}", refused.body);
    let lifted = agent_book(&portal, &agent, for_her("2027-03-24T08:00:00Z", true)).await;
    assert_eq!(lifted.status, 201, "{}", lifted.body);

    // Moved to the annex on Wednesday 9 h.
    let path = format!("{BOOKING}/agent/appointments/{id}/reschedule");
    let body = json!({ "start": "2027-03-24T08:00:00Z", "agenda": ANNEXE });
    let moved = portal.call_with("POST", &path, Some(&body), Some(&agent)).await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    assert_eq!(moved.body["id"], id);
    assert_eq!(moved.body["agenda"], ANNEXE);
    assert_eq!(moved.body["start"], "2027-03-24T08:00:00Z");
    let mail = portal.email_to(me, "Rendez-vous déplacé").await;
    assert_eq!(mail.subject, "Rendez-vous déplacé au mercredi 24 mars 2027 à 9 h 00");
    let calendar = ics(&mail);
    for line in ["METHOD:REQUEST", "SEQUENCE:1", "DTSTART;TZID=Europe/Paris:20270324T090000"] {
        assert!(has_line(&calendar, line), "{line} in\n{calendar}");
    }
    assert!(calendar.lines().any(|l| l.starts_with(&format!("UID:{id}@"))), "{calendar}");
    let free = availability(&portal, &format!("type={TITRE}&agenda={CENTRALE}&from=2027-03-23&days=1")).await;
    assert_eq!(
        slot_at(&free, CENTRALE, "2027-03-23T08:00:00Z").unwrap()["places_left"],
        2,
        "the old place is free"
    );
    let audit = portal.call_with("GET", "/api/tracking/audit?day=2027-03-22", None, Some(&admin)).await;
    let entries = audit.body["entries"].as_array().unwrap();
    assert!(entries.iter().any(|e| e["action"] == "appointment.move" && e["reference"] == id), "{entries:?}");

    // No new link came with the agent's move: the first one still works, and the email does not say otherwise.
    let shown = manage(&portal, "", json!({ "token": token })).await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    assert_eq!(shown.body["start"], "2027-03-24T08:00:00Z");
    assert!(
        !mail.text.contains("ne fonctionne plus"),
        "the email says the link died, yet it works:\n{}",
        mail.text
    );
}

#[tokio::test]
async fn a_day_closed_while_a_slot_is_held_cannot_be_booked_with_the_hold() {
    let portal = TestPortal::spawn_with_clock(clock_at(MONDAY)).await;
    let (agent, _) = portal.agent("titres@belleval.example", Role::Agent, &[TITRES_SERVICE]).await;
    let hold = held(&portal, CENTRALE, "2027-03-25T08:00:00Z").await;
    let closure = json!({ "from": "2027-03-25", "reason": "Grève" });
    let path = format!("{BOOKING}/agent/agendas/{CENTRALE}/closures");
    let closed = portal.call_with("POST", &path, Some(&closure), Some(&agent)).await;
    assert_eq!(closed.status, 201, "{}", closed.body);

    let body = json!({ "hold": hold, "name": "Camille Martin", "email": "camille@exemple.fr" });
    let refused = confirm(&portal, body, None).await;
    assert_eq!(
        (refused.status, kind(&refused)),
        (422, "urn:gru:problem:slot-unavailable"),
        "{}",
        refused.body
    );
    let day = planning(&portal, &agent, &format!("agenda={CENTRALE}&from=2027-03-25")).await;
    assert!(planned(&day.body).is_empty(), "nothing booked on the closed day: {}", day.body);
}

#[tokio::test]
async fn a_confirmation_of_a_hold_sent_again_with_its_idempotency_key_answers_the_same_appointment() {
    // The site confirms a hold; when the answer is lost, it sends the same request again.
    let portal = TestPortal::spawn_with_clock(clock_at(MONDAY)).await;
    let hold = held(&portal, CENTRALE, "2027-03-23T08:00:00Z").await;
    let body = json!({ "hold": hold, "name": "Camille Martin", "email": "camille@exemple.fr",
                       "answers": { PRE_APPLICATION: "2301A12345678" } })
    .to_string();
    let path = format!("{BOOKING}/appointments");
    let key = [("idempotency-key", "b0c4a7e2-confirmation")];
    let first = raw(&portal, &path, "application/json", &body, &key).await;
    assert_eq!(first.status, 201, "{}", first.body);
    let again = raw(&portal, &path, "application/json", &body, &key).await;
    assert_eq!((again.status, &again.body["id"]), (201, &first.body["id"]), "{}", again.body);
}

#[tokio::test]
async fn reminders_follow_moves_and_stop_with_cancellations() {
    let clock = clock_at(MONDAY);
    let portal = TestPortal::spawn_with_clock(clock.clone()).await;
    let (agent, _) = portal.agent("titres@belleval.example", Role::Agent, &[TITRES_SERVICE]).await;
    // Thursday 9 h, cancelled; Thursday 9 h 30, moved to Friday 9 h; Thursday
    // 10 h, booked by phone without an email; Thursday 10 h 30, kept.
    booked(&portal, CENTRALE, "2027-03-25T08:00:00Z", "annule@exemple.fr").await;
    let mail = portal.email_to("annule@exemple.fr", "Rendez-vous confirmé").await;
    let cancelled = manage(&portal, "/cancel", json!({ "token": manage_token(&portal, &mail) })).await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.body);
    booked(&portal, CENTRALE, "2027-03-25T08:30:00Z", "deplace@exemple.fr").await;
    let mail = portal.email_to("deplace@exemple.fr", "Rendez-vous confirmé").await;
    let hold = held(&portal, CENTRALE, "2027-03-26T08:00:00Z").await;
    let body = json!({ "token": manage_token(&portal, &mail), "hold": hold });
    assert_eq!(manage(&portal, "/reschedule", body).await.status, 200);
    let phoned = json!({
        "agenda": CENTRALE, "type": TITRE, "start": "2027-03-25T09:00:00Z", "name": "Jean Dupont", "channel": "phone",
    });
    assert_eq!(agent_book(&portal, &agent, phoned).await.status, 201);
    booked(&portal, CENTRALE, "2027-03-25T09:30:00Z", "garde@exemple.fr").await;

    // Wednesday 10 h 31, a day before 10 h 30: only the kept one is reminded.
    clock.advance(SignedDuration::from_hours(49) + SignedDuration::from_mins(31));
    let reminder = portal.email_to("garde@exemple.fr", "Rappel").await;
    assert_eq!(reminder.subject, "Rappel : rendez-vous le jeudi 25 mars 2027 à 10 h 30");
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    for to in ["annule@exemple.fr", "deplace@exemple.fr"] {
        assert!(portal.emails_to(to).iter().all(|m| !m.subject.starts_with("Rappel")), "no reminder to {to}");
    }
    // Thursday 9 h 01: the moved one, for its new time.
    clock.advance(SignedDuration::from_hours(22) + SignedDuration::from_mins(30));
    let reminder = portal.email_to("deplace@exemple.fr", "Rappel").await;
    assert_eq!(reminder.subject, "Rappel : rendez-vous le vendredi 26 mars 2027 à 9 h 00");
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert!(portal.emails_to("annule@exemple.fr").iter().all(|m| !m.subject.starts_with("Rappel")));
    assert_eq!(
        portal.emails_to("garde@exemple.fr").iter().filter(|m| m.subject.starts_with("Rappel")).count(),
        1
    );
}

#[tokio::test]
async fn a_marriage_file_and_a_pacs_never_overlap_at_the_one_civil_status_desk() {
    // Wednesday 24 March 2027 (the desk opens 9 h to 12 h; one officer).
    let portal = TestPortal::spawn_with_clock(clock_at(MONDAY)).await;
    let (agent, _) = portal.agent("etat-civil@belleval.example", Role::Agent, &["pacs"]).await;
    let book = |kind: &str, start: &str| {
        let body = json!({
            "agenda": "etat-civil", "type": kind, "start": start, "name": "Usager", "channel": "counter",
        });
        agent_book(&portal, &agent, body)
    };
    // The marriage file: 10 h to 10 h 45, then 15 minutes of paperwork.
    let marriage = book("dossier-mariage", "2027-03-24T09:00:00Z").await;
    assert_eq!(marriage.status, 201, "{}", marriage.body);
    // PACS slots start every 45 minutes from 9 h: 9 h 45 and 10 h 30 overlap it.
    let free = availability(&portal, "type=pacs&agenda=etat-civil&from=2027-03-24&days=1").await;
    assert_eq!(starts(&free), ["2027-03-24T08:00:00Z", "2027-03-24T10:15:00Z"], "{free}");
    for start in ["2027-03-24T08:45:00Z", "2027-03-24T09:30:00Z"] {
        let overlapping = book("pacs", start).await;
        assert_eq!((overlapping.status, kind(&overlapping)), (409, "urn:gru:problem:slot-taken"));
    }
    // Before and after it, the desk is free.
    assert_eq!(book("pacs", "2027-03-24T08:00:00Z").await.status, 201);
    assert_eq!(book("pacs", "2027-03-24T10:15:00Z").await.status, 201);
    let day = planning(&portal, &agent, "agenda=etat-civil&from=2027-03-24").await;
    assert_eq!(planned(&day.body).len(), 3);
}

/// Issue 14: a name made of a right-to-left override and a zero-width space
/// shows nothing: refused on its field as an empty name is, whether the
/// citizen or an agent books; a name with such controls inside is kept
/// without them.
#[tokio::test]
async fn an_appointment_name_of_invisible_characters_is_refused() {
    let portal = TestPortal::spawn_with_clock(clock_at(MONDAY)).await;
    let (agent, _) = portal.agent("titres@belleval.example", Role::Agent, &[TITRES_SERVICE]).await;
    let start = "2027-03-24T08:00:00Z";
    let online = |name: &str| json!({ "agenda": CENTRALE, "type": TITRE, "start": start, "name": name, "email": "invisible@exemple.fr" });
    let at_counter = |name: &str| json!({ "agenda": CENTRALE, "type": TITRE, "start": start, "name": name, "channel": "counter" });
    let empty = confirm(&portal, online(""), None).await;
    assert_eq!((empty.status, empty.error_fields()), (422, vec!["name".to_owned()]), "{}", empty.body);
    assert_eq!(empty.headers["content-type"], "application/problem+json");
    for name in ["\u{202e}\u{200b}", "\u{200b}\u{200b}", "\u{2066}\u{feff}\u{2069}"] {
        let refused = confirm(&portal, online(name), None).await;
        assert_eq!((refused.status, &refused.body), (422, &empty.body), "{name:?}");
        let refused = agent_book(&portal, &agent, at_counter(name)).await;
        assert_eq!(
            (refused.status, refused.error_fields()),
            (422, vec!["name".to_owned()]),
            "{name:?}: {}",
            refused.body
        );
    }
    let booked = agent_book(&portal, &agent, at_counter("\u{202e}Dupont\u{200b}  Jean\u{202c}")).await;
    assert_eq!(booked.status, 201, "{}", booked.body);
    assert_eq!(booked.body["name"], "Dupont Jean");
}

/// `twins` copies of one POST, with one `Idempotency-Key`, sent at once.
async fn twins(
    portal: &Arc<TestPortal>,
    path: &str,
    body: Value,
    key: &str,
    cookie: Option<&str>,
) -> Vec<Answer> {
    let mut race = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let (portal, path, body, key) = (portal.clone(), path.to_owned(), body.to_string(), key.to_owned());
        let cookie = cookie.map(str::to_owned);
        race.spawn(async move {
            let mut headers = vec![("idempotency-key", key.as_str())];
            if let Some(cookie) = &cookie {
                headers.push(("cookie", cookie.as_str()));
            }
            raw(&portal, &path, "application/json", &body, &headers).await
        });
    }
    race.join_all().await
}

/// Every twin got the first answer: 201 and the same appointment.
fn all_answered_the_same(answers: &[Answer]) {
    let first = &answers[0].body["id"];
    for answer in answers {
        assert_eq!((answer.status, &answer.body["id"]), (201, first), "{}", answer.body);
    }
}

/// A signed-in citizen's confirmation sent twenty times at once with one
/// key (a slot named, then a hold), and an agent's booking likewise: one
/// appointment each, and every copy answered with it.
async fn twins_with_one_key_book_once(portal: TestPortal) {
    let portal = Arc::new(portal);
    let (agent, _) = portal.agent("titres@belleval.example", Role::Agent, &[TITRES_SERVICE]).await;
    let path = format!("{BOOKING}/appointments");
    let camille = format!("gru_session={}", portal.signed_up("jumeaux@exemple.fr").await);
    let start = "2027-03-24T09:00:00Z";
    let number = json!({ PRE_APPLICATION: "2301A12345678" });
    let body = json!({ "agenda": CENTRALE, "type": TITRE, "start": start, "name": "Camille Martin", "answers": number });
    all_answered_the_same(&twins(&portal, &path, body, "5d1e-twins-slot", Some(&camille)).await);
    assert_eq!(appointments_at(&portal, &agent, CENTRALE, start).await.len(), 1);

    let dominique = format!("gru_session={}", portal.signed_up("jumeaux-2@exemple.fr").await);
    let start = "2027-03-24T10:00:00Z";
    let hold = held(&portal, CENTRALE, start).await;
    let body = json!({ "hold": hold, "name": "Dominique Petit", "answers": number });
    all_answered_the_same(&twins(&portal, &path, body, "5d1e-twins-hold", Some(&dominique)).await);
    assert_eq!(appointments_at(&portal, &agent, CENTRALE, start).await.len(), 1);

    let start = "2027-03-26T08:00:00Z";
    let body = json!({
        "agenda": ANNEXE, "type": TITRE, "start": start, "name": "Usager au guichet", "channel": "counter",
    });
    let agent_path = format!("{BOOKING}/agent/appointments");
    all_answered_the_same(&twins(&portal, &agent_path, body, "5d1e-twins-agent", Some(&agent)).await);
    assert_eq!(appointments_at(&portal, &agent, ANNEXE, start).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_copies_of_a_booking_with_one_idempotency_key_all_get_the_first_answer() {
    twins_with_one_key_book_once(TestPortal::spawn_with_clock(clock_at(MONDAY)).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_copies_of_a_booking_with_one_idempotency_key_all_get_the_first_answer_on_dynamodb() {
    twins_with_one_key_book_once(TestPortal::spawn_on_moto(clock_at(MONDAY)).await).await;
}

#[tokio::test]
async fn the_passport_appointment_asks_for_the_pre_application_number_and_says_what_to_bring() {
    let portal = TestPortal::spawn_with_clock(clock_at(MONDAY)).await;
    let types = portal.get_json(&format!("{BOOKING}/types"), 200).await;
    let passport = types.as_array().unwrap().iter().find(|t| t["id"] == TITRE).unwrap();
    assert_eq!(passport["questions"][0]["id"], PRE_APPLICATION);
    assert_eq!(passport["questions"][0]["required"], true);
    assert!(passport["bring"].as_array().unwrap().len() >= 3, "{passport}");

    let start = "2027-03-23T08:30:00Z";
    let body = |answers: Value| {
        json!({ "agenda": CENTRALE, "type": TITRE, "start": start, "name": "Camille Martin",
                "email": "camille@exemple.fr", "answers": answers })
    };
    for (answers, field) in [
        (json!({}), "answers.numero-pre-demande"),
        (json!({ PRE_APPLICATION: "  " }), "answers.numero-pre-demande"),
        (json!({ PRE_APPLICATION: "x".repeat(201) }), "answers.numero-pre-demande"),
        (json!({ PRE_APPLICATION: "2301A", "couleur": "bleu" }), "answers.couleur"),
    ] {
        let refused = confirm(&portal, body(answers), None).await;
        assert_eq!(
            (refused.status, refused.error_fields()),
            (422, vec![field.to_owned()]),
            "{}",
            refused.body
        );
    }
    let booked = confirm(&portal, body(json!({ PRE_APPLICATION: " 2301A12345678 " })), None).await;
    assert_eq!(booked.status, 201, "{}", booked.body);
    assert_eq!(
        booked.body["answers"],
        json!([{ "label": "Numéro de pré-demande ANTS", "answer": "2301A12345678" }])
    );
    assert!(booked.body["bring"].as_array().unwrap().iter().any(|b| b.as_str().unwrap().contains("photo")));
    let email = portal.email_to("camille@exemple.fr", "Rendez-vous confirmé").await;
    assert!(email.text.contains("À apporter"), "{}", email.text);
    assert!(email.text.contains("Une photo d'identité de moins de 6 mois"), "{}", email.text);
    assert!(email.text.contains("2301A12345678"), "the number given: {}", email.text);
}
