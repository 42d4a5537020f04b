//! Supporting documents, told over HTTP on both deployments: the all-in-one
//! portal (SQLite, files in the data directory, clamd) and the functions as
//! on AWS (DynamoDB and S3 on moto server, GuardDuty's verdict read from
//! the object's tags). Each story runs on both (`on_both!`).

use gru_ports::FixedClock;
use gru_tests::{Answer, PDF, TestPortal};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use std::sync::Arc;

use gru_tests::on_both;

on_both!(
    a_file_of_another_type_is_refused_before_any_upload,
    a_renamed_executable_is_not_a_pdf,
    a_body_of_another_length_is_refused,
    hostile_file_names_are_cleaned,
    an_expired_grant_cannot_be_confirmed,
    quotas_hold_per_document_and_per_file,
    another_citizen_learns_nothing_about_a_file,
    replace_and_remove_keep_one_file_per_place,
    parallel_grants_never_pass_the_quota,
    files_of_a_document_no_longer_asked_for_take_no_place,
    thread_files_from_both_sides_reach_the_agent_and_no_stranger,
    a_closed_request_takes_no_new_thread_file,
    an_upload_grant_is_good_for_one_upload,
    a_file_name_loses_its_right_to_left_override,
);

async fn checklist(portal: &TestPortal, draft: &str, session: Option<&str>) -> Value {
    let answer = portal.call("GET", &format!("/api/attachments/drafts/{draft}"), None, session).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.body
}

/// The files listed for the identity document.
async fn identity_files(portal: &TestPortal, draft: &str) -> Vec<Value> {
    let list = checklist(portal, draft, None).await;
    let identity =
        list["documents"].as_array().unwrap().iter().find(|d| d["id"] == "identity").unwrap().clone();
    identity["files"].as_array().unwrap().clone()
}

async fn grant(portal: &TestPortal, draft: &str, body: Value) -> Answer {
    portal.call("POST", &format!("/api/attachments/drafts/{draft}/files"), Some(&body), None).await
}

async fn confirm(portal: &TestPortal, draft: &str, file: &str) -> Answer {
    let path = format!("/api/attachments/drafts/{draft}/files/{file}/confirm");
    portal.call("POST", &path, Some(&json!({})), None).await
}

fn assert_problem(answer: &Answer, status: u16, kind: &str, field: &str) {
    assert_eq!(answer.status, status, "{}", answer.body);
    assert_eq!(answer.headers["content-type"], "application/problem+json");
    assert!(answer.body["type"].as_str().unwrap().ends_with(kind), "{}", answer.body);
    assert_eq!(answer.error_fields(), [field], "{}", answer.body);
}

async fn a_file_of_another_type_is_refused_before_any_upload(portal: &TestPortal, _: &FixedClock) {
    let draft = portal.birth_certificate_draft(None).await;
    for media_type in ["application/x-msdownload", "text/html", "image/svg+xml", ""] {
        let body = json!({ "document": "identity", "name": "carte.pdf", "type": media_type, "size": 10 });
        let refused = grant(portal, &draft, body).await;
        assert_problem(&refused, 422, "invalid-file", "type");
        assert!(refused.body["errors"][0]["message"].as_str().unwrap().contains("PDF, JPEG ou PNG"));
    }
    // A document this case does not need, an unknown draft.
    let body =
        json!({ "document": "relation_proof", "name": "livret.pdf", "type": "application/pdf", "size": 10 });
    assert_problem(&grant(portal, &draft, body).await, 422, "invalid-file", "document");
    let body = json!({ "document": "identity", "name": "a.pdf", "type": "application/pdf", "size": 10 });
    assert_eq!(grant(portal, &"A".repeat(22), body).await.status, 404);
    assert!(identity_files(portal, &draft).await.is_empty());
}

async fn a_renamed_executable_is_not_a_pdf(portal: &TestPortal, _: &FixedClock) {
    let draft = portal.birth_certificate_draft(None).await;
    let executable = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00 not a pdf".to_vec();
    let refused = portal.upload(&draft, "identity", "carte.pdf", "application/pdf", &executable, None).await;
    assert_problem(&refused, 422, "spoofed-type", "file");
    assert!(refused.body["errors"][0]["message"].as_str().unwrap().contains("n'est pas un vrai PDF"));
    // Deleted, record and place: the checklist is as before, and a real PDF goes in.
    let list = checklist(portal, &draft, None).await;
    assert_eq!(
        (list["quota"]["files"].as_u64(), list["documents"][0]["missing"].as_bool()),
        (Some(0), Some(true))
    );
    let accepted = portal.upload(&draft, "identity", "carte.pdf", "application/pdf", PDF, None).await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
}

async fn a_body_of_another_length_is_refused(portal: &TestPortal, _: &FixedClock) {
    let draft = portal.birth_certificate_draft(None).await;
    let body = json!({ "document": "identity", "name": "carte.pdf", "type": "application/pdf", "size": PDF.len() + 100 });
    let granted = grant(portal, &draft, body).await;
    assert_eq!(granted.status, 201, "{}", granted.body);
    let file = granted.body["file"]["id"].as_str().unwrap();
    // The portal's own upload URL refuses it; S3 checks the signed length
    // (moto does not): either way, the confirmation refuses a short file.
    let status = portal.put_upload(&granted.body["upload"], PDF.to_vec()).await;
    let confirmed = confirm(portal, &draft, file).await;
    if (200..300).contains(&status) {
        assert_problem(&confirmed, 422, "wrong-length", "file");
    } else {
        assert_eq!(confirmed.status, 409, "nothing arrived: {}", confirmed.body);
    }
    assert_eq!(checklist(portal, &draft, None).await["quota"]["files"], 0, "the place is given back");
}

