//! Appointments in the store. Access patterns (no scan):
//!
//! | pattern | key |
//! |---|---|
//! | places taken in an agenda over a period (availability, planning) | query `SLOT#<agenda>#<UTC yyyy-mm>`, sort key between `<start>` bounds |
//! | one place of a slot, held or booked | `SLOT#<agenda>#<UTC yyyy-mm>` / `<start>#<place, 3 digits>` |
//! | a hold, by its secret | get `HOLD#<sha256>` / `HOLD` (expires) |
//! | an appointment | get `APPOINTMENT#<id>` / `APPOINTMENT` |
//! | reminders due | index query `REMINDER#<UTC day>`, sort key up to `<now>` |
//! | a booker's active appointments of a type (limit, dashboard) | `BOOKER#<email key>` / `TYPE#<type>`; the dashboard queries the partition |
//! | a manage link | get `APPOINTMENT-LINK#<sha256>` / `LINK` |
//! | closures added by agents, every agenda's | query `CLOSURES` |
//! | a confirmation already answered | get `IDEMPOTENCY#BOOKING#<scope>#<key>` / `IDEMPOTENCY` |
//!
//! # No double booking
//!
//! A slot with `n` places has at most `n` place items, numbered `0..n`. A
//! hold or a booking writes one of them on the condition that it does not
//! exist (or, for a lapsed hold, at the version read), in the same
//! transaction as everything else the booking writes. Two citizens choosing
//! the same free place: one transaction succeeds, the other fails whole and
//! reads again ([`BookingError::Race`]); when no place is left it is
//! [`BookingError::SlotTaken`]. Nothing is checked before a write that the
//! write does not check again.
//!
//! Every other change (reschedule, cancel, attendance, reminder) writes the
//! appointment at the version read, with the places it frees or takes.

use gru_domain::agenda::{Booked, Closure};
use gru_outbox::OutboxError;
use gru_ports::store::query_all;
use gru_ports::{Condition, Item, Key, Query, SortKeyCondition, Store, StoreError, TransactOp};
use gru_web::tokens;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use std::collections::BTreeMap;
use std::sync::Arc;

/// How long a hold keeps a place while the citizen gives their details.
pub const HOLD_TTL: SignedDuration = SignedDuration::from_mins(10);
/// How long an answered confirmation is replayed for its `Idempotency-Key`.
pub const IDEMPOTENCY_TTL: SignedDuration = SignedDuration::from_hours(24);
/// How long an appointment is kept after its end (the citizen's dashboard,
/// the agents' planning of past weeks), then deleted by the store.
pub const KEEP_AFTER_END: SignedDuration = SignedDuration::from_hours(400 * 24);

const APPOINTMENT: &str = "APPOINTMENT";
const CLOSURES: &str = "CLOSURES";

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
    #[error(transparent)]
    Store(StoreError),
    #[error("a stored booking item cannot be read: {0}")]
    Corrupt(#[from] serde_json::Error),
    #[error(transparent)]
    Outbox(#[from] OutboxError),
}

impl From<StoreError> for BookingError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::ConditionFailed | StoreError::TransactionConflict => BookingError::Race,
            other => BookingError::Store(other),
        }
    }
}

/// A slot as the store knows it: where, what, when, how many places.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotRef {
    pub agenda: String,
    pub appointment_type: String,
    pub start: Timestamp,
    pub end: Timestamp,
    pub places: u32,
}

/// What a place item holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
enum Place {
    Held { hold: String, until: Timestamp },
    Booked { appointment: String },
}

/// What a hold item holds: the place it keeps.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Hold {
    slot: SlotRef,
    place: u32,
    until: Timestamp,
}

/// Where an appointment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Booked,
    Cancelled,
    Present,
    NoShow,
}

/// Who the appointment is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// One appointment. Its id never changes, even when it moves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appointment {
    pub id: String,
    pub slot: SlotRef,
    /// The place of the slot it holds.
    pub place: u32,
    pub status: Status,
    pub contact: Contact,
    /// The citizen's account, when booked signed in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// The request it belongs to, when the service asks for both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// `online`, or how an agent was reached: `phone`, `counter`, `email`, `post`.
    pub channel: String,
    /// The agent who booked it, for agents' eyes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub booked_by: Option<String>,
    /// The `.ics` SEQUENCE: raised by each change the citizen is told about.
    pub sequence: u32,
    pub created_at: Timestamp,
    /// When the reminder goes, while it has not gone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remind_at: Option<Timestamp>,
    /// The SHA-256 of the live manage link, if there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

