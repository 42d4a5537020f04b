//! Who may call what: every route of every function against every kind of
//! caller, as one table. Citizen A owns the drafts and the requests; citizen
//! B is another signed-in citizen; the agents are one of the requests'
//! service, one of another service, a supervisor and an admin. The table
//! must try every row of the functions' route tables (`gru_tests::routes`),
//! which `tests/openapi.rs` checks against the routers.

use accounts::agents::Role;
use gru_tests::{PDF, TestPortal, death_certificate_answers};
use serde_json::{Value, json};

/// The callers, in the order each row calls them: the owner last, so a
/// destructive call (delete, sign out) does not take away what the others
/// are tried on; the agent of the service before the supervisor and the
/// admin, so a change made from a version shows them a conflict (409) once
/// they are let through.
const CALLERS: [&str; 7] = [
    "anonymous",
    "citizen B",
    "agent of another service",
    "agent of the service",
    "supervisor",
    "admin",
    "citizen A",
];

/// One row: method, path, body, and the status each caller gets, in
/// [`CALLERS`]' order.
type Row = (&'static str, String, Option<Value>, [u16; 7]);

const SERVICE: &str = "acte-etat-civil";

#[tokio::test]
async fn every_route_against_every_caller() {
    let portal = TestPortal::spawn().await;
    let a = portal.signed_up("a@exemple.fr").await;
    let b = portal.signed_up("b@exemple.fr").await;
    let (agent, agent_id) = portal.agent("agent@belleval.example", Role::Agent, &[SERVICE]).await;
    let (elsewhere, elsewhere_id) =
        portal.agent("voirie@belleval.example", Role::Agent, &["signalement-voirie"]).await;
    let (supervisor, _) = portal.agent("chef@belleval.example", Role::Supervisor, &[]).await;
    let (admin, _) = portal.agent("admin@belleval.example", Role::Admin, &[]).await;
    let cookies = [
        None,
        Some(format!("gru_session={b}")),
        Some(elsewhere.clone()),
        Some(agent.clone()),
        Some(supervisor),
        Some(admin),
        Some(format!("gru_session={a}")),
    ];

    let reference = portal.death_certificate_request(&a).await;
    let new_draft = |session: Option<String>| {
        let portal = &portal;
        async move {
            let body = json!({ "service": SERVICE });
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
    // Files sent for A's request's thread, by A and by the agent, not yet confirmed.
    let thread_grant = json!({ "name": "note.pdf", "type": "application/pdf", "size": PDF.len() });
    let a_thread_files = format!("/api/attachments/requests/{reference}/thread-files");
    let agent_thread_files = format!("/api/attachments/agent/requests/{reference}/thread-files");
    let sent_unconfirmed = |path: String, cookie: String| {
        let (portal, grant) = (&portal, thread_grant.clone());
        async move {
            let reserved = portal.call_with("POST", &path, Some(&grant), Some(&cookie)).await;
            assert_eq!(reserved.status, 201, "{}", reserved.body);
            assert!((200..300).contains(&portal.put_upload(&reserved.body["upload"], PDF.to_vec()).await));
            reserved.body["file"]["id"].as_str().unwrap().to_owned()
        }
    };
    let thread_file = sent_unconfirmed(a_thread_files.clone(), format!("gru_session={a}")).await;
    let agent_thread_file = sent_unconfirmed(agent_thread_files.clone(), agent.clone()).await;
    let agent_files = format!("/api/attachments/agent/requests/{birth_reference}");
    let by_link = |extra: Value| {
        let mut body = json!({ "token": "pas-un-lien" });
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        Some(body)
    };
    let tracked = format!("/api/tracking/requests/{reference}");
    let read = portal.call_with("GET", &tracked, None, Some(&agent)).await;
    let version = read.body["version"].as_u64().expect("the request's version");
    let today = jiff::Timestamp::now().to_zoned_datetime(jiff::tz::TimeZone::UTC).date();
    let recorded = json!({
        "service": SERVICE, "channel": "phone",
        "citizen": { "email": "c@exemple.fr" }, "answers": death_certificate_answers(),
    });
    // An export the agent of the service started: theirs alone.
    let order =
        json!({ "service": SERVICE, "from": today, "to": today, "fields": ["reference"], "format": "csv" });
    let started = portal.call_with("POST", "/api/reporting/exports", Some(&order), Some(&agent)).await;
    assert_eq!(started.status, 201, "{}", started.body);
    let export = format!("/api/reporting/exports/{}", started.body["id"].as_str().unwrap());
    // Booking: the first free PACS slots of the état civil desk, an agenda
    // the agent of the service (acte-etat-civil) handles; one of them booked
    // by A, one by the agent for a citizen who called.
    let free = portal.get_json("/api/booking/availability?type=pacs&agenda=etat-civil&days=30", 200).await;
    let pacs: Vec<String> = free["days"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|day| {
            day["slots"].as_array().unwrap().iter().map(|s| s["start"].as_str().unwrap().to_owned())
        })
        .collect();
    assert!(pacs.len() >= 6, "{free}");
    let slot = |n: usize, extra: Value| {
        let mut body = json!({ "agenda": "etat-civil", "type": "pacs", "start": pacs[n] });
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        Some(body)
    };
    let booked = portal
        .call("POST", "/api/booking/appointments", slot(2, json!({ "name": "A" })).as_ref(), Some(&a))
        .await;
    assert_eq!(booked.status, 201, "{}", booked.body);
    let a_appointment = booked.body["id"].as_str().unwrap().to_owned();
    let phoned = json!({ "name": "Usager", "channel": "phone" });
    let booked = portal
        .call_with("POST", "/api/booking/agent/appointments", slot(5, phoned.clone()).as_ref(), Some(&agent))
        .await;
    assert_eq!(booked.status, 201, "{}", booked.body);
    let appointment = format!("/api/booking/agent/appointments/{}", booked.body["id"].as_str().unwrap());

    // An application's key, for the admins' rows; Open311's own routes
    // read no cookie: a session, whoever's, changes nothing there.
    let issued = portal
        .call_with(
            "POST",
            "/api/accounts/applications",
            Some(&json!({ "name": "Appli" })),
            cookies[5].as_deref(),
        )
        .await;
    let application =
        format!("/api/accounts/applications/{}", issued.body["application"]["id"].as_str().unwrap());

    const OPEN: [u16; 7] = [200; 7];
    const A_ONLY: [u16; 7] = [404, 404, 404, 404, 404, 404, 200];
    const A_SIGNED_IN: [u16; 7] = [401, 404, 401, 401, 401, 401, 200];
    const CITIZENS: [u16; 7] = [401, 200, 401, 401, 401, 401, 200];
    const NO_LINK: [u16; 7] = [404; 7];
    const SERVICE_AGENTS: [u16; 7] = [401, 401, 404, 200, 200, 200, 401];
    const ANY_AGENT: [u16; 7] = [401, 401, 200, 200, 200, 200, 401];
    const ADMIN: [u16; 7] = [401, 401, 403, 403, 403, 200, 401];
    const SUPERVISORS: [u16; 7] = [401, 401, 403, 403, 200, 200, 401];
    const THE_AGENT_WHO_STARTED_IT: [u16; 7] = [401, 401, 404, 200, 404, 404, 401];
    const FIVE_AN_HOUR: [u16; 7] = [202, 202, 202, 202, 202, 429, 429];
    let table: Vec<Row> = vec![
        // The API's description and the catalogue: public.
        ("GET", "/api/openapi.json".into(), None, OPEN),
        ("GET", "/api/catalogue/city".into(), None, OPEN),
        ("GET", "/api/catalogue/categories".into(), None, OPEN),
        ("GET", "/api/catalogue/featured".into(), None, OPEN),
        ("GET", "/api/catalogue/services?q=acte".into(), None, OPEN),
        ("GET", format!("/api/catalogue/services/{SERVICE}"), None, OPEN),
        ("GET", format!("/api/catalogue/services/{SERVICE}/form"), None, OPEN),
        ("POST", format!("/api/catalogue/services/{SERVICE}/views"), None, [204; 7]),
        ("POST", "/api/catalogue/searches".into(), Some(json!({ "q": "piscine" })), [204; 7]),
        // Submissions.
        (
            "POST",
            "/api/submissions/evaluate".into(),
            Some(json!({ "service": SERVICE, "answers": {} })),
            OPEN,
        ),
        ("POST", "/api/submissions/drafts".into(), Some(json!({ "service": SERVICE })), [201; 7]),
        ("GET", format!("/api/submissions/drafts/{a_draft}"), None, A_ONLY),
        ("PUT", format!("/api/submissions/drafts/{a_draft}"), Some(save), A_ONLY),
        (
            "POST",
            format!("/api/submissions/drafts/{a_draft}/email"),
            Some(json!({ "email": "x@exemple.fr" })),
            [404, 404, 404, 404, 404, 404, 400],
        ),
        (
            "POST",
            format!("/api/submissions/drafts/{a_draft}/submit"),
            Some(json!({})),
            [404, 404, 404, 404, 404, 404, 422],
        ),
        ("DELETE", format!("/api/submissions/drafts/{a_draft}"), None, [404, 404, 404, 404, 404, 404, 204]),
        // A draft without an account: its id is the capability.
        ("GET", format!("/api/submissions/drafts/{open_draft}"), None, OPEN),
        ("GET", "/api/submissions/mine".into(), None, CITIZENS),
        ("GET", format!("/api/submissions/requests/{reference}"), None, A_SIGNED_IN),
        ("POST", "/api/submissions/tracking".into(), Some(json!({ "token": "pas-un-lien" })), NO_LINK),
        (
            "POST",
            "/api/submissions/agent/requests".into(),
            Some(recorded),
            [401, 401, 403, 201, 201, 201, 401],
        ),
        // Attachments: drafts, requests, tracking links, threads, agents.
        ("GET", format!("/api/attachments/drafts/{a_birth}"), None, A_ONLY),
        (
            "POST",
            format!("/api/attachments/drafts/{a_birth}/files"),
            Some(grant),
            [404, 404, 404, 404, 404, 404, 201],
        ),
        ("POST", format!("{a_file}/confirm"), Some(json!({})), A_ONLY),
        ("POST", format!("{a_file}/download"), Some(json!({})), A_ONLY),
        ("DELETE", a_file.clone(), None, [404, 404, 404, 404, 404, 404, 204]),
        (
            "POST",
            format!("/api/attachments/requests/{birth_reference}/files/{request_file}/download"),
            Some(json!({})),
            A_SIGNED_IN,
        ),
        (
            "POST",
            format!("/api/attachments/tracking/files/{request_file}/download"),
            by_link(json!({})),
            NO_LINK,
        ),
        ("POST", a_thread_files.clone(), Some(thread_grant.clone()), [401, 404, 401, 401, 401, 401, 201]),
        ("POST", format!("{a_thread_files}/{thread_file}/confirm"), Some(json!({})), A_SIGNED_IN),
        ("POST", "/api/attachments/tracking/thread-files".into(), by_link(thread_grant.clone()), NO_LINK),
        (
            "POST",
            format!("/api/attachments/tracking/thread-files/{thread_file}/confirm"),
            by_link(json!({})),
            NO_LINK,
        ),
        (
            "POST",
            format!("{agent_files}/thread-files"),
            Some(thread_grant),
            [401, 401, 404, 201, 201, 201, 401],
        ),
        (
            "POST",
            format!("{agent_thread_files}/{agent_thread_file}/confirm"),
            Some(json!({})),
            SERVICE_AGENTS,
        ),
        ("POST", format!("{agent_files}/files/{request_file}/download"), Some(json!({})), SERVICE_AGENTS),
        // Tracking: agents only, within their services; reporting: supervisors,
        // and agents for the requests of their services.
        ("GET", "/api/tracking/inbox".into(), None, ANY_AGENT),
        ("GET", format!("/api/tracking/inbox?service={SERVICE}"), None, [401, 401, 403, 200, 200, 200, 401]),
        ("GET", tracked.clone(), None, SERVICE_AGENTS),
        ("GET", format!("{tracked}/letter"), None, SERVICE_AGENTS),
        (
            "POST",
            format!("{tracked}/assignee"),
            Some(json!({ "agent": agent_id, "version": version })),
            [401, 401, 404, 200, 409, 409, 401],
        ),
        (
            "POST",
            format!("{tracked}/transitions"),
            Some(json!({ "to": "verification", "version": version + 1 })),
            [401, 401, 404, 200, 409, 409, 401],
        ),
        ("GET", format!("/api/tracking/agents?service={SERVICE}"), None, [401, 401, 403, 200, 200, 200, 401]),
        ("GET", format!("/api/tracking/audit?day={today}"), None, ADMIN),
        ("GET", format!("/api/tracking/audit?reference={reference}"), None, ADMIN),
        ("GET", "/api/reporting/indicators".into(), None, SUPERVISORS),
        ("GET", format!("/api/reporting/indicators.csv?service={SERVICE}"), None, SUPERVISORS),
        ("GET", format!("/api/reporting/indicators.ods?service={SERVICE}"), None, SUPERVISORS),
        ("POST", "/api/reporting/exports".into(), Some(order), [401, 401, 403, 201, 201, 201, 401]),
        ("GET", export.clone(), None, THE_AGENT_WHO_STARTED_IT),
        ("GET", "/api/reporting/open-data".into(), None, OPEN),
        ("GET", "/api/reporting/open-data/2025-01.csv".into(), None, OPEN),
        ("POST", format!("{export}/next"), Some(json!({})), THE_AGENT_WHO_STARTED_IT),
        // Messaging: the request's citizen, link holders, the service's agents.
        ("GET", format!("/api/messaging/requests/{reference}/thread"), None, A_SIGNED_IN),
        (
            "POST",
            format!("/api/messaging/requests/{reference}/thread"),
            Some(json!({ "text": "Bonjour" })),
            [401, 404, 401, 401, 401, 401, 201],
        ),
        ("POST", "/api/messaging/tracking/thread".into(), Some(json!({ "token": "pas-un-lien" })), NO_LINK),
        (
            "POST",
            "/api/messaging/tracking/thread/messages".into(),
            by_link(json!({ "text": "Bonjour" })),
            NO_LINK,
        ),
        ("GET", format!("/api/messaging/agent/requests/{reference}/thread"), None, SERVICE_AGENTS),
        (
            "POST",
            format!("/api/messaging/agent/requests/{reference}/thread"),
            Some(json!({ "text": "Note", "internal": true })),
            [401, 401, 404, 201, 201, 201, 401],
        ),
        ("GET", "/api/messaging/unread".into(), None, CITIZENS),
        // Booking: slots for anyone (one place: the first caller gets it),
        // appointments for their citizen or link holder, agendas for the
        // agents of their services.
        ("GET", "/api/booking/types".into(), None, OPEN),
        ("GET", "/api/booking/availability?type=pacs".into(), None, OPEN),
        ("POST", "/api/booking/holds".into(), slot(0, json!({})), [201, 409, 409, 409, 409, 409, 409]),
        (
            "POST",
            "/api/booking/appointments".into(),
            slot(1, json!({ "name": "C", "email": "c@exemple.fr" })),
            [201, 409, 409, 409, 409, 409, 409],
        ),
        ("GET", "/api/booking/appointments".into(), None, CITIZENS),
        ("POST", format!("/api/booking/appointments/{a_appointment}/cancel"), None, A_SIGNED_IN),
        ("POST", "/api/booking/manage".into(), by_link(json!({})), NO_LINK),
        ("POST", "/api/booking/manage/cancel".into(), by_link(json!({})), NO_LINK),
        ("POST", "/api/booking/manage/reschedule".into(), by_link(json!({ "hold": "pas-un-hold" })), NO_LINK),
        ("GET", "/api/booking/agent/agendas".into(), None, ANY_AGENT),
        ("GET", "/api/booking/agent/planning?agenda=etat-civil".into(), None, SERVICE_AGENTS),
        (
            "POST",
            "/api/booking/agent/appointments".into(),
            slot(3, phoned),
            [401, 401, 404, 201, 409, 409, 401],
        ),
        // Not before the appointment's day.
        (
            "POST",
            format!("{appointment}/attendance"),
            Some(json!({ "status": "present" })),
            [401, 401, 404, 422, 422, 422, 401],
        ),
        // Moved by the first agent let through: the slot is then its own.
        (
            "POST",
            format!("{appointment}/reschedule"),
            Some(json!({ "start": pacs[4] })),
            [401, 401, 404, 200, 422, 422, 401],
        ),
        (
            "POST",
            format!("{appointment}/cancel"),
            Some(json!({ "reason": "Empêchement" })),
            [401, 401, 404, 200, 409, 409, 401],
        ),
        (
            "POST",
            "/api/booking/agent/agendas/etat-civil/closures".into(),
            Some(json!({ "from": "2027-06-02", "reason": "Formation" })),
            [401, 401, 404, 201, 201, 201, 401],
        ),
        // Accounts: agents, then citizens.
        (
            "POST",
            "/api/accounts/agents/signin".into(),
            Some(json!({ "email": "agent@belleval.example", "password": "pas le bon", "code": "000000" })),
            [401; 7],
        ),
        ("GET", "/api/accounts/agents/me".into(), None, ANY_AGENT),
        ("GET", "/api/accounts/agents".into(), None, ADMIN),
        (
            "POST",
            "/api/accounts/agents".into(),
            Some(
                json!({ "email": "nouvel@belleval.example", "name": "Nouvel Agent", "role": "agent", "services": [SERVICE] }),
            ),
            [401, 401, 403, 403, 403, 201, 401],
        ),
        ("PUT", format!("/api/accounts/agents/{elsewhere_id}"), Some(json!({ "name": "Autre nom" })), ADMIN),
        ("GET", "/api/accounts/applications".into(), None, ADMIN),
        (
            "POST",
            "/api/accounts/applications".into(),
            Some(json!({ "name": "Autre appli" })),
            [401, 401, 403, 403, 403, 201, 401],
        ),
        ("DELETE", application, None, ADMIN),
        // Open311: public reads; a report needs an application's key in its
        // form-encoded body, which no session replaces (JSON is refused).
        ("GET", "/open311/v2/discovery.xml".into(), None, OPEN),
        ("GET", "/open311/v2/discovery.json".into(), None, OPEN),
        ("GET", "/open311/v2/services.xml".into(), None, OPEN),
        ("GET", "/open311/v2/services.json".into(), None, OPEN),
        ("GET", "/open311/v2/services/chaussee-trottoir.json".into(), None, OPEN),
        ("GET", "/open311/v2/requests.xml".into(), None, OPEN),
        ("GET", "/open311/v2/requests.json".into(), None, OPEN),
        ("POST", "/open311/v2/requests.xml".into(), Some(json!({ "api_key": "x" })), [400; 7]),
        ("POST", "/open311/v2/requests.json".into(), Some(json!({ "api_key": "x" })), [400; 7]),
        // A request sent online is not an app's report: not published.
        ("GET", format!("/open311/v2/requests/{reference}.json"), None, NO_LINK),
        ("GET", "/open311/v2/tokens/123.json".into(), None, NO_LINK),
        // Open to anyone; one email gets five tries an hour, whoever asks.
        (
            "POST",
            "/api/accounts/signup".into(),
            Some(json!({ "email": "d@exemple.fr", "password": "un mot de passe solide" })),
            FIVE_AN_HOUR,
        ),
        ("POST", "/api/accounts/signup/verify".into(), Some(json!({ "token": "pas-un-lien" })), [400; 7]),
        (
            "POST",
            "/api/accounts/signin".into(),
            Some(json!({ "email": "a@exemple.fr", "password": "pas le bon mot de passe" })),
            [401; 7],
        ),
        ("POST", "/api/accounts/signin/link".into(), Some(json!({ "email": "d@exemple.fr" })), FIVE_AN_HOUR),
        (
            "POST",
            "/api/accounts/signin/link/confirm".into(),
            Some(json!({ "token": "pas-un-lien" })),
            [400; 7],
        ),
        (
            "POST",
            "/api/accounts/password/reset".into(),
            Some(json!({ "email": "d@exemple.fr" })),
            FIVE_AN_HOUR,
        ),
        (
            "POST",
            "/api/accounts/password/reset/confirm".into(),
            Some(json!({ "token": "pas-un-lien", "password": "un mot de passe solide" })),
            [400; 7],
        ),
        ("GET", "/api/accounts/me".into(), None, CITIZENS),
        ("PUT", "/api/accounts/me/profile".into(), Some(json!({ "name": "A" })), CITIZENS),
        (
            "POST",
            "/api/accounts/password/change".into(),
            Some(json!({ "current": "faux mot de passe", "password": "un autre mot de passe" })),
            [401, 422, 401, 401, 401, 401, 422],
        ),
        // Last: the sign-outs end the sessions the rows above use.
        ("POST", "/api/accounts/signout".into(), None, [401, 204, 401, 401, 401, 401, 204]),
        ("POST", "/api/accounts/signout/everywhere".into(), None, [401, 401, 401, 401, 401, 401, 401]),
        ("POST", "/api/accounts/agents/signout".into(), None, [401, 401, 204, 204, 204, 204, 401]),
    ];
    let mut cacheable = Vec::new();
    for (method, path, body, expected) in &table {
        for ((caller, cookie), status) in CALLERS.iter().zip(&cookies).zip(expected) {
            let answer = portal.call_with(method, path, body.as_ref(), cookie.as_deref()).await;
            assert_eq!(answer.status, *status, "{method} {path} as {caller}: {}", answer.body);
            if let Some(cache) = cache_fault(method, path, &answer) {
                cacheable.push(format!("{method} {path} as {caller} ({}): {cache}", answer.status));
            }
        }
    }
    assert!(cacheable.is_empty(), "answers a cache may keep: {cacheable:#?}");

    let tried: Vec<(&str, &str)> = table.iter().map(|(method, path, ..)| (*method, path.as_str())).collect();
    let untried: Vec<String> = gru_tests::routes::route_tables()
        .into_iter()
        .filter(|route| !tried.iter().any(|(m, path)| *m == route.method && matches(&route.path, path)))
        .map(|route| format!("{} {}", route.method, route.path))
        .collect();
    assert!(untried.is_empty(), "routes the table does not try: {untried:?}");
}

/// The only answers a cache may keep: the public catalogue's reads, which
/// answer `PUBLIC_CATALOGUE` when they succeed. Every other answer (personal
/// data, secrets, problems; booking's slots too, which change with every
/// booking) must say `no-store` and `private`.
const PUBLICLY_CACHEABLE: [&str; 9] = [
    "/api/openapi.json",
    "/api/catalogue/city",
    "/api/catalogue/categories",
    "/api/catalogue/featured",
    "/api/catalogue/services",
    "/api/catalogue/services/{slug}",
    "/api/catalogue/services/{slug}/form",
    "/api/reporting/open-data",
    "/api/reporting/open-data/{file}",
];

fn publicly_cacheable(method: &str, path: &str, status: u16) -> bool {
    method == "GET" && status == 200 && PUBLICLY_CACHEABLE.iter().any(|pattern| matches(pattern, path))
}

/// What is wrong with an answer's `Cache-Control`, if anything.
fn cache_fault(method: &str, path: &str, answer: &gru_tests::Answer) -> Option<String> {
    let cache = answer.headers.get("cache-control").map(|v| v.to_str().unwrap_or("?").to_owned());
    let Some(cache) = cache else { return Some("no Cache-Control".into()) };
    let directives: Vec<&str> = cache.split(',').map(str::trim).collect();
    let ok = if publicly_cacheable(method, path, answer.status) {
        cache == gru_web::PUBLIC_CATALOGUE
    } else {
        directives.contains(&"no-store") && directives.contains(&"private")
    };
    (!ok).then_some(cache)
}

/// Whether a concrete path (query aside) fits a pattern whose `{name}`
/// segments stand for any one segment.
fn matches(pattern: &str, path: &str) -> bool {
    let path = path.split('?').next().unwrap();
    let (pattern, path): (Vec<&str>, Vec<&str>) = (pattern.split('/').collect(), path.split('/').collect());
    pattern.len() == path.len()
        && pattern.iter().zip(&path).all(|(p, s)| (p.starts_with('{') && p.ends_with('}')) || p == s)
}
