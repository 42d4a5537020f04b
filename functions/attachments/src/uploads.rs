//! Grants and confirmation: how a file joins a case, whoever sends it and
//! wherever it goes (a draft's document, a request's thread). The place
//! decides the rules ([`Place`]); what holds the case decides what must
//! still be true when its files change ([`CaseHolder`]); the rest (checks
//! of the announced file, quotas on a fresh reading of the case, the
//! reservation, the confirmation's checks, the scan) is one path.

use crate::context::{Ctx, busy, unknown_draft, unknown_file, unknown_request};
use crate::words::{formats_in_words, size_in_words};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use gru_domain::attachment::{DocumentRules, FileRules, Format, ScanStatus, clean_file_name};
use gru_domain::request::Phase;
use gru_domain::request::{Draft, Request};
use gru_ports::{StoreError, TransactOp};
use gru_records::case_files::{Attachment, CaseFiles, Change, FileView, object_key, request_case, sweep_day};
use gru_records::requests::{RepositoryError, Versioned, draft_exists, request_unchanged};
use gru_web::Problem;
use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

/// How long an upload grant is valid: enough to start the upload.
const UPLOAD_GRANT: SignedDuration = SignedDuration::from_mins(5);
/// How long after its grant a reservation waits for its confirmation: an
/// upload started just before the grant lapsed may take this long.
const CONFIRM_WINDOW: SignedDuration = SignedDuration::from_mins(30);
/// The longest file name accepted before cleaning (it is cut to 100 after).
const MAX_NAME_BYTES: usize = 1024;
/// Tries of a change that lost to a concurrent change of the same case.
const CHANGE_ATTEMPTS: usize = 5;
/// Lapsed reservations cleared by each new grant (a transaction holds 100
/// writes at most).
const LAPSED_PER_CHANGE: usize = 20;

/// What a case belongs to, and so what must still hold in the transaction
/// that changes its files.
pub(crate) enum CaseHolder {
    /// A draft being filled in: it must still exist (a submission deletes
    /// it, so no file joins a case after its submission); the case is
    /// swept the day after the draft's purge date unless saved again.
    Draft(Box<Versioned<Draft>>),
    /// A submitted request: it must be as read, so a request moved to a
    /// final phase meanwhile takes no more files; its files are never swept.
    Request(Box<Versioned<Request>>),
}

/// 409: a request in a final phase (accepted, refused, closed) takes no files.
fn request_closed() -> Problem {
    Problem::new(
        StatusCode::CONFLICT,
        "request-closed",
        "Demande terminée",
        "Cette demande est terminée : elle ne reçoit plus de fichiers.",
    )
}

impl CaseHolder {
    /// The holder of a draft's case.
    pub(crate) fn draft(draft: Versioned<Draft>) -> Self {
        CaseHolder::Draft(Box::new(draft))
    }

    /// The holder of a request's case, while the request is not in a final phase.
    pub(crate) fn request(request: Versioned<Request>) -> Result<Self, Problem> {
        match request.value.phase {
            Phase::Accepted | Phase::Refused | Phase::Closed => Err(request_closed()),
            Phase::Submitted | Phase::InProgress | Phase::WaitingForCitizen => {
                Ok(CaseHolder::Request(Box::new(request)))
            }
        }
    }

    /// The case whose files change.
    pub(crate) fn case(&self) -> &str {
        match self {
            CaseHolder::Draft(draft) => &draft.value.id,
            CaseHolder::Request(request) => request_case(&request.value),
        }
    }

    /// The write that holds while nothing changed that forbids the change.
    fn guard(&self) -> TransactOp {
        match self {
            CaseHolder::Draft(draft) => draft_exists(&draft.value.id),
            CaseHolder::Request(request) => request_unchanged(&request.value.reference, request.version),
        }
    }

    /// The day the sweep looks at the case, if it is not a request's.
    fn sweep_on(&self) -> Option<Date> {
        match self {
            CaseHolder::Draft(draft) => Some(sweep_day(draft.value.purge_at)),
            CaseHolder::Request(_) => None,
        }
    }

