//! The email code of drafts without an account: sent to the address the
//! citizen gave (rate-limited, with a link to resume the draft), checked
//! when the draft is submitted.

use super::submit::Failure;
use super::{Ctx, Inner, stale_on_conflict};
use crate::emails;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use gru_records::requests::{EmailCode, Versioned};
use gru_web::client::ClientAddress;
use gru_web::session::MaybeCitizen;
use gru_web::{Json, Problem, tokens};
use jiff::SignedDuration;
use serde::Deserialize;

/// How long an emailed code stays valid, and how many tries it allows.
const CODE_MINUTES: i64 = 15;
const CODE_ATTEMPTS: u32 = 5;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CodeRequest {
    email: String,
}

/// Emails a one-time code to the address a citizen without an account gave,
/// with a link to resume the draft. This is the rate-limited gate of
/// submissions without an account: none goes through without a code.
pub(super) async fn send_code(
    State(ctx): State<Ctx>,
    MaybeCitizen(citizen): MaybeCitizen,
    address: ClientAddress,
    Path(id): Path<String>,
    Json(body): Json<CodeRequest>,
) -> Result<Response, Problem> {
    let current = ctx.owned_draft(&id, &citizen).await?;
    if current.value.account.is_some() {
        return Err(Problem::bad_request(
            "code-not-needed",
            "Cette demande est liée à votre compte : elle s'envoie sans code.",
        ));
    }
    let email = tokens::normalize_email(&body.email).ok_or_else(|| {
        Problem::bad_request("invalid-body", "L'adresse électronique est invalide.")
            .with_field("email", "Saisissez une adresse électronique valide, par exemple nom@exemple.fr.")
    })?;
    let hour = SignedDuration::from_hours(1);
    ctx.shared().limiter.hit("code-draft", &id, 5, hour).await?;
    // An unknown address (no peer, no API Gateway context) is not limited
    // per address rather than sharing one bucket with every other.
    if let Some(client) = address.rate_limit_subject() {
        ctx.shared().limiter.hit("code-client", &client, 20, hour).await?;
    }
    ctx.shared().limiter.hit("code-email", &tokens::email_key(&email), 5, hour).await?;
    let code = format!("{:06}", rand::random_range(0..1_000_000u32));
    let now = ctx.now();
    let expires_at = now.saturating_add(SignedDuration::from_mins(CODE_MINUTES)).expect("in range");
    let new_code =
        EmailCode { email: email.clone(), code_hash: tokens::hash(&code), attempts: 0, expires_at };
    let previous_code = ctx.repository.code_version(&id).await?;
    let mut draft = current.value.clone();
    draft.email = Some(email.clone());
    ctx.schedule_purge(&mut draft);
    stale_on_conflict(ctx.repository.save_draft_with_code(&draft, &current, &new_code, previous_code).await)?;
    let title = ctx.service_title(&draft.service).await?;
    ctx.send(emails::code(&email, &code, &title, &ctx.resume_url(&draft), CODE_MINUTES)).await;
    Ok((
        StatusCode::ACCEPTED,
        axum::Json(serde_json::json!({ "email": email, "expires_in_minutes": CODE_MINUTES })),
    )
        .into_response())
}

pub(super) fn invalid_code(message: &str) -> Problem {
    Problem::bad_request("invalid-code", "Le code de confirmation n'est pas valable.")
        .with_field("code", message)
}

/// Checks the code a citizen without an account typed. The attempt is
/// counted before the comparison, so parallel guesses get no more tries.
pub(super) async fn verify_code(
    ctx: &Ctx,
    draft: &str,
    typed: Option<&str>,
) -> Result<Versioned<EmailCode>, Failure> {
    let typed = typed.map(str::trim).unwrap_or_default();
    if typed.is_empty() {
        return Err(Failure::Final(invalid_code("Saisissez le code à 6 chiffres reçu par courriel.")));
    }
    let code = ctx.repository.take_attempt(draft, CODE_ATTEMPTS, ctx.now()).await?.ok_or_else(|| {
        Failure::MovedOn(invalid_code(
            "Aucun code valable : demandez un nouveau code, il arrive par courriel et vaut 15 minutes.",
        ))
    })?;
    if tokens::hash(typed) != code.value.code_hash {
        return Err(Failure::Final(invalid_code(
            "Ce code est incorrect. Vérifiez-le ou demandez-en un nouveau.",
        )));
    }
    Ok(code)
}

impl Inner {
    async fn send(&self, email: gru_ports::Email) {
        // Not sending must not undo what the citizen did: the failure is
        // logged (without the address) and the citizen still gets the answer.
        if let Err(error) = self.mailer.send(&email).await {
            tracing::error!(%error, "an email could not be sent");
        }
    }
}
