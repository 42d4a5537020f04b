//! Submission of a draft: everything checked again against the draft's form
//! version, the request written in one transaction, the same answer to a
//! retry with the same `Idempotency-Key` (and to a twin that lost the race).

use super::code::{invalid_code, verify_code};
use super::{
    Ctx, created, invalid_answers, keep_idempotency_until, queue_confirmation, stale_draft, unknown_draft,
};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use gru_domain::form::FormDocument;
use gru_domain::request::{EnteredBy, NewRequest, Receipt, RequiredDocument};
use gru_ports::StoreError;
use gru_records::access::is_draft_id;
use gru_records::case_files::CaseFiles;
use gru_records::reference::new_reference;
use gru_records::requests::{RepositoryError, StoredReceipt, Submission};
use gru_web::IdempotencyKey;
use gru_web::session::{Citizen, MaybeCitizen};
use gru_web::{Json, Problem, tokens};
use serde::Deserialize;

/// Fresh references drawn before giving up (a collision is rare already).
const SUBMIT_ATTEMPTS: usize = 4;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SubmitBody {
    code: Option<String>,
}

/// Submits a draft: everything is checked again against the draft's form
/// version, then the request, its tracking link and the draft's deletion are
/// written in one transaction. The same `Idempotency-Key` gets the same answer.
pub(super) async fn submit(
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
pub(super) enum Failure {
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
    let stored = ctx.repository.receipt(draft, key).await?;
    Ok(stored.filter(|s| s.account.is_none() || s.account == *account).map(|s| created(s.receipt)))
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
    let moment = ctx.city_day().await?;
    let (today, calendar) = (moment.today, moment.calendar);
    let answers = form
        .validate_submission(&draft.value.answers, today)
        .map_err(|errors| invalid_answers(errors, StatusCode::UNPROCESSABLE_ENTITY))?;
    // Before the code: a citizen told to add a document keeps every try.
    let required = form.required_documents(&answers);
    let mut case = ctx.attachments.case(id).await?;
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
    let workflow = ctx.catalogue.workflow_of(&draft.value.service).await.map_err(Problem::from)?;
    let documents: Vec<RequiredDocument> = required.iter().copied().map(RequiredDocument::from).collect();
    let email_key = tokens::email_key(&email);
    for attempt in 0..SUBMIT_ATTEMPTS {
        if attempt > 0 {
            case = ctx.attachments.case(id).await?;
            missing_documents(&required, &case)?;
        }
        // The request keeps the files that count for a document it needs;
        // the others (lapsed uploads, infected files, documents the final
        // answers no longer ask for) go.
        let (_, dropped): (Vec<_>, Vec<_>) = case
            .files
            .iter()
            .partition(|f| f.value.counts() && documents.iter().any(|d| d.id == f.value.document));
        let now = ctx.now();
        let mut files = vec![case.kept_by_request()];
        files.extend(case.deletions(dropped.iter().copied(), now)?);
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
            .repository
            .submit(Submission {
                days: moment.days(),
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
                tracing::info!(service = %request.service, "request submitted");
                return Ok(receipt.receipt);
            }
            Err(RepositoryError::Store(StoreError::TransactionConflict)) => continue,
            Err(RepositoryError::Store(StoreError::ConditionFailed)) => {
                // Either the draft moved on (saved, submitted, abandoned),
                // or the code was spent, or the reference was taken: only
                // the last is worth another try.
                let still = ctx.repository.draft(id, ctx.now()).await?;
                if still.is_none_or(|d| d.version != draft.version) {
                    return Err(Failure::MovedOn(stale_draft()));
                }
                // A file confirmed or removed meanwhile: read them again.
                if code_version.is_some() {
                    let code = ctx.repository.code(id, ctx.now()).await?;
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
    Err(Failure::Final(Problem::internal("no free reference after several draws")))
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
