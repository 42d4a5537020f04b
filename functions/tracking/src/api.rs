//! HTTP handlers of the tracking function.

use gru_records::progress;

use crate::PREFIX;
use crate::inbox::{self, Due, Filter, Sort};
use crate::views::{self, Colleague, Detail, HistoryView, InboxRow, Row, TransitionView};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use gru_domain::request::Phase;
use gru_domain::request::{Assignee, Request};
use gru_domain::workflow::{self, Workflow};
use gru_ports::{StoreError, TransactOp};
use gru_records::agents::Directory;
use gru_records::case_files::AttachmentRepository;
use gru_records::catalogue::CatalogueRepository;
use gru_records::progress::{Author, Moment};
use gru_records::requests::{Repository, RepositoryError, Versioned};
use gru_records::thread_state;
use gru_records::timeline::status_of;
use gru_web::agent::{Agent, forbidden};
use gru_web::{Json, Platform, Problem, Query, Role};
use jiff::civil::Date;
use serde::Deserialize;
use std::collections::HashMap;

/// Rows per inbox page unless told, and at most.
const DEFAULT_LIMIT: u32 = 50;
const MAX_LIMIT: u32 = 200;
/// The longest comment an agent may add to a change.
const MAX_COMMENT_CHARS: usize = 2000;
/// The longest search text.
const MAX_QUERY_CHARS: usize = 200;
/// Tries of a change whose transaction met another one on the same request
/// (DynamoDB's `TransactionConflict`) while the request is still as read.
const WRITE_ATTEMPTS: u32 = 3;

/// The state every handler shares.
type Ctx = gru_web::Ctx<Inner>;

struct Inner {
    platform: Platform,
    repository: Repository,
    attachments: AttachmentRepository,
    catalogue: CatalogueRepository,
    directory: Directory,
}

/// The tracking function's routes, under [`PREFIX`].
pub fn router(platform: &Platform) -> Router {
    let store = &platform.store;
    let ctx = Ctx::new(
        platform,
        Inner {
            repository: Repository::new(store.clone()),
            attachments: AttachmentRepository::new(store.clone()),
            catalogue: CatalogueRepository::new(store.clone()),
            directory: Directory::new(store.clone()),
            platform: platform.clone(),
        },
    );
    let routes = Router::new()
        .route("/inbox", get(inbox))
        .route("/requests/{reference}", get(read_request))
        .route("/requests/{reference}/transitions", post(transition))
        .route("/requests/{reference}/letter", get(letter))
        .route("/requests/{reference}/assignee", post(assign))
        .route("/agents", get(colleagues))
        .route("/audit", get(audit))
        .with_state(ctx);
    gru_web::mount(PREFIX, routes)
}

/// 404 for a request that does not exist and for one of a service the agent
/// does not handle alike: the back office does not tell which references
/// exist outside the agent's services.
fn unknown_request() -> Problem {
    Problem::not_found("Aucune demande de vos services ne porte cette référence.")
}

/// 409: the request changed since the agent read it (another agent acted).
fn conflict() -> Problem {
    Problem::new(
        StatusCode::CONFLICT,
        "conflict",
        "Demande modifiée entre-temps",
        "Cette demande a été modifiée par quelqu'un d'autre depuis que vous l'avez ouverte. \
         Rechargez-la pour voir son état actuel, puis refaites votre action si elle a toujours lieu d'être.",
    )
}

impl Inner {
    /// Now, and today in the city's time zone with its public holidays.
    async fn moment(&self) -> Result<Moment, Problem> {
        Ok(self.catalogue.moment(self.platform.clock.now()).await?)
    }

    async fn workflow(&self, service: &str) -> Result<Workflow, Problem> {
        Ok(self.catalogue.workflow_of(service).await?)
    }

    /// A request of a service the agent handles (404 otherwise).
    async fn request_for(&self, agent: &Agent, reference: &str) -> Result<Versioned<Request>, Problem> {
        self.repository
            .request_versioned(reference)
            .await?
            .filter(|r| agent.handles(&r.value.service))
            .ok_or_else(unknown_request)
    }

