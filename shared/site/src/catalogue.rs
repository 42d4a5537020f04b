//! What the catalogue's pages are rendered from: the city's categories and
//! services as the templates read them, with their addresses.

use crate::addresses;
use gru_domain::catalogue::{CityCatalogue, Service};
use serde::Serialize;

/// A service in a list: a card with its title, summary and address.
#[derive(Serialize)]
pub struct ServiceCard<'a> {
    pub slug: &'a str,
    pub title: &'a str,
    pub summary: &'a str,
    pub href: String,
}

impl<'a> From<&'a Service> for ServiceCard<'a> {
    fn from(service: &'a Service) -> Self {
        Self {
            slug: &service.slug,
            title: &service.title,
            summary: &service.summary,
            href: addresses::service(&service.slug),
        }
    }
}

/// A category with its services, by title (accents aside: « État » among the E).
#[derive(Serialize)]
pub struct Theme<'a> {
    pub slug: &'a str,
    pub title: &'a str,
    pub description: &'a str,
    pub href: String,
    pub services: Vec<ServiceCard<'a>>,
}

/// The whole catalogue as every page may read it.
#[derive(Serialize)]
pub struct Listing<'a> {
    /// In the city's order.
    pub themes: Vec<Theme<'a>>,
    /// The city's choice for the home page (`featured`), in its order.
    pub featured: Vec<ServiceCard<'a>>,
}

impl<'a> Listing<'a> {
    pub fn of(catalogue: &'a CityCatalogue) -> Self {
        let themes = catalogue
            .categories
            .iter()
            .map(|category| Theme {
                slug: &category.slug,
                title: &category.title,
                description: &category.description,
                href: addresses::category(&category.slug),
                services: {
                    let mut services: Vec<&Service> =
                        catalogue.services.iter().filter(|s| s.category == category.slug).collect();
                    services.sort_by_cached_key(|s| gru_domain::search::normalize(&s.title));
                    services.into_iter().map(ServiceCard::from).collect()
                },
            })
            .collect();
        let featured = catalogue
            .city
            .featured
            .iter()
            .filter_map(|slug| catalogue.services.iter().find(|s| &s.slug == slug))
            .map(ServiceCard::from)
            .collect();
        Self { themes, featured }
    }
}
