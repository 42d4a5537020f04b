//! Citizens' requests, told over HTTP against the all-in-one portal: the
//! civil-status certificate of the demo city, with and without an account.

use gru_tests::{Answer, TestPortal};
use serde_json::{Value, json};

const SERVICE: &str = "acte-etat-civil";

fn birth_answers() -> Value {
    gru_tests::birth_certificate_answers()
}

/// A copy of a death certificate, sent by email.
fn death_answers() -> Value {
    json!({
        "record_kind": "death",
        "person_last_name": "Martin",
        "person_first_names": "Paul",
        "death_date": "2024-02-03",
        "death_place": "Belleval-sur-Loire",
        "requester_name": "Camille Martin",
        "requester_email": "camille.martin@exemple.fr",
        "delivery_method": "email"
    })
}

/// Only the answers of the named fields.
fn subset(answers: &Value, fields: &[&str]) -> Value {
    let map = answers.as_object().unwrap();
    Value::Object(
        map.iter()
            .filter(|(k, _)| fields.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    )
}

fn ids(list: &Value, key: &str) -> Vec<String> {
    list.as_array().unwrap().iter().map(|item| item[key].as_str().unwrap().to_owned()).collect()
}

async fn evaluate(portal: &TestPortal, answers: &Value, page: Option<&str>) -> Value {
    let body = json!({ "service": SERVICE, "answers": answers, "page": page });
    let answer = portal.call("POST", "/api/submissions/evaluate", Some(&body), None).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.body
}

/// Saves the draft with `answers` at `page`; returns the new version.
async fn save(portal: &TestPortal, draft: &Value, answers: &Value, page: &str, session: Option<&str>) -> u64 {
    let body = json!({ "answers": answers, "page": page, "version": draft["version"] });
    let path = format!("/api/submissions/drafts/{}", draft["id"].as_str().unwrap());
    let answer = portal.call("PUT", &path, Some(&body), session).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.body["version"].as_u64().unwrap()
}

/// Fills the draft page by page as the site does: a page's questions may
/// appear as it is answered; each page is checked by the server before
/// moving on, and the draft is saved.
async fn fill_page_by_page(
    portal: &TestPortal,
    mut draft: Value,
    all: &Value,
    session: Option<&str>,
) -> Value {
    let mut given = draft["answers"].clone();
    let mut page_index = 0;
    while let Some(page_id) = visible_page(portal, &given, page_index).await {
        loop {
            let evaluation = evaluate(portal, &given, None).await;
            let fields = ids_of(&evaluation["pages"][page_index]["fields"]);
            let before = given.clone();
            for field in fields.iter().filter(|f| all.get(f.as_str()).is_some()) {
                given[field] = all[field].clone();
            }
            if given == before {
                break;
            }
        }
        let checked = evaluate(portal, &given, Some(&page_id)).await;
        assert_eq!(checked["errors"], json!([]), "page {page_id} is complete");
        draft["version"] = json!(save(portal, &draft, &given, &page_id, session).await);
        page_index += 1;
    }
    draft
}

async fn visible_page(portal: &TestPortal, answers: &Value, index: usize) -> Option<String> {
    let evaluation = evaluate(portal, answers, None).await;
    evaluation["pages"].as_array().unwrap().get(index).map(|p| p["id"].as_str().unwrap().to_owned())
}

async fn new_draft(portal: &TestPortal, session: Option<&str>) -> Value {
    let answer =
        portal.call("POST", "/api/submissions/drafts", Some(&json!({ "service": SERVICE })), session).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    answer.body
}

/// Asks for the code and reads it from the email (its subject ends with it).
async fn emailed_code(portal: &TestPortal, draft_id: &str, email: &str) -> String {
    let path = format!("/api/submissions/drafts/{draft_id}/email");
    let answer = portal.call("POST", &path, Some(&json!({ "email": email })), None).await;
    assert_eq!(answer.status, 202, "{}", answer.body);
    let mail =
        portal.emails_to(email).into_iter().find(|m| m.subject.contains("code")).expect("the code arrives");
    assert!(mail.links.iter().any(|l| l.contains(&format!("brouillon={draft_id}"))), "with a resume link");
    mail.subject.rsplit(' ').next().unwrap().to_owned()
}

async fn submit(
    portal: &TestPortal,
    draft_id: &str,
    body: Value,
    key: &str,
    session: Option<&str>,
) -> Answer {
    portal.attach_required(draft_id, session).await;
    submit_as_is(portal, draft_id, body, key, session).await
}

/// Submits without supplying the documents first.
async fn submit_as_is(
    portal: &TestPortal,
    draft_id: &str,
    body: Value,
    key: &str,
    session: Option<&str>,
) -> Answer {
    let path = format!("/api/submissions/drafts/{draft_id}/submit");
    let request = portal
        .client
        .post(format!("{}{path}", portal.url))
        .header("x-gru-csrf", "1")
        .header("idempotency-key", key)
        .json(&body);
    let request = match session {
        Some(token) => request.header("cookie", format!("gru_session={token}")),
        None => request,
    };
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    Answer { status, headers, body: response.json().await.unwrap() }
}

fn tracking_token(url: &str) -> &str {
    url.split_once("/suivi.html#").expect("a tracking link").1
}

#[tokio::test]
async fn a_birth_certificate_without_an_account_from_first_page_to_tracking_link() {
    let portal = TestPortal::spawn().await;
    let form = portal.get_json(&format!("/api/catalogue/services/{SERVICE}/form"), 200).await;
    assert_eq!(form["version"], 2);

    // The form adapts: a birth certificate for oneself skips the marriage page.
    let answers = birth_answers();
    let evaluation = evaluate(&portal, &answers, None).await;
    assert_eq!(ids(&evaluation["pages"], "id"), ["record", "link", "person", "requester", "delivery"]);
    assert_eq!(ids(&evaluation["documents"], "id"), ["identity"]);

    let draft = new_draft(&portal, None).await;
    assert_eq!(draft["form_version"], 2);
    let draft = fill_page_by_page(&portal, draft, &answers, None).await;
    let id = draft["id"].as_str().unwrap();
    let email = "camille.martin@exemple.fr";
    let code = emailed_code(&portal, id, email).await;

    // Not without the identity document: the refusal names it, and the
    // code keeps its tries.
    let early = submit_as_is(&portal, id, json!({ "code": code }), "birth-0", None).await;
    assert_eq!(early.status, 422, "{}", early.body);
    assert_eq!(early.error_fields(), ["documents.identity"]);
    assert_eq!(early.body["errors"][0]["message"], "Ajoutez ce document : Pièce d'identité.");
    for side in ["recto.pdf", "verso.jpg"] {
        let (media_type, bytes) = if side.ends_with("pdf") {
            ("application/pdf", gru_tests::PDF.to_vec())
        } else {
            ("image/jpeg", [&[0xFF, 0xD8, 0xFF, 0xE0][..], b"JFIF"].concat())
        };
        let sent = portal.upload(id, "identity", side, media_type, &bytes, None).await;
        assert_eq!(sent.status, 200, "{}", sent.body);
    }
    let answer = submit_as_is(&portal, id, json!({ "code": code }), "birth-1", None).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    let reference = answer.body["reference"].as_str().unwrap().to_owned();
    let tracking_url = answer.body["tracking_url"].as_str().unwrap().to_owned();

    // A double click gets the same answer, and creates nothing more.
    let again = submit(&portal, id, json!({ "code": code }), "birth-1", None).await;
    assert_eq!((again.status, &again.body), (201, &answer.body));

    // The confirmation email carries both the reference and the tracking link.
    let confirmation = portal.email_to(email, "bien reçue").await;
    assert!(confirmation.subject.contains(&reference));
    assert_eq!(confirmation.links, std::slice::from_ref(&tracking_url));
    // From the city, signed by it, as its city.toml says.
    assert!(
        confirmation.from.starts_with("\"Ville de Belleval-sur-Loire\" <ne-pas-repondre@"),
        "{}",
        confirmation.from
    );
    assert!(
        confirmation.text.contains("Les services de la Ville de Belleval-sur-Loire"),
        "{}",
        confirmation.text
    );
    let code_email = portal.email_to(email, "code de confirmation").await;
    assert_eq!(code_email.from, confirmation.from, "the codes sent at once are signed the same way");
    assert!(!code_email.text.contains("{signature}"), "{}", code_email.text);

    let tracked = portal
        .call(
            "POST",
            "/api/submissions/tracking",
            Some(&json!({ "token": tracking_token(&tracking_url) })),
            None,
        )
        .await;
    assert_eq!(tracked.status, 200, "{}", tracked.body);
    assert_eq!(tracked.body["reference"], reference);
    assert_eq!(tracked.body["phase"], "submitted");
    assert_eq!(tracked.body["answers"]["person_last_name"], "Martin");
    let first_page = &tracked.body["summary"][0];
    assert_eq!(first_page["answers"][0]["value"], "Acte de naissance", "choices read by their labels");
    let dates: Vec<&Value> = tracked.body["summary"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["answers"].as_array().unwrap())
        .filter(|a| a["field"] == "birth_date")
        .map(|a| &a["value"])
        .collect();
    assert_eq!(dates, [&json!("12/04/1990")]);
    assert_eq!(ids(&tracked.body["documents"], "id"), ["identity"]);
    let files = tracked.body["documents"][0]["files"].as_array().unwrap();
    let names: Vec<&str> = files.iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["recto.pdf", "verso.jpg"]);
    // The tracking link downloads them, as attachments.
    let path = format!("/api/attachments/tracking/files/{}/download", files[0]["id"].as_str().unwrap());
    let grant =
        portal.call("POST", &path, Some(&json!({ "token": tracking_token(&tracking_url) })), None).await;
    assert_eq!(grant.status, 200, "{}", grant.body);
    let download = portal.client.get(grant.body["url"].as_str().unwrap()).send().await.unwrap();
    assert_eq!(download.headers()["content-type"], "application/pdf");
    assert!(download.headers()["content-disposition"].to_str().unwrap().starts_with("attachment;"));
    assert_eq!(download.bytes().await.unwrap(), gru_tests::PDF);
    assert_eq!(tracked.body["steps"][0]["state"], "current");
    assert_eq!(tracked.headers["cache-control"], "no-store, private");

    // The draft is gone, and a forged tracking token leads nowhere.
    assert_eq!(portal.call("GET", &format!("/api/submissions/drafts/{id}"), None, None).await.status, 404);
    let forged = portal
        .call("POST", "/api/submissions/tracking", Some(&json!({ "token": "x".repeat(43) })), None)
        .await;
    assert_eq!(forged.status, 404);
}

