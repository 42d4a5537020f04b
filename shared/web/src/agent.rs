//! Agents of the city in the back office: their roles, their sessions (a
//! random token in the `gru_agent` cookie, its SHA-256 in the store) and
//! the [`Agent`] extractor handlers use to learn who is signed in and what
//! they may do.
//!
//! An agent's session is shorter than a citizen's: it ends after 30 minutes
//! without use and 12 hours after sign-in at most, since an office computer
//! left unlocked opens every citizen's file. Items:
//!
//! | item | pk / sk | index (gsi1) |
//! |---|---|---|
//! | agent session | `AGENT-SESSION#<sha256(token)>` / `SESSION` | `AGENT-ACCOUNT#<id>` / `SESSION#<sha256(token)>` |
//!
//! The session holds a snapshot of the agent (id, name, email, role,
//! services), so checking a permission costs no read of the agent's
//! account; in exchange every change of role or services, and disabling an
//! agent, ends their sessions ([`AgentSessions::end_all`], one index query).
//! `expires_at` is the absolute end, so DynamoDB's TTL removes sessions
//! nobody signs out of.

use crate::platform::WebState;
use crate::problem::Problem;
use crate::session::{cookie_token, unauthenticated};
use crate::session_store::{SessionKind, SessionStore};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use gru_ports::{Clock, Condition, Store, StoreError, TransactOp};
use jiff::SignedDuration;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The name of the agents' session cookie.
pub const COOKIE: &str = "gru_agent";
/// The longest an agent's session lasts, whatever its use (also the cookie's `Max-Age`).
pub const LIFETIME: SignedDuration = SignedDuration::from_hours(12);
/// A session unused for this long has ended.
pub const IDLE_LIMIT: SignedDuration = SignedDuration::from_mins(30);

/// How agents' sessions are kept.
static KIND: SessionKind = SessionKind {
    key_prefix: "AGENT-SESSION#",
    owner_prefix: "AGENT-ACCOUNT#",
    lifetime: LIFETIME,
    idle_limit: IDLE_LIMIT,
    // `last_seen` is rewritten at most this often: often enough that the
    // idle limit is kept to the minute, rarely enough not to cost a write
    // per request.
    refresh_every: SignedDuration::from_mins(1),
    what: "agent session",
    a_what: "an agent session",
};

/// What an agent may do. Ordered: `Agent < Supervisor < Admin`, each role
/// allowing what the ones below it allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Handles the requests of their services.
    Agent,
    /// Handles every service's requests and assigns them to colleagues.
    Supervisor,
    /// A supervisor who also manages the agents' accounts and reads the audit trail.
    Admin,
}

impl Role {
    /// The role as the API spells it (`agent`, `supervisor`, `admin`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }

    /// The role in French, for people.
    pub fn label(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Supervisor => "superviseur",
            Role::Admin => "administrateur",
        }
    }
}

/// What a session knows of its agent, copied from the agent's account at
/// sign-in. No `Debug`: it holds an email.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentSnapshot {
    pub id: String,
    pub name: String,
    /// Normalised (trimmed, lowercase).
    pub email: String,
    pub role: Role,
    /// Slugs of the services an agent of role [`Role::Agent`] handles.
    pub services: Vec<String>,
}

/// The signed-in agent. As an extractor it answers 401
/// `urn:gru:problem:unauthenticated` when the request has no live agent
/// session (a citizen's session is not one).
///
/// No `Debug`: it holds an email and a session token, which must not reach
/// a log by accident.
#[derive(Clone)]
pub struct Agent {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub services: Vec<String>,
    /// The session's token, to end this session.
    pub token: String,
}

impl Agent {
    /// The agent a session of `snapshot` opened with `token` is.
    pub fn new(snapshot: AgentSnapshot, token: String) -> Self {
        let AgentSnapshot { id, name, email, role, services } = snapshot;
        Self { id, name, email, role, services, token }
    }