async fn hostile_file_names_are_cleaned(portal: &TestPortal, _: &FixedClock) {
    let draft = portal.birth_certificate_draft(None).await;
    let long = "é".repeat(300);
    let cases = [
        ("../../x", "x.pdf".to_owned()),
        ("re\u{0}ct\ro\n.pdf", "recto.pdf".to_owned()),
        (long.as_str(), format!("{}.pdf", "é".repeat(100))),
    ];
    for (index, (name, expected)) in cases.iter().enumerate() {
        if index == 2 {
            // Two files at most for this document: make room.
            let first = &identity_files(portal, &draft).await[0];
            let path = format!("/api/attachments/drafts/{draft}/files/{}", first["id"].as_str().unwrap());
            assert_eq!(portal.call("DELETE", &path, None, None).await.status, 204);
        }
        let sent = portal.upload(&draft, "identity", name, "application/pdf", PDF, None).await;
        assert_eq!(sent.status, 200, "{}", sent.body);
        assert_eq!(sent.body["name"].as_str().unwrap(), expected);
        // Downloaded as an attachment under that name, whatever the name was.
        let path =
            format!("/api/attachments/drafts/{draft}/files/{}/download", sent.body["id"].as_str().unwrap());
        let grant = portal.call("POST", &path, Some(&json!({})), None).await;
        assert_eq!(grant.status, 200, "{}", grant.body);
        // A PDF is compressed already: sent as it is, whatever the client accepts.
        let url = grant.body["url"].as_str().unwrap();
        let response = portal.client.get(url).header("accept-encoding", "br, gzip").send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert!(response.headers().get("content-encoding").is_none());
        let disposition = response.headers()["content-disposition"].to_str().unwrap().to_owned();
        assert!(disposition.starts_with("attachment;"), "{disposition}");
        assert!(!disposition.contains(".."), "{disposition}");
        assert_eq!(response.bytes().await.unwrap(), PDF);
    }
}

async fn an_expired_grant_cannot_be_confirmed(portal: &TestPortal, clock: &FixedClock) {
    let draft = portal.birth_certificate_draft(None).await;
    let body =
        json!({ "document": "identity", "name": "carte.pdf", "type": "application/pdf", "size": PDF.len() });
    let granted = grant(portal, &draft, body).await;
    assert_eq!(granted.status, 201);
    let expires_at: Timestamp = granted.body["upload"]["expires_at"].as_str().unwrap().parse().unwrap();
    assert!(expires_at <= Timestamp::now() + SignedDuration::from_mins(6), "a short-lived grant");
    clock.advance(SignedDuration::from_hours(1));
    // S3 checks the expiry itself (moto does not); the confirmation refuses it on both.
    portal.put_upload(&granted.body["upload"], PDF.to_vec()).await;
    let late = confirm(portal, &draft, granted.body["file"]["id"].as_str().unwrap()).await;
    assert_eq!(late.status, 410, "{}", late.body);
    assert!(identity_files(portal, &draft).await.is_empty());
    assert_eq!(checklist(portal, &draft, None).await["quota"]["files"], 0);
}

async fn quotas_hold_per_document_and_per_file(portal: &TestPortal, _: &FixedClock) {
    let draft = portal.birth_certificate_draft(None).await;
    let too_big =
        json!({ "document": "identity", "name": "scan.png", "type": "image/png", "size": 10_000_001 });
    let refused = grant(portal, &draft, too_big).await;
    assert_problem(&refused, 422, "invalid-file", "size");
    assert!(refused.body["errors"][0]["message"].as_str().unwrap().contains("10 Mo"), "{}", refused.body);
    let empty = json!({ "document": "identity", "name": "vide.pdf", "type": "application/pdf", "size": 0 });
    assert_problem(&grant(portal, &draft, empty).await, 422, "invalid-file", "size");
    // The identity document takes a recto and a verso, not a third file.
    for side in ["recto.pdf", "verso.pdf"] {
        assert_eq!(portal.upload(&draft, "identity", side, "application/pdf", PDF, None).await.status, 200);
    }
    let third = portal.upload(&draft, "identity", "encore.pdf", "application/pdf", PDF, None).await;
    assert_problem(&third, 409, "quota", "document");
    assert_eq!(identity_files(portal, &draft).await.len(), 2);
}

