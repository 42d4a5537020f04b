//! Agents' accounts: the city's staff who process requests in the back
//! office. An agent signs in with their email, a password and a one-time
//! code from an authenticator app (TOTP, `totp.rs`); admins create agents (so
//! does `portal agent create`) and change their role, services and access.
//! See `docs/agents.md`.
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
//! write of the account is conditioned on the version read, sign-in's
//! included (it records the step of the code used), so a code replayed in
//! parallel fails. Sessions are `gru_web::agent`'s, the audit trail
//! `gru_web::audit`'s.

mod api;
mod totp;

use crate::password;
use crate::profile::validate_name;
use gru_ports::store::query_all;
use gru_ports::{Clock, Condition, Item, Key, Query, Store, StoreError, TransactOp};
use gru_web::agent::AgentSnapshot;
use gru_web::audit::{AuditTrail, DEFAULT_KEEP};
use gru_web::{FieldError, tokens};
use jiff::Timestamp;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

pub(crate) use api::routes;
/// Agents' roles, re-exported for callers that only need this crate.
pub use gru_web::Role;
pub use totp::code as totp_code;

/// The index partition that lists every agent.
const LIST_PARTITION: &str = "AGENTS";
/// The longest service slug accepted (city files use short ones).
const MAX_SLUG_CHARS: usize = 64;
/// Services one agent may be given.
const MAX_SERVICES: usize = 100;
/// The characters of generated passwords: letters and digits that cannot
/// be mistaken for one another when read off a screen.
const PASSWORD_ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

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

impl From<crate::repository::AccountsError> for AgentsError {
    /// Only password hashing fails this way here.
    fn from(error: crate::repository::AccountsError) -> Self {
        AgentsError::Password(error.to_string())
    }
}

/// An agent's account as stored: what sign-in checks and what the session
/// copies. No `Debug`: it holds secrets.
#[derive(Clone, Serialize, Deserialize)]
struct AgentAccount {
    id: String,
    /// Normalised (trimmed, lowercase).
    email: String,
    name: String,
    role: Role,
    /// Slugs, sorted, without duplicates.
    services: Vec<String>,
    /// A disabled agent cannot sign in; their name stays in the history.
    active: bool,
    /// argon2id, in the PHC string format.
    password_hash: String,
    /// The TOTP secret in base32.
    totp_secret: String,
    /// The step of the last code accepted: a code of this step or an
    /// earlier one is refused.
    #[serde(default)]
    totp_last_step: Option<u64>,
    created_at: Timestamp,
    updated_at: Timestamp,
}

impl AgentAccount {
    fn summary(&self) -> AgentSummary {
        AgentSummary {
            id: self.id.clone(),
            name: self.name.clone(),
            email: self.email.clone(),
            role: self.role,
            services: self.services.clone(),
            active: self.active,
        }
    }