    /// Whether the agent handles `service`'s requests: supervisors and
    /// admins handle every service, agents the services they were given.
    pub fn handles(&self, service: &str) -> bool {
        self.role >= Role::Supervisor || self.services.iter().any(|own| own == service)
    }

    /// 403 `urn:gru:problem:forbidden` unless the agent handles `service`.
    pub fn require_service(&self, service: &str) -> Result<(), Problem> {
        if self.handles(service) {
            Ok(())
        } else {
            Err(forbidden("Ce service ne fait pas partie de ceux que vous traitez."))
        }
    }

    /// 403 `urn:gru:problem:forbidden` unless the agent's role is `role` or above.
    pub fn require_role(&self, role: Role) -> Result<(), Problem> {
        if self.role >= role {
            Ok(())
        } else {
            let needed = match role {
                Role::Agent => "agent",
                Role::Supervisor => "superviseur ou administrateur",
                Role::Admin => "administrateur",
            };
            Err(forbidden(&format!("Cette action est réservée au rôle {needed}.")))
        }
    }

    /// The agent as the session knows them, without the token.
    pub fn snapshot(&self) -> AgentSnapshot {
        AgentSnapshot {
            id: self.id.clone(),
            name: self.name.clone(),
            email: self.email.clone(),
            role: self.role,
            services: self.services.clone(),
        }
    }
}

/// 403 `urn:gru:problem:forbidden` with `detail`: a signed-in agent asking
/// for something their role or services do not allow.
pub fn forbidden(detail: &str) -> Problem {
    Problem::new(StatusCode::FORBIDDEN, "forbidden", "Accès refusé", detail)
}

/// What a session knows of its agent (stored beside its times, as
/// `{agent, created_at, last_seen}`).
#[derive(Clone, Serialize, Deserialize)]
struct Owner {
    agent: AgentSnapshot,
}

/// The sessions of every agent, in the store. The extractors find it in
/// the router state's [`crate::Shared`] pieces ([`WebState`]).
#[derive(Clone)]
pub struct AgentSessions {
    sessions: SessionStore<Owner>,
}

impl AgentSessions {
    /// Sessions kept in `store`, timed by `clock`.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self { sessions: SessionStore::new(store, clock, &KIND) }
    }

    /// A new session for `agent` as a write to join a transaction (sign-in
    /// writes it with the agent's account, on the version it read, so a
    /// session never outlives a change of role made meanwhile), and its
    /// token, to be sent once in the cookie ([`set_cookie`]).
    pub fn open(&self, agent: &AgentSnapshot) -> Result<(String, TransactOp), StoreError> {
        let (token, item) = self.sessions.new_session(&agent.id, Owner { agent: agent.clone() })?;
        Ok((token, TransactOp::Put { item, condition: Condition::NotExists }))
    }

    /// Opens a session for `agent` on its own and returns its token.
    pub async fn start(&self, agent: &AgentSnapshot) -> Result<String, StoreError> {
        self.sessions.start(&agent.id, Owner { agent: agent.clone() }).await
    }

    /// The agent whose session `token` opens, if it is still live. Marks
    /// the session as used (at most every minute); a session past its end
    /// is removed.
    pub async fn find(&self, token: &str) -> Result<Option<Agent>, StoreError> {
        let owner = self.sessions.find(token).await?;
        Ok(owner.map(|Owner { agent }| Agent::new(agent, token.into())))
    }

    /// Ends the session `token` opens (nothing happens if it has ended already).
    pub async fn end(&self, token: &str) -> Result<(), StoreError> {
        self.sessions.end(token).await
    }

    /// Ends every session of the agent: after a change of role or services,
    /// or when the agent is disabled.
    pub async fn end_all(&self, agent_id: &str) -> Result<(), StoreError> {
        self.sessions.end_all(agent_id, None).await
    }
}

