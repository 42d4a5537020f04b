//! Open311 GeoReport v2, as a street-reporting app uses it: an admin issues
//! the app a key, the app lists the services and reads one's attributes,
//! posts a pothole, the agent of the service finds it in the inbox and
//! moves it, the app reads the new status; a revoked key is refused. On both
//! store adapters, every JSON answer checked against the standard's JSON
//! Schemas (`tests/fixtures/open311-schema/`).

use accounts::agents::Role;
use gru_tests::{Answer, TestPortal, repository};
use serde_json::{Value, json};
use std::sync::Arc;

/// The city's street-reporting service, and two of its cases apps see as
/// services of their own.
const SERVICE: &str = "signalement-voirie";
const POTHOLE: &str = "chaussee-trottoir";
const BULKY_WASTE: &str = "encombrants";
const REPORTER: &str = "riverain@exemple.fr";

/// Checks `value` against the standard's schema `name` (one of the files
/// of `tests/fixtures/open311-schema/`) with Python's `jsonschema`, the
/// reference validator (`GRU_PYTHON`: `cargo xtask test` gives its venv's),
/// formats (`date-time`) included. A list is checked item by item against
/// its item's schema, as `requests.json` refers to `request.json`.
fn assert_valid(name: &str, value: &Value) {
    const CHECK: &str = r#"
import json, sys, jsonschema
folder, name = sys.argv[1], sys.argv[2]
schema = json.load(open(f"{folder}/{name}"))
instance = json.load(sys.stdin)
item = schema.get("items", {}).get("$ref")
if item:
    schema, instances = json.load(open(f"{folder}/{item}")), instance
else:
    instances = [instance]
validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
errors = [f"{e.message} at {list(e.absolute_path)}" for i in instances for e in validator.iter_errors(i)]
print("\n".join(errors))
sys.exit(1 if errors else 0)
"#;
    use std::io::Write;
    let python = std::env::var("GRU_PYTHON")
        .expect("GRU_PYTHON: a Python with jsonschema (cargo xtask test gives target/venv/bin/python)");
    let folder = repository().join("tests/fixtures/open311-schema");
    let mut child = std::process::Command::new(python)
        .args(["-c", CHECK])
        .arg(&folder)
        .arg(name)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python starts");
    child.stdin.take().unwrap().write_all(value.to_string().as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{name}: {} in {value}", String::from_utf8_lossy(&output.stdout));
}

/// Posts a form-encoded body, as Open311 apps do (no CSRF header, no cookie).
async fn post_form(portal: &TestPortal, path: &str, pairs: &[(&str, &str)]) -> Answer {
    let body: String = form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
    let response = reqwest::Client::new()
        .post(format!("{}{path}", portal.url))
        .header("content-type", "application/x-www-form-urlencoded; charset=utf-8")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Answer { status, headers, body }
}

/// A pothole as an app reports it with `key`, plus `extra` arguments.
fn pothole<'a>(key: &'a str, extra: &[(&'a str, &'a str)]) -> Arguments<'a> {
    let mut pairs = vec![
        ("api_key", key),
        ("service_code", POTHOLE),
        ("lat", "47.3941"),
        ("long", "0.6848"),
        ("email", REPORTER),
        ("first_name", "Jeanne"),
        ("last_name", "Riverain"),
        ("description", "Nid-de-poule profond sur la voie de droite, devant l'école."),
        ("media_url", "https://photos.example/nid-de-poule.jpg"),
        ("attribute[affected][]", "pedestrians"),
        ("attribute[affected][]", "cyclists"),
        ("attribute[urgent]", "false"),
    ];
    pairs.extend_from_slice(extra);
    pairs
}

/// An admin issues a key to an application: its id and the key.
async fn issued_key(portal: &TestPortal, admin: &str, name: &str) -> (String, String) {
    let issued = portal
        .call_with("POST", "/api/accounts/applications", Some(&json!({ "name": name })), Some(admin))
        .await;
    assert_eq!(issued.status, 201, "{}", issued.body);
    let id = issued.body["application"]["id"].as_str().unwrap().to_owned();
    (id, issued.body["api_key"].as_str().unwrap().to_owned())
}

