//! The city's agendas as booking reads them: the catalogue's (imported from
//! the city files) with the closures agents added, the city's time zone, and
//! the free slots that follow from them and the places taken.

use crate::booking::{BookingError, BookingRepository};
use crate::catalogue::{CatalogueError, CatalogueRepository};
use gru_domain::agenda::{Agenda, AppointmentType, Booked, Slot, Window, availability};
use gru_domain::appointment::SlotRef;
use gru_ports::TransactOp;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

/// What reading the agendas can fail on.
#[derive(Debug, thiserror::Error)]
pub enum AgendasError {
    #[error(transparent)]
    Catalogue(#[from] CatalogueError),
    #[error(transparent)]
    Booking(#[from] BookingError),
}

/// Every agenda of the city, with its added closures, the city's zone and
/// its contact address (the organiser of calendar events).
pub struct CityAgendas {
    pub zone: TimeZone,
    pub agendas: Vec<Agenda>,
    pub organizer: String,
    /// The version of the agents' closures read (see
    /// [`BookingRepository::closures`]); a booking checks it.
    pub closures_version: Option<u64>,
}

/// Reads [`CityAgendas`]: one get and two queries.
pub async fn load(
    catalogue: &CatalogueRepository,
    booking: &BookingRepository,
) -> Result<CityAgendas, AgendasError> {
    let city = catalogue.imported_city().await?;
    let zone = city.timezone.zone().clone();
    // A calendar invitation needs an organiser: the city's address, or a
    // no-reply one when the city gives none.
    let organizer = Some(city.contact.email)
        .filter(|e| !e.trim().is_empty())
        .unwrap_or_else(|| "ne-pas-repondre@portail.invalid".to_owned());
    let mut agendas = catalogue.agendas().await?;
    let (added, closures_version) = booking.closures().await?;
    for added in added {
        if let Some(agenda) = agendas.iter_mut().find(|a| a.id == added.agenda) {
            agenda.closures.push(added.closure);
        }
    }
    Ok(CityAgendas { zone, agendas, organizer, closures_version })
}

/// Whether the notice and horizon apply, or an agent lifts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    Respected,
    /// An agent books inside the notice or past the horizon (audited).
    Overridden,
}

impl CityAgendas {
    pub fn agenda(&self, id: &str) -> Option<&Agenda> {
        self.agendas.iter().find(|a| a.id == id)
    }

    /// The agendas offering `appointment_type`.
    pub fn offering(&self, appointment_type: &str) -> Vec<&Agenda> {
        self.agendas.iter().filter(|a| a.appointment_type(appointment_type).is_some()).collect()
    }

    /// The type `id` as the first agenda offering it describes it.
    pub fn appointment_type(&self, id: &str) -> Option<&AppointmentType> {
        self.agendas.iter().find_map(|a| a.appointment_type(id))
    }

    /// The check, for a booking's transaction, that these agendas' closures
    /// are still all there is.
    pub fn unchanged(&self) -> TransactOp {
        BookingRepository::closures_unchanged(self.closures_version)
    }

    /// `at` on the city's clock.
    pub fn local(&self, at: Timestamp) -> DateTime {
        at.to_zoned_datetime(self.zone.clone()).datetime()
    }

    /// The city's day of `at` (today, for now).
    pub fn today(&self, at: Timestamp) -> Date {
        self.local(at).date()
    }

    /// The free slots of `appointment_type` in `agendas` on the days
    /// `[from, until]`, after the places taken in the store.
    pub async fn free_slots(
        &self,
        booking: &BookingRepository,
        agendas: &[&Agenda],
        appointment_type: &str,
        (from, until): (Date, Date),
        now: Timestamp,
    ) -> Result<Vec<Slot>, BookingError> {
        let window = Window { zone: self.zone.clone(), now, from, until };
        let mut booked = Booked::new();
        for agenda in agendas {
            booking.booked(&agenda.id, (from, until), now, &mut booked).await?;
        }
        Ok(availability(agendas, appointment_type, &window, &booked))
    }

    /// The slot `start` of `appointment_type` in `agenda`, if the agenda
    /// offers it (open, not closed, within the notice and horizon unless
    /// lifted), whether or not places are left: the store decides that.
    pub fn slot(
        &self,
        agenda: &Agenda,
        appointment_type: &str,
        start: Timestamp,
        now: Timestamp,
        notice: Notice,
    ) -> Option<SlotRef> {
        let kind = agenda.appointment_type(appointment_type)?;
        let mut agenda = agenda.clone();
        if notice == Notice::Overridden {
            agenda.min_notice_hours = 0;
            agenda.horizon_days = agenda.horizon_days.max(730);
        }
        let day = self.today(start);
        let window = Window { zone: self.zone.clone(), now, from: day, until: day };
        availability(&[&agenda], appointment_type, &window, &Booked::new())
            .into_iter()
            .find(|slot| slot.start == start)
            .map(|slot| SlotRef {
                agenda: agenda.id.clone(),
                appointment_type: kind.id.clone(),
                start: slot.start,
                end: slot.end,
                until: slot.end + SignedDuration::from_mins(i64::from(kind.buffer_minutes)),
                day,
                places: kind.places,
                capacity: agenda.capacity(),
            })
    }
}