    /// Reads the holder again after a change lost a race: a refusal once
    /// the change is no longer allowed (the draft gone, the request closed).
    async fn reread(&self, ctx: &Ctx) -> Result<CaseHolder, Problem> {
        match self {
            CaseHolder::Draft(draft) => {
                let fresh = ctx.requests.draft(&draft.value.id, ctx.now()).await?;
                fresh.map(CaseHolder::draft).ok_or_else(unknown_draft)
            }
            CaseHolder::Request(request) => {
                let reference = &request.value.reference;
                let fresh = ctx.requests.request_versioned(reference).await?;
                CaseHolder::request(fresh.ok_or_else(unknown_request)?)
            }
        }
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

/// Applies a change decided on a fresh reading of the case, trying again
/// when another change of the same case (or of its holder) won, as long as
/// the holder still allows it. `decide` answers the changes, or a refusal.
/// Removed files' bytes are deleted by the outbox, queued with the change.
async fn change_case(
    ctx: &Ctx,
    holder: &mut CaseHolder,
    mut decide: impl FnMut(&CaseFiles) -> Result<Vec<ChangeOwned>, Problem>,
) -> Result<(), Problem> {
    for _ in 0..CHANGE_ATTEMPTS {
        let case = ctx.case(holder.case()).await?;
        let changes = decide(&case)?;
        let changes: Vec<Change> = changes.iter().map(|c| c.as_change(&case)).collect();
        let written =
            ctx.attachments.change(&case, &changes, Some(holder.guard()), holder.sweep_on(), ctx.now()).await;
        match written {
            Ok(()) => return Ok(()),
            Err(RepositoryError::Store(StoreError::ConditionFailed | StoreError::TransactionConflict)) => {
                *holder = holder.reread(ctx).await?;
            }
            Err(other) => return Err(other.into()),
        }
    }
    Err(busy())
}

/// 409: the place or the case has all the files it takes; `message`,
/// on `field`, says which limit and what to do.
pub(crate) fn quota(field: &str, message: String) -> Problem {
    Problem::new(
        StatusCode::CONFLICT,
        "quota",
        "Limite de fichiers atteinte",
        "Cette demande ne peut pas recevoir ce fichier.",
    )
    .with_field(field, message)
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

/// The files that take a place in the quotas: live (stored, or reserved
/// and not lapsed), not infected (their bytes are gone), and for one of
/// `documents` (for a draft, those the answers still require: the others
/// go at submission, and the citizen, who no longer sees them, must not be
/// blocked by them).
pub(crate) fn files_taking_place<'a>(
    case: &'a CaseFiles,
    now: Timestamp,
    documents: &'a [&'a str],
) -> impl Iterator<Item = &'a Attachment> {
    case.files.iter().map(|f| &f.value).filter(move |f| {
        f.is_live(now) && f.scan != ScanStatus::Infected && documents.contains(&f.document.as_str())
    })
}

/// Where a file goes and the rules it meets there.
pub(crate) struct Place<'a> {
    /// The document it is for (`thread` for a request's thread).
    pub(crate) document: &'a str,
    /// The format, size and count rules of the document.
    pub(crate) rules: DocumentRules,
    /// The refusal once the document has all its files.
    pub(crate) full: Problem,
    /// The limits on the whole case and the documents whose files count
    /// against them (a draft's), if any.
    pub(crate) case_limits: Option<(FileRules, Vec<&'a str>)>,
}

/// A file as the browser announces it, before any byte is sent.
#[derive(Debug, Deserialize)]
pub(crate) struct Announced {
    pub(crate) name: String,
    /// The media type the browser announces.
    #[serde(rename = "type")]
    pub(crate) media_type: String,
    pub(crate) size: u64,
}

#[derive(Serialize)]
struct Granted {
    file: FileView,
    upload: gru_ports::UploadGrant,
}

