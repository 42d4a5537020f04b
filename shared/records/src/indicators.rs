//! The city's indicators as counters kept by the changes themselves: each
//! change of a request adds its tallies (`gru_domain::indicators`) to the
//! day's and the month's counters of its service and channel, in the
//! change's own transaction (`TransactOp::Add`: concurrent changes lose no
//! count). A period is read as its whole months and its edge days, a few
//! queries per year: never the requests.
//!
//! Keys: partition `STATS#<year>`; for requests, sort keys
//! `D<yyyy-mm-dd>#<service>#<channel>` (a day) and `M<yyyy-mm>#<service>#<channel>`
//! (a month); for appointments, `AD<yyyy-mm-dd>#<agenda>#<type>` and
//! `AM<yyyy-mm>#<agenda>#<type>`; for the requests' due days, `ED<yyyy-mm-dd>#…` and
//! `EM<yyyy-mm>#…`; for the waits for an appointment, `WD<yyyy-mm-dd>#<agenda>#<type>`
//! (put once a day) and `WM<yyyy-mm>#…`; for the catalogue, `CD<yyyy-mm-dd>#<service or
//! search>#site` and `CM<yyyy-mm>#…`, and the words of unanswered searches
//! `CQ<yyyy-mm>#<words>` (one item each, counter `n`).

use crate::requests::RepositoryError;
use gru_domain::indicators::Tally;
use gru_ports::store::{Key, Query, SortKeyCondition, Store, TransactOp, query_all};
use jiff::civil::Date;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The counters of one service and channel over a day or a month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counts {
    /// `2026-12-07` for a day, `2026-12` for a month.
    pub period: String,
    pub service: String,
    pub channel: String,
    pub counters: BTreeMap<String, i64>,
}

/// What the counters count: requests (by service and channel),
/// appointments (by agenda and type, in a tally's `service` and `channel`),
/// or the catalogue's pages read and searches (`gru_domain::indicators::SITE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    Requests,
    /// The requests' `due` counters, by due day (`ED`, `EM`): read over the
    /// past days to count the requests late now.
    Due,
    Appointments,
    Catalogue,
    /// The days to each agenda's first free slot, per type, recorded once a
    /// day ([`first_free`]): `first_free:<days>` or `first_free:none`.
    Waits,
}

impl Family {
    /// The sort keys' prefixes of a day's and a month's counters.
    fn prefixes(self) -> (&'static str, &'static str) {
        match self {
            Family::Requests => ("D", "M"),
            Family::Due => ("ED", "EM"),
            Family::Appointments => ("AD", "AM"),
            Family::Catalogue => ("CD", "CM"),
            Family::Waits => ("WD", "WM"),
        }
    }
}

/// The writes that add a request's `tallies`: its `due` counts to
/// [`Family::Due`], the others to [`Family::Requests`].
pub fn request_writes(tallies: &[Tally]) -> Vec<TransactOp> {
    let (due, others): (Vec<Tally>, Vec<Tally>) =
        tallies.iter().cloned().partition(|tally| tally.counter == gru_domain::indicators::DUE);
    let mut ops = writes(Family::Requests, &others);
    ops.extend(writes(Family::Due, &due));
    ops
}

/// The writes that add `tallies` of `family` to the counters: one addition
/// per day and per month, service and channel.
pub fn writes(family: Family, tallies: &[Tally]) -> Vec<TransactOp> {
    let (day, month) = family.prefixes();
    // A handful of counters per change: lists, not maps, keep the Lambda packages small.
    let mut grouped: Vec<(Key, Vec<(String, i64)>)> = Vec::new();
    for tally in tallies {
        for key in
            [counter_key(day, &tally.day.to_string(), tally), counter_key(month, &month_of(tally.day), tally)]
        {
            let counts = match grouped.iter_mut().position(|(k, _)| *k == key) {
                Some(found) => &mut grouped[found].1,
                None => {
                    grouped.push((key, Vec::new()));
                    &mut grouped.last_mut().expect("just pushed").1
                }
            };
            match counts.iter_mut().find(|(name, _)| *name == tally.counter) {
                Some(count) => count.1 += tally.count,
                None => counts.push((tally.counter.clone(), tally.count)),
            }
        }
    }
    grouped
        .into_iter()
        .filter_map(|(key, mut counts)| {
            counts.retain(|(_, n)| *n != 0);
            (!counts.is_empty()).then_some(TransactOp::Add { key, counts })
        })
        .collect()
}

