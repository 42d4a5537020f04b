//! What a change of a request adds to the city's indicators, without I/O:
//! each change is a few counts on the day it happens, for the request's
//! service and channel, written by the store in the change's own
//! transaction (`gru_records::indicators`). A dashboard then reads counts
//! per day, never the requests themselves.
//!
//! Counters (names are stable: stored):
//! - `drafts`: a citizen started the service's form online (the funnel's
//!   first step; drafts are deleted once sent or purged, so this one is kept
//!   only as it happens, [`draft_started`], never recounted);
//! - `received`: the request arrived (submitted online, or recorded by an agent);
//! - `instructed`: it left « received » for the first time (the funnel's third step);
//! - `asked`: it waited for the citizen for the first time (a document, an answer);
//! - `decided:<phase>`: it reached `accepted`, `refused` or `closed`;
//! - `days:<phase>:<n>`: of those, decided after `n` working days (the time
//!   waiting for the citizen left out; `n` at most [`MAX_DAYS`]): a histogram
//!   from which any period's median and p90 are read;
//! - `waited`, `waiting_days`: of those, how many waited for the citizen, and
//!   for how many working days in all;
//! - `in_time`, `late`: of those with a deadline, decided by its due day or after
//!   (`Request::decided_due`);
//! - `due`: an open request whose deadline runs (not paused while it waits
//!   for the citizen), counted on its due day: the open requests due before
//!   today are the requests late now (kept apart from the others by
//!   `gru_records::indicators`, as they are read over past days, not a period);
//! - `messages:citizen`, `messages:agent`: a message of the request's thread,
//!   from its citizen or from an agent (internal notes left out), counted only
//!   as it is sent ([`message_sent`]), never recounted, like `drafts`.
//!
//! A decided request moved back to an open status takes its decision's
//! counts back from the day it was decided: counters always equal a recount
//! ([`counted`] over the requests).

use crate::holidays::HolidayCalendar;
use crate::request::{Phase, Request};
use crate::workflow::working_days_between;
use jiff::civil::Date;
use jiff::tz::TimeZone;

/// What an appointment stands for, counted on the day it takes place, for
/// its agenda (in a tally's `service`) and its type (in its `channel`):
/// `booked:online` or `booked:agent` (an agent booked it for a caller), and
/// `present`, `no_show` or `cancelled` as it ends up, a cancellation also as
/// `cancelled:citizen` or `cancelled:agent` (who did it). A move to another
/// day moves its counts; [`appointment_tallies`] adds the difference.
pub fn appointment_counted(appointment: &crate::appointment::Appointment) -> Vec<(Date, String, i64)> {
    use crate::appointment::Status;
    let day = appointment.slot.day;
    let by = if appointment.booked_by.is_some() { "booked:agent" } else { "booked:online" };
    let mut counts = vec![(day, by.to_owned(), 1)];
    let end = match appointment.status {
        Status::Booked => None,
        Status::Present => Some("present"),
        Status::NoShow => Some("no_show"),
        Status::Cancelled => Some("cancelled"),
    };
    counts.extend(end.map(|name| (day, name.to_owned(), 1)));
    if let Some(by) = appointment.cancelled_by.filter(|_| appointment.status == Status::Cancelled) {
        counts.push((day, format!("cancelled:{}", by.as_str()), 1));
    }
    counts
}

/// What an appointment's change adds (`before` is `None` for a new one).
pub fn appointment_tallies(
    before: Option<&crate::appointment::Appointment>,
    after: &crate::appointment::Appointment,
) -> Vec<Tally> {
    difference(
        before.map(appointment_counted).unwrap_or_default(),
        appointment_counted(after),
        &after.slot.agenda,
        &after.slot.appointment_type,
    )
}

/// The counter of open requests by due day.
pub const DUE: &str = "due";

/// Processing times above this many working days count as this many.
pub const MAX_DAYS: u32 = 250;

/// One count on one day, for one service and channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    pub day: Date,
    pub service: String,
    pub channel: String,
    pub counter: String,
    pub count: i64,
}