/// Checks one file against the place's rules and the case's quotas,
/// reserves its place, and grants its upload. `replaces`: a stored file of
/// the same document the new one takes the place of once confirmed.
pub(crate) async fn grant(
    ctx: &Ctx,
    mut holder: CaseHolder,
    place: Place<'_>,
    announced: &Announced,
    replaces: Option<&str>,
) -> Result<Response, Problem> {
    let format = check_file(&place.rules, announced)?;
    let now = ctx.now();
    let grant_until = now.saturating_add(UPLOAD_GRANT).expect("in range");
    let file = Attachment {
        id: gru_web::tokens::url_id::<16>(),
        document: place.document.to_owned(),
        name: format.file_name(&clean_file_name(&announced.name)),
        format,
        size: announced.size,
        reserved_until: grant_until.saturating_add(CONFIRM_WINDOW).expect("in range"),
        stored_at: None,
        scan: ScanStatus::Pending,
        replaces: replaces.map(str::to_owned),
    };
    change_case(ctx, &mut holder, |case| {
        if let Some(replaced) = replaces {
            let same_document = case
                .file(replaced)
                .is_some_and(|f| f.value.document == place.document && f.value.stored_at.is_some());
            if !same_document {
                return Err(Problem::unprocessable("invalid-file", "Le fichier à remplacer n'existe pas.")
                    .with_field("replaces", "Ce fichier n'est pas un fichier envoyé pour ce document."));
            }
        }
        check_quotas(case, now, &place, announced.size, replaces)?;
        // Reservations that lapsed unconfirmed go now, so they never pile up.
        let lapsed = case
            .files
            .iter()
            .filter(|f| !f.value.is_live(now))
            .take(LAPSED_PER_CHANGE)
            .map(|f| ChangeOwned::Remove(f.value.id.clone()));
        Ok(std::iter::once(ChangeOwned::Add(file.clone())).chain(lapsed).collect())
    })
    .await?;
    let case = holder.case();
    let upload = ctx
        .files
        .upload_grant(&object_key(case, &file.id), format.media_type(), file.size, UPLOAD_GRANT)
        .await
        .map_err(Problem::internal)?;
    Ok((StatusCode::CREATED, axum::Json(Granted { file: FileView::from(&file), upload })).into_response())
}

/// The document's count and the case's count and bytes, on this reading,
/// with room for one more file of `size` bytes.
fn check_quotas(
    case: &CaseFiles,
    now: Timestamp,
    place: &Place<'_>,
    size: u64,
    replaces: Option<&str>,
) -> Result<(), Problem> {
    // The file it replaces keeps its place until the new one is confirmed,
    // but does not stop the replacement.
    let others = |documents: &'_ [&'_ str]| {
        files_taking_place(case, now, documents)
            .filter(|f| Some(f.id.as_str()) != replaces)
            .map(|f| f.size)
            .collect::<Vec<_>>()
    };
    if others(&[place.document]).len() >= place.rules.max_files as usize {
        return Err(place.full.clone());
    }
    let Some((rules, documents)) = &place.case_limits else { return Ok(()) };
    let sizes = others(documents);
    if sizes.len() >= rules.max_files_per_request as usize {
        return Err(quota(
            "document",
            format!(
                "Une demande accepte {} fichiers au plus : supprimez-en un.",
                rules.max_files_per_request
            ),
        ));
    }
    let bytes: u64 = sizes.iter().sum();
    if bytes + size > rules.max_bytes_per_request() {
        return Err(quota(
            "document",
            format!(
                "Les fichiers d'une demande font {} au plus en tout : il reste {}.",
                size_in_words(rules.max_bytes_per_request()),
                size_in_words(rules.max_bytes_per_request().saturating_sub(bytes))
            ),
        ));
    }
    Ok(())
}