async fn signed_up(portal: &TestPortal, email: &str) -> String {
    portal.signed_up(email).await
}

#[tokio::test]
async fn a_citizen_with_an_account_resumes_a_draft_and_follows_the_request() {
    let portal = TestPortal::spawn().await;
    let email = "claude.bernard@exemple.fr";

    // Before having an account, Claude asked for a death certificate.
    let draft = fill_page_by_page(&portal, new_draft(&portal, None).await, &death_answers(), None).await;
    let id = draft["id"].as_str().unwrap();
    let code = emailed_code(&portal, id, email).await;
    let earlier = submit(&portal, id, json!({ "code": code }), "earlier", None).await;
    assert_eq!(earlier.status, 201, "{}", earlier.body);

    let session = signed_up(&portal, email).await;
    let session = Some(session.as_str());

    // Claude starts a birth certificate, stops after the first page...
    let draft = new_draft(&portal, session).await;
    assert_eq!(draft["with_account"], true);
    let first = subset(&birth_answers(), &["record_kind", "copy_kind"]);
    save(&portal, &draft, &first, "link", session).await;

    // ...and finds it on the dashboard, with the request made before.
    let mine = portal.call("GET", "/api/submissions/mine", None, session).await;
    assert_eq!(mine.status, 200, "{}", mine.body);
    assert_eq!(ids(&mine.body["drafts"], "id"), [draft["id"].as_str().unwrap()]);
    assert_eq!(ids(&mine.body["requests"], "reference"), [earlier.body["reference"].as_str().unwrap()]);

    // Nobody else can open the account's draft.
    let path = format!("/api/submissions/drafts/{}", draft["id"].as_str().unwrap());
    assert_eq!(portal.call("GET", &path, None, None).await.status, 404);

    // Resumed where it was left, finished, and sent without any code.
    let resumed = portal.call("GET", &path, None, session).await;
    assert_eq!((resumed.body["page"].as_str(), &resumed.body["answers"]), (Some("link"), &first));
    let finished = fill_page_by_page(&portal, resumed.body, &birth_answers(), session).await;
    let sent = submit(&portal, finished["id"].as_str().unwrap(), json!({}), "with-account", session).await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    let reference = sent.body["reference"].as_str().unwrap();

    let mine = portal.call("GET", "/api/submissions/mine", None, session).await;
    assert_eq!(mine.body["drafts"], json!([]));
    assert_eq!(mine.body["requests"][0]["reference"], reference, "newest first");
    assert_eq!(mine.body["requests"][0]["phase_label"], "Demande reçue");
    let request = portal.call("GET", &format!("/api/submissions/requests/{reference}"), None, session).await;
    assert_eq!(request.status, 200);
    assert_eq!(request.body["service"]["slug"], SERVICE);

    // Another citizen cannot read it.
    let other = signed_up(&portal, "dominique@exemple.fr").await;
    let denied =
        portal.call("GET", &format!("/api/submissions/requests/{reference}"), None, Some(&other)).await;
    assert_eq!(denied.status, 404);
}