/// The city's days: its time zone and its public holidays.
#[derive(Debug, Clone, Copy)]
pub struct CityDays<'a> {
    pub zone: &'a TimeZone,
    pub holidays: HolidayCalendar,
}

impl CityDays<'_> {
    fn day(&self, at: jiff::Timestamp) -> Date {
        at.to_zoned_datetime(self.zone.clone()).date()
    }
}

/// A draft of `service` started online at `at`.
pub fn draft_started(service: &str, at: jiff::Timestamp, days: CityDays<'_>) -> Tally {
    Tally {
        day: days.day(at),
        service: service.to_owned(),
        channel: "online".to_owned(),
        counter: "drafts".to_owned(),
        count: 1,
    }
}

/// A message of `request`'s thread sent at `at`, by its citizen or by an agent.
pub fn message_sent(request: &Request, from_citizen: bool, at: jiff::Timestamp, days: CityDays<'_>) -> Tally {
    Tally {
        day: days.day(at),
        service: request.service.clone(),
        channel: request.channel.clone(),
        counter: if from_citizen { "messages:citizen" } else { "messages:agent" }.to_owned(),
        count: 1,
    }
}

/// The catalogue's counts, kept in a tally's `service` and `channel` as
/// `<service slug>` / `site` for a service page read (`views`), and as
/// `search` / `site` for the searches (`searches`, and `searches:empty`
/// when nothing answered). The words of unanswered searches are kept apart
/// ([`unanswered_words`], `gru_records::indicators::unanswered`).
pub const SITE: &str = "site";
/// The tallies' `service` of the searches.
pub const SEARCHES: &str = "search";
/// The longest words of an unanswered search kept, in characters.
pub const MAX_UNANSWERED_CHARS: usize = 60;

/// A service's page read on the site at `at` (counted without cookies).
pub fn service_viewed(service: &str, at: jiff::Timestamp, days: CityDays<'_>) -> Tally {
    Tally {
        day: days.day(at),
        service: service.to_owned(),
        channel: SITE.to_owned(),
        counter: "views".to_owned(),
        count: 1,
    }
}

/// A search of the catalogue at `at`, which some service answered (`found`)
/// or none did.
pub fn searched(found: bool, at: jiff::Timestamp, days: CityDays<'_>) -> Vec<Tally> {
    let tally = |counter: &str| Tally {
        day: days.day(at),
        service: SEARCHES.to_owned(),
        channel: SITE.to_owned(),
        counter: counter.to_owned(),
        count: 1,
    };
    if found { vec![tally("searches")] } else { vec![tally("searches"), tally("searches:empty")] }
}

/// The day of `at` in the city.
pub fn day_of(at: jiff::Timestamp, days: CityDays<'_>) -> Date {
    days.day(at)
}

/// The words of an unanswered search as the city reads them: lowercase,
/// without accents or punctuation, at most [`MAX_UNANSWERED_CHARS`]
/// characters; `None` when they could be personal data (an email address,
/// a number of five digits or more: a phone, a reference, an identity
/// card) or when no word is left.
pub fn unanswered_words(query: &str) -> Option<String> {
    if query.contains('@') || query.chars().filter(char::is_ascii_digit).count() >= 5 {
        return None;
    }
    let words = crate::search::normalize(query).split_whitespace().collect::<Vec<_>>().join(" ");
    let kept: String = words.chars().take(MAX_UNANSWERED_CHARS).collect();
    let kept = kept.trim_end().to_owned();
    (!kept.is_empty()).then_some(kept)
}

/// Whether a recount of the requests gives `counter` ([`counted`]): not the
/// counts kept only as they happen (forms started, messages).
pub fn recounted(counter: &str) -> bool {
    counter != "drafts" && !counter.starts_with("messages:")
}

