//! Requests that came by phone, email, post or at the counter, recorded by
//! an agent with the service's form: the same validation, the same
//! confirmation email and tracking link as online, the channel and the agent
//! kept in the history. The citizen's email links the request to their
//! account's dashboard when they have one (the dashboard lists requests by
//! email).

use super::{Ctx, created, invalid_answers, keep_idempotency_until, queue_confirmation};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use gru_domain::form::Answers;
use gru_domain::request::{EnteredBy, NewRequest, Receipt, RequiredDocument};
use gru_domain::text;
use gru_ports::StoreError;
use gru_records::reference::new_reference;
use gru_records::requests::{Recording, RepositoryError, StoredReceipt};
use gru_web::IdempotencyKey;
use gru_web::agent::Agent;
use gru_web::{Json, Problem, tokens};
use serde::Deserialize;

/// The ways a request reaches the city besides the site.
const CHANNELS: [&str; 4] = ["phone", "email", "post", "counter"];

/// How many references are tried when a new one is already taken.
const RECORD_ATTEMPTS: usize = 4;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RecordBody {
    service: String,
    channel: String,
    citizen: CitizenContact,
    answers: Answers,
}

/// Who the request is for: the email receives the confirmation and the
/// tracking link, and finds the request on the account's dashboard. A
/// request received by post or at the counter may come without one: a
/// name and a postal address then, and its letters are printed.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CitizenContact {
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    postal_address: Option<PostalAddress>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PostalAddress {
    street: String,
    #[serde(default)]
    complement: Option<String>,
    postcode: String,
    city: String,
}

/// The channels whose citizens may have no email address.
const BY_LETTER: [&str; 2] = ["post", "counter"];

/// `POST /agent/requests`: records a request for a citizen, by an agent
/// handling the service.
pub(super) async fn record(
    State(ctx): State<Ctx>,
    agent: Agent,
    IdempotencyKey(key): IdempotencyKey,
    Json(body): Json<RecordBody>,
) -> Result<Response, Problem> {
    if let Some(key) = &key
        && let Some(stored) = ctx.repository.recorded_receipt(&agent.id, key).await?
    {
        return Ok(created(stored.receipt));
    }
    agent.require_service(&body.service)?;
    let channel = checked_channel(&body.channel)?;
    let name = checked_name(body.citizen.name.as_deref())?;
    let given = body.citizen.email.as_deref().map(text::trim_invisible).filter(|e| !e.is_empty());
    let email = match given {
        Some(raw) => Some(tokens::normalize_email(raw).ok_or_else(|| {
            Problem::unprocessable("validation", "L'adresse électronique du citoyen n'est pas valide.")
                .with_field(
                    "citizen.email",
                    "Saisissez une adresse électronique valide, par exemple nom@exemple.fr.",
                )
        })?),
        None => None,
    };
    let postal_address = body.citizen.postal_address.as_ref().map(checked_address).transpose()?;
    if email.is_none() && !(BY_LETTER.contains(&channel) && postal_address.is_some() && name.is_some()) {
        let mut problem = Problem::unprocessable("validation", "Indiquez comment écrire au demandeur.");
        problem = if BY_LETTER.contains(&channel) {
            let problem = problem.with_field(
                "citizen.email",
                "Saisissez son adresse électronique, ou son nom et son adresse postale : les courriers seront alors imprimés.",
            );
            if name.is_none() {
                problem.with_field("citizen.name", "Saisissez le nom du demandeur.")
            } else {
                problem
            }
        } else {
            problem.with_field(
                "citizen.email",
                "Saisissez l'adresse électronique du demandeur : l'accusé de réception et le suivi y sont envoyés.",
            )
        };
        return Err(problem);
    }
    let form = ctx.form(&body.service, None).await?;
    let moment = ctx.city_day().await?;
    let (today, calendar) = (moment.today, moment.calendar);
    let answers = form
        .validate_submission(&body.answers, today)
        .map_err(|errors| invalid_answers(errors, StatusCode::UNPROCESSABLE_ENTITY))?;
    let account = match &email {
        Some(email) => gru_records::accounts::citizen_by_email(ctx.platform.store.clone(), email)
            .await
            .map_err(Problem::internal)?,
        None => None,
    };
    let citizen_name = name.or_else(|| account.as_ref().and_then(|a| a.name.clone()));
    let service_title = ctx.service_title(&body.service).await?;
    let workflow = ctx.catalogue.workflow_of(&body.service).await?;
    // The documents are the agent's to check with the citizen (seen at the
    // counter, sent by post): they are listed, not demanded as uploads.
    let documents: Vec<RequiredDocument> =
        form.required_documents(&answers).into_iter().map(RequiredDocument::from).collect();
    for _ in 0..RECORD_ATTEMPTS {
        let now = ctx.now();
        let token = tokens::random_token();
        let reference = new_reference();
        let tracking_url = ctx.tracking_url(&token);
        let request = NewRequest {
            reference: reference.clone(),
            service: body.service.clone(),
            service_title: service_title.clone(),
            form_version: form.version,
            answers: answers.clone(),
            documents: documents.clone(),
            email: email.clone().unwrap_or_default(),
            account: account.as_ref().map(|a| a.id.clone()),
            citizen_name: citizen_name.clone(),
            channel: channel.to_owned(),
            case: None,
            entered_by: EnteredBy::Agent { id: agent.id.clone(), name: agent.name.clone() },
        }
        .enter(&workflow, now, today, calendar);
        let request = gru_domain::request::Request { postal_address: postal_address.clone(), ..request };
        let mut extra =
            vec![ctx.shared().audit.entry(&agent, "request.record", Some(&reference), Some(channel))];
        // Without an address, the confirmation is the first letter printed from the request's page.
        if let Some(email) = &email {
            extra.push(queue_confirmation(email, &reference, &service_title, &tracking_url, now)?);
        }
        let receipt = StoredReceipt { receipt: Receipt { reference, tracking_url: None }, account: None };
        let written = ctx
            .repository
            .record(
                Recording {
                    days: moment.days(),
                    request: &request,
                    agent: &agent.id,
                    tracking_hash: &tokens::hash(&token),
                    idempotency: key.as_deref().map(|k| (k, &receipt)),
                    keep_idempotency_until: keep_idempotency_until(now),
                },
                extra,
            )
            .await;
        match written {
            Ok(()) => {
                tracing::info!(service = %request.service, channel, "request recorded by an agent");
                return Ok(created(receipt.receipt));
            }
            // A reference already taken (or a concurrent transaction): try
            // another reference. A retry with the same key that lost the
            // race finds the winner's receipt.
            Err(RepositoryError::Store(StoreError::ConditionFailed | StoreError::TransactionConflict)) => {
                if let Some(key) = &key
                    && let Some(stored) = ctx.repository.recorded_receipt(&agent.id, key).await?
                {
                    return Ok(created(stored.receipt));
                }
            }
            Err(other) => return Err(other.into()),
        }
    }
    Err(Problem::internal("no free reference after several attempts"))
}

