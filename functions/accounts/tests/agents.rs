//! Agents' sign-in, sessions and management end to end on the SQLite store,
//! with a clock the tests move and codes computed as an authenticator app
//! would.

mod common;

use accounts::agents;

use accounts::agents::{Credentials, NewAgent, totp_code};
use common::{Answer, PUBLIC_URL, Site};
use gru_embedded::SqliteStore;
use gru_ports::{Clock, Store};
use gru_web::audit::{AuditTrail, DEFAULT_KEEP};
use gru_web::{Role, Sessions};
use http::header;
use jiff::SignedDuration;
use serde_json::{Value, json};
use std::sync::Arc;

struct Office {
    site: Arc<Site>,
    store: Arc<dyn Store>,
    _dir: tempfile::TempDir,
}

fn office() -> Office {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.path().join("portal.db")).unwrap());
    Office { site: Arc::new(Site::new(store.clone())), store, _dir: dir }
}

impl Office {
    /// Creates an agent as `portal agent create` does.
    async fn enrol(&self, email: &str, name: &str, role: Role, services: &[&str]) -> Credentials {
        let new = NewAgent {
            email: email.into(),
            name: name.into(),
            role,
            services: services.iter().map(|s| (*s).to_owned()).collect(),
        };
        let clock = self.site.clock.clone() as Arc<dyn Clock>;
        agents::enrol(self.store.clone(), clock, PUBLIC_URL, new).await.unwrap_or_else(|e| panic!("{e}"))
    }

    /// The code the agent's app shows now.
    fn code(&self, credentials: &Credentials) -> String {
        totp_code(&credentials.totp_secret, self.site.clock.now().as_second() as u64)
    }

    async fn sign_in(&self, email: &str, password: &str, code: &str) -> Answer {
        let body = json!({"email": email, "password": password, "code": code});
        self.send("POST", "/agents/signin", None, Some(body)).await
    }

    /// Signs the agent in with the current code; returns the session.
    async fn session(&self, credentials: &Credentials) -> String {
        let code = self.code(credentials);
        let answer = self.sign_in(&credentials.agent.email, &credentials.password, &code).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.agent_session().unwrap()
    }

    async fn send(&self, method: &str, path: &str, session: Option<&str>, body: Option<Value>) -> Answer {
        self.site.send(Site::agent_request(method, path, session, body.as_ref())).await
    }

    async fn get(&self, path: &str, session: Option<&str>) -> Answer {
        self.send("GET", path, session, None).await
    }

    fn trail(&self) -> AuditTrail {
        AuditTrail::new(self.store.clone(), self.site.clock.clone() as Arc<dyn Clock>, DEFAULT_KEEP)
    }

    /// The next 30-second step, so a new code is shown.
    fn next_code_step(&self) {
        self.site.clock.advance(SignedDuration::from_secs(30));
    }
}

#[tokio::test]
async fn an_agent_signs_in_with_password_and_code_then_out() {
    let office = office();
    let claire =
        office.enrol(" Claire.Martin@Belleval.fr", "Claire Martin", Role::Agent, &["etat-civil"]).await;
    assert_eq!(claire.agent.email, "claire.martin@belleval.fr");
    assert!(claire.totp_uri.starts_with(&format!(
        "otpauth://totp/demarches.belleval.fr:claire.martin@belleval.fr?secret={}&issuer=demarches.belleval.fr",
        claire.totp_secret
    )));

    let code = office.code(&claire);
    let signed_in = office.sign_in("claire.martin@belleval.fr", &claire.password, &code).await;
    assert_eq!(signed_in.status, 200, "{}", signed_in.body);
    let expected = json!({
        "id": claire.agent.id, "name": "Claire Martin", "email": "claire.martin@belleval.fr",
        "role": "agent", "services": ["etat-civil"]
    });
    assert_eq!(signed_in.body, expected);
    let cookie = signed_in.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(cookie.starts_with("gru_agent=") && cookie.contains("HttpOnly; Secure; SameSite=Strict; Path=/"));
    let session = signed_in.agent_session().unwrap();

    let me = office.get("/agents/me", Some(&session)).await;
    assert_eq!((me.status, &me.body), (200, &expected));
    assert_eq!(me.headers[header::CACHE_CONTROL], "no-store, private");

    let out = office.send("POST", "/agents/signout", Some(&session), Some(json!({}))).await;
    assert_eq!(out.status, 204);
    assert!(out.headers[header::SET_COOKIE].to_str().unwrap().contains("Max-Age=0"));
    let after = office.get("/agents/me", Some(&session)).await;
    assert_eq!((after.status, after.problem()), (401, "unauthenticated"));
}

