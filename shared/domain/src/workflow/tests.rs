use super::*;
use jiff::civil::date;

const FRANCE: HolidayCalendar = HolidayCalendar::France;

fn labels<'a>(transitions: &[&'a Transition]) -> Vec<&'a str> {
    transitions.iter().map(|t| t.label.as_str()).collect()
}

#[test]
fn the_standard_workflow_is_sound_and_speaks_to_citizens() {
    let standard = Workflow::standard();
    assert_eq!(standard.problems(), Vec::<String>::new());
    assert_eq!((standard.max_days, standard.alert_days), (Some(15), Some(10)));
    assert_eq!(standard.initial().id, "submitted");
    assert_eq!(standard.initial().phase, Phase::Submitted);
    assert_eq!(standard.initial().deadline, DeadlineAction::Start);
    assert_eq!(standard.waiting_status().map(|s| s.id.as_str()), Some("waiting_for_citizen"));
    assert_eq!(standard.status("waiting_for_citizen").unwrap().deadline, DeadlineAction::Pause);
    for status in &standard.statuses {
        assert!(status.next_step.is_some(), "{}: the citizen is told what comes next", status.id);
        if status.id == "submitted" {
            assert!(status.email.is_none(), "submitting already sends the confirmation");
            continue;
        }
        let email = status.email.as_ref().unwrap_or_else(|| panic!("{}: no email", status.id));
        assert!(email.subject.contains("{reference}"), "{}", status.id);
        for placeholder in ["{service}", "{reference}", "{link}"] {
            assert!(email.body.contains(placeholder), "{}: {placeholder}", status.id);
        }
    }
    let phases: Vec<Phase> = standard.statuses.iter().map(|s| s.phase).collect();
    assert_eq!(
        phases,
        [
            Phase::Submitted,
            Phase::InProgress,
            Phase::WaitingForCitizen,
            Phase::Accepted,
            Phase::Refused,
            Phase::Closed
        ]
    );
}

/// Each case: from, to, who, whether the standard workflow lets them.
#[test]
fn who_may_move_a_request_where() {
    use Actor::*;
    let standard = Workflow::standard();
    let cases = [
        ("submitted", "in_review", Agent, true),
        ("submitted", "in_review", Supervisor, true),
        ("submitted", "in_review", Admin, true),
        ("submitted", "in_review", Citizen, false),
        ("submitted", "accepted", Agent, false),
        ("submitted", "waiting_for_citizen", Agent, true),
        ("in_review", "waiting_for_citizen", Agent, true),
        ("in_review", "accepted", Agent, true),
        ("in_review", "refused", Agent, true),
        ("in_review", "submitted", Admin, false),
        ("waiting_for_citizen", "in_review", Citizen, true),
        ("waiting_for_citizen", "in_review", Agent, true),
        ("waiting_for_citizen", "accepted", Agent, false),
        ("waiting_for_citizen", "closed", Agent, true),
        ("waiting_for_citizen", "closed", Citizen, false),
        ("accepted", "in_review", Agent, false),
        ("accepted", "in_review", Supervisor, true),
        ("refused", "in_review", Admin, true),
        ("closed", "in_review", Citizen, false),
        ("accepted", "closed", Supervisor, false),
        ("unknown", "in_review", Admin, false),
        ("in_review", "unknown", Admin, false),
    ];
    for (from, to, actor, allowed) in cases {
        assert_eq!(standard.allows(from, to, actor), allowed, "{from} -> {to} by {actor:?}");
    }
}

#[test]
fn the_buttons_an_actor_sees_follow_the_file_order() {
    let standard = Workflow::standard();
    assert_eq!(
        labels(&standard.transitions_from("in_review", Actor::Agent)),
        ["Demander un complément", "Accepter", "Refuser", "Classer sans suite"]
    );
    assert_eq!(
        labels(&standard.transitions_from("waiting_for_citizen", Actor::Citizen)),
        ["Reprendre l'instruction"]
    );
    assert!(standard.transitions_from("accepted", Actor::Agent).is_empty());
    assert_eq!(labels(&standard.transitions_from("accepted", Actor::Admin)), ["Rouvrir"]);
}

