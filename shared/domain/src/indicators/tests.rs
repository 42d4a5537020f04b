use super::*;
use crate::request::{EnteredBy, HistoryEntry, HistoryKind, NewRequest};
use crate::workflow::Workflow;
use jiff::Timestamp;
use std::collections::BTreeMap;

const FRANCE: HolidayCalendar = HolidayCalendar::France;

fn paris() -> TimeZone {
    TimeZone::get("Europe/Paris").unwrap()
}

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn day(text: &str) -> Date {
    text.parse().unwrap()
}

/// A civil-status request submitted online at `when`, on the standard workflow.
fn submitted(when: &str) -> Request {
    let new = NewRequest {
        reference: "BEL-2026-000001".into(),
        service: "acte-etat-civil".into(),
        service_title: "Acte d'état civil".into(),
        form_version: 1,
        answers: Default::default(),
        documents: Vec::new(),
        email: "a@exemple.fr".into(),
        account: None,
        citizen_name: None,
        channel: "online".into(),
        case: None,
        entered_by: EnteredBy::Citizen,
    };
    let now = at(when);
    new.enter(&Workflow::standard(), now, now.to_zoned_datetime(paris()).date(), FRANCE)
}

/// `request` moved into `phase` at `when`, its decision's due day kept as `move_to` keeps it.
fn moved(request: &Request, phase: Phase, when: &str) -> Request {
    let mut next = request.clone();
    next.phase = phase;
    next.decided_due = if phase.is_final() { request.deadline.map(|d| d.due) } else { None };
    next.history.push(HistoryEntry::new(HistoryKind::Status, at(when), phase, "agent-1"));
    next
}

/// Every tally added up, by day and counter.
fn sum(tallies: impl IntoIterator<Item = Tally>) -> BTreeMap<(Date, String), i64> {
    let mut totals = BTreeMap::new();
    for tally in tallies {
        assert_eq!((tally.service.as_str(), tally.channel.as_str()), ("acte-etat-civil", "online"));
        *totals.entry((tally.day, tally.counter)).or_default() += tally.count;
    }
    totals.retain(|_, count| *count != 0);
    totals
}

fn recount(request: &Request) -> BTreeMap<(Date, String), i64> {
    let days = CityDays { zone: &paris(), holidays: FRANCE };
    let mut totals = BTreeMap::new();
    for (day, counter, count) in counted(request, days) {
        *totals.entry((day, counter)).or_default() += count;
    }
    totals
}

/// Tallies of each change of `journey` (its first state a new request) added up.
fn replay(journey: &[Request]) -> BTreeMap<(Date, String), i64> {
    let zone = paris();
    let days = CityDays { zone: &zone, holidays: FRANCE };
    let mut all = tallies(None, &journey[0], days);
    for pair in journey.windows(2) {
        all.extend(tallies(Some(&pair[0]), &pair[1], days));
    }
    sum(all)
}

fn counts(expected: &[(&str, &str, i64)]) -> BTreeMap<(Date, String), i64> {
    expected.iter().map(|(d, counter, count)| ((day(d), (*counter).to_owned()), *count)).collect()
}

#[test]
fn a_request_is_received_on_the_citys_day() {
    // 23:30 UTC on the 7th is already the 8th in Paris.
    let request = submitted("2026-12-07T23:30:00Z");
    let due = request.deadline.as_ref().unwrap().due.to_string();
    assert_eq!(replay(&[request]), counts(&[("2026-12-08", "received", 1), (due.as_str(), "due", 1)]));
}

