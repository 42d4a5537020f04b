use super::*;

/// A town hall's identity-documents desk, as a city file writes it.
const TOWN_HALL: &str = r#"
id = "mairie-centre-titres"
title = "Mairie centrale — passeports et cartes d'identité"
place = "mairie-centre"
services = ["passeport-carte-identite"]

[[appointment_types]]
id = "titre-identite"
title = "Dépôt d'une demande de passeport ou de carte d'identité"
duration_minutes = 20
buffer_minutes = 10

[[opening]]
days = ["monday", "tuesday", "wednesday", "thursday", "friday"]
from = "09:00"
to = "12:00"

[[opening]]
days = ["wednesday"]
from = "14:00"
to = "17:00"
valid_from = "2027-09-01"

[[closures]]
from = "2027-08-09"
until = "2027-08-13"
reason = "Fermeture estivale"

[[closures]]
from = "2026-12-24"
every_year = true
reason = "Veille de Noël"
"#;

fn town_hall() -> Agenda {
    toml::from_str(TOWN_HALL).expect("the agenda parses")
}

fn paris() -> TimeZone {
    TimeZone::get("Europe/Paris").unwrap()
}

fn at(local: &str) -> Timestamp {
    local.parse::<DateTime>().unwrap().to_zoned_datetime(paris()).unwrap().timestamp()
}

fn window(now: &str, from: &str, until: &str) -> Window {
    Window { zone: paris(), now: at(now), from: from.parse().unwrap(), until: until.parse().unwrap() }
}

fn slots_of(agenda: &Agenda, window: &Window) -> Vec<Slot> {
    availability(&[agenda], "titre-identite", window, &Booked::new())
}

/// The local start times of the slots of one day.
fn day(slots: &[Slot], date: &str) -> Vec<String> {
    let date: Date = date.parse().unwrap();
    slots
        .iter()
        .filter(|s| s.local_start.date() == date)
        .map(|s| s.local_start.time().strftime("%H:%M").to_string())
        .collect()
}

const MORNING: [&str; 6] = ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"];

#[test]
fn a_week_across_the_spring_change_keeps_the_wall_clock_hours() {
    // Clocks go forward on Sunday 28 March 2027; Monday 29 is Easter Monday.
    let slots = slots_of(&town_hall(), &window("2027-03-20T12:00", "2027-03-22", "2027-04-02"));
    for date in ["2027-03-22", "2027-03-26", "2027-03-30", "2027-04-02"] {
        assert_eq!(day(&slots, date), MORNING, "{date}");
    }
    assert!(day(&slots, "2027-03-29").is_empty(), "Easter Monday");
    assert!(day(&slots, "2027-03-27").is_empty() && day(&slots, "2027-03-28").is_empty(), "weekend");
    // 09:00 is 08:00 UTC before the change and 07:00 UTC after it.
    let first =
        |date: &str| slots.iter().find(|s| s.local_start.date() == date.parse().unwrap()).unwrap().start;
    assert_eq!(first("2027-03-26"), "2027-03-26T08:00:00Z".parse().unwrap());
    assert_eq!(first("2027-03-30"), "2027-03-30T07:00:00Z".parse().unwrap());
    assert!(slots.iter().all(|s| s.end.duration_since(s.start) == SignedDuration::from_mins(20)));
}

#[test]
fn ascension_2027_is_closed() {
    let slots = slots_of(&town_hall(), &window("2027-04-20T12:00", "2027-05-05", "2027-05-07"));
    assert_eq!(day(&slots, "2027-05-05"), MORNING);
    assert!(day(&slots, "2027-05-06").is_empty(), "Ascension, Thursday 6 May 2027");
    assert_eq!(day(&slots, "2027-05-07"), MORNING);
}

#[test]
fn closures_once_and_every_year() {
    let mut agenda = town_hall();
    agenda.horizon_days = 365;
    let slots = slots_of(&agenda, &window("2027-07-01T12:00", "2027-08-06", "2027-12-31"));
    assert_eq!(day(&slots, "2027-08-06"), MORNING);
    for closed in ["2027-08-09", "2027-08-11", "2027-08-13"] {
        assert!(day(&slots, closed).is_empty(), "{closed}");
    }
    assert_eq!(day(&slots, "2027-08-16"), MORNING);
    assert!(day(&slots, "2027-12-24").is_empty(), "every year, from a 2026 example");
    assert_eq!(agenda.is_closed("2027-12-24".parse().unwrap()).as_deref(), Some("Veille de Noël"));
    assert_eq!(agenda.is_closed("2027-11-11".parse().unwrap()).as_deref(), Some("Jour férié"));
}