#[test]
fn a_star_starts_from_any_status_but_its_target() {
    let mut workflow = Workflow::standard();
    workflow.transitions.push(Transition {
        from: vec!["*".to_owned()],
        to: "closed".to_owned(),
        label: "Clore".to_owned(),
        by: vec![Actor::Admin],
    });
    assert_eq!(workflow.problems(), Vec::<String>::new());
    assert!(workflow.allows("accepted", "closed", Actor::Admin));
    assert!(!workflow.allows("accepted", "closed", Actor::Supervisor), "admins only");
    assert!(!workflow.allows("closed", "closed", Actor::Admin), "not to itself");
    assert_eq!(labels(&workflow.transitions_from("closed", Actor::Admin)), ["Rouvrir"]);
}

#[test]
fn the_citizen_only_does_what_names_them() {
    let transition =
        |by: Vec<Actor>| Transition { from: vec![], to: String::new(), label: String::new(), by };
    let citizen = transition(vec![Actor::Citizen]);
    assert!(citizen.allows_actor(Actor::Citizen));
    assert!(!citizen.allows_actor(Actor::Admin));
    let supervisors = transition(vec![Actor::Supervisor]);
    assert!(!supervisors.allows_actor(Actor::Citizen));
    assert!(!supervisors.allows_actor(Actor::Agent));
    assert!(supervisors.allows_actor(Actor::Admin));
}

/// Each case: a day, working days to add, the calendar, the day reached.
#[test]
fn working_days_skip_weekends_and_public_holidays() {
    let cases = [
        ("Friday before Easter Monday 2027", date(2027, 3, 26), 1, FRANCE, date(2027, 3, 30)),
        (
            "Good Friday in Alsace-Moselle",
            date(2027, 3, 25),
            1,
            HolidayCalendar::AlsaceMoselle,
            date(2027, 3, 30),
        ),
        ("Good Friday elsewhere", date(2027, 3, 25), 1, FRANCE, date(2027, 3, 26)),
        ("Ascension 2027", date(2027, 5, 5), 1, FRANCE, date(2027, 5, 7)),
        ("Ascension then a weekend", date(2027, 5, 5), 2, FRANCE, date(2027, 5, 10)),
        ("from a Saturday", date(2027, 1, 9), 1, FRANCE, date(2027, 1, 11)),
        ("a week", date(2027, 1, 8), 5, FRANCE, date(2027, 1, 15)),
        ("none to add", date(2027, 1, 9), 0, FRANCE, date(2027, 1, 9)),
        ("15 days over Easter", date(2027, 3, 22), 15, FRANCE, date(2027, 4, 13)),
        ("over New Year", date(2027, 12, 31), 1, FRANCE, date(2028, 1, 3)),
    ];
    for (name, day, days, calendar, expected) in cases {
        assert_eq!(add_working_days(day, days, calendar), expected, "{name}");
    }
}

#[test]
fn working_days_between_counts_after_the_first_day_up_to_the_last() {
    let cases = [
        (date(2027, 3, 26), date(2027, 3, 30), 1), // over Easter Monday
        (date(2027, 1, 8), date(2027, 1, 11), 1),  // over a weekend
        (date(2027, 1, 9), date(2027, 1, 10), 0),  // within a weekend
        (date(2027, 5, 4), date(2027, 5, 10), 3),  // over Ascension and a weekend
        (date(2027, 5, 4), date(2027, 5, 4), 0),
        (date(2027, 5, 10), date(2027, 5, 4), 0), // backwards
    ];
    for (from, to, expected) in cases {
        assert_eq!(working_days_between(from, to, FRANCE), expected, "{from} -> {to}");
    }
    // Counting is the inverse of adding, over a whole year.
    let start = date(2027, 1, 1);
    let mut day = start;
    while day.year() == 2027 {
        if is_working_day(day, FRANCE) {
            assert_eq!(add_working_days(start, working_days_between(start, day, FRANCE), FRANCE), day);
        }
        day = day.tomorrow().unwrap();
    }
}

#[test]
fn a_deadline_starts_with_the_workflow_delays() {
    let standard = Workflow::standard();
    let deadline = Deadline::start(date(2027, 3, 22), &standard, FRANCE).unwrap();
    assert_eq!(
        deadline,
        Deadline { due: date(2027, 4, 13), alert: Some(date(2027, 4, 6)), paused_since: None },
        "Easter Monday does not count"
    );
    let without_delay = Workflow { max_days: None, alert_days: None, ..standard };
    assert_eq!(Deadline::start(date(2027, 3, 22), &without_delay, FRANCE), None);
}

