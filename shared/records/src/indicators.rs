//! The city's indicators as counters kept by the changes themselves: each
//! change of a request adds its tallies (`gru_domain::indicators`) to the
//! day's and the month's counters of its service and channel, in the
//! change's own transaction (`TransactOp::Add`: concurrent changes lose no
//! count). A period is read as its whole months and its edge days, a few
//! queries per year: never the requests.
//!
//! Keys: partition `STATS#<year>`; sort keys `D<yyyy-mm-dd>#<service>#<channel>`
//! (a day) and `M<yyyy-mm>#<service>#<channel>` (a month).

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

/// The writes that add `tallies` to the counters: one addition per day and
/// per month, service and channel.
pub fn writes(tallies: &[Tally]) -> Vec<TransactOp> {
    let mut grouped: BTreeMap<Key, BTreeMap<&str, i64>> = BTreeMap::new();
    for tally in tallies {
        for key in [day_key(tally), month_key(tally)] {
            *grouped.entry(key).or_default().entry(tally.counter.as_str()).or_default() += tally.count;
        }
    }
    grouped
        .into_iter()
        .filter_map(|(key, counts)| {
            let counts: Vec<(String, i64)> =
                counts.into_iter().filter(|(_, n)| *n != 0).map(|(name, n)| (name.to_owned(), n)).collect();
            (!counts.is_empty()).then_some(TransactOp::Add { key, counts })
        })
        .collect()
}

fn partition(year: i16) -> String {
    format!("STATS#{year:04}")
}

fn day_key(tally: &Tally) -> Key {
    Key::new(partition(tally.day.year()), format!("D{}#{}#{}", tally.day, tally.service, tally.channel))
}

fn month_key(tally: &Tally) -> Key {
    Key::new(
        partition(tally.day.year()),
        format!("M{}#{}#{}", month(tally.day), tally.service, tally.channel),
    )
}

fn month(day: Date) -> String {
    format!("{:04}-{:02}", day.year(), day.month())
}

/// Reads the counters.
#[derive(Clone)]
pub struct IndicatorsRepository {
    store: Arc<dyn Store>,
}

impl IndicatorsRepository {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    /// Every service's and channel's counters from `from` to `to`
    /// (included): whole months as months, the days of the months cut by
    /// the period's ends as days.
    pub async fn counts(&self, from: Date, to: Date) -> Result<Vec<Counts>, RepositoryError> {
        self.read_spans(spans(from, to)).await
    }

    /// Every service's and channel's counters day by day from `from` to
    /// `to` (included): for a short period's chart.
    pub async fn daily(&self, from: Date, to: Date) -> Result<Vec<Counts>, RepositoryError> {
        let days = spans(from, to).into_iter().map(|(first, last, _)| (first, last, false)).collect();
        self.read_spans(days).await
    }

    async fn read_spans(&self, spans: Vec<(Date, Date, bool)>) -> Result<Vec<Counts>, RepositoryError> {
        let mut found = Vec::new();
        for (first, last, by_month) in spans {
            let (start, end) = if by_month {
                (format!("M{}", month(first)), format!("M{}~", month(last)))
            } else {
                (format!("D{first}"), format!("D{last}~"))
            };
            let query = Query::partition(partition(first.year())).sort(SortKeyCondition::Between(start, end));
            for item in query_all(self.store.as_ref(), query).await? {
                found.push(read(&item.key.sk, item.data)?);
            }
        }
        Ok(found)
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

/// One item of counters, from its sort key and data.
fn read(sort_key: &str, data: serde_json::Value) -> Result<Counts, RepositoryError> {
    let corrupt = || RepositoryError::Corrupt(serde::de::Error::custom("a counters' key is malformed"));
    let mut parts = sort_key[1..].splitn(3, '#');
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
    use super::spans;
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