async fn an_app_reports_a_pothole_and_follows_it(portal: TestPortal) {
    let (admin, _) = portal.agent("admin@belleval.example", Role::Admin, &[]).await;
    let (agent, _) = portal.agent("voirie@belleval.example", Role::Agent, &[SERVICE]).await;
    let (application, key) = issued_key(&portal, &admin, "Signaler Belleval").await;

    let discovery = portal.get_json("/open311/v2/discovery.json", 200).await;
    let endpoint = &discovery["endpoints"][0];
    assert!(endpoint["url"].as_str().unwrap().ends_with("/open311/v2"), "{discovery}");
    assert_eq!(endpoint["formats"], json!(["text/xml", "application/json"]));

    let services = portal.get_json("/open311/v2/services.json", 200).await;
    assert_valid("services.json", &services);
    let listed: Vec<&str> =
        services.as_array().unwrap().iter().map(|s| s["service_code"].as_str().unwrap()).collect();
    assert!(listed.contains(&POTHOLE) && listed.contains(&BULKY_WASTE), "{listed:?}");
    assert!(!listed.contains(&SERVICE), "a service offered by cases is listed by its cases: {listed:?}");
    assert!(!listed.contains(&"acte-etat-civil"), "only what the city offers to apps");

    let definition = portal.get_json(&format!("/open311/v2/services/{POTHOLE}.json"), 200).await;
    assert_valid("service-definition.json", &definition);
    let attributes = definition["attributes"].as_array().unwrap();
    let urgent = attributes.iter().find(|a| a["code"] == "urgent").unwrap();
    assert_eq!(
        (urgent["datatype"].as_str(), urgent["required"].as_bool()),
        (Some("singlevaluelist"), Some(true))
    );
    assert!(attributes.iter().all(|a| a["code"] != "problem_kind"), "the case fixes it: {definition}");

    let posted = post_form(&portal, "/open311/v2/requests.json", &pothole(&key, &[])).await;
    assert_eq!(posted.status, 201, "{}", posted.body);
    let reference = posted.body[0]["service_request_id"].as_str().unwrap().to_owned();
    assert!(posted.body[0].get("token").is_none(), "realtime: an id, no token");
    let confirmation = portal.email_to(REPORTER, &reference).await;
    assert!(confirmation.text.contains("/suivi.html#"), "the reporter gets the tracking link");

    // The agent finds it in the inbox, with its channel, and moves it.
    let inbox =
        portal.call_with("GET", &format!("/api/tracking/inbox?service={SERVICE}"), None, Some(&agent)).await;
    let row =
        inbox.body["requests"].as_array().unwrap().iter().find(|r| r["reference"] == reference.as_str());
    assert_eq!(row.expect("in the inbox")["channel"], "open311", "{}", inbox.body);
    let detail_path = format!("/api/tracking/requests/{reference}");
    let detail = portal.call_with("GET", &detail_path, None, Some(&agent)).await;
    assert_eq!(detail.body["answers"]["problem_kind"], "roadway", "{}", detail.body);
    assert_eq!(detail.body["open311"]["service_code"], POTHOLE);
    let next = &detail.body["transitions"][0];
    let moved = portal
        .call_with(
            "POST",
            &format!("{detail_path}/transitions"),
            Some(&json!({ "to": next["to"], "version": detail.body["version"] })),
            Some(&agent),
        )
        .await;
    assert_eq!(moved.status, 200, "{}", moved.body);

    // The app reads the new status, and nothing personal.
    let read = portal.get_json(&format!("/open311/v2/requests/{reference}.json"), 200).await;
    assert_valid("requests.json", &read);
    assert_eq!(read[0]["status_notes"], next["status"]["citizen_label"], "{read}");
    assert_eq!(read[0]["status"], if next["status"]["phase"] == "in_progress" { "open" } else { "closed" });
    assert_eq!((read[0]["lat"].as_f64(), read[0]["long"].as_f64()), (Some(47.3941), Some(0.6848)));
    let published = read.to_string();
    for private in [REPORTER, "Jeanne", "Riverain", "Nid-de-poule"] {
        assert!(!published.contains(private), "{private} is not published: {published}");
    }
    assert_eq!(read[0]["service_code"], POTHOLE, "the app reads back the service it chose");
    // A bulky-waste report: a case of its own, listed under its code only.
    let bulky =
        post_form(&portal, "/open311/v2/requests.json", &pothole(&key, &[("service_code", BULKY_WASTE)]))
            .await;
    assert_eq!(bulky.status, 201, "{}", bulky.body);
    let bulky = bulky.body[0]["service_request_id"].as_str().unwrap().to_owned();
    let bulky_detail =
        portal.call_with("GET", &format!("/api/tracking/requests/{bulky}"), None, Some(&agent)).await;
    assert_eq!(bulky_detail.body["answers"]["problem_kind"], "dumping", "{}", bulky_detail.body);
    let ids = |list: &Value| -> Vec<String> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|r| r["service_request_id"].as_str().unwrap().to_owned())
            .collect()
    };
    let listed = portal
        .get_json(&format!("/open311/v2/requests.json?service_code={POTHOLE}&status=open,closed"), 200)
        .await;
    assert_valid("requests.json", &listed);
    assert_eq!(ids(&listed), [reference.as_str()]);
    let listed = portal.get_json(&format!("/open311/v2/requests.json?service_code={BULKY_WASTE}"), 200).await;
    assert_eq!(ids(&listed), [bulky.as_str()]);
    let listed = portal
        .get_json(&format!("/open311/v2/requests.json?service_request_id={bulky},{reference},ABCD-2345"), 200)
        .await;
    assert_valid("requests.json", &listed);
    assert_eq!(ids(&listed).len(), 2, "{listed}");
    let xml = portal.get(&format!("/open311/v2/requests/{reference}.xml")).await;
    assert_eq!(xml.headers()["content-type"], "text/xml; charset=utf-8");
    let xml = xml.text().await.unwrap();
    assert!(
        xml.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<service_requests><request>"),
        "{xml}"
    );
    assert!(xml.contains(&format!("<service_request_id>{reference}</service_request_id>")), "{xml}");

    // A bad service code is 400, a revoked key 403, in the standard's format.
    let unknown =
        post_form(&portal, "/open311/v2/requests.json", &pothole(&key, &[("service_code", "nid-de-poule")]))
            .await;
    assert_eq!(unknown.status, 400);
    assert_eq!(unknown.body[0]["code"], 400, "{}", unknown.body);
    let revoked = portal
        .call_with("DELETE", &format!("/api/accounts/applications/{application}"), None, Some(&admin))
        .await;
    assert_eq!(revoked.status, 200, "{}", revoked.body);
    let hostile = format!("/api/accounts/applications/{}", "a".repeat(3000));
    let unknown = portal.call_with("DELETE", &hostile, None, Some(&admin)).await;
    assert_eq!(unknown.status, 404, "not an id: nothing read, {}", unknown.body);
    let refused = post_form(&portal, "/open311/v2/requests.json", &pothole(&key, &[])).await;
    assert_eq!((refused.status, refused.body[0]["code"].as_u64()), (403, Some(403)), "{}", refused.body);
    let refused = post_form(&portal, "/open311/v2/requests.xml", &pothole(&key, &[])).await;
    assert_eq!(refused.status, 403);
    assert!(refused.body.as_str().unwrap().contains("<errors><error><code>403</code>"), "{}", refused.body);
}