/// A's request with one file, and B, another citizen, trying every way to it.
async fn another_citizen_learns_nothing_about_a_file(portal: &TestPortal, _: &FixedClock) {
    let a = signed_in(portal, "alice@exemple.fr").await;
    let b = signed_in(portal, "bruno@exemple.fr").await;
    let draft = portal.birth_certificate_draft(Some(&a)).await;
    let sent = portal.upload(&draft, "identity", "carte.pdf", "application/pdf", PDF, Some(&a)).await;
    let file = sent.body["id"].as_str().unwrap().to_owned();
    let path = format!("/api/submissions/drafts/{draft}/submit");
    let submitted = portal.call("POST", &path, Some(&json!({})), Some(&a)).await;
    assert_eq!(submitted.status, 201, "{}", submitted.body);
    let reference = submitted.body["reference"].as_str().unwrap();
    let token = submitted.body["tracking_url"].as_str().unwrap().split_once('#').unwrap().1.to_owned();

    let own = format!("/api/attachments/requests/{reference}/files/{file}/download");
    assert_eq!(portal.call("POST", &own, Some(&json!({})), Some(&a)).await.status, 200, "A gets it");
    let by_link = portal
        .call(
            "POST",
            &format!("/api/attachments/tracking/files/{file}/download"),
            Some(&json!({ "token": token })),
            None,
        )
        .await;
    assert_eq!(by_link.status, 200, "so does the tracking link");

    let unknown = portal
        .call(
            "POST",
            &format!("/api/attachments/requests/{reference}/files/{}/download", "Z".repeat(22)),
            Some(&json!({})),
            Some(&a),
        )
        .await;
    assert_eq!(unknown.status, 404);
    let attempts = [
        portal.call("POST", &own, Some(&json!({})), Some(&b)).await,
        portal.call("POST", &own, Some(&json!({})), None).await,
        portal
            .call(
                "POST",
                &format!("/api/attachments/tracking/files/{file}/download"),
                Some(&json!({ "token": "x".repeat(43) })),
                None,
            )
            .await,
    ];
    for attempt in attempts {
        assert!(matches!(attempt.status, 401 | 404), "{}", attempt.body);
        if attempt.status == 404 {
            assert_eq!(attempt.body["detail"], unknown.body["detail"], "nothing tells the file exists");
        }
        assert!(!attempt.body.to_string().contains("carte.pdf"));
    }
    // Nor through the draft, gone with the submission.
    let through_draft = format!("/api/attachments/drafts/{draft}/files/{file}/download");
    assert_eq!(portal.call("POST", &through_draft, Some(&json!({})), Some(&b)).await.status, 404);
    // B's own request cannot reach A's file by its id either.
    let b_draft = portal.birth_certificate_draft(Some(&b)).await;
    portal.attach_required(&b_draft, Some(&b)).await;
    let b_sent = portal
        .call("POST", &format!("/api/submissions/drafts/{b_draft}/submit"), Some(&json!({})), Some(&b))
        .await;
    let b_reference = b_sent.body["reference"].as_str().unwrap();
    let crossed = format!("/api/attachments/requests/{b_reference}/files/{file}/download");
    assert_eq!(portal.call("POST", &crossed, Some(&json!({})), Some(&b)).await.status, 404);
}

async fn replace_and_remove_keep_one_file_per_place(portal: &TestPortal, _: &FixedClock) {
    let draft = portal.birth_certificate_draft(None).await;
    for side in ["recto.pdf", "verso.pdf"] {
        assert_eq!(portal.upload(&draft, "identity", side, "application/pdf", PDF, None).await.status, 200);
    }
    // Replacing the recto at full quota: the new file takes its place once confirmed.
    let files = identity_files(portal, &draft).await;
    let recto = files.iter().find(|f| f["name"] == "recto.pdf").unwrap()["id"].as_str().unwrap().to_owned();
    let body = json!({ "document": "identity", "name": "recto-net.pdf", "type": "application/pdf", "size": PDF.len(), "replaces": recto });
    let granted = grant(portal, &draft, body).await;
    assert_eq!(granted.status, 201, "{}", granted.body);
    assert!((200..300).contains(&portal.put_upload(&granted.body["upload"], PDF.to_vec()).await));
    assert_eq!(confirm(portal, &draft, granted.body["file"]["id"].as_str().unwrap()).await.status, 200);
    let mut names: Vec<String> =
        identity_files(portal, &draft).await.iter().map(|f| f["name"].as_str().unwrap().to_owned()).collect();
    names.sort();
    assert_eq!(names, ["recto-net.pdf", "verso.pdf"]);
    // The replaced file is gone for good.
    let old = format!("/api/attachments/drafts/{draft}/files/{recto}/download");
    assert_eq!(portal.call("POST", &old, Some(&json!({})), None).await.status, 404);
    for file in identity_files(portal, &draft).await {
        let path = format!("/api/attachments/drafts/{draft}/files/{}", file["id"].as_str().unwrap());
        assert_eq!(portal.call("DELETE", &path, None, None).await.status, 204);
    }
    let list = checklist(portal, &draft, None).await;
    assert_eq!(
        (list["quota"]["files"].as_u64(), list["documents"][0]["missing"].as_bool()),
        (Some(0), Some(true))
    );
}

