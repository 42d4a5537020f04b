use super::*;

fn paris() -> TimeZone {
    TimeZone::get("Europe/Paris").unwrap()
}

fn at(local: &str) -> Timestamp {
    paris().to_timestamp(local.parse::<DateTime>().unwrap()).unwrap()
}

fn event<'a>(zone: &'a TimeZone, start: &str, end: &str) -> IcsEvent<'a> {
    IcsEvent {
        uid: "rdv-01J0ABC@gru.example",
        sequence: 0,
        method: IcsMethod::Request,
        start: at(start),
        end: at(end),
        zone,
        stamp: "2027-03-01T10:15:00Z".parse().unwrap(),
        summary: "Dépôt d'une demande de passeport",
        location: "Hôtel de ville, 1 place des Tilleuls",
        description: "Apportez votre pré-demande.",
        organizer: "ne-pas-repondre@belleval.example",
        attendee: "camille@exemple.fr",
    }
}

/// The logical lines: CRLF-separated, folds undone.
fn unfolded(text: &str) -> Vec<String> {
    assert!(text.ends_with("\r\n"), "ends with CRLF");
    assert!(!text.replace("\r\n", "").contains('\n'), "no bare LF");
    text.trim_end_matches("\r\n").replace("\r\n ", "").split("\r\n").map(str::to_owned).collect()
}

/// The lines of the component `name` (its first occurrence after `after`).
fn component(lines: &[String], name: &str, nth: usize) -> Vec<String> {
    let begin = format!("BEGIN:{name}");
    let end = format!("END:{name}");
    let start = lines.iter().enumerate().filter(|(_, l)| **l == begin).nth(nth).expect(&begin).0;
    let stop = start + lines[start..].iter().position(|l| *l == end).expect(&end);
    lines[start + 1..stop].to_vec()
}

#[test]
fn an_appointment_after_the_spring_change_is_on_the_city_clock() {
    let zone = paris();
    let text = event(&zone, "2027-03-29T09:00", "2027-03-29T09:20").render();
    let lines = unfolded(&text);
    assert_eq!(
        &lines[..5],
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//GRU//Rendez-vous//FR",
            "CALSCALE:GREGORIAN",
            "METHOD:REQUEST"
        ]
    );
    assert_eq!(lines.last().unwrap(), "END:VCALENDAR");
    let vevent = component(&lines, "VEVENT", 0);
    for expected in [
        "UID:rdv-01J0ABC@gru.example",
        "SEQUENCE:0",
        "DTSTAMP:20270301T101500Z",
        "DTSTART;TZID=Europe/Paris:20270329T090000",
        "DTEND;TZID=Europe/Paris:20270329T092000",
        "SUMMARY:Dépôt d'une demande de passeport",
        "LOCATION:Hôtel de ville\\, 1 place des Tilleuls",
        "DESCRIPTION:Apportez votre pré-demande.",
        "ORGANIZER:mailto:ne-pas-repondre@belleval.example",
        "ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;RSVP=FALSE:mailto:camille@exemple.fr",
        "STATUS:CONFIRMED",
    ] {
        assert!(vevent.iter().any(|l| l == expected), "{expected} in {vevent:#?}");
    }

    // The zone: winter time in force on 1 January, then the 2027 changes,
    // each starting on the clock as it read before.
    let vtimezone = component(&lines, "VTIMEZONE", 0);
    assert_eq!(vtimezone[0], "TZID:Europe/Paris");
    assert_eq!(
        component(&lines, "STANDARD", 0),
        ["DTSTART:20261025T030000", "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100", "TZNAME:CET"]
    );
    assert_eq!(
        component(&lines, "DAYLIGHT", 0),
        ["DTSTART:20270328T020000", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200", "TZNAME:CEST"]
    );
    assert_eq!(
        component(&lines, "STANDARD", 1),
        ["DTSTART:20271031T030000", "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100", "TZNAME:CET"]
    );
    assert_eq!(lines.iter().filter(|l| l.starts_with("BEGIN:")).count(), 6, "{lines:#?}");
    // The zone comes before the event that names it.
    let position = |line: &str| lines.iter().position(|l| l == line).unwrap();
    assert!(position("END:VTIMEZONE") < position("BEGIN:VEVENT"));
}

#[test]
fn a_cancellation_names_the_same_event_with_a_higher_sequence() {
    let zone = paris();
    let mut cancel = event(&zone, "2027-03-29T09:00", "2027-03-29T09:20");
    cancel.method = IcsMethod::Cancel;
    cancel.sequence = 2;
    let lines = unfolded(&cancel.render());
    for expected in ["METHOD:CANCEL", "STATUS:CANCELLED", "SEQUENCE:2", "UID:rdv-01J0ABC@gru.example"] {
        assert!(lines.iter().any(|l| l == expected), "{expected}");
    }
    assert_eq!(IcsMethod::Cancel.content_type(), "text/calendar; charset=UTF-8; method=CANCEL");
    assert_eq!(IcsMethod::Request.content_type(), "text/calendar; charset=UTF-8; method=REQUEST");
}

