//! HTTP handlers of the catalogue function.

use crate::PREFIX;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use gru_domain::catalogue::{Link, Presentation};
use gru_domain::search;
use gru_ports::store::Cursor;
use gru_records::catalogue::{CatalogueRepository, ServiceSummary, StoredService};
use gru_web::{CachedJson, PUBLIC_CATALOGUE, Platform, Problem, Query};
use serde::{Deserialize, Serialize};

/// Services per page unless the client asks for fewer.
const DEFAULT_PAGE: u32 = 50;
const MAX_PAGE: u32 = 100;
/// Longer queries are refused: nobody types a service name this long.
const MAX_QUERY_CHARS: usize = 200;

/// The catalogue function's routes, under [`PREFIX`].
pub fn router(platform: &Platform) -> Router {
    let repository = CatalogueRepository::new(platform.store.clone());
    let routes = Router::new()
        .route("/city", get(city))
        .route("/categories", get(categories))
        .route("/services", get(services))
        .route("/services/{slug}", get(service))
        .route("/services/{slug}/form", get(form))
        .with_state(repository);
    gru_web::mount(PREFIX, routes)
}

async fn city(State(repo): State<CatalogueRepository>, headers: HeaderMap) -> Result<Response, Problem> {
    let city = repo.city().await?.ok_or_else(|| {
        Problem::not_found("Aucune ville n'est encore configurée : importez son catalogue.")
    })?;
    Ok(CachedJson::new(&city, PUBLIC_CATALOGUE, &headers).into_response())
}

#[derive(Serialize)]
struct CategoryView {
    slug: String,
    title: String,
    description: String,
    service_count: usize,
}

async fn categories(
    State(repo): State<CatalogueRepository>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let items: Vec<CategoryView> = repo
        .categories()
        .await?
        .into_iter()
        .map(|c| CategoryView {
            slug: c.slug,
            title: c.title,
            description: c.description,
            service_count: c.service_count,
        })
        .collect();
    Ok(CachedJson::new(&serde_json::json!({ "items": items }), PUBLIC_CATALOGUE, &headers).into_response())
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
struct SummaryView {
    slug: String,
    title: String,
    category: String,
    category_title: String,
    summary: String,
}

impl From<ServiceSummary> for SummaryView {
    fn from(s: ServiceSummary) -> Self {
        Self {
            slug: s.slug,
            title: s.title,
            category: s.category,
            category_title: s.category_title,
            summary: s.summary,
        }
    }
}

#[derive(Serialize)]
struct ListView {
    items: Vec<SummaryView>,
    next: Option<String>,
}

/// Without `q`: summaries in slug order, paginated by the store's cursor.
/// With `q`: every summary ranked by relevance (the catalogue partition is
/// small: one query), paginated by offset.
async fn services(
    State(repo): State<CatalogueRepository>,
    Query(params): Query<ListParams>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let limit = params.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(Problem::bad_request("invalid-query", "Le nombre de résultats demandé est invalide.")
            .with_field("limit", format!("Entre 1 et {MAX_PAGE}.")));
    }
    let category = params.category.as_deref().filter(|c| !c.is_empty());
    if let Some(slug) = category
        && repo.category(slug).await?.is_none()
    {
        return Err(
            Problem::not_found("Cette catégorie n'existe pas.").with_field("category", "Catégorie inconnue.")
        );
    }
    let q = params.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let view = match q {
        Some(q) => search_page(&repo, q, category, limit, params.cursor.as_deref()).await?,
        None => {
            let cursor = params.cursor.filter(|c| !c.is_empty()).map(Cursor);
            let (summaries, next) = repo.summaries_page(category, limit, cursor).await?;
            ListView { items: summaries.into_iter().map(Into::into).collect(), next: next.map(|c| c.0) }
        }
    };
    Ok(CachedJson::new(&view, PUBLIC_CATALOGUE, &headers).into_response())
}

async fn search_page(
    repo: &CatalogueRepository,
    q: &str,
    category: Option<&str>,
    limit: u32,
    cursor: Option<&str>,
) -> Result<ListView, Problem> {
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(Problem::bad_request("invalid-query", "La recherche est trop longue.")
            .with_field("q", format!("{MAX_QUERY_CHARS} caractères au plus.")));
    }
    let offset = match cursor.filter(|c| !c.is_empty()) {
        None => 0,
        Some(c) => c.parse::<usize>().map_err(|_| {
            Problem::bad_request("invalid-query", "Le curseur de pagination est invalide.")
                .with_field("cursor", "Reprenez la recherche depuis le début.")
        })?,
    };
    let query = search::Query::parse(q);
    let mut ranked: Vec<(u32, ServiceSummary)> = repo
        .all_summaries(category)
        .await?
        .into_iter()
        .filter_map(|s| s.search.score(&query).map(|score| (score, s)))
        .collect();
    // Equal scores in alphabetical order, accents aside ("État" among the E).
    ranked.sort_by_cached_key(|(score, s)| (std::cmp::Reverse(*score), search::normalize(&s.title)));
    let total = ranked.len();
    let end = offset.saturating_add(limit as usize).min(total);
    let items = ranked.into_iter().skip(offset).take(limit as usize).map(|(_, s)| s.into()).collect();
    Ok(ListView { items, next: (end < total).then(|| end.to_string()) })
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
    State(repo): State<CatalogueRepository>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    if !gru_domain::catalogue::is_valid_slug(&slug) {
        return Err(unknown_service());
    }
    let service = repo.service(&slug).await?.ok_or_else(unknown_service)?;
    Ok(CachedJson::new(&ServiceView::from(service), PUBLIC_CATALOGUE, &headers).into_response())
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
/// started on an older version keeps being shown with it).
async fn form(
    State(repo): State<CatalogueRepository>,
    Path(slug): Path<String>,
    Query(params): Query<FormParams>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    if !gru_domain::catalogue::is_valid_slug(&slug) {
        return Err(unknown_service());
    }
    let form = repo.form(&slug, params.version).await?.ok_or_else(|| {
        Problem::not_found("Cette démarche n'a pas de formulaire en ligne, ou pas dans cette version.")
    })?;
    Ok(CachedJson::new(&form, PUBLIC_CATALOGUE, &headers).into_response())
}
