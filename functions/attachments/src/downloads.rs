//! Download grants: a stored file whose scan allows it, for 60 seconds.

use crate::context::{Ctx, unknown_file};
use axum::http::StatusCode;
use gru_ports::DownloadGrant;
use gru_records::case_files::{Attachment, object_key};
use gru_web::Problem;
use jiff::SignedDuration;

/// How long a download grant is valid: the browser follows it at once.
const DOWNLOAD_GRANT: SignedDuration = SignedDuration::from_secs(60);

/// A download grant for a file of `case`, if it may be downloaded, with
/// the file it is for. A file without a verdict is scanned again first.
pub(crate) async fn grant(
    ctx: &Ctx,
    case: &str,
    file_id: &str,
) -> Result<(DownloadGrant, Attachment), Problem> {
    let files = ctx.case(case).await?;
    let mut file =
        files.file(file_id).filter(|f| f.value.stored_at.is_some()).ok_or_else(unknown_file)?.clone();
    ctx.refresh_scan(case, &mut file).await?;
    let file = file.value;
    if !file.scan.downloadable() {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            "not-downloadable",
            "Fichier indisponible",
            file.scan.label(),
        ));
    }
    let grant = ctx
        .files
        .download_grant(&object_key(case, &file.id), &file.name, DOWNLOAD_GRANT)
        .await
        .map_err(Problem::internal)?;
    Ok((grant, file))
}
