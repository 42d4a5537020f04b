//! HTTP handlers of the submissions function.

use gru_records::access;

use crate::PREFIX;
use crate::emails;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use gru_domain::form::{Answers, Form, FormDocument};
use gru_domain::holidays::HolidayCalendar;
use gru_domain::request::Phase;
use gru_domain::request::{Draft, EnteredBy, NewRequest, Receipt, Request, RequestSummary, RequiredDocument};
use gru_ports::{Files, Mailer, StoreError, TransactOp};
use gru_records::access::is_draft_id;
use gru_records::case_files::{Attachment, AttachmentRepository, CaseFiles, Change, FileView, object_key};
use gru_records::catalogue::CatalogueRepository;
use gru_records::reference::new_reference;
use gru_records::requests::{EmailCode, Repository, RepositoryError, StoredReceipt, Submission, Versioned};
use gru_records::timeline;
use gru_web::IdempotencyKey;
use gru_web::client::ClientAddress;
use gru_web::session::{Citizen, MaybeCitizen};
use gru_web::{Json, Platform, Problem, Shared, WebState, no_store, tokens};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

mod recorded;

/// How long an emailed code stays valid, and how many tries it allows.
const CODE_MINUTES: i64 = 15;
const CODE_ATTEMPTS: u32 = 5;
/// How long a retry with the same `Idempotency-Key` gets the same answer.
const IDEMPOTENCY_HOURS: i64 = 24;
/// Fresh references drawn before giving up (a collision is rare already).
const SUBMIT_ATTEMPTS: usize = 4;

/// The state every handler shares.
#[derive(Clone)]
struct Ctx(Arc<Inner>);

struct Inner {
    shared: Shared,
    mailer: Arc<dyn Mailer>,
    /// Where the cases' files are: abandoning a draft deletes them, and a
    /// submission deletes those its case no longer needs.
    files: Arc<dyn Files>,
    repository: Repository,
    attachments: AttachmentRepository,
    catalogue: CatalogueRepository,
}

impl WebState for Ctx {
    fn shared(&self) -> &Shared {
        &self.0.shared
    }
}

/// The submissions function's routes, under [`PREFIX`].
pub fn router(platform: &Platform, mailer: Arc<dyn Mailer>, files: Arc<dyn Files>) -> Router {
    let store = &platform.store;
    let ctx = Ctx(Arc::new(Inner {
        repository: Repository::new(store.clone()),
        attachments: AttachmentRepository::new(store.clone()),
        catalogue: CatalogueRepository::new(store.clone()),
        shared: Shared::new(platform),
        mailer,
        files,
    }));
    let routes = Router::new()
        .route("/evaluate", post(evaluate))
        .route("/drafts", post(create_draft))
        .route("/drafts/{id}", get(read_draft).put(save_draft).delete(abandon_draft))
        .route("/drafts/{id}/email", post(send_code))
        .route("/drafts/{id}/submit", post(submit))
        .route("/tracking", post(track))
        .route("/mine", get(mine))
        .route("/requests/{reference}", get(read_request))
        .route("/agent/requests", post(recorded::record))
        .with_state(ctx);
    gru_web::mount(PREFIX, routes)
}

fn unknown_draft() -> Problem {
    Problem::not_found("Ce brouillon n'existe pas, a déjà été envoyé ou a été supprimé.")
}

fn stale_draft() -> Problem {
    Problem::new(
        StatusCode::CONFLICT,
        "conflict",
        "Brouillon modifié ailleurs",
        "Ce brouillon a été modifié depuis un autre onglet ou appareil. Rechargez la page pour reprendre la dernière version.",
    )
}

/// A draft write that lost a race (another tab saved first) is a 409 the
/// citizen can act on; anything else is ours.
fn stale_on_conflict<T>(result: Result<T, RepositoryError>) -> Result<T, Problem> {
    match result {
        Err(RepositoryError::Store(StoreError::ConditionFailed)) => Err(stale_draft()),
        other => Ok(other?),
    }
}

fn invalid_answers(errors: Vec<gru_domain::form::FieldError>, status: StatusCode) -> Problem {
    let mut problem = Problem::new(
        status,
        "invalid-answers",
        "Réponses à corriger",
        "Certaines réponses sont à corriger : chaque erreur est indiquée avec sa question.",
    );
    for error in errors {
        problem = problem.with_field(&error.field, error.message);
    }
    problem
}