/// The writes that record, once for `day`, that `agenda`'s first free slot
/// of `appointment_type` was `days` away (`None`: none within the look-ahead):
/// the day's item put on condition it does not exist yet, and the month's
/// counter added in the same transaction, so a second run that day fails
/// whole (`ConditionFailed`) and counts nothing twice.
pub fn first_free(day: Date, agenda: &str, appointment_type: &str, days: Option<i32>) -> Vec<TransactOp> {
    let counter = days.map_or_else(|| "first_free:none".to_owned(), |days| format!("first_free:{days}"));
    let (day_prefix, month_prefix) = Family::Waits.prefixes();
    let tally = |prefix: &str, period: String| {
        Key::new(partition(day.year()), format!("{prefix}{period}#{agenda}#{appointment_type}"))
    };
    let recorded = serde_json::json!({ counter.clone(): 1 });
    vec![
        TransactOp::Put {
            item: gru_ports::store::Item::new(tally(day_prefix, day.to_string()), recorded),
            condition: gru_ports::store::Condition::NotExists,
        },
        TransactOp::Add { key: tally(month_prefix, month_of(day)), counts: vec![(counter, 1)] },
    ]
}

/// The addition of one unanswered search of `words` (already kept as
/// `gru_domain::indicators::unanswered_words` keeps them) on `day`: an item
/// per month and words (`CQ<yyyy-mm>#<words>`), so that no item grows with
/// the number of different searches.
pub fn unanswered(day: Date, words: &str) -> TransactOp {
    let key = Key::new(partition(day.year()), format!("CQ{}#{words}", month_of(day)));
    TransactOp::Add { key, counts: vec![("n".to_owned(), 1)] }
}

/// `ops` with the additions to one item made one (a transaction touches
/// each item once), the other writes as they are.
pub fn merged(ops: Vec<TransactOp>) -> Vec<TransactOp> {
    let mut out: Vec<TransactOp> = Vec::with_capacity(ops.len());
    for op in ops {
        match op {
            TransactOp::Add { key, counts } => {
                let same = out.iter_mut().find_map(|known| match known {
                    TransactOp::Add { key: k, counts: c } if *k == key => Some(c),
                    _ => None,
                });
                match same {
                    Some(known) => {
                        for (name, count) in counts {
                            match known.iter_mut().find(|(n, _)| *n == name) {
                                Some(total) => total.1 += count,
                                None => known.push((name, count)),
                            }
                        }
                    }
                    None => out.push(TransactOp::Add { key, counts }),
                }
            }
            other => out.push(other),
        }
    }
    out
}

fn partition(year: i16) -> String {
    format!("STATS#{year:04}")
}

/// The counters of `tally`'s service and channel for the day or month `period`.
fn counter_key(prefix: &str, period: &str, tally: &Tally) -> Key {
    Key::new(partition(tally.day.year()), format!("{prefix}{period}#{}#{}", tally.service, tally.channel))
}

fn month_of(day: Date) -> String {
    format!("{:04}-{:02}", day.year(), day.month())
}

/// How long the requests' and the catalogue's counters of closed months are
/// kept in memory once read: they no longer change, but for a rebuild's
/// corrections or a decision taken back, which show within this time.
const CLOSED_MONTHS_KEPT: std::time::Duration = std::time::Duration::from_secs(300);

/// Closed months read, by family and first and last day, with when.
type ClosedMonths = std::collections::HashMap<(Family, Date, Date), (std::time::Instant, Arc<Vec<Counts>>)>;

