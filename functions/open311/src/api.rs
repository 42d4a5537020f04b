//! The standard's read routes, the router and what every route shares:
//! the state, the errors in the standard's format, the jurisdiction check.

use crate::PREFIX;
use crate::format::{Format, answer};
use crate::reports;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use gru_domain::catalogue::City;
use gru_domain::open311::Offer;
use gru_domain::request::{Phase, Request};
use gru_domain::workflow::Workflow;
use gru_records::applications::Applications;
use gru_records::catalogue::{CatalogueError, CatalogueRepository, StoredService};
use gru_records::requests::{Repository, RepositoryError};
use gru_web::Platform;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use std::collections::HashMap;

/// The longest period `GET requests` covers, and its default.
const MAX_DAYS: i64 = 90;
/// The most reports `GET requests` answers.
const MAX_REPORTS: usize = 1000;
/// The most ids one `service_request_id` filter names.
const MAX_IDS: usize = 100;
const SPECIFICATION: &str = "http://wiki.open311.org/GeoReport_v2";

pub(crate) type Ctx = gru_web::Ctx<Inner>;

pub(crate) struct Inner {
    pub platform: Platform,
    pub repository: Repository,
    pub catalogue: CatalogueRepository,
    pub applications: Applications,
}

/// The Open311 routes, under [`PREFIX`].
pub fn router(platform: &Platform) -> Router {
    let store = &platform.store;
    let ctx = Ctx::new(
        platform,
        Inner {
            platform: platform.clone(),
            repository: Repository::new(store.clone()),
            catalogue: CatalogueRepository::new(store.clone()),
            applications: Applications::new(store.clone()),
        },
    );
    let routes = Router::new()
        .route("/discovery.xml", get(discovery))
        .route("/discovery.json", get(discovery))
        .route("/services.xml", get(services))
        .route("/services.json", get(services))
        .route("/services/{file}", get(service_definition))
        .route("/requests.xml", get(list_reports).post(reports::post))
        .route("/requests.json", get(list_reports).post(reports::post))
        .route("/requests/{file}", get(one_report))
        .route("/tokens/{file}", get(token))
        .fallback(no_route)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(ctx);
    gru_web::mount_as_is(PREFIX, routes)
}

/// An error as the standard writes it: the HTTP status, and a list of
/// `{code, description}` in the format asked for.
#[derive(Debug)]
pub(crate) struct Open311Error {
    pub status: StatusCode,
    pub format: Format,
    pub descriptions: Vec<String>,
}

impl Open311Error {
    pub fn new(status: StatusCode, format: Format, description: impl Into<String>) -> Self {
        Self { status, format, descriptions: vec![description.into()] }
    }

    pub fn bad_request(format: Format, description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, format, description)
    }

    pub fn not_found(format: Format, description: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, format, description)
    }

    /// A fault of ours: logged without its details' personal data (the
    /// store's and the records' errors carry none), answered as the
    /// standard's general error.
    pub fn internal(format: Format, error: impl std::fmt::Display) -> Self {
        tracing::error!(%error, "open311 request failed");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, format, "Erreur du service : réessayez plus tard.")
    }
}

impl IntoResponse for Open311Error {
    fn into_response(self) -> Response {
        let code = self.status.as_u16();
        let errors: Vec<Value> =
            self.descriptions.iter().map(|d| json!({ "code": code, "description": d })).collect();
        answer(self.format, self.status, "errors", &Value::Array(errors))
    }
}

pub(crate) type Answer = Result<Response, Open311Error>;

/// The format of an unknown path: the extension it ends with, else XML
/// (the standard's required format).
fn format_of(uri: &Uri) -> Format {
    Format::of_path(uri.path()).unwrap_or(Format::Xml)
}

async fn no_route(uri: Uri) -> Open311Error {
    Open311Error::not_found(format_of(&uri), "Cette ressource Open311 n'existe pas.")
}

async fn method_not_allowed(uri: Uri) -> Open311Error {
    Open311Error::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format_of(&uri),
        "Cette méthode n'est pas permise sur cette ressource.",
    )
}

/// A query string's or a form's arguments; the standard's optional
/// arguments count as absent when empty.
pub(crate) fn arguments(raw: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(raw.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

/// The last non-empty value of `name` among `arguments`.
pub(crate) fn argument<'a>(arguments: &'a [(String, String)], name: &str) -> Option<&'a str> {
    arguments.iter().rev().find(|(k, v)| k == name && !v.trim().is_empty()).map(|(_, v)| v.as_str())
}

impl Inner {
    pub fn now(&self) -> Timestamp {
        self.platform.clock.now()
    }