/// The confirmation of a new request to `email`, queued in the transaction
/// that writes the request: one that fails sends nothing, one that is
/// written sends once.
fn queue_confirmation(
    email: &str,
    reference: &str,
    service_title: &str,
    tracking_url: &str,
    now: Timestamp,
) -> Result<TransactOp, Problem> {
    let confirmation = emails::confirmation(email, reference, service_title, tracking_url);
    gru_outbox::enqueue(&confirmation, &format!("{reference}#submitted"), now)
        .map_err(|e| Problem::internal(&e))
}

/// Until when a request written `now` answers a retry with the same
/// `Idempotency-Key`.
fn keep_idempotency_until(now: Timestamp) -> Timestamp {
    now.saturating_add(SignedDuration::from_hours(IDEMPOTENCY_HOURS)).expect("in range")
}

impl Ctx {
    fn now(&self) -> Timestamp {
        self.0.shared.platform.clock.now()
    }

    /// Today in the city's time zone (a date "in the past" is the city's
    /// past), with the city's public holidays (deadlines count working days).
    async fn city_day(&self) -> Result<(jiff::civil::Date, HolidayCalendar), Problem> {
        let city = self.0.catalogue.city().await?;
        let (zone, calendar) = city
            .map(|c| (c.timezone, c.holidays))
            .unwrap_or_else(|| ("Europe/Paris".to_owned(), HolidayCalendar::default()));
        let zone = jiff::tz::TimeZone::get(&zone).unwrap_or(jiff::tz::TimeZone::UTC);
        Ok((self.now().to_zoned_datetime(zone).date(), calendar))
    }

    /// The link a new request's tracking `token` opens on the site.
    fn tracking_url(&self, token: &str) -> String {
        format!("{}/suivi.html#{token}", self.0.shared.platform.settings.public_url)
    }

    /// Today in the city's time zone.
    async fn today(&self) -> Result<jiff::civil::Date, Problem> {
        Ok(self.city_day().await?.0)
    }

    /// The service's form: the given version, or the current one.
    async fn form(&self, service: &str, version: Option<u32>) -> Result<Form, Problem> {
        let unknown = || {
            Problem::not_found("Cette démarche n'existe pas ou ne se fait pas en ligne.")
                .with_field("service", "Démarche inconnue.")
        };
        if !gru_domain::catalogue::is_valid_slug(service) {
            return Err(unknown());
        }
        self.0.catalogue.form(service, version).await?.ok_or_else(unknown)
    }

    async fn service_title(&self, slug: &str) -> Result<String, Problem> {
        Ok(self.0.catalogue.service(slug).await?.map(|s| s.service.title).unwrap_or_else(|| slug.to_owned()))
    }

    /// A draft the caller may use (see [`access::draft`]).
    async fn owned_draft(&self, id: &str, citizen: &Option<Citizen>) -> Result<Versioned<Draft>, Problem> {
        access::draft(&self.0.repository, id, citizen, self.now()).await?.ok_or_else(unknown_draft)
    }

    /// Sets the purge date (and the day of the warning before it) from now.
    fn schedule_purge(&self, draft: &mut Draft) {
        let policy = &self.0.shared.platform.settings.drafts;
        let now = self.now();
        draft.updated_at = now;
        draft.purge_at = now.saturating_add(policy.keep).expect("the purge date is in range");
        draft.warn_on = (draft.account.is_some() || draft.email.is_some()).then(|| {
            let warn_at = draft.purge_at.saturating_sub(policy.warn_before).expect("in range");
            warn_at.to_zoned_datetime(jiff::tz::TimeZone::UTC).date()
        });
    }

    fn resume_url(&self, draft: &Draft) -> String {
        gru_notices::drafts::resume_url(
            &self.0.shared.platform.settings.public_url,
            &draft.service,
            &draft.id,
        )
    }

