//! The keys of the booking items and their partitions, as the access
//! patterns of the [module's table](super) read them.

use gru_ports::Key;
use gru_web::tokens;
use jiff::Timestamp;
use jiff::civil::Date;

const APPOINTMENT: &str = "APPOINTMENT";
const CLOSURES: &str = "CLOSURES";
/// The index partition where reminders wait.
pub(super) const REMINDERS: &str = "REMINDERS";

/// The one item holding every closure agents added.
pub(super) fn closures_key() -> Key {
    Key::new(CLOSURES, CLOSURES)
}

/// A sort-key instant: fixed width, so keys sort as time does.
pub(super) fn instant(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The partition of `agenda`'s ledgers in `day`'s month.
pub(super) fn ledger_partition(agenda: &str, day: Date) -> String {
    format!("LEDGER#{agenda}#{}", day.strftime("%Y-%m"))
}

pub(super) fn ledger_key(agenda: &str, day: Date) -> Key {
    Key::new(ledger_partition(agenda, day), day.to_string())
}

pub(super) fn hold_key(token: &str) -> Key {
    Key::new(format!("HOLD#{}", tokens::hash(token)), "HOLD")
}

pub(super) fn appointment_key(id: &str) -> Key {
    Key::new(format!("{APPOINTMENT}#{id}"), APPOINTMENT)
}

pub(super) fn link_key(hash: &str) -> Key {
    Key::new(format!("APPOINTMENT-LINK#{hash}"), "LINK")
}

pub(super) fn booker_key(email: &str, appointment_type: &str) -> Key {
    Key::new(format!("BOOKER#{}", tokens::email_key(email)), format!("TYPE#{appointment_type}"))
}

pub(super) fn idempotency_key(scope: &str, key: &str) -> Key {
    Key::new(format!("IDEMPOTENCY#BOOKING#{scope}#{key}"), "IDEMPOTENCY")
}

/// The reminders wait in one partition of the index: few at a time, read
/// with one query however late the last run was.
pub(super) fn reminder_index(at: Timestamp, id: &str) -> Key {
    Key::new(REMINDERS, format!("{}#{id}", instant(at)))
}

/// The first day of each month from `from`'s to `until`'s: the ledger
/// partitions a range of days spans.
pub(super) fn months(from: Date, until: Date) -> Vec<Date> {
    let mut months = Vec::new();
    let mut month = from.first_of_month();
    while month <= until {
        months.push(month);
        let Ok(next) = month.last_of_month().tomorrow() else { break };
        month = next;
    }
    months
}