/// The document's rules on the announced file: its format, its size, its name.
fn check_file(rules: &DocumentRules, file: &Announced) -> Result<Format, Problem> {
    let accepted = formats_in_words(&rules.formats);
    let format =
        Format::from_media_type(&file.media_type).filter(|f| rules.formats.contains(f)).ok_or_else(|| {
            Problem::unprocessable("invalid-file", "Ce format de fichier n'est pas accepté.")
                .with_field("type", format!("Format refusé : envoyez un fichier {accepted}."))
        })?;
    if file.size == 0 {
        return Err(Problem::unprocessable("invalid-file", "Le fichier est vide.")
            .with_field("size", "Le fichier est vide : choisissez un autre fichier."));
    }
    if file.size > rules.max_bytes {
        return Err(Problem::unprocessable("invalid-file", "Le fichier est trop gros.").with_field(
            "size",
            format!(
                "Le fichier fait {} : la limite est de {}.",
                size_in_words(file.size),
                size_in_words(rules.max_bytes)
            ),
        ));
    }
    if file.name.len() > MAX_NAME_BYTES {
        return Err(Problem::unprocessable("invalid-file", "Le nom du fichier est trop long.")
            .with_field("name", "Renommez le fichier avec un nom plus court."));
    }
    Ok(format)
}

/// Checks an upload: its real size, what its bytes are, what the scanner
/// says. A refused file is deleted, bytes and record. `document`: the
/// document the file must be for, when the route confirms one kind only.
pub(crate) async fn confirm(
    ctx: &Ctx,
    mut holder: CaseHolder,
    file_id: &str,
    document: Option<&str>,
) -> Result<Response, Problem> {
    let case_id = holder.case().to_owned();
    let case = ctx.case(&case_id).await?;
    let found = case
        .file(file_id)
        .filter(|f| document.is_none_or(|d| f.value.document == d))
        .ok_or_else(unknown_file)?;
    if found.value.stored_at.is_some() {
        // Confirmed already (a retry, or a page waiting for the verdict):
        // the file as it is now, asked again of the scanner if it has none.
        let mut file = found.clone();
        ctx.refresh_scan(&case_id, &mut file).await?;
        return Ok(axum::Json(FileView::from(&file.value)).into_response());
    }
    let file = found.value.clone();
    let key = object_key(&case_id, &file.id);
    let now = ctx.now();
    let refusal = if now >= file.reserved_until {
        Some(Problem::new(
            StatusCode::GONE,
            "grant-expired",
            "Autorisation d'envoi expirée",
            "L'envoi de ce fichier n'a pas été terminé à temps : envoyez-le de nouveau.",
        ))
    } else {
        match ctx.files.head(&key).await.map_err(Problem::internal)? {
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
            let body = ctx.files.get(&key).await.map_err(Problem::internal)?.unwrap_or_default();
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
        change_case(ctx, &mut holder, |case| {
            Ok(case.file(file_id).map(|_| ChangeOwned::Remove(file_id.to_owned())).into_iter().collect())
        })
        .await?;
        return Err(problem);
    }
    let scan = ctx.scan(&case_id, &file.id, &body).await;
    let stored = Attachment { stored_at: Some(now), scan, replaces: None, ..file.clone() };
    change_case(ctx, &mut holder, |case| {
        let current = case.file(file_id).ok_or_else(unknown_file)?;
        if current.value.stored_at.is_some() {
            return Ok(Vec::new());
        }
        let mut changes = vec![ChangeOwned::Update(file_id.to_owned(), stored.clone())];
        let replaced = file.replaces.as_ref().filter(|id| case.file(id).is_some()).cloned();
        changes.extend(replaced.map(ChangeOwned::Remove));
        Ok(changes)
    })
    .await?;
    Ok(axum::Json(FileView::from(&stored)).into_response())
}

/// Removes a file (a reservation, a confirmed or an infected file).
pub(crate) async fn remove(ctx: &Ctx, mut holder: CaseHolder, file_id: &str) -> Result<Response, Problem> {
    change_case(ctx, &mut holder, |case| {
        case.file(file_id).ok_or_else(unknown_file)?;
        Ok(vec![ChangeOwned::Remove(file_id.to_owned())])
    })
    .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