    /// The one jurisdiction this endpoint serves is the site's host: another
    /// one is 404, as the standard says; none is fine.
    pub fn check_jurisdiction(
        &self,
        arguments: &[(String, String)],
        format: Format,
    ) -> Result<(), Open311Error> {
        match argument(arguments, "jurisdiction_id") {
            Some(id) if id != self.jurisdiction() => Err(Open311Error::not_found(
                format,
                format!("jurisdiction_id inconnu : ce point d'accès sert {}.", self.jurisdiction()),
            )),
            _ => Ok(()),
        }
    }

    fn jurisdiction(&self) -> &str {
        let url = &self.platform.settings.public_url;
        let host = url.split_once("://").map_or(url.as_str(), |(_, rest)| rest);
        host.split(['/', ':']).next().unwrap_or(host)
    }

    pub async fn city(&self, format: Format) -> Result<City, Open311Error> {
        self.catalogue.imported_city().await.map_err(|e| Open311Error::internal(format, e))
    }

    /// The city's services offered to apps, each with the Open311 services
    /// apps see of it (one index query).
    pub async fn offers(&self, format: Format) -> Result<Vec<(StoredService, Vec<Offer>)>, Open311Error> {
        let services =
            self.catalogue.open311_services().await.map_err(|e| Open311Error::internal(format, e))?;
        Ok(services
            .into_iter()
            .filter(|stored| stored.service.form.is_some())
            .map(|stored| {
                let offers =
                    stored.service.open311.as_ref().map(|o| o.offers(&stored.service)).unwrap_or_default();
                (stored, offers)
            })
            .collect())
    }

    /// The Open311 service `code` names, with the city's service it is, if any.
    pub async fn offer(
        &self,
        code: &str,
        format: Format,
    ) -> Result<Option<(StoredService, Offer)>, Open311Error> {
        Ok(self.offers(format).await?.into_iter().find_map(|(stored, offers)| {
            offers.into_iter().find(|offer| offer.code == code).map(|offer| (stored, offer))
        }))
    }

    async fn workflow_of(&self, service: &str, format: Format) -> Result<Workflow, Open311Error> {
        self.catalogue
            .workflow_of(service)
            .await
            .map_err(|e: CatalogueError| Open311Error::internal(format, e))
    }
}

fn internal_records(format: Format) -> impl Fn(RepositoryError) -> Open311Error {
    move |error| Open311Error::internal(format, error)
}

/// `GET discovery`: where the endpoint is, its formats, how to get a key.
async fn discovery(State(ctx): State<Ctx>, format: Format) -> Answer {
    let city = ctx.city(format).await?;
    // Changes with each import of the city's files, which is when services
    // and their attributes change: zero-padded, so it sorts as text too.
    let version = ctx.catalogue.version().await.map_err(|e| Open311Error::internal(format, e))?;
    let changeset = format!("{:010}", version.unwrap_or_default());
    let contact = format!("{} : {}, {}", city.name, city.contact.email, city.contact.phone);
    let value = json!({
        "changeset": changeset,
        "contact": contact,
        "key_service": format!("Les clés d'API sont délivrées par la ville aux applications de signalement : écrivez à {}.", city.contact.email),
        "endpoints": [{
            "specification": SPECIFICATION,
            "url": format!("{}{PREFIX}", ctx.platform.settings.public_url),
            "changeset": changeset,
            "type": "production",
            "formats": ["text/xml", "application/json"],
        }],
    });
    Ok(answer(format, StatusCode::OK, "discovery", &value))
}

/// `GET services`: the services offered to apps.
async fn services(State(ctx): State<Ctx>, format: Format, RawQuery(query): RawQuery) -> Answer {
    ctx.check_jurisdiction(&arguments(query.as_deref().unwrap_or_default()), format)?;
    let services = ctx.offers(format).await?;
    let offered =
        services.iter().flat_map(|(stored, offers)| offers.iter().map(move |offer| (stored, offer)));
    let list: Vec<Value> = offered
        .map(|(stored, offer)| {
            let service = &stored.service;
            let settings = service.open311.as_ref().expect("indexed as an Open311 service");
            json!({
                "service_code": offer.code,
                "service_name": offer.name,
                "description": offer.description,
                "metadata": true,
                "type": "realtime",
                "keywords": service.keywords.join(", "),
                "group": settings.group.clone().unwrap_or_else(|| stored.category_title.clone()),
            })
        })
        .collect();
    Ok(answer(format, StatusCode::OK, "services", &Value::Array(list)))
}

