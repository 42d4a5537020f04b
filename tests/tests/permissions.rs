//! Who may call what: every route of the submissions and accounts functions
//! against every kind of caller, as one table. Citizen A owns the account
//! draft and the request; citizen B is another signed-in citizen.

use gru_tests::{PDF, TestPortal};
use serde_json::{Value, json};

/// The callers of the table.
#[derive(Clone, Copy, Debug)]
enum Caller {
    Anonymous,
    CitizenA,
    CitizenB,
}
use Caller::*;

/// One row: method, path, body, and the status each caller gets (in the
/// order they call, so destructive calls come last).
type Row = (&'static str, String, Option<Value>, [(Caller, u16); 3]);

async fn signed_up(portal: &TestPortal, email: &str) -> String {
    let body = json!({ "email": email, "password": "un mot de passe solide" });
    assert_eq!(portal.call("POST", "/api/accounts/signup", Some(&body), None).await.status, 202);
    let mail = portal.emails_to(email).into_iter().next().unwrap();
    let token = mail.links.iter().find_map(|l| l.split_once("verifier.html#")).unwrap().1.to_owned();
    let answer =
        portal.call("POST", "/api/accounts/signup/verify", Some(&json!({ "token": token })), None).await;
    answer.session().unwrap()
}

/// A's request for a death certificate, submitted from an account draft;
/// returns its reference.
async fn request_of(portal: &TestPortal, session: &str) -> String {
    let draft = portal
        .call(
            "POST",
            "/api/submissions/drafts",
            Some(&json!({ "service": "acte-etat-civil" })),
            Some(session),
        )
        .await
        .body;
    let answers = json!({
        "record_kind": "death", "person_last_name": "Martin", "person_first_names": "Paul",
        "death_date": "2024-02-03", "death_place": "Belleval-sur-Loire", "requester_name": "A",
        "requester_email": "a@exemple.fr", "delivery_method": "email"
    });
    let path = format!("/api/submissions/drafts/{}", draft["id"].as_str().unwrap());
    let saved = portal
        .call(
            "PUT",
            &path,
            Some(&json!({ "answers": answers, "page": "delivery", "version": 1 })),
            Some(session),
        )
        .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    let sent = portal.call("POST", &format!("{path}/submit"), Some(&json!({})), Some(session)).await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    sent.body["reference"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn every_route_against_every_caller() {
    let portal = TestPortal::spawn().await;
    let a = signed_up(&portal, "a@exemple.fr").await;
    let b = signed_up(&portal, "b@exemple.fr").await;
    let reference = request_of(&portal, &a).await;
    let new_draft = |session: Option<String>| {
        let portal = &portal;
        async move {
            let body = json!({ "service": "acte-etat-civil" });
            let answer =
                portal.call("POST", "/api/submissions/drafts", Some(&body), session.as_deref()).await;
            answer.body["id"].as_str().unwrap().to_owned()
        }
    };
    let a_draft = new_draft(Some(a.clone())).await;
    let open_draft = new_draft(None).await;
    let save = json!({ "answers": {}, "page": "record", "version": 1 });
    // A's birth-certificate draft with a file, and A's request with another.
    let a_birth = portal.birth_certificate_draft(Some(&a)).await;
    let upload = |draft: String| {
        let (portal, a) = (&portal, a.clone());
        async move {
            let sent = portal.upload(&draft, "identity", "carte.pdf", "application/pdf", PDF, Some(&a)).await;
            sent.body["id"].as_str().unwrap().to_owned()
        }
    };
    let draft_file = upload(a_birth.clone()).await;
    let a_sent = portal.birth_certificate_draft(Some(&a)).await;
    let request_file = upload(a_sent.clone()).await;
    let submit = format!("/api/submissions/drafts/{a_sent}/submit");
    let sent = portal.call("POST", &submit, Some(&json!({})), Some(&a)).await;
    let birth_reference = sent.body["reference"].as_str().unwrap().to_owned();
    let grant = json!({ "document": "identity", "name": "verso.pdf", "type": "application/pdf", "size": 10 });
    let a_file = format!("/api/attachments/drafts/{a_birth}/files/{draft_file}");

    let table: Vec<Row> = vec![
        (
            "POST",
            "/api/submissions/evaluate".into(),
            Some(json!({ "service": "acte-etat-civil", "answers": {} })),
            [(Anonymous, 200), (CitizenA, 200), (CitizenB, 200)],
        ),
        (
            "POST",
            "/api/submissions/drafts".into(),
            Some(json!({ "service": "acte-etat-civil" })),
            [(Anonymous, 201), (CitizenA, 201), (CitizenB, 201)],
        ),
        (
            "GET",
            format!("/api/submissions/drafts/{a_draft}"),
            None,
            [(Anonymous, 404), (CitizenA, 200), (CitizenB, 404)],
        ),
        (
            "PUT",
            format!("/api/submissions/drafts/{a_draft}"),
            Some(save.clone()),
            [(Anonymous, 404), (CitizenB, 404), (CitizenA, 200)],
        ),
        (
            "POST",
            format!("/api/submissions/drafts/{a_draft}/email"),
            Some(json!({ "email": "x@exemple.fr" })),
            [(Anonymous, 404), (CitizenB, 404), (CitizenA, 400)],
        ),
        (
            "POST",
            format!("/api/submissions/drafts/{a_draft}/submit"),
            Some(json!({})),
            [(Anonymous, 404), (CitizenB, 404), (CitizenA, 422)],
        ),
        (
            "DELETE",
            format!("/api/submissions/drafts/{a_draft}"),
            None,
            [(Anonymous, 404), (CitizenB, 404), (CitizenA, 204)],
        ),
        // A draft without an account: its id is the capability.
        (
            "GET",
            format!("/api/submissions/drafts/{open_draft}"),
            None,
            [(Anonymous, 200), (CitizenA, 200), (CitizenB, 200)],
        ),
        ("GET", "/api/submissions/mine".into(), None, [(Anonymous, 401), (CitizenA, 200), (CitizenB, 200)]),
        (
            "GET",
            format!("/api/submissions/requests/{reference}"),
            None,
            [(Anonymous, 401), (CitizenA, 200), (CitizenB, 404)],
        ),
        (
            "POST",
            "/api/submissions/tracking".into(),
            Some(json!({ "token": "pas-un-lien" })),
            [(Anonymous, 404), (CitizenA, 404), (CitizenB, 404)],
        ),
        (
            "GET",
            format!("/api/attachments/drafts/{a_birth}"),
            None,
            [(Anonymous, 404), (CitizenB, 404), (CitizenA, 200)],
        ),
        (
            "POST",
            format!("/api/attachments/drafts/{a_birth}/files"),
            Some(grant),
            [(Anonymous, 404), (CitizenB, 404), (CitizenA, 201)],
        ),
        (
            "POST",
            format!("{a_file}/confirm"),
            Some(json!({})),
            [(Anonymous, 404), (CitizenB, 404), (CitizenA, 200)],
        ),
        (
            "POST",
            format!("{a_file}/download"),
            Some(json!({})),
            [(Anonymous, 404), (CitizenB, 404), (CitizenA, 200)],
        ),
        ("DELETE", a_file.clone(), None, [(Anonymous, 404), (CitizenB, 404), (CitizenA, 204)]),
        (
            "POST",
            format!("/api/attachments/requests/{birth_reference}/files/{request_file}/download"),
            Some(json!({})),
            [(Anonymous, 401), (CitizenB, 404), (CitizenA, 200)],
        ),
        (
            "POST",
            format!("/api/attachments/tracking/files/{request_file}/download"),
            Some(json!({ "token": "pas-un-lien" })),
            [(Anonymous, 404), (CitizenA, 404), (CitizenB, 404)],
        ),
        ("GET", "/api/accounts/me".into(), None, [(Anonymous, 401), (CitizenA, 200), (CitizenB, 200)]),
        (
            "PUT",
            "/api/accounts/me/profile".into(),
            Some(json!({ "name": "A" })),
            [(Anonymous, 401), (CitizenA, 200), (CitizenB, 200)],
        ),
        (
            "POST",
            "/api/accounts/password/change".into(),
            Some(json!({ "current": "faux mot de passe", "password": "un autre mot de passe" })),
            [(Anonymous, 401), (CitizenA, 422), (CitizenB, 422)],
        ),
        (
            "POST",
            "/api/accounts/signout/everywhere".into(),
            None,
            [(Anonymous, 401), (CitizenB, 204), (CitizenA, 204)],
        ),
    ];
    for (method, path, body, expectations) in &table {
        for (caller, status) in expectations {
            let session = match caller {
                Anonymous => None,
                CitizenA => Some(a.as_str()),
                CitizenB => Some(b.as_str()),
            };
            let answer = portal.call(method, path, body.as_ref(), session).await;
            assert_eq!(answer.status, *status, "{method} {path} as {caller:?}: {}", answer.body);
        }
    }
}
