//! The repository on the embedded store: places, holds, limits, moves,
//! reminders. The races through the HTTP API, on both adapters, are in
//! tests/tests/booking.rs.

use super::*;
use gru_domain::appointment::{Canceller, Contact};
use gru_embedded::SqliteStore;
use std::sync::Arc;

const NOW: &str = "2027-03-22T08:00:00Z";

fn repository() -> (BookingRepository, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let store = SqliteStore::open(&dir.path().join("store.sqlite")).expect("the store opens");
    (BookingRepository::new(Arc::new(store)), dir)
}

fn now() -> Timestamp {
    NOW.parse().expect("a timestamp")
}

fn slot(places: u32) -> SlotRef {
    let start: Timestamp = "2027-03-24T09:00:00Z".parse().expect("a timestamp");
    SlotRef {
        agenda: "mairie".to_owned(),
        appointment_type: "titre".to_owned(),
        start,
        end: start + SignedDuration::from_mins(20),
        until: start + SignedDuration::from_mins(30),
        day: start.to_zoned_datetime(jiff::tz::TimeZone::UTC).date(),
        places,
        capacity: places,
    }
}

fn appointment(email: Option<&str>) -> Appointment {
    Appointment {
        id: String::new(),
        slot: slot(1),
        status: Status::Booked,
        contact: Contact { name: "Camille Martin".to_owned(), email: email.map(str::to_owned), phone: None },
        account: None,
        reference: None,
        channel: "online".to_owned(),
        booked_by: None,
        sequence: 0,
        created_at: now(),
        remind_at: None,
        link: None,
        answers: Default::default(),
        cancelled_by: None,
    }
}

/// Books `slot` for `email`, as the API does: plan, commit, and read
/// again after a lost race.
async fn book(
    repository: &BookingRepository,
    claim: Claim<'_>,
    email: Option<&str>,
    limit: Option<u32>,
) -> Result<Appointment, BookingError> {
    loop {
        let plan = repository.plan_booking(claim, appointment(email), limit, None, |_| None, now()).await?;
        match repository.commit(plan.ops).await {
            Ok(()) => return Ok(plan.appointment),
            Err(BookingError::Race) => continue,
            Err(other) => return Err(other),
        }
    }
}

/// The appointments and live holds starting when `slot` starts.
async fn taken(repository: &BookingRepository, slot: &SlotRef, at: Timestamp) -> u32 {
    let mut booked = Booked::new();
    repository.booked(&slot.agenda, (slot.day, slot.day), at, &mut booked).await.expect("ledger read");
    booked[&slot.agenda].iter().filter(|b| b.start == slot.start).count() as u32
}