    /// Deletes the bytes of files whose records are gone. A failure leaves
    /// an object no record points to, which no grant can reach: it is
    /// logged, not shown to the citizen.
    async fn delete_objects<'a>(&self, case: &str, files: impl Iterator<Item = &'a Attachment>) {
        for file in files {
            if let Err(error) = self.0.files.delete(&object_key(case, &file.id)).await {
                tracing::error!(%error, "a file's bytes could not be deleted");
            }
        }
    }

    async fn send(&self, email: gru_ports::Email) {
        // Not sending must not undo what the citizen did: the failure is
        // logged (without the address) and the citizen still gets the answer.
        if let Err(error) = self.0.mailer.send(&email).await {
            tracing::error!(%error, "an email could not be sent");
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EvaluateBody {
    service: String,
    form_version: Option<u32>,
    #[serde(default)]
    answers: Answers,
    page: Option<String>,
}

/// The form as the answers make it: visible pages and fields, documents
/// required in this case, and the errors of the answers given.
async fn evaluate(State(ctx): State<Ctx>, Json(body): Json<EvaluateBody>) -> Result<Response, Problem> {
    let form = ctx.form(&body.service, body.form_version).await?;
    let today = ctx.today().await?;
    Ok(axum::Json(form.evaluate(&body.answers, today, body.page.as_deref())).into_response())
}

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
struct NewDraft {
    service: String,
}

async fn create_draft(
    State(ctx): State<Ctx>,
    MaybeCitizen(citizen): MaybeCitizen,
    address: ClientAddress,
    Json(body): Json<NewDraft>,
) -> Result<Response, Problem> {
    if citizen.is_none()
        && let Some(subject) = address.rate_limit_subject()
    {
        ctx.0.shared.limiter.hit("draft", &subject, 60, SignedDuration::from_hours(1)).await?;
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
    let version = ctx.0.repository.save_draft(&draft, None).await?;
    Ok((StatusCode::CREATED, axum::Json(DraftView::from(Versioned { value: draft, version })))
        .into_response())
}

async fn read_draft(
    State(ctx): State<Ctx>,
    MaybeCitizen(citizen): MaybeCitizen,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let draft = ctx.owned_draft(&id, &citizen).await?;
    Ok(no_store(axum::Json(DraftView::from(draft))))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DraftUpdate {
    answers: Answers,
    page: Option<String>,
    version: u64,
}

/// Saves the answers so far. Incomplete answers are fine; unknown questions
/// and oversized answers are not.
async fn save_draft(
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
    let version = stale_on_conflict(ctx.0.repository.save_draft(&draft, Some(&current)).await)?;
    Ok(no_store(axum::Json(DraftView::from(Versioned { value: draft, version }))))
}

async fn abandon_draft(
    State(ctx): State<Ctx>,
    MaybeCitizen(citizen): MaybeCitizen,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let draft = ctx.owned_draft(&id, &citizen).await?;
    stale_on_conflict(ctx.0.repository.delete_draft(&draft).await)?;
    // No upload can join the case now (they check the draft exists).
    let case = ctx.0.attachments.case(&id).await?;
    let removals: Vec<Change> = case.files.iter().map(Change::Remove).collect();
    if !removals.is_empty() {
        ctx.0.attachments.change(&case, &removals, None, None).await?;
        ctx.delete_objects(&id, case.files.iter().map(|f| &f.value)).await;
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CodeRequest {
    email: String,
}

/// Emails a one-time code to the address a citizen without an account gave,
/// with a link to resume the draft. This is the rate-limited gate of
/// submissions without an account: none goes through without a code.
async fn send_code(
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
    ctx.0.shared.limiter.hit("code-draft", &id, 5, hour).await?;
    // An unknown address (no peer, no API Gateway context) is not limited
    // per address rather than sharing one bucket with every other.
    if let Some(client) = address.rate_limit_subject() {
        ctx.0.shared.limiter.hit("code-client", &client, 20, hour).await?;
    }
    ctx.0.shared.limiter.hit("code-email", &tokens::email_key(&email), 5, hour).await?;
    let code = format!("{:06}", rand::random_range(0..1_000_000u32));
    let now = ctx.now();
    let expires_at = now.saturating_add(SignedDuration::from_mins(CODE_MINUTES)).expect("in range");
    let new_code =
        EmailCode { email: email.clone(), code_hash: tokens::hash(&code), attempts: 0, expires_at };
    let previous_code = ctx.0.repository.code_version(&id).await?;
    let mut draft = current.value.clone();
    draft.email = Some(email.clone());
    ctx.schedule_purge(&mut draft);
    stale_on_conflict(
        ctx.0.repository.save_draft_with_code(&draft, &current, &new_code, previous_code).await,
    )?;
    let title = ctx.service_title(&draft.service).await?;
    ctx.send(emails::code(&email, &code, &title, &ctx.resume_url(&draft), CODE_MINUTES)).await;
    Ok((
        StatusCode::ACCEPTED,
        axum::Json(serde_json::json!({ "email": email, "expires_in_minutes": CODE_MINUTES })),
    )
        .into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SubmitBody {
    code: Option<String>,
}

/// Submits a draft: everything is checked again against the draft's form
/// version, then the request, its tracking link and the draft's deletion are
/// written in one transaction. The same `Idempotency-Key` gets the same answer.
async fn submit(
    State(ctx): State<Ctx>,
    MaybeCitizen(citizen): MaybeCitizen,
    Path(id): Path<String>,
    IdempotencyKey(key): IdempotencyKey,
    Json(body): Json<SubmitBody>,
) -> Result<Response, Problem> {
    if !is_draft_id(&id) {
        return Err(unknown_draft());
    }
    let account = citizen.as_ref().map(|c| c.account_id.clone());
    if let Some(receipt) = replay(&ctx, &id, key.as_deref(), &account).await? {
        return Ok(receipt);
    }
    match submit_once(&ctx, citizen, &id, key.as_deref(), body).await {
        Ok(receipt) => Ok(created(receipt)),
        Err(Failure::MovedOn(problem)) if key.is_some() => {
            // A concurrent submission with the same key got there first (it
            // spent the code, deleted the draft): once it is written, this
            // one gets its answer.
            for _ in 0..TWIN_WAIT_ROUNDS {
                if let Some(receipt) = replay(&ctx, &id, key.as_deref(), &account).await? {
                    return Ok(receipt);
                }
                tokio::time::sleep(TWIN_WAIT).await;
            }
            Err(problem)
        }
        Err(Failure::MovedOn(problem) | Failure::Final(problem)) => Err(problem),
    }
}

/// Why a submission did not go through.
enum Failure {
    /// The draft or its code is no longer what it was (submitted, saved,
    /// spent): a twin with the same key may have won.
    MovedOn(Problem),
    /// Anything else: wrong answers, a wrong code, a failure of ours.
    Final(Problem),
}

impl From<Problem> for Failure {
    fn from(problem: Problem) -> Self {
        Failure::Final(problem)
    }
}

impl From<RepositoryError> for Failure {
    fn from(error: RepositoryError) -> Self {
        Failure::Final(error.into())
    }
}

/// How long a submission that lost to a twin with the same key waits for
/// the twin's answer: up to 20 × 100 ms.
const TWIN_WAIT_ROUNDS: usize = 20;
const TWIN_WAIT: std::time::Duration = std::time::Duration::from_millis(100);

/// The answer already given to this draft and key, for the one who got it:
/// an account's receipt is replayed only to that account's session.
async fn replay(
    ctx: &Ctx,
    draft: &str,
    key: Option<&str>,
    account: &Option<String>,
) -> Result<Option<Response>, Problem> {
    let Some(key) = key else { return Ok(None) };
    let stored = ctx.0.repository.receipt(draft, key).await?;
    Ok(stored.filter(|s| s.account.is_none() || s.account == *account).map(|s| created(s.receipt)))
}

fn created(receipt: Receipt) -> Response {
    (StatusCode::CREATED, axum::Json(receipt)).into_response()
}

async fn submit_once(
    ctx: &Ctx,
    citizen: Option<Citizen>,
    id: &str,
    key: Option<&str>,
    body: SubmitBody,
) -> Result<Receipt, Failure> {
    let draft = ctx.owned_draft(id, &citizen).await.map_err(Failure::MovedOn)?;
    let form = ctx.form(&draft.value.service, Some(draft.value.form_version)).await?;
    let (today, calendar) = ctx.city_day().await?;
    let answers = form
        .validate_submission(&draft.value.answers, today)
        .map_err(|errors| invalid_answers(errors, StatusCode::UNPROCESSABLE_ENTITY))?;
    // Before the code: a citizen told to add a document keeps every try.
    let required = form.required_documents(&answers);
    let mut case = ctx.0.attachments.case(id).await?;
    missing_documents(&required, &case)?;
    let (email, account, code_version) = match &citizen {
        Some(c) => (c.email.clone(), Some(c.account_id.clone()), None),
        None => {
            let code = verify_code(ctx, id, body.code.as_deref()).await?;
            (code.value.email.clone(), None, Some(code.version))
        }
    };
    let service_title = ctx.service_title(&draft.value.service).await?;
    // The request starts at its workflow's first status, with the deadline
    // that status starts (the standard workflow's does).
    let workflow = ctx.0.catalogue.workflow_of(&draft.value.service).await.map_err(Problem::from)?;
    let documents: Vec<RequiredDocument> = required.iter().copied().map(RequiredDocument::from).collect();
    let email_key = tokens::email_key(&email);
    for attempt in 0..SUBMIT_ATTEMPTS {
        if attempt > 0 {
            case = ctx.0.attachments.case(id).await?;
            missing_documents(&required, &case)?;
        }
        // The request keeps the files that count for a document it needs;
        // the others (lapsed uploads, infected files, documents the final
        // answers no longer ask for) go.
        let (_, dropped): (Vec<_>, Vec<_>) = case
            .files
            .iter()
            .partition(|f| f.value.counts() && documents.iter().any(|d| d.id == f.value.document));
        let mut files = vec![case.kept_by_request()];
        files.extend(case.deletions(dropped.iter().copied()));
        let now = ctx.now();
        let token = tokens::random_token();
        let reference = new_reference();
        let tracking_url = ctx.tracking_url(&token);
        // The confirmation is queued in the submission's own transaction.
        files.push(queue_confirmation(&email, &reference, &service_title, &tracking_url, now)?);
        let request = NewRequest {
            reference: reference.clone(),
            service: draft.value.service.clone(),
            service_title: service_title.clone(),
            form_version: draft.value.form_version,
            answers: answers.clone(),
            documents: documents.clone(),
            email: email.clone(),
            account: account.clone(),
            citizen_name: None,
            channel: "online".to_owned(),
            case: Some(id.to_owned()),
            entered_by: EnteredBy::Citizen,
        }
        .enter(&workflow, now, today, calendar);
        let receipt = StoredReceipt {
            receipt: Receipt { reference, tracking_url: Some(tracking_url) },
            account: account.clone(),
        };
        let written = ctx
            .0
            .repository
            .submit(Submission {
                request: &request,
                draft: &draft,
                tracking_hash: &tokens::hash(&token),
                email_key: &email_key,
                idempotency: key.map(|k| (k, &receipt)),
                code_version,
                keep_idempotency_until: keep_idempotency_until(now),
                files,
            })
            .await;
        match written {
            Ok(()) => {
                ctx.delete_objects(id, dropped.iter().map(|f| &f.value)).await;
                tracing::info!(service = %request.service, "request submitted");
                return Ok(receipt.receipt);
            }
            Err(RepositoryError::Store(StoreError::TransactionConflict)) => continue,
            Err(RepositoryError::Store(StoreError::ConditionFailed)) => {
                // Either the draft moved on (saved, submitted, abandoned),
                // or the code was spent, or the reference was taken: only
                // the last is worth another try.
                let still = ctx.0.repository.draft(id, ctx.now()).await?;
                if still.is_none_or(|d| d.version != draft.version) {
                    return Err(Failure::MovedOn(stale_draft()));
                }
                // A file confirmed or removed meanwhile: read them again.
                if code_version.is_some() {
                    let code = ctx.0.repository.code(id, ctx.now()).await?;
                    if code.is_none_or(|c| Some(c.version) != code_version) {
                        return Err(Failure::MovedOn(invalid_code(
                            "Ce code a déjà servi. Demandez-en un nouveau.",
                        )));
                    }
                }
            }
            Err(other) => return Err(other.into()),
        }
    }
    Err(Failure::Final(Problem::internal(&"no free reference after several draws")))
}

/// Refuses a submission while a document the case requires has no file
/// that counts (uploaded, checked, not infected), naming each.
fn missing_documents(required: &[&FormDocument], case: &CaseFiles) -> Result<(), Problem> {
    let missing: Vec<_> = required
        .iter()
        .filter(|d| !case.files.iter().any(|f| f.value.document == d.id && f.value.counts()))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let mut problem = Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "missing-documents",
        "Pièces justificatives manquantes",
        "Votre demande ne peut pas être envoyée sans les pièces justificatives qu'elle demande.",
    );
    for document in missing {
        problem = problem.with_field(
            &format!("documents.{}", document.id),
            format!("Ajoutez ce document : {}.", document.title),
        );
    }
    Err(problem)
}

fn invalid_code(message: &str) -> Problem {
    Problem::bad_request("invalid-code", "Le code de confirmation n'est pas valable.")
        .with_field("code", message)
}

/// Checks the code a citizen without an account typed. The attempt is
/// counted before the comparison, so parallel guesses get no more tries.
async fn verify_code(ctx: &Ctx, draft: &str, typed: Option<&str>) -> Result<Versioned<EmailCode>, Failure> {
    let typed = typed.map(str::trim).unwrap_or_default();
    if typed.is_empty() {
        return Err(Failure::Final(invalid_code("Saisissez le code à 6 chiffres reçu par courriel.")));
    }
    let code = ctx.0.repository.take_attempt(draft, CODE_ATTEMPTS, ctx.now()).await?.ok_or_else(|| {
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

/// A step of the instruction, as the citizen follows it.
#[derive(Serialize)]
struct StepView {
    title: String,
    description: String,
    /// `done`, `current` or `upcoming`.
    state: &'static str,
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
    documents: Vec<DocumentView>,
    steps: Vec<StepView>,
    /// The submission and each change of status, dated, in the citizen's words.
    history: Vec<timeline::Step>,
}

/// A document of the request and the files supplied for it.
#[derive(Serialize)]
struct DocumentView {
    #[serde(flatten)]
    document: RequiredDocument,
    files: Vec<FileView>,
}

async fn request_view(ctx: &Ctx, request: Request) -> Result<RequestView, Problem> {
    let workflow = ctx.0.catalogue.workflow_of(&request.service).await?;
    let progress = timeline::progress(&request, &workflow);
    // Read with the form version the request was made with.
    let summary = ctx
        .0
        .catalogue
        .form(&request.service, Some(request.form_version))
        .await?
        .map(|form| form.summary(&request.answers))
        .unwrap_or_default();
    let files = match &request.case {
        Some(case) => ctx.0.attachments.case(case).await?.files,
        None => Vec::new(),
    };
    let documents = request
        .documents
        .into_iter()
        .map(|document| DocumentView {
            files: files
                .iter()
                .filter(|f| f.value.document == document.id && f.value.stored_at.is_some())
                .map(|f| FileView::from(&f.value))
                .collect(),
            document,
        })
        .collect();
    let steps = ctx.0.catalogue.service(&request.service).await?.map(|s| s.service.presentation.steps);
    // Until agents move requests through their workflow, a submitted request
    // is at the first step.
    let current = 0;
    let steps = steps
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(i, step)| StepView {
            title: step.title,
            description: step.description,
            state: match i.cmp(&current) {
                std::cmp::Ordering::Less => "done",
                std::cmp::Ordering::Equal => "current",
                std::cmp::Ordering::Greater => "upcoming",
            },
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
struct TrackingBody {
    token: String,
}

/// The request a tracking link leads to. The token travels in the body (the
/// site reads it from the link's fragment), so it never lands in a URL log.
async fn track(State(ctx): State<Ctx>, Json(body): Json<TrackingBody>) -> Result<Response, Problem> {
    let unknown = || Problem::not_found("Ce lien de suivi n'est pas valable. Vérifiez qu'il est complet.");
    let request = access::tracked_request(&ctx.0.repository, &body.token).await?.ok_or_else(unknown)?;
    Ok(no_store(axum::Json(request_view(&ctx, request).await?)))
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
async fn mine(State(ctx): State<Ctx>, citizen: Citizen) -> Result<Response, Problem> {
    let requests = ctx.0.repository.requests_of(&tokens::email_key(&citizen.email)).await?;
    let mut drafts = Vec::new();
    for draft in ctx.0.repository.drafts_of(&citizen.account_id, ctx.now()).await? {
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
    Ok(no_store(axum::Json(Dashboard { requests, drafts })))
}

/// One of the signed-in citizen's requests.
async fn read_request(
    State(ctx): State<Ctx>,
    citizen: Citizen,
    Path(reference): Path<String>,
) -> Result<Response, Problem> {
    let unknown = || Problem::not_found("Aucune de vos demandes ne porte cette référence.");
    let request =
        access::citizen_request(&ctx.0.repository, &reference, &citizen).await?.ok_or_else(unknown)?;
    Ok(no_store(axum::Json(request_view(&ctx, request).await?)))
}
