//! Agendas as data: where and when a city receives citizens by appointment
//! (a service's desk at one place), and the free slots that follow.
//!
//! Opening hours are wall-clock times in the city's time zone; a slot is an
//! instant. Slots are laid out on the civil clock each day, then placed in
//! time: a time that does not exist (the hour skipped when clocks go
//! forward) has no slot, and a time that happens twice (when they go back)
//! has one, the first. Durations are real durations, so a slot across a
//! change lasts what it says.

use crate::holidays::{HolidayCalendar, is_holiday};
use jiff::civil::{Date, DateTime, Time, Weekday};
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::{SignedDuration, Timestamp, ToSpan};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One agenda: a desk (or a team) receiving one or more kinds of appointment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Agenda {
    pub id: String,
    /// As citizens read it: « Mairie centrale — guichet passeports ».
    pub title: String,
    /// The place, for the combined view ("any town hall").
    pub place: String,
    /// Where it is, for the citizen's confirmation and directions.
    #[serde(default)]
    pub address: String,
    /// Slugs of the catalogue services whose agents manage this agenda (at
    /// least one): they see its planning and book for citizens.
    pub services: Vec<String>,
    pub appointment_types: Vec<AppointmentType>,
    pub opening: Vec<OpeningRule>,
    #[serde(default)]
    pub closures: Vec<Closure>,
    /// The public holidays it is closed on.
    #[serde(default)]
    pub holidays: HolidayCalendar,
    /// How long before a slot it can still be booked online.
    #[serde(default = "default_notice_hours")]
    pub min_notice_hours: u32,
    /// How far ahead slots are offered.
    #[serde(default = "default_horizon_days")]
    pub horizon_days: u32,
    /// How long before an appointment the citizen is reminded by email;
    /// 0 sends no reminder.
    #[serde(default = "default_reminder_hours")]
    pub reminder_hours: u32,
}

fn default_notice_hours() -> u32 {
    24
}

fn default_horizon_days() -> u32 {
    60
}

fn default_reminder_hours() -> u32 {
    24
}

/// A kind of appointment an agenda offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppointmentType {
    /// Shared by agendas offering the same kind, so they can be combined.
    pub id: String,
    pub title: String,
    pub duration_minutes: u32,
    /// Time kept free after each appointment (paperwork, cleaning).
    #[serde(default)]
    pub buffer_minutes: u32,
    /// Citizens received at once (several agents at one desk, a group session).
    #[serde(default = "one")]
    pub places: u32,
    /// Active appointments of this kind one citizen may hold.
    #[serde(default = "one")]
    pub max_active_per_citizen: u32,
    /// What the booking form asks besides the citizen's contact (« Numéro
    /// de pré-demande »).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub questions: Vec<AppointmentQuestion>,
    /// What to bring, one item each, said on the booking pages, the
    /// confirmation and its email.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bring: Vec<String>,
}

/// A question an appointment type asks when booking: a short text answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppointmentQuestion {
    pub id: String,
    pub label: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub help: String,
    #[serde(default)]
    pub required: bool,
}

/// The longest answer to an appointment's question.
pub const MAX_ANSWER_CHARS: usize = 200;

impl AppointmentType {
    /// The answers to keep for this type's questions: trimmed, blanks left
    /// out; or each problem, keyed `answers.<id>`. `require`: whether a
    /// required question must be answered (an agent booking for a caller
    /// may not know yet).
    pub fn checked_answers(
        &self,
        answers: &BTreeMap<String, String>,
        require: bool,
    ) -> Result<BTreeMap<String, String>, Vec<(String, String)>> {
        let mut kept = BTreeMap::new();
        let mut problems = Vec::new();
        for (id, answer) in answers {
            let answer = crate::text::trim_invisible(answer);
            if !self.questions.iter().any(|q| &q.id == id) {
                problems.push((format!("answers.{id}"), "Question inconnue pour ce rendez-vous.".to_owned()));
            } else if answer.chars().count() > MAX_ANSWER_CHARS {
                problems.push((
                    format!("answers.{id}"),
                    format!("Raccourcissez la réponse à {MAX_ANSWER_CHARS} caractères au plus."),
                ));
            } else if answer.chars().any(char::is_control) {
                problems.push((format!("answers.{id}"), "Écrivez la réponse sur une ligne.".to_owned()));
            } else if crate::text::has_visible(answer) {
                kept.insert(id.clone(), answer.to_owned());
            }
        }
        for question in self.questions.iter().filter(|q| require && q.required && !kept.contains_key(&q.id)) {
            if !problems.iter().any(|(field, _)| field == &format!("answers.{}", question.id)) {
                problems.push((format!("answers.{}", question.id), "Saisissez une réponse.".to_owned()));
            }
        }
        if problems.is_empty() { Ok(kept) } else { Err(problems) }
    }
}

