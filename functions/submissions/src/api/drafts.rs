//! A citizen's drafts: created (owned by the session's account, if any),
//! read and saved by their owner (version-checked, lenient on incomplete
//! answers), abandoned (with the case's files).

use super::{Ctx, invalid_answers, stale_draft, stale_on_conflict};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use gru_domain::form::Answers;
use gru_domain::request::Draft;
use gru_records::case_files::Change;
use gru_records::requests::Versioned;
use gru_web::client::ClientAddress;
use gru_web::session::MaybeCitizen;
use gru_web::{Json, Problem, tokens};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

/// A draft as its owner sees it.
#[derive(Serialize)]
struct DraftView {
    id: String,
    service: String,
    form_version: u32,
    answers: Answers,
    page: Option<String>,
    /// To send back with the next save.
    version: u64,
    /// Whether the draft belongs to an account (no email code needed).
    with_account: bool,
    email: Option<String>,
    purge_at: Timestamp,
}

impl From<Versioned<Draft>> for DraftView {
    fn from(Versioned { value: d, version }: Versioned<Draft>) -> Self {
        Self {
            id: d.id,
            service: d.service,
            form_version: d.form_version,
            answers: d.answers,
            page: d.page,
            version,
            with_account: d.account.is_some(),
            email: d.email,
            purge_at: d.purge_at,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NewDraft {
    service: String,
}

pub(super) async fn create_draft(
    State(ctx): State<Ctx>,
    MaybeCitizen(citizen): MaybeCitizen,
    address: ClientAddress,
    Json(body): Json<NewDraft>,
) -> Result<Response, Problem> {
    if citizen.is_none()
        && let Some(subject) = address.rate_limit_subject()
    {
        ctx.shared().limiter.hit("draft", &subject, 60, SignedDuration::from_hours(1)).await?;
    }
    let form = ctx.form(&body.service, None).await?;
    let now = ctx.now();
    let mut draft = Draft {
        id: tokens::url_id::<16>(),
        service: body.service,
        form_version: form.version,
        answers: Answers::new(),
        page: form.pages.first().map(|p| p.id.clone()),
        email: citizen.as_ref().map(|c| c.email.clone()),
        account: citizen.map(|c| c.account_id),
        created_at: now,
        updated_at: now,
        purge_at: now,
        warn_on: None,
    };
    ctx.schedule_purge(&mut draft);
    let moment = ctx.city_day().await?;
    let version = ctx.repository.start_draft(&draft, moment.days()).await?;
    Ok((StatusCode::CREATED, axum::Json(DraftView::from(Versioned { value: draft, version })))
        .into_response())
}

pub(super) async fn read_draft(
    State(ctx): State<Ctx>,
    MaybeCitizen(citizen): MaybeCitizen,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let draft = ctx.owned_draft(&id, &citizen).await?;
    Ok(axum::Json(DraftView::from(draft)).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DraftUpdate {
    answers: Answers,
    page: Option<String>,
    version: u64,
}

/// Saves the answers so far. Incomplete answers are fine; unknown questions
/// and oversized answers are not.
pub(super) async fn save_draft(
    State(ctx): State<Ctx>,
    MaybeCitizen(citizen): MaybeCitizen,
    Path(id): Path<String>,
    Json(body): Json<DraftUpdate>,
) -> Result<Response, Problem> {
    let current = ctx.owned_draft(&id, &citizen).await?;
    if current.version != body.version {
        return Err(stale_draft());
    }
    let form = ctx.form(&current.value.service, Some(current.value.form_version)).await?;
    let errors = form.check_draft(&body.answers);
    if !errors.is_empty() {
        return Err(invalid_answers(errors, StatusCode::BAD_REQUEST));
    }
    if let Some(page) = &body.page
        && !form.pages.iter().any(|p| &p.id == page)
    {
        return Err(Problem::bad_request("invalid-body", "Cette page n'existe pas dans le formulaire.")
            .with_field("page", "Page inconnue."));
    }
    let mut draft = current.value.clone();
    draft.answers = body.answers;
    draft.page = body.page;
    ctx.schedule_purge(&mut draft);
    let version = stale_on_conflict(ctx.repository.save_draft(&draft, Some(&current)).await)?;
    Ok(axum::Json(DraftView::from(Versioned { value: draft, version })).into_response())
}

pub(super) async fn abandon_draft(
    State(ctx): State<Ctx>,
    MaybeCitizen(citizen): MaybeCitizen,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let draft = ctx.owned_draft(&id, &citizen).await?;
    stale_on_conflict(ctx.repository.delete_draft(&draft).await)?;
    // No upload can join the case now (they check the draft exists).
    let case = ctx.attachments.case(&id).await?;
    let removals: Vec<Change> = case.files.iter().map(Change::Remove).collect();
    if !removals.is_empty() {
        // The bytes go with the records (queued in the same transaction).
        ctx.attachments.change(&case, &removals, None, None, ctx.now()).await?;
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}