/// `GET services/{code}.{format}`: the attributes of a service's form.
async fn service_definition(
    State(ctx): State<Ctx>,
    format: Format,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
) -> Answer {
    let code = stem(&file);
    ctx.check_jurisdiction(&arguments(query.as_deref().unwrap_or_default()), format)?;
    let (stored, offer) = ctx
        .offer(code, format)
        .await?
        .ok_or_else(|| Open311Error::not_found(format, format!("service_code inconnu : {code}")))?;
    let settings = stored.service.open311.as_ref().expect("an Open311 service");
    let form = stored.service.form.as_ref().expect("an Open311 service has a form");
    let value = json!({ "service_code": offer.code, "attributes": settings.attributes(form, &offer) });
    Ok(answer(format, StatusCode::OK, "service_definition", &value))
}

/// The name of a `{file}` without its format's extension.
fn stem(file: &str) -> &str {
    file.rsplit_once('.').map_or(file, |(stem, _)| stem)
}

/// `GET requests/{id}.{format}`: one report sent by an app.
async fn one_report(
    State(ctx): State<Ctx>,
    format: Format,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
) -> Answer {
    let id = stem(&file);
    ctx.check_jurisdiction(&arguments(query.as_deref().unwrap_or_default()), format)?;
    let request = ctx.repository.request(id).await.map_err(internal_records(format))?;
    let Some(request) = request.filter(|r| r.open311.is_some()) else {
        return Err(Open311Error::not_found(format, format!("service_request_id inconnu : {id}")));
    };
    let city = ctx.city(format).await?;
    let workflow = ctx.workflow_of(&request.service, format).await?;
    let value = Value::Array(vec![public_view(&request, &workflow, &city)]);
    Ok(answer(format, StatusCode::OK, "service_requests", &value))
}

/// `GET tokens/{token}.{format}`: every service answers with the report's
/// id at once (`realtime`), so no token is ever pending.
async fn token(State(ctx): State<Ctx>, format: Format, RawQuery(query): RawQuery) -> Answer {
    ctx.check_jurisdiction(&arguments(query.as_deref().unwrap_or_default()), format)?;
    Err(Open311Error::not_found(
        format,
        "Jeton inconnu : chaque signalement reçoit son service_request_id dès son envoi.",
    ))
}

/// Which phases a `status` filter keeps.
fn phases_of(status: &str) -> Option<&'static [Phase]> {
    match status {
        "open" => Some(&[Phase::Submitted, Phase::InProgress, Phase::WaitingForCitizen]),
        "closed" => Some(&[Phase::Accepted, Phase::Refused, Phase::Closed]),
        _ => None,
    }
}

/// `GET requests`: the reports apps sent, newest first, filtered.
async fn list_reports(State(ctx): State<Ctx>, format: Format, RawQuery(query): RawQuery) -> Answer {
    let arguments = arguments(query.as_deref().unwrap_or_default());
    ctx.check_jurisdiction(&arguments, format)?;
    let city = ctx.city(format).await?;
    let mut reports = match argument(&arguments, "service_request_id") {
        Some(ids) => reports_by_id(&ctx, ids, format).await?,
        None => reports_by_filter(&ctx, &arguments, format).await?,
    };
    reports.sort_by_key(|r| std::cmp::Reverse(r.submitted_at));
    reports.truncate(MAX_REPORTS);
    let mut workflows: HashMap<String, Workflow> = HashMap::new();
    let mut list = Vec::with_capacity(reports.len());
    for request in &reports {
        if !workflows.contains_key(&request.service) {
            workflows.insert(request.service.clone(), ctx.workflow_of(&request.service, format).await?);
        }
        list.push(public_view(request, &workflows[&request.service], &city));
    }
    Ok(answer(format, StatusCode::OK, "service_requests", &Value::Array(list)))
}

/// The reports a comma-separated list of ids names (the other filters do
/// not apply, as the standard says); unknown ids are left out.
async fn reports_by_id(ctx: &Ctx, ids: &str, format: Format) -> Result<Vec<Request>, Open311Error> {
    let ids: Vec<&str> = ids.split(',').map(str::trim).filter(|id| !id.is_empty()).collect();
    if ids.len() > MAX_IDS {
        return Err(Open311Error::bad_request(
            format,
            format!("service_request_id : {MAX_IDS} identifiants au plus."),
        ));
    }
    let mut reports = Vec::new();
    for id in ids {
        if let Some(request) = ctx.repository.request(id).await.map_err(internal_records(format))?
            && request.open311.is_some()
        {
            reports.push(request);
        }
    }
    Ok(reports)
}