/// Twelve grants at once for a document that takes two files: two get
/// through, whatever the interleaving (the case's set version).
async fn parallel_grants_never_pass_the_quota(portal: &TestPortal, _: &FixedClock) {
    let draft = portal.birth_certificate_draft(None).await;
    let mut racing = tokio::task::JoinSet::new();
    for n in 0..12 {
        let request = portal
            .client
            .post(format!("{}/api/attachments/drafts/{draft}/files", portal.url))
            .header("x-gru-csrf", "1")
            .json(&json!({ "document": "identity", "name": format!("{n}.pdf"), "type": "application/pdf", "size": 10 }));
        racing.spawn(async move {
            let answer = request.send().await.unwrap();
            let status = answer.status().as_u16();
            let body: Value = answer.json().await.unwrap();
            (status, body["type"].as_str().unwrap_or("created").rsplit(':').next().unwrap().to_owned())
        });
    }
    let answers = racing.join_all().await;
    let created = answers.iter().filter(|(status, _)| *status == 201).count();
    assert!((1..=2).contains(&created), "{answers:?}");
    assert!(answers.iter().all(|a| a.0 == 201 || *a == (409, "quota".to_owned())), "{answers:?}");
    // Never more than two places taken. (On SQLite, exactly two grants get
    // through. moto server does not isolate concurrent transactions: once
    // in a while one is half applied and reported failed, so its place is
    // taken without a grant; DynamoDB's transactions are all or nothing.)
    assert_eq!(checklist(portal, &draft, None).await["quota"]["files"], 2);
}

async fn files_of_a_document_no_longer_asked_for_take_no_place(portal: &TestPortal, _: &FixedClock) {
    let draft = portal.birth_certificate_draft(None).await;
    assert_eq!(
        portal.upload(&draft, "identity", "carte.pdf", "application/pdf", PDF, None).await.status,
        200
    );
    // The citizen goes back and asks for someone else's extract: no identity document then.
    let current = portal.call("GET", &format!("/api/submissions/drafts/{draft}"), None, None).await;
    let mut answers = current.body["answers"].clone();
    answers["relation"] = json!("other");
    let save = json!({ "answers": answers, "page": "delivery", "version": current.body["version"] });
    assert_eq!(
        portal.call("PUT", &format!("/api/submissions/drafts/{draft}"), Some(&save), None).await.status,
        200
    );
    let list = checklist(portal, &draft, None).await;
    assert_eq!(list["documents"], json!([]));
    assert_eq!((list["quota"]["files"].as_u64(), list["quota"]["bytes"].as_u64()), (Some(0), Some(0)));
}

/// A's birth-certificate request, with the identity document: its
/// reference, the document's file id and the tracking token.
async fn submitted_with_a_file(portal: &TestPortal, session: &str) -> (String, String, String) {
    let draft = portal.birth_certificate_draft(Some(session)).await;
    let sent = portal.upload(&draft, "identity", "carte.pdf", "application/pdf", PDF, Some(session)).await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    let path = format!("/api/submissions/drafts/{draft}/submit");
    let submitted = portal.call("POST", &path, Some(&json!({})), Some(session)).await;
    assert_eq!(submitted.status, 201, "{}", submitted.body);
    let token = submitted.body["tracking_url"].as_str().unwrap().split_once('#').unwrap().1.to_owned();
    (
        submitted.body["reference"].as_str().unwrap().to_owned(),
        sent.body["id"].as_str().unwrap().to_owned(),
        token,
    )
}

/// Uploads `bytes` to a request's thread as the pages do: a grant at
/// `grant` (with `extra` in its body: the tracking token), the bytes where
/// it says, the confirmation. The grant's refusal, or the confirmation's answer.
async fn thread_upload(
    portal: &TestPortal,
    grant: &str,
    extra: Value,
    cookie: Option<&str>,
    name: &str,
) -> Answer {
    let mut body = json!({ "name": name, "type": "application/pdf", "size": PDF.len() });
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    let granted = portal.call_with("POST", grant, Some(&body), cookie).await;
    if granted.status != 201 {
        return granted;
    }
    assert!((200..300).contains(&portal.put_upload(&granted.body["upload"], PDF.to_vec()).await));
    let confirm = format!("{grant}/{}/confirm", granted.body["file"]["id"].as_str().unwrap());
    portal.call_with("POST", &confirm, Some(&extra), cookie).await
}

fn session_cookie(session: &str) -> String {
    format!("gru_session={session}")
}

