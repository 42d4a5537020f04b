//! HTTP handlers of the catalogue function: each answers from the
//! [`Snapshot`] of the catalogue, computing an answer once per version.

use crate::PREFIX;
use crate::snapshot::{Catalogue, Snapshot};
use crate::visits::{self, Visits};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use gru_domain::catalogue::{Link, Presentation};
use gru_domain::search;
use gru_records::catalogue::{CatalogueRepository, ServiceSummary, StoredService};
use gru_web::{CachedJson, PUBLIC_CATALOGUE, Platform, Problem, Query};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, LazyLock};

/// Services per page unless the client asks for fewer.
const DEFAULT_PAGE: u32 = 50;
const MAX_PAGE: u32 = 100;
/// Longer queries are refused: nobody types a service name this long.
const MAX_QUERY_CHARS: usize = 200;

type Shared = State<Arc<Catalogue>>;

/// Where the description of the whole API is served: outside the
/// catalogue's prefix, since it describes every function.
pub const OPENAPI_PATH: &str = "/api/openapi.json";

/// The OpenAPI description of every public route, written from the
/// functions' route tables (`tests/tests/openapi.rs` checks it is current).
static OPENAPI: LazyLock<CachedJson> =
    LazyLock::new(|| CachedJson::from_static(include_str!("../../../docs/openapi.json"), PUBLIC_CATALOGUE));

/// The catalogue function's routes, under [`PREFIX`].
pub fn router(platform: &Platform) -> Router {
    let catalogue = Arc::new(Catalogue::new(CatalogueRepository::new(platform.store.clone())));
    let visits = Visits::new(catalogue.clone(), platform.store.clone(), platform.clock.clone());
    let counted = Router::new()
        .route("/services/{slug}/views", post(visits::viewed))
        .route("/searches", post(visits::searched_for))
        .with_state(visits);
    let routes = Router::new()
        .route("/city", get(city))
        .route("/categories", get(categories))
        .route("/featured", get(featured))
        .route("/services", get(services))
        .route("/services/{slug}", get(service))
        .route("/services/{slug}/form", get(form))
        .with_state(catalogue)
        .merge(counted);
    // Outside every prefix, so without `mount`'s fallbacks: its 405 is a
    // problem document all the same.
    let description = get(openapi).fallback(gru_web::problem::method_not_allowed);
    Router::new().route(OPENAPI_PATH, description).merge(gru_web::mount(PREFIX, routes))
}

async fn openapi(headers: HeaderMap) -> Response {
    OPENAPI.respond(&headers)
}

fn public(value: &impl Serialize) -> CachedJson {
    CachedJson::new(value, PUBLIC_CATALOGUE)
}

async fn city(State(catalogue): Shared, headers: HeaderMap) -> Result<Response, Problem> {
    let snapshot = catalogue.snapshot().await?;
    let answer = snapshot
        .answer("city".to_owned(), || async {
            let city = snapshot.city.as_ref().ok_or_else(|| {
                Problem::not_found("Aucune ville n'est encore configurée : importez son catalogue.")
            })?;
            Ok::<_, Problem>(public(city))
        })
        .await?;
    Ok(answer.respond(&headers))
}

#[derive(Serialize)]
struct CategoryView<'a> {
    slug: &'a str,
    title: &'a str,
    description: &'a str,
    service_count: usize,
}

#[derive(Serialize)]
struct Items<T> {
    items: Vec<T>,
}

async fn categories(State(catalogue): Shared, headers: HeaderMap) -> Result<Response, Problem> {
    let snapshot = catalogue.snapshot().await?;
    let answer = snapshot
        .answer("categories".to_owned(), || async {
            let items = snapshot
                .categories
                .iter()
                .map(|c| CategoryView {
                    slug: &c.slug,
                    title: &c.title,
                    description: &c.description,
                    service_count: c.service_count,
                })
                .collect();
            Ok::<_, Problem>(public(&Items { items }))
        })
        .await?;
    Ok(answer.respond(&headers))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListParams {
    q: Option<String>,
    category: Option<String>,
    cursor: Option<String>,
    limit: Option<u32>,
}

#[derive(Serialize)]
struct SummaryView<'a> {
    slug: &'a str,
    title: &'a str,
    category: &'a str,
    category_title: &'a str,
    summary: &'a str,
}

