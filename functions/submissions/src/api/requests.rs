//! A request as its citizen sees it: through a tracking link, on the
//! signed-in citizen's dashboard (`mine`, with their drafts) and one by one.

use super::Ctx;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use gru_domain::form::Answers;
use gru_domain::request::{Phase, Request, RequestSummary};
use gru_domain::steps::{StepState, step_states};
use gru_records::access;
use gru_records::case_files::DocumentFiles;
use gru_records::timeline;
use gru_web::session::Citizen;
use gru_web::{Json, Problem, tokens};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// A step of the instruction, as the citizen follows it.
#[derive(Serialize)]
struct StepView {
    title: String,
    description: String,
    state: StepState,
}

/// A request as its citizen sees it.
#[derive(Serialize)]
struct RequestView {
    reference: String,
    service: serde_json::Value,
    submitted_at: Timestamp,
    phase: Phase,
    phase_label: &'static str,
    /// The current status, in the citizen's words, and what happens next.
    status_label: String,
    next_step: Option<String>,
    channel: String,
    answers: Answers,
    /// The answers as people read them, page by page.
    summary: Vec<gru_domain::form::PageSummary>,
    documents: Vec<DocumentFiles>,
    steps: Vec<StepView>,
    /// The submission and each change of status, dated, in the citizen's words.
    history: Vec<timeline::Step>,
}

async fn request_view(ctx: &Ctx, request: Request) -> Result<RequestView, Problem> {
    let workflow = ctx.catalogue.workflow_of(&request.service).await?;
    let progress = timeline::progress(&request, &workflow);
    let summary = ctx.catalogue.summary_of(&request).await?;
    let documents = ctx.attachments.documents_of(&request).await?;
    let presented = ctx.catalogue.service(&request.service).await?.map(|s| s.service.presentation.steps);
    let presented = presented.unwrap_or_default();
    let steps = presented
        .iter()
        .zip(step_states(&presented, &request))
        .map(|(step, state)| StepView {
            title: step.title.clone(),
            description: step.description.clone(),
            state,
        })
        .collect();
    Ok(RequestView {
        reference: request.reference,
        service: serde_json::json!({ "slug": request.service, "title": request.service_title }),
        submitted_at: request.submitted_at,
        phase: request.phase,
        phase_label: request.phase.label(),
        status_label: progress.label,
        next_step: progress.next_step,
        channel: request.channel,
        answers: request.answers,
        summary,
        documents,
        steps,
        history: progress.timeline,
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TrackingBody {
    token: String,
}

/// The request a tracking link leads to. The token travels in the body (the
/// site reads it from the link's fragment), so it never lands in a URL log.
pub(super) async fn track(
    State(ctx): State<Ctx>,
    Json(body): Json<TrackingBody>,
) -> Result<Response, Problem> {
    let unknown = || Problem::not_found("Ce lien de suivi n'est pas valable. Vérifiez qu'il est complet.");
    let request = access::tracked_request(&ctx.repository, &body.token).await?.ok_or_else(unknown)?;
    Ok(axum::Json(request_view(&ctx, request).await?).into_response())
}

#[derive(Serialize)]
struct DraftSummary {
    id: String,
    service: String,
    service_title: String,
    updated_at: Timestamp,
    purge_at: Timestamp,
    resume_url: String,
}

#[derive(Serialize)]
struct Dashboard {
    requests: Vec<RequestSummaryView>,
    drafts: Vec<DraftSummary>,
}

#[derive(Serialize)]
struct RequestSummaryView {
    #[serde(flatten)]
    summary: RequestSummary,
    /// The status's citizen label once an agent moved the request, the phase's before.
    phase_label: String,
}

/// The signed-in citizen's requests (those made without an account with the
/// same email included) and drafts.
pub(super) async fn mine(State(ctx): State<Ctx>, citizen: Citizen) -> Result<Response, Problem> {
    let requests = ctx.repository.requests_of(&tokens::email_key(&citizen.email)).await?;
    let mut drafts = Vec::new();
    for draft in ctx.repository.drafts_of(&citizen.account_id, ctx.now()).await? {
        drafts.push(DraftSummary {
            service_title: ctx.service_title(&draft.service).await?,
            resume_url: ctx.resume_url(&draft),
            id: draft.id,
            service: draft.service,
            updated_at: draft.updated_at,
            purge_at: draft.purge_at,
        });
    }
    let requests = requests
        .into_iter()
        .map(|summary| RequestSummaryView {
            phase_label: summary.status_label.clone().unwrap_or_else(|| summary.phase.label().to_owned()),
            summary,
        })
        .collect();
    Ok(axum::Json(Dashboard { requests, drafts }).into_response())
}

/// One of the signed-in citizen's requests.
pub(super) async fn read_request(
    State(ctx): State<Ctx>,
    citizen: Citizen,
    Path(reference): Path<String>,
) -> Result<Response, Problem> {
    let unknown = || Problem::not_found("Aucune de vos demandes ne porte cette référence.");
    let request =
        access::citizen_request(&ctx.repository, &reference, &citizen).await?.ok_or_else(unknown)?;
    Ok(axum::Json(request_view(&ctx, request).await?).into_response())
}
