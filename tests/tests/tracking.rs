//! The tracking function through its router, on the SQLite store: a
//! request moved through its workflow, conflicts, the workflow's rules,
//! who may see what, the inbox's filters, sorts and search, assignment and
//! the audit trail.

#[path = "tracking_world/mod.rs"]
mod common;

use common::{Seed, Signed, World, world};
use gru_domain::request::Phase;
use gru_web::Role;
use serde_json::{Value, json};

fn references(page: &Value) -> Vec<String> {
    page["requests"].as_array().unwrap().iter().map(|r| r["reference"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn a_request_moves_through_its_workflow_with_one_entry_and_one_email_per_change() {
    let world = world().await;
    let mut agent = world.agent(Role::Agent, &["etat-civil"]).await;
    let reference = world.seed(Seed::default()).await;

    let (status, detail) = world.call(Some(&agent), "GET", &format!("/requests/{reference}"), None).await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(detail["status"]["id"], "received");
    assert_eq!(detail["status"]["label"], "Nouvelle demande");
    // Ten working days from Monday 15 March 2027, Easter Monday (29 March) skipped.
    assert_eq!(detail["deadline"]["due"], "2027-03-30");
    assert_eq!(detail["summary"][0]["answers"][0]["label"], "Nom");
    let offered: Vec<&str> =
        detail["transitions"].as_array().unwrap().iter().map(|t| t["to"].as_str().unwrap()).collect();
    assert_eq!(offered, ["checking", "missing_document"]);

    let steps = [
        ("checking", Some("Dossier complet à vérifier"), "Demande {ref} : en cours"),
        (
            "missing_document",
            Some("Copie de la pièce d'identité illisible"),
            "Demande {ref} : une pièce manque",
        ),
        ("checking", None, "Demande {ref} : en cours"),
        ("issued", None, "Demande {ref} : acte délivré"),
    ];
    let read = detail["version"].as_u64().unwrap();
    for (n, (to, comment, _)) in steps.iter().enumerate() {
        let version = read + n as u64;
        if n == 2 {
            // The citizen answers two days after being asked (the agent
            // signs in again: sessions end after 30 idle minutes).
            world.clock.advance(jiff::SignedDuration::from_hours(48));
            agent = world.agent(Role::Agent, &["etat-civil"]).await;
        }
        let body = json!({ "to": to, "version": version, "comment": comment });
        let (status, moved) =
            world.call(Some(&agent), "POST", &format!("/requests/{reference}/transitions"), Some(body)).await;
        assert_eq!(status, 200, "{to}: {moved}");
        assert_eq!(moved["status"]["id"], *to);
        assert_eq!(moved["version"].as_u64().unwrap(), version + 1);
        if *to == "missing_document" {
            assert_eq!(moved["deadline"]["state"], "paused");
            assert_eq!(moved["resume_status"], "checking");
        }
        if n == 2 {
            // Two working days waited: the due day moves two working days on.
            assert_eq!(moved["deadline"]["due"], "2027-04-01");
            assert_eq!(moved["deadline"]["state"], "on_time");
        }
    }

    let stored = world.stored(&reference).await.value;
    assert_eq!((stored.phase, stored.status.as_str()), (Phase::Accepted, "issued"));
    assert_eq!(stored.deadline, None, "a decision stops the deadline");
    assert_eq!(stored.history.len(), 5, "the submission and one entry per change");
    assert_eq!(stored.history[2].comment.as_deref(), Some("Copie de la pièce d'identité illisible"));

    let emails = world.outbox().await;
    let subjects: Vec<String> = emails.iter().map(|(_, subject, _)| subject.clone()).collect();
    let expected: Vec<String> = steps.iter().map(|(_, _, s)| s.replace("{ref}", &reference)).collect();
    assert_eq!(subjects.len(), 4, "one email per citizen-visible change: {subjects:?}");
    for subject in &expected {
        assert!(subjects.contains(subject), "{subject} in {subjects:?}");
    }
    assert!(emails.iter().all(|(to, _, _)| to == "anne@example.fr"));
    let asked = emails.iter().find(|(_, s, _)| s.contains("une pièce manque")).unwrap();
    assert!(asked.2.contains("Bonjour Anne Dupont"), "{}", asked.2);
    assert!(asked.2.contains(&format!("https://essai.example/suivi.html?reference={reference}")));
    assert!(!asked.2.contains("illisible"), "the agent's comment stays in the back office");

    // The citizen's dashboard entry and timeline follow.
    let mine = world.repository.requests_of(&gru_web::tokens::email_key("anne@example.fr")).await.unwrap();
    assert_eq!((mine[0].phase, mine[0].status_label.as_deref()), (Phase::Accepted, Some("Acte délivré")));
    let progress = gru_records::timeline::progress(&stored, &world.workflow("etat-civil").await);
    let labels: Vec<&str> = progress.timeline.iter().map(|s| s.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "Demande reçue",
            "En cours de vérification",
            "Pièce complémentaire demandée",
            "En cours de vérification",
            "Acte délivré"
        ]
    );
    // The inbox index moved with the phase.
    let (_, accepted) = world.call(Some(&agent), "GET", "/inbox?phase=accepted", None).await;
    assert_eq!(references(&accepted), [reference.as_str()]);
    let (_, open) = world.call(Some(&agent), "GET", "/inbox", None).await;
    assert!(references(&open).is_empty(), "{open}");
}

#[tokio::test]
async fn a_stale_version_is_a_conflict_and_only_one_change_lands() {
    let world = world().await;
    let first = world.agent(Role::Agent, &["etat-civil"]).await;
    let second = world.agent(Role::Agent, &["etat-civil"]).await;
    let reference = world.seed(Seed::default()).await;
    let path = format!("/requests/{reference}/transitions");
    let read = world.stored(&reference).await.version;

    let (status, _) =
        world.call(Some(&first), "POST", &path, Some(json!({ "to": "checking", "version": read }))).await;
    assert_eq!(status, 200);
    let (status, problem) = world
        .call(Some(&second), "POST", &path, Some(json!({ "to": "missing_document", "version": read })))
        .await;
    assert_eq!((status, problem["type"].as_str()), (409, Some("urn:gru:problem:conflict")), "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("Rechargez"));

    let stored = world.stored(&reference).await;
    assert_eq!(stored.value.status, "checking");
    assert_eq!(stored.value.history.len(), 2, "exactly one change in the history");
    assert_eq!(world.outbox().await.len(), 1, "the loser sent nothing");
    // Same for the assignee.
    let (status, _) = world
        .call(
            Some(&second),
            "POST",
            &format!("/requests/{reference}/assignee"),
            Some(json!({ "agent": second.id, "version": read })),
        )
        .await;
    assert_eq!(status, 409);
}

#[tokio::test]
async fn the_workflow_says_which_transitions_each_role_may_make() {
    let world = world().await;
    let agent = world.agent(Role::Agent, &["etat-civil"]).await;
    let supervisor = world.agent(Role::Supervisor, &[]).await;
    let reference = world.seed(Seed::default()).await;
    let path = format!("/requests/{reference}/transitions");
    let version = world.stored(&reference).await.version;

    for to in ["issued", "no-such-status", "received"] {
        let (status, problem) =
            world.call(Some(&agent), "POST", &path, Some(json!({ "to": to, "version": version }))).await;
        assert_eq!(
            (status, problem["type"].as_str()),
            (422, Some("urn:gru:problem:transition-not-allowed")),
            "{to}"
        );
        assert_eq!(problem["errors"][0]["field"], "to");
    }
    assert_eq!(world.stored(&reference).await.value.history.len(), 1, "nothing written");

    let issued = world.seed(Seed { status: Some("issued"), ..Seed::default() }).await;
    let issued_version = world.stored(&issued).await.version;
    let reopen = json!({ "to": "checking", "version": issued_version });
    let (status, _) = world
        .call(Some(&agent), "POST", &format!("/requests/{issued}/transitions"), Some(reopen.clone()))
        .await;
    assert_eq!(status, 422, "reopening is a supervisor's");
    let (_, detail) = world.call(Some(&supervisor), "GET", &format!("/requests/{issued}"), None).await;
    assert_eq!(detail["transitions"][0]["to"], "checking");
    let (status, reopened) =
        world.call(Some(&supervisor), "POST", &format!("/requests/{issued}/transitions"), Some(reopen)).await;
    assert_eq!(status, 200, "{reopened}");
    assert_eq!(reopened["deadline"]["due"], "2027-03-30", "a reopened request gets a fresh deadline");

    let (status, problem) = world
        .call(
            Some(&agent),
            "POST",
            &path,
            Some(json!({ "to": "checking", "version": version, "comment": "x".repeat(2001) })),
        )
        .await;
    assert_eq!((status, problem["errors"][0]["field"].as_str()), (400, Some("comment")));
}

#[tokio::test]
async fn agents_see_the_requests_of_their_services_only() {
    let world = world().await;
    let road = world.agent(Role::Agent, &["voirie"]).await;
    let civil = world.agent(Role::Agent, &["etat-civil"]).await;
    let reference = world.seed(Seed::default()).await;
    let pothole = world.seed(Seed { service: "voirie", ..Seed::default() }).await;
    let version = world.stored(&reference).await.version;

    let (status, problem) = world.call(Some(&road), "GET", &format!("/requests/{reference}"), None).await;
    assert_eq!((status, problem["type"].as_str()), (404, Some("urn:gru:problem:not-found")));
    let (status, _) = world.call(Some(&road), "GET", "/requests/ZZZZ-2222", None).await;
    assert_eq!(status, 404, "the same answer as for a reference that does not exist");
    let body = json!({ "to": "checking", "version": version });
    let (status, _) = world
        .call(Some(&road), "POST", &format!("/requests/{reference}/transitions"), Some(body.clone()))
        .await;
    assert_eq!(status, 404);
    let (status, _) = world
        .call(
            Some(&road),
            "POST",
            &format!("/requests/{reference}/assignee"),
            Some(json!({ "agent": road.id, "version": version })),
        )
        .await;
    assert_eq!(status, 404);
    let (status, problem) = world.call(Some(&road), "GET", "/inbox?service=etat-civil", None).await;
    assert_eq!((status, problem["type"].as_str()), (403, Some("urn:gru:problem:forbidden")));
    let (_, inbox) = world.call(Some(&road), "GET", "/inbox", None).await;
    assert_eq!(references(&inbox), [pothole.as_str()]);
    let (_, found) = world.call(Some(&road), "GET", &format!("/inbox?q={reference}"), None).await;
    assert!(references(&found).is_empty(), "search does not reach other services");
    let (_, found) = world.call(Some(&road), "GET", "/inbox?q=anne%40example.fr", None).await;
    assert_eq!(references(&found), [pothole.as_str()]);

    for (method, path) in [
        ("GET", "/inbox".to_owned()),
        ("GET", format!("/requests/{reference}")),
        ("GET", "/agents?service=voirie".to_owned()),
        ("GET", "/audit?day=2027-03-15".to_owned()),
    ] {
        let (status, problem) = world.call(None, method, &path, None).await;
        assert_eq!(
            (status, problem["type"].as_str()),
            (401, Some("urn:gru:problem:unauthenticated")),
            "{path}"
        );
    }
    let (status, _) =
        world.call(None, "POST", &format!("/requests/{reference}/transitions"), Some(body)).await;
    assert_eq!(status, 401);
    // Nothing changed.
    assert_eq!(world.stored(&reference).await.version, version);
    let (status, _) = world.call(Some(&civil), "GET", &format!("/requests/{reference}"), None).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn the_inbox_filters_sorts_and_searches() {
    let world = world().await;
    let me = world.agent(Role::Agent, &["etat-civil"]).await;
    let on_time = world.seed(Seed { submitted_on: "2027-03-15", ..Seed::default() }).await;
    let late = world
        .seed(Seed {
            submitted_on: "2027-02-22",
            status: Some("checking"),
            channel: "phone",
            name: Some("Bernard Lefèvre"),
            email: "bernard@example.fr",
            assignee: Some((&me.id, "Moi")),
            ..Seed::default()
        })
        .await;
    let waiting = world
        .seed(Seed {
            submitted_on: "2027-03-10",
            status: Some("missing_document"),
            paused_since: Some("2027-03-12"),
            name: Some("Chloé Martin"),
            email: "chloe@example.fr",
            assignee: Some(("colleague", "Paul")),
            ..Seed::default()
        })
        .await;
    let soon = world
        .seed(Seed { submitted_on: "2027-03-04", name: None, email: "dora@example.fr", ..Seed::default() })
        .await;
    let issued =
        world.seed(Seed { submitted_on: "2027-01-04", status: Some("issued"), ..Seed::default() }).await;
    let other_service = world.seed(Seed { service: "voirie", ..Seed::default() }).await;

    let sorted = |mut refs: Vec<String>| {
        refs.sort();
        refs
    };

    let all = inbox(&world, &me, "".into()).await;
    assert_eq!(all["total"], 4, "open requests of my services: {all}");
    assert_eq!(
        references(&all),
        [late.as_str(), soon.as_str(), waiting.as_str(), on_time.as_str()],
        "most urgent first"
    );
    let row = &all["requests"][0];
    assert_eq!(row["deadline"]["state"], "late");
    assert_eq!(row["status"]["label"], "En vérification");
    assert_eq!(row["citizen"]["name"], "Bernard Lefèvre");
    assert_eq!(row["channel"], "phone");
    assert_eq!(row["assignee"]["id"], me.id.as_str());
    assert_eq!(all["requests"][2]["deadline"]["state"], "paused");

    assert_eq!(
        references(&inbox(&world, &me, "?sort=date".into()).await),
        [on_time.as_str(), waiting.as_str(), soon.as_str(), late.as_str()]
    );
    assert_eq!(references(&inbox(&world, &me, "?phase=accepted".into()).await), [issued.as_str()]);
    assert_eq!(
        references(&inbox(&world, &me, "?phase=waiting_for_citizen".into()).await),
        [waiting.as_str()]
    );
    assert_eq!(references(&inbox(&world, &me, "?status=checking".into()).await), [late.as_str()]);
    assert_eq!(references(&inbox(&world, &me, "?assignee=me".into()).await), [late.as_str()]);
    assert_eq!(references(&inbox(&world, &me, "?assignee=colleague".into()).await), [waiting.as_str()]);
    assert_eq!(
        sorted(references(&inbox(&world, &me, "?assignee=none".into()).await)),
        sorted(vec![on_time.clone(), soon.clone()])
    );
    assert_eq!(references(&inbox(&world, &me, "?due=late".into()).await), [late.as_str()]);
    assert_eq!(references(&inbox(&world, &me, "?due=soon".into()).await), [soon.as_str()]);
    assert_eq!(references(&inbox(&world, &me, "?channel=phone".into()).await), [late.as_str()]);
    assert_eq!(
        references(&inbox(&world, &me, "?channel=online&due=soon&assignee=none".into()).await),
        [soon.as_str()]
    );

    let first = inbox(&world, &me, "?limit=3".into()).await;
    assert_eq!((references(&first).len(), first["next"].as_str()), (3, Some("3")));
    let rest = inbox(&world, &me, "?limit=3&cursor=3".into()).await;
    assert_eq!((references(&rest), rest["next"].clone()), (vec![on_time.clone()], Value::Null));

    // Search: a reference (any case, any phase), an email (every phase), words of the name or email.
    assert_eq!(
        references(&inbox(&world, &me, format!("?q={}", issued.to_lowercase())).await),
        [issued.as_str()]
    );
    assert_eq!(
        sorted(references(&inbox(&world, &me, "?q=ANNE%40example.fr".into()).await)),
        sorted(vec![on_time.clone(), issued.clone()])
    );
    assert_eq!(references(&inbox(&world, &me, "?q=lefevre".into()).await), [late.as_str()]);
    assert_eq!(references(&inbox(&world, &me, "?q=chlo%C3%A9%20mart".into()).await), [waiting.as_str()]);
    assert_eq!(references(&inbox(&world, &me, "?q=dora".into()).await), [soon.as_str()]);
    assert_eq!(references(&inbox(&world, &me, "?q=martin&assignee=me".into()).await), Vec::<String>::new());
    assert!(references(&inbox(&world, &me, "?q=TEST-ZZZZ".into()).await).is_empty());
    assert!(
        !references(&inbox(&world, &me, "?q=anne%40example.fr".into()).await).contains(&other_service),
        "other services stay out"
    );

    // A supervisor sees every service.
    let supervisor = world.agent(Role::Supervisor, &[]).await;
    let (_, everything) = world.call(Some(&supervisor), "GET", "/inbox", None).await;
    assert_eq!(everything["total"], 5);
    let (_, road) = world.call(Some(&supervisor), "GET", "/inbox?service=voirie", None).await;
    assert_eq!(references(&road), [other_service]);

    for bad in [
        "?sort=name",
        "?due=tomorrow",
        "?phase=lost",
        "?limit=0",
        "?cursor=abc",
        "?colour=red",
        "?service=Not%20a%20slug",
    ] {
        let (status, problem) = world.call(Some(&me), "GET", &format!("/inbox{bad}"), None).await;
        assert_eq!((status, problem["type"].as_str()), (400, Some("urn:gru:problem:invalid-query")), "{bad}");
    }
}

/// The inbox page `query` gives `agent`.
async fn inbox(world: &World, agent: &Signed, query: String) -> Value {
    let path = format!("/inbox{query}");
    let (status, page) = world.call(Some(agent), "GET", &path, None).await;
    assert_eq!(status, 200, "{path}: {page}");
    page
}

/// `who` gives the request to `agent` (an id, or `null`), at its current version.
async fn assign(world: &World, who: &Signed, reference: &str, agent: Value) -> (u16, Value) {
    let version = world.stored(reference).await.version;
    let body = json!({ "agent": agent, "version": version });
    world.call(Some(who), "POST", &format!("/requests/{reference}/assignee"), Some(body)).await
}

#[tokio::test]
async fn agents_take_requests_and_supervisors_assign_them() {
    let world = world().await;
    let claire = world.enrolled("Claire Martin", Role::Agent, &["etat-civil"]).await;
    let paul = world.enrolled("Paul Durand", Role::Agent, &["etat-civil"]).await;
    let sam = world.enrolled("Sam Voirie", Role::Agent, &["voirie"]).await;
    let sophie = world.enrolled("Sophie Chef", Role::Supervisor, &[]).await;
    let reference = world.seed(Seed::default()).await;
    let (status, taken) = assign(&world, &claire, &reference, json!(claire.id)).await;
    assert_eq!(status, 200, "{taken}");
    assert_eq!(taken["assignee"], json!({ "id": claire.id, "name": "Claire Martin" }));
    assert_eq!(taken["assignment"]["take"], false);
    assert_eq!(taken["assignment"]["release"], true);
    assert_eq!(taken["history"][1]["kind"], "assigned");

    let (status, problem) = assign(&world, &paul, &reference, json!(claire.id)).await;
    assert_eq!(
        (status, problem["type"].as_str()),
        (403, Some("urn:gru:problem:forbidden")),
        "giving it is a supervisor's"
    );
    let (status, _) = assign(&world, &paul, &reference, Value::Null).await;
    assert_eq!(status, 403, "releasing a colleague's request is a supervisor's");
    let (status, problem) = assign(&world, &sophie, &reference, json!(sam.id)).await;
    assert_eq!(
        (status, problem["type"].as_str()),
        (422, Some("urn:gru:problem:invalid-assignee")),
        "Sam is not of the service"
    );
    let (status, problem) = assign(&world, &sophie, &reference, json!("nobody")).await;
    assert_eq!(status, 422, "{problem}");
    let (status, given) = assign(&world, &sophie, &reference, json!(paul.id)).await;
    assert_eq!((status, given["assignee"]["name"].as_str()), (200, Some("Paul Durand")));
    let (status, released) = assign(&world, &paul, &reference, Value::Null).await;
    assert_eq!((status, released["assignee"].clone()), (200, Value::Null));

    let stored = world.stored(&reference).await.value;
    assert_eq!(stored.history.len(), 4, "taken, given, released");
    assert_eq!(stored.status, "received", "assigning moves nothing");
    assert!(world.outbox().await.is_empty(), "the citizen is not told");

    let (status, colleagues) = world.call(Some(&claire), "GET", "/agents?service=etat-civil", None).await;
    assert_eq!(status, 200);
    let names: Vec<&str> =
        colleagues["agents"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Claire Martin", "Paul Durand", "Sophie Chef"]);
    let (status, _) = world.call(Some(&sam), "GET", "/agents?service=etat-civil", None).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn reads_and_actions_are_in_the_audit_trail_for_admins() {
    let world = world().await;
    let agent = world.agent(Role::Agent, &["etat-civil"]).await;
    let admin = world.agent(Role::Admin, &[]).await;
    let reference = world.seed(Seed::default()).await;
    let version = world.stored(&reference).await.version;
    // A second between actions, so the trail's order is theirs.
    let second = jiff::SignedDuration::from_secs(1);
    world.call(Some(&agent), "GET", &format!("/requests/{reference}"), None).await;
    world.clock.advance(second);
    let body = json!({ "to": "checking", "version": version });
    world.call(Some(&agent), "POST", &format!("/requests/{reference}/transitions"), Some(body)).await;
    world.clock.advance(second);
    let body = json!({ "agent": agent.id, "version": version + 1 });
    world.call(Some(&agent), "POST", &format!("/requests/{reference}/assignee"), Some(body)).await;

    let (status, trail) =
        world.call(Some(&admin), "GET", &format!("/audit?reference={reference}"), None).await;
    assert_eq!(status, 200, "{trail}");
    let actions: Vec<(&str, &str, Option<&str>)> = trail["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["action"].as_str().unwrap(), e["agent_id"].as_str().unwrap(), e["detail"].as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("request.read", agent.id.as_str(), None),
            ("request.transition", agent.id.as_str(), Some("received -> checking")),
            ("request.assign", agent.id.as_str(), Some(agent.id.as_str())),
        ]
    );
    let (status, day) = world.call(Some(&admin), "GET", "/audit?day=2027-03-15", None).await;
    assert_eq!((status, day["entries"].as_array().unwrap().len()), (200, 3));
    let text = day.to_string();
    assert!(!text.contains("anne@example.fr") && !text.contains("Dupont"), "no citizen's data in the trail");

    for who in [&agent, &world.agent(Role::Supervisor, &[]).await] {
        let (status, _) = world.call(Some(who), "GET", "/audit?day=2027-03-15", None).await;
        assert_eq!(status, 403);
    }
    for bad in ["/audit", "/audit?day=2027-03-15&reference=ABCD-2345", "/audit?day=15/03/2027"] {
        let (status, _) = world.call(Some(&admin), "GET", bad, None).await;
        assert_eq!(status, 400, "{bad}");
    }
}

#[tokio::test]
async fn each_inbox_row_says_what_the_agents_have_not_read_in_its_thread() {
    use gru_records::thread_state;
    use gru_records::thread_state::{StoredState, ThreadState};

    let world = world().await;
    let agent = world.agent(Role::Agent, &["etat-civil"]).await;
    let written = world.seed(Seed::default()).await;
    let quiet = world.seed(Seed { submitted_on: "2027-03-12", ..Seed::default() }).await;
    // The counters as the messaging function leaves them: two of the
    // citizen's messages unread by agents, one of theirs by the citizen.
    let counters = ThreadState { messages: 3, citizen_unread: 1, agents_unread: 2, last_at: None };
    let write = StoredState::default().write(&written, &counters).unwrap();
    world.store.transact(vec![write]).await.unwrap();
    let read = thread_state::read(world.store.as_ref(), &written).await.unwrap();
    assert_eq!((read.state, read.version), (counters, Some(1)));

    let page = inbox(&world, &agent, String::new()).await;
    let unread: Vec<(&str, u64)> = page["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| (row["reference"].as_str().unwrap(), row["unread"].as_u64().unwrap()))
        .collect();
    assert_eq!(unread, [(quiet.as_str(), 0), (written.as_str(), 2)]);
}

#[tokio::test]
async fn a_refusal_needs_a_reason_for_the_citizen() {
    let world = world().await;
    let agent = world.agent(Role::Agent, &["etat-civil"]).await;
    let reference = world.seed(Seed { status: Some("checking"), ..Seed::default() }).await;
    let path = format!("/requests/{reference}/transitions");
    let version = world.stored(&reference).await.version;

    let (_, detail) = world.call(Some(&agent), "GET", &format!("/requests/{reference}"), None).await;
    let asks: Vec<(&str, bool)> = detail["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["to"].as_str().unwrap(), t["asks_reason"].as_bool().unwrap()))
        .collect();
    assert!(asks.contains(&("refused", true)) && asks.contains(&("issued", false)), "{asks:?}");

    // No reason, or one that shows nothing: refused, nothing written.
    for reason in [None, Some("  \u{200b} ")] {
        let body =
            json!({ "to": "refused", "version": version, "comment": "Vu avec la cheffe", "reason": reason });
        let (status, problem) = world.call(Some(&agent), "POST", &path, Some(body)).await;
        assert_eq!(
            (status, problem["type"].as_str()),
            (422, Some("urn:gru:problem:reason-required")),
            "{problem}"
        );
        assert_eq!(problem["errors"][0]["field"], "reason");
    }
    assert_eq!(world.stored(&reference).await.version, version, "nothing written");

    let body = json!({
        "to": "refused", "version": version, "comment": "Vu avec la cheffe",
        "reason": "L'acte demandé n'a pas été dressé à Belleval-sur-Loire : adressez-vous à la mairie du lieu de naissance.",
    });
    let (status, moved) = world.call(Some(&agent), "POST", &path, Some(body)).await;
    assert_eq!(status, 200, "{moved}");
    let entry = moved["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(entry["comment"], "Vu avec la cheffe");
    assert!(entry["reason"].as_str().unwrap().starts_with("L'acte demandé"), "{entry}");
    let stored = world.stored(&reference).await.value;
    let city = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/tracking-city");
    let workflow = gru_domain::city_files::load(&city).unwrap().workflows.remove(0);
    let citizen = gru_records::timeline::progress(&stored, &workflow).timeline;
    let last = serde_json::to_value(citizen.last().unwrap()).unwrap();
    assert!(last["reason"].as_str().unwrap().starts_with("L'acte demandé"), "the citizen reads it: {last}");
    assert!(!last.to_string().contains("cheffe"), "never the colleagues' comment: {last}");
}
