//! The API's published description, `docs/openapi.json` (OpenAPI 3.1,
//! served at `/api/openapi.json`), is written from the functions' route
//! tables (`gru_tests::routes`), which the permission table ties to the
//! routers by calling every row. This test fails when the committed file and
//! the tables disagree; `GRU_WRITE_OPENAPI=1 cargo test -p gru-tests --test
//! openapi` rewrites it.

use gru_tests::routes::{Route, route_tables};
use gru_tests::{TestPortal, repository};
use serde_json::{Map, Value, json};

/// The document for these routes.
fn document(routes: &[Route]) -> Value {
    let mut paths = Map::new();
    for route in routes {
        let operations = paths.entry(route.path.clone()).or_insert_with(|| json!({}));
        operations[route.method.to_lowercase()] = operation(route);
    }
    paths.insert(
        catalogue::OPENAPI_PATH.to_owned(),
        json!({ "get": {
            "operationId": "openapi",
            "tags": ["catalogue"],
            "summary": "this description of the API",
            "description": "Who: anyone.",
            "responses": {
                "200": { "description": "OpenAPI 3.1", "content": { "application/json": { "schema": { "type": "object" } } } },
                "304": { "description": "not modified (`If-None-Match`)" },
                "default": { "$ref": "#/components/responses/Problem" }
            }
        }}),
    );
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Portail citoyen (GRU)",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Every public route of the portal's functions, written from their route tables \
                (functions/<name>/src/lib.rs). Unsafe methods need the header `X-GRU-CSRF: 1`; sessions are \
                cookies (`gru_session` for citizens, `gru_agent` for agents). Every error is an RFC 9457 \
                problem document (`application/problem+json`) whose `errors` name the fields at fault. \
                Open311 GeoReport v2 is served at /open311/v2/ as its standard describes it (docs/open311.md). \
                Guide: docs/api.md.",
            "license": { "name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later" }
        },
        "paths": paths,
        "components": {
            "schemas": {
                "Problem": {
                    "type": "object",
                    "required": ["type", "title", "status", "detail"],
                    "properties": {
                        "type": { "type": "string", "description": "`urn:gru:problem:<kind>`" },
                        "title": { "type": "string" },
                        "status": { "type": "integer", "minimum": 400, "maximum": 599 },
                        "detail": { "type": "string" },
                        "errors": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["field", "message"],
                                "properties": {
                                    "field": { "type": "string" },
                                    "message": { "type": "string" }
                                }
                            }
                        }
                    }
                }
            },
            "responses": {
                "Problem": {
                    "description": "a problem document, in French",
                    "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } }
                }
            }
        }
    })
}

/// One operation: its parameters, its body's fields, its answers.
fn operation(route: &Route) -> Value {
    let mut parameters: Vec<Value> = route
        .path
        .split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }))
        .collect();
    parameters.extend(route.query.iter().map(
        |name| json!({ "name": name, "in": "query", "required": false, "schema": { "type": "string" } }),
    ));
    let mut operation = json!({
        "operationId": operation_id(route),
        "tags": [route.function],
        "summary": route.answer,
        "description": format!("Who: {}.", route.who),
        "parameters": parameters,
        "responses": {
            "2XX": { "description": route.answer },
            "default": { "$ref": "#/components/responses/Problem" }
        }
    });
    if matches!(route.method.as_str(), "POST" | "PUT") {
        let fields = route.body.clone().unwrap_or_default();
        let properties: Map<String, Value> =
            fields.iter().map(|(name, _)| (name.clone(), json!({}))).collect();
        let required: Vec<&String> =
            fields.iter().filter(|(_, required)| *required).map(|(name, _)| name).collect();
        operation["requestBody"] = json!({
            "required": route.body.is_some(),
            "content": { "application/json": { "schema": {
                "type": "object", "properties": properties, "required": required
            } } }
        });
    }
    operation
}

/// `booking_post_agent_appointments_id_cancel`: unique, and readable.
fn operation_id(route: &Route) -> String {
    let path = route.path.trim_start_matches(&format!("/api/{}", route.function));
    let words: Vec<String> = path
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    format!("{}_{}_{}", route.function, route.method.to_lowercase(), words.join("_"))
}

fn committed_path() -> std::path::PathBuf {
    repository().join("docs/openapi.json")
}

#[test]
fn the_published_description_is_written_from_the_route_tables() {
    // Open311's routes follow their standard's own description (its
    // Swagger and JSON Schemas, `tests/open311.rs`) and answer its error
    // format, not problem documents.
    let routes: Vec<Route> = route_tables().into_iter().filter(|route| route.function != "open311").collect();
    let mut ids: Vec<String> = routes.iter().map(operation_id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), routes.len(), "every operation id is unique");
    let generated = serde_json::to_string_pretty(&document(&routes)).unwrap() + "\n";
    if std::env::var_os("GRU_WRITE_OPENAPI").is_some() {
        std::fs::write(committed_path(), &generated).unwrap();
    }
    let committed = std::fs::read_to_string(committed_path()).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/openapi.json differs from the route tables: rewrite it with \
         `GRU_WRITE_OPENAPI=1 cargo test -p gru-tests --test openapi`"
    );
}

/// The tables and the routers name the same routes, both ways: a route
/// served without its row, or a row no router serves, fails here.
#[test]
fn the_route_tables_and_the_routers_name_the_same_routes() {
    use std::collections::BTreeSet;
    let tables: BTreeSet<(String, String)> =
        route_tables().into_iter().map(|route| (route.method, route.path)).collect();
    let routers: BTreeSet<(String, String)> = gru_tests::routes::router_routes().into_iter().collect();
    assert!(routers.len() > 50, "the routers are read: {routers:?}");
    let unlisted: Vec<_> = routers.difference(&tables).collect();
    let unserved: Vec<_> = tables.difference(&routers).collect();
    assert!(
        unlisted.is_empty() && unserved.is_empty(),
        "served but not in a table: {unlisted:?}; in a table but not served: {unserved:?}"
    );
}

#[tokio::test]
async fn the_portal_serves_the_description_with_an_entity_tag() {
    let portal = TestPortal::spawn().await;
    let answer = portal.get(catalogue::OPENAPI_PATH).await;
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.headers()["content-type"], "application/json");
    let etag = answer.headers()["etag"].to_str().unwrap().to_owned();
    let served: Value = answer.json().await.unwrap();
    let committed: Value = serde_json::from_str(&std::fs::read_to_string(committed_path()).unwrap()).unwrap();
    assert!(served == committed, "the portal serves docs/openapi.json as committed");
    assert_eq!(served["openapi"], "3.1.0");
    let again = portal
        .client
        .get(format!("{}{}", portal.url, catalogue::OPENAPI_PATH))
        .header("if-none-match", etag)
        .send()
        .await;
    assert_eq!(again.unwrap().status(), 304);
    let posted = portal.call("POST", catalogue::OPENAPI_PATH, Some(&json!({})), None).await;
    assert_eq!(posted.status, 405);
    assert_eq!(posted.headers["content-type"], "application/problem+json");
}