#[tokio::test]
async fn every_wrong_part_of_sign_in_gets_the_same_answer() {
    let office = office();
    let claire = office.enrol("claire.martin@belleval.fr", "Claire Martin", Role::Agent, &[]).await;
    let code = office.code(&claire);
    let wrong_digit = format!("{}{}", &code[..5], (code.as_bytes()[5] - b'0' + 1) % 10);
    let email = "claire.martin@belleval.fr";
    let answers = [
        office.sign_in(email, &claire.password, &wrong_digit).await,
        office.sign_in(email, "pas le bon mot de passe", &code).await,
        office.sign_in("personne@belleval.fr", &claire.password, &code).await,
    ];
    for answer in &answers {
        assert_eq!((answer.status, answer.problem()), (401, "invalid-credentials"));
        assert_eq!(answer.body, answers[0].body);
        let (mut headers, mut first) = (answer.headers.clone(), answers[0].headers.clone());
        headers.remove(header::DATE);
        first.remove(header::DATE);
        assert_eq!(headers, first);
        assert!(answer.agent_session().is_none());
    }
    assert_eq!(office.sign_in(email, &claire.password, &code).await.status, 200, "the code was not spent");
}

#[tokio::test]
async fn a_code_works_once_and_the_next_one_after_it() {
    let office = office();
    let claire = office.enrol("claire.martin@belleval.fr", "Claire Martin", Role::Agent, &[]).await;
    let code = office.code(&claire);
    let email = &claire.agent.email;
    assert_eq!(office.sign_in(email, &claire.password, &code).await.status, 200);
    let replayed = office.sign_in(email, &claire.password, &code).await;
    assert_eq!((replayed.status, replayed.problem()), (401, "invalid-credentials"));
    office.next_code_step();
    let late_replay = office.sign_in(email, &claire.password, &code).await;
    assert_eq!(late_replay.status, 401, "a code still in the window but already used");
    assert_eq!(office.sign_in(email, &claire.password, &office.code(&claire)).await.status, 200);
    office.site.clock.advance(SignedDuration::from_secs(90));
    let stale = office.sign_in(email, &claire.password, &code).await;
    assert_eq!(stale.status, 401, "an old code");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_code_sent_twice_at_once_opens_one_session() {
    let office = office();
    let claire = Arc::new(office.enrol("claire.martin@belleval.fr", "Claire Martin", Role::Agent, &[]).await);
    let code = office.code(&claire);
    let attempts: Vec<_> = (0..4)
        .map(|_| {
            let (site, claire, code) = (office.site.clone(), claire.clone(), code.clone());
            tokio::spawn(async move {
                let body = json!({"email": claire.agent.email, "password": claire.password, "code": code});
                site.send(Site::agent_request("POST", "/agents/signin", None, Some(&body))).await.status
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for attempt in attempts {
        statuses.push(attempt.await.unwrap());
    }
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 401, 401, 401]);
}

#[tokio::test]
async fn a_session_unused_for_thirty_minutes_ends() {
    let office = office();
    let claire = office.enrol("claire.martin@belleval.fr", "Claire Martin", Role::Agent, &[]).await;
    let session = office.session(&claire).await;
    for _ in 0..3 {
        office.site.clock.advance(SignedDuration::from_mins(29));
        assert_eq!(office.get("/agents/me", Some(&session)).await.status, 200, "use keeps it alive");
    }
    office.site.clock.advance(SignedDuration::from_mins(31));
    let ended = office.get("/agents/me", Some(&session)).await;
    assert_eq!((ended.status, ended.problem()), (401, "unauthenticated"));
}

#[tokio::test]
async fn managing_agents_is_for_admins_only() {
    let office = office();
    let admin = office.enrol("admin@belleval.fr", "Alice Admin", Role::Admin, &[]).await;
    let clerk = office.enrol("claire.martin@belleval.fr", "Claire Martin", Role::Agent, &[]).await;
    let supervisor = office.enrol("sam@belleval.fr", "Sam Superviseur", Role::Supervisor, &[]).await;
    let new = json!({"email": "paul@belleval.fr", "name": "Paul", "role": "agent", "services": []});
    let update = json!({"role": "admin"});
    let put = format!("/agents/{}", clerk.agent.id);
    for credentials in [&clerk, &supervisor] {
        let session = office.session(credentials).await;
        let listed = office.get("/agents", Some(&session)).await;
        assert_eq!((listed.status, listed.problem()), (403, "forbidden"));
        assert_eq!(office.send("POST", "/agents", Some(&session), Some(new.clone())).await.status, 403);
        let garbage = office.send("POST", "/agents", Some(&session), Some(json!({"nope": 1}))).await;
        assert_eq!(garbage.status, 403, "refused before the body is read");
        assert_eq!(office.send("PUT", &put, Some(&session), Some(update.clone())).await.status, 403);
    }
    for (method, path, body) in
        [("GET", "/agents", None), ("POST", "/agents", Some(new.clone())), ("PUT", &put, Some(update))]
    {
        let anonymous = office.send(method, path, None, body).await;
        assert_eq!((anonymous.status, anonymous.problem()), (401, "unauthenticated"), "{method} {path}");
    }
    assert_eq!(office.get("/agents/me", None).await.status, 401);

    let citizen = Sessions::new(office.store.clone(), office.site.clock.clone() as Arc<dyn Clock>)
        .start("acc1", "anne@example.fr")
        .await
        .unwrap();
    assert_eq!(
        office.get("/agents/me", Some(&citizen)).await.status,
        401,
        "a citizen's session is no agent's"
    );

    let session = office.session(&admin).await;
    let listed = office.get("/agents", Some(&session)).await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    let names: Vec<&str> =
        listed.body.as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Alice Admin", "Claire Martin", "Sam Superviseur"]);
    assert_eq!(listed.body[1]["active"], true);
    assert!(listed.body[1].get("password_hash").is_none() && listed.body[1].get("totp_secret").is_none());
}

#[tokio::test]
async fn an_admin_creates_an_agent_who_can_then_sign_in() {
    let office = office();
    let admin = office.enrol("admin@belleval.fr", "Alice Admin", Role::Admin, &[]).await;
    let session = office.session(&admin).await;

    let bad =
        json!({"email": "paul@", "name": " ", "role": "agent", "services": ["etat-civil", "État civil"]});
    let refused = office.send("POST", "/agents", Some(&session), Some(bad)).await;
    assert_eq!((refused.status, refused.problem()), (422, "validation"));
    assert_eq!(refused.fields(), ["email", "name", "services[1]"]);
    let unknown_role = json!({"email": "paul@belleval.fr", "name": "Paul", "role": "chef"});
    let refused = office.send("POST", "/agents", Some(&session), Some(unknown_role)).await;
    assert_eq!((refused.status, refused.fields()), (400, vec!["role".to_owned()]));

    let body = json!({"email": "Paul.Durand@belleval.fr", "name": "Paul Durand", "role": "agent", "services": ["urbanisme", "etat-civil"]});
    let created = office.send("POST", "/agents", Some(&session), Some(body.clone())).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let agent = &created.body["agent"];
    assert_eq!(agent["email"], "paul.durand@belleval.fr");
    assert_eq!(agent["services"], json!(["etat-civil", "urbanisme"]));
    assert_eq!(agent["active"], true);
    let password = created.body["password"].as_str().unwrap();
    let secret = created.body["totp_secret"].as_str().unwrap();
    assert!(created.body["totp_uri"].as_str().unwrap().contains(&format!("secret={secret}")));

    let again = office.send("POST", "/agents", Some(&session), Some(body)).await;
    assert_eq!((again.status, again.fields()), (422, vec!["email".to_owned()]));

    let code = totp_code(secret, office.site.clock.now().as_second() as u64);
    let signed_in = office.sign_in("paul.durand@belleval.fr", password, &code).await;
    assert_eq!(signed_in.status, 200, "{}", signed_in.body);
    assert_eq!(signed_in.body["id"], agent["id"]);
}

#[tokio::test]
async fn a_change_of_role_or_access_ends_the_agents_sessions() {
    let office = office();
    let admin = office.enrol("admin@belleval.fr", "Alice Admin", Role::Admin, &[]).await;
    let claire =
        office.enrol("claire.martin@belleval.fr", "Claire Martin", Role::Agent, &["etat-civil"]).await;
    let admin_session = office.session(&admin).await;
    let claire_session = office.session(&claire).await;
    let path = format!("/agents/{}", claire.agent.id);

    let renamed =
        office.send("PUT", &path, Some(&admin_session), Some(json!({"name": "Claire Martin-Roux"}))).await;
    assert_eq!((renamed.status, &renamed.body["name"]), (200, &json!("Claire Martin-Roux")));
    assert_eq!(
        office.get("/agents/me", Some(&claire_session)).await.status,
        200,
        "a new name keeps the session"
    );

    let promoted = office.send("PUT", &path, Some(&admin_session), Some(json!({"role": "supervisor"}))).await;
    assert_eq!((promoted.status, &promoted.body["role"]), (200, &json!("supervisor")));
    assert_eq!(office.get("/agents/me", Some(&claire_session)).await.status, 401);
    office.next_code_step();
    let claire_session = office.session(&claire).await;
    let me = office.get("/agents/me", Some(&claire_session)).await;
    assert_eq!((&me.body["role"], &me.body["name"]), (&json!("supervisor"), &json!("Claire Martin-Roux")));

    let moved =
        office.send("PUT", &path, Some(&admin_session), Some(json!({"services": ["urbanisme"]}))).await;
    assert_eq!(moved.body["services"], json!(["urbanisme"]));
    assert_eq!(office.get("/agents/me", Some(&claire_session)).await.status, 401);

    let disabled = office.send("PUT", &path, Some(&admin_session), Some(json!({"active": false}))).await;
    assert_eq!(disabled.body["active"], false);
    office.next_code_step();
    let refused = office.sign_in(&claire.agent.email, &claire.password, &office.code(&claire)).await;
    assert_eq!((refused.status, refused.problem()), (401, "invalid-credentials"));

    let unknown =
        office.send("PUT", "/agents/nobody", Some(&admin_session), Some(json!({"active": true}))).await;
    assert_eq!((unknown.status, unknown.problem()), (404, "not-found"));
    let own = format!("/agents/{}", admin.agent.id);
    let demoted =
        office.send("PUT", &own, Some(&admin_session), Some(json!({"role": "agent", "active": false}))).await;
    assert_eq!((demoted.status, demoted.fields()), (422, vec!["role".to_owned(), "active".to_owned()]));
    assert_eq!(office.get("/agents/me", Some(&admin_session)).await.body["role"], "admin");
}

#[tokio::test]
async fn admin_actions_and_sign_ins_are_in_the_audit_trail() {
    let office = office();
    // The clock moves between actions, so the trail's order is theirs.
    let tick = || office.site.clock.advance(SignedDuration::from_secs(1));
    let admin = office.enrol("admin@belleval.fr", "Alice Admin", Role::Admin, &[]).await;
    tick();
    let session = office.session(&admin).await;
    tick();
    let body = json!({"email": "paul@belleval.fr", "name": "Paul Durand", "role": "agent", "services": ["etat-civil"]});
    let created = office.send("POST", "/agents", Some(&session), Some(body)).await;
    let paul = created.body["agent"]["id"].as_str().unwrap().to_owned();
    let path = format!("/agents/{paul}");
    tick();
    office.send("PUT", &path, Some(&session), Some(json!({"role": "supervisor", "services": []}))).await;
    tick();
    office.send("PUT", &path, Some(&session), Some(json!({"role": "supervisor"}))).await;
    tick();
    office.send("POST", "/agents/signout", Some(&session), Some(json!({}))).await;

    let day = office.trail().day("2027-03-01".parse().unwrap()).await.unwrap();
    let seen: Vec<(&str, &str, Option<&str>)> =
        day.iter().map(|e| (e.agent_id.as_str(), e.action.as_str(), e.detail.as_deref())).collect();
    let admin_id = admin.agent.id.as_str();
    let created_detail = format!("{admin_id} role=admin");
    let paul_created = format!("{paul} role=agent");
    let paul_updated = format!("{paul} role,services");
    assert_eq!(
        seen,
        [
            ("system", "agent.create", Some(created_detail.as_str())),
            (admin_id, "agent.signin", None),
            (admin_id, "agent.create", Some(paul_created.as_str())),
            (admin_id, "agent.update", Some(paul_updated.as_str())),
            (admin_id, "agent.signout", None),
        ],
        "an update that changes nothing is not recorded"
    );
    assert!(day.iter().skip(1).all(|e| e.agent_name == "Alice Admin"));
    let text: String = day.iter().filter_map(|e| e.detail.clone()).collect();
    assert!(!text.contains('@'), "no email in the trail");
}

#[tokio::test]
async fn agent_sign_in_is_limited_per_email_and_address_without_locking_the_agent_out() {
    let office = office();
    let claire = office.enrol("claire.martin@belleval.fr", "Claire Martin", Role::Agent, &[]).await;
    let attempt = |password: &str, code: String| json!({ "email": claire.agent.email, "password": password, "code": code });
    let (attacker, desk) = ([203, 0, 113, 9], [198, 51, 100, 20]);
    for _ in 0..10 {
        let wrong =
            office.site.post_from(attacker, "/agents/signin", attempt("pas le bon", "123456".into())).await;
        assert_eq!(wrong.status, 401);
    }
    let limited = office
        .site
        .post_from(attacker, "/agents/signin", attempt(&claire.password, office.code(&claire)))
        .await;
    assert_eq!((limited.status, limited.problem()), (429, "rate-limited"));
    assert!(limited.headers.contains_key(header::RETRY_AFTER));
    // Claire, at her desk, still signs in.
    let own =
        office.site.post_from(desk, "/agents/signin", attempt(&claire.password, office.code(&claire))).await;
    assert_eq!(own.status, 200, "{}", own.body);
}

#[tokio::test]
async fn sign_in_fields_are_checked_before_anything_else() {
    let office = office();
    let refused = office.sign_in("claire@", "x", "12 34").await;
    assert_eq!((refused.status, refused.problem()), (422, "validation"));
    assert_eq!(refused.fields(), ["email", "code"]);
    let missing = office
        .send("POST", "/agents/signin", None, Some(json!({"email": "a@belleval.fr", "password": "x"})))
        .await;
    assert_eq!((missing.status, missing.fields()), (400, vec!["code".to_owned()]));
}