    fn snapshot(&self) -> AgentSnapshot {
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
struct AgentRepository {
    store: Arc<dyn Store>,
}

impl AgentRepository {
    fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    /// The account and the version it was read at.
    async fn get(&self, id: &str) -> Result<Option<(AgentAccount, u64)>, AgentsError> {
        match self.store.get(&agent_key(id)).await? {
            Some(item) => Ok(Some((decode(item.data)?, item.version))),
            None => Ok(None),
        }
    }

    /// The account of a normalised email, if an agent has it.
    async fn by_email(&self, email: &str) -> Result<Option<(AgentAccount, u64)>, AgentsError> {
        let Some(item) = self.store.get(&email_key(email)).await? else {
            return Ok(None);
        };
        let owner: EmailOwner = decode(item.data)?;
        self.get(&owner.agent_id).await
    }

    /// Every agent, in the order of the index (by id).
    async fn all(&self) -> Result<Vec<AgentAccount>, AgentsError> {
        let items = query_all(self.store.as_ref(), Query::secondary(LIST_PARTITION)).await?;
        items.into_iter().map(|item| decode(item.data)).collect()
    }

    /// The write of `account` at `version + 1`, on the condition that it is
    /// still at `version` (`None`: that it does not exist yet).
    fn put(account: &AgentAccount, version: Option<u64>) -> Result<TransactOp, AgentsError> {
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
    async fn save(
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
    async fn create(&self, account: &AgentAccount, others: Vec<TransactOp>) -> Result<(), AgentsError> {
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

/// A new agent as an admin or the command line describes them.
pub struct NewAgent {
    pub email: String,
    pub name: String,
    pub role: Role,
    /// Slugs of the services an agent handles (supervisors and admins handle all).
    pub services: Vec<String>,
}

/// What a new agent is given, shown once and never stored in the clear:
/// the password to sign in with and the TOTP secret to enter in an
/// authenticator app (or the URI, as a QR code).
#[derive(Serialize)]
pub struct Credentials {
    pub agent: AgentSummary,
    pub password: String,
    pub totp_secret: String,
    pub totp_uri: String,
}

/// Creates an agent from the command line (`portal agent create`), on the
/// condition that no agent has the email (`EmailTaken`); the audit trail
/// records it as the system's doing. `public_url` is where the portal is
/// reached: its host names the account in authenticator apps.
pub async fn enrol(
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    public_url: &str,
    new: NewAgent,
) -> Result<Credentials, AgentsError> {
    let trail = AuditTrail::new(store.clone(), clock.clone(), DEFAULT_KEEP);
    let repository = AgentRepository::new(store);
    create(&repository, clock.as_ref(), &issuer(public_url), new, |detail| {
        trail.system_entry("agent.create", None, Some(detail))
    })
    .await
}

/// Validates `new`, creates the account with fresh credentials and the
/// audit entry `audit` makes of its detail, in one transaction.
async fn create(
    repository: &AgentRepository,
    clock: &dyn Clock,
    issuer: &str,
    new: NewAgent,
    audit: impl FnOnce(&str) -> TransactOp,
) -> Result<Credentials, AgentsError> {
    let mut errors = Vec::new();
    let email = tokens::normalize_email(&new.email);
    if email.is_none() {
        errors.push(field_error("email", "Adresse e-mail invalide (par exemple nom@exemple.fr)."));
    }
    let name = required_name(new.name, &mut errors);
    let services = check_services(new.services, &mut errors);
    let (Some(email), Some(name), Some(services)) = (email, name, services) else {
        return Err(AgentsError::Invalid(errors));
    };
    let password = new_password();
    let totp_secret = totp::new_secret();
    let now = clock.now();
    let account = AgentAccount {
        id: new_id(),
        totp_secret: totp_secret.clone(),
        password_hash: password::hash(password.clone()).await?,
        email,
        name,
        role: new.role,
        services,
        active: true,
        totp_last_step: None,
        created_at: now,
        updated_at: now,
    };
    let entry = audit(&format!("{} role={}", account.id, account.role.as_str()));
    repository.create(&account, vec![entry]).await?;
    Ok(Credentials {
        totp_uri: totp::uri(&totp_secret, issuer, &account.email),
        agent: account.summary(),
        password,
        totp_secret,
    })
}

/// The name authenticator apps show for the portal: the host of its public
/// address (`demarches.belleval.fr`).
fn issuer(public_url: &str) -> String {
    let rest = public_url.split_once("://").map_or(public_url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let host = match authority.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or(bracketed),
        None => authority.split(':').next().unwrap_or(authority),
    };
    if host.is_empty() { "Portail".to_owned() } else { host.to_owned() }
}

/// A new agent id: 128 random bits in hex.
fn new_id() -> String {
    rand::random::<[u8; 16]>().iter().map(|b| format!("{b:02x}")).collect()
}

/// A new password: four groups of five unambiguous characters (about 116
/// bits), easy to copy from a screen.
fn new_password() -> String {
    let group = || -> String {
        (0..5)
            .map(|_| char::from(PASSWORD_ALPHABET[rand::random_range(0..PASSWORD_ALPHABET.len())]))
            .collect()
    };
    [group(), group(), group(), group()].join("-")
}

fn field_error(field: &str, message: &str) -> FieldError {
    FieldError { field: field.to_owned(), message: message.to_owned() }
}

/// An agent's name: required, one line, bounded.
fn required_name(name: String, errors: &mut Vec<FieldError>) -> Option<String> {
    let before = errors.len();
    let name = validate_name("name", Some(name), errors);
    if name.is_none() && errors.len() == before {
        errors.push(field_error("name", "Indiquez le nom de l'agent."));
    }
    name
}

/// Service slugs (lowercase letters, digits, inner hyphens), sorted and
/// without duplicates. Each one at fault is named `services[<index>]`.
fn check_services(services: Vec<String>, errors: &mut Vec<FieldError>) -> Option<Vec<String>> {
    if services.len() > MAX_SERVICES {
        errors.push(field_error("services", &format!("{MAX_SERVICES} services au plus.")));
        return None;
    }
    let before = errors.len();
    let mut slugs = Vec::with_capacity(services.len());
    for (index, slug) in services.into_iter().enumerate() {
        let slug = slug.trim().to_owned();
        let valid = (1..=MAX_SLUG_CHARS).contains(&slug.len())
            && slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !slug.starts_with('-')
            && !slug.ends_with('-');
        if valid {
            slugs.push(slug);
        } else {
            errors.push(field_error(
                &format!("services[{index}]"),
                "Identifiant de service invalide (lettres minuscules, chiffres et tirets, par exemple etat-civil).",
            ));
        }
    }
    slugs.sort();
    slugs.dedup();
    (errors.len() == before).then_some(slugs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_issuer_is_the_public_host() {
        assert_eq!(issuer("https://demarches.belleval.fr"), "demarches.belleval.fr");
        assert_eq!(issuer("http://127.0.0.1:8080/"), "127.0.0.1");
        assert_eq!(issuer("http://[::1]:8080"), "::1");
        assert_eq!(issuer(""), "Portail");
    }

    #[test]
    fn generated_passwords_are_long_and_readable() {
        let password = new_password();
        assert_eq!(password.len(), 23);
        assert!(password::LENGTH.contains(&password.len()));
        assert!(password.split('-').all(|group| group.len() == 5));
        assert!(!password.contains(['0', 'O', 'o', '1', 'l', 'I']));
        assert_ne!(password, new_password());
    }

    #[test]
    fn services_are_slugs_sorted_once() {
        let mut errors = Vec::new();
        let slugs =
            check_services(vec!["urbanisme".into(), " etat-civil ".into(), "urbanisme".into()], &mut errors);
        assert_eq!(slugs, Some(vec!["etat-civil".to_owned(), "urbanisme".to_owned()]));
        let refused =
            check_services(vec!["ok".into(), "État civil".into(), "-x".into(), String::new()], &mut errors);
        assert_eq!(refused, None);
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["services[1]", "services[2]", "services[3]"]);
    }
}
