//! The accounts routes end to end on the SQLite store and the outbox mailer.

mod common;

use common::{PASSWORD, Site};
use gru_embedded::SqliteStore;
use http::header;
use jiff::SignedDuration;
use serde_json::json;
use std::sync::Arc;

const VERIFY: &str = "/compte/verifier.html";
const LINK: &str = "/compte/lien.html";
const RESET: &str = "/compte/nouveau-mot-de-passe.html";

fn site() -> (Site, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("portal.db")).unwrap();
    (Site::new(Arc::new(store)), dir)
}

#[tokio::test]
async fn sign_up_then_verify_signs_the_citizen_in() {
    let (site, _dir) = site();
    let signup = site
        .post("/signup", None, json!({"email": " Anne@Example.FR", "password": PASSWORD, "name": "Anne"}))
        .await;
    assert_eq!(signup.status, 202, "{}", signup.body);
    let mail = site.mail_to("anne@example.fr");
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].subject, "Confirmez votre adresse électronique");

    let token = site.token("anne@example.fr", VERIFY);
    let verified = site.post("/signup/verify", None, json!({ "token": token })).await;
    assert_eq!(verified.status, 201, "{}", verified.body);
    assert_eq!(verified.body["email"], "anne@example.fr");
    let cookie = verified.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("Secure") && cookie.contains("SameSite=Lax"));

    let me = site.get("/me", verified.session().as_deref()).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.headers[header::CACHE_CONTROL], "no-store, private");
    assert_eq!(
        me.body,
        json!({"email": "anne@example.fr", "profile": {"name": "Anne", "phone": null, "address": null}})
    );
    assert_eq!(site.sign_in("anne@example.fr", PASSWORD).await.status, 200);

    let again = site.post("/signup/verify", None, json!({ "token": token })).await;
    assert_eq!((again.status, again.problem()), (400, "invalid-token"));
    assert_eq!(site.get("/me", None).await.problem(), "unauthenticated");
}

#[tokio::test]
async fn an_expired_verification_link_creates_nothing() {
    let (site, _dir) = site();
    site.post("/signup", None, json!({"email": "anne@example.fr", "password": PASSWORD})).await;
    let token = site.token("anne@example.fr", VERIFY);
    site.clock.advance(SignedDuration::from_hours(25));
    let late = site.post("/signup/verify", None, json!({ "token": token })).await;
    assert_eq!((late.status, late.problem()), (400, "invalid-token"));
    assert!(late.session().is_none());
    assert_eq!(site.sign_in("anne@example.fr", PASSWORD).await.status, 401, "no account");
    let unknown = site.post("/signup/verify", None, json!({"token": "not-a-token"})).await;
    assert_eq!(unknown.status, 400);
}

#[tokio::test]
async fn sign_up_with_a_registered_email_answers_the_same_and_tells_the_owner() {
    let (site, _dir) = site();
    let first = site.post("/signup", None, json!({"email": "anne@example.fr", "password": PASSWORD})).await;
    site.account("paul@example.fr").await;
    let again = site
        .post("/signup", None, json!({"email": "Paul@example.fr", "password": "un autre mot de passe"}))
        .await;
    assert_eq!((again.status, &again.body), (first.status, &first.body));
    let newest = &site.mail_to("paul@example.fr")[0];
    assert_eq!(newest.subject, "Vous avez déjà un compte");
    assert!(newest.links.iter().all(|l| !l.contains('#')), "no link that would create a second account");
    assert_eq!(site.sign_in("paul@example.fr", "un autre mot de passe").await.status, 401);
}

