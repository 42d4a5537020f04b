//! Writing a message: the checks, then one transaction holding the message,
//! the thread's counters (on the version read), the email to the other side
//! (through the outbox), the agent's audit entry and, when the message
//! moves the request, the request on its version (a citizen's message that
//! moves nothing checks the version it was decided on: a request set
//! waiting meanwhile must be moved back). Losing to a concurrent write of
//! the same thread or request means deciding again on a new reading; only
//! an agent's `ask` on a version that is no longer the request's is refused
//! (409), since the agent decided on what they saw.

use crate::api::{Ctx, actor, lost_race, unknown_request};
use crate::emails;
use crate::thread::{Author, MAX_FILES, Message, MessageFile, text_problem};
use crate::views::{MessageView, PostedView};
use axum::http::StatusCode;
use gru_domain::indicators::message_sent;
use gru_domain::request::Phase;
use gru_domain::request::Request;
use gru_domain::workflow::{Actor, Workflow};
use gru_ports::{Email, TransactOp};
use gru_records::case_files::{THREAD_DOCUMENT, request_case};
use gru_records::indicators::{self, Family};
use gru_records::progress;
use gru_records::progress::{Moment, Moved};
use gru_records::requests::{Versioned, request_unchanged};
use gru_records::thread_state::StoredState;
use gru_web::Problem;
use gru_web::agent::Agent;
use std::collections::HashSet;

/// Tries of a message losing to concurrent writes on its thread: each try
/// that fails means another message landed, so this bounds the writers
/// racing on one thread, not the time.
const ATTEMPTS: u32 = 30;

/// Who writes.
#[derive(Clone, Copy)]
pub(crate) enum Poster<'a> {
    /// The request's citizen, signed in or with the tracking link.
    Citizen,
    Agent(&'a Agent),
}

/// A message as sent, before its checks.
pub(crate) struct Draft {
    pub text: String,
    /// Ids of the request's files for the document `thread`.
    pub files: Vec<String>,
    pub internal: bool,
    /// `ask`'s request version: the message asks the citizen for something.
    pub ask: Option<u64>,
}

/// A message written, and the request as it is after it.
pub(crate) struct Posted {
    message: Message,
    request: Versioned<Request>,
}

impl Posted {
    pub(crate) fn for_citizen(&self) -> PostedView {
        PostedView {
            message: MessageView::for_citizen(&self.message, None).expect("citizens write public messages"),
            status: None,
            phase: self.request.value.phase,
            phase_label: self.request.value.phase.label(),
            version: None,
        }
    }

    pub(crate) fn for_agents(&self) -> PostedView {
        let thread = crate::repository::Thread::default();
        PostedView {
            message: MessageView::for_agents(&self.message, &thread),
            status: Some(self.request.value.status.clone()),
            phase: self.request.value.phase,
            phase_label: self.request.value.phase.label(),
            version: Some(self.request.version),
        }
    }
}

fn invalid(field: &str, message: impl Into<String>) -> Problem {
    Problem::unprocessable(
        "validation",
        "Le message est à corriger : chaque erreur est indiquée avec son champ.",
    )
    .with_field(field, message)
}

fn stale_request() -> Problem {
    Problem::new(
        StatusCode::CONFLICT,
        "conflict",
        "Demande modifiée entre-temps",
        "Cette demande a changé depuis que vous l'avez ouverte (par un collègue ou par le demandeur). \
         Rechargez-la, puis renvoyez votre message.",
    )
    .with_field("ask.version", "Ce n'est plus la version de la demande.")
}

fn busy() -> Problem {
    Problem::new(
        StatusCode::CONFLICT,
        "conflict",
        "Messages simultanés",
        "D'autres messages arrivent sur cette demande en ce moment : réessayez dans un instant.",
    )
}

/// The checks that need no read: the text, the shape of `files`, and an
/// ask that is not a note.
fn check(draft: &Draft) -> Result<(), Problem> {
    if let Some(problem) = text_problem(&draft.text) {
        return Err(invalid("text", problem));
    }
    if draft.files.len() > MAX_FILES {
        return Err(invalid("files", format!("Joignez au plus {MAX_FILES} fichiers à un message.")));
    }
    let mut seen = HashSet::new();
    if !draft.files.iter().all(|id| seen.insert(id)) {
        return Err(invalid("files", "Un même fichier est joint deux fois."));
    }
    if draft.internal && draft.ask.is_some() {
        return Err(invalid(
            "ask",
            "Une note interne n'est pas envoyée au demandeur : elle ne peut rien lui demander.",
        ));
    }
    Ok(())
}

