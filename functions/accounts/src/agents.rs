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
use gru_ports::{Clock, Store, TransactOp};
use gru_records::agents::{AgentAccount, AgentRepository, AgentSummary, AgentsError};
use gru_web::audit::{AuditTrail, DEFAULT_KEEP};
use gru_web::{FieldError, tokens};
use serde::Serialize;
use std::sync::Arc;

pub(crate) use api::{Admin, routes};
/// Agents' roles, re-exported for callers that only need this crate.
pub use gru_web::Role;
pub use totp::code as totp_code;

/// The longest service slug accepted (city files use short ones).
const MAX_SLUG_CHARS: usize = 64;
/// Services one agent may be given.
const MAX_SERVICES: usize = 100;
/// The characters of generated passwords: letters and digits that cannot
/// be mistaken for one another when read off a screen.
const PASSWORD_ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

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
        errors.push(field_error("email", "Saisissez une adresse électronique de la forme nom@exemple.fr."));
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
        id: tokens::hex_id::<16>(),
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