#[tokio::test]
async fn an_app_reports_a_pothole_and_follows_it_on_sqlite() {
    an_app_reports_a_pothole_and_follows_it(TestPortal::spawn().await).await;
}

#[tokio::test]
async fn an_app_reports_a_pothole_and_follows_it_on_dynamodb() {
    let clock = Arc::new(gru_ports::FixedClock::new(jiff::Timestamp::now()));
    an_app_reports_a_pothole_and_follows_it(TestPortal::spawn_on_moto(clock).await).await;
}

/// A report's form-encoded arguments.
type Arguments<'a> = Vec<(&'a str, &'a str)>;

/// What a careless or hostile app sends gets the standard's 400, 403 or
/// 404, naming the argument at fault; nothing is recorded.
#[tokio::test]
async fn bad_reports_are_refused_naming_the_argument() {
    let portal = TestPortal::spawn().await;
    let (admin, _) = portal.agent("admin@belleval.example", Role::Admin, &[]).await;
    let (_, key) = issued_key(&portal, &admin, "Appli").await;
    let cases: Vec<(Arguments, u16, &str)> = vec![
        (pothole("", &[]), 403, "api_key"),
        (pothole("pas-une-cle", &[]), 403, "api_key"),
        (pothole(&key, &[("service_code", "acte-etat-civil")]), 400, "service_code"),
        (pothole(&key, &[("lat", "91")]), 400, "lat"),
        (pothole(&key, &[("long", "abc")]), 400, "long"),
        (pothole(&key, &[("email", "pas-une-adresse")]), 400, "email"),
        (pothole(&key, &[("media_url", "javascript:alert(1)")]), 400, "media_url"),
        (pothole(&key, &[("attribute[colour]", "red")]), 400, "attribute[colour]"),
        (pothole(&key, &[("attribute[problem_kind]", "roadway")]), 400, "attribute[problem_kind]"),
        (pothole(&key, &[("attribute[affected][]", "volcano")]), 400, "attribute[affected]"),
        (pothole(&key, &[("service_code", SERVICE)]), 400, "service_code"),
        (pothole(&key, &[("jurisdiction_id", "ailleurs.example")]), 404, "jurisdiction_id"),
    ];
    for (pairs, status, argument) in cases {
        let answer = post_form(&portal, "/open311/v2/requests.json", &pairs).await;
        assert_eq!(answer.status, status, "{argument}: {}", answer.body);
        let descriptions = answer.body.to_string();
        assert!(descriptions.contains(argument), "{argument} is named: {descriptions}");
    }
    // No location at all.
    let mut nowhere = pothole(&key, &[]);
    nowhere.retain(|(name, _)| !["lat", "long"].contains(name));
    let answer = post_form(&portal, "/open311/v2/requests.json", &nowhere).await;
    assert_eq!(answer.status, 400);
    assert!(answer.body.to_string().contains("address_string"), "{}", answer.body);
    // JSON instead of a form.
    let json_body =
        portal.call("POST", "/open311/v2/requests.json", Some(&json!({ "api_key": key })), None).await;
    assert_eq!(json_body.status, 400, "{}", json_body.body);
    assert_eq!(json_body.body[0]["code"], 400);
    // Nothing was recorded.
    let listed = portal.get_json("/open311/v2/requests.json", 200).await;
    assert_eq!(listed, json!([]));

    for (path, status) in [
        ("/open311/v2/services/pas-un-service.json", 404),
        ("/open311/v2/services/acte-etat-civil.xml", 404),
        ("/open311/v2/services/signalement-voirie.json", 404),
        ("/open311/v2/services.html", 404),
        ("/open311/v2/requests/ABCD-2345.json", 404),
        ("/open311/v2/tokens/123.json", 404),
        ("/open311/v2/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z", 400),
        ("/open311/v2/requests.json?start_date=hier", 400),
        ("/open311/v2/requests.json?status=lost", 400),
        ("/open311/v2/services.json?jurisdiction_id=ailleurs.example", 404),
    ] {
        let answer = portal.get(path).await;
        assert_eq!(answer.status().as_u16(), status, "{path}");
        let content_type = answer.headers()["content-type"].to_str().unwrap().to_owned();
        let body = answer.text().await.unwrap();
        assert!(
            body.contains(&format!("\"code\":{status}")) || body.contains(&format!("<code>{status}</code>")),
            "{path}: {content_type} {body}"
        );
    }
}

