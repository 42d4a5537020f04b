//! The documents a draft's case needs: the checklist the form's documents
//! step shows, and where each file of a draft goes ([`place_in_draft`]).

use crate::context::Ctx;
use crate::uploads::{Place, files_taking_place, quota};
use crate::words::{formats_in_words, size_in_words};
use gru_domain::attachment::Format;
use gru_domain::form::{Form, FormDocument};
use gru_domain::request::Draft;
use gru_records::case_files::{Attachment, FileView};
use gru_records::requests::Versioned;
use gru_web::Problem;
use serde::Serialize;

/// One document of the checklist.
#[derive(Serialize)]
struct DocumentView {
    id: String,
    title: String,
    description: String,
    formats: Vec<Format>,
    max_bytes: u64,
    max_files: u32,
    /// The rules in words: "PDF, JPEG ou PNG, 10 Mo maximum".
    rules_label: String,
    /// No file counts for it yet.
    missing: bool,
    files: Vec<FileView>,
}

#[derive(Serialize)]
struct QuotaView {
    max_files: u32,
    max_bytes: u64,
    files: usize,
    bytes: u64,
}

/// The checklist of a draft.
#[derive(Serialize)]
pub(crate) struct Checklist {
    /// The malware scanner in use, `None` when there is none.
    scanner: Option<&'static str>,
    quota: QuotaView,
    documents: Vec<DocumentView>,
}

/// The form a draft is filled in with (the version it started with).
pub(crate) async fn form_of(ctx: &Ctx, draft: &Draft) -> Result<Form, Problem> {
    ctx.form(&draft.service, draft.form_version).await
}

/// The documents the draft's saved answers require, with their files.
pub(crate) async fn checklist(ctx: &Ctx, draft: &Versioned<Draft>) -> Result<Checklist, Problem> {
    let form = form_of(ctx, &draft.value).await?;
    let case = ctx.refresh_scans(ctx.case(&draft.value.id).await?).await?;
    let now = ctx.now();
    let rules = form.file_rules();
    let required = form.required_documents(&draft.value.answers);
    let documents = required
        .iter()
        .map(|&document| {
            let document_rules = form.document_rules(document);
            let files: Vec<&Attachment> = case
                .files
                .iter()
                .map(|f| &f.value)
                .filter(|f| f.document == document.id && f.stored_at.is_some())
                .collect();
            let mut rules_label = format!(
                "{}, {} maximum",
                formats_in_words(&document_rules.formats),
                size_in_words(document_rules.max_bytes)
            );
            if document_rules.max_files > 1 {
                rules_label.push_str(&format!(", jusqu'à {} fichiers", document_rules.max_files));
            }
            DocumentView {
                id: document.id.clone(),
                title: document.title.clone(),
                description: document.description.clone(),
                missing: !files.iter().any(|f| f.counts()),
                files: files.into_iter().map(FileView::from).collect(),
                formats: document_rules.formats,
                max_bytes: document_rules.max_bytes,
                max_files: document_rules.max_files,
                rules_label,
            }
        })
        .collect();
    let required_ids: Vec<&str> = required.iter().map(|d| d.id.as_str()).collect();
    let quota = QuotaView {
        max_files: rules.max_files_per_request,
        max_bytes: rules.max_bytes_per_request(),
        files: files_taking_place(&case, now, &required_ids).count(),
        bytes: files_taking_place(&case, now, &required_ids).map(|f| f.size).sum(),
    };
    let scanner = ctx.scanner.as_ref().map(|s| s.name());
    Ok(Checklist { scanner, quota, documents })
}

/// Where a file of a draft goes: a document the saved answers require,
/// with its rules, within the request's limits (which count the files of
/// the required documents only).
pub(crate) fn place_in_draft<'a>(
    form: &'a Form,
    required: &'a [&'a FormDocument],
    document: &str,
) -> Result<Place<'a>, Problem> {
    let document = required.iter().find(|d| d.id == document).ok_or_else(|| {
        Problem::unprocessable("invalid-file", "Ce document n'est pas demandé pour votre demande.")
            .with_field("document", "Document inconnu ou non demandé dans votre cas.")
    })?;
    let rules = form.document_rules(document);
    Ok(Place {
        document: &document.id,
        full: quota(
            "document",
            format!(
                "« {} » accepte {} fichier(s) au plus : supprimez-en un ou remplacez-le.",
                document.title, rules.max_files
            ),
        ),
        rules,
        case_limits: Some((form.file_rules(), required.iter().map(|d| d.id.as_str()).collect())),
    })
}