/// The citizen (signed in, then through the tracking link) and the agent
/// join files to the request's thread; the agent downloads every file of
/// the request, audited; another citizen, an agent of another service and
/// a caller without a session learn nothing.
async fn thread_files_from_both_sides_reach_the_agent_and_no_stranger(portal: &TestPortal, _: &FixedClock) {
    use accounts::agents::Role;
    let a = signed_in(portal, "alice@exemple.fr").await;
    let b = signed_in(portal, "bruno@exemple.fr").await;
    let (clerk, _) = portal.agent("etat-civil@belleval.example", Role::Agent, &["acte-etat-civil"]).await;
    let (roads, _) = portal.agent("voirie@belleval.example", Role::Agent, &["signalement-voirie"]).await;
    let (reference, identity, token) = submitted_with_a_file(portal, &a).await;
    let citizen_grant = format!("/api/attachments/requests/{reference}/thread-files");
    let agent_grant = format!("/api/attachments/agent/requests/{reference}/thread-files");

    let by_citizen =
        thread_upload(portal, &citizen_grant, json!({}), Some(&session_cookie(&a)), "facture.pdf").await;
    assert_eq!(by_citizen.status, 200, "{}", by_citizen.body);
    assert_eq!(
        (by_citizen.body["document"].as_str(), by_citizen.body["name"].as_str()),
        (Some("thread"), Some("facture.pdf"))
    );
    let by_link = thread_upload(
        portal,
        "/api/attachments/tracking/thread-files",
        json!({ "token": token }),
        None,
        "bail.pdf",
    )
    .await;
    assert_eq!(by_link.status, 200, "{}", by_link.body);
    let by_agent = thread_upload(portal, &agent_grant, json!({}), Some(&clerk), "courrier.pdf").await;
    assert_eq!(by_agent.status, 200, "{}", by_agent.body);

    // The agent gets every file of the request: its document and its thread.
    let files = [
        &identity,
        &by_citizen.body["id"].as_str().unwrap().to_owned(),
        &by_link.body["id"].as_str().unwrap().to_owned(),
        &by_agent.body["id"].as_str().unwrap().to_owned(),
    ];
    for file in files {
        let path = format!("/api/attachments/agent/requests/{reference}/files/{file}/download");
        let grant = portal.call_with("POST", &path, Some(&json!({})), Some(&clerk)).await;
        assert_eq!(grant.status, 200, "{}", grant.body);
        let response = portal.client.get(grant.body["url"].as_str().unwrap()).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.bytes().await.unwrap(), PDF);
    }
    // (The trail's clock dates new entries; these are only read.)
    let reader: Arc<dyn gru_ports::Clock> = Arc::new(gru_ports::SystemClock);
    let trail = gru_web::audit::AuditTrail::new(portal.store.clone(), reader, gru_web::audit::DEFAULT_KEEP);
    let downloads: Vec<_> = trail
        .of_request(&reference)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "file.download")
        .collect();
    assert_eq!(downloads.len(), 4);
    // (Made at the same instant on the test's clock: in no particular order.)
    let details: Vec<_> = downloads.iter().filter_map(|e| e.detail.clone()).collect();
    assert!(details.contains(&format!("identity/{identity}")), "{details:?}");
    assert!(downloads.iter().all(|e| !e.detail.as_deref().unwrap_or_default().contains(".pdf")));
    // The citizen gets the agent's file.
    let agents_file = by_agent.body["id"].as_str().unwrap();
    let own = format!("/api/attachments/requests/{reference}/files/{agents_file}/download");
    assert_eq!(portal.call("POST", &own, Some(&json!({})), Some(&a)).await.status, 200);

    // Strangers: the answer an unknown request gets, nothing more.
    let grant = json!({ "name": "x.pdf", "type": "application/pdf", "size": 10 });
    let unknown =
        portal.call("POST", "/api/attachments/requests/ZZZZ-9999/thread-files", Some(&grant), Some(&b)).await;
    assert_eq!(unknown.status, 404);
    let by_b = portal.call("POST", &citizen_grant, Some(&grant), Some(&b)).await;
    assert_eq!((by_b.status, &by_b.body["detail"]), (404, &unknown.body["detail"]));
    let unknown_for_agents = portal
        .call_with(
            "POST",
            "/api/attachments/agent/requests/ZZZZ-9999/thread-files",
            Some(&grant),
            Some(&roads),
        )
        .await;
    assert_eq!(unknown_for_agents.status, 404);
    let by_roads = portal.call_with("POST", &agent_grant, Some(&grant), Some(&roads)).await;
    assert_eq!((by_roads.status, &by_roads.body["detail"]), (404, &unknown_for_agents.body["detail"]));
    let download = format!("/api/attachments/agent/requests/{reference}/files/{agents_file}/download");
    let roads_download = portal.call_with("POST", &download, Some(&json!({})), Some(&roads)).await;
    assert_eq!(roads_download.status, 404, "{}", roads_download.body);
    assert_eq!(portal.call("POST", &citizen_grant, Some(&grant), None).await.status, 401);
    assert_eq!(
        portal.call("POST", &agent_grant, Some(&grant), Some(&a)).await.status,
        401,
        "a citizen is no agent"
    );
    assert_eq!(portal.call("POST", &download, Some(&json!({})), None).await.status, 401);
    for answer in [&by_b, &by_roads, &roads_download] {
        assert!(!answer.body.to_string().contains("courrier"), "{}", answer.body);
    }
    assert_eq!(
        trail.of_request(&reference).await.unwrap().iter().filter(|e| e.action == "file.download").count(),
        4
    );
}

/// Once an agent closes the request, nobody joins a file to its thread, and
/// a file reserved before cannot be confirmed; its files still download.
async fn a_closed_request_takes_no_new_thread_file(portal: &TestPortal, _: &FixedClock) {
    use accounts::agents::Role;
    let a = signed_in(portal, "alice@exemple.fr").await;
    let (clerk, _) = portal.agent("etat-civil@belleval.example", Role::Agent, &["acte-etat-civil"]).await;
    let (reference, identity, token) = submitted_with_a_file(portal, &a).await;
    let citizen_grant = format!("/api/attachments/requests/{reference}/thread-files");
    let grant = json!({ "name": "tard.pdf", "type": "application/pdf", "size": PDF.len() });
    let reserved = portal.call("POST", &citizen_grant, Some(&grant), Some(&a)).await;
    assert_eq!(reserved.status, 201, "{}", reserved.body);

    let requests = gru_records::requests::Repository::new(portal.store.clone());
    let current = requests.request_versioned(&reference).await.unwrap().unwrap();
    let mut closed = current.value.clone();
    closed.phase = gru_domain::request::Phase::Closed;
    let days = gru_tests::demo_days();
    requests.change_request(&current, &closed, "Terminée", days, Vec::new()).await.unwrap();

    let mut by_link = grant.clone();
    by_link["token"] = json!(token);
    let attempts = [
        portal.call("POST", &citizen_grant, Some(&grant), Some(&a)).await,
        portal.call("POST", "/api/attachments/tracking/thread-files", Some(&by_link), None).await,
        portal
            .call_with(
                "POST",
                &format!("/api/attachments/agent/requests/{reference}/thread-files"),
                Some(&grant),
                Some(&clerk),
            )
            .await,
        {
            portal.put_upload(&reserved.body["upload"], PDF.to_vec()).await;
            let file = reserved.body["file"]["id"].as_str().unwrap();
            portal.call("POST", &format!("{citizen_grant}/{file}/confirm"), Some(&json!({})), Some(&a)).await
        },
    ];
    for refused in attempts {
        assert_eq!(refused.status, 409, "{}", refused.body);
        assert!(refused.body["type"].as_str().unwrap().ends_with("request-closed"), "{}", refused.body);
    }
    let download = format!("/api/attachments/agent/requests/{reference}/files/{identity}/download");
    assert_eq!(portal.call_with("POST", &download, Some(&json!({})), Some(&clerk)).await.status, 200);
}