impl<'a> From<&'a ServiceSummary> for SummaryView<'a> {
    fn from(s: &'a ServiceSummary) -> Self {
        Self {
            slug: &s.slug,
            title: &s.title,
            category: &s.category,
            category_title: &s.category_title,
            summary: &s.summary,
        }
    }
}

#[derive(Serialize)]
struct ListView<'a> {
    items: Vec<SummaryView<'a>>,
    next: Option<String>,
}

/// A list's page, as asked: checked, then answered from the snapshot.
enum ListRequest<'a> {
    /// Summaries in slug order, after the slug of the last one seen.
    Browse { after: Option<&'a str> },
    /// Every summary that matches, by relevance, from an offset.
    Search { query: &'a str, offset: usize },
}

/// The services the city puts first on its home page, in its order.
async fn featured(State(catalogue): Shared, headers: HeaderMap) -> Result<Response, Problem> {
    let snapshot = catalogue.snapshot().await?;
    let answer = snapshot
        .answer("featured".to_owned(), || async {
            let slugs = snapshot.city.as_ref().map(|c| c.featured.as_slice()).unwrap_or_default();
            let items: Vec<SummaryView> = slugs
                .iter()
                .filter_map(|slug| snapshot.summaries.iter().find(|s| &s.slug == slug))
                .map(Into::into)
                .collect();
            Ok::<_, Problem>(public(&Items { items }))
        })
        .await?;
    Ok(answer.respond(&headers))
}

/// Without `q`: summaries in slug order, a page at a time (the cursor is the
/// last slug seen). With `q`: every summary ranked by relevance, a page at a
/// time from an offset.
async fn services(
    State(catalogue): Shared,
    Query(params): Query<ListParams>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let limit = params.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(Problem::bad_request("invalid-query", "Le nombre de résultats demandé est invalide.")
            .with_field("limit", format!("Entre 1 et {MAX_PAGE}.")));
    }
    let snapshot = catalogue.snapshot().await?;
    let category = params.category.as_deref().filter(|c| !c.is_empty());
    if let Some(slug) = category
        && !snapshot.has_category(slug)
    {
        return Err(
            Problem::not_found("Cette catégorie n'existe pas.").with_field("category", "Catégorie inconnue.")
        );
    }
    let cursor = params.cursor.as_deref().filter(|c| !c.is_empty());
    let request = match params.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        Some(query) => {
            if query.chars().count() > MAX_QUERY_CHARS {
                return Err(Problem::bad_request("invalid-query", "La recherche est trop longue.")
                    .with_field("q", format!("{MAX_QUERY_CHARS} caractères au plus.")));
            }
            let offset = cursor.map(str::parse::<usize>).transpose().map_err(|_| invalid_cursor())?;
            ListRequest::Search { query, offset: offset.unwrap_or(0) }
        }
        None => {
            if cursor.is_some_and(|c| !gru_domain::catalogue::is_valid_slug(c)) {
                return Err(invalid_cursor());
            }
            ListRequest::Browse { after: cursor }
        }
    };
    let key = match &request {
        ListRequest::Browse { after } => format!("list {limit} {category:?} {after:?}"),
        ListRequest::Search { query, offset } => format!("search {limit} {category:?} {offset} {query}"),
    };
    let answer = snapshot
        .answer(key, || async {
            Ok::<_, Problem>(public(&list(&snapshot, category, limit as usize, request)))
        })
        .await?;
    Ok(answer.respond(&headers))
}

fn invalid_cursor() -> Problem {
    Problem::bad_request("invalid-query", "Le curseur de pagination est invalide.")
        .with_field("cursor", "Reprenez la liste depuis le début.")
}

