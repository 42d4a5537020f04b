//! `POST requests`: an app sends a report with its key. The report becomes
//! a request of channel `open311`: the service's `[open311]` section turns
//! the standard's arguments into the form's answers, the form validates them
//! as it does online, and the reporter gets the same confirmation and
//! private tracking link by email.

use crate::api::{Answer, Ctx, Open311Error, argument, arguments};
use crate::format::{Format, answer};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use gru_domain::open311::Report;
use gru_domain::request::{EnteredBy, NewRequest, Open311Origin, RequiredDocument};
use gru_domain::text;
use gru_ports::StoreError;
use gru_records::applications::KeyHolder;
use gru_records::reference::new_reference;
use gru_records::requests::{Recording, RepositoryError};
use gru_web::tokens;
use jiff::SignedDuration;
use serde_json::json;

/// The standard's limit on a description.
const MAX_DESCRIPTION_CHARS: usize = 4000;
const MAX_LINE_CHARS: usize = 200;
const MAX_URL_CHARS: usize = 2000;
/// Reports one application may send per hour: enough for a city's apps,
/// a bound on a leaked key.
const REPORTS_PER_HOUR: u32 = 300;
/// How many references are tried when a new one is already taken.
const ATTEMPTS: usize = 4;

/// `POST requests.{format}`.
pub(crate) async fn post(
    State(ctx): State<Ctx>,
    format: Format,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    let body = body.map_err(|rejection| {
        Open311Error::new(rejection.status(), format, "Signalement trop volumineux ou illisible.")
    })?;
    let form_encoded = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| {
        v.trim_start().to_ascii_lowercase().starts_with("application/x-www-form-urlencoded")
    });
    if !form_encoded {
        return Err(Open311Error::bad_request(
            format,
            "Envoyez le signalement en application/x-www-form-urlencoded; charset=utf-8.",
        ));
    }
    let Ok(text) = std::str::from_utf8(&body) else {
        return Err(Open311Error::bad_request(format, "Le signalement doit être encodé en UTF-8."));
    };
    // Some clients put `api_key` and `jurisdiction_id` in the query string,
    // as the standard's Swagger describes them; the body's come first.
    let mut arguments = arguments(text);
    arguments.extend(crate::api::arguments(query.as_deref().unwrap_or_default()));
    let application = application(&ctx, &arguments, format).await?;
    ctx.check_jurisdiction(&arguments, format)?;
    ctx.shared()
        .limiter
        .hit("open311-reports", &application.id, REPORTS_PER_HOUR, SignedDuration::from_hours(1))
        .await
        .map_err(|problem| {
            Open311Error::new(
                problem.status_code(),
                format,
                "Trop de signalements envoyés par cette application : réessayez dans une heure.",
            )
        })?;
    let code = argument(&arguments, "service_code")
        .ok_or_else(|| Open311Error::bad_request(format, "service_code manquant."))?;
    let (service, offer) = ctx
        .offer(code, format)
        .await?
        .ok_or_else(|| Open311Error::bad_request(format, format!("service_code inconnu : {code}")))?;
    let parsed = parse(&arguments, format)?;
    let service = service.service;
    let settings = service.open311.as_ref().expect("an Open311 service");
    let form = service.form.as_ref().expect("an Open311 service has a form");
    let answers = settings.answers(form, &offer, &parsed.report).map_err(|errors| Open311Error {
        status: StatusCode::BAD_REQUEST,
        format,
        descriptions: errors.into_iter().map(|e| format!("{} : {}", e.argument, e.message)).collect(),
    })?;
    let moment = ctx.catalogue.moment(ctx.now()).await.map_err(|e| Open311Error::internal(format, e))?;
    let answers = form.validate_submission(&answers, moment.today).map_err(|errors| Open311Error {
        status: StatusCode::BAD_REQUEST,
        format,
        descriptions: errors
            .into_iter()
            .map(|e| format!("{} : {}", settings.argument_of(&e.field), e.message))
            .collect(),
    })?;
    let account = gru_records::accounts::citizen_by_email(ctx.platform.store.clone(), &parsed.email)
        .await
        .map_err(|e| Open311Error::internal(format, e))?;
    let workflow =
        ctx.catalogue.workflow_of(&service.slug).await.map_err(|e| Open311Error::internal(format, e))?;
    // Documents are listed for the agent, not demanded: an app sends media by URL.
    let documents: Vec<RequiredDocument> =
        form.required_documents(&answers).into_iter().map(RequiredDocument::from).collect();
    let origin = Open311Origin {
        application: application.id.clone(),
        application_name: application.name.clone(),
        service_code: offer.code.clone(),
        service_name: offer.name.clone(),
        ..parsed.origin
    };
    for _ in 0..ATTEMPTS {
        let now = ctx.now();
        let token = tokens::random_token();
        let reference = new_reference();
        let tracking_url = gru_notices::requests::tracking_url(&ctx.platform.settings.public_url, &token);
        let mut request = NewRequest {
            reference: reference.clone(),
            service: service.slug.clone(),
            service_title: service.title.clone(),
            form_version: form.version,
            answers: answers.clone(),
            documents: documents.clone(),
            email: parsed.email.clone(),
            account: account.as_ref().map(|a| a.id.clone()),
            citizen_name: parsed.name.clone().or_else(|| account.as_ref().and_then(|a| a.name.clone())),
            channel: "open311".to_owned(),
            case: None,
            entered_by: EnteredBy::Citizen,
        }
        .enter(&workflow, now, moment.today, moment.calendar);
        request.open311 = Some(origin.clone());
        let confirmation = gru_notices::requests::queue_confirmation(
            &parsed.email,
            &reference,
            &service.title,
            &tracking_url,
            now,
        )
        .map_err(|e| Open311Error::internal(format, e))?;
        let written = ctx
            .repository
            .record(
                Recording {
                    days: moment.days(),
                    request: &request,
                    agent: &application.id,
                    tracking_hash: &tokens::hash(&token),
                    idempotency: None,
                    keep_idempotency_until: now,
                },
                vec![confirmation],
            )
            .await;
        match written {
            Ok(()) => {
                tracing::info!(service = %request.service, application = %application.id, "report received from an Open311 app");
                let value = json!([{
                    "service_request_id": reference,
                    "service_notice": service.presentation.delay,
                    "account_id": null,
                }]);
                return Ok(answer(format, StatusCode::CREATED, "service_requests", &value));
            }
            // A reference already taken: try another.
            Err(RepositoryError::Store(StoreError::ConditionFailed | StoreError::TransactionConflict)) => {}
            Err(other) => return Err(Open311Error::internal(format, other)),
        }
    }
    Err(Open311Error::internal(format, "no free reference after several attempts"))
}

