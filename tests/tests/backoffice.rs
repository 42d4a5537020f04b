//! The back office as agents and citizens live it: a request moves through
//! its service's workflow and the citizen sees (and is emailed) each step;
//! two agents acting at once on one request; a request that came by phone.

use accounts::agents::Role;
use gru_tests::{PDF, TestPortal, death_certificate_answers};
use serde_json::{Value, json};
use std::sync::Arc;

const SERVICE: &str = "acte-etat-civil";

/// The request as the agent's detail shows it.
async fn detail(portal: &TestPortal, agent: &str, reference: &str) -> Value {
    let path = format!("/api/tracking/requests/{reference}");
    let answer = portal.call_with("GET", &path, None, Some(agent)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.body
}

/// Moves the request to `to` from the version the agent read.
async fn transition(
    portal: &TestPortal,
    agent: &str,
    reference: &str,
    to: &str,
    version: &Value,
) -> (u16, Value) {
    let path = format!("/api/tracking/requests/{reference}/transitions");
    let body = json!({ "to": to, "version": version });
    let answer = portal.call_with("POST", &path, Some(&body), Some(agent)).await;
    (answer.status, answer.body)
}

/// The steps the citizen's own view of the request shows, by label.
async fn citizen_steps(portal: &TestPortal, session: &str, reference: &str) -> (Value, Vec<String>) {
    let answer =
        portal.call("GET", &format!("/api/submissions/requests/{reference}"), None, Some(session)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let labels = answer.body["history"]
        .as_array()
        .expect("a timeline")
        .iter()
        .map(|step| step["label"].as_str().expect("a label").to_owned())
        .collect();
    (answer.body, labels)
}

/// Lets the outbox's delivery run, then counts the emails to `to`.
async fn settled_emails(portal: &TestPortal, to: &str) -> Vec<String> {
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    portal.emails_to(to).into_iter().map(|mail| mail.subject).collect()
}

#[tokio::test]
async fn a_request_moves_through_its_workflow_and_the_citizen_sees_and_hears_of_each_step() {
    let portal = TestPortal::spawn().await;
    let citizen = portal.signed_up("claire@exemple.fr").await;
    let reference = portal.death_certificate_request(&citizen).await;
    portal.email_to("claire@exemple.fr", "bien reçue").await;
    let (agent, _) = portal.agent("agent.ec@belleval.example", Role::Agent, &[SERVICE]).await;

    let inbox = portal.call_with("GET", "/api/tracking/inbox", None, Some(&agent)).await;
    assert_eq!(inbox.status, 200, "{}", inbox.body);
    let row = inbox.body["requests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["reference"] == reference.as_str())
        .expect("the new request is in the service's inbox");
    assert_eq!(row["status"]["label"], "Nouvelle demande");
    assert_eq!(row["channel"], "online");

    for (to, subject) in [
        ("verification", "en cours de vérification"),
        ("acte_etabli", "l'acte est établi"),
        ("acte_envoye", "l'acte vous a été envoyé"),
    ] {
        let read = detail(&portal, &agent, &reference).await;
        let (status, body) = transition(&portal, &agent, &reference, to, &read["version"]).await;
        assert_eq!(status, 200, "to {to}: {body}");
        portal.email_to("claire@exemple.fr", subject).await;
    }

    let (view, steps) = citizen_steps(&portal, &citizen, &reference).await;
    assert_eq!(steps, ["Demande reçue", "Vérification de la demande", "Acte établi", "Acte envoyé"]);
    assert_eq!(view["phase"], "accepted");
    assert_eq!(view["status_label"], "Acte envoyé");
    let emails = settled_emails(&portal, "claire@exemple.fr").await;
    let about_request = emails.iter().filter(|subject| subject.contains(&reference)).count();
    assert_eq!(about_request, 4, "the confirmation and one email per visible change: {emails:?}");

    let mine = portal.call("GET", "/api/submissions/mine", None, Some(&citizen)).await;
    let listed =
        mine.body["requests"].as_array().unwrap().iter().find(|r| r["reference"] == reference.as_str());
    assert_eq!(listed.expect("on the dashboard")["phase"], "accepted");

    // A decided request offers no way back to an agent (the standard
    // reopening is a supervisor's); the workflow refuses a jump.
    let read = detail(&portal, &agent, &reference).await;
    let (status, body) = transition(&portal, &agent, &reference, "recue", &read["version"]).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["type"], "urn:gru:problem:transition-not-allowed");
}

#[tokio::test]
async fn an_agent_asks_for_a_document_the_request_waits_and_the_citizens_file_resumes_it() {
    let portal = TestPortal::spawn().await;
    let citizen = portal.signed_up("jeanne@exemple.fr").await;
    let reference = portal.death_certificate_request(&citizen).await;
    let (agent, agent_id) = portal.agent("instructeur@belleval.example", Role::Agent, &[SERVICE]).await;
    let read = detail(&portal, &agent, &reference).await;
    let take = json!({ "agent": agent_id, "version": read["version"] });
    let path = format!("/api/tracking/requests/{reference}/assignee");
    assert_eq!(portal.call_with("POST", &path, Some(&take), Some(&agent)).await.status, 200);
    let read = detail(&portal, &agent, &reference).await;
    assert_eq!(transition(&portal, &agent, &reference, "verification", &read["version"]).await.0, 200);

    // An internal note first: the citizen never sees it, nor hears of it.
    let agent_thread = format!("/api/messaging/agent/requests/{reference}/thread");
    let note = json!({ "text": "Registre de 2024 à consulter <b>avant</b> réponse", "internal": true });
    assert_eq!(portal.call_with("POST", &agent_thread, Some(&note), Some(&agent)).await.status, 201);
    // Then the question, which moves the request to the waiting status.
    let thread = portal.call_with("GET", &agent_thread, None, Some(&agent)).await.body;
    let ask = json!({
        "text": "Merci de nous envoyer le livret de famille <script>alert(1)</script>",
        "ask": { "version": thread["version"] },
    });
    let asked = portal.call_with("POST", &agent_thread, Some(&ask), Some(&agent)).await;
    assert_eq!(asked.status, 201, "{}", asked.body);
    assert_eq!(asked.body["phase"], "waiting_for_citizen");
    let email = portal.email_to("jeanne@exemple.fr", "pièce complémentaire").await;
    assert!(!email.text.contains("livret"), "the email links to the thread, never quotes it: {}", email.text);
    assert!(email.text.contains(&reference));

    let citizen_thread = format!("/api/messaging/requests/{reference}/thread");
    let unread = portal.call("GET", "/api/messaging/unread", None, Some(&citizen)).await;
    assert_eq!(unread.body[&reference], 1, "the note does not count: {}", unread.body);
    let seen = portal.call("GET", &citizen_thread, None, Some(&citizen)).await.body;
    let texts: Vec<&str> =
        seen["messages"].as_array().unwrap().iter().map(|m| m["text"].as_str().unwrap()).collect();
    assert_eq!(texts, ["Merci de nous envoyer le livret de famille <script>alert(1)</script>"]);
    assert_eq!(seen["waiting_for_citizen"], true);

    // The citizen answers with a file.
    let grant = json!({ "name": "livret.pdf", "type": "application/pdf", "size": PDF.len() });
    let files = format!("/api/attachments/requests/{reference}/thread-files");
    let granted = portal.call("POST", &files, Some(&grant), Some(&citizen)).await;
    assert_eq!(granted.status, 201, "{}", granted.body);
    assert!((200..300).contains(&portal.put_upload(&granted.body["upload"], PDF.to_vec()).await));
    let file = granted.body["file"]["id"].as_str().unwrap().to_owned();
    let confirmed =
        portal.call("POST", &format!("{files}/{file}/confirm"), Some(&json!({})), Some(&citizen)).await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.body);
    let answer = json!({ "text": "Voici le livret.", "files": [file] });
    let answered = portal.call("POST", &citizen_thread, Some(&answer), Some(&citizen)).await;
    assert_eq!(answered.status, 201, "{}", answered.body);
    portal.email_to("instructeur@belleval.example", &reference).await;

    // The agent finds the request back in verification, with the file.
    let read = detail(&portal, &agent, &reference).await;
    assert_eq!(read["status"]["id"], "verification");
    assert_eq!(read["deadline"]["paused_since"], Value::Null, "the clock runs again");
    let thread = portal.call_with("GET", &agent_thread, None, Some(&agent)).await.body;
    let last = thread["messages"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["files"][0]["id"], file.as_str());
    let download = format!("/api/attachments/agent/requests/{reference}/files/{file}/download");
    let grant = portal.call_with("POST", &download, Some(&json!({})), Some(&agent)).await;
    assert_eq!(grant.status, 200, "{}", grant.body);
    let bytes =
        portal.client.get(grant.body["url"].as_str().unwrap()).send().await.unwrap().bytes().await.unwrap();
    assert_eq!(&bytes[..], PDF);

    for to in ["acte_etabli", "acte_envoye"] {
        let read = detail(&portal, &agent, &reference).await;
        assert_eq!(transition(&portal, &agent, &reference, to, &read["version"]).await.0, 200);
    }
    let (view, steps) = citizen_steps(&portal, &citizen, &reference).await;
    assert_eq!(
        steps,
        [
            "Demande reçue",
            "Vérification de la demande",
            "Pièce complémentaire demandée",
            "Vérification de la demande",
            "Acte établi",
            "Acte envoyé"
        ]
    );
    assert_eq!(view["phase"], "accepted");
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let emails = portal.emails_to("jeanne@exemple.fr");
    assert!(emails.iter().all(|mail| !mail.text.contains("Registre")), "the note never reaches the citizen");
}

/// Two agents of the service read the same version and change its status
/// at the same instant.
async fn two_agents_change_one_request_at_once(portal: TestPortal) {
    let citizen = portal.signed_up("course@exemple.fr").await;
    let reference = portal.death_certificate_request(&citizen).await;
    let (first, _) = portal.agent("premier@belleval.example", Role::Agent, &[SERVICE]).await;
    let (second, _) = portal.agent("second@belleval.example", Role::Agent, &[SERVICE]).await;
    let read = detail(&portal, &first, &reference).await;
    let portal = Arc::new(portal);
    let race = |agent: String, to: &'static str| {
        let (portal, reference, version) = (portal.clone(), reference.clone(), read["version"].clone());
        tokio::spawn(async move { transition(&portal, &agent, &reference, to, &version).await })
    };
    let (a, b) = (race(first.clone(), "verification"), race(second, "verification"));
    let (a, b) = (a.await.unwrap(), b.await.unwrap());
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "one wins, the other is told: {a:?} {b:?}");
    let loser = if a.0 == 409 { &a.1 } else { &b.1 };
    assert_eq!(loser["type"], "urn:gru:problem:conflict");

    let after = detail(&portal, &first, &reference).await;
    let changes =
        after["history"].as_array().unwrap().iter().filter(|entry| entry["kind"] == "status").count();
    assert_eq!(changes, 1, "exactly one change is in the history: {}", after["history"]);
    assert_eq!(after["status"]["id"], "verification");
    let emails = settled_emails(&portal, "course@exemple.fr").await;
    let told = emails.iter().filter(|subject| subject.contains("en cours de vérification")).count();
    assert_eq!(told, 1, "one email for the one change: {emails:?}");
}

