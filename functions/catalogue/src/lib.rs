//! The catalogue function: the city profile, categories, services and their
//! presentation pages, and search. Public, answered from a snapshot of the
//! catalogue held in memory (`snapshot.rs`); the catalogue is written by
//! `portal catalogue import` through
//! `gru_records::catalogue::CatalogueRepository::import`. Its only writes
//! are the city's indicators of what citizens read and search (`visits.rs`).
//!
//! Routes (all under [`PREFIX`]):
//!
//! | route | answer |
//! |---|---|
//! | `GET /city` | the city profile |
//! | `GET /categories` | categories in display order, with service counts |
//! | `GET /featured` | the services the city puts first on its home page, in its order |
//! | `GET /services?q=&category=&cursor=&limit=` | service summaries, a page at a time |
//! | `GET /services/{slug}` | one service's presentation page |
//! | `GET /services/{slug}/form?version=` | the service's form (current, or that version) |
//! | `POST /services/{slug}/views` | 204: the service's page was read, counted (404 for an unknown service; 300 an hour per address, 429 above) |
//! | `POST /searches` `{q}` | 204: a search settled on the site, counted, with its words when nothing answered it (400 on an empty or too long `q`; the same limit) |
//!
//! It also serves `GET /api/openapi.json` ([`OPENAPI_PATH`]), the OpenAPI
//! description of every function's routes (`docs/openapi.json`).

mod api;
mod snapshot;
mod visits;

pub use api::{OPENAPI_PATH, router};
pub use snapshot::REFRESH;

/// The URL prefix this function owns (one API Gateway route).
pub const PREFIX: &str = "/api/catalogue";
