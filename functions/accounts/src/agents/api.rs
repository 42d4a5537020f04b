//! HTTP handlers of agents' sign-in and of the admins' management of agents.

use super::{
    AgentAccount, AgentRepository, AgentSummary, AgentsError, NewAgent, check_services, create, field_error,
    issuer, required_name, totp,
};
use crate::api::invalid;
use crate::password;
use axum::Router;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use gru_ports::{Clock, StoreError};
use gru_records::agents::Directory;
use gru_web::agent::{AgentSnapshot, clear_cookie, set_cookie};
use gru_web::{Agent, ClientAddress, Json, Problem, Role, Shared, WebState, tokens};
use jiff::SignedDuration;
use serde::Deserialize;
use std::sync::Arc;

/// How many times a write reads the account again after a concurrent change.
const MAX_ATTEMPTS: usize = 5;

/// Sign-in attempts per email from one address: a password and a 6-digit
/// code do not survive more than a handful of guesses per quarter of an hour.
const SIGN_IN_PER_EMAIL_FROM_ADDRESS: (&str, u32, SignedDuration) =
    ("agent-signin-email-address", 10, SignedDuration::from_mins(15));
/// Sign-in attempts per email from anywhere: higher, so that knowing an
/// agent's email is not enough to lock them out from their own desk.
const SIGN_IN_PER_EMAIL: (&str, u32, SignedDuration) =
    ("agent-signin-email", 100, SignedDuration::from_mins(15));
/// Sign-in attempts per client address: higher than the citizens' limit,
/// since a town hall's agents all sign in from its one address in the morning.
const SIGN_IN_PER_ADDRESS: (&str, u32, SignedDuration) =
    ("agent-signin-address", 100, SignedDuration::from_mins(15));

/// The handlers' state.
#[derive(Clone)]
struct Agents {
    shared: Arc<Shared>,
    repository: AgentRepository,
    clock: Arc<dyn Clock>,
    /// The name authenticator apps show for the portal.
    issuer: Arc<str>,
}

impl WebState for Agents {
    fn shared(&self) -> &Shared {
        &self.shared
    }
}

/// The agents' routes, relative to the accounts function's prefix.
pub(crate) fn routes(shared: Arc<Shared>) -> Router {
    let platform = &shared.platform;
    let state = Agents {
        repository: AgentRepository::new(platform.store.clone()),
        clock: platform.clock.clone(),
        issuer: issuer(&platform.settings.public_url).into(),
        shared: shared.clone(),
    };
    Router::new()
        .route("/agents/signin", post(sign_in))
        .route("/agents/signout", post(sign_out))
        .route("/agents/me", get(me))
        .route("/agents", get(list).post(create_agent))
        .route("/agents/{id}", put(update))
        .with_state(state)
}

/// The one answer to a failed sign-in, whatever was wrong: the email, the
/// password, the code, or an agent disabled.
fn invalid_credentials() -> Problem {
    Problem::new(
        StatusCode::UNAUTHORIZED,
        "invalid-credentials",
        "Identifiants incorrects",
        "L'adresse électronique, le mot de passe ou le code est incorrect.",
    )
}

/// A signed-in admin. As an extractor, before the body is read: 401
/// without an agent session, 403 `forbidden` for other roles.
pub(crate) struct Admin(pub(crate) Agent);

impl<S> FromRequestParts<S> for Admin
where
    S: WebState,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let agent = Agent::from_request_parts(parts, state).await?;
        agent.require_role(Role::Admin)?;
        Ok(Self(agent))
    }
}

impl Agents {
    async fn limit(
        &self,
        (bucket, hits, window): (&str, u32, SignedDuration),
        subject: &str,
    ) -> Result<(), Problem> {
        self.shared.limiter.hit(bucket, subject, hits, window).await
    }

