//! Where the catalogue's pages live: stable, readable addresses
//! (`/demarches/acte-etat-civil/`), and the older ones redirected to them.
//! `infra/template.yaml`'s CloudFront function redirects the same way.

/// A service's presentation page.
pub fn service(slug: &str) -> String {
    format!("/demarches/{slug}/")
}

/// A category's page.
pub fn category(slug: &str) -> String {
    format!("/themes/{slug}/")
}

/// Where an address of the first site (`/service.html?slug=…`,
/// `/categorie.html?slug=…`) moved, or `None` when `path` is not one of
/// them. A missing or malformed slug goes home: no page could answer it.
pub fn moved(path: &str, query: Option<&str>) -> Option<String> {
    let page: fn(&str) -> String = match path {
        "/service.html" => service,
        "/categorie.html" => category,
        _ => return None,
    };
    let slug = query
        .unwrap_or_default()
        .split('&')
        .find_map(|pair| pair.strip_prefix("slug="))
        .filter(|slug| gru_domain::catalogue::is_valid_slug(slug));
    Some(slug.map_or_else(|| "/".to_owned(), page))
}

#[cfg(test)]
mod tests {
    use super::moved;

    #[test]
    fn the_first_sites_addresses_lead_to_the_new_ones() {
        for (path, query, expected) in [
            ("/service.html", Some("slug=acte-etat-civil"), Some("/demarches/acte-etat-civil/")),
            ("/categorie.html", Some("x=1&slug=etat-civil"), Some("/themes/etat-civil/")),
            ("/service.html", None, Some("/")),
            ("/service.html", Some("slug=..%2Fadmin"), Some("/")),
            ("/service.html", Some("slug=https://ailleurs.example"), Some("/")),
            ("/demarche.html", Some("service=acte-etat-civil"), None),
            ("/", None, None),
        ] {
            assert_eq!(moved(path, query).as_deref(), expected, "{path}?{query:?}");
        }
    }
}
