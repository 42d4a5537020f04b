//! The audit trail: who did what, when, in the back office (a request read,
//! a status changed, an agent created). Entries are written with the
//! action they record, in the same transaction where the action is one
//! ([`AuditTrail::entry`]), so no change lands without its entry.
//!
//! | item | pk / sk | index (gsi1) |
//! |---|---|---|
//! | audit entry | `AUDIT#<YYYY-MM-DD>` / `<at>#<id>` | `AUDIT-REQUEST#<reference>` / `<at>#<id>` |
//!
//! Days are UTC days. `<at>` is RFC 3339 in UTC with exactly six
//! fractional digits, so sort keys order as time does; `<id>` is random, so
//! two entries in the same microsecond do not collide. Only entries about a
//! request are in the index. Entries expire after the period the trail
//! keeps them (a year by default; DynamoDB's TTL, the portal's sweep).
//!
//! An entry never holds a citizen's personal data: the action, the
//! request's reference and a short detail such as a status id.

use crate::agent::Agent;
use gru_ports::store::query_all;
use gru_ports::{Clock, Condition, Item, Key, Query, Store, StoreError, TransactOp};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// How long entries are kept unless the trail is told otherwise.
pub const DEFAULT_KEEP: SignedDuration = SignedDuration::from_hours(365 * 24);

/// How long entries are kept on AWS: `AUDIT_KEEP_DAYS` (whole days, at
/// least 1) when the environment sets it, [`DEFAULT_KEEP`] otherwise.
pub fn keep_from_env() -> Result<SignedDuration, &'static str> {
    match std::env::var("AUDIT_KEEP_DAYS") {
        Err(_) => Ok(DEFAULT_KEEP),
        Ok(days) => days
            .parse::<u32>()
            .ok()
            .filter(|&d| d > 0)
            .map(|d| SignedDuration::from_hours(24 * i64::from(d)))
            .ok_or("AUDIT_KEEP_DAYS doit être un nombre entier de jours, 1 au moins"),
    }
}

/// The author of entries written by the command line (`portal agent
/// create`), where no agent is signed in.
pub const SYSTEM_ID: &str = "system";
const SYSTEM_NAME: &str = "Ligne de commande du portail";

/// One thing an agent did. No `Debug`: it names an agent.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: Timestamp,
    pub agent_id: String,
    /// The agent's name when they acted (it stays right after a rename).
    pub agent_name: String,
    /// What was done, as `<object>.<verb>`: `request.read`,
    /// `request.transition`, `agent.create`, ...
    pub action: String,
    /// The request concerned, if any.
    pub reference: Option<String>,
    /// A short precision (a status id, the fields changed); never personal data.
    pub detail: Option<String>,
}

/// The audit trail in the store; see the module documentation.
#[derive(Clone)]
pub struct AuditTrail {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    keep: SignedDuration,
}

impl AuditTrail {
    /// A trail in `store`, dated by `clock`, whose entries are kept for `keep`
    /// ([`DEFAULT_KEEP`] unless the city decides otherwise).
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, keep: SignedDuration) -> Self {
        Self { store, clock, keep }
    }

    /// The entry recording that `agent` did `action`, as a write to join
    /// the action's own transaction.
    pub fn entry(
        &self,
        agent: &Agent,
        action: &str,
        reference: Option<&str>,
        detail: Option<&str>,
    ) -> TransactOp {
        self.entry_by(&agent.id, &agent.name, action, reference, detail)
    }

    /// Like [`entry`](Self::entry), for what the command line does: the
    /// author is [`SYSTEM_ID`].
    pub fn system_entry(&self, action: &str, reference: Option<&str>, detail: Option<&str>) -> TransactOp {
        self.entry_by(SYSTEM_ID, SYSTEM_NAME, action, reference, detail)
    }

    /// Records on its own that `agent` did `action`, for actions that write
    /// nothing else (reading a request, signing out).
    pub async fn record(
        &self,
        agent: &Agent,
        action: &str,
        reference: Option<&str>,
        detail: Option<&str>,
    ) -> Result<(), StoreError> {
        self.store.transact(vec![self.entry(agent, action, reference, detail)]).await
    }

    fn entry_by(
        &self,
        agent_id: &str,
        agent_name: &str,
        action: &str,
        reference: Option<&str>,
        detail: Option<&str>,
    ) -> TransactOp {
        let at = self.clock.now();
        let entry = AuditEntry {
            at,
            agent_id: agent_id.to_owned(),
            agent_name: agent_name.to_owned(),
            action: action.to_owned(),
            reference: reference.map(str::to_owned),
            detail: detail.map(str::to_owned),
        };
        let id = crate::tokens::hex_id::<8>();
        let sort = format!("{}#{id}", sort_time(at));
        let data = serde_json::to_value(&entry).expect("an audit entry is strings and a timestamp");
        let mut item = Item::new(Key::new(day_partition(day_of(at)), sort.clone()), data);
        if let Some(reference) = reference {
            item = item.with_index_key(Key::new(request_partition(reference), sort));
        }
        item.expires_at = Some((at + self.keep).as_second());
        TransactOp::Put { item, condition: Condition::NotExists }
    }

    /// Every entry of a UTC day, oldest first.
    pub async fn day(&self, day: Date) -> Result<Vec<AuditEntry>, StoreError> {
        decode_all(query_all(self.store.as_ref(), Query::partition(day_partition(day))).await?)
    }

    /// Every entry about the request `reference`, oldest first.
    pub async fn of_request(&self, reference: &str) -> Result<Vec<AuditEntry>, StoreError> {
        let query = Query::secondary(request_partition(reference));
        decode_all(query_all(self.store.as_ref(), query).await?)
    }
}

/// The sort-key form of an instant: fixed width, so byte order is time order.
fn sort_time(at: Timestamp) -> String {
    format!("{at:.6}")
}

fn day_of(at: Timestamp) -> Date {
    at.to_zoned_datetime(TimeZone::UTC).date()
}

fn day_partition(day: Date) -> String {
    format!("AUDIT#{day}")
}

fn request_partition(reference: &str) -> String {
    format!("AUDIT-REQUEST#{reference}")
}

/// Decodes entries without letting serde's message (which may quote an
/// agent's name) reach an error or a log.
fn decode_all(items: Vec<Item>) -> Result<Vec<AuditEntry>, StoreError> {
    items
        .into_iter()
        .map(|item| {
            serde_json::from_value(item.data)
                .map_err(|_| StoreError::Backend("a stored audit entry cannot be read".into()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_keys_have_a_fixed_width_so_they_order_as_time() {
        let whole: Timestamp = "2027-03-01T09:00:00Z".parse().unwrap();
        let later = whole + SignedDuration::from_micros(500_000);
        assert_eq!(sort_time(whole), "2027-03-01T09:00:00.000000Z");
        assert_eq!(sort_time(later), "2027-03-01T09:00:00.500000Z");
        assert!(sort_time(whole) < sort_time(later));
        assert_eq!(day_partition(day_of(later)), "AUDIT#2027-03-01");
    }

    #[test]
    fn days_are_utc_days() {
        let late_evening_in_paris: Timestamp = "2027-03-01T23:30:00Z".parse().unwrap();
        assert_eq!(day_of(late_evening_in_paris).to_string(), "2027-03-01");
    }
}