/// `received`, and `instructed` when its workflow's first status is past « received ».
fn arrival_counts(request: &Request, days: CityDays<'_>) -> Vec<(Date, String, i64)> {
    let mut counts = vec![(days.day(request.submitted_at), "received".to_owned(), 1)];
    if let Some(entry) = request.history.iter().find(|e| e.phase != Phase::Submitted) {
        counts.push((days.day(entry.at), "instructed".to_owned(), 1));
    }
    counts
}

/// What `before` becoming `after` adds (`before` is `None` for a new
/// request): the difference of what each stands for, day by day.
pub fn tallies(before: Option<&Request>, after: &Request, days: CityDays<'_>) -> Vec<Tally> {
    difference(
        before.map(|b| counted(b, days)).unwrap_or_default(),
        counted(after, days),
        &after.service,
        &after.channel,
    )
}

/// `after`'s counts less `before`'s, day by day, those that change. (A
/// change touches a handful of counters: a list, not a map, keeps the
/// Lambda packages small.)
fn difference(
    before: Vec<(Date, String, i64)>,
    after: Vec<(Date, String, i64)>,
    service: &str,
    channel: &str,
) -> Vec<Tally> {
    let mut totals: Vec<(Date, String, i64)> = Vec::new();
    let negated = before.into_iter().map(|(day, counter, count)| (day, counter, -count));
    for (day, counter, count) in negated.chain(after) {
        match totals.iter_mut().find(|(d, c, _)| *d == day && *c == counter) {
            Some(total) => total.2 += count,
            None => totals.push((day, counter, count)),
        }
    }
    totals
        .into_iter()
        .filter(|(_, _, count)| *count != 0)
        .map(|(day, counter, count)| Tally {
            day,
            service: service.to_owned(),
            channel: channel.to_owned(),
            counter,
            count,
        })
        .collect()
}

/// Every count a request stands for, as it is now, each on its day: a
/// recount of the requests gives the counters (`tallies` adds the
/// difference of each change).
pub fn counted(request: &Request, days: CityDays<'_>) -> Vec<(Date, String, i64)> {
    let mut counts = arrival_counts(request, days);
    let history = &request.history;
    if let Some(entry) = history.iter().find(|e| e.phase == Phase::WaitingForCitizen) {
        counts.push((days.day(entry.at), "asked".to_owned(), 1));
    }
    if let Some(deadline) =
        request.deadline.as_ref().filter(|d| !request.phase.is_final() && d.paused_since.is_none())
    {
        counts.push((deadline.due, DUE.to_owned(), 1));
    }
    if let Some(decision) = decision(request, days) {
        let day = decision.day;
        let phase = request.phase.as_str();
        counts.push((day, format!("decided:{phase}"), 1));
        counts.push((day, format!("days:{phase}:{}", decision.working_days.min(MAX_DAYS)), 1));
        if decision.waiting_days > 0 {
            counts.push((day, "waited".to_owned(), 1));
            counts.push((day, "waiting_days".to_owned(), i64::from(decision.waiting_days)));
        }
        if let Some(due) = request.decided_due {
            counts.push((day, if day <= due { "in_time" } else { "late" }.to_owned(), 1));
        }
    }
    counts
}

/// How a decided request's processing went.
struct Decision {
    day: Date,
    working_days: u32,
    waiting_days: u32,
}

/// When a request in a final phase was decided (its last entry into that
/// phase), after how many working days, of which how many waiting for the citizen.
fn decision(request: &Request, days: CityDays<'_>) -> Option<Decision> {
    let index = request.decision_entry()?;
    let history = &request.history;
    let decided = &history[index];
    let day = days.day(decided.at);
    let mut waiting_days = 0;
    for pair in history[..=index].windows(2) {
        if pair[0].phase == Phase::WaitingForCitizen {
            waiting_days += working_days_between(days.day(pair[0].at), days.day(pair[1].at), days.holidays);
        }
    }
    let total = working_days_between(days.day(request.submitted_at), day, days.holidays);
    Some(Decision { day, working_days: total.saturating_sub(waiting_days), waiting_days })
}

#[cfg(test)]
mod tests;
