//! Agents' accounts in the store: the account (what sign-in checks and
//! what a session copies), its email item, and the list of every agent.
//! Enrolment, sign-in and the admins' changes are the accounts function's.
//!
//! Items and access patterns (no scan):
//!
//! | item | pk / sk | index (gsi1) | read by |
//! |---|---|---|---|
//! | agent account | `AGENT#<id>` / `AGENT` | `AGENTS` / `AGENT#<id>` | get (sign-in, changes); index query (the list) |
//! | email → agent | `AGENT-EMAIL#<sha256(email)>` / `AGENT` | | get (sign-in) |
//!
//! An account and its email item are written in one transaction, each on
//! the condition that it does not exist: one email, one agent. Every later
//! write of the account is conditioned on the version read.

use gru_ports::store::query_all;
use gru_ports::{Condition, Item, Key, Query, Store, StoreError, TransactOp};
use gru_web::agent::AgentSnapshot;
use gru_web::{FieldError, Role, tokens};
use jiff::Timestamp;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The index partition that lists every agent.
const LIST_PARTITION: &str = "AGENTS";

/// What can go wrong with agents' accounts below the HTTP layer. Messages
/// hold no personal data.
#[derive(Debug, thiserror::Error)]
pub enum AgentsError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("a stored agent item cannot be read")]
    Corrupt,
    /// Fields at fault, each with a French message for the person.
    #[error("invalid agent fields")]
    Invalid(Vec<FieldError>),
    #[error("the email is already an agent's")]
    EmailTaken,
    #[error("no agent has this id")]
    NotFound,
    /// The account kept changing while it was being updated.
    #[error("the agent changed during the update")]
    Conflict,
    #[error("password hashing failed: {0}")]
    Password(String),
}

impl From<crate::accounts::AccountsError> for AgentsError {
    /// Only password hashing fails this way here.
    fn from(error: crate::accounts::AccountsError) -> Self {
        AgentsError::Password(error.to_string())
    }
}

/// An agent's account as stored: what sign-in checks and what the session
/// copies. No `Debug`: it holds secrets.
#[derive(Clone, Serialize, Deserialize)]
pub struct AgentAccount {
    pub id: String,
    /// Normalised (trimmed, lowercase).
    pub email: String,
    pub name: String,
    pub role: Role,
    /// Slugs, sorted, without duplicates.
    pub services: Vec<String>,
    /// A disabled agent cannot sign in; their name stays in the history.
    pub active: bool,
    /// argon2id, in the PHC string format.
    pub password_hash: String,
    /// The TOTP secret in base32.
    pub totp_secret: String,
    /// The step of the last code accepted: a code of this step or an
    /// earlier one is refused.
    #[serde(default)]
    pub totp_last_step: Option<u64>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl AgentAccount {
    /// What admins and other functions see of the agent: no secret.
    pub fn summary(&self) -> AgentSummary {
        AgentSummary {
            id: self.id.clone(),
            name: self.name.clone(),
            email: self.email.clone(),
            role: self.role,
            services: self.services.clone(),
            active: self.active,
        }
    }

    /// What an agent's session copies.
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

/// An agent as admins and other functions see them (tracking shows
/// colleagues to assign a request to): no secret. No `Debug`: it holds an email.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct AgentSummary {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub services: Vec<String>,
    pub active: bool,
}

impl AgentSummary {
    /// Whether the agent handles `service`'s requests (supervisors and
    /// admins handle every service), as `gru_web::Agent::handles` says.
    pub fn handles(&self, service: &str) -> bool {
        self.role >= Role::Supervisor || self.services.iter().any(|own| own == service)
    }
}

fn agent_key(id: &str) -> Key {
    Key::new(format!("AGENT#{id}"), "AGENT")
}

fn email_key(email: &str) -> Key {
    Key::new(format!("AGENT-EMAIL#{}", tokens::email_key(email)), "AGENT")
}

/// Decodes an item's data without letting serde's message (which may quote
/// the data: an email, a name) reach an error or a log.
fn decode<T: DeserializeOwned>(data: serde_json::Value) -> Result<T, AgentsError> {
    serde_json::from_value(data).map_err(|_| AgentsError::Corrupt)
}

fn encode<T: Serialize>(value: &T) -> Result<serde_json::Value, AgentsError> {
    serde_json::to_value(value).map_err(|_| AgentsError::Corrupt)
}

#[derive(Serialize, Deserialize)]
struct EmailOwner {
    agent_id: String,
}

/// The agents' typed access to the store.
#[derive(Clone)]
pub struct AgentRepository {
    store: Arc<dyn Store>,
}

impl AgentRepository {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    /// The account and the version it was read at.
    pub async fn get(&self, id: &str) -> Result<Option<(AgentAccount, u64)>, AgentsError> {
        match self.store.get(&agent_key(id)).await? {
            Some(item) => Ok(Some((decode(item.data)?, item.version))),
            None => Ok(None),
        }
    }