#[tokio::test]
async fn two_agents_changing_one_request_at_once_one_wins_on_sqlite() {
    two_agents_change_one_request_at_once(TestPortal::spawn().await).await;
}

#[tokio::test]
async fn two_agents_changing_one_request_at_once_one_wins_on_dynamodb() {
    let clock = Arc::new(gru_ports::FixedClock::new(jiff::Timestamp::now()));
    two_agents_change_one_request_at_once(TestPortal::spawn_on_moto(clock).await).await;
}

#[tokio::test]
async fn a_phone_request_recorded_by_an_agent_shows_on_the_citizens_dashboard_with_its_channel() {
    let portal = TestPortal::spawn().await;
    let citizen = portal.signed_up("paul@exemple.fr").await;
    let (agent, agent_id) = portal.agent("guichet@belleval.example", Role::Agent, &[SERVICE]).await;
    let body = json!({
        "service": SERVICE,
        "channel": "phone",
        "citizen": { "email": "Paul@Exemple.fr", "name": "Paul Martin" },
        "answers": death_certificate_answers(),
    });
    let recorded =
        portal.call_with("POST", "/api/submissions/agent/requests", Some(&body), Some(&agent)).await;
    assert_eq!(recorded.status, 201, "{}", recorded.body);
    let reference = recorded.body["reference"].as_str().unwrap().to_owned();
    assert_eq!(recorded.body.get("tracking_url"), None, "the citizen's private link is not the agent's");
    let confirmation = portal.email_to("paul@exemple.fr", "bien reçue").await;
    assert!(confirmation.links.iter().any(|link| link.contains("/suivi.html#")), "the citizen gets it");

    let mine = portal.call("GET", "/api/submissions/mine", None, Some(&citizen)).await;
    let listed = mine.body["requests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["reference"] == reference.as_str())
        .expect("the phone request is on the citizen's dashboard");
    assert_eq!(listed["channel"], "phone");

    let read = detail(&portal, &agent, &reference).await;
    assert_eq!(read["channel"], "phone");
    assert_eq!(read["citizen"]["with_account"], true);
    assert_eq!(read["citizen"]["name"], "Paul Martin");
    let first = &read["history"][0];
    assert_eq!((first["kind"].as_str(), first["by"].as_str()), (Some("recorded"), Some(agent_id.as_str())));
    assert_eq!(first["channel"], "phone");
    let found = portal.call_with("GET", "/api/tracking/inbox?q=paul%20martin", None, Some(&agent)).await;
    assert!(found.body["requests"].as_array().unwrap().iter().any(|r| r["reference"] == reference.as_str()));
}

#[tokio::test]
async fn recording_a_request_checks_who_records_it_and_what_they_type() {
    let portal = TestPortal::spawn().await;
    let (agent, _) = portal.agent("guichet@belleval.example", Role::Agent, &[SERVICE]).await;
    let (elsewhere, _) =
        portal.agent("urbanisme@belleval.example", Role::Agent, &["permis-de-construire"]).await;
    let citizen = portal.signed_up("lea@exemple.fr").await;
    let good = json!({
        "service": SERVICE, "channel": "counter",
        "citizen": { "email": "lea@exemple.fr" }, "answers": death_certificate_answers(),
    });
    let path = "/api/submissions/agent/requests";
    let cases: Vec<Case> = vec![
        ("anonymous", None, good.clone(), 401, None),
        ("an agent of another service", Some(&elsewhere), good.clone(), 403, None),
        ("an unknown channel", Some(&agent), with(&good, "channel", json!("pigeon")), 422, Some("channel")),
        (
            "a bad email",
            Some(&agent),
            with(&good, "citizen", json!({ "email": "pas-une-adresse" })),
            422,
            Some("citizen.email"),
        ),
        (
            "markup as a name is kept as text, a control character is refused",
            Some(&agent),
            with(&good, "citizen", json!({ "email": "lea@exemple.fr", "name": "a\u{7}b" })),
            422,
            Some("citizen.name"),
        ),
        (
            "a missing answer",
            Some(&agent),
            with(&good, "answers", json!({ "record_kind": "death" })),
            422,
            Some("person_last_name"),
        ),
        ("an unknown field", Some(&agent), with(&good, "priority", json!(1)), 400, None),
    ];
    for (case, cookie, body, status, field) in cases {
        let answer = portal.call_with("POST", path, Some(&body), cookie).await;
        assert_eq!(answer.status, status, "{case}: {}", answer.body);
        if let Some(field) = field {
            assert!(answer.error_fields().iter().any(|f| f == field), "{case}: {}", answer.body);
        }
    }
    // A citizen's session is not an agent's.
    let as_citizen = portal.call("POST", path, Some(&good), Some(&citizen)).await;
    assert_eq!(as_citizen.status, 401);

    // The same key twice (a double click) records one request.
    let send = |key: &'static str| {
        let request = portal
            .client
            .post(format!("{}{path}", portal.url))
            .header("x-gru-csrf", "1")
            .header("cookie", agent.clone())
            .header("idempotency-key", key)
            .json(&good);
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let (once, twice) = (send("saisie-1").await, send("saisie-1").await);
    assert_eq!(once["reference"], twice["reference"]);
    let mine = portal.call("GET", "/api/submissions/mine", None, Some(&citizen)).await;
    assert_eq!(mine.body["requests"].as_array().unwrap().len(), 1);
}

/// One bad recording: what it tries, as whom, the body, the status and the
/// field named.
type Case<'a> = (&'a str, Option<&'a str>, Value, u16, Option<&'a str>);

