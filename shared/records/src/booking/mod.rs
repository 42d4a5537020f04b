//! Appointments in the store. Access patterns (no scan):
//!
//! | pattern | key |
//! |---|---|
//! | what occupies an agenda on some days (availability, planning) | query `LEDGER#<agenda>#<yyyy-mm>`, sort key between `<from day>` and `<until day>` (the city's days) |
//! | what occupies an agenda on one day: its ledger | `LEDGER#<agenda>#<yyyy-mm>` / `<yyyy-mm-dd>` |
//! | a hold, by its secret | get `HOLD#<sha256>` / `HOLD` (expires) |
//! | an appointment | get `APPOINTMENT#<id>` / `APPOINTMENT` |
//! | reminders due | index query `REMINDERS`, sort key up to `<now>` |
//! | a booker's appointments of a type (limit, dashboard) | `BOOKER#<email key>` / `TYPE#<type>`; the dashboard queries the partition |
//! | a manage link | get `APPOINTMENT-LINK#<sha256>` / `LINK` |
//! | closures added by agents, every agenda's (checked by every booking) | get `CLOSURES` / `CLOSURES` |
//! | a confirmation already answered | get `IDEMPOTENCY#BOOKING#<scope>#<key>` / `IDEMPOTENCY` |
//!
//! # No double booking
//!
//! Each agenda has one **ledger** item per day: every appointment and live
//! hold of the day, from its start until its end plus buffer. A hold, a
//! booking or a move reads the ledger, checks that the new interval fits
//! (at no moment more than the type's places, nor more than the agenda's
//! desks over every type: [`gru_domain::agenda::places_left`]), and writes
//! it back **at the version read**, in the same transaction as everything
//! else it writes. Two bookers of one day: one transaction succeeds, the
//! other fails whole and reads again ([`BookingError::Race`]), then finds
//! the slot full ([`BookingError::SlotTaken`]) or books what is left.
//! Nothing is checked before a write that the write does not check again.
//!
//! Every other change (cancel, attendance, reminder) writes the appointment
//! at the version read, with the ledgers it frees or takes.
//!
//! The appointment itself (its slot, status, contact, reminder and how long
//! it is kept) is [`gru_domain::appointment`]'s; here are the items it is
//! stored as: the keys in `keys`, the day ledger in `ledger`.

mod keys;
mod ledger;

use gru_domain::agenda::{Booked, Closure};
use gru_domain::appointment::{
    Appointment, Canceller, HOLD_TTL, KEEP_AFTER_END, SHOWN_AFTER, SlotRef, Status, remind_at,
};
use gru_outbox::OutboxError;
use gru_ports::store::query_all;
use gru_ports::{Condition, Item, Key, Query, SortKeyCondition, Store, StoreError, TransactOp};
use gru_web::tokens;
use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use keys::{
    REMINDERS, appointment_key, booker_key, closures_key, hold_key, idempotency_key, instant, ledger_key,
    ledger_partition, link_key, months, reminder_index,
};
use ledger::{Holder, Ledger, LedgerItem, ledger_op};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use std::sync::Arc;

/// How long an answered confirmation is replayed for its `Idempotency-Key`.
pub const IDEMPOTENCY_TTL: SignedDuration = SignedDuration::from_hours(24);

/// What can go wrong when booking.
#[derive(Debug, thiserror::Error)]
pub enum BookingError {
    /// Every place of the slot is held or booked.
    #[error("no place is left in the slot")]
    SlotTaken,
    /// The hold lapsed and its place went to someone else, or it never existed.
    #[error("the hold is no longer valid")]
    HoldExpired,
    /// The booker already has the most active appointments of the type.
    #[error("the booker holds the most active appointments of this type")]
    LimitReached,
    /// Another write touched the same items first: reading again and
    /// trying again may succeed.
    #[error("a concurrent booking touched the same items")]
    Race,
    /// The store failed otherwise.
    #[error(transparent)]
    Store(StoreError),
    /// The decoder's message is dropped: it may quote names or addresses.
    #[error("a stored booking item cannot be read")]
    Corrupt,
    /// The email of the change could not be queued.
    #[error(transparent)]
    Outbox(#[from] OutboxError),
}

impl From<serde_json::Error> for BookingError {
    fn from(_: serde_json::Error) -> Self {
        BookingError::Corrupt
    }
}

impl From<StoreError> for BookingError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::ConditionFailed | StoreError::TransactionConflict => BookingError::Race,
            other => BookingError::Store(other),
        }
    }
}