impl Appointment {
    /// Whether it still takes a place and can be moved or cancelled.
    pub fn is_active(&self, now: Timestamp) -> bool {
        self.status == Status::Booked && self.slot.start > now
    }
}

/// A stored value and the version it was read at.
#[derive(Debug, Clone)]
pub struct Versioned<T> {
    pub value: T,
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

/// The writes of a change, planned on what was read: the caller adds its
/// own (emails, audit), then [`BookingRepository::commit`]s them.
pub struct Plan {
    pub appointment: Appointment,
    pub ops: Vec<TransactOp>,
}

/// A booker's active appointments of one type.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Booker {
    appointments: Vec<BookerEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct BookerEntry {
    id: String,
    end: Timestamp,
}

/// A closure an agent added, with its id.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredClosure {
    pub id: String,
    pub agenda: String,
    #[serde(flatten)]
    pub closure: Closure,
    pub added_by: String,
    pub added_at: Timestamp,
}

/// Appointments, holds and places in the store.
#[derive(Clone)]
pub struct BookingRepository {
    store: Arc<dyn Store>,
}

/// A sort-key instant: fixed width, so keys sort as time does.
fn instant(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn slot_partition(agenda: &str, start: Timestamp) -> String {
    format!("SLOT#{agenda}#{}", start.strftime("%Y-%m"))
}

fn place_key(slot: &SlotRef, place: u32) -> Key {
    Key::new(slot_partition(&slot.agenda, slot.start), format!("{}#{place:03}", instant(slot.start)))
}

fn hold_key(token: &str) -> Key {
    Key::new(format!("HOLD#{}", tokens::hash(token)), "HOLD")
}

fn appointment_key(id: &str) -> Key {
    Key::new(format!("{APPOINTMENT}#{id}"), APPOINTMENT)
}

fn link_key(hash: &str) -> Key {
    Key::new(format!("APPOINTMENT-LINK#{hash}"), "LINK")
}

fn booker_key(email: &str, appointment_type: &str) -> Key {
    Key::new(format!("BOOKER#{}", tokens::email_key(email)), format!("TYPE#{appointment_type}"))
}

fn idempotency_key(scope: &str, key: &str) -> Key {
    Key::new(format!("IDEMPOTENCY#BOOKING#{scope}#{key}"), "IDEMPOTENCY")
}

fn reminder_index(at: Timestamp, id: &str) -> Key {
    Key::new(format!("REMINDER#{}", at.strftime("%Y-%m-%d")), format!("{}#{id}", instant(at)))
}

/// A new random id for an appointment: 128 bits, hex.
fn new_id() -> String {
    rand::random::<[u8; 16]>().iter().map(|b| format!("{b:02x}")).collect()
}

/// The first day of each UTC month from `from`'s to `until`'s.
fn months(from: Timestamp, until: Timestamp) -> Vec<Timestamp> {
    let mut months = Vec::new();
    let mut day = from.to_zoned_datetime(jiff::tz::TimeZone::UTC).date().first_of_month();
    let last = until.to_zoned_datetime(jiff::tz::TimeZone::UTC).date();
    while day <= last {
        months
            .push(day.to_zoned_datetime(jiff::tz::TimeZone::UTC).expect("a UTC day is in range").timestamp());
        day = day.last_of_month().tomorrow().expect("in range");
    }
    months
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
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    /// The place items of `agenda` whose slot starts in `[from, until]`.
    async fn places(
        &self,
        agenda: &str,
        from: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<Item>, BookingError> {
        let mut items = Vec::new();
        for month in months(from, until) {
            let query = Query::partition(slot_partition(agenda, month))
                .sort(SortKeyCondition::Between(instant(from), format!("{}#~", instant(until))));
            items.extend(query_all(self.store.as_ref(), query).await?);
        }
        Ok(items)
    }

    /// The places taken (booked, or held and not lapsed) per start in
    /// `agenda` over `[from, until]`: what availability subtracts.
    pub async fn booked(
        &self,
        agenda: &str,
        from: Timestamp,
        until: Timestamp,
        now: Timestamp,
        into: &mut Booked,
    ) -> Result<(), BookingError> {
        for item in self.places(agenda, from, until).await? {
            let place: Place = read(&item)?;
            if matches!(place, Place::Held { until, .. } if until <= now) {
                continue;
            }
            let Some((start, _)) = item.key.sk.split_once('#') else { continue };
            let Ok(start) = start.parse::<Timestamp>() else { continue };
            *into.entry((agenda.to_owned(), start)).or_default() += 1;
        }
        Ok(())
    }

    /// The appointments booked in `agenda` over `[from, until]`, in time order.
    pub async fn appointments_between(
        &self,
        agenda: &str,
        from: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<Appointment>, BookingError> {
        let mut appointments = Vec::new();
        for item in self.places(agenda, from, until).await? {
            if let Place::Booked { appointment } = read(&item)?
                && let Some(found) = self.appointment(&appointment).await?
            {
                appointments.push(found.value);
            }
        }
        appointments.sort_by_key(|a| (a.slot.start, a.place));
        Ok(appointments)
    }

    /// A free place of `slot` and the condition to take it: absent, or a
    /// lapsed hold at its version. Picked at random among the free ones,
    /// so concurrent bookers of a slot with several places rarely collide.
    async fn free_place(&self, slot: &SlotRef, now: Timestamp) -> Result<(u32, Condition), BookingError> {
        let mut taken = BTreeMap::new();
        for item in self.places(&slot.agenda, slot.start, slot.start).await? {
            let Some(n) = item.key.sk.rsplit_once('#').and_then(|(_, n)| n.parse::<u32>().ok()) else {
                continue;
            };
            let lapsed = matches!(read::<Place>(&item)?, Place::Held { until, .. } if until <= now);
            taken.insert(n, lapsed.then_some(item.version));
        }
        let free: Vec<(u32, Condition)> = (0..slot.places)
            .filter_map(|n| match taken.get(&n) {
                None => Some((n, Condition::NotExists)),
                Some(Some(version)) => Some((n, Condition::Version(*version))),
                Some(None) => None,
            })
            .collect();
        if free.is_empty() {
            return Err(BookingError::SlotTaken);
        }
        Ok(free[rand::random_range(0..free.len())])
    }

    /// Holds one place of `slot` until `now` + [`HOLD_TTL`]; returns the
    /// hold's secret and its end. A lost race is [`BookingError::Race`]:
    /// try again, and a full slot then says [`BookingError::SlotTaken`].
    pub async fn hold(&self, slot: &SlotRef, now: Timestamp) -> Result<(String, Timestamp), BookingError> {
        let (place, condition) = self.free_place(slot, now).await?;
        let token = tokens::random_token();
        let until = now + HOLD_TTL;
        let mut place_item =
            put(place_key(slot, place), &Place::Held { hold: tokens::hash(&token), until }, 1)?;
        place_item.version = match condition {
            Condition::Version(v) => v + 1,
            _ => 1,
        };
        place_item.expires_at = Some(until.as_second());
        let mut hold = put(hold_key(&token), &Hold { slot: slot.clone(), place, until }, 1)?;
        hold.expires_at = Some(until.as_second());
        self.commit(vec![
            TransactOp::Put { item: place_item, condition },
            TransactOp::Put { item: hold, condition: Condition::NotExists },
        ])
        .await?;
        Ok((token, until))
    }

    /// The slot a live hold keeps.
    pub async fn held_slot(&self, token: &str) -> Result<Option<SlotRef>, BookingError> {
        Ok(self.live_hold(token).await?.map(|(hold, _, _)| hold.slot))
    }

    /// The hold and its place item (at their versions), while the place is
    /// still the hold's: a lapsed hold whose place nobody took still counts.
    async fn live_hold(&self, token: &str) -> Result<Option<(Hold, u64, Item)>, BookingError> {
        let Some(hold_item) = self.store.get(&hold_key(token)).await? else { return Ok(None) };
        let hold: Hold = read(&hold_item)?;
        let Some(place) = self.store.get(&place_key(&hold.slot, hold.place)).await? else { return Ok(None) };
        match read::<Place>(&place)? {
            Place::Held { hold: owner, .. } if owner == tokens::hash(token) => {
                Ok(Some((hold, hold_item.version, place)))
            }
            _ => Ok(None),
        }
    }

    /// The writes that give `appointment_id` a place: the hold's, or a free one.
    async fn take_place(
        &self,
        claim: Claim<'_>,
        appointment_id: &str,
        now: Timestamp,
    ) -> Result<(SlotRef, u32, Vec<TransactOp>), BookingError> {
        let booked = Place::Booked { appointment: appointment_id.to_owned() };
        match claim {
            Claim::Hold(token) => {
                let (hold, hold_version, place) =
                    self.live_hold(token).await?.ok_or(BookingError::HoldExpired)?;
                let item = put(place.key.clone(), &booked, place.version + 1)?;
                Ok((
                    hold.slot,
                    hold.place,
                    vec![
                        TransactOp::Put { item, condition: Condition::Version(place.version) },
                        TransactOp::Delete {
                            key: hold_key(token),
                            condition: Condition::Version(hold_version),
                        },
                    ],
                ))
            }
            Claim::Free(slot) => {
                let (place, condition) = self.free_place(slot, now).await?;
                let version = match condition {
                    Condition::Version(v) => v + 1,
                    _ => 1,
                };
                let item = put(place_key(slot, place), &booked, version)?;
                Ok((slot.clone(), place, vec![TransactOp::Put { item, condition }]))
            }
        }
    }

    /// The write of a booker's list of `appointment_type` after removing
    /// `remove` and adding `add`, with the lapsed entries pruned; `limit`
    /// refuses an addition past it ([`BookingError::LimitReached`]).
    async fn booker_op(
        &self,
        email: &str,
        appointment_type: &str,
        remove: Option<&str>,
        add: Option<(&str, Timestamp)>,
        limit: Option<u32>,
        now: Timestamp,
    ) -> Result<TransactOp, BookingError> {
        let key = booker_key(email, appointment_type);
        let (mut booker, condition, version) = match self.store.get(&key).await? {
            Some(item) => (read::<Booker>(&item)?, Condition::Version(item.version), item.version + 1),
            None => (Booker::default(), Condition::NotExists, 1),
        };
        booker.appointments.retain(|e| e.end > now && Some(e.id.as_str()) != remove);
        if let Some((id, end)) = add {
            if limit.is_some_and(|limit| booker.appointments.len() as u32 >= limit) {
                return Err(BookingError::LimitReached);
            }
            booker.appointments.push(BookerEntry { id: id.to_owned(), end });
        }
        Ok(TransactOp::Put { item: put(key, &booker, version)?, condition })
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
        appointment.id = new_id();
        let (slot, place, mut ops) = self.take_place(claim, &appointment.id, now).await?;
        appointment.remind_at = remind_at(&slot, remind_before(&slot), now);
        appointment.slot = slot;
        appointment.place = place;
        appointment.link = link.map(tokens::hash);
        if let Some(email) = &appointment.contact.email {
            let entry = (appointment.id.as_str(), appointment.slot.end);
            ops.push(
                self.booker_op(email, &appointment.slot.appointment_type, None, Some(entry), limit, now)
                    .await?,
            );
        }
        ops.push(self.appointment_op(&appointment, None)?);
        if let Some(hash) = &appointment.link {
            ops.push(link_op(hash, &appointment.id)?);
        }
        Ok(Plan { appointment, ops })
    }

    /// Plans the move of an appointment to another place, keeping its id:
    /// the old place freed, the new one taken, the booker's list updated,
    /// the manage link replaced by `new_link` when given (revoking the old).
    pub async fn plan_move(
        &self,
        current: &Versioned<Appointment>,
        claim: Claim<'_>,
        new_link: Option<&str>,
        remind_before: Option<SignedDuration>,
        now: Timestamp,
    ) -> Result<Plan, BookingError> {
        let mut appointment = current.value.clone();
        let (slot, place, mut ops) = self.take_place(claim, &appointment.id, now).await?;
        ops.push(TransactOp::Delete {
            key: place_key(&appointment.slot, appointment.place),
            condition: Condition::Exists,
        });
        appointment.slot = slot;
        appointment.place = place;
        appointment.sequence += 1;
        appointment.remind_at = remind_at(&appointment.slot, remind_before, now);
        if let Some(email) = &appointment.contact.email {
            let entry = (appointment.id.as_str(), appointment.slot.end);
            ops.push(
                self.booker_op(
                    email,
                    &appointment.slot.appointment_type,
                    Some(&appointment.id),
                    Some(entry),
                    None,
                    now,
                )
                .await?,
            );
        }
        if let Some(new_link) = new_link {
            if let Some(old) = &appointment.link {
                ops.push(TransactOp::Delete { key: link_key(old), condition: Condition::Exists });
            }
            let hash = tokens::hash(new_link);
            ops.push(link_op(&hash, &appointment.id)?);
            appointment.link = Some(hash);
        }
        ops.push(self.appointment_op(&appointment, Some(current.version))?);
        Ok(Plan { appointment, ops })
    }

    /// Plans a cancellation: the place freed, the link revoked, the
    /// booker's list updated, the appointment kept as cancelled.
    pub async fn plan_cancel(
        &self,
        current: &Versioned<Appointment>,
        now: Timestamp,
    ) -> Result<Plan, BookingError> {
        let mut appointment = current.value.clone();
        let mut ops = vec![TransactOp::Delete {
            key: place_key(&appointment.slot, appointment.place),
            condition: Condition::Exists,
        }];
        if let Some(old) = appointment.link.take() {
            ops.push(TransactOp::Delete { key: link_key(&old), condition: Condition::Exists });
        }
        if let Some(email) = &appointment.contact.email {
            ops.push(
                self.booker_op(
                    email,
                    &appointment.slot.appointment_type,
                    Some(&appointment.id),
                    None,
                    None,
                    now,
                )
                .await?,
            );
        }
        appointment.status = Status::Cancelled;
        appointment.sequence += 1;
        appointment.remind_at = None;
        ops.push(self.appointment_op(&appointment, Some(current.version))?);
        Ok(Plan { appointment, ops })
    }

    /// Plans a change of status that keeps the place (present, no-show) or
    /// the reminder's departure (`remind_at` cleared).
    pub fn plan_update(
        &self,
        current: &Versioned<Appointment>,
        appointment: Appointment,
    ) -> Result<Plan, BookingError> {
        let ops = vec![self.appointment_op(&appointment, Some(current.version))?];
        Ok(Plan { appointment, ops })
    }

    /// Applies a plan's writes (with the caller's), all or nothing.
    pub async fn commit(&self, ops: Vec<TransactOp>) -> Result<(), BookingError> {
        Ok(self.store.transact(ops).await?)
    }

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

    /// The closures agents added, to every agenda: one partition, read
    /// whole with the agendas (closures are few, and old ones expire).
    pub async fn closures(&self) -> Result<Vec<StoredClosure>, BookingError> {
        query_all(self.store.as_ref(), Query::partition(CLOSURES)).await?.iter().map(read).collect()
    }

    /// The write of a closure added to its agenda, kept a year after its last day.
    pub fn closure_op(&self, closure: &StoredClosure) -> Result<TransactOp, BookingError> {
        let key = Key::new(CLOSURES, format!("{}#{}#{}", closure.agenda, closure.closure.from, closure.id));
        let mut item = put(key, closure, 1)?;
        let last = closure.closure.until.unwrap_or(closure.closure.from);
        item.expires_at = last
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .ok()
            .map(|day| (day.timestamp() + KEEP_AFTER_END).as_second());
        Ok(TransactOp::Put { item, condition: Condition::NotExists })
    }

    /// The ids of the appointments whose reminder is due at `now`: those
    /// indexed under yesterday's and today's UTC days up to now.
    pub async fn due_reminders(&self, now: Timestamp) -> Result<Vec<String>, BookingError> {
        let mut ids = Vec::new();
        for day in [now - SignedDuration::from_hours(24), now] {
            let partition = reminder_index(day, "").pk;
            let query =
                Query::secondary(partition).sort(SortKeyCondition::UpTo(format!("{}#~", instant(now))));
            for item in query_all(self.store.as_ref(), query).await? {
                ids.push(read::<Appointment>(&item)?.id);
            }
        }
        ids.dedup();
        Ok(ids)
    }
}

/// What a link or an idempotency record points to.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Link {
    appointment: String,
}

fn link_op(hash: &str, appointment: &str) -> Result<TransactOp, BookingError> {
    let item = put(link_key(hash), &Link { appointment: appointment.to_owned() }, 1)?;
    Ok(TransactOp::Put { item, condition: Condition::NotExists })
}

/// When the reminder of `slot` goes: `before` its start, if that is still
/// ahead of `now` (an appointment booked the day before gets none).
pub fn remind_at(slot: &SlotRef, before: Option<SignedDuration>, now: Timestamp) -> Option<Timestamp> {
    let at = slot.start - before?;
    (at > now).then_some(at)
}

#[cfg(test)]
mod tests;