#[tokio::test]
async fn a_death_certificate_asks_other_questions_and_other_documents() {
    let portal = TestPortal::spawn().await;
    let birth = evaluate(&portal, &birth_answers(), None).await;
    let death = evaluate(&portal, &death_answers(), None).await;
    assert_eq!(ids(&death["pages"], "id"), ["record", "person", "requester", "delivery"], "no relation page");
    let fields = |evaluation: &Value| -> Vec<String> {
        evaluation["pages"].as_array().unwrap().iter().flat_map(|p| ids_of(&p["fields"])).collect()
    };
    let (birth_fields, death_fields) = (fields(&birth), fields(&death));
    for only_death in ["death_date", "death_place", "delivery_method"] {
        assert!(
            death_fields.iter().any(|f| f == only_death) && !birth_fields.iter().any(|f| f == only_death)
        );
    }
    for only_birth in ["copy_kind", "relation", "birth_date", "parent1_name", "postal_address"] {
        assert!(
            birth_fields.iter().any(|f| f == only_birth) && !death_fields.iter().any(|f| f == only_birth)
        );
    }
    assert_eq!(ids(&birth["documents"], "id"), ["identity"]);
    assert_eq!(death["documents"], json!([]), "a death certificate needs no document");

    // A parent asking for a child's birth certificate must prove the link.
    let mut parent = birth_answers();
    parent["relation"] = json!("parent");
    let evaluation = evaluate(&portal, &parent, None).await;
    assert_eq!(ids(&evaluation["documents"], "id"), ["identity", "relation_proof"]);
}

