//! The routes of the attachments function: thin handlers that find who
//! reaches which case ([`crate::access`]) and hand over to the checklist,
//! the uploads or the downloads.

use crate::context::{Ctx, unknown_file, unknown_link, unknown_request};
use crate::uploads::{Announced, CaseHolder};
use crate::{PREFIX, access, checklist, downloads, thread, uploads};
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use gru_domain::request::Request;
use gru_ports::{Files, Scanner};
use gru_records::case_files::request_case;
use gru_web::Platform;
use gru_web::agent::Agent;
use gru_web::session::{Citizen, MaybeCitizen};
use gru_web::{Json, Problem};
use serde::Deserialize;
use std::sync::Arc;

/// The attachments function's routes, under [`PREFIX`].
pub fn router(platform: &Platform, files: Arc<dyn Files>, scanner: Option<Arc<dyn Scanner>>) -> Router {
    let routes = Router::new()
        .route("/drafts/{draft}", get(draft_checklist))
        .route("/drafts/{draft}/files", post(grant_in_draft))
        .route("/drafts/{draft}/files/{file}/confirm", post(confirm_in_draft))
        .route("/drafts/{draft}/files/{file}", delete(remove_from_draft))
        .route("/drafts/{draft}/files/{file}/download", post(download_from_draft))
        .route("/requests/{reference}/files/{file}/download", post(download_from_request))
        .route("/tracking/files/{file}/download", post(download_by_tracking))
        .route("/requests/{reference}/thread-files", post(citizen_thread_grant))
        .route("/requests/{reference}/thread-files/{file}/confirm", post(citizen_thread_confirm))
        .route("/tracking/thread-files", post(tracking_thread_grant))
        .route("/tracking/thread-files/{file}/confirm", post(tracking_thread_confirm))
        .route("/agent/requests/{reference}/thread-files", post(agent_thread_grant))
        .route("/agent/requests/{reference}/thread-files/{file}/confirm", post(agent_thread_confirm))
        .route("/agent/requests/{reference}/files/{file}/download", post(download_by_agent))
        .with_state(crate::context::state(platform, files, scanner));
    gru_web::mount(PREFIX, routes)
}

