//! The city's indicators for supervisors and admins: what was received,
//! by which channel, how far it went (the funnel), how long it took
//! (median and p90 in working days, by outcome, the time waiting for the
//! citizen left out), how much was decided in time; for a period and the
//! same period a year earlier, filtered by service and channel. Read from
//! the counters each change keeps (`gru_records::indicators`): a year is a
//! few queries, whatever the number of requests.

use gru_domain::request::Phase;
use gru_records::indicators::Counts;
use jiff::ToSpan;
use jiff::civil::Date;
use serde::Serialize;
use std::collections::BTreeMap;

/// The outcomes, in the order the dashboard shows them.
pub const OUTCOMES: [Phase; 3] = [Phase::Accepted, Phase::Refused, Phase::Closed];

/// The longest period, in days: a year, leap day included.
pub const MAX_DAYS: i32 = 366;

/// A period and the same one a year earlier.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Period {
    pub from: Date,
    pub to: Date,
}

impl Period {
    /// The same days a year earlier (29 February becomes the 28th).
    pub fn a_year_earlier(self) -> Period {
        Period { from: self.from.saturating_sub(1.year()), to: self.to.saturating_sub(1.year()) }
    }
}

/// Which counters a figure adds up.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub service: Option<String>,
    pub channel: Option<String>,
}

impl Filter {
    pub fn keeps(&self, counts: &Counts) -> bool {
        self.service.as_ref().is_none_or(|s| *s == counts.service)
            && self.channel.as_ref().is_none_or(|c| *c == counts.channel)
    }
}

/// The figures of one period.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Figures {
    /// Forms started online (drafts).
    pub drafts: i64,
    pub received: i64,
    /// Received online (the citizen sent it on the portal).
    pub online: i64,
    /// `online` out of `received`, in percent; `None` when nothing was received.
    pub online_share: Option<f64>,
    /// Left « received » for the instruction.
    pub instructed: i64,
    /// Waited for the citizen (a document, an answer) at least once.
    pub asked: i64,
    /// Decided, by outcome, and in all.
    pub decided: BTreeMap<&'static str, i64>,
    pub decided_total: i64,
    /// Working days from receipt to decision (waiting left out): median and
    /// p90, by outcome and in all; `None` without a decision.
    pub days_median: BTreeMap<&'static str, Option<u32>>,
    pub days_p90: BTreeMap<&'static str, Option<u32>>,
    /// Of the decided requests: how many waited for the citizen, and the
    /// mean working days they waited.
    pub waited: i64,
    pub waiting_days_mean: Option<f64>,
    /// Messages of the requests' threads sent in the period, by citizens and
    /// by agents (internal notes left out), and how many per request received.
    pub messages_citizen: i64,
    pub messages_agent: i64,
    pub messages_per_request: Option<f64>,
    /// Of the decided requests with a deadline: by their due day or after,
    /// and the share in time in percent.
    pub in_time: i64,
    pub late: i64,
    pub in_time_share: Option<f64>,
}

/// The appointments of a period, on the day each takes place.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Appointments {
    /// Booked by the citizen on the site, or by an agent for a caller.
    pub booked_online: i64,
    pub booked_by_agent: i64,
    pub present: i64,
    pub no_show: i64,
    pub cancelled: i64,
    /// Of those, cancelled by their citizen, or by an agent.
    pub cancelled_by_citizen: i64,
    pub cancelled_by_agent: i64,
    /// Of the appointments whose attendance was marked, the share missed
    /// without notice, in percent.
    pub no_show_rate: Option<f64>,
}

/// The appointments' figures of counters `totals`.
pub fn appointments(totals: &BTreeMap<&str, i64>) -> Appointments {
    let get = |name: &str| totals.get(name).copied().unwrap_or(0);
    let (present, no_show) = (get("present"), get("no_show"));
    Appointments {
        booked_online: get("booked:online"),
        booked_by_agent: get("booked:agent"),
        present,
        no_show,
        cancelled: get("cancelled"),
        cancelled_by_citizen: get("cancelled:citizen"),
        cancelled_by_agent: get("cancelled:agent"),
        no_show_rate: share(no_show, present + no_show),
    }
}