fn one() -> u32 {
    1
}

/// Weekly opening hours, for some days, over a period, for some types.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpeningRule {
    pub days: Vec<Day>,
    #[serde(deserialize_with = "civil::time")]
    pub from: Time,
    #[serde(deserialize_with = "civil::time")]
    pub to: Time,
    /// First day it applies (inclusive); always when absent.
    #[serde(default, deserialize_with = "civil::optional_date")]
    pub valid_from: Option<Date>,
    /// Last day it applies (inclusive); always when absent.
    #[serde(default, deserialize_with = "civil::optional_date")]
    pub valid_until: Option<Date>,
    /// The appointment types it is for; all when absent.
    #[serde(default)]
    pub types: Option<Vec<String>>,
}

/// A day of the week, as written in city files (`monday`...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Day {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl Day {
    fn weekday(self) -> Weekday {
        match self {
            Day::Monday => Weekday::Monday,
            Day::Tuesday => Weekday::Tuesday,
            Day::Wednesday => Weekday::Wednesday,
            Day::Thursday => Weekday::Thursday,
            Day::Friday => Weekday::Friday,
            Day::Saturday => Weekday::Saturday,
            Day::Sunday => Weekday::Sunday,
        }
    }
}

/// Days without appointments: one day or a range, once or every year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Closure {
    #[serde(deserialize_with = "civil::date")]
    pub from: Date,
    /// Last day closed (inclusive); the `from` day alone when absent.
    #[serde(default, deserialize_with = "civil::optional_date")]
    pub until: Option<Date>,
    /// The same days every year (`from`'s year is then only an example).
    #[serde(default)]
    pub every_year: bool,
    pub reason: String,
}

impl Closure {
    fn covers(&self, day: Date) -> bool {
        let until = self.until.unwrap_or(self.from);
        if !self.every_year {
            return self.from <= day && day <= until;
        }
        // Compared as (month, day), a range may run over New Year.
        let key = |d: Date| (d.month(), d.day());
        let (start, end, today) = (key(self.from), key(until), key(day));
        if start <= end { start <= today && today <= end } else { today >= start || today <= end }
    }
}

impl Agenda {
    pub fn appointment_type(&self, id: &str) -> Option<&AppointmentType> {
        self.appointment_types.iter().find(|t| t.id == id)
    }

    /// Whether the agenda receives no one on `day`: a public holiday of its
    /// calendar or one of its closures.
    pub fn is_closed(&self, day: Date) -> Option<String> {
        if is_holiday(day, self.holidays) {
            return Some("Jour férié".to_owned());
        }
        self.closures.iter().find(|c| c.covers(day)).map(|c| c.reason.clone())
    }
}

/// One bookable slot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Slot {
    pub agenda: String,
    pub appointment_type: String,
    pub start: Timestamp,
    pub end: Timestamp,
    /// The start on the city's clock, for people: `2027-03-29T09:00:00`.
    pub local_start: DateTime,
    pub places_left: u32,
}

/// What availability is asked for.
#[derive(Debug, Clone)]
pub struct Window {
    /// The city's time zone.
    pub zone: TimeZone,
    pub now: Timestamp,
    /// First and last days looked at (inclusive), on the city's calendar.
    pub from: Date,
    pub until: Date,
}

/// One appointment (or hold) occupying an agenda: from its start until its
/// end plus the type's buffer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Busy {
    pub start: Timestamp,
    pub until: Timestamp,
    pub appointment_type: String,
}

/// What the store holds, per agenda: every appointment and live hold, in
/// start order.
pub type Booked = BTreeMap<String, Vec<Busy>>;

impl Agenda {
    /// How many citizens the agenda receives at once, whatever the type:
    /// its desks, the most places any of its types has. Types of one agenda
    /// share them, so a long appointment of one type and a short one of
    /// another cannot overlap past it.
    pub fn capacity(&self) -> u32 {
        self.appointment_types.iter().map(|t| t.places).max().unwrap_or(0)
    }