/// `body` with `key` set to `value`.
fn with(body: &Value, key: &str, value: Value) -> Value {
    let mut changed = body.clone();
    changed[key] = value;
    changed
}

#[tokio::test]
async fn a_request_received_by_post_without_an_email_gets_printed_letters() {
    let portal = TestPortal::spawn().await;
    let (agent, _) = portal.agent("courrier@belleval.example", Role::Agent, &[SERVICE]).await;
    let path = "/api/submissions/agent/requests";
    let address =
        json!({ "street": "12 rue des Tanneurs", "postcode": "41000", "city": "Belleval-sur-Loire" });
    let body = |channel: &str, citizen: Value| json!({ "service": SERVICE, "channel": channel, "citizen": citizen, "answers": death_certificate_answers() });
    // No email: only by post or at the counter, and then with a name and a postal address.
    for (channel, citizen, fields) in [
        ("phone", json!({ "name": "Odette Marchand", "postal_address": address }), vec!["citizen.email"]),
        ("post", json!({ "name": "Odette Marchand" }), vec!["citizen.email"]),
        ("post", json!({ "postal_address": address }), vec!["citizen.email", "citizen.name"]),
        (
            "counter",
            json!({ "name": "Odette Marchand", "postal_address": { "street": " ", "postcode": "4100", "city": "Belleval" } }),
            vec!["citizen.postal_address.street", "citizen.postal_address.postcode"],
        ),
    ] {
        let refused =
            portal.call_with("POST", path, Some(&body(channel, citizen.clone())), Some(&agent)).await;
        assert_eq!(
            (refused.status, refused.error_fields()),
            (422, fields.iter().map(|f| f.to_string()).collect()),
            "{channel} {citizen}: {}",
            refused.body
        );
    }

    let citizen = json!({ "name": "Odette Marchand", "postal_address": address });
    let recorded = portal.call_with("POST", path, Some(&body("post", citizen)), Some(&agent)).await;
    assert_eq!(recorded.status, 201, "{}", recorded.body);
    let reference = recorded.body["reference"].as_str().unwrap().to_owned();
    let read = detail(&portal, &agent, &reference).await;
    assert_eq!(read["postal_address"]["street"], "12 rue des Tanneurs");

    // The first letter is the acknowledgement, addressed for the envelope's window.
    let letter_path = format!("/api/tracking/requests/{reference}/letter");
    let letter = portal.call_with("GET", &letter_path, None, Some(&agent)).await;
    assert_eq!(letter.status, 200, "{}", letter.body);
    assert_eq!(
        letter.body["recipient"],
        json!(["Odette Marchand", "12 rue des Tanneurs", "41000 Belleval-sur-Loire"])
    );
    assert_eq!(letter.body["sender"][0], "Ville de Belleval-sur-Loire");
    assert!(letter.body["subject"].as_str().unwrap().contains("bien reçue"), "{}", letter.body);
    let text = letter.body["body"].to_string();
    assert!(text.contains(&reference) && text.contains("02 61 91 20 00"), "how to reach the service: {text}");
    assert!(text.contains("Les services de la Ville de Belleval-sur-Loire"), "signed: {text}");

    // A change of status sends no email, and the letter now says it, without the email's own note.
    let (status, _) = transition(&portal, &agent, &reference, "verification", &read["version"]).await;
    assert_eq!(status, 200);
    let letter = portal.call_with("GET", &letter_path, None, Some(&agent)).await;
    assert!(letter.body["subject"].as_str().unwrap().contains("vérification"), "{}", letter.body);
    let text = letter.body["body"].to_string();
    assert!(!text.contains("{link}") && !text.contains("Ce courriel"), "{text}");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let sent = gru_embedded::outbox_messages(&portal.data_path().join("outbox")).unwrap();
    assert!(sent.iter().all(|m| !m.subject.contains(&reference)), "no email about this request: {sent:?}");

    // Another service's agent cannot print it.
    let (elsewhere, _) =
        portal.agent("urbanisme@belleval.example", Role::Agent, &["permis-de-construire"]).await;
    assert_eq!(portal.call_with("GET", &letter_path, None, Some(&elsewhere)).await.status, 404);
}