fn list<'a>(
    snapshot: &'a Snapshot,
    category: Option<&str>,
    limit: usize,
    request: ListRequest,
) -> ListView<'a> {
    let of_category = snapshot.summaries.iter().filter(|s| category.is_none_or(|c| s.category == c));
    match request {
        ListRequest::Browse { after } => {
            let mut page: Vec<&ServiceSummary> = of_category
                .filter(|s| after.is_none_or(|after| s.slug.as_str() > after))
                .take(limit + 1)
                .collect();
            // One summary more than the page was taken only to learn whether more follow.
            let more = page.len() > limit;
            page.truncate(limit);
            let next = page.last().filter(|_| more).map(|last| last.slug.clone());
            ListView { items: page.into_iter().map(Into::into).collect(), next }
        }
        ListRequest::Search { query, offset } => {
            let query = search::Query::parse(query);
            let mut ranked: Vec<(u32, &ServiceSummary)> =
                of_category.filter_map(|s| s.search.score(&query).map(|score| (score, s))).collect();
            // Equal scores in alphabetical order, accents aside ("État" among the E).
            ranked.sort_by_cached_key(|(score, s)| (std::cmp::Reverse(*score), search::normalize(&s.title)));
            let total = ranked.len();
            let end = offset.saturating_add(limit).min(total);
            let items = ranked.into_iter().skip(offset).take(limit).map(|(_, s)| s.into()).collect();
            ListView { items, next: (end < total).then(|| end.to_string()) }
        }
    }
}

#[derive(Serialize)]
struct CategoryRef {
    slug: String,
    title: String,
}

#[derive(Serialize)]
struct ServiceView {
    slug: String,
    title: String,
    summary: String,
    keywords: Vec<String>,
    category: CategoryRef,
    presentation: Presentation,
    /// Whether the service has an online form (`/services/{slug}/form`).
    has_form: bool,
    /// How to start the service online; `null` while it cannot be started
    /// online (the site then shows no "Start" button).
    start: Option<Link>,
    /// The appointment it books (`{type, required}`), `null` when none: the
    /// site then offers « Prendre rendez-vous ».
    appointment: Option<gru_domain::catalogue::ServiceAppointment>,
}

impl From<StoredService> for ServiceView {
    fn from(stored: StoredService) -> Self {
        let s = stored.service;
        let start = s.form.is_some().then(|| Link {
            label: "Faire la demande en ligne".to_owned(),
            url: format!("/demarche.html?service={}", s.slug),
        });
        Self {
            slug: s.slug,
            title: s.title,
            summary: s.summary,
            keywords: s.keywords,
            category: CategoryRef { slug: s.category, title: stored.category_title },
            presentation: s.presentation,
            has_form: s.form.is_some(),
            start,
            appointment: s.appointment,
        }
    }
}

async fn service(
    State(catalogue): Shared,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let snapshot = catalogue.snapshot().await?;
    if !snapshot.has_service(&slug) {
        return Err(unknown_service());
    }
    let answer = snapshot
        .answer(format!("service {slug}"), || async {
            let service = catalogue.repository().service(&slug).await?.ok_or_else(unknown_service)?;
            Ok::<_, Problem>(public(&ServiceView::from(service)))
        })
        .await?;
    Ok(answer.respond(&headers))
}

fn unknown_service() -> Problem {
    Problem::not_found("Cette démarche n'existe pas ou a été retirée.")
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FormParams {
    version: Option<u32>,
}

/// A service's form: the current version, or `?version=N` (a draft
/// started on an older version keeps being shown with it, even once its
/// service has left the catalogue).
async fn form(
    State(catalogue): Shared,
    Path(slug): Path<String>,
    Query(params): Query<FormParams>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    if !gru_domain::catalogue::is_valid_slug(&slug) {
        return Err(unknown_service());
    }
    let snapshot = catalogue.snapshot().await?;
    if params.version.is_none() && !snapshot.has_service(&slug) {
        return Err(unknown_service());
    }
    let answer = snapshot
        .answer(format!("form {slug} {:?}", params.version), || async {
            let form = catalogue.repository().form(&slug, params.version).await?.ok_or_else(|| {
                Problem::not_found(
                    "Cette démarche n'a pas de formulaire en ligne, ou pas dans cette version.",
                )
            })?;
            Ok::<_, Problem>(public(&form))
        })
        .await?;
    Ok(answer.respond(&headers))
}