/// The files `ids` name, each a file of the request's case for the thread,
/// whose upload is confirmed and which may be downloaded (not infected,
/// not waiting for its scan).
async fn attached_files(ctx: &Ctx, request: &Request, ids: &[String]) -> Result<Vec<MessageFile>, Problem> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let case = ctx.files.case(request_case(request)).await?;
    ids.iter()
        .map(|id| {
            case.file(id)
                .map(|f| &f.value)
                .filter(|f| f.document == THREAD_DOCUMENT && f.stored_at.is_some() && f.scan.downloadable())
                .map(|f| MessageFile {
                    id: f.id.clone(),
                    name: f.name.clone(),
                    media_type: f.format.media_type().to_owned(),
                    size: f.size,
                })
                .ok_or_else(|| {
                    invalid(
                        "files",
                        "Un fichier joint est inconnu, pas encore envoyé jusqu'au bout, en cours d'analyse \
                         antivirus ou refusé : envoyez-le d'abord, puis joignez-le.",
                    )
                })
        })
        .collect()
}

/// Now, on the city's calendar.
async fn moment(ctx: &Ctx) -> Result<Moment, Problem> {
    Ok(ctx.catalogue.moment(ctx.now()).await?)
}

/// What a message does to its request, beside being written.
struct Effect {
    /// The request moved (to the waiting status, or back from it).
    moved: Option<Moved>,
    /// The email to the other side and its event name, if one goes.
    email: Option<(Email, String)>,
}

/// The writes of one try, decided on `current` (the request as read now)
/// and `state` (the thread's counters as read now).
async fn decide(
    ctx: &Ctx,
    poster: Poster<'_>,
    draft: &Draft,
    workflow: &Workflow,
    current: &Versioned<Request>,
    state: &StoredState,
    message: &Message,
) -> Result<Effect, Problem> {
    let request = &current.value;
    let public_url = &ctx.platform.settings.public_url;
    let message_event = format!("{}#message#{}", request.reference, message.id);
    let citizen_email = |email: Email| (!request.email.trim().is_empty()).then_some(email);
    match poster {
        Poster::Agent(_) if draft.internal => Ok(Effect { moved: None, email: None }),
        Poster::Agent(agent) => {
            let link = emails::citizen_link(public_url, &request.reference);
            let Some(asked) = draft.ask else {
                let email = emails::new_message_to_citizen(
                    &request.email,
                    &request.reference,
                    &request.service_title,
                    &link,
                );
                return Ok(Effect { moved: None, email: citizen_email(email).map(|e| (e, message_event)) });
            };
            if asked != current.version {
                return Err(stale_request());
            }
            let waiting = workflow.waiting_status().ok_or_else(|| {
                Problem::unprocessable(
                    "transition-not-allowed",
                    "Le circuit de cette démarche ne prévoit pas d'attendre une réponse du demandeur.",
                )
                .with_field("ask", "Envoyez un message simple.")
            })?;
            if !workflow.allows(&request.status, &waiting.id, actor(agent)) {
                return Err(Problem::unprocessable(
                    "transition-not-allowed",
                    "Depuis son statut actuel, cette demande ne peut pas passer en attente du demandeur.",
                )
                .with_field("ask", "Envoyez un message simple."));
            }
            let by = progress::Author { id: &agent.id, name: Some(&agent.name) };
            let moved = progress::move_to(
                request,
                workflow,
                waiting,
                by,
                Default::default(),
                moment(ctx).await?,
                public_url,
            );
            // One email: the waiting status's own when the workflow has one,
            // or ours; it announces both the message and the wait.
            let email = moved.email.clone().unwrap_or_else(|| {
                emails::request_for_complement(
                    &request.email,
                    &request.reference,
                    &request.service_title,
                    &link,
                )
            });
            let event = moved.event.clone();
            Ok(Effect { email: citizen_email(email).map(|e| (e, event)), moved: Some(moved) })
        }
        Poster::Citizen => {
            let moved = match answered_status(workflow, request) {
                Some(to) => {
                    let by = progress::Author { id: "citizen", name: None };
                    // The status's email to the citizen is left out: they
                    // made the change and see it on their page.
                    Some(progress::move_to(
                        request,
                        workflow,
                        to,
                        by,
                        Default::default(),
                        moment(ctx).await?,
                        public_url,
                    ))
                }
                None => None,
            };
            // One email per burst: a message the agents already have
            // something unread before was announced by the email of the
            // first; an answer that moves the request is always announced.
            let email = if moved.is_some() || state.state.agents_unread == 0 {
                assignee_email(ctx, request, moved.as_ref(), workflow).await?
            } else {
                None
            };
            let event = moved.as_ref().map_or(message_event, |m| m.event.clone());
            Ok(Effect { email: email.map(|e| (e, event)), moved })
        }
    }
}

