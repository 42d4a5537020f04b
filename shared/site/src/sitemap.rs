//! What search engines are given: `sitemap.xml` lists the catalogue's pages
//! (home, categories, services); `robots.txt` points to it and keeps them
//! out of the back office, the accounts and the API.

use crate::catalogue::Listing;
use crate::text::escape;

/// The sitemap of the catalogue's pages, as absolute addresses under `public_url`.
pub fn xml(public_url: &str, listing: &Listing<'_>) -> String {
    let base = public_url.trim_end_matches('/');
    let mut addresses = vec!["/".to_owned()];
    for theme in &listing.themes {
        addresses.push(theme.href.clone());
        addresses.extend(theme.services.iter().map(|s| s.href.clone()));
    }
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for address in addresses {
        xml.push_str(&format!("  <url><loc>{}</loc></url>\n", escape(&format!("{base}{address}"))));
    }
    xml.push_str("</urlset>\n");
    xml
}

/// Crawlers welcome on the catalogue, not on personal spaces; the sitemap's address.
pub fn robots(public_url: &str) -> String {
    format!(
        "User-agent: *\nDisallow: /admin/\nDisallow: /compte/\nDisallow: /api/\nDisallow: /suivi.html\n\nSitemap: {}/sitemap.xml\n",
        public_url.trim_end_matches('/')
    )
}