#[test]
fn a_yearly_closure_may_run_over_new_year() {
    let closure = Closure {
        from: "2026-12-30".parse().unwrap(),
        until: Some("2027-01-02".parse().unwrap()),
        every_year: true,
        reason: "Inventaire".into(),
    };
    for (date, closed) in
        [("2030-12-29", false), ("2030-12-31", true), ("2031-01-02", true), ("2031-01-03", false)]
    {
        assert_eq!(closure.covers(date.parse().unwrap()), closed, "{date}");
    }
}

#[test]
fn opening_rules_follow_their_validity_period() {
    let slots = slots_of(&town_hall(), &window("2027-08-20T12:00", "2027-08-25", "2027-09-08"));
    assert_eq!(day(&slots, "2027-08-25"), MORNING, "no afternoon before September");
    let september = day(&slots, "2027-09-01");
    assert_eq!(september.len(), 12, "{september:?}");
    assert_eq!(september[6], "14:00");
}

#[test]
fn nothing_inside_the_minimum_notice() {
    // Monday 10:10: the first slot is Tuesday 10:30, 24 hours later at least.
    let slots = slots_of(&town_hall(), &window("2027-04-05T10:10", "2027-04-05", "2027-04-07"));
    assert!(day(&slots, "2027-04-05").is_empty());
    assert_eq!(day(&slots, "2027-04-06"), ["10:30", "11:00", "11:30"]);
}

#[test]
fn nothing_past_the_horizon() {
    let slots = slots_of(&town_hall(), &window("2027-04-05T10:00", "2027-04-05", "2027-12-31"));
    let last = slots.last().unwrap().local_start.date();
    assert_eq!(last, "2027-06-04".parse().unwrap(), "60 days after 5 April");
}

#[test]
fn the_hour_skipped_has_no_slot_and_the_hour_repeated_has_one() {
    let mut agenda = town_hall();
    agenda.min_notice_hours = 0;
    agenda.appointment_types[0].buffer_minutes = 0;
    agenda.appointment_types[0].duration_minutes = 30;
    agenda.opening = vec![OpeningRule {
        days: vec![Day::Sunday],
        from: "01:30".parse().unwrap(),
        to: "03:30".parse().unwrap(),
        valid_from: None,
        valid_until: None,
        types: None,
    }];
    let spring = slots_of(&agenda, &window("2027-03-27T12:00", "2027-03-28", "2027-03-28"));
    assert_eq!(day(&spring, "2027-03-28"), ["01:30", "03:00"]);
    // 01:30 CET and 30 minutes: 03:00 CEST, when the next one starts.
    assert_eq!(spring[0].end, spring[1].start);
    let autumn = slots_of(&agenda, &window("2027-10-30T12:00", "2027-10-31", "2027-10-31"));
    assert_eq!(day(&autumn, "2027-10-31"), ["01:30", "02:00", "02:30", "03:00"]);
    // 02:00 happens twice; its slot is the first, at summer time.
    assert_eq!(autumn[1].start, "2027-10-31T00:00:00Z".parse().unwrap());
}

/// `count` appointments of `kind` from `start` (local) lasting `minutes`.
fn busy(kind: &str, start: &str, minutes: i64, count: usize) -> Vec<Busy> {
    let start = at(start);
    let busy =
        Busy { start, until: start + SignedDuration::from_mins(minutes), appointment_type: kind.into() };
    vec![busy; count]
}

#[test]
fn booked_places_are_taken_off() {
    let mut agenda = town_hall();
    agenda.appointment_types[0].places = 3;
    let mut taken = busy("titre-identite", "2027-04-07T09:00", 30, 2);
    taken.extend(busy("titre-identite", "2027-04-07T09:30", 30, 3));
    let booked: Booked = [(agenda.id.clone(), taken)].into();
    let slots = availability(
        &[&agenda],
        "titre-identite",
        &window("2027-04-05T08:00", "2027-04-07", "2027-04-07"),
        &booked,
    );
    assert_eq!(slots[0].places_left, 1);
    assert_eq!(day(&slots, "2027-04-07"), ["09:00", "10:00", "10:30", "11:00", "11:30"], "09:30 is full");
    assert!(slots[1..].iter().all(|s| s.places_left == 3));
}