/// Reads the counters.
#[derive(Clone)]
pub struct IndicatorsRepository {
    store: Arc<dyn Store>,
    closed: Arc<std::sync::Mutex<ClosedMonths>>,
}

impl IndicatorsRepository {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store, closed: Arc::default() }
    }

    /// Every service's and channel's counters from `from` to `to`
    /// (included): whole months as months, the days of the months cut by
    /// the period's ends as days.
    pub async fn counts(&self, family: Family, from: Date, to: Date) -> Result<Vec<Counts>, RepositoryError> {
        self.read_spans(family, spans(from, to)).await
    }

    /// Every service's and channel's counters day by day from `from` to
    /// `to` (included): for a short period's chart.
    pub async fn daily(&self, family: Family, from: Date, to: Date) -> Result<Vec<Counts>, RepositoryError> {
        let days = spans(from, to).into_iter().map(|(first, last, _)| (first, last, false)).collect();
        self.read_spans(family, days).await
    }

    /// The words of the searches nothing answered in the months from
    /// `from`'s to `to`'s, each with how many times, most searched first.
    pub async fn unanswered(&self, from: Date, to: Date) -> Result<Vec<(String, i64)>, RepositoryError> {
        let mut found: Vec<(String, i64)> = Vec::new();
        let mut year = from.year();
        while year <= to.year() {
            let first = if year == from.year() { month_of(from) } else { format!("{year:04}-01") };
            let last = if year == to.year() { month_of(to) } else { format!("{year:04}-12") };
            let between = SortKeyCondition::Between(format!("CQ{first}"), format!("CQ{last}~"));
            for item in
                query_all(self.store.as_ref(), Query::partition(partition(year)).sort(between)).await?
            {
                let words = item.key.sk.split_once('#').map_or("", |(_, words)| words).to_owned();
                let count = item.data.get("n").and_then(serde_json::Value::as_i64).unwrap_or(0);
                match found.iter_mut().find(|(w, _)| *w == words) {
                    Some(known) => known.1 += count,
                    None => found.push((words, count)),
                }
            }
            year += 1;
        }
        found.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ok(found)
    }

    async fn read_spans(
        &self,
        family: Family,
        spans: Vec<(Date, Date, bool)>,
    ) -> Result<Vec<Counts>, RepositoryError> {
        let (day, month) = family.prefixes();
        let mut found = Vec::new();
        // Months over for a day at least (UTC: then over in every time zone),
        // of the families whose past months only a rebuild or a decision
        // taken back changes (not the due days nor the appointments, marked
        // after their day).
        let today = jiff::Timestamp::now().to_zoned_datetime(jiff::tz::TimeZone::UTC).date();
        let settled = matches!(family, Family::Requests | Family::Catalogue);
        for (first, last, by_month) in spans {
            let closed = settled && by_month && last < today.saturating_sub(jiff::Span::new().days(1));
            if closed && let Some(kept) = self.kept(family, first, last) {
                found.extend(kept.iter().cloned());
                continue;
            }
            let mut read_now = Vec::new();
            let (start, end) = if by_month {
                (format!("{month}{}", month_of(first)), format!("{month}{}~", month_of(last)))
            } else {
                (format!("{day}{first}"), format!("{day}{last}~"))
            };
            let query = Query::partition(partition(first.year())).sort(SortKeyCondition::Between(start, end));
            for item in query_all(self.store.as_ref(), query).await? {
                let prefix = if by_month { month } else { day };
                read_now.push(read(&item.key.sk[prefix.len()..], item.data)?);
            }
            if closed {
                let kept = Arc::new(read_now.clone());
                let mut months = self.closed.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                months.insert((family, first, last), (std::time::Instant::now(), kept));
            }
            found.extend(read_now);
        }
        Ok(found)
    }

    /// The closed months `first..=last` of `family` read less than
    /// [`CLOSED_MONTHS_KEPT`] ago.
    fn kept(&self, family: Family, first: Date, last: Date) -> Option<Arc<Vec<Counts>>> {
        let months = self.closed.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let (read_at, kept) = months.get(&(family, first, last))?;
        (read_at.elapsed() < CLOSED_MONTHS_KEPT).then(|| kept.clone())
    }
}