/// `rows` added up per service and channel, whatever their day or month:
/// one pass over the period's counters, after which each line of the
/// dashboard adds up a few dozen rows, not thousands.
pub fn by_service_and_channel(rows: Vec<Counts>) -> Vec<Counts> {
    let mut lines: BTreeMap<(String, String), BTreeMap<String, i64>> = BTreeMap::new();
    for row in rows {
        let line = lines.entry((row.service, row.channel)).or_default();
        for (name, count) in row.counters {
            *line.entry(name).or_default() += count;
        }
    }
    lines
        .into_iter()
        .map(|((service, channel), counters)| Counts { period: String::new(), service, channel, counters })
        .collect()
}

/// How long citizens had to wait for an appointment over a period: each
/// day, the days to the first free slot of each of an agenda's types was
/// recorded (`gru_notices::waits`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Waits {
    /// Of the days recorded, the median and p90 of the days to the first free slot.
    pub median_days: Option<u32>,
    pub p90_days: Option<u32>,
    /// The days (and types) recorded, and of those, how many had no free
    /// slot within the look-ahead (90 days).
    pub recorded: i64,
    pub none_free: i64,
}

/// The waits of counters `totals`.
pub fn waits(totals: &BTreeMap<&str, i64>) -> Waits {
    let histogram = histogram_of(totals, "first_free:");
    let none_free = totals.get("first_free:none").copied().unwrap_or(0);
    Waits {
        median_days: rank(&histogram, 0.5),
        p90_days: rank(&histogram, 0.9),
        recorded: histogram.values().sum::<i64>() + none_free,
        none_free,
    }
}

/// The counters of `rows` the filter keeps, added up by name.
pub fn totals<'a>(rows: impl IntoIterator<Item = &'a Counts>, filter: &Filter) -> BTreeMap<&'a str, i64> {
    // Borrowed names: a year's dashboard adds up a few hundred thousand counts.
    let mut totals = BTreeMap::new();
    for row in rows.into_iter().filter(|row| filter.keeps(row)) {
        for (name, count) in &row.counters {
            *totals.entry(name.as_str()).or_default() += count;
        }
    }
    totals
}

/// The figures of counters `totals`, of which `online` came online.
pub fn figures(totals: &BTreeMap<&str, i64>, online: i64) -> Figures {
    let get = |name: &str| totals.get(name).copied().unwrap_or(0);
    let received = get("received");
    let mut figures = Figures {
        drafts: get("drafts"),
        received,
        online,
        online_share: share(online, received),
        instructed: get("instructed"),
        asked: get("asked"),
        waited: get("waited"),
        in_time: get("in_time"),
        late: get("late"),
        messages_citizen: get("messages:citizen"),
        messages_agent: get("messages:agent"),
        ..Figures::default()
    };
    figures.messages_per_request = (received > 0).then(|| {
        ((figures.messages_citizen + figures.messages_agent) as f64 * 10.0 / received as f64).round() / 10.0
    });
    figures.waiting_days_mean =
        (figures.waited > 0).then(|| get("waiting_days") as f64 / figures.waited as f64);
    figures.in_time_share = share(figures.in_time, figures.in_time + figures.late);
    let mut all = BTreeMap::new();
    for outcome in OUTCOMES {
        let name = outcome.as_str();
        let decided = get(&format!("decided:{name}"));
        figures.decided.insert(name, decided);
        figures.decided_total += decided;
        let histogram = histogram(totals, name);
        for (days, count) in &histogram {
            *all.entry(*days).or_insert(0) += count;
        }
        figures.days_median.insert(name, rank(&histogram, 0.5));
        figures.days_p90.insert(name, rank(&histogram, 0.9));
    }
    figures.days_median.insert("all", rank(&all, 0.5));
    figures.days_p90.insert("all", rank(&all, 0.9));
    figures
}

/// `part` out of `whole` in percent, one decimal.
fn share(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * 1000.0 / whole as f64).round() / 10.0)
}

/// The processing times of `outcome`: working days → how many requests.
fn histogram(totals: &BTreeMap<&str, i64>, outcome: &str) -> BTreeMap<u32, i64> {
    histogram_of(totals, &format!("days:{outcome}:"))
}