    /// Accepts `code` and opens a session in one transaction with the
    /// account at the version read, recording the code's step and the
    /// audit entry: of two sign-ins with one code, even at once, one fails.
    /// `None` when the code is wrong or used, or the agent was disabled
    /// meanwhile.
    async fn open_session(
        &self,
        mut account: AgentAccount,
        mut version: u64,
        code: &str,
    ) -> Result<Option<(String, AgentSnapshot)>, AgentsError> {
        for _ in 0..MAX_ATTEMPTS {
            let now = u64::try_from(self.clock.now().as_second()).unwrap_or_default();
            let Some(step) = totp::accepted_step(&account.totp_secret, code, now, account.totp_last_step)
            else {
                return Ok(None);
            };
            account.totp_last_step = Some(step);
            let snapshot = account.snapshot();
            let (token, session) = self.shared.agent_sessions.open(&snapshot)?;
            let entry = self.shared.audit.entry(
                &Agent::new(snapshot.clone(), token.clone()),
                "agent.signin",
                None,
                None,
            );
            match self.repository.save(&account, version, vec![session, entry]).await {
                Ok(()) => return Ok(Some((token, snapshot))),
                // Another sign-in used a code (this one, maybe) or an admin
                // changed the agent: decide again on what is stored now.
                Err(AgentsError::Store(StoreError::ConditionFailed | StoreError::TransactionConflict)) => {
                    match self.repository.get(&account.id).await? {
                        Some((fresh, fresh_version)) if fresh.active => {
                            (account, version) = (fresh, fresh_version)
                        }
                        _ => return Ok(None),
                    }
                }
                Err(other) => return Err(other),
            }
        }
        Err(AgentsError::Conflict)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignInBody {
    email: String,
    password: String,
    code: String,
}

/// One answer for an unknown email, a wrong password, a wrong or used
/// code and a disabled agent, after the same password work.
async fn sign_in(
    State(app): State<Agents>,
    address: ClientAddress,
    Json(body): Json<SignInBody>,
) -> Result<Response, Problem> {
    let mut errors = Vec::new();
    let email = tokens::normalize_email(&body.email);
    if email.is_none() {
        errors.push(field_error("email", "Saisissez une adresse électronique de la forme nom@exemple.fr."));
    }
    if !totp::well_formed(&body.code) {
        errors.push(field_error("code", "Le code compte 6 chiffres : celui que montre votre application."));
    }
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        return Err(invalid(errors));
    };
    if let Some(subject) = address.rate_limit_subject() {
        app.limit(SIGN_IN_PER_ADDRESS, &subject).await?;
        app.limit(SIGN_IN_PER_EMAIL_FROM_ADDRESS, &format!("{email} {subject}")).await?;
    }
    app.limit(SIGN_IN_PER_EMAIL, &email).await?;
    let found = app.repository.by_email(&email).await?;
    // Without an account the password is checked against a dummy hash.
    let hash = found.as_ref().map(|(account, _)| account.password_hash.clone());
    let matches = password::verify(body.password, hash).await.map_err(AgentsError::from)?;
    let Some((account, version)) = found.filter(|(account, _)| matches && account.active) else {
        return Err(invalid_credentials());
    };
    let (token, snapshot) =
        app.open_session(account, version, &body.code).await?.ok_or_else(invalid_credentials)?;
    Ok((StatusCode::OK, [(header::SET_COOKIE, set_cookie(&token))], axum::Json(snapshot)).into_response())
}

async fn sign_out(State(app): State<Agents>, agent: Agent) -> Result<Response, Problem> {
    app.shared.agent_sessions.end(&agent.token).await.map_err(AgentsError::from)?;
    app.shared.audit.record(&agent, "agent.signout", None, None).await.map_err(AgentsError::from)?;
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, clear_cookie())]).into_response())
}

/// The signed-in agent, as their session knows them.
async fn me(agent: Agent) -> axum::Json<AgentSnapshot> {
    axum::Json(agent.snapshot())
}