    /// The places left for an appointment of `kind` from `start` until
    /// `until` (its end plus buffer), given what occupies the agenda
    /// (`busy`, in start order): see [`places_left`].
    pub fn places_left(
        &self,
        kind: &AppointmentType,
        start: Timestamp,
        until: Timestamp,
        busy: &[Busy],
    ) -> u32 {
        places_left(kind.places, self.capacity(), &kind.id, start, until, busy)
    }
}

/// The places left for an appointment of type `kind` from `start` until
/// `until`, given what occupies its agenda (`busy`, in start order): the
/// fewest, at any moment of the interval, of the type's `places` and of the
/// agenda's `capacity` (its desks, shared by every type).
pub fn places_left(
    places: u32,
    capacity: u32,
    kind: &str,
    start: Timestamp,
    until: Timestamp,
    busy: &[Busy],
) -> u32 {
    let longest = SignedDuration::from_mins(i64::from(MAX_DURATION_MINUTES + MAX_BUFFER_MINUTES));
    let first = busy.partition_point(|b| b.start < start.saturating_sub(longest).unwrap_or(start));
    let overlapping: Vec<&Busy> =
        busy[first..].iter().take_while(|b| b.start < until).filter(|b| b.until > start).collect();
    let all = most_at_once(overlapping.iter().copied(), start);
    let same = most_at_once(overlapping.iter().copied().filter(|b| b.appointment_type == kind), start);
    places.saturating_sub(same).min(capacity.saturating_sub(all))
}

/// The most intervals in effect at one moment (from `from` on), by a sweep
/// of their starts and ends.
fn most_at_once<'a>(busy: impl Iterator<Item = &'a Busy>, from: Timestamp) -> u32 {
    let mut changes: Vec<(Timestamp, i32)> =
        busy.flat_map(|b| [(b.start.max(from), 1), (b.until, -1)]).collect();
    // At one instant an end comes before a start: back-to-back is not overlap.
    changes.sort();
    let (mut now, mut most) = (0i32, 0i32);
    for (_, change) in changes {
        now += change;
        most = most.max(now);
    }
    most.max(0) as u32
}

/// The free slots of `appointment_type` in `agendas` (one, or several
/// offering the same type: "at any town hall"), in time order, then by
/// agenda: within each agenda's notice and horizon, outside its holidays
/// and closures, with at least one place left.
pub fn availability(
    agendas: &[&Agenda],
    appointment_type: &str,
    window: &Window,
    booked: &Booked,
) -> Vec<Slot> {
    let mut slots: Vec<Slot> = agendas
        .iter()
        .filter_map(|agenda| agenda.appointment_type(appointment_type).map(|kind| (agenda, kind)))
        .flat_map(|(agenda, kind)| agenda_slots(agenda, kind, window, booked))
        .collect();
    slots.sort_by(|a, b| (a.start, &a.agenda).cmp(&(b.start, &b.agenda)));
    slots
}

fn agenda_slots(agenda: &Agenda, kind: &AppointmentType, window: &Window, booked: &Booked) -> Vec<Slot> {
    let busy = booked.get(&agenda.id).map_or(&[][..], Vec::as_slice);
    let notice = SignedDuration::from_hours(i64::from(agenda.min_notice_hours));
    let earliest = window.now.saturating_add(notice).expect("a notice in hours is in range");
    let today = window.now.to_zoned_datetime(window.zone.clone()).date();
    let last_day = today.saturating_add(i64::from(agenda.horizon_days).days()).min(window.until);
    let step = SignedDuration::from_mins(i64::from(kind.duration_minutes + kind.buffer_minutes));
    let duration = SignedDuration::from_mins(i64::from(kind.duration_minutes));
    let mut slots = Vec::new();
    let mut day = window.from.max(today);
    while day <= last_day {
        if agenda.is_closed(day).is_none() {
            for rule in agenda.opening.iter().filter(|r| rule_applies(r, day, &kind.id)) {
                let mut local = day.to_datetime(rule.from);
                let close = day.to_datetime(rule.to);
                while step.is_positive() && local.saturating_add(duration) <= close {
                    if let Some(start) = instant(&window.zone, local) {
                        let until = start.saturating_add(step).expect("a step in minutes is in range");
                        let left = agenda.places_left(kind, start, until, busy);
                        if start >= earliest && left > 0 {
                            slots.push(Slot {
                                agenda: agenda.id.clone(),
                                appointment_type: kind.id.clone(),
                                start,
                                end: start
                                    .saturating_add(duration)
                                    .expect("a duration in minutes is in range"),
                                local_start: local,
                                places_left: left,
                            });
                        }
                    }
                    local = local.saturating_add(step);
                }
            }
        }
        day = day.saturating_add(1.day());
    }
    slots
}

