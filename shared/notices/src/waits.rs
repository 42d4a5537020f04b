//! How long citizens wait for an appointment, kept day by day for the
//! indicators: once a day, for each agenda and each type it offers, the
//! days from today to the first free slot (booking's own availability: the
//! opening hours, the closures, the notice and the places taken), or none
//! within [`LOOK_AHEAD_DAYS`]. Run by the notifier's schedule on AWS and the
//! all-in-one portal's housekeeping; a day's figure is written once
//! (`gru_records::indicators::first_free`), so the runs after the first
//! change nothing.

use gru_ports::StoreError;
use gru_records::agendas::{self, AgendasError};
use gru_records::booking::{BookingError, BookingRepository};
use gru_records::catalogue::{CatalogueError, CatalogueRepository};
use gru_web::Platform;

/// How far ahead the first free slot is looked for, in days.
pub const LOOK_AHEAD_DAYS: i32 = 90;

/// What recording the waits can fail on.
#[derive(Debug, thiserror::Error)]
pub enum WaitsError {
    #[error(transparent)]
    Agendas(#[from] AgendasError),
    #[error(transparent)]
    Booking(#[from] BookingError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Records today's first free slot of each agenda and type not recorded
/// yet today; returns how many it recorded.
pub async fn record(platform: &Platform) -> Result<usize, WaitsError> {
    let booking = BookingRepository::new(platform.store.clone());
    let city = match agendas::load(&CatalogueRepository::new(platform.store.clone()), &booking).await {
        Ok(city) => city,
        // No catalogue yet (a city being set up): no agenda to wait for.
        Err(AgendasError::Catalogue(CatalogueError::NotImported)) => return Ok(0),
        Err(error) => return Err(error.into()),
    };
    let now = platform.clock.now();
    let today = city.today(now);
    let until = today.saturating_add(jiff::Span::new().days(LOOK_AHEAD_DAYS - 1));
    let mut recorded = 0;
    for agenda in &city.agendas {
        for kind in &agenda.appointment_types {
            let slots = city.free_slots(&booking, &[agenda], &kind.id, (today, until), now).await?;
            let first = slots.iter().map(|slot| slot.local_start.date()).min();
            let days = first.map(|day| (day - today).get_days());
            let writes = gru_records::indicators::first_free(today, &agenda.id, &kind.id, days);
            match platform.store.transact(writes).await {
                Ok(()) => recorded += 1,
                // Recorded by an earlier run today.
                Err(StoreError::ConditionFailed) => {}
                Err(error) => return Err(error.into()),
            }
        }
    }
    Ok(recorded)
}
