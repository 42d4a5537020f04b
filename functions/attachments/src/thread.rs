//! The files joined to a request's messages (its thread): they go to the
//! request's case under the document [`THREAD_DOCUMENT`], with the formats
//! and the size limit of the service's `[form.files]`, 10 per request.

use crate::context::Ctx;
use crate::uploads::{self, Announced, CaseHolder, Place, quota};
use axum::response::Response;
use gru_domain::attachment::{DocumentRules, FileRules, megabytes};
use gru_domain::request::Request;
use gru_records::case_files::THREAD_DOCUMENT;
use gru_records::requests::Versioned;
use gru_web::Problem;

/// The thread files a request takes, whoever sends them.
pub(crate) const MAX_THREAD_FILES: u32 = 10;

/// Where a file of the request's thread goes, and its rules: those of the
/// form the request was made with (the defaults for a request whose service
/// has no form, recorded by an agent).
async fn place_in_thread(ctx: &Ctx, request: &Request) -> Result<Place<'static>, Problem> {
    let form =
        ctx.catalogue.form(&request.service, Some(request.form_version)).await.map_err(Problem::internal)?;
    let rules = form.map(|f| f.file_rules()).unwrap_or_else(FileRules::default);
    let rules = DocumentRules {
        formats: rules.formats,
        max_bytes: megabytes(rules.max_megabytes),
        max_files: MAX_THREAD_FILES,
    };
    Ok(Place {
        document: THREAD_DOCUMENT,
        full: quota(
            "file",
            format!("Une demande reçoit {MAX_THREAD_FILES} fichiers joints aux messages au plus."),
        ),
        rules,
        case_limits: None,
    })
}

/// A reservation and an upload grant for a file of the request's thread,
/// while the request is not in a final phase.
pub(crate) async fn grant(
    ctx: &Ctx,
    request: Versioned<Request>,
    announced: &Announced,
) -> Result<Response, Problem> {
    let place = place_in_thread(ctx, &request.value).await?;
    uploads::grant(ctx, CaseHolder::request(request)?, place, announced, None).await
}

/// The confirmation of a file of the request's thread, while the request is
/// not in a final phase (a file reserved before it was closed never joins it).
pub(crate) async fn confirm(
    ctx: &Ctx,
    request: Versioned<Request>,
    file_id: &str,
) -> Result<Response, Problem> {
    uploads::confirm(ctx, CaseHolder::request(request)?, file_id, Some(THREAD_DOCUMENT)).await
}