/// Where the citizen's answer moves a request waiting for it: back to the
/// status it was asked from, or else where the workflow lets the citizen
/// move it; nowhere when it is not waiting.
fn answered_status<'w>(
    workflow: &'w Workflow,
    request: &Request,
) -> Option<&'w gru_domain::workflow::Status> {
    if request.phase != Phase::WaitingForCitizen {
        return None;
    }
    request.resume_status.as_deref().and_then(|id| workflow.status(id)).or_else(|| {
        workflow
            .transitions_from(&request.status, Actor::Citizen)
            .first()
            .and_then(|transition| workflow.status(&transition.to))
    })
}

/// The email telling the request's agent that the citizen wrote (or
/// answered, when it moved the request), if the request is assigned to an
/// active agent.
async fn assignee_email(
    ctx: &Ctx,
    request: &Request,
    moved: Option<&Moved>,
    workflow: &Workflow,
) -> Result<Option<Email>, Problem> {
    let Some(assignee) = &request.assignee else { return Ok(None) };
    let Some(agent) = ctx.directory.get(&assignee.id).await?.filter(|a| a.active) else {
        return Ok(None);
    };
    let link = emails::agent_link(&ctx.platform.settings.public_url, &request.reference);
    let (reference, title) = (&request.reference, &request.service_title);
    Ok(Some(match moved {
        Some(moved) => {
            let status = workflow
                .status(&moved.request.status)
                .map_or(moved.request.status.as_str(), |s| &s.agent_label);
            emails::answer_to_agent(&agent.email, reference, title, status, &link)
        }
        None => emails::new_message_to_agent(&agent.email, reference, title, &link),
    }))
}

/// Writes `draft` on `request`'s thread as `poster`; see the module documentation.
pub(crate) async fn post(
    ctx: &Ctx,
    request: Request,
    poster: Poster<'_>,
    draft: Draft,
) -> Result<Posted, Problem> {
    check(&draft)?;
    let files = attached_files(ctx, &request, &draft.files).await?;
    let workflow = ctx.catalogue.workflow_of(&request.service).await?;
    let reference = request.reference;
    let author = match poster {
        Poster::Citizen => Author::Citizen,
        Poster::Agent(agent) => Author::Agent { id: agent.id.clone(), name: agent.name.clone() },
    };
    // The city's days, read once for every try.
    let city = moment(ctx).await?;
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            // A short pause, growing and spread, so racing writers stop meeting.
            let micros = rand::random_range(0..500 * u64::from(attempt.min(10)));
            tokio::time::sleep(std::time::Duration::from_micros(micros)).await;
        }
        let current = ctx.requests.request_versioned(&reference).await?.ok_or_else(unknown_request)?;
        let state = ctx.threads.state(&reference).await?;
        let message = Message {
            id: gru_web::tokens::hex_id::<12>(),
            at: state.state.next_at(ctx.now()),
            author: author.clone(),
            internal: draft.internal,
            text: draft.text.clone(),
            files: files.clone(),
        };
        let effect = decide(ctx, poster, &draft, &workflow, &current, &state, &message).await?;
        let mut ops: Vec<TransactOp> = ctx.threads.add(&reference, &state, &message)?;
        if matches!(poster, Poster::Citizen) && effect.moved.is_none() {
            // Decided on a request that was not waiting: if it started
            // waiting since, this try fails and the next moves it back.
            ops.push(request_unchanged(&reference, current.version));
        }
        if let Some((email, event)) = &effect.email {
            ops.push(gru_outbox::enqueue(email, event, ctx.now()).map_err(Problem::internal)?);
        }
        if !draft.internal {
            let sent =
                message_sent(&current.value, matches!(poster, Poster::Citizen), ctx.now(), city.days());
            ops.extend(indicators::writes(Family::Requests, &[sent]));
        }
        if let Poster::Agent(agent) = poster {
            let (action, detail) = match &effect.moved {
                Some(moved) => ("thread.ask", moved.request.status.as_str()),
                None if draft.internal => ("thread.note", message.id.as_str()),
                None => ("thread.message", message.id.as_str()),
            };
            ops.push(ctx.shared().audit.entry(agent, action, Some(&reference), Some(detail)));
        }
        let written = match &effect.moved {
            Some(moved) => {
                let label = workflow.status(&moved.request.status).map_or("", |s| s.citizen_label.as_str());
                ctx.requests.change_request(&current, &moved.request, label, city.days(), ops).await
            }
            None => ctx.platform.store.transact(ops).await.map(|()| current.version).map_err(Into::into),
        };
        match written {
            Ok(version) => {
                let value = effect.moved.map_or(current.value, |moved| moved.request);
                return Ok(Posted { message, request: Versioned { value, version } });
            }
            Err(error) if lost_race(&error) => continue,
            Err(error) => return Err(error.into()),
        }
    }
    Err(busy())
}