/// The application whose live key the report carries: 403 otherwise.
async fn application(
    ctx: &Ctx,
    arguments: &[(String, String)],
    format: Format,
) -> Result<KeyHolder, Open311Error> {
    let forbidden = |what: &str| Open311Error::new(StatusCode::FORBIDDEN, format, what.to_owned());
    let key = argument(arguments, "api_key")
        .ok_or_else(|| forbidden("api_key manquante : demandez une clé à la ville."))?;
    ctx.applications
        .holder_of(key)
        .await
        .map_err(|e| Open311Error::internal(format, e))?
        .ok_or_else(|| forbidden("api_key invalide ou révoquée."))
}

/// A report's arguments, checked.
struct Parsed {
    report: Report,
    origin: Open311Origin,
    email: String,
    name: Option<String>,
}

/// Reads the standard's arguments, naming each one at fault.
fn parse(arguments: &[(String, String)], format: Format) -> Result<Parsed, Open311Error> {
    let mut errors = Vec::new();
    let one_line = |name: &str, errors: &mut Vec<String>| -> Option<String> {
        let value = argument(arguments, name).map(text::trim_invisible).filter(|v| text::has_visible(v))?;
        if value.chars().count() > MAX_LINE_CHARS || value.chars().any(char::is_control) {
            errors.push(format!("{name} : {MAX_LINE_CHARS} caractères au plus, sur une ligne."));
            return None;
        }
        Some(text::clean_line(value))
    };
    let coordinate = |name: &str, limit: f64, errors: &mut Vec<String>| -> Option<f64> {
        let value = argument(arguments, name)?;
        match value.trim().parse::<f64>() {
            Ok(v) if v.is_finite() && v.abs() <= limit => Some(v),
            _ => {
                errors.push(format!("{name} : un nombre entre -{limit} et {limit} (WGS84) est attendu."));
                None
            }
        }
    };
    let lat = coordinate("lat", 90.0, &mut errors);
    let long = coordinate("long", 180.0, &mut errors);
    let address = one_line("address_string", &mut errors);
    let address_id = one_line("address_id", &mut errors);
    let phone = one_line("phone", &mut errors);
    let name = [one_line("first_name", &mut errors), one_line("last_name", &mut errors)]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let coordinates = match (lat, long) {
        (Some(lat), Some(long)) => Some((lat, long)),
        (None, None) => None,
        _ => {
            errors.push("lat et long : envoyez les deux.".to_owned());
            None
        }
    };
    if coordinates.is_none() && address.is_none() && address_id.is_none() {
        errors.push("Indiquez le lieu : lat et long, address_string ou address_id.".to_owned());
    }
    let description = argument(arguments, "description")
        .map(text::trim_invisible)
        .filter(|d| text::has_visible(d))
        .map(str::to_owned);
    if description.as_ref().is_some_and(|d| d.chars().count() > MAX_DESCRIPTION_CHARS) {
        errors.push(format!("description : {MAX_DESCRIPTION_CHARS} caractères au plus."));
    }
    let media_url = argument(arguments, "media_url").map(str::trim).map(str::to_owned);
    if media_url.as_ref().is_some_and(|url| {
        !(url.starts_with("https://") || url.starts_with("http://"))
            || url.chars().count() > MAX_URL_CHARS
            || url.chars().any(|c| c.is_whitespace() || c.is_control())
    }) {
        errors.push("media_url : une adresse http ou https est attendue.".to_owned());
    }
    let email = argument(arguments, "email").and_then(tokens::normalize_email);
    if email.is_none() {
        errors.push(
            "email : une adresse électronique valide est demandée, pour envoyer l'accusé de réception et le lien de suivi."
                .to_owned(),
        );
    }
    if !errors.is_empty() {
        return Err(Open311Error { status: StatusCode::BAD_REQUEST, format, descriptions: errors });
    }
    // The location in words for the agent: the address as given, or the
    // coordinates, or the address's id in the city's repository.
    let location = match (&address, coordinates, &address_id) {
        (Some(address), Some((lat, long)), _) => format!("{address} (position GPS : {lat}, {long})"),
        (Some(address), None, _) => address.clone(),
        (None, Some((lat, long)), _) => format!("Position GPS : {lat}, {long}"),
        (None, None, Some(id)) => format!("Adresse n° {id} du référentiel de la ville"),
        (None, None, None) => unreachable!("a location was required above"),
    };
    let attributes = arguments
        .iter()
        .filter_map(|(key, value)| {
            let code = key.strip_prefix("attribute[")?;
            let code = code.strip_suffix("][]").or_else(|| code.strip_suffix(']'))?;
            Some((code.to_owned(), value.clone()))
        })
        .collect();
    Ok(Parsed {
        report: Report { description, location: Some(location), phone, attributes },
        origin: Open311Origin {
            application: String::new(),
            application_name: String::new(),
            service_code: String::new(),
            service_name: String::new(),
            lat: coordinates.map(|c| c.0),
            long: coordinates.map(|c| c.1),
            address,
            address_id,
            media_url,
        },
        email: email.expect("checked above"),
        name: (!name.is_empty()).then_some(name),
    })
}