/// The counters `<prefix><n>`: `n` → count.
fn histogram_of(totals: &BTreeMap<&str, i64>, prefix: &str) -> BTreeMap<u32, i64> {
    totals
        .iter()
        .filter_map(|(name, count)| Some((name.strip_prefix(prefix)?.parse().ok()?, *count)))
        .filter(|(_, count)| *count > 0)
        .collect()
}

/// The nearest-rank quantile `q` of a histogram: the fewest days within
/// which at least `q` of the requests were decided.
fn rank(histogram: &BTreeMap<u32, i64>, q: f64) -> Option<u32> {
    let total: i64 = histogram.values().sum();
    if total == 0 {
        return None;
    }
    let wanted = (q * total as f64).ceil().max(1.0) as i64;
    let mut seen = 0;
    histogram.iter().find_map(|(days, count)| {
        seen += count;
        (seen >= wanted).then_some(*days)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn totals_of<'a>(pairs: &[(&'a str, i64)]) -> BTreeMap<&'a str, i64> {
        pairs.iter().copied().collect()
    }

    #[test]
    fn median_and_p90_come_from_the_histograms_by_outcome_and_in_all() {
        // Accepted: 1, 2, 2, 3, 10 days; refused: 20 days.
        let totals = totals_of(&[
            ("received", 8),
            ("decided:accepted", 5),
            ("days:accepted:1", 1),
            ("days:accepted:2", 2),
            ("days:accepted:3", 1),
            ("days:accepted:10", 1),
            ("decided:refused", 1),
            ("days:refused:20", 1),
            ("in_time", 5),
            ("late", 1),
            ("waited", 2),
            ("waiting_days", 5),
            ("messages:citizen", 7),
            ("messages:agent", 5),
        ]);
        let figures = figures(&totals, 6);
        assert_eq!(figures.online_share, Some(75.0));
        assert_eq!(figures.decided_total, 6);
        assert_eq!(figures.days_median["accepted"], Some(2));
        assert_eq!(figures.days_p90["accepted"], Some(10));
        assert_eq!(figures.days_median["refused"], Some(20));
        assert_eq!(figures.days_median["closed"], None);
        assert_eq!(figures.days_median["all"], Some(2), "1 2 2 3 10 20: the third");
        assert_eq!(figures.days_p90["all"], Some(20), "the sixth of six");
        assert_eq!(figures.in_time_share, Some(83.3));
        assert_eq!(figures.waiting_days_mean, Some(2.5));
        assert_eq!(
            (figures.messages_citizen, figures.messages_agent, figures.messages_per_request),
            (7, 5, Some(1.5))
        );
    }

    #[test]
    fn the_no_show_rate_is_of_the_appointments_marked() {
        let totals = totals_of(&[
            ("booked:online", 8),
            ("booked:agent", 2),
            ("present", 6),
            ("no_show", 2),
            ("cancelled", 1),
        ]);
        let figures = appointments(&totals);
        assert_eq!((figures.booked_online, figures.booked_by_agent, figures.cancelled), (8, 2, 1));
        assert_eq!(figures.no_show_rate, Some(25.0));
        assert_eq!(appointments(&BTreeMap::new()).no_show_rate, None);
    }

    #[test]
    fn waits_are_read_from_the_days_recorded() {
        let totals = totals_of(&[("first_free:2", 3), ("first_free:10", 1), ("first_free:none", 1)]);
        assert_eq!(
            waits(&totals),
            Waits { median_days: Some(2), p90_days: Some(10), recorded: 5, none_free: 1 }
        );
    }

    #[test]
    fn a_period_without_anything_has_no_shares_and_no_times() {
        let figures = figures(&BTreeMap::new(), 0);
        assert_eq!(
            (figures.online_share, figures.in_time_share, figures.days_p90["all"]),
            (None, None, None)
        );
    }

    #[test]
    fn a_year_earlier_keeps_the_days_and_moves_a_leap_day() {
        let period = Period { from: jiff::civil::date(2028, 2, 29), to: jiff::civil::date(2028, 12, 31) };
        let earlier = period.a_year_earlier();
        assert_eq!(
            (earlier.from.to_string(), earlier.to.to_string()),
            ("2027-02-28".into(), "2027-12-31".into())
        );
    }
}