async fn signed_in(portal: &TestPortal, email: &str) -> String {
    portal.signed_up(email).await
}

/// The EICAR test file inside a real PDF: clamd finds it, the file is
/// marked infected, its bytes are deleted, it never downloads, it does not
/// count for its document. Put together at run time, the second half
/// stored reversed, so that no file of the repository nor of `target/`
/// holds the test string (antivirus on developers' machines).
fn eicar_pdf() -> Vec<u8> {
    let first = r"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-";
    let eicar: String = first.chars().chain("*H+H$!ELIF-TSET-SURIVITNA".chars().rev()).collect();
    [b"%PDF-1.4\n".as_slice(), eicar.as_bytes(), b"\n%%EOF\n"].concat()
}

#[tokio::test]
async fn an_infected_file_is_marked_and_never_downloaded() {
    let portal = TestPortal::spawn_with_clamd().await;
    let draft = portal.birth_certificate_draft(None).await;
    let sent = portal.upload(&draft, "identity", "carte.pdf", "application/pdf", &eicar_pdf(), None).await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    assert_eq!(sent.body["scan"], "infected");
    assert!(sent.body["scan_label"].as_str().unwrap().contains("virus"));
    assert_eq!(sent.body["downloadable"], false);
    let path =
        format!("/api/attachments/drafts/{draft}/files/{}/download", sent.body["id"].as_str().unwrap());
    let refused = portal.call("POST", &path, Some(&json!({})), None).await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(refused.body["type"].as_str().unwrap().ends_with("not-downloadable"));
    let list = checklist(&portal, &draft, None).await;
    assert_eq!(list["scanner"], "clamav");
    assert_eq!(list["documents"][0]["missing"], true, "an infected file does not count");
    // Clean files are scanned and offered; the infected one, whose bytes
    // are gone, takes none of the two places.
    for side in ["recto.pdf", "verso.pdf"] {
        let clean = portal.upload(&draft, "identity", side, "application/pdf", PDF, None).await;
        assert_eq!(clean.body["scan"], "clean", "{}", clean.body);
        assert_eq!(clean.body["downloadable"], true);
    }
}

#[tokio::test]
async fn on_aws_guardduty_s_threat_verdict_blocks_the_file() {
    let clock = Arc::new(FixedClock::new(Timestamp::now()));
    let portal = TestPortal::spawn_on_moto(clock).await;
    let draft = portal.birth_certificate_draft(None).await;
    let sent = portal.upload(&draft, "identity", "carte.pdf", "application/pdf", &eicar_pdf(), None).await;
    assert_eq!(
        (sent.body["scan"].as_str(), sent.body["downloadable"].as_bool()),
        (Some("infected"), Some(false))
    );
    let path =
        format!("/api/attachments/drafts/{draft}/files/{}/download", sent.body["id"].as_str().unwrap());
    assert_eq!(portal.call("POST", &path, Some(&json!({})), None).await.status, 409);
}

#[tokio::test]
async fn without_a_scanner_files_say_they_are_not_scanned() {
    let portal = TestPortal::spawn().await;
    let draft = portal.birth_certificate_draft(None).await;
    let sent = portal.upload(&draft, "identity", "carte.pdf", "application/pdf", PDF, None).await;
    assert_eq!(
        (sent.body["scan"].as_str(), sent.body["downloadable"].as_bool()),
        (Some("unscanned"), Some(true))
    );
    assert!(sent.body["scan_label"].as_str().unwrap().contains("aucun antivirus"));
    assert_eq!(checklist(&portal, &draft, None).await["scanner"], Value::Null);
}

/// On AWS, GuardDuty tags the object; until then the file is pending and
/// does not download.
#[tokio::test]
async fn on_aws_a_file_waits_for_guardduty() {
    let clock = Arc::new(FixedClock::new(Timestamp::now()));
    let portal = TestPortal::spawn_on_moto_with(clock, false).await;
    let draft = portal.birth_certificate_draft(None).await;
    let sent = portal.upload(&draft, "identity", "carte.pdf", "application/pdf", PDF, None).await;
    assert_eq!(
        (sent.body["scan"].as_str(), sent.body["downloadable"].as_bool()),
        (Some("pending"), Some(false))
    );
    let path =
        format!("/api/attachments/drafts/{draft}/files/{}/download", sent.body["id"].as_str().unwrap());
    assert_eq!(portal.call("POST", &path, Some(&json!({})), None).await.status, 409);
    assert_eq!(checklist(&portal, &draft, None).await["scanner"], "guardduty");
    // A pending file counts: the request can go, GuardDuty's verdict follows.
    assert_eq!(checklist(&portal, &draft, None).await["documents"][0]["missing"], false);
}