    /// Writes a change of `current` (see [`Repository::change_request`]):
    /// 409 when another change landed since it was read. A transaction that
    /// met another one in flight (DynamoDB cancels both) is tried again
    /// while the request is still as read.
    async fn write_change(
        &self,
        current: &Versioned<Request>,
        next: &Request,
        citizen_label: &str,
        moment: &Moment,
        extra: Vec<TransactOp>,
    ) -> Result<u64, Problem> {
        let repository = &self.repository;
        for attempt in 1..=WRITE_ATTEMPTS {
            match repository.change_request(current, next, citizen_label, moment.days(), extra.clone()).await
            {
                Ok(version) => return Ok(version),
                Err(RepositoryError::Store(StoreError::ConditionFailed)) => return Err(conflict()),
                Err(RepositoryError::Store(StoreError::TransactionConflict)) => {
                    tokio::time::sleep(std::time::Duration::from_millis(20 * u64::from(attempt))).await;
                    let now = repository.request_versioned(&current.value.reference).await?;
                    if now.is_none_or(|r| r.version != current.version) {
                        return Err(conflict());
                    }
                }
                Err(other) => return Err(other.into()),
            }
        }
        Err(conflict())
    }

    /// The request in full for `agent`.
    async fn detail(
        &self,
        agent: &Agent,
        request: Versioned<Request>,
        today: Date,
    ) -> Result<Detail, Problem> {
        let Versioned { value: request, version } = request;
        let workflow = self.workflow(&request.service).await?;
        let summary = self.catalogue.summary_of(&request).await?;
        let documents = self.attachments.documents_of(&request).await?;
        let status = status_of(&workflow, &request);
        let transitions = workflow
            .transitions_from(&status.id, actor(agent.role))
            .into_iter()
            .filter_map(|t| {
                let to = workflow.status(&t.to)?;
                Some(TransitionView {
                    to: t.to.clone(),
                    label: t.label.clone(),
                    status: to.into(),
                    emails_citizen: to.email.is_some(),
                    asks_reason: to.phase.asks_reason(),
                })
            })
            .collect();
        Ok(Detail {
            row: Row::new(&request, &workflow, today),
            version,
            form_version: request.form_version,
            postal_address: request.postal_address.clone(),
            summary,
            documents,
            history: request.history.iter().map(|h| HistoryView::new(h, &workflow)).collect(),
            next_step: status.next_step.clone(),
            resume_status: request.resume_status.clone(),
            transitions,
            assignment: views::assignment_rights(agent.role, &agent.id, &request),
            open311: request.open311,
            answers: request.answers,
        })
    }
}

/// The workflow's name for who acts, from the agent's role.
fn actor(role: Role) -> workflow::Actor {
    match role {
        Role::Agent => workflow::Actor::Agent,
        Role::Supervisor => workflow::Actor::Supervisor,
        Role::Admin => workflow::Actor::Admin,
    }
}