#[test]
fn types_of_one_agenda_share_its_desks_over_time() {
    // One desk: a 45-minute marriage file from 10:00 and 30-minute PACS
    // slots every 45 minutes from 9:00.
    let mut agenda = town_hall();
    agenda.appointment_types[0].duration_minutes = 30;
    agenda.appointment_types[0].buffer_minutes = 15;
    let mut marriage = agenda.appointment_types[0].clone();
    marriage.id = "mariage".into();
    agenda.appointment_types.push(marriage);
    let booked: Booked = [(agenda.id.clone(), busy("mariage", "2027-04-07T10:00", 60, 1))].into();
    let slots = availability(
        &[&agenda],
        "titre-identite",
        &window("2027-04-05T08:00", "2027-04-07", "2027-04-07"),
        &booked,
    );
    // 09:45-10:30 and 10:30-11:15 overlap the marriage (10:00-11:00); 9:00
    // and 11:15 do not; back to back is no overlap.
    assert_eq!(day(&slots, "2027-04-07"), ["09:00", "11:15"]);

    // Two desks: the same marriage leaves one place beside it.
    agenda.appointment_types[0].places = 2;
    let slots = availability(
        &[&agenda],
        "titre-identite",
        &window("2027-04-05T08:00", "2027-04-07", "2027-04-07"),
        &booked,
    );
    let left: Vec<u32> = slots.iter().take(3).map(|s| s.places_left).collect();
    assert_eq!(left, [2, 1, 1]);
}

#[test]
fn agendas_offering_the_same_type_combine_in_time_order() {
    let centre = town_hall();
    let mut north: Agenda = toml::from_str(TOWN_HALL).unwrap();
    north.id = "mairie-nord-titres".into();
    north.place = "mairie-nord".into();
    north.opening[0].from = "08:45".parse().unwrap();
    north.opening[0].to = "10:00".parse().unwrap();
    let mut other = town_hall();
    other.id = "etat-civil".into();
    other.appointment_types[0].id = "etat-civil".into();
    let slots = availability(
        &[&centre, &north, &other],
        "titre-identite",
        &window("2027-04-05T08:00", "2027-04-07", "2027-04-07"),
        &Booked::new(),
    );
    let order: Vec<(String, String)> = slots
        .iter()
        .take(4)
        .map(|s| (s.local_start.time().strftime("%H:%M").to_string(), s.agenda.clone()))
        .collect();
    let expected = [
        ("08:45", "mairie-nord-titres"),
        ("09:00", "mairie-centre-titres"),
        ("09:15", "mairie-nord-titres"),
        ("09:30", "mairie-centre-titres"),
    ];
    assert_eq!(order, expected.map(|(t, a)| (t.to_owned(), a.to_owned())));
    assert!(slots.iter().all(|s| s.agenda != "etat-civil"), "an agenda without the type offers nothing");
}

#[test]
fn a_citizen_holds_as_many_appointments_as_the_type_allows() {
    let kind = &town_hall().appointment_types[0];
    assert!(within_citizen_limit(kind, 0));
    assert!(!within_citizen_limit(kind, 1));
}

#[test]
fn city_files_may_write_dates_and_times_the_toml_way() {
    let text = TOWN_HALL
        .replace("\"09:00\"", "09:00:00")
        .replace("\"2027-08-09\"", "2027-08-09")
        .replace("valid_from = \"2027-09-01\"", "valid_from = 2027-09-01");
    let agenda: Agenda = toml::from_str(&text).expect("TOML dates and times");
    assert_eq!(agenda, town_hall());
    // And it round-trips through JSON, as the store keeps it.
    let json = serde_json::to_string(&agenda).unwrap();
    assert_eq!(serde_json::from_str::<Agenda>(&json).unwrap(), agenda);
    let bad = TOWN_HALL.replace("\"2027-08-09\"", "\"09/08/2027\"");
    let error = toml::from_str::<Agenda>(&bad).unwrap_err().to_string();
    assert!(error.contains("n'est pas une date"), "{error}");
}