async fn list(State(app): State<Agents>, _admin: Admin) -> Result<axum::Json<Vec<AgentSummary>>, Problem> {
    let directory = Directory::new(app.shared.platform.store.clone());
    Ok(axum::Json(directory.list().await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    email: String,
    name: String,
    role: Role,
    #[serde(default)]
    services: Vec<String>,
}

/// 201 with the new agent's credentials, shown this once.
async fn create_agent(
    State(app): State<Agents>,
    Admin(admin): Admin,
    Json(body): Json<CreateBody>,
) -> Result<Response, Problem> {
    let new = NewAgent { email: body.email, name: body.name, role: body.role, services: body.services };
    let credentials = create(&app.repository, app.clock.as_ref(), &app.issuer, new, |detail| {
        app.shared.audit.entry(&admin, "agent.create", None, Some(detail))
    })
    .await?;
    Ok((StatusCode::CREATED, axum::Json(credentials)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateBody {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    role: Option<Role>,
    #[serde(default)]
    services: Option<Vec<String>>,
    #[serde(default)]
    active: Option<bool>,
}

/// Changes what the body names, in one transaction with the audit entry;
/// a change of role, services or access ends the agent's sessions, which
/// hold the old ones.
async fn update(
    State(app): State<Agents>,
    Admin(admin): Admin,
    Path(id): Path<String>,
    Json(body): Json<UpdateBody>,
) -> Result<axum::Json<AgentSummary>, Problem> {
    let mut errors = Vec::new();
    let name = body.name.map(|name| required_name(name, &mut errors));
    let services = body.services.map(|services| check_services(services, &mut errors));
    // An admin cannot lock themselves out: another admin must do it.
    if id == admin.id {
        if body.role.is_some_and(|role| role != Role::Admin) {
            errors
                .push(field_error("role", "Vous ne pouvez pas retirer votre propre rôle d'administrateur."));
        }
        if body.active == Some(false) {
            errors.push(field_error("active", "Vous ne pouvez pas désactiver votre propre compte."));
        }
    }
    if !errors.is_empty() {
        return Err(invalid(errors));
    }
    let (name, services) = (name.flatten(), services.flatten());
    for _ in 0..MAX_ATTEMPTS {
        let (mut account, version) = app.repository.get(&id).await?.ok_or(AgentsError::NotFound)?;
        let mut changed = Vec::new();
        if let Some(name) = name.as_ref().filter(|name| **name != account.name) {
            account.name.clone_from(name);
            changed.push("name");
        }
        if let Some(role) = body.role.filter(|role| *role != account.role) {
            account.role = role;
            changed.push("role");
        }
        if let Some(services) = services.as_ref().filter(|services| **services != account.services) {
            account.services.clone_from(services);
            changed.push("services");
        }
        if let Some(active) = body.active.filter(|active| *active != account.active) {
            account.active = active;
            changed.push("active");
        }
        if changed.is_empty() {
            // Asked again after a failure to end the sessions (the change
            // itself saved): end them now, or the old rights would live on.
            if body.role.is_some() || services.is_some() || body.active.is_some() {
                app.shared.agent_sessions.end_all(&id).await.map_err(AgentsError::from)?;
            }
            return Ok(axum::Json(account.summary()));
        }
        account.updated_at = app.clock.now();
        let detail = format!("{id} {}", changed.join(","));
        let entry = app.shared.audit.entry(&admin, "agent.update", None, Some(&detail));
        match app.repository.save(&account, version, vec![entry]).await {
            Ok(()) => {
                if changed.iter().any(|field| *field != "name") {
                    app.shared.agent_sessions.end_all(&id).await.map_err(AgentsError::from)?;
                }
                return Ok(axum::Json(account.summary()));
            }
            Err(AgentsError::Store(StoreError::ConditionFailed | StoreError::TransactionConflict)) => {}
            Err(other) => return Err(other.into()),
        }
    }
    Err(AgentsError::Conflict.into())
}