#[test]
fn waiting_for_the_citizen_moves_the_deadline_by_the_working_days_waited() {
    let standard = Workflow::standard();
    // Due 15 working days after Monday 26 April 2027: Ascension and Whit
    // Monday do not count.
    let mut deadline = Deadline::start(date(2027, 4, 26), &standard, FRANCE).unwrap();
    assert_eq!((deadline.due, deadline.alert), (date(2027, 5, 19), Some(date(2027, 5, 11))));
    deadline.pause(date(2027, 5, 4));
    deadline.pause(date(2027, 5, 5));
    assert_eq!(deadline.paused_since, Some(date(2027, 5, 4)), "paused since the first day");
    assert_eq!(deadline.state(date(2027, 6, 30)), DeadlineState::Paused, "the clock is stopped");
    // Wednesday 5, Friday 7 and Monday 10: three working days waited.
    deadline.resume(date(2027, 5, 10), FRANCE);
    assert_eq!(
        deadline,
        Deadline { due: date(2027, 5, 24), alert: Some(date(2027, 5, 14)), paused_since: None }
    );
    deadline.resume(date(2027, 5, 20), FRANCE);
    assert_eq!(deadline.due, date(2027, 5, 24), "resuming a running deadline changes nothing");

    let mut same_day = Deadline::start(date(2027, 4, 26), &standard, FRANCE).unwrap();
    same_day.pause(date(2027, 5, 4));
    same_day.resume(date(2027, 5, 4), FRANCE);
    assert_eq!(same_day.due, date(2027, 5, 19), "answered the same day: nothing lost");
}

#[test]
fn a_deadline_is_on_time_then_soon_then_late() {
    let deadline = Deadline { due: date(2027, 4, 13), alert: Some(date(2027, 4, 6)), paused_since: None };
    let cases = [
        (date(2027, 3, 22), DeadlineState::OnTime),
        (date(2027, 4, 5), DeadlineState::OnTime),
        (date(2027, 4, 6), DeadlineState::Soon),
        (date(2027, 4, 13), DeadlineState::Soon),
        (date(2027, 4, 14), DeadlineState::Late),
    ];
    for (today, state) in cases {
        assert_eq!(deadline.state(today), state, "{today}");
    }
    let without_alert = Deadline { alert: None, ..deadline };
    assert_eq!(without_alert.state(date(2027, 4, 13)), DeadlineState::OnTime);
    assert_eq!(without_alert.state(date(2027, 4, 14)), DeadlineState::Late);
    let paused = Deadline { paused_since: Some(date(2027, 4, 20)), ..deadline };
    assert_eq!(paused.state(date(2027, 4, 21)), DeadlineState::Paused);
    assert_eq!(serde_json::to_value(DeadlineState::OnTime).unwrap(), DeadlineState::OnTime.as_str());
}

#[test]
fn entering_statuses_starts_pauses_resumes_and_stops_the_deadline() {
    let standard = Workflow::standard();
    let step = |status: &str, deadline: Option<Deadline>, today: Date| {
        apply(standard.status(status).unwrap().deadline, deadline, today, &standard, FRANCE)
    };
    let submitted = step("submitted", None, date(2027, 4, 26));
    assert_eq!(submitted.map(|d| d.due), Some(date(2027, 5, 19)));
    let in_review = step("in_review", submitted, date(2027, 4, 28));
    assert_eq!(in_review, submitted, "a running deadline is not restarted");
    let waiting = step("waiting_for_citizen", in_review, date(2027, 5, 4));
    assert_eq!(waiting.map(|d| d.state(date(2027, 5, 4))), Some(DeadlineState::Paused));
    let back = step("in_review", waiting, date(2027, 5, 10));
    assert_eq!(back.map(|d| (d.due, d.paused_since)), Some((date(2027, 5, 24), None)));
    let accepted = step("accepted", back, date(2027, 5, 12));
    assert_eq!(accepted, None, "a decided request has no deadline");
    let reopened = step("in_review", accepted, date(2027, 6, 1));
    assert_eq!(reopened.map(|d| d.due), Some(date(2027, 6, 22)), "a reopened request gets a fresh one");

    for action in [DeadlineAction::None, DeadlineAction::Resume] {
        let resumed = apply(action, waiting, date(2027, 5, 10), &standard, FRANCE);
        assert_eq!(resumed, back, "{action:?}: the clock only stops while waiting");
        assert_eq!(apply(action, None, date(2027, 5, 10), &standard, FRANCE), None);
    }
    assert_eq!(apply(DeadlineAction::Pause, None, date(2027, 5, 10), &standard, FRANCE), None);
    let without_delay = Workflow { max_days: None, alert_days: None, ..standard.clone() };
    assert_eq!(apply(DeadlineAction::Start, None, date(2027, 5, 10), &without_delay, FRANCE), None);
}