/// The documents the draft's saved answers require, with their files.
async fn draft_checklist(
    State(ctx): State<Ctx>,
    MaybeCitizen(citizen): MaybeCitizen,
    Path(draft_id): Path<String>,
) -> Result<Response, Problem> {
    let draft = access::draft(&ctx, &draft_id, &citizen).await?;
    Ok(axum::Json(checklist::checklist(&ctx, &draft).await?).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DraftGrantBody {
    document: String,
    name: String,
    #[serde(rename = "type")]
    media_type: String,
    size: u64,
    /// A file of the same document this one replaces once confirmed.
    #[serde(default)]
    replaces: Option<String>,
}

/// A reservation and an upload grant for one file of a document the
/// draft's saved answers require.
async fn grant_in_draft(
    State(ctx): State<Ctx>,
    MaybeCitizen(citizen): MaybeCitizen,
    Path(draft_id): Path<String>,
    Json(body): Json<DraftGrantBody>,
) -> Result<Response, Problem> {
    let draft = access::draft(&ctx, &draft_id, &citizen).await?;
    let form = checklist::form_of(&ctx, &draft.value).await?;
    let required = form.required_documents(&draft.value.answers);
    let place = checklist::place_in_draft(&form, &required, &body.document)?;
    let announced = Announced { name: body.name, media_type: body.media_type, size: body.size };
    uploads::grant(&ctx, CaseHolder::draft(draft), place, &announced, body.replaces.as_deref()).await
}

async fn confirm_in_draft(
    State(ctx): State<Ctx>,
    MaybeCitizen(citizen): MaybeCitizen,
    Path((draft_id, file_id)): Path<(String, String)>,
) -> Result<Response, Problem> {
    let draft = access::draft(&ctx, &draft_id, &citizen).await?;
    uploads::confirm(&ctx, CaseHolder::draft(draft), &file_id, None).await
}

async fn remove_from_draft(
    State(ctx): State<Ctx>,
    MaybeCitizen(citizen): MaybeCitizen,
    Path((draft_id, file_id)): Path<(String, String)>,
) -> Result<Response, Problem> {
    let draft = access::draft(&ctx, &draft_id, &citizen).await?;
    uploads::remove(&ctx, CaseHolder::draft(draft), &file_id).await
}

/// A download grant as the answer.
async fn download(ctx: &Ctx, case: &str, file_id: &str) -> Result<Response, Problem> {
    let (grant, _) = downloads::grant(ctx, case, file_id).await?;
    Ok(axum::Json(grant).into_response())
}

/// The case of a request the caller may see, or the unknown-file answer:
/// whether the request exists is not revealed either.
fn case_of(request: Option<Request>) -> Result<String, Problem> {
    request.map(|r| request_case(&r).to_owned()).ok_or_else(unknown_file)
}

async fn download_from_draft(
    State(ctx): State<Ctx>,
    MaybeCitizen(citizen): MaybeCitizen,
    Path((draft_id, file_id)): Path<(String, String)>,
) -> Result<Response, Problem> {
    access::draft(&ctx, &draft_id, &citizen).await?;
    download(&ctx, &draft_id, &file_id).await
}

async fn download_from_request(
    State(ctx): State<Ctx>,
    citizen: Citizen,
    Path((reference, file_id)): Path<(String, String)>,
) -> Result<Response, Problem> {
    let case = case_of(access::citizen_request(&ctx, &reference, &citizen).await?)?;
    download(&ctx, &case, &file_id).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TrackingBody {
    token: String,
}

/// The token travels in the body, as on the follow-up page, never in a URL.
async fn download_by_tracking(
    State(ctx): State<Ctx>,
    Path(file_id): Path<String>,
    Json(body): Json<TrackingBody>,
) -> Result<Response, Problem> {
    let case = case_of(access::tracked_request(&ctx, &body.token).await?)?;
    download(&ctx, &case, &file_id).await
}

/// A file of a request's thread as the browser announces it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThreadGrantBody {
    name: String,
    #[serde(rename = "type")]
    media_type: String,
    size: u64,
}

impl From<ThreadGrantBody> for Announced {
    fn from(body: ThreadGrantBody) -> Self {
        Announced { name: body.name, media_type: body.media_type, size: body.size }
    }
}

/// A file for the thread of the signed-in citizen's request.
async fn citizen_thread_grant(
    State(ctx): State<Ctx>,
    citizen: Citizen,
    Path(reference): Path<String>,
    Json(body): Json<ThreadGrantBody>,
) -> Result<Response, Problem> {
    let request = access::citizen_request(&ctx, &reference, &citizen).await?.ok_or_else(unknown_request)?;
    thread::grant(&ctx, access::current(&ctx, request).await?, &body.into()).await
}

async fn citizen_thread_confirm(
    State(ctx): State<Ctx>,
    citizen: Citizen,
    Path((reference, file_id)): Path<(String, String)>,
) -> Result<Response, Problem> {
    let request = access::citizen_request(&ctx, &reference, &citizen).await?.ok_or_else(unknown_request)?;
    thread::confirm(&ctx, access::current(&ctx, request).await?, &file_id).await
}

/// A file for the thread, through the tracking link (the token in the body).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TrackingThreadGrantBody {
    token: String,
    name: String,
    #[serde(rename = "type")]
    media_type: String,
    size: u64,
}

async fn tracking_thread_grant(
    State(ctx): State<Ctx>,
    Json(body): Json<TrackingThreadGrantBody>,
) -> Result<Response, Problem> {
    let request = access::tracked_request(&ctx, &body.token).await?.ok_or_else(unknown_link)?;
    let announced = Announced { name: body.name, media_type: body.media_type, size: body.size };
    thread::grant(&ctx, access::current(&ctx, request).await?, &announced).await
}

async fn tracking_thread_confirm(
    State(ctx): State<Ctx>,
    Path(file_id): Path<String>,
    Json(body): Json<TrackingBody>,
) -> Result<Response, Problem> {
    let request = access::tracked_request(&ctx, &body.token).await?.ok_or_else(unknown_link)?;
    thread::confirm(&ctx, access::current(&ctx, request).await?, &file_id).await
}

/// A file for the thread of a request the agent handles.
async fn agent_thread_grant(
    State(ctx): State<Ctx>,
    agent: Agent,
    Path(reference): Path<String>,
    Json(body): Json<ThreadGrantBody>,
) -> Result<Response, Problem> {
    let request = access::agent_request(&ctx, &reference, &agent).await?.ok_or_else(unknown_request)?;
    thread::grant(&ctx, request, &body.into()).await
}

async fn agent_thread_confirm(
    State(ctx): State<Ctx>,
    agent: Agent,
    Path((reference, file_id)): Path<(String, String)>,
) -> Result<Response, Problem> {
    let request = access::agent_request(&ctx, &reference, &agent).await?.ok_or_else(unknown_request)?;
    thread::confirm(&ctx, request, &file_id).await
}

/// Any file of a request the agent handles (its documents, its thread).
/// The download is in the audit trail before the grant is given: no file
/// leaves without a trace. The trail names the document and the file's id,
/// never its name (a citizen's words).
async fn download_by_agent(
    State(ctx): State<Ctx>,
    agent: Agent,
    Path((reference, file_id)): Path<(String, String)>,
) -> Result<Response, Problem> {
    let request = access::agent_request(&ctx, &reference, &agent).await?.ok_or_else(unknown_file)?;
    let (grant, file) = downloads::grant(&ctx, request_case(&request.value), &file_id).await?;
    let detail = format!("{}/{}", file.document, file.id);
    ctx.shared()
        .audit
        .record(&agent, "file.download", Some(&request.value.reference), Some(&detail))
        .await
        .map_err(Problem::internal)?;
    Ok(axum::Json(grant).into_response())
}