/// `from..=to` cut into spans read with one query each, within one year:
/// `(first, last, true)` for whole months, `(first, last, false)` for days.
fn spans(from: Date, to: Date) -> Vec<(Date, Date, bool)> {
    let mut spans = Vec::new();
    let mut cursor = from;
    while cursor <= to {
        let month_start = cursor.first_of_month();
        let month_end = cursor.last_of_month();
        if cursor == month_start && month_end <= to {
            // Whole months from here, up to the year's or the period's end.
            let mut last = month_end;
            while let Ok(next) = last.tomorrow()
                && next.year() == cursor.year()
                && next.last_of_month() <= to
            {
                last = next.last_of_month();
            }
            spans.push((cursor, last, true));
            cursor = match last.tomorrow() {
                Ok(next) => next,
                Err(_) => break,
            };
        } else {
            let last = month_end.min(to);
            spans.push((cursor, last, false));
            cursor = match last.tomorrow() {
                Ok(next) => next,
                Err(_) => break,
            };
        }
    }
    spans
}

/// One item of counters, from its sort key (its prefix taken off) and data.
fn read(sort_key: &str, data: serde_json::Value) -> Result<Counts, RepositoryError> {
    let corrupt = || RepositoryError::Corrupt(serde::de::Error::custom("a counters' key is malformed"));
    let mut parts = sort_key.splitn(3, '#');
    let (Some(period), Some(service), Some(channel)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(corrupt());
    };
    let counters = serde_json::from_value(data).map_err(RepositoryError::Corrupt)?;
    Ok(Counts {
        period: period.to_owned(),
        service: service.to_owned(),
        channel: channel.to_owned(),
        counters,
    })
}

#[cfg(test)]
mod tests {
    use super::{merged, spans};
    use gru_ports::store::{Key, TransactOp};

    #[test]
    fn additions_to_one_item_are_made_one() {
        let add = |sk: &str, name: &str, n: i64| TransactOp::Add {
            key: Key::new("STATS#2026", sk),
            counts: vec![(name.to_owned(), n)],
        };
        let ops =
            merged(vec![add("D1", "received", 1), add("D2", "received", 1), add("D1", "messages:agent", 1)]);
        assert_eq!(ops.len(), 2);
        match &ops[0] {
            TransactOp::Add { counts, .. } => {
                assert_eq!(counts, &vec![("received".to_owned(), 1), ("messages:agent".to_owned(), 1)])
            }
            _ => unreachable!("an addition"),
        }
    }
    use jiff::civil::date;

    #[test]
    fn a_period_is_read_as_whole_months_and_edge_days_within_each_year() {
        assert_eq!(
            spans(date(2025, 12, 8), date(2026, 12, 7)),
            vec![
                (date(2025, 12, 8), date(2025, 12, 31), false),
                (date(2026, 1, 1), date(2026, 11, 30), true),
                (date(2026, 12, 1), date(2026, 12, 7), false),
            ]
        );
        assert_eq!(
            spans(date(2026, 1, 1), date(2026, 12, 31)),
            vec![(date(2026, 1, 1), date(2026, 12, 31), true)]
        );
        assert_eq!(
            spans(date(2025, 11, 1), date(2026, 2, 28)),
            vec![(date(2025, 11, 1), date(2025, 12, 31), true), (date(2026, 1, 1), date(2026, 2, 28), true)]
        );
        assert_eq!(
            spans(date(2026, 3, 5), date(2026, 3, 5)),
            vec![(date(2026, 3, 5), date(2026, 3, 5), false)]
        );
        assert_eq!(spans(date(2026, 3, 6), date(2026, 3, 5)), vec![]);
    }
}