async fn race(places: u32, racers: usize) -> (usize, usize) {
    let (repository, _dir) = repository();
    let slot = slot(places);
    let tasks: Vec<_> = (0..racers)
        .map(|_| {
            let (repository, slot) = (repository.clone(), slot.clone());
            tokio::spawn(async move { book(&repository, Claim::Free(&slot), None, None).await })
        })
        .collect();
    let (mut booked, mut full) = (0, 0);
    for task in tasks {
        match task.await.expect("the task ends") {
            Ok(_) => booked += 1,
            Err(BookingError::SlotTaken) => full += 1,
            Err(other) => panic!("unexpected: {other}"),
        }
    }
    assert_eq!(taken(&repository, &slot, now()).await as usize, booked);
    (booked, full)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_bookers_of_one_place_leave_one_appointment() {
    assert_eq!(race(1, 50).await, (1, 49));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_bookers_of_three_places_leave_three_appointments() {
    assert_eq!(race(3, 50).await, (3, 47));
}

#[tokio::test]
async fn two_types_cannot_overlap_on_one_desk() {
    let (repository, _dir) = repository();
    let mut marriage = slot(1);
    marriage.appointment_type = "mariage".to_owned();
    marriage.until = marriage.start + SignedDuration::from_mins(60);
    book(&repository, Claim::Free(&marriage), None, None).await.expect("booked");
    let mut pacs = slot(1);
    pacs.start += SignedDuration::from_mins(30);
    pacs.end += SignedDuration::from_mins(30);
    pacs.until += SignedDuration::from_mins(30);
    let overlapping = book(&repository, Claim::Free(&pacs), None, None).await;
    assert!(matches!(overlapping, Err(BookingError::SlotTaken)));
    // Back to back is no overlap.
    pacs.start = marriage.until;
    pacs.end = pacs.start + SignedDuration::from_mins(20);
    pacs.until = pacs.end;
    book(&repository, Claim::Free(&pacs), None, None).await.expect("right after");
}

#[tokio::test]
async fn a_hold_keeps_its_place_until_it_lapses() {
    let (repository, _dir) = repository();
    let slot = slot(1);
    let (token, until) =
        repository.hold(&slot, BookingRepository::closures_unchanged(None), now()).await.expect("held");
    assert_eq!(until, now() + HOLD_TTL);
    assert!(matches!(
        repository.hold(&slot, BookingRepository::closures_unchanged(None), now()).await,
        Err(BookingError::SlotTaken)
    ));
    // Lapsed, the place is free for someone else, and the hold is dead.
    let later = until + SignedDuration::from_secs(1);
    assert_eq!(taken(&repository, &slot, later).await, 0);
    repository
        .hold(&slot, BookingRepository::closures_unchanged(None), later)
        .await
        .expect("the lapsed place is held again");
    let confirmed =
        repository.plan_booking(Claim::Hold(&token), appointment(None), None, None, |_| None, later).await;
    assert!(matches!(confirmed, Err(BookingError::HoldExpired)));
}

#[tokio::test]
async fn a_lapsed_hold_nobody_took_still_confirms() {
    let (repository, _dir) = repository();
    let slot = slot(1);
    let (token, until) =
        repository.hold(&slot, BookingRepository::closures_unchanged(None), now()).await.expect("held");
    let plan = repository
        .plan_booking(
            Claim::Hold(&token),
            appointment(None),
            None,
            None,
            |_| None,
            until + SignedDuration::from_mins(1),
        )
        .await
        .expect("planned");
    repository.commit(plan.ops).await.expect("booked");
    assert_eq!(repository.held_slot(&token).await.expect("read"), None);
}

#[tokio::test]
async fn the_limit_per_booker_counts_active_appointments() {
    let (repository, _dir) = repository();
    let email = Some("camille@exemple.fr");
    let first = book(&repository, Claim::Free(&slot(5)), email, Some(1)).await.expect("first");
    let second = book(&repository, Claim::Free(&slot(5)), email, Some(1)).await;
    assert!(matches!(second, Err(BookingError::LimitReached)));
    let current = repository.appointment(&first.id).await.expect("read").expect("found");
    let cancel = repository.plan_cancel(&current, now(), Canceller::Citizen).await.expect("planned");
    repository.commit(cancel.ops).await.expect("cancelled");
    book(&repository, Claim::Free(&slot(5)), email, Some(1)).await.expect("allowed again");
    // The dashboard still lists the cancelled one.
    let listed = repository.of_booker("Camille@Exemple.fr").await.expect("listed");
    let statuses: Vec<Status> = listed.iter().map(|a| a.status).collect();
    assert_eq!(statuses, [Status::Cancelled, Status::Booked]);
}

#[tokio::test]
async fn a_move_keeps_the_id_and_frees_the_old_place() {
    let (repository, _dir) = repository();
    let first = book(&repository, Claim::Free(&slot(1)), None, None).await.expect("booked");
    let mut later = slot(1);
    later.start += SignedDuration::from_hours(1);
    later.end += SignedDuration::from_hours(1);
    let current = repository.appointment(&first.id).await.expect("read").expect("found");
    let plan = repository.plan_move(&current, Claim::Free(&later), None, None, now()).await.expect("planned");
    repository.commit(plan.ops).await.expect("moved");
    let moved = repository.appointment(&first.id).await.expect("read").expect("found").value;
    assert_eq!((moved.slot.start, moved.sequence), (later.start, 1));
    assert_eq!(taken(&repository, &slot(1), now()).await, 0);
    assert_eq!(taken(&repository, &later, now()).await, 1);
    // A move planned on the version read before fails whole.
    let mut other = later.clone();
    other.start += SignedDuration::from_hours(1);
    other.end += SignedDuration::from_hours(1);
    let stale =
        repository.plan_move(&current, Claim::Free(&other), None, None, now()).await.expect("planned");
    assert!(matches!(repository.commit(stale.ops).await, Err(BookingError::Race)));
    assert_eq!(taken(&repository, &other, now()).await, 0);
}

#[tokio::test]
async fn a_reminder_is_due_once_its_time_has_come() {
    let (repository, _dir) = repository();
    let day = SignedDuration::from_hours(24);
    let plan = repository
        .plan_booking(Claim::Free(&slot(1)), appointment(None), None, None, |_| Some(day), now())
        .await
        .expect("planned");
    repository.commit(plan.ops).await.expect("booked");
    let remind_at = slot(1).start - day;
    assert_eq!(plan.appointment.remind_at, Some(remind_at));
    assert!(
        repository.due_reminders(remind_at - SignedDuration::from_secs(1)).await.expect("read").is_empty()
    );
    assert_eq!(repository.due_reminders(remind_at).await.expect("read"), vec![plan.appointment.id.clone()]);
    let current = repository.appointment(&plan.appointment.id).await.expect("read").expect("found");
    let mut reminded = current.value.clone();
    reminded.remind_at = None;
    repository
        .commit(repository.plan_update(&current, reminded).expect("planned").ops)
        .await
        .expect("written");
    assert!(repository.due_reminders(remind_at).await.expect("read").is_empty());
}

#[tokio::test]
async fn a_hold_decided_before_a_closure_and_written_after_it_fails() {
    let (repository, _dir) = repository();
    let (added, version) = repository.closures().await.expect("read");
    let closure = StoredClosure {
        id: "c1".to_owned(),
        agenda: "mairie".to_owned(),
        closure: Closure { from: slot(1).day, until: None, every_year: false, reason: "Grève".to_owned() },
        added_by: "Agent".to_owned(),
        added_at: now(),
    };
    repository
        .commit(vec![repository.closure_op(added, version, closure).expect("planned")])
        .await
        .expect("closed");
    let stale = repository.hold(&slot(1), BookingRepository::closures_unchanged(version), now()).await;
    assert!(matches!(stale, Err(BookingError::Race)));
    let (closures, fresh) = repository.closures().await.expect("read");
    assert_eq!(closures.len(), 1);
    repository.hold(&slot(1), BookingRepository::closures_unchanged(fresh), now()).await.expect("held");
}
