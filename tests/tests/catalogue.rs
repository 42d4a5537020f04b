//! A citizen finds a service in the catalogue and reads its presentation.

use gru_tests::{TestPortal, repository};
use serde_json::Value;

fn slugs(list: &Value) -> Vec<String> {
    list["items"].as_array().unwrap().iter().map(|s| s["slug"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn a_citizen_sees_the_city_and_its_categories() {
    let portal = TestPortal::spawn().await;
    let city = portal.get_json("/api/catalogue/city", 200).await;
    assert_eq!(city["short_name"], "Belleval-sur-Loire");
    assert!(city["colours"]["primary"].as_str().unwrap().starts_with('#'));
    assert!(!city["links"].as_array().unwrap().is_empty(), "links to the institutional site");

    let categories = portal.get_json("/api/catalogue/categories", 200).await;
    let items = categories["items"].as_array().unwrap();
    assert!(items.len() >= 5, "at least five categories");
    assert_eq!(items[0]["slug"], "etat-civil", "in the city's order");
    let total: u64 = items.iter().map(|c| c["service_count"].as_u64().unwrap()).sum();
    assert!(total >= 10, "at least ten services");
}

#[tokio::test]
async fn the_home_page_puts_first_the_services_the_city_chose() {
    let portal = TestPortal::spawn().await;
    let featured = portal.get_json("/api/catalogue/featured", 200).await;
    assert_eq!(
        slugs(&featured),
        [
            "acte-etat-civil",
            "passeport-carte-identite",
            "inscription-scolaire",
            "signalement-voirie",
            "carte-stationnement-resident",
            "inscription-listes-electorales"
        ],
        "as city.toml's featured lists them, in its order, not by slug"
    );
    let first = &featured["items"][0];
    assert_eq!(first["title"], "Demande d'acte d'état civil");
    assert_eq!(first["category"], "etat-civil", "each with what its card shows: {first}");
}

#[tokio::test]
async fn search_forgives_accents_case_and_word_order() {
    let portal = TestPortal::spawn().await;
    for q in [
        "etat%20civil%20acte",
        "%C3%89TAT%20CIVIL",
        "acte%20d%27%C3%A9tat%20civil",
        "actes%20de%20naissance",
        "deces",
    ] {
        let found = portal.get_json(&format!("/api/catalogue/services?q={q}"), 200).await;
        assert_eq!(slugs(&found).first().map(String::as_str), Some("acte-etat-civil"), "q={q}: {found}");
    }
    let passport = portal.get_json("/api/catalogue/services?q=passeport", 200).await;
    assert_eq!(slugs(&passport)[0], "passeport-carte-identite");
    let nothing = portal.get_json("/api/catalogue/services?q=zzzz%20qqqq", 200).await;
    assert_eq!(nothing, serde_json::json!({"items": [], "next": null}));
}

#[tokio::test]
async fn lists_paginate_with_next_until_every_service_is_seen() {
    let portal = TestPortal::spawn().await;
    let all = portal.get_json("/api/catalogue/services", 200).await;
    let every = slugs(&all);
    assert!(every.len() >= 10 && all["next"].is_null(), "one page by default: {all}");
    let item = &all["items"][0];
    for field in ["slug", "title", "category", "category_title", "summary"] {
        assert!(item[field].is_string(), "{field} in {item}");
    }

    let mut seen = Vec::new();
    let mut path = "/api/catalogue/services?limit=4".to_owned();
    loop {
        let page = portal.get_json(&path, 200).await;
        assert!(page["items"].as_array().unwrap().len() <= 4);
        seen.extend(slugs(&page));
        match page["next"].as_str() {
            Some(next) => path = format!("/api/catalogue/services?limit=4&cursor={next}"),
            None => break,
        }
    }
    assert_eq!(seen, every, "pages give every service once, in order");

    let top4 = slugs(&portal.get_json("/api/catalogue/services?q=demande&limit=4", 200).await);
    let first = portal.get_json("/api/catalogue/services?q=demande&limit=2", 200).await;
    let next = first["next"].as_str().expect("more search results").to_owned();
    let second =
        portal.get_json(&format!("/api/catalogue/services?q=demande&limit=2&cursor={next}"), 200).await;
    assert_eq!([slugs(&first), slugs(&second)].concat(), top4, "search pages follow the ranking");
}

#[tokio::test]
async fn a_category_lists_only_its_services() {
    let portal = TestPortal::spawn().await;
    let list = portal.get_json("/api/catalogue/services?category=etat-civil", 200).await;
    let items = list["items"].as_array().unwrap();
    assert!(items.iter().any(|s| s["slug"] == "acte-etat-civil"));
    assert!(items.iter().all(|s| s["category"] == "etat-civil"));
    let searched = portal.get_json("/api/catalogue/services?category=voirie-proprete&q=acte", 200).await;
    assert!(slugs(&searched).iter().all(|s| s != "acte-etat-civil"), "search stays in the category");
}

#[tokio::test]
async fn a_service_page_tells_everything_before_starting() {
    let portal = TestPortal::spawn().await;
    let service = portal.get_json("/api/catalogue/services/acte-etat-civil", 200).await;
    assert_eq!(service["title"], "Demande d'acte d'état civil");
    assert_eq!(service["category"]["slug"], "etat-civil");
    let p = &service["presentation"];
    for text in ["purpose", "audience", "conditions", "process", "delay", "cost"] {
        assert!(!p[text].as_str().unwrap().is_empty(), "{text}");
    }
    assert!(p["steps"].as_array().unwrap().len() >= 2);
    assert!(
        p["documents"].as_array().unwrap().iter().any(|d| d["when"].is_string()),
        "documents depend on the case"
    );
    assert!(!p["channels"].as_array().unwrap().is_empty());
    assert_eq!(service["has_form"], true);
    assert_eq!(service["start"]["url"], "/demarche.html?service=acte-etat-civil", "started online");
    let without_form = portal.get_json("/api/catalogue/services/pacs", 200).await;
    assert_eq!((without_form["has_form"].as_bool(), without_form["start"].is_null()), (Some(false), true));
}

#[tokio::test]
async fn public_reads_carry_cdn_cache_headers_and_revalidate() {
    let portal = TestPortal::spawn().await;
    let response = portal.get("/api/catalogue/services/acte-etat-civil").await;
    let cache = response.headers()["cache-control"].to_str().unwrap().to_owned();
    assert!(cache.starts_with("public") && cache.contains("s-maxage"), "{cache}");
    let etag = response.headers()["etag"].clone();
    let again = portal
        .client
        .get(format!("{}/api/catalogue/services/acte-etat-civil", portal.url))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
}

#[tokio::test]
async fn unknown_things_and_bad_queries_are_problem_documents() {
    let portal = TestPortal::spawn().await;
    let cases = [
        ("/api/catalogue/services/nexiste-pas", 404, None),
        ("/api/catalogue/services/..%2F..%2Fetc%2Fpasswd", 404, None),
        ("/api/catalogue/services/%3Cscript%3E", 404, None),
        ("/api/catalogue/nowhere", 404, None),
        ("/api/catalogue/services?category=inconnue", 404, Some("category")),
        ("/api/catalogue/services?limit=0", 400, Some("limit")),
        ("/api/catalogue/services?limit=abc", 400, Some("limit")),
        ("/api/catalogue/services?cursor=forged!", 400, Some("cursor")),
        ("/api/catalogue/services?q=acte&cursor=x", 400, Some("cursor")),
        ("/api/catalogue/services?sort=title", 400, Some("sort")),
    ];
    for (path, status, field) in cases {
        let response = portal.get(path).await;
        assert_eq!(response.status().as_u16(), status, "{path}");
        assert_eq!(response.headers()["content-type"], "application/problem+json", "{path}");
        let problem: Value = response.json().await.unwrap();
        assert_eq!(problem["status"], status, "{path}");
        assert!(problem["type"].as_str().unwrap().starts_with("urn:gru:problem:"), "{path}");
        assert!(!problem["detail"].as_str().unwrap().is_empty(), "{path}");
        if let Some(field) = field {
            assert_eq!(problem["errors"][0]["field"], field, "{path}: {problem}");
        }
    }
    let long = "a".repeat(201);
    let response = portal.get(&format!("/api/catalogue/services?q={long}")).await;
    assert_eq!(response.status(), 400);

    let post = portal.call("POST", "/api/catalogue/services", Some(&serde_json::json!({})), None).await;
    assert_eq!(post.status, 405);
    assert_eq!(post.headers["content-type"], "application/problem+json");
}

/// Issue 14: an unknown API path is a problem document in French, whatever
/// the method and whether or not a function owns its prefix (never the
/// site's HTML page), and so is an error axum itself produces.
#[tokio::test]
async fn unknown_api_paths_are_french_problems_not_the_site_page() {
    let portal = TestPortal::spawn().await;
    for (method, path) in [
        ("GET", "/api/nope"),
        ("POST", "/api/nope"),
        ("DELETE", "/api/nope/deeper"),
        ("GET", "/api/"),
        ("GET", "/api/catalogue/nope"),
    ] {
        let answer = portal.call(method, path, None, None).await;
        assert_eq!(answer.status, 404, "{method} {path}: {}", answer.body);
        assert_eq!(answer.headers["content-type"], "application/problem+json", "{method} {path}");
        assert_eq!(answer.body["type"], "urn:gru:problem:not-found", "{method} {path}");
        assert_eq!(answer.body["title"], "Introuvable", "{method} {path}");
        assert_eq!(answer.headers["cache-control"], "no-store, private", "{method} {path}");
    }
    // A path segment that is not UTF-8: axum's own 400, in French too.
    let answer = portal.call("GET", "/api/catalogue/services/%FF", None, None).await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert_eq!(answer.headers["content-type"], "application/problem+json");
    assert_eq!(answer.body["type"], "urn:gru:problem:http-error");
    assert_eq!(answer.body["title"], "Requête invalide", "{}", answer.body);
    // The site's own missing pages stay HTML.
    let page = portal.get("/nope").await;
    assert_eq!(page.status(), 404);
    assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
}

#[tokio::test]
async fn the_site_and_the_city_logo_are_served() {
    let portal = TestPortal::spawn().await;
    let home = portal.get("/").await;
    assert_eq!(home.status(), 200);
    assert!(home.headers()["content-security-policy"].to_str().unwrap().contains("default-src 'self'"));
    assert!(home.text().await.unwrap().contains("<html"));
    assert_eq!(portal.get("/city/logo.svg").await.status(), 200);
    let missing = portal.get("/page-inexistante.html").await;
    assert_eq!(missing.status(), 404);
}

/// Pages, scripts and the API's JSON are compressed as the client accepts
/// (brotli first), and sent as they are to a client that accepts nothing.
#[tokio::test]
async fn answers_are_compressed_as_the_client_accepts() {
    let portal = TestPortal::spawn().await;
    let script = hashed_script(&portal, "/demarche.html", "form").await;
    for path in ["/", script.as_str(), "/api/catalogue/services"] {
        let plain = portal.get(path).await;
        assert!(plain.headers().get("content-encoding").is_none(), "{path}");
        let plain = plain.bytes().await.unwrap().len();
        for (accepted, encoding) in [("br, gzip", "br"), ("gzip", "gzip")] {
            let url = format!("{}{path}", portal.url);
            let packed = portal.client.get(url).header("accept-encoding", accepted).send().await.unwrap();
            assert_eq!(packed.headers()["content-encoding"], encoding, "{path}");
            assert!(packed.headers()["vary"].to_str().unwrap().contains("accept-encoding"), "{path}");
            let size = packed.bytes().await.unwrap().len();
            assert!(size * 2 < plain, "{path}: {size} bytes in {encoding}, {plain} plain");
        }
    }
}

/// The site path of the page's module `name` (`/js/form.3f2a9c1b7e.js`).
async fn hashed_script(portal: &TestPortal, page: &str, name: &str) -> String {
    let html = portal.get(page).await.text().await.unwrap();
    let pattern = regex_lite::Regex::new(&format!(r#""(/js/{name}\.[0-9a-f]{{10}}\.js)""#)).unwrap();
    pattern.captures(&html).unwrap_or_else(|| panic!("{name} in {page}"))[1].to_owned()
}

/// A script or a style is kept a year (its name changes with it); a page is
/// checked at each visit, so a rebuilt site shows at once.
#[tokio::test]
async fn hashed_scripts_are_cached_for_a_year_and_pages_revalidated() {
    let portal = TestPortal::spawn().await;
    let script = hashed_script(&portal, "/", "home").await;
    for (path, expected) in [
        (script.as_str(), "public, max-age=31536000, immutable"),
        ("/", "no-cache"),
        ("/demarches/acte-etat-civil/", "no-cache"),
    ] {
        let response = portal.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["cache-control"], expected, "{path}");
    }
    // The unhashed name is gone: nothing old is served under it.
    assert_eq!(portal.get("/js/home.js").await.status(), 404);
}

/// The first site's addresses lead to the catalogue's pages, for good.
#[tokio::test]
async fn the_first_sites_addresses_redirect_to_the_catalogues_pages() {
    let portal = TestPortal::spawn().await;
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    for (old, new) in [
        ("/service.html?slug=acte-etat-civil", "/demarches/acte-etat-civil/"),
        ("/categorie.html?slug=etat-civil", "/themes/etat-civil/"),
        ("/service.html?slug=%3Cscript%3E", "/"),
    ] {
        let response = client.get(format!("{}{old}", portal.url)).send().await.unwrap();
        assert_eq!(response.status(), 308, "{old}");
        assert_eq!(response.headers()["location"], new, "{old}");
    }
}

#[tokio::test]
async fn data_and_catalogue_survive_a_restart_and_the_import_runs_once() {
    let city = repository().join("infra/cities/demo");
    let portal = TestPortal::spawn_with_city(city.clone()).await;
    let before = portal.get_json("/api/catalogue/services", 200).await;
    let data_dir = portal.stop().await;
    let options = portal::Options::new(data_dir.path().to_owned(), city.clone());
    let reopened = portal::Portal::open(&options, "http://127.0.0.1:1").await.unwrap();
    assert!(reopened.import.is_none(), "unchanged files are not imported again");
    drop(reopened);
    let restarted = TestPortal::spawn_in(data_dir, city).await;
    assert_eq!(restarted.get_json("/api/catalogue/services", 200).await, before);
}

/// Requests the HTTP server refuses before any route (a 100 KB address,
/// 500 KB of headers) still get a French problem document, not an empty
/// answer. Sent over a bare socket: HTTP clients refuse to send them.
#[tokio::test]
async fn requests_too_large_to_read_get_a_problem() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let portal = TestPortal::spawn().await;
    let address = portal.url.trim_start_matches("http://").to_owned();
    let long_address =
        format!("GET /api/catalogue/services?q={} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(100_000));
    let big_headers =
        format!("GET /api/catalogue/services HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n", "a".repeat(500_000));
    for (what, request, status, title) in [
        ("a 100 KB address", long_address, "414", "Adresse trop longue"),
        ("500 KB of headers", big_headers, "431", "En-têtes trop volumineux"),
    ] {
        let mut socket = tokio::net::TcpStream::connect(&address).await.unwrap();
        // The server may answer and close before reading it all.
        let _ = socket.write_all(request.as_bytes()).await;
        let mut answer = Vec::new();
        let _ = socket.read_to_end(&mut answer).await;
        let answer = String::from_utf8(answer).unwrap();
        let (head, body) = answer.split_once("\r\n\r\n").unwrap_or_else(|| panic!("{what}: {answer}"));
        assert!(head.starts_with(&format!("HTTP/1.1 {status} ")), "{what}: {head}");
        assert!(head.contains("content-type: application/problem+json"), "{what}: {head}");
        let problem: Value = serde_json::from_str(body).unwrap();
        assert_eq!(problem["title"], title, "{what}");
    }
    assert_eq!(portal.get("/api/catalogue/services").await.status(), 200, "the next request is served");
}

/// The city changes a service's title and withdraws another, and imports its
/// files while the portal runs (on the all-in-one, `portal catalogue import`
/// in another process on the same data). `wait` is how long the portal may
/// keep serving what it held.
async fn an_import_is_served(
    portal: &TestPortal,
    importer: std::sync::Arc<dyn gru_ports::Store>,
    wait: std::time::Duration,
) {
    let page = "/api/catalogue/services/acte-etat-civil";
    let before = portal.get(page).await;
    let etag = before.headers()["etag"].clone();
    let mut city = gru_domain::city_files::load(&repository().join("infra/cities/demo")).unwrap();
    let service = city.services.iter_mut().find(|s| s.slug == "acte-etat-civil").unwrap();
    service.title = "Copie d'acte d'état civil".into();
    let withdrawn = city.services.pop().unwrap().slug;
    let listed = |list: &Value| slugs(list).contains(&withdrawn);
    assert!(listed(&portal.get_json("/api/catalogue/services", 200).await), "listed before the import");

    gru_records::catalogue::CatalogueRepository::new(importer).import(&city, "changed").await.unwrap();
    tokio::time::sleep(wait).await;

    assert_eq!(portal.get_json(page, 200).await["title"], "Copie d'acte d'état civil");
    let revalidated = portal
        .client
        .get(format!("{}{page}", portal.url))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(revalidated.status(), 200, "the old entity tag no longer matches");
    assert!(!listed(&portal.get_json("/api/catalogue/services", 200).await), "withdrawn from the list");
    let found = portal.get_json("/api/catalogue/services?q=copie%20acte", 200).await;
    assert_eq!(slugs(&found)[0], "acte-etat-civil", "search finds the new title");
    portal.get_json(&format!("/api/catalogue/services/{withdrawn}"), 404).await;
}

#[tokio::test]
async fn on_sqlite_an_import_by_another_process_is_served_on_the_next_request() {
    let portal = TestPortal::spawn().await;
    let cli = gru_embedded::SqliteStore::open(&portal.data_path().join("portal.db")).unwrap();
    an_import_is_served(&portal, std::sync::Arc::new(cli), std::time::Duration::ZERO).await;
}

#[tokio::test]
async fn on_dynamodb_an_import_is_served_within_the_refresh_period() {
    let clock = std::sync::Arc::new(gru_ports::FixedClock::new(jiff::Timestamp::now()));
    let portal = TestPortal::spawn_on_moto(clock).await;
    let store = portal.store.clone();
    an_import_is_served(&portal, store, catalogue::REFRESH).await;
}