    /// The account of a normalised email, if an agent has it.
    pub async fn by_email(&self, email: &str) -> Result<Option<(AgentAccount, u64)>, AgentsError> {
        let Some(item) = self.store.get(&email_key(email)).await? else {
            return Ok(None);
        };
        let owner: EmailOwner = decode(item.data)?;
        self.get(&owner.agent_id).await
    }

    /// Every agent, in the order of the index (by id).
    pub async fn all(&self) -> Result<Vec<AgentAccount>, AgentsError> {
        let items = query_all(self.store.as_ref(), Query::secondary(LIST_PARTITION)).await?;
        items.into_iter().map(|item| decode(item.data)).collect()
    }

    /// The write of `account` at `version + 1`, on the condition that it is
    /// still at `version` (`None`: that it does not exist yet).
    pub fn put(account: &AgentAccount, version: Option<u64>) -> Result<TransactOp, AgentsError> {
        let item = Item::new(agent_key(&account.id), encode(account)?)
            .with_index_key(Key::new(LIST_PARTITION, format!("AGENT#{}", account.id)));
        Ok(match version {
            None => TransactOp::Put { item, condition: Condition::NotExists },
            Some(version) => TransactOp::Put {
                item: Item { version: version + 1, ..item },
                condition: Condition::Version(version),
            },
        })
    }

    /// Writes `account` on the condition that it is still at `version`,
    /// with `others` (a session, the audit entry), all or nothing.
    pub async fn save(
        &self,
        account: &AgentAccount,
        version: u64,
        others: Vec<TransactOp>,
    ) -> Result<(), AgentsError> {
        let mut ops = vec![Self::put(account, Some(version))?];
        ops.extend(others);
        Ok(self.store.transact(ops).await?)
    }

    /// Creates the account and its email item, with `others` (the audit
    /// entry), all or nothing. `EmailTaken` when the email is an agent's.
    pub async fn create(&self, account: &AgentAccount, others: Vec<TransactOp>) -> Result<(), AgentsError> {
        let owner = EmailOwner { agent_id: account.id.clone() };
        let mut ops = vec![
            Self::put(account, None)?,
            TransactOp::Put {
                item: Item::new(email_key(&account.email), encode(&owner)?),
                condition: Condition::NotExists,
            },
        ];
        ops.extend(others);
        match self.store.transact(ops).await {
            Ok(()) => Ok(()),
            Err(StoreError::ConditionFailed)
                if self.store.get(&email_key(&account.email)).await?.is_some() =>
            {
                Err(AgentsError::EmailTaken)
            }
            // The other condition is a fresh random id already taken.
            Err(StoreError::ConditionFailed) => Err(AgentsError::Conflict),
            Err(other) => Err(other.into()),
        }
    }
}

/// The list of agents, for admins and for other functions (tracking shows
/// the colleagues a request can be assigned to).
#[derive(Clone)]
pub struct Directory {
    repository: AgentRepository,
}

impl Directory {
    /// Agents in `store`.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { repository: AgentRepository::new(store) }
    }

    /// Every agent, disabled ones included (check `active`), by name.
    pub async fn list(&self) -> Result<Vec<AgentSummary>, AgentsError> {
        let mut agents: Vec<AgentSummary> =
            self.repository.all().await?.iter().map(AgentAccount::summary).collect();
        agents
            .sort_by(|a, b| a.name.to_lowercase().cmp(&b.name.to_lowercase()).then_with(|| a.id.cmp(&b.id)));
        Ok(agents)
    }

    /// One agent, if the id is an agent's.
    pub async fn get(&self, id: &str) -> Result<Option<AgentSummary>, AgentsError> {
        Ok(self.repository.get(id).await?.map(|(account, _)| account.summary()))
    }
}
