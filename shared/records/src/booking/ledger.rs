//! The day ledger: what occupies an agenda on one day (every appointment
//! and live hold, from its start until its end plus buffer), and whether a
//! new interval fits beside it. See the module's « No double booking ».

use super::{BookingError, expiry_after, put};
use gru_domain::agenda::{Busy, places_left};
use gru_domain::appointment::SlotRef;
use gru_ports::{Condition, Key, TransactOp};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// What occupies an agenda on one day.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(super) struct Ledger {
    pub(super) entries: Vec<Entry>,
}

/// One appointment or hold in a ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Entry {
    busy: Busy,
    pub(super) holder: Holder,
}

/// Who takes an entry's place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub(super) enum Holder {
    /// A hold (its secret's hash), worthless once `lapses` has passed.
    Held {
        hold: String,
        lapses: Timestamp,
    },
    Booked {
        appointment: String,
    },
}

/// What `slot` occupies of its agenda.
fn occupied(slot: &SlotRef) -> Busy {
    Busy { start: slot.start, until: slot.until, appointment_type: slot.appointment_type.clone() }
}

impl Ledger {
    /// Drops the holds that lapsed: their places are free again.
    pub(super) fn prune(&mut self, now: Timestamp) {
        self.entries.retain(|e| !matches!(e.holder, Holder::Held { lapses, .. } if lapses <= now));
    }

    /// What occupies the day, in start order.
    pub(super) fn busy(&self) -> Vec<Busy> {
        let mut busy: Vec<Busy> = self.entries.iter().map(|e| e.busy.clone()).collect();
        busy.sort_by_key(|b| b.start);
        busy
    }

    /// Adds `holder` over `slot` if it fits.
    pub(super) fn take(&mut self, slot: &SlotRef, holder: Holder) -> Result<(), BookingError> {
        let busy = self.busy();
        if places_left(slot.places, slot.capacity, &slot.appointment_type, slot.start, slot.until, &busy) == 0
        {
            return Err(BookingError::SlotTaken);
        }
        self.entries.push(Entry { busy: occupied(slot), holder });
        Ok(())
    }
}

/// A ledger as read, to write back at its version.
pub(super) struct LedgerItem {
    pub(super) key: Key,
    pub(super) ledger: Ledger,
    pub(super) version: Option<u64>,
    pub(super) day: Date,
}

/// The write of a ledger at the version read (holds that lapsed dropped),
/// forgotten a while after its day.
pub(super) fn ledger_op(ledger: LedgerItem) -> Result<TransactOp, BookingError> {
    let condition = ledger.version.map_or(Condition::NotExists, Condition::Version);
    let mut item = put(ledger.key, &ledger.ledger, ledger.version.map_or(1, |v| v + 1))?;
    item.expires_at = expiry_after(ledger.day);
    Ok(TransactOp::Put { item, condition })
}
