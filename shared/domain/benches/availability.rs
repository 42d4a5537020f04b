//! Time to compute 60 days of availability across three agendas offering
//! the same appointment type (`cargo bench -p gru-domain --bench
//! availability`); `cargo test` runs it once, quickly, as a smoke test.

use gru_domain::agenda::{Agenda, Booked, Busy, Window, availability};
use jiff::{SignedDuration, Timestamp};
use std::time::Instant;

/// One town hall's desk: mornings on weekdays, two afternoons, 20-minute
/// appointments with a 10-minute buffer, two agents at once.
fn agenda(id: &str, opens: &str) -> Agenda {
    toml::from_str(&format!(
        r#"
        id = "{id}"
        title = "{id}"
        place = "{id}"
        services = ["passeport-carte-identite"]
        [[appointment_types]]
        id = "titre-identite"
        title = "Passeport ou carte d'identité"
        duration_minutes = 20
        buffer_minutes = 10
        places = 2
        [[opening]]
        days = ["monday", "tuesday", "wednesday", "thursday", "friday"]
        from = "{opens}"
        to = "12:30"
        [[opening]]
        days = ["tuesday", "thursday"]
        from = "13:30"
        to = "18:00"
        [[closures]]
        from = "2027-08-09"
        until = "2027-08-20"
        reason = "Fermeture estivale"
        "#
    ))
    .expect("a valid agenda")
}

fn main() {
    let measuring = std::env::args().any(|a| a == "--bench");
    let rounds = if measuring { 1_000 } else { 3 };
    let agendas = [agenda("centre", "08:30"), agenda("nord", "09:00"), agenda("sud", "08:45")];
    let refs: Vec<&Agenda> = agendas.iter().collect();
    let zone = jiff::tz::TimeZone::get("Europe/Paris").unwrap();
    let now: Timestamp = "2027-03-01T08:00:00Z".parse().unwrap();
    let today = now.to_zoned_datetime(zone.clone()).date();
    let window = Window { zone, now, from: today, until: today.saturating_add(jiff::Span::new().days(59)) };
    // A third of the slots half booked, as a busy desk would be.
    let mut booked = Booked::new();
    for slot in availability(&refs, "titre-identite", &window, &Booked::new()).iter().step_by(3) {
        let busy =
            Busy { start: slot.start, until: slot.end, appointment_type: slot.appointment_type.clone() };
        booked.entry(slot.agenda.clone()).or_default().push(busy);
    }
    let mut times = Vec::with_capacity(rounds);
    let mut slots = 0;
    for _ in 0..rounds {
        let started = Instant::now();
        slots = availability(&refs, "titre-identite", &window, &booked).len();
        times.push(started.elapsed());
    }
    times.sort();
    let median = times[times.len() / 2];
    let p99 = times[times.len() * 99 / 100];
    assert!(slots > 1_000, "{slots} slots");
    println!("| agendas | days | slots | median | p99 |");
    println!("|---|---|---|---|---|");
    println!(
        "| 3 | 60 | {slots} | {:.2} ms | {:.2} ms |",
        SignedDuration::try_from(median).unwrap().as_secs_f64() * 1e3,
        SignedDuration::try_from(p99).unwrap().as_secs_f64() * 1e3
    );
}
