//! HTTP handlers of the attachments function.

use crate::{App, PREFIX};
use axum::Router;
use axum::extract::{FromRef, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use catalogue::CatalogueRepository;
use gru_domain::attachment::{Format, ScanStatus};
use gru_domain::form::{Form, FormDocument};
use gru_ports::files::safe_file_name;
use gru_ports::{StoreError, Verdict};
use gru_web::session::{Citizen, MaybeCitizen, Sessions};
use gru_web::{Json, Problem, no_store};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use submissions::access;
use submissions::attachments::{
    Attachment, AttachmentRepository, CaseFiles, Change, FileView, object_key, sweep_day,
};
use submissions::repository::{Draft, Repository, RepositoryError, Request, Versioned, draft_exists};

/// How long an upload grant is valid: enough to start the upload.
const UPLOAD_GRANT: SignedDuration = SignedDuration::from_mins(5);
/// How long after its grant a reservation waits for its confirmation: an
/// upload started just before the grant lapsed may take this long.
const CONFIRM_WINDOW: SignedDuration = SignedDuration::from_mins(30);
/// How long a download grant is valid: the browser follows it at once.
const DOWNLOAD_GRANT: SignedDuration = SignedDuration::from_secs(60);
/// The longest file name accepted before cleaning (it is cut to 100 after).
const MAX_NAME_BYTES: usize = 1024;
/// Tries of a change that lost to a concurrent change of the same case.
const CHANGE_ATTEMPTS: usize = 5;
/// Lapsed reservations cleared by each new grant (a transaction holds 100
/// writes at most).
const LAPSED_PER_CHANGE: usize = 20;

#[derive(Clone)]
struct Ctx(Arc<Inner>);

struct Inner {
    app: App,
    requests: Repository,
    attachments: AttachmentRepository,
    catalogue: CatalogueRepository,
    sessions: Sessions,
}

impl FromRef<Ctx> for Sessions {
    fn from_ref(ctx: &Ctx) -> Self {
        ctx.0.sessions.clone()
    }
}

/// The attachments function's routes, under [`PREFIX`].
pub fn router(app: App) -> Router {
    let ctx = Ctx(Arc::new(Inner {
        requests: Repository::new(app.store.clone()),
        attachments: AttachmentRepository::new(app.store.clone()),
        catalogue: CatalogueRepository::new(app.store.clone()),
        sessions: Sessions::new(app.store.clone(), app.clock.clone()),
        app,
    }));
    let routes = Router::new()
        .route("/drafts/{draft}", get(checklist))
        .route("/drafts/{draft}/files", post(grant_upload))
        .route("/drafts/{draft}/files/{file}/confirm", post(confirm))
        .route("/drafts/{draft}/files/{file}", axum::routing::delete(remove))
        .route("/drafts/{draft}/files/{file}/download", post(download_from_draft))
        .route("/requests/{reference}/files/{file}/download", post(download_from_request))
        .route("/tracking/files/{file}/download", post(download_by_tracking))
        .with_state(ctx);
    gru_web::mount(PREFIX, routes)
}

fn internal(error: RepositoryError) -> Problem {
    Problem::internal(&error)
}

fn unknown_draft() -> Problem {
    Problem::not_found("Ce brouillon n'existe pas, a déjà été envoyé ou a été supprimé.")
}

/// The same answer for a file that does not exist and a file of another
/// case: nothing about it is revealed.
fn unknown_file() -> Problem {
    Problem::not_found("Ce fichier n'existe pas.")
}

fn quota(message: String) -> Problem {
    Problem::new(
        StatusCode::CONFLICT,
        "quota",
        "Limite de fichiers atteinte",
        "Cette demande ne peut pas recevoir ce fichier.",
    )
    .with_field("document", message)
}

/// A refused upload: its file is deleted, and the citizen can send another.
fn refused(status: StatusCode, kind: &str, title: &str, message: String) -> Problem {
    Problem::new(
        status,
        kind,
        title,
        "Le fichier a été refusé et supprimé : vous pouvez en envoyer un autre.",
    )
    .with_field("file", message)
}

/// Formats as citizens read them: "PDF, JPEG ou PNG".
fn formats_in_words(formats: &[Format]) -> String {
    let labels: Vec<_> = formats.iter().map(|f| f.label()).collect();
    match labels.split_last() {
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} ou {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// Bytes as citizens read them: "10 Mo", "1,5 Mo", "120 Ko".
fn size_in_words(bytes: u64) -> String {
    if bytes >= 1_000_000 {
        let tenths = bytes.div_ceil(100_000);
        if tenths.is_multiple_of(10) {
            format!("{} Mo", tenths / 10)
        } else {
            format!("{},{} Mo", tenths / 10, tenths % 10)
        }
    } else {
        format!("{} Ko", bytes.div_ceil(1000))
    }
}

impl Ctx {
    fn now(&self) -> Timestamp {
        self.0.app.clock.now()
    }

    async fn draft(&self, id: &str, citizen: &Option<Citizen>) -> Result<Versioned<Draft>, Problem> {
        access::draft(&self.0.requests, id, citizen, self.now())
            .await
            .map_err(internal)?
            .ok_or_else(unknown_draft)
    }

    /// The form the draft is filled in with (the version it started with).
    async fn form(&self, draft: &Draft) -> Result<Form, Problem> {
        self.0
            .catalogue
            .form(&draft.service, Some(draft.form_version))
            .await
            .map_err(|e| Problem::internal(&e))?
            .ok_or_else(|| Problem::internal(&"a draft's form version is missing"))
    }

    async fn case(&self, case: &str) -> Result<CaseFiles, Problem> {
        self.0.attachments.case(case).await.map_err(internal)
    }

    /// Deletes a file's bytes; a failure leaves an object no record points
    /// to, unreachable by any grant: logged, not shown.
    async fn delete_object(&self, case: &str, file: &str) {
        if let Err(error) = self.0.app.files.delete(&object_key(case, file)).await {
            tracing::error!(%error, "a file's bytes could not be deleted");
        }
    }

    /// The scan status of a file whose bytes are `body` (deleted when infected).
    async fn scan(&self, case: &str, file: &str, body: &[u8]) -> ScanStatus {
        let Some(scanner) = &self.0.app.scanner else { return ScanStatus::Unscanned };
        match scanner.scan(&object_key(case, file), body).await {
            Ok(Verdict::Clean) => ScanStatus::Clean,
            Ok(Verdict::Infected { signature }) => {
                tracing::warn!(%signature, scanner = scanner.name(), "an infected file was refused");
                self.delete_object(case, file).await;
                ScanStatus::Infected
            }
            Ok(Verdict::Pending) => ScanStatus::Pending,
            Ok(Verdict::Unscannable { reason }) => {
                tracing::warn!(%reason, scanner = scanner.name(), "a file could not be scanned");
                ScanStatus::Failed
            }
            Err(error) => {
                tracing::error!(%error, scanner = scanner.name(), "the scanner is unavailable");
                ScanStatus::Failed
            }
        }
    }

    /// Asks the scanner again about files without a verdict (pending, a
    /// scan that failed, or stored before a scanner was configured), and
    /// records what it says.
    async fn refresh_scans(&self, mut case: CaseFiles) -> Result<CaseFiles, Problem> {
        for file in &mut case.files {
            self.refresh_scan(&case.case, file).await?;
        }
        Ok(case)
    }

    /// [`Ctx::refresh_scans`] for one file of `case`.
    async fn refresh_scan(&self, case: &str, file: &mut Versioned<Attachment>) -> Result<(), Problem> {
        let Some(scanner) = &self.0.app.scanner else { return Ok(()) };
        let waiting =
            matches!(file.value.scan, ScanStatus::Pending | ScanStatus::Failed | ScanStatus::Unscanned);
        if file.value.stored_at.is_none() || !waiting {
            return Ok(());
        }
        let body = if scanner.reads_body() {
            let Ok(Some(body)) = self.0.app.files.get(&object_key(case, &file.value.id)).await else {
                return Ok(());
            };
            body
        } else {
            Vec::new()
        };
        let scan = self.scan(case, &file.value.id, &body).await;
        if scan != file.value.scan && self.0.attachments.set_scan(case, file, scan).await.map_err(internal)? {
            file.value.scan = scan;
            file.version += 1;
        }
        Ok(())
    }

    /// Applies a change decided on a fresh reading of the case, trying again
    /// when another change of the same case won; 404 once the draft is gone
    /// (submitted or abandoned). `decide` answers the changes, or a refusal.
    /// The case stays scheduled for the sweep on the day after the draft's
    /// purge date (see `submissions::sweep`).
    async fn change_case<T>(
        &self,
        draft: &Versioned<Draft>,
        mut decide: impl FnMut(&CaseFiles) -> Result<(Vec<ChangeOwned>, T), Problem>,
    ) -> Result<T, Problem> {
        let id = draft.value.id.as_str();
        let sweep_on = Some(sweep_day(draft.value.purge_at));
        for _ in 0..CHANGE_ATTEMPTS {
            let case = self.case(id).await?;
            let (changes, answer) = decide(&case)?;
            let changes: Vec<Change> = changes.iter().map(|c| c.as_change(&case)).collect();
            match self.0.attachments.change(&case, &changes, Some(draft_exists(id)), sweep_on).await {
                Ok(()) => return Ok(answer),
                Err(RepositoryError::Store(
                    StoreError::ConditionFailed | StoreError::TransactionConflict,
                )) => {
                    if self.0.requests.draft(id, self.now()).await.map_err(internal)?.is_none() {
                        return Err(unknown_draft());
                    }
                }
                Err(other) => return Err(internal(other)),
            }
        }
        Err(Problem::new(
            StatusCode::CONFLICT,
            "conflict",
            "Envois simultanés",
            "D'autres fichiers de cette demande changent en ce moment : réessayez dans un instant.",
        ))
    }
}

/// A change named by file ids, turned into a [`Change`] on the reading it
/// was decided on.
enum ChangeOwned {
    Add(Attachment),
    Update(String, Attachment),
    Remove(String),
}

impl ChangeOwned {
    fn as_change<'a>(&'a self, case: &'a CaseFiles) -> Change<'a> {
        let read = |id: &str| case.file(id).expect("changes are decided on this reading");
        match self {
            ChangeOwned::Add(file) => Change::Add(file),
            ChangeOwned::Update(id, file) => Change::Update(read(id), file),
            ChangeOwned::Remove(id) => Change::Remove(read(id)),
        }
    }
}

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

#[derive(Serialize)]
struct Checklist {
    /// The malware scanner in use, `None` when there is none.
    scanner: Option<&'static str>,
    quota: QuotaView,
    documents: Vec<DocumentView>,
}

/// The files that take a place in the quotas: live (stored, or reserved
/// and not lapsed), not infected (their bytes are gone), and for a document
/// the answers still require (the others go at submission, and the
/// citizen, who no longer sees them, must not be blocked by them).
fn files_taking_place<'a>(
    case: &'a CaseFiles,
    now: Timestamp,
    required: &'a [&FormDocument],
) -> impl Iterator<Item = &'a Attachment> {
    case.files.iter().map(|f| &f.value).filter(move |f| {
        f.is_live(now) && f.scan != ScanStatus::Infected && required.iter().any(|d| d.id == f.document)
    })
}

/// The documents the draft's saved answers require, with their files.
async fn checklist(
    State(ctx): State<Ctx>,
    MaybeCitizen(citizen): MaybeCitizen,
    Path(draft_id): Path<String>,
) -> Result<Response, Problem> {
    let draft = ctx.draft(&draft_id, &citizen).await?;
    let form = ctx.form(&draft.value).await?;
    let case = ctx.refresh_scans(ctx.case(&draft_id).await?).await?;
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
    let quota = QuotaView {
        max_files: rules.max_files_per_request,
        max_bytes: rules.max_bytes_per_request(),
        files: files_taking_place(&case, now, &required).count(),
        bytes: files_taking_place(&case, now, &required).map(|f| f.size).sum(),
    };
    let scanner = ctx.0.app.scanner.as_ref().map(|s| s.name());
    Ok(no_store(axum::Json(Checklist { scanner, quota, documents })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GrantBody {
    document: String,
    name: String,
    /// The media type the browser announces.
    #[serde(rename = "type")]
    media_type: String,
    size: u64,
    /// A file of the same document this one replaces once confirmed.
    #[serde(default)]
    replaces: Option<String>,
}

#[derive(Serialize)]
struct Granted {
    file: FileView,
    upload: gru_ports::UploadGrant,
}

fn new_file_id() -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 16]>())
}

/// Checks one file against the document's rules and the request's quotas,
/// reserves its place, and grants its upload.
async fn grant_upload(
    State(ctx): State<Ctx>,
    MaybeCitizen(citizen): MaybeCitizen,
    Path(draft_id): Path<String>,
    Json(body): Json<GrantBody>,
) -> Result<Response, Problem> {
    let draft = ctx.draft(&draft_id, &citizen).await?;
    let form = ctx.form(&draft.value).await?;
    let required = form.required_documents(&draft.value.answers);
    let document = required.iter().find(|d| d.id == body.document).ok_or_else(|| {
        Problem::unprocessable("invalid-file", "Ce document n'est pas demandé pour votre demande.")
            .with_field("document", "Document inconnu ou non demandé dans votre cas.")
    })?;
    let format = check_file(&form, document, &body)?;
    let now = ctx.now();
    let grant_until = now.saturating_add(UPLOAD_GRANT).expect("in range");
    let file = Attachment {
        id: new_file_id(),
        document: document.id.clone(),
        name: format.file_name(&safe_file_name(&body.name)),
        format,
        size: body.size,
        reserved_until: grant_until.saturating_add(CONFIRM_WINDOW).expect("in range"),
        stored_at: None,
        scan: ScanStatus::Pending,
        replaces: body.replaces.clone(),
    };
    let rules = form.file_rules();
    let document_rules = form.document_rules(document);
    let lapsed = ctx
        .change_case(&draft, |case| {
            if let Some(replaced) = &body.replaces {
                let same_document = case
                    .file(replaced)
                    .is_some_and(|f| f.value.document == document.id && f.value.stored_at.is_some());
                if !same_document {
                    return Err(Problem::unprocessable(
                        "invalid-file",
                        "Le fichier à remplacer n'existe pas.",
                    )
                    .with_field("replaces", "Ce fichier n'est pas un fichier envoyé pour ce document."));
                }
            }
            // The file it replaces keeps its place until the new one is confirmed,
            // but does not stop the replacement.
            let others =
                || files_taking_place(case, now, &required).filter(|f| Some(&f.id) != body.replaces.as_ref());
            let for_document = others().filter(|f| f.document == document.id).count();
            if for_document >= document_rules.max_files as usize {
                return Err(quota(format!(
                    "« {} » accepte {} fichier(s) au plus : supprimez-en un ou remplacez-le.",
                    document.title, document_rules.max_files
                )));
            }
            if others().count() >= rules.max_files_per_request as usize {
                return Err(quota(format!(
                    "Une demande accepte {} fichiers au plus : supprimez-en un.",
                    rules.max_files_per_request
                )));
            }
            let bytes: u64 = others().map(|f| f.size).sum();
            if bytes + body.size > rules.max_bytes_per_request() {
                return Err(quota(format!(
                    "Les fichiers d'une demande font {} au plus en tout : il reste {}.",
                    size_in_words(rules.max_bytes_per_request()),
                    size_in_words(rules.max_bytes_per_request().saturating_sub(bytes))
                )));
            }
            // Reservations that lapsed unconfirmed go now, so they never pile up.
            let lapsed: Vec<String> = case
                .files
                .iter()
                .filter(|f| !f.value.is_live(now))
                .take(LAPSED_PER_CHANGE)
                .map(|f| f.value.id.clone())
                .collect();
            let mut changes = vec![ChangeOwned::Add(file.clone())];
            changes.extend(lapsed.iter().cloned().map(ChangeOwned::Remove));
            Ok((changes, lapsed))
        })
        .await?;
    for id in lapsed {
        ctx.delete_object(&draft_id, &id).await;
    }
    let upload = ctx
        .0
        .app
        .files
        .upload_grant(&object_key(&draft_id, &file.id), format.media_type(), file.size, UPLOAD_GRANT)
        .await
        .map_err(|e| Problem::internal(&e))?;
    Ok((StatusCode::CREATED, no_store(axum::Json(Granted { file: FileView::from(&file), upload })))
        .into_response())
}

/// The document's rules on the announced file: its format, its size, its name.
fn check_file(form: &Form, document: &FormDocument, body: &GrantBody) -> Result<Format, Problem> {
    let rules = form.document_rules(document);
    let accepted = formats_in_words(&rules.formats);
    let format =
        Format::from_media_type(&body.media_type).filter(|f| rules.formats.contains(f)).ok_or_else(|| {
            Problem::unprocessable("invalid-file", "Ce format de fichier n'est pas accepté.")
                .with_field("type", format!("Format refusé : envoyez un fichier {accepted}."))
        })?;
    if body.size == 0 {
        return Err(Problem::unprocessable("invalid-file", "Le fichier est vide.")
            .with_field("size", "Le fichier est vide : choisissez un autre fichier."));
    }
    if body.size > rules.max_bytes {
        return Err(Problem::unprocessable("invalid-file", "Le fichier est trop gros.").with_field(
            "size",
            format!(
                "Le fichier fait {} : la limite est de {}.",
                size_in_words(body.size),
                size_in_words(rules.max_bytes)
            ),
        ));
    }
    if body.name.len() > MAX_NAME_BYTES {
        return Err(Problem::unprocessable("invalid-file", "Le nom du fichier est trop long.")
            .with_field("name", "Renommez le fichier avec un nom plus court."));
    }
    Ok(format)
}

/// Checks an upload: its real size, what its bytes are, what the scanner
/// says. A refused file is deleted, bytes and record.
async fn confirm(
    State(ctx): State<Ctx>,
    MaybeCitizen(citizen): MaybeCitizen,
    Path((draft_id, file_id)): Path<(String, String)>,
) -> Result<Response, Problem> {
    let draft = ctx.draft(&draft_id, &citizen).await?;
    let case = ctx.case(&draft_id).await?;
    let file = case.file(&file_id).ok_or_else(unknown_file)?.value.clone();
    if file.stored_at.is_some() {
        // Confirmed already (a retry): the same answer.
        return Ok(no_store(axum::Json(FileView::from(&file))));
    }
    let key = object_key(&draft_id, &file.id);
    let now = ctx.now();
    let refusal = if now >= file.reserved_until {
        Some(Problem::new(
            StatusCode::GONE,
            "grant-expired",
            "Autorisation d'envoi expirée",
            "L'envoi de ce fichier n'a pas été terminé à temps : envoyez-le de nouveau.",
        ))
    } else {
        match ctx.0.app.files.head(&key).await.map_err(|e| Problem::internal(&e))? {
            None => Some(Problem::new(
                StatusCode::CONFLICT,
                "not-uploaded",
                "Fichier non reçu",
                "Le fichier n'est pas arrivé : envoyez-le de nouveau.",
            )),
            Some(meta) if meta.size != file.size => Some(refused(
                StatusCode::UNPROCESSABLE_ENTITY,
                "wrong-length",
                "Fichier incomplet",
                format!("Le fichier reçu ne fait pas la taille annoncée ({}).", size_in_words(file.size)),
            )),
            Some(_) => None,
        }
    };
    let (body, refusal) = match refusal {
        Some(problem) => (Vec::new(), Some(problem)),
        None => {
            let body =
                ctx.0.app.files.get(&key).await.map_err(|e| Problem::internal(&e))?.unwrap_or_default();
            let spoofed = Format::sniff(&body) != Some(file.format);
            let problem = spoofed.then(|| {
                refused(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "spoofed-type",
                    "Fichier refusé",
                    format!(
                        "Ce fichier n'est pas un vrai {} : son contenu ne correspond pas à son format. Envoyez un fichier {}.",
                        file.format.label(),
                        file.format.label()
                    ),
                )
            });
            (body, problem)
        }
    };
    if let Some(problem) = refusal {
        ctx.change_case(&draft, |case| {
            Ok((case.file(&file_id).map(|_| ChangeOwned::Remove(file_id.clone())).into_iter().collect(), ()))
        })
        .await?;
        ctx.delete_object(&draft_id, &file.id).await;
        return Err(problem);
    }
    let scan = ctx.scan(&draft_id, &file.id, &body).await;
    let stored = Attachment { stored_at: Some(now), scan, replaces: None, ..file.clone() };
    let replaced = ctx
        .change_case(&draft, |case| {
            let current = case.file(&file_id).ok_or_else(unknown_file)?;
            if current.value.stored_at.is_some() {
                return Ok((Vec::new(), None));
            }
            let mut changes = vec![ChangeOwned::Update(file_id.clone(), stored.clone())];
            let replaced = file.replaces.as_ref().filter(|id| case.file(id).is_some()).cloned();
            changes.extend(replaced.clone().map(ChangeOwned::Remove));
            Ok((changes, replaced))
        })
        .await?;
    if let Some(replaced) = replaced {
        ctx.delete_object(&draft_id, &replaced).await;
    }
    Ok(no_store(axum::Json(FileView::from(&stored))))
}

/// Removes a file (a reservation, a confirmed or an infected file).
async fn remove(
    State(ctx): State<Ctx>,
    MaybeCitizen(citizen): MaybeCitizen,
    Path((draft_id, file_id)): Path<(String, String)>,
) -> Result<Response, Problem> {
    let draft = ctx.draft(&draft_id, &citizen).await?;
    ctx.change_case(&draft, |case| {
        case.file(&file_id).ok_or_else(unknown_file)?;
        Ok((vec![ChangeOwned::Remove(file_id.clone())], ()))
    })
    .await?;
    ctx.delete_object(&draft_id, &file_id).await;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A download grant for a file of `case`, if it may be downloaded.
async fn download(ctx: &Ctx, case: &str, file_id: &str) -> Result<Response, Problem> {
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
        .0
        .app
        .files
        .download_grant(&object_key(case, &file.id), &file.name, DOWNLOAD_GRANT)
        .await
        .map_err(|e| Problem::internal(&e))?;
    Ok(no_store(axum::Json(grant)))
}

async fn download_from_draft(
    State(ctx): State<Ctx>,
    MaybeCitizen(citizen): MaybeCitizen,
    Path((draft_id, file_id)): Path<(String, String)>,
) -> Result<Response, Problem> {
    ctx.draft(&draft_id, &citizen).await?;
    download(&ctx, &draft_id, &file_id).await
}

/// The case of a request the caller may see, or the unknown-file answer.
fn case_of(request: Option<Request>) -> Result<String, Problem> {
    request.and_then(|r| r.case).ok_or_else(unknown_file)
}

async fn download_from_request(
    State(ctx): State<Ctx>,
    citizen: Citizen,
    Path((reference, file_id)): Path<(String, String)>,
) -> Result<Response, Problem> {
    let request = access::citizen_request(&ctx.0.requests, &reference, &citizen).await.map_err(internal)?;
    download(&ctx, &case_of(request)?, &file_id).await
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
    let request = access::tracked_request(&ctx.0.requests, &body.token).await.map_err(internal)?;
    download(&ctx, &case_of(request)?, &file_id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_read_as_french() {
        assert_eq!(formats_in_words(&Format::ALL), "PDF, JPEG ou PNG");
        assert_eq!(formats_in_words(&[Format::Pdf]), "PDF");
        assert_eq!(size_in_words(10_000_000), "10 Mo");
        assert_eq!(size_in_words(1_500_000), "1,5 Mo");
        assert_eq!(size_in_words(120_000), "120 Ko");
        assert_eq!(size_in_words(1), "1 Ko");
    }
}