#[test]
fn texts_are_escaped() {
    assert_eq!(escape("a\\b;c,d\ne\r\nf\rg"), "a\\\\b\\;c\\,d\\ne\\nf\\ng");
    let zone = paris();
    let mut event = event(&zone, "2027-03-29T09:00", "2027-03-29T09:20");
    event.description = "Pièces : passeport, photo;\nRéférence : A\\B";
    event.location = "";
    let lines = unfolded(&event.render());
    assert!(
        lines.iter().any(|l| l == "DESCRIPTION:Pièces : passeport\\, photo\\;\\nRéférence : A\\\\B"),
        "{lines:#?}"
    );
    assert!(!lines.iter().any(|l| l.starts_with("LOCATION")), "left out when empty");
}

#[test]
fn long_lines_fold_at_75_octets_between_characters() {
    // 12 octets of name, 62 of ASCII: « é » would be the 75th and 76th.
    let line = format!("DESCRIPTION:{}é{}", "a".repeat(62), "ôé€ ".repeat(40));
    let folded = fold(&line);
    let pieces: Vec<&str> = folded.split("\r\n").collect();
    assert_eq!(pieces[0].len(), 74, "the character goes whole to the next line");
    assert!(pieces[1].starts_with(" é"));
    for piece in &pieces {
        assert!(piece.len() <= 75, "{} octets: {piece:?}", piece.len());
    }
    assert!(pieces[1..].iter().all(|p| p.starts_with(' ')));
    assert_eq!(folded.replace("\r\n ", ""), line);
    assert_eq!(fold("SHORT:line"), "SHORT:line");
    assert_eq!(fold(&"x".repeat(75)), "x".repeat(75), "75 octets fit");

    let zone = paris();
    let mut event = event(&zone, "2027-03-29T09:00", "2027-03-29T09:20");
    let long = "Présentez-vous à l'accueil de l'hôtel de ville dix minutes avant l'heure, avec l'original de chaque pièce justificative.";
    event.description = long;
    let text = event.render();
    for physical in text.split("\r\n") {
        assert!(physical.len() <= 75, "{physical:?}");
    }
    assert!(unfolded(&text).iter().any(|l| *l == format!("DESCRIPTION:{}", escape(long))));
}

#[test]
fn a_january_appointment_has_the_winter_time_in_force() {
    let zone = paris();
    let lines = unfolded(&event(&zone, "2027-01-04T09:00", "2027-01-04T09:20").render());
    assert!(lines.iter().any(|l| l == "DTSTART;TZID=Europe/Paris:20270104T090000"));
    assert_eq!(component(&lines, "STANDARD", 0)[0], "DTSTART:20261025T030000");
}

#[test]
fn a_zone_without_changes_has_one_standard_time() {
    let zone = TimeZone::get("UTC").unwrap();
    let mut event = event(&zone, "2027-03-29T09:00", "2027-03-29T09:20");
    event.zone = &zone;
    let lines = unfolded(&event.render());
    assert_eq!(
        component(&lines, "STANDARD", 0)[..3],
        ["DTSTART:19700101T000000", "TZOFFSETFROM:+0000", "TZOFFSETTO:+0000"]
    );
    assert!(!lines.iter().any(|l| l.contains("DAYLIGHT")));
    assert!(lines.iter().any(|l| l == "DTSTART;TZID=UTC:20270329T070000"), "{lines:#?}");

    // A zone without a name: the times in UTC, no zone to describe.
    let fixed = TimeZone::fixed(jiff::tz::offset(2));
    event.zone = &fixed;
    let lines = unfolded(&event.render());
    assert!(!lines.iter().any(|l| l.contains("VTIMEZONE")));
    assert!(lines.iter().any(|l| l == "DTSTART:20270329T070000Z"), "{lines:#?}");
    assert!(lines.iter().any(|l| l == "DTEND:20270329T072000Z"), "{lines:#?}");
}

#[test]
fn offsets_are_written_with_seconds_only_when_needed() {
    assert_eq!(offset_text(Offset::from_seconds(3600).unwrap()), "+0100");
    assert_eq!(offset_text(Offset::from_seconds(-(3 * 3600 + 30 * 60)).unwrap()), "-0330");
    assert_eq!(offset_text(Offset::from_seconds(561).unwrap()), "+000921");
}