fn rule_applies(rule: &OpeningRule, day: Date, kind: &str) -> bool {
    rule.days.iter().any(|d| d.weekday() == day.weekday())
        && rule.valid_from.is_none_or(|from| from <= day)
        && rule.valid_until.is_none_or(|until| day <= until)
        && rule.types.as_ref().is_none_or(|types| types.iter().any(|t| t == kind))
}

/// The instant a wall-clock time names: none in a gap (clocks going
/// forward), the first in a fold (clocks going back).
fn instant(zone: &TimeZone, local: DateTime) -> Option<Timestamp> {
    let ambiguous = zone.to_ambiguous_timestamp(local);
    match ambiguous.offset() {
        AmbiguousOffset::Unambiguous { offset } | AmbiguousOffset::Fold { before: offset, .. } => {
            offset.to_timestamp(local).ok()
        }
        AmbiguousOffset::Gap { .. } => None,
    }
}

/// One problem in an agenda, for `portal catalogue check`: the `[[array]]`
/// entry it is in (for its line), and what, in French for the city's staff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgendaProblem {
    pub entry: Option<(&'static str, usize)>,
    pub message: String,
}

/// Longest appointment, and most citizens at once, a city file may set.
const MAX_DURATION_MINUTES: u32 = 8 * 60;
/// The longest buffer after an appointment a city file may set.
const MAX_BUFFER_MINUTES: u32 = 4 * 60;
const MAX_PLACES: u32 = 100;
/// A reminder further ahead than the longest horizon reminds of nothing.
const MAX_REMINDER_HOURS: u32 = 30 * 24;

impl Agenda {
    /// Every structural problem of the agenda, in file order.
    pub fn problems(&self) -> Vec<AgendaProblem> {
        let mut problems = Vec::new();
        let mut problem = |entry: Option<(&'static str, usize)>, message: String| {
            problems.push(AgendaProblem { entry, message });
        };
        if !crate::catalogue::is_valid_slug(&self.id) {
            problem(None, format!("id « {} » : minuscules, chiffres et tirets seulement", self.id));
        }
        for (key, value) in [("title", &self.title), ("place", &self.place)] {
            if value.trim().is_empty() {
                problem(None, format!("« {key} » est vide"));
            }
        }
        if self.services.is_empty() {
            problem(None, "« services » est vide : au moins un service gère cet agenda".to_owned());
        }
        let mut named = Vec::new();
        for service in &self.services {
            if !crate::catalogue::is_valid_slug(service) || named.contains(&service) {
                problem(None, format!("service « {service} » invalide ou répété dans « services »"));
            }
            named.push(service);
        }
        if !(1..=730).contains(&self.horizon_days) {
            problem(None, format!("horizon_days vaut {} : de 1 à 730 jours", self.horizon_days));
        }
        if self.reminder_hours > MAX_REMINDER_HOURS {
            problem(
                None,
                format!(
                    "reminder_hours vaut {} : de 0 (pas de rappel) à {MAX_REMINDER_HOURS} heures",
                    self.reminder_hours
                ),
            );
        }
        if self.appointment_types.is_empty() {
            problem(None, "aucun type de rendez-vous ([[appointment_types]])".to_owned());
        }
        let mut seen = Vec::new();
        for (n, kind) in self.appointment_types.iter().enumerate() {
            let entry = Some(("appointment_types", n));
            if !crate::catalogue::is_valid_slug(&kind.id) || seen.contains(&&kind.id) {
                problem(entry, format!("id « {} » invalide ou déjà utilisé", kind.id));
            }
            seen.push(&kind.id);
            if kind.title.trim().is_empty() {
                problem(entry, "« title » est vide".to_owned());
            }
            let mut asked = Vec::new();
            for question in &kind.questions {
                if !crate::catalogue::is_valid_slug(&question.id) || asked.contains(&&question.id) {
                    problem(entry, format!("question « {} » : id invalide ou déjà utilisé", question.id));
                }
                asked.push(&question.id);
                if question.label.trim().is_empty() {
                    problem(entry, format!("question « {} » : « label » est vide", question.id));
                }
            }
            if kind.bring.iter().any(|item| item.trim().is_empty()) {
                problem(entry, "« bring » contient un élément vide".to_owned());
            }
            if !(5..=MAX_DURATION_MINUTES).contains(&kind.duration_minutes) {
                problem(
                    entry,
                    format!(
                        "duration_minutes vaut {} : de 5 à {MAX_DURATION_MINUTES}",
                        kind.duration_minutes
                    ),
                );
            }
            if kind.buffer_minutes > MAX_BUFFER_MINUTES {
                problem(
                    entry,
                    format!("buffer_minutes vaut {} : {MAX_BUFFER_MINUTES} au plus", kind.buffer_minutes),
                );
            }
            if !(1..=MAX_PLACES).contains(&kind.places) {
                problem(entry, format!("places vaut {} : de 1 à {MAX_PLACES}", kind.places));
            }
            if kind.max_active_per_citizen == 0 {
                problem(entry, "max_active_per_citizen vaut 0 : personne ne pourrait réserver".to_owned());
            }
            if !self.opening.iter().any(|r| r.types.as_ref().is_none_or(|t| t.contains(&kind.id))) {
                problem(entry, format!("aucun horaire d'ouverture ([[opening]]) pour « {} »", kind.id));
            }
        }
        if self.opening.is_empty() {
            problem(None, "aucun horaire d'ouverture ([[opening]])".to_owned());
        }
        for (n, rule) in self.opening.iter().enumerate() {
            let entry = Some(("opening", n));
            if rule.days.is_empty() {
                problem(entry, "« days » est vide".to_owned());
            }
            if rule.from >= rule.to {
                problem(
                    entry,
                    format!("l'ouverture ({}) doit précéder la fermeture ({})", rule.from, rule.to),
                );
            }
            if let (Some(from), Some(until)) = (rule.valid_from, rule.valid_until)
                && from > until
            {
                problem(entry, format!("valid_from ({from}) est après valid_until ({until})"));
            }
            for kind in rule.types.iter().flatten() {
                if self.appointment_type(kind).is_none() {
                    problem(entry, format!("type de rendez-vous inconnu : « {kind} »"));
                }
            }
        }
        for (n, closure) in self.closures.iter().enumerate() {
            let entry = Some(("closures", n));
            if closure.until.is_some_and(|until| until < closure.from) {
                problem(entry, "« until » précède « from »".to_owned());
            }
            if closure.reason.trim().is_empty() {
                problem(entry, "« reason » est vide : elle est montrée aux agents".to_owned());
            }
        }
        problems
    }
}