#[test]
fn a_journey_counts_its_funnel_its_working_days_and_its_wait() {
    let received = submitted("2026-12-07T09:00:00Z"); // Monday
    let instructed = moved(&received, Phase::InProgress, "2026-12-08T09:00:00Z");
    let waiting = moved(&instructed, Phase::WaitingForCitizen, "2026-12-09T09:00:00Z");
    let answered = moved(&waiting, Phase::InProgress, "2026-12-14T09:00:00Z"); // Thu, Fri, Mon waited
    let accepted = moved(&answered, Phase::Accepted, "2026-12-18T15:00:00Z"); // 9 working days in all
    let journey = [received, instructed, waiting, answered, accepted];
    let expected = counts(&[
        ("2026-12-07", "received", 1),
        ("2026-12-08", "instructed", 1),
        ("2026-12-09", "asked", 1),
        ("2026-12-18", "decided:accepted", 1),
        ("2026-12-18", "days:accepted:6", 1),
        ("2026-12-18", "waited", 1),
        ("2026-12-18", "waiting_days", 3),
        ("2026-12-18", "in_time", 1),
    ]);
    assert_eq!(replay(&journey), expected);
    assert_eq!(recount(journey.last().unwrap()), expected, "the counters are a recount");
}

#[test]
fn a_decision_taken_back_takes_its_counts_back() {
    let received = submitted("2026-12-07T09:00:00Z");
    let refused = moved(&received, Phase::Refused, "2026-12-08T09:00:00Z");
    let reopened = moved(&refused, Phase::InProgress, "2026-12-10T09:00:00Z");
    let journey = [received.clone(), refused, reopened.clone()];
    let due = reopened.deadline.as_ref().unwrap().due.to_string();
    assert_eq!(
        replay(&journey),
        counts(&[("2026-12-07", "received", 1), ("2026-12-08", "instructed", 1), (due.as_str(), "due", 1)]),
        "no decision is left, and it is due again"
    );
    let accepted = moved(&reopened, Phase::Accepted, "2027-01-29T09:00:00Z");
    let journey = [received, journey[1].clone(), reopened, accepted.clone()];
    assert_eq!(replay(&journey), recount(&accepted));
    assert_eq!(replay(&journey)[&(day("2027-01-29"), "late".to_owned())], 1, "past its due day");
}

#[test]
fn processing_times_above_the_cap_count_at_the_cap() {
    let received = submitted("2025-01-06T09:00:00Z");
    let closed = moved(&received, Phase::Closed, "2026-12-07T09:00:00Z");
    let counted = recount(&closed);
    assert_eq!(counted[&(day("2026-12-07"), format!("days:closed:{MAX_DAYS}"))], 1, "{counted:?}");
}

#[test]
fn unanswered_searches_keep_their_words_but_no_personal_data() {
    use super::unanswered_words;
    assert_eq!(unanswered_words("  Piscine   MUNICIPALE !"), Some("piscine municipale".into()));
    assert_eq!(unanswered_words("Crèche, été"), Some("creche ete".into()));
    assert_eq!(unanswered_words("jean.dupont@exemple.fr"), None, "an email address");
    assert_eq!(unanswered_words("06 12 34 56 78"), None, "a phone number");
    assert_eq!(unanswered_words("2026-000123"), None, "a reference");
    assert_eq!(unanswered_words("permis 2024"), Some("permis 2024".into()), "a year is no one's");
    assert_eq!(unanswered_words("?!"), None);
    assert_eq!(unanswered_words(&"a".repeat(100)).unwrap().len(), super::MAX_UNANSWERED_CHARS);
}

#[test]
fn an_open_request_is_due_on_its_due_day_until_decided_and_not_while_it_waits() {
    let received = submitted("2026-12-07T09:00:00Z");
    let due = received.deadline.as_ref().unwrap().due;
    assert_eq!(recount(&received)[&(due, "due".to_owned())], 1);
    let mut waiting = moved(&received, Phase::WaitingForCitizen, "2026-12-08T09:00:00Z");
    waiting.deadline.as_mut().unwrap().paused_since = Some(day("2026-12-08"));
    assert!(!recount(&waiting).keys().any(|(_, name)| name == "due"), "its clock is paused");
    let refused = moved(&received, Phase::Refused, "2026-12-09T09:00:00Z");
    assert!(!recount(&refused).keys().any(|(_, name)| name == "due"), "decided");
}
