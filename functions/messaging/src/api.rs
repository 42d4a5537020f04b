//! HTTP handlers of the messaging function: who may reach which thread,
//! and the answers. Writing a message is in [`crate::post`], what each side
//! sees in [`crate::views`].

use crate::PREFIX;
use crate::post::{self, Draft, Poster};
use crate::repository::{Thread, ThreadRepository};
use crate::thread::Side;
use crate::views::{AgentThreadView, CitizenThreadView};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{self, get};
use gru_domain::request::Request;
use gru_domain::workflow::Actor;
use gru_ports::StoreError;
use gru_records::access;
use gru_records::agents::Directory;
use gru_records::case_files::AttachmentRepository;
use gru_records::catalogue::CatalogueRepository;
use gru_records::requests::{Repository, RepositoryError, Versioned};
use gru_web::agent::{Agent, Role};
use gru_web::session::Citizen;
use gru_web::{ClientAddress, Json, Platform, Problem, tokens};
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Tries of a read that keep losing to new messages before the thread is
/// shown without being marked read (it will be on the next read).
const READ_ATTEMPTS: usize = 5;

/// One rate limit on citizens' messages: at most `hits` per `window`.
struct Limit {
    bucket: &'static str,
    hits: u32,
    window: SignedDuration,
}

/// Citizens' messages on one request, whoever sends them (session or
/// tracking link): each one may email the assigned agent and lands in the
/// agents' inbox.
const MESSAGES_PER_REQUEST: Limit =
    Limit { bucket: "message-request", hits: 20, window: SignedDuration::from_hours(1) };
/// Citizens' messages from one client address, over every request.
const MESSAGES_PER_ADDRESS: Limit =
    Limit { bucket: "message-address", hits: 60, window: SignedDuration::from_hours(1) };

/// The state every handler shares.
pub(crate) type Ctx = gru_web::Ctx<Inner>;

pub(crate) struct Inner {
    pub(crate) platform: Platform,
    pub(crate) requests: Repository,
    pub(crate) threads: ThreadRepository,
    pub(crate) files: AttachmentRepository,
    pub(crate) catalogue: CatalogueRepository,
    pub(crate) directory: Directory,
}

/// The messaging function's routes, under [`PREFIX`].
pub fn router(platform: &Platform) -> Router {
    let store = &platform.store;
    let ctx = Ctx::new(
        platform,
        Inner {
            requests: Repository::new(store.clone()),
            threads: ThreadRepository::new(store.clone()),
            files: AttachmentRepository::new(store.clone()),
            catalogue: CatalogueRepository::new(store.clone()),
            directory: Directory::new(store.clone()),
            platform: platform.clone(),
        },
    );
    let routes = Router::new()
        .route("/requests/{reference}/thread", get(citizen_thread).post(citizen_post))
        .route("/tracking/thread", routing::post(tracking_thread))
        .route("/tracking/thread/messages", routing::post(tracking_post))
        .route("/agent/requests/{reference}/thread", get(agent_thread).post(agent_post))
        .route("/unread", get(unread))
        .with_state(ctx);
    gru_web::mount(PREFIX, routes)
}

/// The one answer for a request that does not exist and for one the caller
/// may not reach: references are short, and nobody learns which exist.
pub(crate) fn unknown_request() -> Problem {
    Problem::not_found("Aucune demande accessible ne porte cette référence.")
}

fn unknown_link() -> Problem {
    Problem::not_found("Ce lien de suivi n'est pas valable. Vérifiez qu'il est complet.")
}

/// Whether a lost write is worth another try: a condition that no longer
/// holds, or a transaction that met another one.
pub(crate) fn lost_race(error: &RepositoryError) -> bool {
    matches!(error, RepositoryError::Store(StoreError::ConditionFailed | StoreError::TransactionConflict))
}

/// What a workflow calls the agent's role.
pub(crate) fn actor(agent: &Agent) -> Actor {
    match agent.role {
        Role::Agent => Actor::Agent,
        Role::Supervisor => Actor::Supervisor,
        Role::Admin => Actor::Admin,
    }
}

impl Inner {
    pub(crate) fn now(&self) -> Timestamp {
        self.platform.clock.now()
    }

    /// The signed-in citizen's request, or the unknown-request answer.
    async fn citizen_request(&self, reference: &str, citizen: &Citizen) -> Result<Request, Problem> {
        access::citizen_request(&self.requests, reference, citizen).await?.ok_or_else(unknown_request)
    }

    async fn tracked_request(&self, token: &str) -> Result<Request, Problem> {
        access::tracked_request(&self.requests, token).await?.ok_or_else(unknown_link)
    }

    /// A request of a service the agent handles, or the unknown-request answer.
    async fn agent_request(&self, reference: &str, agent: &Agent) -> Result<Versioned<Request>, Problem> {
        let request = self.requests.request_versioned(reference).await?;
        request.filter(|r| agent.handles(&r.value.service)).ok_or_else(unknown_request)
    }

    /// The thread, marked read for `side` when it had something new. The
    /// answer is the thread as read (the markers before this read say what
    /// was new). A read that keeps losing to new messages shows the thread
    /// unmarked: the next read marks it.
    async fn read(&self, reference: &str, side: Side) -> Result<Thread, Problem> {
        for _ in 0..READ_ATTEMPTS {
            let thread = self.threads.thread(reference, side).await?;
            match self.threads.mark_read(reference, &thread, side, self.now()).await {
                Ok(()) => return Ok(thread),
                Err(error) if lost_race(&error) => continue,
                Err(error) => return Err(error.into()),
            }
        }
        Ok(self.threads.thread(reference, side).await?)
    }
}