/// What a hold item holds: the slot it keeps, and until when.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Hold {
    slot: SlotRef,
    lapses: Timestamp,
}

/// A stored value and the version it was read at.
#[derive(Debug, Clone)]
pub struct Versioned<T> {
    pub value: T,
    /// The version to write it back at.
    pub version: u64,
}

/// How a booking gets its place.
#[derive(Debug, Clone, Copy)]
pub enum Claim<'a> {
    /// The place a hold keeps (the hold's secret).
    Hold(&'a str),
    /// Any free place of the slot.
    Free(&'a SlotRef),
}

/// A change to a booker's list.
#[derive(Debug, Clone, Copy)]
enum BookerChange<'a> {
    Add(&'a str, Timestamp),
    Move(&'a str, Timestamp),
    Cancel(&'a str, Timestamp),
}

/// The writes of a change, planned on what was read: the caller adds its
/// own (emails, audit), then [`BookingRepository::commit`]s them.
pub struct Plan {
    /// The appointment as it will stand once the writes are applied.
    pub appointment: Appointment,
    /// The writes, for one transaction.
    pub ops: Vec<TransactOp>,
}

/// A booker's appointments of one type, kept until [`SHOWN_AFTER`] past
/// their end for the dashboard.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Booker {
    appointments: Vec<BookerEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct BookerEntry {
    id: String,
    end: Timestamp,
    /// Booked and not cancelled: what the limit counts (until its end).
    active: bool,
}

/// Every closure agents added, in one item.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct AddedClosures {
    closures: Vec<StoredClosure>,
}

/// A closure an agent added, with its id.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredClosure {
    pub id: String,
    /// The agenda it closes.
    pub agenda: String,
    #[serde(flatten)]
    pub closure: Closure,
    /// The agent who added it.
    pub added_by: String,
    pub added_at: Timestamp,
}

/// Appointments, holds and places in the store.
#[derive(Clone)]
pub struct BookingRepository {
    store: Arc<dyn Store>,
}

/// When the store may forget an item about `day`.
fn expiry_after(day: Date) -> Option<i64> {
    let start = day.to_zoned_datetime(jiff::tz::TimeZone::UTC).ok()?.timestamp();
    start.checked_add(KEEP_AFTER_END).ok().map(|at| at.as_second())
}

fn read<T: DeserializeOwned>(item: &Item) -> Result<T, BookingError> {
    Ok(serde_json::from_value(item.data.clone())?)
}

/// An item holding `value`, written as `version`.
fn put(key: Key, value: &impl Serialize, version: u64) -> Result<Item, BookingError> {
    let mut item = Item::new(key, serde_json::to_value(value)?);
    item.version = version;
    Ok(item)
}

impl BookingRepository {
    /// The repository on `store`.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    /// The ledgers of `agenda` for the days `[from, until]`.
    async fn ledgers(&self, agenda: &str, from: Date, until: Date) -> Result<Vec<Ledger>, BookingError> {
        let mut ledgers = Vec::new();
        for month in months(from, until) {
            let query = Query::partition(ledger_partition(agenda, month))
                .sort(SortKeyCondition::Between(from.to_string(), until.to_string()));
            for item in query_all(self.store.as_ref(), query).await? {
                ledgers.push(read(&item)?);
            }
        }
        Ok(ledgers)
    }

    /// What occupies `agenda` on the days `[from, until]` (appointments and
    /// live holds), added to `into`: what availability subtracts.
    pub async fn booked(
        &self,
        agenda: &str,
        (from, until): (Date, Date),
        now: Timestamp,
        into: &mut Booked,
    ) -> Result<(), BookingError> {
        let busy = into.entry(agenda.to_owned()).or_default();
        for mut ledger in self.ledgers(agenda, from, until).await? {
            ledger.prune(now);
            busy.extend(ledger.busy());
        }
        busy.sort_by_key(|b| b.start);
        Ok(())
    }

    /// The appointments booked in `agenda` on the days `[from, until]`, in time order.
    pub async fn appointments_between(
        &self,
        agenda: &str,
        (from, until): (Date, Date),
    ) -> Result<Vec<Appointment>, BookingError> {
        let mut appointments = Vec::new();
        for ledger in self.ledgers(agenda, from, until).await? {
            for entry in ledger.entries {
                if let Holder::Booked { appointment } = entry.holder
                    && let Some(found) = self.appointment(&appointment).await?
                {
                    appointments.push(found.value);
                }
            }
        }
        appointments.sort_by_key(|a| a.slot.start);
        Ok(appointments)
    }

    /// The ledger of `agenda` on `day`, as read (empty if none yet).
    async fn ledger(&self, agenda: &str, day: Date) -> Result<LedgerItem, BookingError> {
        let key = ledger_key(agenda, day);
        Ok(match self.store.get(&key).await? {
            Some(item) => LedgerItem { ledger: read(&item)?, version: Some(item.version), key, day },
            None => LedgerItem { ledger: Ledger::default(), version: None, key, day },
        })
    }

    /// Holds one place of `slot` until `now` + [`HOLD_TTL`], if the
    /// agendas' closures are `unchanged`; returns the hold's secret and
    /// when it lapses. A lost race is
    /// [`BookingError::Race`]: try again, and a full slot then says
    /// [`BookingError::SlotTaken`].
    pub async fn hold(
        &self,
        slot: &SlotRef,
        unchanged: TransactOp,
        now: Timestamp,
    ) -> Result<(String, Timestamp), BookingError> {
        let token = tokens::random_token();
        let lapses = now + HOLD_TTL;
        let mut ledger = self.ledger(&slot.agenda, slot.day).await?;
        ledger.ledger.prune(now);
        ledger.ledger.take(slot, Holder::Held { hold: tokens::hash(&token), lapses })?;
        let mut hold = put(hold_key(&token), &Hold { slot: slot.clone(), lapses }, 1)?;
        hold.expires_at = Some(lapses.as_second());
        self.commit(vec![
            ledger_op(ledger)?,
            TransactOp::Put { item: hold, condition: Condition::NotExists },
            unchanged,
        ])
        .await?;
        Ok((token, lapses))
    }

    /// The slot a hold keeps and when it lapses (or lapsed), while its
    /// place is still its own: a lapsed hold nobody took still counts.
    pub async fn held_slot(&self, token: &str) -> Result<Option<(SlotRef, Timestamp)>, BookingError> {
        let Some(item) = self.store.get(&hold_key(token)).await? else { return Ok(None) };
        let hold: Hold = read(&item)?;
        let ledger = self.ledger(&hold.slot.agenda, hold.slot.day).await?;
        let hash = tokens::hash(token);
        let kept = ledger
            .ledger
            .entries
            .iter()
            .any(|e| matches!(&e.holder, Holder::Held { hold, .. } if *hold == hash));
        Ok(kept.then_some((hold.slot, hold.lapses)))
    }

    /// Gives `appointment_id` its place in `ledgers` (read as needed): the
    /// hold's (its hold item deleted in `ops`), or a free one of the slot.
    async fn take_place(
        &self,
        ledgers: &mut Vec<LedgerItem>,
        ops: &mut Vec<TransactOp>,
        claim: Claim<'_>,
        appointment_id: &str,
        now: Timestamp,
    ) -> Result<SlotRef, BookingError> {
        let booked = Holder::Booked { appointment: appointment_id.to_owned() };
        match claim {
            Claim::Hold(token) => {
                let Some(item) = self.store.get(&hold_key(token)).await? else {
                    return Err(BookingError::HoldExpired);
                };
                let hold: Hold = read(&item)?;
                let hash = tokens::hash(token);
                let ledger = self.ledger_in(ledgers, &hold.slot.agenda, hold.slot.day).await?;
                let entry = ledger
                    .ledger
                    .entries
                    .iter_mut()
                    .find(|e| matches!(&e.holder, Holder::Held { hold, .. } if *hold == hash))
                    .ok_or(BookingError::HoldExpired)?;
                entry.holder = booked;
                ledger.ledger.prune(now);
                ops.push(TransactOp::Delete { key: item.key, condition: Condition::Version(item.version) });
                Ok(hold.slot)
            }
            Claim::Free(slot) => {
                let ledger = self.ledger_in(ledgers, &slot.agenda, slot.day).await?;
                ledger.ledger.prune(now);
                ledger.ledger.take(slot, booked)?;
                Ok(slot.clone())
            }
        }
    }

    /// The ledger of `agenda` on `day` among those read for one change
    /// (read now if it is not yet), so a change touching one day twice
    /// (a move within a day) writes it once.
    async fn ledger_in<'a>(
        &self,
        ledgers: &'a mut Vec<LedgerItem>,
        agenda: &str,
        day: Date,
    ) -> Result<&'a mut LedgerItem, BookingError> {
        let key = ledger_key(agenda, day);
        let index = match ledgers.iter().position(|l| l.key == key) {
            Some(index) => index,
            None => {
                ledgers.push(self.ledger(agenda, day).await?);
                ledgers.len() - 1
            }
        };
        Ok(&mut ledgers[index])
    }

    /// Takes `appointment_id` off its ledger in `ledgers`.
    async fn free_place(
        &self,
        ledgers: &mut Vec<LedgerItem>,
        appointment: &Appointment,
    ) -> Result<(), BookingError> {
        let ledger = self.ledger_in(ledgers, &appointment.slot.agenda, appointment.slot.day).await?;
        ledger
            .ledger
            .entries
            .retain(|e| !matches!(&e.holder, Holder::Booked { appointment: id } if *id == appointment.id));
        Ok(())
    }

    /// The write of a booker's list of `appointment_type`: `change`
    /// applied, entries past [`SHOWN_AFTER`] dropped; `limit` refuses an
    /// addition past that many active appointments ([`BookingError::LimitReached`]).
    async fn booker_op(
        &self,
        email: &str,
        appointment_type: &str,
        change: BookerChange<'_>,
        limit: Option<u32>,
        now: Timestamp,
    ) -> Result<TransactOp, BookingError> {
        let key = booker_key(email, appointment_type);
        let (mut booker, condition, version) = match self.store.get(&key).await? {
            Some(item) => (read::<Booker>(&item)?, Condition::Version(item.version), item.version + 1),
            None => (Booker::default(), Condition::NotExists, 1),
        };
        booker.appointments.retain(|e| e.end + SHOWN_AFTER > now);
        match change {
            BookerChange::Add(id, end) => {
                let active = booker.appointments.iter().filter(|e| e.active && e.end > now).count();
                if limit.is_some_and(|limit| active as u32 >= limit) {
                    return Err(BookingError::LimitReached);
                }
                booker.appointments.push(BookerEntry { id: id.to_owned(), end, active: true });
            }
            BookerChange::Move(id, end) | BookerChange::Cancel(id, end) => {
                let active = matches!(change, BookerChange::Move(..));
                booker.appointments.retain(|e| e.id != id);
                booker.appointments.push(BookerEntry { id: id.to_owned(), end, active });
            }
        }
        let mut item = put(key, &booker, version)?;
        item.expires_at =
            booker.appointments.iter().map(|e| e.end + SHOWN_AFTER).max().map(|at| at.as_second());
        Ok(TransactOp::Put { item, condition })
    }

    /// The appointment write at `version` (a new one when `None`), in the
    /// reminder index while its reminder is due.
    fn appointment_op(
        &self,
        appointment: &Appointment,
        version: Option<u64>,
    ) -> Result<TransactOp, BookingError> {
        let condition = version.map_or(Condition::NotExists, Condition::Version);
        let mut item = put(appointment_key(&appointment.id), appointment, version.map_or(1, |v| v + 1))?;
        if appointment.status == Status::Booked
            && let Some(at) = appointment.remind_at
        {
            item = item.with_index_key(reminder_index(at, &appointment.id));
        }
        item.expires_at = Some((appointment.slot.end + KEEP_AFTER_END).as_second());
        Ok(TransactOp::Put { item, condition })
    }

    /// Plans a new appointment: its place, the appointment (reminded
    /// `remind_before(slot)` its start), the booker's list (checked against
    /// `limit` when given), and its manage link when `link` (a fresh
    /// secret) is given.
    pub async fn plan_booking(
        &self,
        claim: Claim<'_>,
        mut appointment: Appointment,
        limit: Option<u32>,
        link: Option<&str>,
        remind_before: impl Fn(&SlotRef) -> Option<SignedDuration>,
        now: Timestamp,
    ) -> Result<Plan, BookingError> {
        appointment.id = tokens::hex_id::<16>();
        let (mut ledgers, mut ops) = (Vec::new(), Vec::new());
        let slot = self.take_place(&mut ledgers, &mut ops, claim, &appointment.id, now).await?;
        appointment.remind_at = remind_at(&slot, remind_before(&slot), now);
        appointment.slot = slot;
        appointment.link = link.map(tokens::hash);
        if let Some(email) = &appointment.contact.email {
            let change = BookerChange::Add(&appointment.id, appointment.slot.end);
            ops.push(self.booker_op(email, &appointment.slot.appointment_type, change, limit, now).await?);
        }
        ops.push(self.appointment_op(&appointment, None)?);
        ops.extend(counted(None, &appointment));
        if let Some(hash) = &appointment.link {
            ops.push(link_op(hash, &appointment)?);
        }
        for ledger in ledgers {
            ops.push(ledger_op(ledger)?);
        }
        Ok(Plan { appointment, ops })
    }

    /// Plans the move of an appointment to another slot, keeping its id:
    /// its old interval freed and the new one taken (one ledger write when
    /// both are on one day), the booker's list updated, the manage link
    /// replaced by `new_link` when given (revoking the old).
    pub async fn plan_move(
        &self,
        current: &Versioned<Appointment>,
        claim: Claim<'_>,
        new_link: Option<&str>,
        remind_before: Option<SignedDuration>,
        now: Timestamp,
    ) -> Result<Plan, BookingError> {
        let mut appointment = current.value.clone();
        let (mut ledgers, mut ops) = (Vec::new(), Vec::new());
        self.free_place(&mut ledgers, &appointment).await?;
        appointment.slot = self.take_place(&mut ledgers, &mut ops, claim, &appointment.id, now).await?;
        appointment.sequence += 1;
        appointment.remind_at = remind_at(&appointment.slot, remind_before, now);
        if let Some(email) = &appointment.contact.email {
            let change = BookerChange::Move(&appointment.id, appointment.slot.end);
            ops.push(self.booker_op(email, &appointment.slot.appointment_type, change, None, now).await?);
        }
        if let Some(new_link) = new_link {
            if let Some(old) = &appointment.link {
                ops.push(TransactOp::Delete { key: link_key(old), condition: Condition::Exists });
            }
            let hash = tokens::hash(new_link);
            appointment.link = Some(hash.clone());
            ops.push(link_op(&hash, &appointment)?);
        }
        ops.push(self.appointment_op(&appointment, Some(current.version))?);
        ops.extend(counted(Some(&current.value), &appointment));
        for ledger in ledgers {
            ops.push(ledger_op(ledger)?);
        }
        Ok(Plan { appointment, ops })
    }

    /// Plans a cancellation `by` its citizen or an agent: the interval
    /// freed, the link revoked, the booker's list updated, the appointment
    /// kept as cancelled.
    pub async fn plan_cancel(
        &self,
        current: &Versioned<Appointment>,
        now: Timestamp,
        by: Canceller,
    ) -> Result<Plan, BookingError> {
        let mut appointment = current.value.clone();
        let mut ledgers = Vec::new();
        self.free_place(&mut ledgers, &appointment).await?;
        let mut ops = Vec::new();
        if let Some(old) = appointment.link.take() {
            ops.push(TransactOp::Delete { key: link_key(&old), condition: Condition::Exists });
        }
        if let Some(email) = &appointment.contact.email {
            let change = BookerChange::Cancel(&appointment.id, appointment.slot.end);
            ops.push(self.booker_op(email, &appointment.slot.appointment_type, change, None, now).await?);
        }
        appointment.status = Status::Cancelled;
        appointment.cancelled_by = Some(by);
        appointment.sequence += 1;
        appointment.remind_at = None;
        ops.push(self.appointment_op(&appointment, Some(current.version))?);
        ops.extend(counted(Some(&current.value), &appointment));
        for ledger in ledgers {
            ops.push(ledger_op(ledger)?);
        }
        Ok(Plan { appointment, ops })
    }

    /// Plans a change of status that keeps the place (present, no-show) or
    /// the reminder's departure (`remind_at` cleared).
    pub fn plan_update(
        &self,
        current: &Versioned<Appointment>,
        appointment: Appointment,
    ) -> Result<Plan, BookingError> {
        let mut ops = vec![self.appointment_op(&appointment, Some(current.version))?];
        ops.extend(counted(Some(&current.value), &appointment));
        Ok(Plan { appointment, ops })
    }

    /// Applies a plan's writes (with the caller's), all or nothing.
    pub async fn commit(&self, ops: Vec<TransactOp>) -> Result<(), BookingError> {
        Ok(self.store.transact(ops).await?)
    }

    /// The appointment `id`, at the version read.
    pub async fn appointment(&self, id: &str) -> Result<Option<Versioned<Appointment>>, BookingError> {
        let Some(item) = self.store.get(&appointment_key(id)).await? else { return Ok(None) };
        Ok(Some(Versioned { value: read(&item)?, version: item.version }))
    }

    /// The appointment a live manage link is for.
    pub async fn by_link(&self, token: &str) -> Result<Option<Versioned<Appointment>>, BookingError> {
        let hash = tokens::hash(token);
        let Some(item) = self.store.get(&link_key(&hash)).await? else { return Ok(None) };
        let link: Link = read(&item)?;
        let found = self.appointment(&link.appointment).await?;
        Ok(found.filter(|a| a.value.link.as_deref() == Some(hash.as_str())))
    }

    /// The appointments of the booker `email` still listed (active, or
    /// ended since the list's last write).
    pub async fn of_booker(&self, email: &str) -> Result<Vec<Appointment>, BookingError> {
        let partition = booker_key(email, "").pk;
        let mut appointments = Vec::new();
        for item in query_all(self.store.as_ref(), Query::partition(partition)).await? {
            for entry in read::<Booker>(&item)?.appointments {
                if let Some(found) = self.appointment(&entry.id).await? {
                    appointments.push(found.value);
                }
            }
        }
        appointments.sort_by_key(|a| a.slot.start);
        Ok(appointments)
    }

    /// The appointment an earlier confirmation with this key answered.
    pub async fn replay(&self, scope: &str, key: &str) -> Result<Option<String>, BookingError> {
        let Some(item) = self.store.get(&idempotency_key(scope, key)).await? else { return Ok(None) };
        Ok(Some(read::<Link>(&item)?.appointment))
    }

    /// The write that makes later confirmations with `key` answer `appointment`.
    pub fn idempotency_op(
        &self,
        scope: &str,
        key: &str,
        appointment: &str,
        now: Timestamp,
    ) -> Result<TransactOp, BookingError> {
        let mut item = put(idempotency_key(scope, key), &Link { appointment: appointment.to_owned() }, 1)?;
        item.expires_at = Some((now + IDEMPOTENCY_TTL).as_second());
        Ok(TransactOp::Put { item, condition: Condition::NotExists })
    }

    /// The closures agents added, to every agenda, and the version of the
    /// one item holding them (`None` before the first): every booking
    /// checks that version in its transaction, so a closure added while it
    /// was being decided sends it back to read the agendas again.
    pub async fn closures(&self) -> Result<(Vec<StoredClosure>, Option<u64>), BookingError> {
        Ok(match self.store.get(&closures_key()).await? {
            Some(item) => (read::<AddedClosures>(&item)?.closures, Some(item.version)),
            None => (Vec::new(), None),
        })
    }

    /// The write adding `closure` to those read (`added`, at `version`);
    /// the closures whose last day is a year gone are dropped.
    pub fn closure_op(
        &self,
        mut added: Vec<StoredClosure>,
        version: Option<u64>,
        closure: StoredClosure,
    ) -> Result<TransactOp, BookingError> {
        let last_day = |c: &StoredClosure| c.closure.until.unwrap_or(c.closure.from);
        let oldest = closure
            .added_at
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .date()
            .saturating_sub(jiff::Span::new().days(366));
        added.retain(|c| last_day(c) >= oldest);
        added.push(closure);
        let item = put(closures_key(), &AddedClosures { closures: added }, version.map_or(1, |v| v + 1))?;
        Ok(TransactOp::Put { item, condition: version.map_or(Condition::NotExists, Condition::Version) })
    }

    /// The check, for a booking's transaction, that no closure was added
    /// since `version` was read.
    pub fn closures_unchanged(version: Option<u64>) -> TransactOp {
        TransactOp::Check {
            key: closures_key(),
            condition: version.map_or(Condition::NotExists, Condition::Version),
        }
    }

    /// The ids of the appointments whose reminder is due at `now`, however
    /// late: one query of the reminders' partition. An item that cannot be
    /// read is skipped (the others still go).
    pub async fn due_reminders(&self, now: Timestamp) -> Result<Vec<String>, BookingError> {
        let query = Query::secondary(REMINDERS).sort(SortKeyCondition::UpTo(format!("{}#~", instant(now))));
        let items = query_all(self.store.as_ref(), query).await?;
        Ok(items.iter().filter_map(|item| read::<Appointment>(item).ok()).map(|a| a.id).collect())
    }
}

/// What a link or an idempotency record points to.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Link {
    appointment: String,
}

/// The write of a manage link, forgotten with its appointment.
fn link_op(hash: &str, appointment: &Appointment) -> Result<TransactOp, BookingError> {
    let mut item = put(link_key(hash), &Link { appointment: appointment.id.clone() }, 1)?;
    item.expires_at = expiry_after(appointment.slot.day);
    Ok(TransactOp::Put { item, condition: Condition::NotExists })
}

/// The writes of what `before` becoming `after` adds to the indicators
/// (`gru_domain::indicators::appointment_tallies`), in the change's transaction.
fn counted(before: Option<&Appointment>, after: &Appointment) -> Vec<TransactOp> {
    let tallies = gru_domain::indicators::appointment_tallies(before, after);
    crate::indicators::writes(crate::indicators::Family::Appointments, &tallies)
}

#[cfg(test)]
mod tests;