/// Dates and times as city files write them: TOML's own (`2027-08-09`,
/// `09:00:00`) or strings (`"2027-08-09"`, `"09:00"`); JSON strings once stored.
mod civil {
    use jiff::civil::{Date, Time};
    use serde::{Deserialize, Deserializer, de::Error};

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Written {
        Text(String),
        Toml(toml::value::Datetime),
    }

    impl Written {
        fn text(self) -> String {
            match self {
                Written::Text(text) => text,
                Written::Toml(datetime) => datetime.to_string(),
            }
        }
    }

    fn parse_date<E: Error>(text: String) -> Result<Date, E> {
        text.parse().map_err(|_| E::custom(format!("« {text} » n'est pas une date AAAA-MM-JJ")))
    }

    /// A value neither a string nor a TOML date or time (a number, a list...).
    const NOT_A_DATE: &str = "écrivez une date AAAA-MM-JJ, par exemple 2027-08-09";
    const NOT_A_TIME: &str = "écrivez une heure HH:MM, par exemple 09:00";

    pub fn date<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Date, D::Error> {
        let written = Written::deserialize(deserializer).map_err(|_| D::Error::custom(NOT_A_DATE))?;
        parse_date(written.text())
    }

    pub fn optional_date<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Date>, D::Error> {
        let written =
            Option::<Written>::deserialize(deserializer).map_err(|_| D::Error::custom(NOT_A_DATE))?;
        written.map(|w| parse_date(w.text())).transpose()
    }

    pub fn time<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Time, D::Error> {
        let text = Written::deserialize(deserializer).map_err(|_| D::Error::custom(NOT_A_TIME))?.text();
        text.parse().map_err(|_| D::Error::custom(format!("« {text} » n'est pas une heure HH:MM")))
    }
}

/// Whether a citizen holding `active` appointments of `kind` may book one more.
pub fn within_citizen_limit(kind: &AppointmentType, active: u32) -> bool {
    active < kind.max_active_per_citizen
}

#[cfg(test)]
mod tests;