/// The `Set-Cookie` value that hands `token` to the agent's browser: out of
/// reach of scripts, HTTPS only, never sent by a request another site
/// starts (not even a link followed: the back office is only reached from
/// itself), for the whole site and the session's whole life.
///
/// # Panics
///
/// If `token` holds characters a header cannot carry; tokens from
/// [`AgentSessions::open`] never do.
pub fn set_cookie(token: &str) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{COOKIE}={token}; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age={}",
        LIFETIME.as_secs()
    ))
    .expect("session tokens are base64url")
}

/// The `Set-Cookie` value that removes the agents' session cookie.
pub fn clear_cookie() -> HeaderValue {
    HeaderValue::from_static("gru_agent=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0")
}

impl<S> FromRequestParts<S> for Agent
where
    S: WebState,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Some(token) = cookie_token(parts, COOKIE) else {
            return Err(unauthenticated());
        };
        let agent = state.shared().agent_sessions.find(token).await.map_err(Problem::internal)?;
        agent.ok_or_else(unauthenticated)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokens;
    use axum::http::header;

    fn agent(role: Role, services: &[&str]) -> Agent {
        Agent {
            id: "a1".into(),
            name: "Claire Martin".into(),
            email: "claire.martin@belleval.fr".into(),
            role,
            services: services.iter().map(|s| (*s).to_owned()).collect(),
            token: tokens::random_token(),
        }
    }

    #[test]
    fn roles_are_ordered_and_spelled_in_lowercase() {
        assert!(Role::Agent < Role::Supervisor && Role::Supervisor < Role::Admin);
        assert_eq!(serde_json::to_value(Role::Supervisor).unwrap(), "supervisor");
        assert_eq!(serde_json::from_value::<Role>("admin".into()).unwrap(), Role::Admin);
        assert!(serde_json::from_value::<Role>("Admin".into()).is_err());
        assert_eq!(Role::Admin.as_str(), "admin");
    }

    #[test]
    fn agents_handle_their_services_and_supervisors_every_one() {
        let clerk = agent(Role::Agent, &["etat-civil"]);
        assert!(clerk.handles("etat-civil"));
        assert!(!clerk.handles("urbanisme"));
        assert!(clerk.require_service("etat-civil").is_ok());
        let refused = clerk.require_service("urbanisme").unwrap_err();
        assert_eq!((refused.status, refused.kind.as_str()), (403, "urn:gru:problem:forbidden"));
        assert!(agent(Role::Supervisor, &[]).handles("urbanisme"));
        assert!(agent(Role::Admin, &[]).require_service("urbanisme").is_ok());
    }

    #[test]
    fn a_role_allows_what_the_roles_below_it_allow() {
        let supervisor = agent(Role::Supervisor, &[]);
        assert!(supervisor.require_role(Role::Agent).is_ok());
        assert!(supervisor.require_role(Role::Supervisor).is_ok());
        let refused = supervisor.require_role(Role::Admin).unwrap_err();
        assert_eq!(refused.status, 403);
        assert!(refused.detail.contains("administrateur"));
        assert!(agent(Role::Admin, &[]).require_role(Role::Admin).is_ok());
    }

    #[test]
    fn cookies_are_http_only_secure_and_strict() {
        assert_eq!(
            set_cookie("abc"),
            "gru_agent=abc; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=43200"
        );
        assert!(clear_cookie().to_str().unwrap().starts_with("gru_agent=;"));
        assert!(clear_cookie().to_str().unwrap().contains("Max-Age=0"));
    }

    #[test]
    fn only_the_agents_cookie_opens_an_agent_session() {
        let token = tokens::random_token();
        let request = |cookie: String| {
            axum::http::Request::builder().header(header::COOKIE, cookie).body(()).unwrap().into_parts().0
        };
        let agent_parts = request(format!("gru_session=x; {COOKIE}={token}"));
        assert_eq!(cookie_token(&agent_parts, COOKIE), Some(token.as_str()));
        let citizen_parts = request(format!("gru_session={token}"));
        assert_eq!(cookie_token(&citizen_parts, COOKIE), None);
    }
}