/// Counts a citizen's message on `subject` against `limit`: 429
/// `rate-limited` past it.
async fn limit(ctx: &Ctx, limit: &Limit, subject: &str) -> Result<(), Problem> {
    ctx.shared().limiter.hit(limit.bucket, subject, limit.hits, limit.window).await
}

/// Counts a citizen's message from `address` (when the deployment tells
/// it) and on `request`: 429 `rate-limited` past either limit. The address
/// is counted before the request is looked up, so guessing costs as much as
/// writing.
async fn limit_address(ctx: &Ctx, address: &ClientAddress) -> Result<(), Problem> {
    match address.rate_limit_subject() {
        Some(subject) => limit(ctx, &MESSAGES_PER_ADDRESS, &subject).await,
        None => Ok(()),
    }
}

/// Counts a citizen's message on `request`: 429 `rate-limited` past the limit.
async fn limit_request(ctx: &Ctx, request: &Request) -> Result<(), Problem> {
    limit(ctx, &MESSAGES_PER_REQUEST, &request.reference).await
}

/// The thread as its citizen sees it, marked read.
async fn citizen_view(ctx: &Ctx, request: &Request) -> Result<Response, Problem> {
    let thread = ctx.read(&request.reference, Side::Citizen).await?;
    Ok(axum::Json(CitizenThreadView::new(request, &thread)).into_response())
}

async fn citizen_thread(
    State(ctx): State<Ctx>,
    citizen: Citizen,
    Path(reference): Path<String>,
) -> Result<Response, Problem> {
    let request = ctx.citizen_request(&reference, &citizen).await?;
    citizen_view(&ctx, &request).await
}

/// A message from the citizen.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CitizenMessage {
    text: String,
    #[serde(default)]
    files: Vec<String>,
}

async fn citizen_post(
    State(ctx): State<Ctx>,
    citizen: Citizen,
    address: ClientAddress,
    Path(reference): Path<String>,
    Json(body): Json<CitizenMessage>,
) -> Result<Response, Problem> {
    limit_address(&ctx, &address).await?;
    let request = ctx.citizen_request(&reference, &citizen).await?;
    limit_request(&ctx, &request).await?;
    let draft = Draft { text: body.text, files: body.files, internal: false, ask: None };
    let posted = post::post(&ctx, request, Poster::Citizen, draft).await?;
    Ok(created(posted.for_citizen()))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TrackingBody {
    token: String,
}

/// The thread through the tracking link. The token travels in the body,
/// never in a URL (no access log holds it).
async fn tracking_thread(
    State(ctx): State<Ctx>,
    Json(body): Json<TrackingBody>,
) -> Result<Response, Problem> {
    let request = ctx.tracked_request(&body.token).await?;
    citizen_view(&ctx, &request).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TrackingMessage {
    token: String,
    text: String,
    #[serde(default)]
    files: Vec<String>,
}

async fn tracking_post(
    State(ctx): State<Ctx>,
    address: ClientAddress,
    Json(body): Json<TrackingMessage>,
) -> Result<Response, Problem> {
    limit_address(&ctx, &address).await?;
    let request = ctx.tracked_request(&body.token).await?;
    limit_request(&ctx, &request).await?;
    let draft = Draft { text: body.text, files: body.files, internal: false, ask: None };
    let posted = post::post(&ctx, request, Poster::Citizen, draft).await?;
    Ok(created(posted.for_citizen()))
}

/// The thread with the agents' notes, marked read for agents. Reading is
/// audited first: no one reads a thread without a trace.
async fn agent_thread(
    State(ctx): State<Ctx>,
    agent: Agent,
    Path(reference): Path<String>,
) -> Result<Response, Problem> {
    let Versioned { value: request, version } = ctx.agent_request(&reference, &agent).await?;
    ctx.shared().audit.record(&agent, "thread.read", Some(&request.reference), None).await?;
    let thread = ctx.read(&request.reference, Side::Agents).await?;
    let workflow = ctx.catalogue.workflow_of(&request.service).await?;
    let can_ask = workflow
        .waiting_status()
        .is_some_and(|waiting| workflow.allows(&request.status, &waiting.id, actor(&agent)));
    Ok(axum::Json(AgentThreadView::new(&request, version, can_ask, &thread)).into_response())
}

/// Asking the citizen, on the version of the request the agent saw.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Ask {
    version: u64,
}

/// A message or an internal note from an agent.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AgentMessage {
    text: String,
    #[serde(default)]
    internal: bool,
    #[serde(default)]
    files: Vec<String>,
    #[serde(default)]
    ask: Option<Ask>,
}

async fn agent_post(
    State(ctx): State<Ctx>,
    agent: Agent,
    Path(reference): Path<String>,
    Json(body): Json<AgentMessage>,
) -> Result<Response, Problem> {
    let request = ctx.agent_request(&reference, &agent).await?.value;
    let draft = Draft {
        text: body.text,
        files: body.files,
        internal: body.internal,
        ask: body.ask.map(|ask| ask.version),
    };
    let posted = post::post(&ctx, request, Poster::Agent(&agent), draft).await?;
    Ok(created(posted.for_agents()))
}

fn created(body: impl serde::Serialize) -> Response {
    (StatusCode::CREATED, axum::Json(body)).into_response()
}

/// How many agents' messages the citizen has not read, per request: one
/// get of each request's counters.
async fn unread(State(ctx): State<Ctx>, citizen: Citizen) -> Result<Response, Problem> {
    let requests = ctx.requests.requests_of(&tokens::email_key(&citizen.email)).await?;
    let mut counts = BTreeMap::new();
    for request in requests {
        let state = ctx.threads.state(&request.reference).await?;
        counts.insert(request.reference, state.state.citizen_unread);
    }
    Ok(axum::Json(counts).into_response())
}