/// Markup an app sends is text: the agent's JSON and the XML answers carry it
/// escaped, never as markup.
#[tokio::test]
async fn markup_in_a_report_stays_text() {
    let portal = TestPortal::spawn().await;
    let (admin, _) = portal.agent("admin@belleval.example", Role::Admin, &[]).await;
    let (_, key) = issued_key(&portal, &admin, "Appli").await;
    let hostile = "<script>alert('x')</script> & </address_string>";
    let posted =
        post_form(&portal, "/open311/v2/requests.xml", &pothole(&key, &[("address_string", hostile)])).await;
    assert_eq!(posted.status, 201, "{}", posted.body);
    let xml = posted.body.as_str().unwrap();
    let reference = xml.split("<service_request_id>").nth(1).unwrap().split('<').next().unwrap();
    let read = portal.get(&format!("/open311/v2/requests/{reference}.xml")).await.text().await.unwrap();
    assert!(
        read.contains("&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt; &amp; &lt;/address_string&gt;"),
        "{read}"
    );
    assert!(!read.contains("<script>"), "{read}");
}

/// Clients that follow the standard's Swagger send `api_key` (and
/// `jurisdiction_id`) in the query string, the report in the body.
#[tokio::test]
async fn a_key_in_the_query_string_is_accepted() {
    let portal = TestPortal::spawn().await;
    let (admin, _) = portal.agent("admin@belleval.example", Role::Admin, &[]).await;
    let (_, key) = issued_key(&portal, &admin, "Appli").await;
    let host = portal.url.split("://").nth(1).unwrap().split(':').next().unwrap().to_owned();
    let mut report = pothole(&key, &[]);
    report.retain(|(name, _)| *name != "api_key");
    let path = format!("/open311/v2/requests.json?api_key={key}&jurisdiction_id={host}");
    let posted = post_form(&portal, &path, &report).await;
    assert_eq!(posted.status, 201, "{}", posted.body);
    let without = post_form(&portal, "/open311/v2/requests.json", &report).await;
    assert_eq!(without.status, 403, "{}", without.body);
}