#[test]
fn a_broken_agenda_lists_every_problem_with_its_entry() {
    let mut agenda = town_hall();
    agenda.id = "Mairie Centre".into();
    agenda.appointment_types.push(AppointmentType {
        id: "etat-civil".into(),
        title: "".into(),
        duration_minutes: 0,
        buffer_minutes: 0,
        places: 0,
        max_active_per_citizen: 0,
        questions: vec![AppointmentQuestion {
            id: "Numéro".into(),
            label: " ".into(),
            help: String::new(),
            required: true,
        }],
        bring: vec![" ".into()],
    });
    agenda.opening[0].types = Some(vec!["titre-identite".into(), "inconnu".into()]);
    agenda.opening[1].to = "13:00".parse().unwrap();
    agenda.opening[1].types = Some(vec!["titre-identite".into()]);
    agenda.closures[0].reason = " ".into();
    let problems = agenda.problems();
    let entries: Vec<Option<(&str, usize)>> = problems.iter().map(|p| p.entry).collect();
    assert_eq!(
        entries,
        [
            None,
            Some(("appointment_types", 1)),
            Some(("appointment_types", 1)),
            Some(("appointment_types", 1)),
            Some(("appointment_types", 1)),
            Some(("appointment_types", 1)),
            Some(("appointment_types", 1)),
            Some(("appointment_types", 1)),
            Some(("appointment_types", 1)),
            Some(("opening", 0)),
            Some(("opening", 1)),
            Some(("closures", 0)),
        ],
        "{problems:#?}"
    );
    assert!(problems[8].message.contains("aucun horaire"), "{}", problems[8].message);
    let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
    for expected in [
        "question « Numéro » : id invalide ou déjà utilisé",
        "question « Numéro » : « label » est vide",
        "« bring » contient un élément vide",
    ] {
        assert!(messages.contains(&expected), "{expected}: {messages:#?}");
    }
    assert!(town_hall().problems().is_empty());
}

#[test]
fn an_agenda_names_the_services_managing_it_and_reminds_a_day_before() {
    let agenda = town_hall();
    assert_eq!(agenda.services, ["passeport-carte-identite"]);
    assert_eq!(agenda.reminder_hours, 24, "the default");
    let without = TOWN_HALL.replace("services = [\"passeport-carte-identite\"]\n", "");
    let error = toml::from_str::<Agenda>(&without).unwrap_err().to_string();
    assert!(error.contains("services"), "required: {error}");

    let mut agenda = town_hall();
    agenda.services.clear();
    agenda.reminder_hours = 10_000;
    let messages: Vec<String> = agenda.problems().into_iter().map(|p| p.message).collect();
    assert_eq!(messages.len(), 2, "{messages:#?}");
    assert!(messages[0].contains("« services » est vide"), "{}", messages[0]);
    assert!(messages[1].contains("reminder_hours"), "{}", messages[1]);

    let mut agenda = town_hall();
    agenda.services = vec!["pacs".into(), "pacs".into(), "Pas un slug".into()];
    agenda.reminder_hours = 0;
    let messages: Vec<String> = agenda.problems().into_iter().map(|p| p.message).collect();
    assert_eq!(messages.len(), 2, "{messages:#?}");
    assert!(messages[0].contains("« pacs »") && messages[1].contains("« Pas un slug »"), "{messages:#?}");
}

#[test]
fn the_answers_to_a_types_questions_are_checked_and_trimmed() {
    let kind = AppointmentType {
        questions: vec![
            AppointmentQuestion {
                id: "numero".into(),
                label: "Numéro".into(),
                help: String::new(),
                required: true,
            },
            AppointmentQuestion {
                id: "note".into(),
                label: "Note".into(),
                help: String::new(),
                required: false,
            },
        ],
        ..town_hall().appointment_types[0].clone()
    };
    let answers = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    };
    let kept =
        kind.checked_answers(&answers(&[("numero", " 2301A123 "), ("note", " \u{200b} ")]), true).unwrap();
    assert_eq!(kept, answers(&[("numero", "2301A123")]), "trimmed, a blank answer left out");
    let faults = kind
        .checked_answers(&answers(&[("autre", "x"), ("note", &"x".repeat(201)), ("numero", "a\nb")]), true)
        .unwrap_err();
    let fields: Vec<&str> = faults.iter().map(|(field, _)| field.as_str()).collect();
    assert_eq!(fields, ["answers.autre", "answers.note", "answers.numero"]);
    let missing = kind.checked_answers(&answers(&[]), true).unwrap_err();
    assert_eq!(missing, [("answers.numero".to_owned(), "Saisissez une réponse.".to_owned())]);
    assert!(kind.checked_answers(&answers(&[]), false).is_ok(), "an agent may book without the answer");
}