/// Each case: a template, what it renders to with the values below.
#[test]
fn render_replaces_the_placeholders_it_knows_and_nothing_else() {
    let values = [
        ("reference", "GRU-2027-000042"),
        ("service", "Demande d'acte d'état civil"),
        ("link", "https://belleval.example/suivi?t={link}"),
        ("name", "{status}"),
    ];
    let cases = [
        ("Votre demande {reference}", "Votre demande GRU-2027-000042"),
        ("« {service} » ({reference})", "« Demande d'acte d'état civil » (GRU-2027-000042)"),
        ("Sans marque", "Sans marque"),
        ("", ""),
        ("État : {status}", "État : {status}"),
        ("{unknown} et {reference}", "{unknown} et GRU-2027-000042"),
        ("Suivi : {link}", "Suivi : https://belleval.example/suivi?t={link}"),
        ("Bonjour {name},", "Bonjour {status},"),
        ("{ reference }", "{ reference }"),
        ("ouvert {reference", "ouvert {reference"),
        ("{{reference}}", "{GRU-2027-000042}"),
        ("}{reference}{", "}GRU-2027-000042{"),
    ];
    for (template, expected) in cases {
        assert_eq!(render(template, &values), expected, "{template:?}");
    }
}

#[test]
fn an_email_renders_for_the_citizen() {
    let standard = Workflow::standard();
    let status = standard.status("waiting_for_citizen").unwrap();
    let email = status.email.as_ref().unwrap().render(&[
        ("reference", "GRU-2027-000042"),
        ("service", "Demande d'acte d'état civil"),
        ("status", &status.citizen_label),
        ("link", "https://belleval.example/suivi"),
    ]);
    assert_eq!(email.subject, "Votre demande GRU-2027-000042 : nous avons besoin de vous");
    assert!(email.body.starts_with("Bonjour,\n\nPour poursuivre"), "{}", email.body);
    assert!(email.body.contains("« Demande d'acte d'état civil » (référence GRU-2027-000042)"));
    assert!(email.body.contains("https://belleval.example/suivi"));
    assert!(email.body.contains("Cordialement,\n{signature}\n"), "signed by the mailer: {}", email.body);
    assert!(!email.body.replace("{signature}", "").contains('{'), "{}", email.body);
}

fn status(id: &str, phase: Phase) -> Status {
    Status {
        id: id.to_owned(),
        citizen_label: "Libellé".to_owned(),
        agent_label: "Libellé".to_owned(),
        phase,
        next_step: None,
        email: None,
        deadline: DeadlineAction::None,
    }
}

fn transition(from: &str, to: &str) -> Transition {
    Transition {
        from: vec![from.to_owned()],
        to: to.to_owned(),
        label: "Bouton".to_owned(),
        by: vec![Actor::Agent],
    }
}