fn ids_of(list: &Value) -> Vec<String> {
    list.as_array().unwrap().iter().map(|f| f.as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn every_field_error_comes_back_on_its_field() {
    let portal = TestPortal::spawn().await;
    let mut answers = birth_answers();
    answers["person_last_name"] = json!("");
    answers["birth_date"] = json!("2999-01-01");
    answers["copies"] = json!(9);
    answers["requester_email"] = json!("pas-une-adresse");
    answers["postal_address"] =
        json!({ "street": "3 rue des Lilas", "postcode": "4100", "city": "Belleval" });
    let evaluation = evaluate(&portal, &answers, None).await;
    let mut fields = ids(&evaluation["errors"], "field");
    fields.sort();
    assert_eq!(
        fields,
        ["birth_date", "copies", "person_last_name", "postal_address.postcode", "requester_email"]
    );

    // The same errors stop the submission, each on its field.
    let draft = new_draft(&portal, None).await;
    save(&portal, &draft, &answers, "delivery", None).await;
    let id = draft["id"].as_str().unwrap();
    let code = emailed_code(&portal, id, "errors@exemple.fr").await;
    let refused = submit(&portal, id, json!({ "code": code }), "errors", None).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(refused.body["type"], "urn:gru:problem:invalid-answers");
    let mut fields = refused.error_fields();
    fields.sort();
    assert_eq!(
        fields,
        ["birth_date", "copies", "person_last_name", "postal_address.postcode", "requester_email"]
    );
    assert_eq!(
        portal.call("GET", &format!("/api/submissions/drafts/{id}"), None, None).await.status,
        200,
        "kept"
    );
}

#[tokio::test]
async fn bad_input_gets_a_clear_problem_and_changes_nothing() {
    let portal = TestPortal::spawn().await;
    let raw = |body: &'static str, content_type: &'static str| {
        portal
            .client
            .post(format!("{}/api/submissions/evaluate", portal.url))
            .header("x-gru-csrf", "1")
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let malformed = raw("{\"service\": ", "application/json").await.unwrap();
    assert_eq!(malformed.status(), 400);
    assert_eq!(malformed.headers()["content-type"], "application/problem+json");
    assert_eq!(raw("service=x", "application/x-www-form-urlencoded").await.unwrap().status(), 415);

    let unknown = portal
        .call("POST", "/api/submissions/evaluate", Some(&json!({ "service": "nope", "answers": {} })), None)
        .await;
    assert_eq!((unknown.status, unknown.error_fields()), (404, vec!["service".to_owned()]));
    let no_form =
        portal.call("POST", "/api/submissions/drafts", Some(&json!({ "service": "pacs" })), None).await;
    assert_eq!(no_form.status, 404);
    let unknown_field = portal
        .call("POST", "/api/submissions/drafts", Some(&json!({ "service": SERVICE, "x": 1 })), None)
        .await;
    assert_eq!((unknown_field.status, unknown_field.error_fields()), (400, vec!["x".to_owned()]));

    // Without the CSRF header, a state change is refused.
    let forged = portal
        .client
        .post(format!("{}/api/submissions/drafts", portal.url))
        .json(&json!({ "service": SERVICE }))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);

    // A 1 MB answer is refused before it is read.
    let draft = new_draft(&portal, None).await;
    let path = format!("/api/submissions/drafts/{}", draft["id"].as_str().unwrap());
    let huge = json!({ "answers": { "comments": "a".repeat(1 << 20) }, "page": "record", "version": 1 });
    let too_large = portal.call("PUT", &path, Some(&huge), None).await;
    assert_eq!((too_large.status, &too_large.body["type"]), (413, &json!("urn:gru:problem:body-too-large")));
    // An answer to a question the form does not ask is named.
    let stray = json!({ "answers": { "favourite_colour": "bleu" }, "page": "record", "version": 1 });
    let refused = portal.call("PUT", &path, Some(&stray), None).await;
    assert_eq!((refused.status, refused.error_fields()), (400, vec!["favourite_colour".to_owned()]));
    assert_eq!(portal.call("GET", &path, None, None).await.body["version"], 1, "nothing saved");

    // Markup is kept as the text it is.
    let mut answers = birth_answers();
    answers["comments"] = json!("<script>alert('x')</script> & <b>gras</b>");
    save(&portal, &draft, &answers, "delivery", None).await;
    assert_eq!(portal.call("GET", &path, None, None).await.body["answers"]["comments"], answers["comments"]);

    // Answers to hidden questions are refused at submission: a death-only
    // question in a birth request.
    let id = draft["id"].as_str().unwrap();
    let mut hidden = answers.clone();
    hidden["death_place"] = json!("Ailleurs");
    let current = portal.call("GET", &path, None, None).await.body;
    save(&portal, &current, &hidden, "delivery", None).await;
    let code = emailed_code(&portal, id, "bad.input@exemple.fr").await;
    let refused = submit(&portal, id, json!({ "code": code }), "hidden", None).await;
    assert_eq!((refused.status, refused.error_fields()), (422, vec!["death_place".to_owned()]));

    // A wrong code is refused; five wrong codes spend it, even the right one then fails.
    let current = portal.call("GET", &path, None, None).await.body;
    save(&portal, &current, &answers, "delivery", None).await;
    for _ in 0..5 {
        let wrong = submit(&portal, id, json!({ "code": "000000" }), "wrong", None).await;
        assert_eq!((wrong.status, wrong.error_fields()), (400, vec!["code".to_owned()]));
    }
    let spent = submit(&portal, id, json!({ "code": code }), "spent", None).await;
    assert_eq!((spent.status, &spent.body["type"]), (400, &json!("urn:gru:problem:invalid-code")));
    assert_eq!(portal.call("GET", &path, None, None).await.status, 200, "the draft is still there");
}

#[tokio::test]
async fn an_expired_or_reused_code_is_refused() {
    let clock = std::sync::Arc::new(gru_ports::FixedClock::new("2026-11-28T09:00:00Z".parse().unwrap()));
    let portal = TestPortal::spawn_with_clock(clock.clone()).await;
    let draft = fill_page_by_page(&portal, new_draft(&portal, None).await, &birth_answers(), None).await;
    let id = draft["id"].as_str().unwrap();
    let code = emailed_code(&portal, id, "late@exemple.fr").await;
    clock.advance(jiff::SignedDuration::from_mins(16));
    let expired = submit(&portal, id, json!({ "code": code }), "late", None).await;
    assert_eq!((expired.status, expired.error_fields()), (400, vec!["code".to_owned()]));

    let code = emailed_code(&portal, id, "late@exemple.fr").await;
    assert_eq!(submit(&portal, id, json!({ "code": code }), "first", None).await.status, 201);
    // The same code on another submission of the same draft: the draft is gone.
    let reused = submit(&portal, id, json!({ "code": code }), "second", None).await;
    assert_eq!(reused.status, 404, "{}", reused.body);
}

#[tokio::test]
async fn an_unfinished_draft_is_purged_after_a_warning() {
    let clock = std::sync::Arc::new(gru_ports::FixedClock::new("2026-11-28T09:00:00Z".parse().unwrap()));
    let portal = TestPortal::spawn_with_clock(clock.clone()).await;
    let draft = new_draft(&portal, None).await;
    let id = draft["id"].as_str().unwrap();
    emailed_code(&portal, id, "forgetful@exemple.fr").await;

    let warnings = || {
        portal
            .emails_to("forgetful@exemple.fr")
            .into_iter()
            .filter(|m| m.subject.contains("pas terminée"))
            .count()
    };
    clock.advance(jiff::SignedDuration::from_hours(22 * 24));
    portal.housekeeping.as_ref().unwrap().run_once().await.unwrap();
    assert_eq!(warnings(), 0, "too early");
    clock.advance(jiff::SignedDuration::from_hours(2 * 24));
    portal.housekeeping.as_ref().unwrap().run_once().await.unwrap();
    portal.housekeeping.as_ref().unwrap().run_once().await.unwrap();
    assert_eq!(warnings(), 1, "warned once, a week before");
    assert_eq!(portal.call("GET", &format!("/api/submissions/drafts/{id}"), None, None).await.status, 200);

    clock.advance(jiff::SignedDuration::from_hours(7 * 24));
    let report = portal.housekeeping.as_ref().unwrap().run_once().await.unwrap();
    assert!(report.items_purged >= 1, "{report:?}");
    assert_eq!(portal.call("GET", &format!("/api/submissions/drafts/{id}"), None, None).await.status, 404);
}

#[tokio::test]
async fn a_draft_keeps_the_form_version_it_was_started_with() {
    let city = tempfile::tempdir().unwrap();
    gru_tests::copy_tree(&gru_tests::repository().join("infra/cities/demo"), city.path());
    let portal = TestPortal::spawn_with_city(city.path().to_owned()).await;
    let draft = fill_page_by_page(&portal, new_draft(&portal, None).await, &birth_answers(), None).await;
    let id = draft["id"].as_str().unwrap().to_owned();
    let data = portal.stop().await;

    // The city publishes version 3, with a new required question on page 1.
    let file = city.path().join("services/acte-etat-civil.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    let new_question = "[[form.pages.fields]]\nid = \"purpose\"\ntype = \"text\"\nlabel = \"Pour quelle démarche ?\"\nhelp = \"Par exemple : mariage, succession.\"\nrequired = true\n\n[[form.pages.fields]]\nid = \"copy_kind\"";
    let changed = text.replacen("version = 2\n", "version = 3\n", 1).replacen(
        "[[form.pages.fields]]\nid = \"copy_kind\"",
        new_question,
        1,
    );
    assert_ne!(changed, text);
    std::fs::write(&file, changed).unwrap();
    let portal = TestPortal::spawn_in(data, city.path().to_owned()).await;

    assert_eq!(portal.get_json(&format!("/api/catalogue/services/{SERVICE}/form"), 200).await["version"], 3);
    assert_eq!(
        portal.get_json(&format!("/api/catalogue/services/{SERVICE}/form?version=2"), 200).await["version"],
        2
    );
    assert_eq!(new_draft(&portal, None).await["form_version"], 3, "new drafts get the new version");
    // The draft started on version 2 is submitted against version 2, without
    // the new question.
    let code = emailed_code(&portal, &id, "fidele@exemple.fr").await;
    let sent = submit(&portal, &id, json!({ "code": code }), "v1", None).await;
    assert_eq!(sent.status, 201, "{}", sent.body);
}

#[tokio::test]
async fn a_published_form_cannot_change_without_a_new_version() {
    let city = tempfile::tempdir().unwrap();
    gru_tests::copy_tree(&gru_tests::repository().join("infra/cities/demo"), city.path());
    let portal = TestPortal::spawn_with_city(city.path().to_owned()).await;
    let data = portal.stop().await;
    let file = city.path().join("services/acte-etat-civil.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replacen("max_length = 100", "max_length = 90", 1)).unwrap();

    let options = portal::Options::new(data.path().to_owned(), city.path().to_owned());
    let error = portal::Portal::open(&options, "http://127.0.0.1:1").await.err().expect("the import refuses");
    assert!(format!("{error:#}").contains("raise `version`"), "{error:#}");
}

#[tokio::test]
async fn the_portal_keeps_drafts_as_long_as_it_is_told() {
    let data = tempfile::tempdir().unwrap();
    let options = portal::Options {
        drafts: gru_web::DraftPolicy::days(3, 1).unwrap(),
        ..portal::Options::new(data.path().to_owned(), gru_tests::repository().join("infra/cities/demo"))
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let opened = portal::Portal::open(&options, &url).await.unwrap();
    tokio::spawn(portal::serve(listener, opened.router, std::future::pending()));
    let draft: Value = reqwest::Client::new()
        .post(format!("{url}/api/submissions/drafts"))
        .header("x-gru-csrf", "1")
        .json(&json!({ "service": SERVICE }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let purge_at: jiff::Timestamp = draft["purge_at"].as_str().unwrap().parse().unwrap();
    let kept = purge_at.duration_since(jiff::Timestamp::now());
    assert!(
        kept > jiff::SignedDuration::from_hours(71) && kept <= jiff::SignedDuration::from_hours(72),
        "{kept:?}"
    );
}

/// Issue 14: the draft's id (its key when there is no account), the email
/// code's acknowledgement and the tracking link of a submission are never
/// kept by the CDN nor by a shared cache.
#[tokio::test]
async fn a_draft_its_email_code_and_its_submission_are_never_cached() {
    let portal = TestPortal::spawn().await;
    let no_store = |answer: &Answer, what: &str| {
        let cache = answer.headers.get("cache-control").map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(
            cache.as_deref(),
            Some("no-store, private"),
            "{what} ({}): {}",
            answer.status,
            answer.body
        );
    };
    let created =
        portal.call("POST", "/api/submissions/drafts", Some(&json!({ "service": SERVICE })), None).await;
    assert_eq!(created.status, 201, "{}", created.body);
    no_store(&created, "POST /api/submissions/drafts");
    let id = created.body["id"].as_str().unwrap().to_owned();
    let draft = format!("/api/submissions/drafts/{id}");
    let save = json!({ "answers": death_answers(), "page": "delivery", "version": created.body["version"] });
    assert_eq!(portal.call("PUT", &draft, Some(&save), None).await.status, 200);

    let email = "sans.cache@exemple.fr";
    let asked = portal.call("POST", &format!("{draft}/email"), Some(&json!({ "email": email })), None).await;
    assert_eq!(asked.status, 202, "{}", asked.body);
    no_store(&asked, "POST …/email");
    let mail = portal.emails_to(email).into_iter().find(|m| m.subject.contains("code")).expect("the code");
    let code = mail.subject.rsplit(' ').next().unwrap().to_owned();

    let sent = submit_as_is(&portal, &id, json!({ "code": code }), "no-store", None).await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    assert!(sent.body["tracking_url"].is_string(), "the answer holds the tracking link");
    no_store(&sent, "POST …/submit");
    let replayed = submit_as_is(&portal, &id, json!({ "code": code }), "no-store", None).await;
    assert_eq!(replayed.status, 201, "{}", replayed.body);
    no_store(&replayed, "POST …/submit, replayed");
}

/// Issue 14: the CSRF header must say `1`, as docs/api.md has it; any
/// other value is refused like a missing header.
#[tokio::test]
async fn the_csrf_header_must_say_1() {
    let portal = TestPortal::spawn().await;
    let create = |csrf: &'static str| {
        portal
            .client
            .post(format!("{}/api/submissions/drafts", portal.url))
            .header("x-gru-csrf", csrf)
            .json(&json!({ "service": SERVICE }))
            .send()
    };
    for value in ["0", "yes", "", "true", "11"] {
        let refused = create(value).await.unwrap();
        assert_eq!(refused.status(), 403, "X-GRU-CSRF: {value:?}");
        assert_eq!(refused.headers()["content-type"], "application/problem+json");
        let problem: Value = refused.json().await.unwrap();
        assert_eq!(problem["type"], "urn:gru:problem:csrf", "X-GRU-CSRF: {value:?}");
        assert!(problem["detail"].as_str().unwrap().contains("X-GRU-CSRF: 1"), "{problem}");
    }
    let accepted = create("1").await.unwrap();
    assert_eq!(accepted.status(), 201, "X-GRU-CSRF: 1");
}

/// Issue 14: a required answer made only of invisible characters (zero-width
/// spaces, a right-to-left override…) shows nothing, so it is missing: the
/// same error as an empty answer, on its field, when the page is checked
/// and when the request is sent.
#[tokio::test]
async fn a_name_of_invisible_characters_is_missing() {
    let portal = TestPortal::spawn().await;
    let mut empty = birth_answers();
    empty["person_last_name"] = json!("");
    let expected = evaluate(&portal, &empty, None).await["errors"].clone();
    assert_eq!(ids(&expected, "field"), ["person_last_name"]);
    for invisible in ["\u{200b}\u{200b}", "\u{202e}\u{200b}", "\u{feff}\u{2060} \u{ad}\u{2069}"] {
        let mut answers = birth_answers();
        answers["person_last_name"] = json!(invisible);
        assert_eq!(evaluate(&portal, &answers, None).await["errors"], expected, "{invisible:?}");
    }

    let mut answers = birth_answers();
    answers["person_last_name"] = json!("\u{200b}\u{200b}");
    let draft = new_draft(&portal, None).await;
    save(&portal, &draft, &answers, "delivery", None).await;
    let id = draft["id"].as_str().unwrap();
    let code = emailed_code(&portal, id, "invisible@exemple.fr").await;
    let refused = submit(&portal, id, json!({ "code": code }), "invisible", None).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(refused.headers["content-type"], "application/problem+json");
    assert_eq!(refused.body["type"], "urn:gru:problem:invalid-answers");
    assert_eq!(refused.error_fields(), ["person_last_name"]);
    assert_eq!(refused.body["errors"][0]["message"], "Saisissez une réponse.");
}