fn checked_channel(channel: &str) -> Result<&'static str, Problem> {
    CHANNELS.into_iter().find(|c| *c == channel).ok_or_else(|| {
        Problem::unprocessable("validation", "Le canal de la demande n'est pas reconnu.")
            .with_field("channel", "Choisissez téléphone, courriel, courrier ou guichet.")
    })
}

/// A postal address in France: each part on one line, a 5-digit postcode.
fn checked_address(address: &PostalAddress) -> Result<gru_domain::account::Address, Problem> {
    let line = |value: &str| {
        let value = text::clean_line(text::trim_invisible(value));
        (text::has_visible(&value) && value.chars().count() <= 200).then_some(value)
    };
    let mut problem = Problem::unprocessable("validation", "L'adresse postale du demandeur est incomplète.");
    let street = line(&address.street);
    let city = line(&address.city);
    let postcode = address.postcode.trim();
    let postcode_ok = postcode.len() == 5 && postcode.bytes().all(|b| b.is_ascii_digit());
    if street.is_none() {
        problem =
            problem.with_field("citizen.postal_address.street", "Saisissez le numéro et le nom de la voie.");
    }
    if !postcode_ok {
        problem =
            problem.with_field("citizen.postal_address.postcode", "Saisissez un code postal à 5 chiffres.");
    }
    if city.is_none() {
        problem = problem.with_field("citizen.postal_address.city", "Saisissez la commune.");
    }
    match (street, city) {
        (Some(street), Some(city)) if postcode_ok => Ok(gru_domain::account::Address {
            street,
            complement: address.complement.as_deref().and_then(line),
            postcode: postcode.to_owned(),
            city,
        }),
        _ => Err(problem),
    }
}

/// The citizen's name as the agent typed it, cleaned for one line
/// ([`text::clean_line`]: no bidirectional controls nor zero-width
/// characters), 1 to 200 characters; none when it shows nothing.
fn checked_name(name: Option<&str>) -> Result<Option<String>, Problem> {
    match name.map(text::trim_invisible).filter(|n| text::has_visible(n)) {
        Some(n) if n.chars().count() > 200 || n.chars().any(char::is_control) => {
            Err(Problem::unprocessable("validation", "Le nom du citoyen n'est pas valide.")
                .with_field("citizen.name", "Saisissez un nom de 200 caractères au plus, sur une ligne."))
        }
        other => Ok(other.map(text::clean_line)),
    }
}