/// Each case: an edit of the standard workflow, the entry and the words of
/// the one problem it must cause.
#[test]
fn problems_are_found_one_by_one() {
    type Edit = Box<dyn Fn(&mut Workflow)>;
    type Entry = Option<(&'static str, usize)>;
    let cases: Vec<(&str, Edit, Entry, &str)> = vec![
        (
            "empty",
            Box::new(|w| {
                w.statuses.clear();
                w.transitions.clear();
            }),
            None,
            "aucun statut",
        ),
        ("bad id", Box::new(|w| w.id = "État civil".to_owned()), None, "minuscules"),
        ("empty title", Box::new(|w| w.title = " ".to_owned()), None, "« title » est vide"),
        ("alert at max", Box::new(|w| w.alert_days = Some(15)), None, "alert_days vaut 15"),
        ("alert after max", Box::new(|w| w.alert_days = Some(20)), None, "l'alerte doit venir avant"),
        ("alert at once", Box::new(|w| w.alert_days = Some(0)), None, "alert_days vaut 0"),
        ("alert without max", Box::new(|w| w.max_days = None), None, "alert_days sans max_days"),
        ("no delay", Box::new(|w| w.max_days = Some(0)), None, "max_days vaut 0"),
        ("too long a delay", Box::new(|w| w.max_days = Some(400)), None, "max_days vaut 400"),
        (
            "unknown target",
            Box::new(|w| w.transitions[0].to = "en_cours".to_owned()),
            Some(("transitions", 0)),
            "statut d'arrivée inconnu : « en_cours »",
        ),
        (
            "unknown origin",
            Box::new(|w| w.transitions[6].from.push("archived".to_owned())),
            Some(("transitions", 6)),
            "statut de départ inconnu : « archived »",
        ),
        (
            "duplicate status",
            Box::new(|w| {
                let copy = w.statuses[3].clone();
                w.statuses.push(copy);
            }),
            Some(("statuses", 6)),
            "le statut « accepted » est déjà défini",
        ),
        (
            "duplicate transition",
            Box::new(|w| w.transitions.push(transition("in_review", "accepted"))),
            Some(("transitions", 7)),
            "de « in_review » vers « accepted » est déjà définie",
        ),
        (
            "no way out",
            Box::new(|w| {
                w.statuses.push(status("blocked", Phase::InProgress));
                w.transitions.push(transition("in_review", "blocked"));
            }),
            Some(("statuses", 6)),
            "aucune transition ne sort du statut « blocked »",
        ),
        (
            "unreachable",
            Box::new(|w| w.statuses.push(status("archived", Phase::Closed))),
            Some(("statuses", 6)),
            "aucune transition ne mène au statut « archived »",
        ),
        (
            "bad status id",
            Box::new(|w| {
                w.statuses.push(status("En pause", Phase::Closed));
                w.transitions.push(transition("in_review", "En pause"));
            }),
            Some(("statuses", 6)),
            "« _ » et « - » seulement",
        ),
        (
            "empty label",
            Box::new(|w| w.statuses[1].agent_label.clear()),
            Some(("statuses", 1)),
            "« agent_label » est vide",
        ),
        (
            "empty next step",
            Box::new(|w| w.statuses[1].next_step = Some(String::new())),
            Some(("statuses", 1)),
            "« next_step » est vide",
        ),
        (
            "unknown placeholder",
            Box::new(|w| w.statuses[2].email.as_mut().unwrap().subject = "Dossier {refrence}".to_owned()),
            Some(("statuses", 2)),
            "{refrence} est inconnu",
        ),
        (
            "empty email",
            Box::new(|w| w.statuses[3].email.as_mut().unwrap().body = String::new()),
            Some(("statuses", 3)),
            "« email.body » est vide",
        ),
        (
            "email on the first status",
            Box::new(|w| w.statuses[0].email = w.statuses[1].email.clone()),
            Some(("statuses", 0)),
            "le premier statut n'envoie pas de courriel",
        ),
        (
            "final first status",
            Box::new(|w| w.statuses[0].phase = Phase::Closed),
            Some(("statuses", 0)),
            "le premier statut ne peut pas être final",
        ),
        (
            "empty button",
            Box::new(|w| w.transitions[0].label.clear()),
            Some(("transitions", 0)),
            "« label » est vide",
        ),
        (
            "nobody",
            Box::new(|w| w.transitions[0].by.clear()),
            Some(("transitions", 0)),
            "personne ne pourrait",
        ),
        (
            "from nowhere",
            Box::new(|w| {
                w.transitions.push(Transition { from: vec![], ..transition("in_review", "closed") })
            }),
            Some(("transitions", 7)),
            "« from » est vide",
        ),
    ];
    for (name, edit, entry, words) in cases {
        let mut workflow = Workflow::standard();
        edit(&mut workflow);
        let problems = workflow.located_problems();
        assert_eq!(problems.len(), 1, "{name}: {problems:#?}");
        assert_eq!(problems[0].entry, entry, "{name}");
        assert!(problems[0].message.contains(words), "{name}: {:?} lacks {words:?}", problems[0].message);
        assert_eq!(workflow.problems(), [problems[0].message.clone()], "{name}");
    }
}

#[test]
fn a_workflow_needs_no_waiting_status_nor_deadline() {
    let workflow = Workflow {
        id: "signalement".to_owned(),
        title: "Signalements".to_owned(),
        max_days: None,
        alert_days: None,
        statuses: vec![status("recu", Phase::Submitted), status("traite", Phase::Closed)],
        transitions: vec![transition("recu", "traite")],
    };
    assert_eq!(workflow.problems(), Vec::<String>::new());
    assert!(workflow.waiting_status().is_none());
}

const FILE: &str = r#"id = "etat-civil"
title = "Actes d'état civil"
max_days = 10
alert_days = 7

[[statuses]]
id = "recue"
citizen_label = "Demande reçue"
agent_label = "Nouvelle"
phase = "submitted"
deadline = "start"

[[statuses]]
id = "piece-demandee"
citizen_label = "Pièce complémentaire demandée"
agent_label = "Pièce demandée"
phase = "waiting_for_citizen"
next_step = "Envoyez la pièce demandée."
deadline = "pause"

[statuses.email]
subject = "Demande {reference} : une pièce manque"
body = "Bonjour, {link}"

[[statuses]]
id = "delivree"
citizen_label = "Acte envoyé"
agent_label = "Acte envoyé"
phase = "accepted"
deadline = "stop"

[[transitions]]
from = ["recue"]
to = "piece-demandee"
label = "Demander une pièce"

[[transitions]]
from = ["piece-demandee"]
to = "recue"
label = "Reprendre"
by = ["agent", "citizen"]

[[transitions]]
from = ["*"]
to = "delivree"
label = "Envoyer l'acte"
"#;

#[test]
fn a_workflow_reads_from_toml_strictly() {
    let workflow: Workflow = toml::from_str(FILE).unwrap();
    assert_eq!(workflow.problems(), Vec::<String>::new());
    assert_eq!(workflow.transitions[0].by, [Actor::Agent], "agents when absent");
    assert_eq!(workflow.statuses[0].deadline, DeadlineAction::Start);
    assert_eq!(workflow.statuses[2].deadline, DeadlineAction::Stop);
    assert_eq!(workflow.statuses[2].next_step, None);
    assert_eq!(workflow.waiting_status().unwrap().email.as_ref().unwrap().body, "Bonjour, {link}");
    assert!(workflow.allows("piece-demandee", "recue", Actor::Citizen));
    assert!(workflow.allows("piece-demandee", "delivree", Actor::Agent));

    for (name, broken) in [
        (
            "unknown key",
            FILE.replace("agent_label = \"Nouvelle\"", "agent_label = \"Nouvelle\"\ncolour = \"red\""),
        ),
        ("unknown phase", FILE.replace("phase = \"accepted\"", "phase = \"done\"")),
        ("unknown action", FILE.replace("deadline = \"stop\"", "deadline = \"end\"")),
        ("unknown actor", FILE.replace("[\"agent\", \"citizen\"]", "[\"mayor\"]")),
    ] {
        assert!(toml::from_str::<Workflow>(&broken).is_err(), "{name}");
    }
}

#[test]
fn workflows_and_deadlines_round_trip_as_stored_json() {
    let standard = Workflow::standard();
    let json = serde_json::to_value(&standard).unwrap();
    assert_eq!(json["statuses"][2]["phase"], "waiting_for_citizen");
    assert_eq!(json["statuses"][2]["deadline"], "pause");
    assert_eq!(json["transitions"][2]["by"], serde_json::json!(["agent", "citizen"]));
    assert_eq!(serde_json::from_value::<Workflow>(json).unwrap(), standard);

    let deadline = Deadline { due: date(2027, 4, 13), alert: None, paused_since: Some(date(2027, 4, 1)) };
    let json = serde_json::to_value(deadline).unwrap();
    assert_eq!(json, serde_json::json!({"due": "2027-04-13", "alert": null, "paused_since": "2027-04-01"}));
    assert_eq!(serde_json::from_value::<Deadline>(json).unwrap(), deadline);
    let old = serde_json::json!({"due": "2027-04-13"});
    assert_eq!(serde_json::from_value::<Deadline>(old).unwrap().alert, None);
}
