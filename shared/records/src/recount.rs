//! The requests' counters rebuilt from the requests themselves (`portal
//! indicators rebuild`): after a fault, a migration or a change of how a
//! figure is counted. Each service's requests are read phase by phase
//! through the index of requests by service and phase (never a scan),
//! counted as the changes count them (`gru_domain::indicators::counted`),
//! and the stored counters of every year from the first request's to this
//! one are set to that recount by adding the difference (`TransactOp::Add`),
//! so a rebuild run again changes nothing.
//!
//! Left as they are: `drafts` and `messages:*` (drafts are deleted once
//! sent, messages are counted as they are sent: neither is recounted), and
//! the appointments' counters (appointments are deleted
//! some time after their day: their counters are all that is left of them).
//! A change made while the rebuild runs may be counted twice or not at all:
//! run it when the back office is quiet, then once more, which then finds
//! nothing to correct.

use crate::indicators::request_writes;
use crate::requests::{Repository, RepositoryError};
use gru_domain::indicators::{CityDays, recounted, tallies};
use gru_domain::request::Phase;
use gru_ports::store::{Key, Query, SortKeyCondition, Store, TransactOp, query_all};
use jiff::Timestamp;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Requests read per page.
const PAGE: u32 = 500;
/// Additions per transaction (DynamoDB takes 100 actions at most).
const PER_TRANSACTION: usize = 100;

/// What a rebuild did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recount {
    /// Requests read.
    pub requests: u64,
    /// Counters whose stored total differed from the recount, now set to it.
    pub corrected: u64,
}

/// Counters by item (`(pk, sk)`), each by name.
type Totals = BTreeMap<(String, String), BTreeMap<String, i64>>;

/// Rebuilds the counters of `services`' requests, up to `this_year` at least;
/// `progress` is told each service's count as it is read.
pub async fn rebuild(
    store: Arc<dyn Store>,
    services: &[String],
    days: CityDays<'_>,
    this_year: i16,
    mut progress: impl FnMut(&str, u64),
) -> Result<Recount, RepositoryError> {
    let repository = Repository::new(store.clone());
    let mut recounted = Totals::new();
    let mut report = Recount::default();
    for service in services {
        let mut read = 0;
        for phase in Phase::ALL {
            let mut cursor = None;
            loop {
                let every = (Timestamp::MIN, Timestamp::MAX);
                let (requests, next) = repository.requests_page(service, phase, every, cursor, PAGE).await?;
                read += requests.len() as u64;
                for request in &requests {
                    add(&mut recounted, request_writes(&tallies(None, request, days)));
                }
                match next {
                    Some(next) => cursor = Some(next),
                    None => break,
                }
            }
        }
        progress(service, read);
        report.requests += read;
    }
    // Due days may fall next year: every year the recount touches, and up to this one.
    let years = || recounted.keys().filter_map(|(pk, _)| year_of(pk));
    let (first_year, last_year) =
        (years().min().unwrap_or(this_year), years().max().unwrap_or(this_year).max(this_year));
    let mut stored = Totals::new();
    for year in first_year..=last_year {
        // The requests' counters and their due days' (`ED`, `EM`), not the appointments' nor the catalogue's.
        for prefix in ["D", "M", "ED", "EM"] {
            let query =
                Query::partition(format!("STATS#{year:04}")).sort(SortKeyCondition::Prefix(prefix.into()));
            for item in query_all(store.as_ref(), query).await? {
                let counters: BTreeMap<String, i64> =
                    serde_json::from_value(item.data).map_err(RepositoryError::Corrupt)?;
                stored.insert((item.key.pk, item.key.sk), counters);
            }
        }
    }
    let corrections = differences(&recounted, &stored);
    report.corrected = corrections
        .iter()
        .map(|op| match op {
            TransactOp::Add { counts, .. } => counts.len() as u64,
            _ => 0,
        })
        .sum();
    for batch in corrections.chunks(PER_TRANSACTION) {
        store.transact(batch.to_vec()).await?;
    }
    Ok(report)
}

/// The year of a counters' partition (`STATS#2026`).
fn year_of(partition: &str) -> Option<i16> {
    partition.strip_prefix("STATS#")?.parse().ok()
}

fn add(totals: &mut Totals, ops: Vec<TransactOp>) {
    for op in ops {
        if let TransactOp::Add { key, counts } = op {
            let item = totals.entry((key.pk, key.sk)).or_default();
            for (name, count) in counts {
                *item.entry(name).or_default() += count;
            }
        }
    }
}

/// The additions that bring `stored` to `recount`, the counts kept only as
/// they happen (forms started, messages) left as stored.
fn differences(recount: &Totals, stored: &Totals) -> Vec<TransactOp> {
    let empty = BTreeMap::new();
    let items: std::collections::BTreeSet<&(String, String)> = recount.keys().chain(stored.keys()).collect();
    items
        .into_iter()
        .filter_map(|item| {
            let (want, have) = (recount.get(item).unwrap_or(&empty), stored.get(item).unwrap_or(&empty));
            let names: std::collections::BTreeSet<&String> = want.keys().chain(have.keys()).collect();
            let counts: Vec<(String, i64)> = names
                .into_iter()
                .filter(|name| recounted(name))
                .map(|name| {
                    let difference =
                        want.get(name).copied().unwrap_or(0) - have.get(name).copied().unwrap_or(0);
                    (name.clone(), difference)
                })
                .filter(|(_, difference)| *difference != 0)
                .collect();
            (!counts.is_empty()).then(|| TransactOp::Add { key: Key::new(&item.0, &item.1), counts })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(partition, sort key, counters)`.
    type Stored<'a> = (&'a str, &'a str, &'a [(&'a str, i64)]);

    fn totals(items: &[Stored<'_>]) -> Totals {
        items
            .iter()
            .map(|(pk, sk, counts)| {
                ((pk.to_string(), sk.to_string()), counts.iter().map(|(n, c)| (n.to_string(), *c)).collect())
            })
            .collect()
    }

    #[test]
    fn the_differences_set_the_recount_and_leave_drafts_alone() {
        let recounted =
            totals(&[("STATS#2026", "D2026-12-07#a#online", &[("received", 3), ("decided:accepted", 1)])]);
        let stored = totals(&[
            (
                "STATS#2026",
                "D2026-12-07#a#online",
                &[("received", 2), ("decided:accepted", 1), ("drafts", 5)],
            ),
            ("STATS#2026", "D2026-12-06#a#phone", &[("received", 1)]),
        ]);
        let ops = differences(&recounted, &stored);
        let found: Vec<(String, Vec<(String, i64)>)> = ops
            .into_iter()
            .map(|op| match op {
                TransactOp::Add { key, counts } => (key.sk, counts),
                _ => unreachable!("only additions"),
            })
            .collect();
        assert_eq!(
            found,
            vec![
                ("D2026-12-06#a#phone".to_owned(), vec![("received".to_owned(), -1)]),
                ("D2026-12-07#a#online".to_owned(), vec![("received".to_owned(), 1)]),
            ]
        );
        assert!(
            differences(&recounted, &recounted).is_empty(),
            "a recount equal to the counters changes nothing"
        );
    }
}