async fn reports_by_filter(
    ctx: &Ctx,
    arguments: &[(String, String)],
    format: Format,
) -> Result<Vec<Request>, Open311Error> {
    let period = period(arguments, ctx.now(), format)?;
    let mut phases: Vec<Phase> = Vec::new();
    for status in argument(arguments, "status").unwrap_or("open,closed").split(',').map(str::trim) {
        let Some(more) = phases_of(status) else {
            return Err(Open311Error::bad_request(
                format,
                format!("status : « {status} » n'est ni open ni closed."),
            ));
        };
        phases.extend(more);
    }
    let codes: Option<Vec<&str>> =
        argument(arguments, "service_code").map(|c| c.split(',').map(str::trim).collect());
    let wanted = |code: &str| codes.as_ref().is_none_or(|codes| codes.contains(&code));
    // The city's services to read: those offering a wanted code.
    let services: Vec<String> = ctx
        .offers(format)
        .await?
        .into_iter()
        .filter(|(_, offers)| offers.iter().any(|o| wanted(&o.code)))
        .map(|(stored, _)| stored.service.slug)
        .collect();
    let mut reports = Vec::new();
    for service in &services {
        for phase in &phases {
            let found = ctx
                .repository
                .requests_submitted_between(service, *phase, period, MAX_REPORTS as u32)
                .await
                .map_err(internal_records(format))?;
            reports.extend(
                found.into_iter().filter(|r| r.open311.as_ref().is_some_and(|o| wanted(&o.service_code))),
            );
        }
    }
    Ok(reports)
}

/// The period a `GET requests` covers: `start_date` and `end_date` (W3C
/// date-times with their zone), 90 days at most, the last 90 by default.
fn period(
    arguments: &[(String, String)],
    now: Timestamp,
    format: Format,
) -> Result<(Timestamp, Timestamp), Open311Error> {
    let read = |name: &str| -> Result<Option<Timestamp>, Open311Error> {
        argument(arguments, name)
            .map(|text| {
                text.trim().parse::<Timestamp>().map_err(|_| {
                    Open311Error::bad_request(
                        format,
                        format!("{name} : une date et heure avec son fuseau est attendue, par exemple 2026-01-01T00:00:00Z."),
                    )
                })
            })
            .transpose()
    };
    let span = SignedDuration::from_hours(24 * MAX_DAYS);
    let (start, end) = match (read("start_date")?, read("end_date")?) {
        (Some(start), Some(end)) => (start, end),
        (Some(start), None) => (start, start.saturating_add(span).expect("in range").min(now)),
        (None, Some(end)) => (end.saturating_sub(span).expect("in range"), end),
        (None, None) => (now.saturating_sub(span).expect("in range"), now),
    };
    if start > end {
        return Err(Open311Error::bad_request(format, "start_date est postérieure à end_date."));
    }
    if end.duration_since(start) > span {
        return Err(Open311Error::bad_request(
            format,
            format!("La période couvre {MAX_DAYS} jours au plus."),
        ));
    }
    Ok((start, end))
}

/// What the standard publishes of a report: its status in the citizen's
/// words, its service, its dates and where it is. Never the reporter's
/// identity, contact or description (free text may name people).
fn public_view(request: &Request, workflow: &Workflow, city: &City) -> Value {
    let zone = city.timezone.zone();
    let datetime =
        |at: Timestamp| at.to_zoned_datetime(zone.clone()).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string();
    let status = workflow.status(&request.status);
    let closed = request.phase.is_final();
    let origin = request.open311.as_ref();
    let expected = request
        .deadline
        .as_ref()
        .filter(|_| !closed)
        .and_then(|d| d.due.at(17, 0, 0, 0).to_zoned_datetime(zone.clone()).ok())
        .map(|at| at.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string());
    json!({
        "service_request_id": request.reference,
        "status": if closed { "closed" } else { "open" },
        "status_notes": status.map(|s| s.citizen_label.clone()),
        "service_name": origin.map_or(request.service_title.as_str(), |o| o.service_name.as_str()),
        "service_code": origin.map_or(request.service.as_str(), |o| o.service_code.as_str()),
        "description": null,
        "agency_responsible": city.name,
        "service_notice": null,
        "requested_datetime": datetime(request.submitted_at),
        "updated_datetime": datetime(request.updated_at),
        "expected_datetime": expected,
        "address": origin.and_then(|o| o.address.clone()),
        "address_id": origin.and_then(|o| o.address_id.clone()),
        "zipcode": null,
        "lat": origin.and_then(|o| o.lat),
        "long": origin.and_then(|o| o.long),
        "media_url": origin.and_then(|o| o.media_url.clone()),
    })
}