/// The files of a draft purged without being submitted go with it; those
/// of a request stay, and so do those of a draft saved again since.
#[tokio::test]
async fn the_files_of_an_abandoned_draft_are_deleted_with_it() {
    let clock = Arc::new(FixedClock::new("2026-11-28T09:00:00Z".parse().unwrap()));
    let portal = TestPortal::spawn_with_clock(clock.clone()).await;
    let forgotten = portal.birth_certificate_draft(None).await;
    let forgotten_file =
        portal.upload(&forgotten, "identity", "carte.pdf", "application/pdf", PDF, None).await;
    let kept = portal.birth_certificate_draft(None).await;
    portal.attach_required(&kept, None).await;
    let sent = portal.signed_up("envoye@exemple.fr").await;
    let submitted = portal.birth_certificate_draft(Some(&sent)).await;
    let request_file =
        portal.upload(&submitted, "identity", "carte.pdf", "application/pdf", PDF, Some(&sent)).await;
    let path = format!("/api/submissions/drafts/{submitted}/submit");
    let request = portal.call("POST", &path, Some(&json!({})), Some(&sent)).await;
    assert_eq!(request.status, 201);

    // Twenty days on, one draft is saved again: it is kept 30 days more.
    clock.advance(SignedDuration::from_hours(20 * 24));
    let draft = portal.call("GET", &format!("/api/submissions/drafts/{kept}"), None, None).await;
    let save =
        json!({ "answers": draft.body["answers"], "page": "delivery", "version": draft.body["version"] });
    assert_eq!(
        portal.call("PUT", &format!("/api/submissions/drafts/{kept}"), Some(&save), None).await.status,
        200
    );

    clock.advance(SignedDuration::from_hours(12 * 24));
    let housekeeping = portal.housekeeping.as_ref().unwrap();
    let report = housekeeping.run_once().await.unwrap();
    assert_eq!(report.files_purged, 1, "{report:?}");
    let object = portal
        .data_path()
        .join(format!("files/objects/cases/{forgotten}/{}~obj", forgotten_file.body["id"].as_str().unwrap()));
    portal.wait_until_gone(&object).await;
    assert_eq!(housekeeping.run_once().await.unwrap().files_purged, 0, "once");

    assert_eq!(identity_files(&portal, &kept).await.len(), 1, "the draft saved again keeps its file");
    // (The session has expired by now: the tracking link still works.)
    let token = request.body["tracking_url"].as_str().unwrap().split_once('#').unwrap().1;
    let file = request_file.body["id"].as_str().unwrap();
    let download = format!("/api/attachments/tracking/files/{file}/download");
    let granted = portal.call("POST", &download, Some(&json!({ "token": token })), None).await;
    assert_eq!(granted.status, 200, "the request keeps its file: {}", granted.body);
}

/// The bytes of a file go with its record, through the outbox: a file the
/// citizen removes, one replaced by a newer upload, and the files of a
/// draft the citizen abandons are deleted from storage, not only from the
/// lists.
#[tokio::test]
async fn removed_replaced_and_abandoned_files_leave_storage() {
    let portal = TestPortal::spawn().await;
    let draft = portal.birth_certificate_draft(None).await;
    let object = |file: &Answer| {
        let id = file.body["id"].as_str().expect("a file id");
        portal.data_path().join(format!("files/objects/cases/{draft}/{id}~obj"))
    };

    let removed = portal.upload(&draft, "identity", "carte.pdf", "application/pdf", PDF, None).await;
    assert!(object(&removed).exists(), "stored once confirmed");
    let path = format!("/api/attachments/drafts/{draft}/files/{}", removed.body["id"].as_str().unwrap());
    assert_eq!(portal.call("DELETE", &path, None, None).await.status, 204);
    portal.wait_until_gone(&object(&removed)).await;

    let first = portal.upload(&draft, "identity", "carte.pdf", "application/pdf", PDF, None).await;
    let body = json!({
        "document": "identity", "name": "carte-2.pdf", "type": "application/pdf", "size": PDF.len(),
        "replaces": first.body["id"],
    });
    let grant =
        portal.call("POST", &format!("/api/attachments/drafts/{draft}/files"), Some(&body), None).await;
    assert_eq!(grant.status, 201, "{}", grant.body);
    assert!((200..300).contains(&portal.put_upload(&grant.body["upload"], PDF.to_vec()).await));
    let confirm = format!(
        "/api/attachments/drafts/{draft}/files/{}/confirm",
        grant.body["file"]["id"].as_str().unwrap()
    );
    let second = portal.call("POST", &confirm, Some(&json!({})), None).await;
    assert_eq!(second.status, 200, "{}", second.body);
    portal.wait_until_gone(&object(&first)).await;
    assert!(object(&second).exists(), "the new file stays");

    let abandon = format!("/api/submissions/drafts/{draft}");
    assert_eq!(portal.call("DELETE", &abandon, None, None).await.status, 204);
    portal.wait_until_gone(&object(&second)).await;
}