fn author(agent: &Agent) -> Author<'_> {
    Author { id: &agent.id, name: Some(&agent.name) }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InboxParams {
    service: Option<String>,
    phase: Option<Phase>,
    status: Option<String>,
    /// `me`, `none` or an agent's id.
    assignee: Option<String>,
    due: Option<Due>,
    channel: Option<String>,
    #[serde(default)]
    sort: Sort,
    q: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

/// One page of the inbox.
#[derive(serde::Serialize)]
struct InboxPage {
    requests: Vec<InboxRow>,
    /// Rows matching, over every page.
    total: usize,
    /// To ask for the next page (`cursor`), if any.
    next: Option<String>,
}

/// The requests of the agent's services, filtered, sorted and paged.
///
/// Reads: one index query per (service, phase) of the selection; `q` as a
/// reference is one get, as an email one query of the citizen's list and
/// one get per request listed in the agent's services; then one get per
/// row of the page, its thread's counters ([`thread_state`]).
async fn inbox(
    State(ctx): State<Ctx>,
    agent: Agent,
    Query(params): Query<InboxParams>,
) -> Result<Response, Problem> {
    let services: Vec<String> = match &params.service {
        Some(service) => {
            checked_slug(service, "service")?;
            agent.require_service(service)?;
            vec![service.clone()]
        }
        None if agent.role >= Role::Supervisor => {
            ctx.catalogue.all_summaries().await?.into_iter().map(|s| s.slug).collect()
        }
        None => agent.services.clone(),
    };
    let limit = params.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(Problem::bad_request("invalid-query", "Un paramètre de la requête est invalide.")
            .with_field("limit", format!("De 1 à {MAX_LIMIT}.")));
    }
    let offset = match params.cursor.as_deref().filter(|c| !c.is_empty()) {
        None => 0,
        Some(cursor) => cursor.parse::<usize>().map_err(|_| {
            Problem::bad_request("invalid-query", "Le curseur de pagination est invalide.")
                .with_field("cursor", "Reprenez la liste depuis le début.")
        })?,
    };
    let q = params.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    if q.is_some_and(|q| q.chars().count() > MAX_QUERY_CHARS) {
        return Err(Problem::bad_request("invalid-query", "La recherche est trop longue.")
            .with_field("q", format!("{MAX_QUERY_CHARS} caractères au plus.")));
    }
    let moment = ctx.moment().await?;
    let filter = Filter {
        services: &services,
        service: params.service.as_deref(),
        phase: params.phase,
        status: params.status.as_deref(),
        channel: params.channel.as_deref(),
        assignee: params.assignee.as_deref().map(|a| match a {
            "me" => Some(agent.id.as_str()),
            "none" => None,
            id => Some(id),
        }),
        due: params.due,
        q,
        sort: params.sort,
    };
    let rows = inbox::requests(&ctx.repository, &agent, &filter, moment.today).await?;
    let total = rows.len();
    let end = offset.saturating_add(limit as usize).min(total);
    let mut workflows: HashMap<String, Workflow> = HashMap::new();
    let mut page = Vec::new();
    for request in rows.iter().skip(offset).take(limit as usize) {
        if !workflows.contains_key(&request.service) {
            workflows.insert(request.service.clone(), ctx.workflow(&request.service).await?);
        }
        let unread = thread_state::read(ctx.platform.store.as_ref(), &request.reference).await?;
        page.push(InboxRow {
            row: Row::new(request, &workflows[&request.service], moment.today),
            unread: unread.state.agents_unread,
        });
    }
    let next = (end < total).then(|| end.to_string());
    Ok(axum::Json(InboxPage { requests: page, total, next }).into_response())
}

/// A request in full. Every read is in the audit trail.
async fn read_request(
    State(ctx): State<Ctx>,
    agent: Agent,
    Path(reference): Path<String>,
) -> Result<Response, Problem> {
    let request = ctx.request_for(&agent, &reference).await?;
    let moment = ctx.moment().await?;
    ctx.shared().audit.record(&agent, "request.read", Some(&request.value.reference), None).await?;
    Ok(axum::Json(ctx.detail(&agent, request, moment.today).await?).into_response())
}

