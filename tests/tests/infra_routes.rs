//! The template's API routes, the functions' folders and the prefixes the
//! routers serve are one and the same set (with the API's description,
//! which the catalogue serves).

use gru_tests::{TestPortal, repository};
use std::collections::BTreeSet;

fn template_routes() -> BTreeSet<String> {
    let template = std::fs::read_to_string(repository().join("infra/template.yaml")).unwrap();
    template
        .lines()
        .filter_map(|line| line.trim().strip_prefix("Path:"))
        .map(|path| path.trim().trim_matches(['"', '\'']).to_owned())
        .filter(|path| path.starts_with("/api/") || path.starts_with("/open311/"))
        .collect()
}

#[test]
fn every_function_has_exactly_one_route_in_the_template() {
    let mut from_routers: BTreeSet<String> =
        portal::FUNCTION_PREFIXES.iter().map(|prefix| format!("{prefix}/{{proxy+}}")).collect();
    from_routers.insert(catalogue::OPENAPI_PATH.to_owned());
    assert_eq!(template_routes(), from_routers, "infra/template.yaml routes vs the functions' prefixes");

    let folders: BTreeSet<String> = std::fs::read_dir(repository().join("functions"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        // The notifier answers the table's stream and a schedule, not HTTP.
        .filter(|name| name != "notifier")
        .collect();
    let served: BTreeSet<String> =
        gru_tests::routes::functions().map(|(folder, _)| folder.to_owned()).collect();
    assert_eq!(folders, served, "one prefix per crate under functions/");
    for (folder, prefix) in gru_tests::routes::functions() {
        assert!(
            prefix == format!("/api/{folder}") || (folder == "open311" && prefix == "/open311/v2"),
            "{prefix}: a function's prefix is /api/<its folder>, but the standard's Open311 endpoint"
        );
    }
}

#[tokio::test]
async fn the_portal_serves_every_prefix_with_its_function() {
    let portal = TestPortal::spawn().await;
    for prefix in portal::FUNCTION_PREFIXES {
        let response = portal.get(&format!("{prefix}/no-such-route")).await;
        assert_eq!(response.status(), 404, "{prefix}");
        // Open311 answers in its standard's format (XML unless asked otherwise).
        let format =
            if *prefix == open311::PREFIX { "text/xml; charset=utf-8" } else { "application/problem+json" };
        assert_eq!(
            response.headers()["content-type"],
            format,
            "{prefix} is answered by its function, not by the static site"
        );
    }
}