/// An upload grant outlives the removal of its file: bytes sent with it
/// afterwards (an object no record points to) are deleted too, once the
/// grant has lapsed.
#[tokio::test]
async fn bytes_sent_with_the_grant_of_a_removed_file_are_deleted_after_it() {
    let clock = Arc::new(FixedClock::new(Timestamp::now()));
    let portal = TestPortal::spawn_with_clock(clock.clone()).await;
    let draft = portal.birth_certificate_draft(None).await;
    let body =
        json!({ "document": "identity", "name": "carte.pdf", "type": "application/pdf", "size": PDF.len() });
    let granted = grant(&portal, &draft, body).await;
    assert_eq!(granted.status, 201, "{}", granted.body);
    let file = granted.body["file"]["id"].as_str().unwrap();
    let path = format!("/api/attachments/drafts/{draft}/files/{file}");
    assert_eq!(portal.call("DELETE", &path, None, None).await.status, 204);
    // The first deletion (nothing stored yet) goes by, then the bytes come.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!((200..300).contains(&portal.put_upload(&granted.body["upload"], PDF.to_vec()).await));
    let object = portal.data_path().join(format!("files/objects/cases/{draft}/{file}~obj"));
    assert!(object.exists(), "the grant still stores bytes");
    clock.advance(SignedDuration::from_mins(36));
    portal.wait_until_gone(&object).await;
}

/// A grant stores one upload: once its file is confirmed, and after the
/// request is submitted, sending other bytes to the same address is
/// refused, and the agent downloads the bytes that were checked.
async fn an_upload_grant_is_good_for_one_upload(portal: &TestPortal, _: &FixedClock) {
    use accounts::agents::Role;
    let a = signed_in(portal, "alice@exemple.fr").await;
    let (clerk, _) = portal.agent("etat-civil@belleval.example", Role::Agent, &["acte-etat-civil"]).await;
    let draft = portal.birth_certificate_draft(Some(&a)).await;
    let body =
        json!({ "document": "identity", "name": "carte.pdf", "type": "application/pdf", "size": PDF.len() });
    let granted =
        portal.call("POST", &format!("/api/attachments/drafts/{draft}/files"), Some(&body), Some(&a)).await;
    assert_eq!(granted.status, 201, "{}", granted.body);
    let upload = &granted.body["upload"];
    let file = granted.body["file"]["id"].as_str().unwrap();
    let stored = |status: u16| (200..300).contains(&status);
    assert!(stored(portal.put_upload(upload, PDF.to_vec()).await));
    let mut executable = b"MZ\x90\x00".to_vec();
    executable.resize(PDF.len(), 0);
    assert!(
        !stored(portal.put_upload(upload, executable.clone()).await),
        "a second upload before confirmation"
    );
    let confirmed = portal
        .call(
            "POST",
            &format!("/api/attachments/drafts/{draft}/files/{file}/confirm"),
            Some(&json!({})),
            Some(&a),
        )
        .await;
    assert_eq!(
        (confirmed.status, confirmed.body["format"].as_str()),
        (200, Some("pdf")),
        "{}",
        confirmed.body
    );
    assert!(!stored(portal.put_upload(upload, executable.clone()).await), "an upload after confirmation");

    let submitted = portal
        .call("POST", &format!("/api/submissions/drafts/{draft}/submit"), Some(&json!({})), Some(&a))
        .await;
    assert_eq!(submitted.status, 201, "{}", submitted.body);
    assert!(!stored(portal.put_upload(upload, executable).await), "an upload after submission");
    let reference = submitted.body["reference"].as_str().unwrap();
    let path = format!("/api/attachments/agent/requests/{reference}/files/{file}/download");
    let grant = portal.call_with("POST", &path, Some(&json!({})), Some(&clerk)).await;
    assert_eq!(grant.status, 200, "{}", grant.body);
    let response = portal.client.get(grant.body["url"].as_str().unwrap()).send().await.unwrap();
    assert_eq!(response.bytes().await.unwrap(), PDF, "the checked bytes are served");
}

/// Issue 14: a right-to-left override shows `\u{202e}gnp.exe.pdf` as
/// « fdp.exe.png »: the file is listed, and downloaded, under its name
/// without it.
async fn a_file_name_loses_its_right_to_left_override(portal: &TestPortal, _: &FixedClock) {
    let draft = portal.birth_certificate_draft(None).await;
    let sent = portal.upload(&draft, "identity", "\u{202e}gnp.exe.pdf", "application/pdf", PDF, None).await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    assert_eq!(sent.body["name"], "gnp.exe.pdf");
    let listed = identity_files(portal, &draft).await;
    let names: Vec<&str> = listed.iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["gnp.exe.pdf"], "no U+202E in the listed name");
    let path =
        format!("/api/attachments/drafts/{draft}/files/{}/download", sent.body["id"].as_str().unwrap());
    let grant = portal.call("POST", &path, Some(&json!({})), None).await;
    assert_eq!(grant.status, 200, "{}", grant.body);
    let response = portal.client.get(grant.body["url"].as_str().unwrap()).send().await.unwrap();
    let disposition = response.headers()["content-disposition"].to_str().unwrap().to_owned();
    assert!(disposition.ends_with("filename*=UTF-8''gnp.exe.pdf"), "{disposition}");
}