/// The letter about where the request stands, for a citizen without an
/// email address (the agent prints and posts it).
async fn letter(
    State(ctx): State<Ctx>,
    agent: Agent,
    Path(reference): Path<String>,
) -> Result<Response, Problem> {
    let request = ctx.request_for(&agent, &reference).await?;
    let workflow = ctx.workflow(&request.value.service).await?;
    let city = ctx.catalogue.imported_city().await?;
    let moment = ctx.moment().await?;
    ctx.shared().audit.record(&agent, "request.letter", Some(&request.value.reference), None).await?;
    Ok(axum::Json(crate::letters::letter(&request.value, &workflow, &city, moment.today)).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TransitionBody {
    /// The status to move to.
    to: String,
    /// The version the agent read.
    version: u64,
    /// Why, for colleagues (never shown to the citizen).
    comment: Option<String>,
    /// Why, for the citizen: required when the status refuses or closes
    /// the request.
    reason: Option<String>,
}

/// Moves a request to another status of its workflow, as the workflow
/// allows the agent's role, with what entering it does (email to the
/// citizen, deadline), its history entry and its audit entry, in one
/// transaction on the version the agent read.
async fn transition(
    State(ctx): State<Ctx>,
    agent: Agent,
    Path(reference): Path<String>,
    Json(body): Json<TransitionBody>,
) -> Result<Response, Problem> {
    let comment = checked_text(body.comment, "comment")?;
    let reason = checked_text(body.reason, "reason")?;
    let current = ctx.request_for(&agent, &reference).await?;
    if current.version != body.version {
        return Err(conflict());
    }
    let workflow = ctx.workflow(&current.value.service).await?;
    let from = status_of(&workflow, &current.value);
    let to = workflow
        .status(&body.to)
        .filter(|_| workflow.allows(&from.id, &body.to, actor(agent.role)))
        .ok_or_else(|| {
            Problem::unprocessable(
                "transition-not-allowed",
                format!(
                    "Cette demande ne peut pas passer de « {} » à ce statut, ou pas avec votre rôle.",
                    from.agent_label
                ),
            )
            .with_field("to", "Choisissez une des actions proposées pour cette demande.")
        })?;
    if to.phase.asks_reason() && reason.is_none() {
        return Err(Problem::unprocessable(
            "reason-required",
            format!("Pour passer la demande à « {} », donnez-en le motif.", to.agent_label),
        )
        .with_field("reason", "Écrivez le motif : le demandeur le lira dans le suivi de sa demande."));
    }
    let moment = ctx.moment().await?;
    let moved = progress::move_to(
        &current.value,
        &workflow,
        to,
        author(&agent),
        progress::Words { comment, reason },
        moment.clone(),
        &ctx.platform.settings.public_url,
    );
    let mut extra = Vec::new();
    if let Some(email) = &moved.email {
        extra.push(gru_outbox::enqueue(email, &moved.event, moment.now).map_err(Problem::internal)?);
    }
    let detail = format!("{} -> {}", from.id, to.id);
    extra.push(ctx.shared().audit.entry(
        &agent,
        "request.transition",
        Some(&current.value.reference),
        Some(&detail),
    ));
    let version = ctx.write_change(&current, &moved.request, &to.citizen_label, &moment, extra).await?;
    tracing::info!(service = %moved.request.service, from = %from.id, to = %to.id, "request moved");
    let request = Versioned { value: moved.request, version };
    Ok(axum::Json(ctx.detail(&agent, request, moment.today).await?).into_response())
}

/// 400 unless `slug` has the shape of a service's slug (so it can be a key).
fn checked_slug(slug: &str, field: &str) -> Result<(), Problem> {
    if gru_domain::catalogue::is_valid_slug(slug) {
        Ok(())
    } else {
        Err(Problem::bad_request("invalid-query", "Un paramètre de la requête est invalide.")
            .with_field(field, "Un service comme etat-civil."))
    }
}

/// An agent's text (`field`: a comment, a reason) trimmed, `None` when
/// blank; 400 when too long.
fn checked_text(text: Option<String>, field: &str) -> Result<Option<String>, Problem> {
    let text = text.map(|c| c.trim().to_owned()).filter(|c| gru_domain::text::has_visible(c));
    if text.as_ref().is_some_and(|c| c.chars().count() > MAX_COMMENT_CHARS) {
        return Err(Problem::bad_request("invalid-body", "Ce texte est trop long.")
            .with_field(field, format!("{MAX_COMMENT_CHARS} caractères au plus.")));
    }
    Ok(text)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AssigneeBody {
    /// The agent to give the request to; `null` to leave it unassigned.
    agent: Option<String>,
    version: u64,
}

/// Gives a request to an agent, or releases it. Any agent of the service
/// takes it for themselves or releases their own; giving it to a colleague,
/// or releasing someone else's, is a supervisor's.
async fn assign(
    State(ctx): State<Ctx>,
    agent: Agent,
    Path(reference): Path<String>,
    Json(body): Json<AssigneeBody>,
) -> Result<Response, Problem> {
    let current = ctx.request_for(&agent, &reference).await?;
    if current.version != body.version {
        return Err(conflict());
    }
    let assignee = match body.agent {
        Some(id) if id == agent.id => Some(Assignee { id, name: agent.name.clone() }),
        Some(id) => {
            agent.require_role(Role::Supervisor)?;
            let colleague = ctx.directory.get(&id).await?;
            let colleague =
                colleague.filter(|c| c.active && c.handles(&current.value.service)).ok_or_else(|| {
                    Problem::unprocessable(
                        "invalid-assignee",
                        "Cet agent n'existe pas, est désactivé ou ne traite pas ce service.",
                    )
                    .with_field("agent", "Choisissez un agent du service.")
                })?;
            Some(Assignee { id: colleague.id, name: colleague.name })
        }
        None => {
            let own = current.value.assignee.as_ref().is_some_and(|a| a.id == agent.id);
            if !own && agent.role < Role::Supervisor {
                return Err(forbidden(
                    "Seul l'agent chargé de la demande ou un superviseur peut la libérer.",
                ));
            }
            None
        }
    };
    let moment = ctx.moment().await?;
    if current.value.assignee.as_ref().map(|a| &a.id) == assignee.as_ref().map(|a| &a.id) {
        // Already so: nothing to write, nothing to record.
        return Ok(axum::Json(ctx.detail(&agent, current, moment.today).await?).into_response());
    }
    let next = progress::assign(&current.value, assignee.clone(), author(&agent), moment.now);
    let workflow = ctx.workflow(&next.service).await?;
    let citizen_label = status_of(&workflow, &next).citizen_label.clone();
    let detail = assignee.as_ref().map_or("none", |a| a.id.as_str()).to_owned();
    let audit = ctx.shared().audit.entry(&agent, "request.assign", Some(&next.reference), Some(&detail));
    let version = ctx.write_change(&current, &next, &citizen_label, &moment, vec![audit]).await?;
    let request = Versioned { value: next, version };
    Ok(axum::Json(ctx.detail(&agent, request, moment.today).await?).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ColleaguesParams {
    service: String,
}

/// The active agents who handle a service (to assign its requests), by name.
async fn colleagues(
    State(ctx): State<Ctx>,
    agent: Agent,
    Query(params): Query<ColleaguesParams>,
) -> Result<Response, Problem> {
    checked_slug(&params.service, "service")?;
    agent.require_service(&params.service)?;
    let agents: Vec<Colleague> = ctx
        .directory
        .list()
        .await?
        .into_iter()
        .filter(|a| a.active && a.handles(&params.service))
        .map(|a| Colleague { id: a.id, name: a.name, role: a.role })
        .collect();
    Ok(axum::Json(serde_json::json!({ "agents": agents })).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditParams {
    /// A UTC day, `YYYY-MM-DD`.
    day: Option<Date>,
    reference: Option<String>,
}

/// The audit trail of a day or of a request (admins).
async fn audit(
    State(ctx): State<Ctx>,
    agent: Agent,
    Query(params): Query<AuditParams>,
) -> Result<Response, Problem> {
    agent.require_role(Role::Admin)?;
    let trail = &ctx.shared().audit;
    let entries = match (params.day, params.reference) {
        (Some(day), None) => trail.day(day).await,
        (None, Some(reference)) => {
            let reference = reference.trim().to_uppercase();
            if reference.is_empty() || reference.len() > 20 {
                return Err(Problem::bad_request("invalid-query", "Cette référence est invalide.")
                    .with_field("reference", "Une référence comme ABCD-2345."));
            }
            trail.of_request(&reference).await
        }
        _ => {
            return Err(Problem::bad_request("invalid-query", "Indiquez soit un jour, soit une référence.")
                .with_field("day", "Un jour (AAAA-MM-JJ) ou une référence, pas les deux."));
        }
    }?;
    Ok(axum::Json(serde_json::json!({ "entries": entries })).into_response())
}