#[tokio::test]
async fn sign_up_fields_are_checked() {
    let (site, _dir) = site();
    let refused =
        site.post("/signup", None, json!({"email": "anne@", "password": "court", "name": "A\u{0}"})).await;
    assert_eq!((refused.status, refused.problem()), (422, "validation"));
    assert_eq!(refused.fields(), ["email", "password", "name"]);
    assert!(site.mail_to("anne@").is_empty());
    let long = "x".repeat(129);
    let refused = site.post("/signup", None, json!({"email": "anne@example.fr", "password": long})).await;
    assert_eq!(refused.fields(), ["password"]);
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_answer() {
    let (site, _dir) = site();
    site.account("anne@example.fr").await;
    let wrong = site.sign_in("anne@example.fr", "pas le bon mot de passe").await;
    let unknown = site.sign_in("personne@example.fr", "pas le bon mot de passe").await;
    assert_eq!((wrong.status, wrong.problem()), (401, "invalid-credentials"));
    assert_eq!((wrong.status, &wrong.body), (unknown.status, &unknown.body));
    let mut wrong_headers = wrong.headers.clone();
    let mut unknown_headers = unknown.headers.clone();
    wrong_headers.remove(header::DATE);
    unknown_headers.remove(header::DATE);
    assert_eq!(wrong_headers, unknown_headers);
    assert!(wrong.session().is_none());
}

#[tokio::test]
async fn sign_in_is_limited_per_email() {
    let (site, _dir) = site();
    site.account("anne@example.fr").await;
    for _ in 0..10 {
        assert_eq!(site.sign_in("anne@example.fr", "pas le bon mot de passe").await.status, 401);
    }
    let limited = site.sign_in("anne@example.fr", PASSWORD).await;
    assert_eq!((limited.status, limited.problem()), (429, "rate-limited"));
    let retry_after: u64 = limited.headers[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!((1..=15 * 60).contains(&retry_after), "{retry_after}");
    assert!(limited.session().is_none());
    site.clock.advance(SignedDuration::from_secs(retry_after as i64));
    assert_eq!(site.sign_in("anne@example.fr", PASSWORD).await.status, 200, "a new window");
}

#[tokio::test]
async fn sign_in_is_limited_per_client_address() {
    let (site, _dir) = site();
    let attempt = |n: u32, peer: [u8; 4]| {
        let body = json!({"email": format!("personne{n}@example.fr"), "password": "pas le bon mot de passe"});
        let site = &site;
        async move { site.post_from(peer, "/signin", body).await }
    };
    for n in 0..50 {
        assert_eq!(attempt(n, [192, 0, 2, 1]).await.status, 401);
    }
    let limited = attempt(50, [192, 0, 2, 1]).await;
    assert_eq!((limited.status, limited.problem()), (429, "rate-limited"));
    assert!(limited.headers.contains_key(header::RETRY_AFTER));
    assert_eq!(attempt(51, [192, 0, 2, 2]).await.status, 401, "another address is not limited");
}

#[tokio::test]
async fn sign_up_is_limited_per_client_address() {
    let (site, _dir) = site();
    let sign_up = |n: u32, peer: [u8; 4]| {
        let body = json!({"email": format!("nouveau{n}@example.fr"), "password": PASSWORD});
        let site = &site;
        async move { site.post_from(peer, "/signup", body).await }
    };
    for n in 0..20 {
        assert_eq!(sign_up(n, [198, 51, 100, 1]).await.status, 202);
    }
    let limited = sign_up(20, [198, 51, 100, 1]).await;
    assert_eq!((limited.status, limited.problem()), (429, "rate-limited"));
    assert!(site.mail_to("nouveau20@example.fr").is_empty(), "nothing sent over the limit");
    assert_eq!(sign_up(21, [198, 51, 100, 2]).await.status, 202, "another address is not limited");
}

#[tokio::test]
async fn an_emailed_sign_in_link_works_once() {
    let (site, _dir) = site();
    site.account("anne@example.fr").await;
    let sent = site.post("/signin/link", None, json!({"email": "anne@example.fr"})).await;
    let unknown = site.post("/signin/link", None, json!({"email": "personne@example.fr"})).await;
    assert_eq!((sent.status, &sent.body), (202, &unknown.body));
    // The owner of an address without an account is told so, with no link.
    let told = site.mail_to("personne@example.fr");
    assert_eq!(told.len(), 1);
    assert!(told[0].subject.contains("Aucun compte") && !told[0].links.iter().any(|l| l.contains('#')));

    let token = site.token("anne@example.fr", LINK);
    let confirmed = site.post("/signin/link/confirm", None, json!({ "token": token })).await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.body);
    assert_eq!(site.get("/me", confirmed.session().as_deref()).await.status, 200);
    let again = site.post("/signin/link/confirm", None, json!({ "token": token })).await;
    assert_eq!((again.status, again.problem()), (400, "invalid-token"));

    site.post("/signin/link", None, json!({"email": "anne@example.fr"})).await;
    let late = site.token("anne@example.fr", LINK);
    site.clock.advance(SignedDuration::from_mins(16));
    assert_eq!(site.post("/signin/link/confirm", None, json!({ "token": late })).await.status, 400);
}

#[tokio::test]
async fn a_link_serves_only_its_own_purpose() {
    let (site, _dir) = site();
    site.account("anne@example.fr").await;
    site.post("/password/reset", None, json!({"email": "anne@example.fr"})).await;
    let reset = site.token("anne@example.fr", RESET);
    assert_eq!(site.post("/signin/link/confirm", None, json!({ "token": reset })).await.status, 400);
    assert_eq!(site.post("/signup/verify", None, json!({ "token": reset })).await.status, 400);
}

#[tokio::test]
async fn a_password_reset_ends_every_other_session() {
    let (site, _dir) = site();
    let before = site.account("anne@example.fr").await;
    let sent = site.post("/password/reset", None, json!({"email": "anne@example.fr"})).await;
    let unknown = site.post("/password/reset", None, json!({"email": "personne@example.fr"})).await;
    assert_eq!((sent.status, &sent.body), (202, &unknown.body));
    let token = site.token("anne@example.fr", RESET);

    let short =
        site.post("/password/reset/confirm", None, json!({"token": token, "password": "court"})).await;
    assert_eq!(short.fields(), ["password"]);
    let new_password = "un tout nouveau mot de passe";
    let reset =
        site.post("/password/reset/confirm", None, json!({"token": token, "password": new_password})).await;
    assert_eq!(reset.status, 200, "the link survived the refused password: {}", reset.body);
    assert_eq!(site.get("/me", Some(&before)).await.status, 401);
    assert_eq!(site.get("/me", reset.session().as_deref()).await.status, 200);
    assert_eq!(site.sign_in("anne@example.fr", PASSWORD).await.status, 401);
    assert_eq!(site.sign_in("anne@example.fr", new_password).await.status, 200);
    let again =
        site.post("/password/reset/confirm", None, json!({"token": token, "password": PASSWORD})).await;
    assert_eq!((again.status, again.problem()), (400, "invalid-token"));
}

#[tokio::test]
async fn a_password_change_needs_the_current_one_and_keeps_only_this_session() {
    let (site, _dir) = site();
    let here = site.account("anne@example.fr").await;
    let elsewhere = site.sign_in("anne@example.fr", PASSWORD).await.session().unwrap();
    let new_password = "un tout nouveau mot de passe";

    let wrong = site
        .post(
            "/password/change",
            Some(&here),
            json!({"current": "pas le bon mot de passe", "password": new_password}),
        )
        .await;
    assert_eq!((wrong.status, wrong.fields()), (422, vec!["current".to_owned()]));
    let changed = site
        .post("/password/change", Some(&here), json!({"current": PASSWORD, "password": new_password}))
        .await;
    assert_eq!(changed.status, 204, "{}", changed.body);
    assert_eq!(site.get("/me", Some(&here)).await.status, 200);
    assert_eq!(site.get("/me", Some(&elsewhere)).await.status, 401);
    assert_eq!(site.sign_in("anne@example.fr", PASSWORD).await.status, 401);
    assert_eq!(site.sign_in("anne@example.fr", new_password).await.status, 200);
    let anonymous =
        site.post("/password/change", None, json!({"current": PASSWORD, "password": new_password})).await;
    assert_eq!(anonymous.status, 401);
}

#[tokio::test]
async fn sign_out_ends_this_session_and_clears_the_cookie() {
    let (site, _dir) = site();
    let session = site.account("anne@example.fr").await;
    let other = site.sign_in("anne@example.fr", PASSWORD).await.session().unwrap();
    let out = site.post("/signout", Some(&session), json!({})).await;
    assert_eq!(out.status, 204);
    assert!(out.headers[header::SET_COOKIE].to_str().unwrap().contains("Max-Age=0"));
    assert_eq!(site.get("/me", Some(&session)).await.status, 401);
    assert_eq!(site.get("/me", Some(&other)).await.status, 200, "only this session ended");
    assert_eq!(site.post("/signout", Some(&session), json!({})).await.status, 401);
}

#[tokio::test]
async fn sign_out_everywhere_ends_every_session() {
    let (site, _dir) = site();
    let first = site.account("anne@example.fr").await;
    let second = site.sign_in("anne@example.fr", PASSWORD).await.session().unwrap();
    let someone_else = site.account("paul@example.fr").await;
    let out = site.post("/signout/everywhere", Some(&second), json!({})).await;
    assert_eq!(out.status, 204);
    assert!(out.headers[header::SET_COOKIE].to_str().unwrap().contains("Max-Age=0"));
    assert_eq!(site.get("/me", Some(&first)).await.status, 401);
    assert_eq!(site.get("/me", Some(&second)).await.status, 401);
    assert_eq!(site.get("/me", Some(&someone_else)).await.status, 200);
}

#[tokio::test]
async fn a_session_unused_for_two_days_ends() {
    let (site, _dir) = site();
    let session = site.account("anne@example.fr").await;
    for _ in 0..2 {
        site.clock.advance(SignedDuration::from_hours(47));
        assert_eq!(site.get("/me", Some(&session)).await.status, 200, "use keeps it alive");
    }
    site.clock.advance(SignedDuration::from_hours(49));
    let ended = site.get("/me", Some(&session)).await;
    assert_eq!((ended.status, ended.problem()), (401, "unauthenticated"));
}

#[tokio::test]
async fn the_profile_round_trips_and_names_its_field_errors() {
    let (site, _dir) = site();
    let session = site.account("anne@example.fr").await;
    let profile = json!({
        "name": "Anne Dupont",
        "phone": "06 12 34 56 78",
        "address": {"street": "3 rue des Tanneurs", "complement": "Bât. B", "postcode": "45000", "city": "Belleval"}
    });
    let saved = site.send(Site::request("PUT", "/me/profile", Some(&session), Some(&profile))).await;
    assert_eq!((saved.status, &saved.body), (200, &profile));
    assert_eq!(site.get("/me", Some(&session)).await.body["profile"], profile);

    let bad = json!({"name": "Anne", "phone": "06 12", "address": {"street": "3 rue", "postcode": "ABCDE", "city": ""}});
    let refused = site.send(Site::request("PUT", "/me/profile", Some(&session), Some(&bad))).await;
    assert_eq!((refused.status, refused.problem()), (422, "validation"));
    assert_eq!(refused.fields(), ["phone", "address.postcode", "address.city"]);
    assert_eq!(site.get("/me", Some(&session)).await.body["profile"], profile, "unchanged");

    let cleared = site.send(Site::request("PUT", "/me/profile", Some(&session), Some(&json!({})))).await;
    assert_eq!(cleared.body, json!({"name": null, "phone": null, "address": null}));
    assert_eq!(site.send(Site::request("PUT", "/me/profile", None, Some(&profile))).await.status, 401);
}

#[tokio::test]
async fn markup_in_a_name_is_kept_as_plain_text() {
    let (site, _dir) = site();
    let session = site.account("anne@example.fr").await;
    let name = "<img src=x onerror=alert(1)> Anne & \"Léa\"";
    let saved =
        site.send(Site::request("PUT", "/me/profile", Some(&session), Some(&json!({ "name": name })))).await;
    assert_eq!(saved.body["name"], name);
    let me = site.get("/me", Some(&session)).await;
    assert_eq!(me.headers[header::CONTENT_TYPE], "application/json");
    assert_eq!(me.body["profile"]["name"], name);
}

#[tokio::test]
async fn bad_requests_are_problem_documents() {
    let (site, _dir) = site();
    let raw = |body: &str, content_type: &str, csrf: bool| {
        let mut request = http::Request::builder()
            .method("POST")
            .uri("/api/accounts/signin")
            .header(header::CONTENT_TYPE, content_type);
        if csrf {
            request = request.header("x-gru-csrf", "1");
        }
        request.body(axum::body::Body::from(body.to_owned())).unwrap()
    };
    let malformed = site.send(raw("{\"email\": ", "application/json", true)).await;
    assert_eq!((malformed.status, malformed.problem()), (400, "malformed-json"));
    let form = site.send(raw("email=a", "application/x-www-form-urlencoded", true)).await;
    assert_eq!((form.status, form.problem()), (415, "unsupported-media-type"));
    let unknown = site
        .send(raw(r#"{"email":"a@example.fr","password":"x","remember":true}"#, "application/json", true))
        .await;
    assert_eq!(
        (unknown.status, unknown.problem(), unknown.fields()),
        (400, "invalid-body", vec!["remember".to_owned()])
    );
    let missing = site.send(raw(r#"{"email":"a@example.fr"}"#, "application/json", true)).await;
    assert_eq!(missing.fields(), ["password"]);
    let forged =
        site.send(raw(r#"{"email":"a@example.fr","password":"x"}"#, "application/json", false)).await;
    assert_eq!((forged.status, forged.problem()), (403, "csrf"));
    let unknown_route = site.get("/nothing", None).await;
    assert_eq!((unknown_route.status, unknown_route.problem()), (404, "not-found"));
    let wrong_method = site.get("/signin", None).await;
    assert_eq!((wrong_method.status, wrong_method.problem()), (405, "method-not-allowed"));
}
