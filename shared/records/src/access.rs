//! Who may reach a draft or a request: the rules the submissions and
//! attachments functions share, so a file is never easier to reach than
//! the case it belongs to. Each answers `None` both when the thing does not
//! exist and when the caller may not see it: existence is never revealed.

use crate::reference::is_reference;
use crate::requests::{Repository, RepositoryError, Versioned};
use gru_domain::request::{Draft, Request};
use gru_web::session::Citizen;
use gru_web::tokens;
use jiff::Timestamp;

/// Draft ids are 22 base64url characters (128 random bits).
pub fn is_draft_id(id: &str) -> bool {
    id.len() == 22 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A draft the caller may use: an account's draft only with its session;
/// a draft without account with its id alone (the id is the capability).
pub async fn draft(
    repository: &Repository,
    id: &str,
    citizen: &Option<Citizen>,
    now: Timestamp,
) -> Result<Option<Versioned<Draft>>, RepositoryError> {
    if !is_draft_id(id) {
        return Ok(None);
    }
    Ok(repository.draft(id, now).await?.filter(|draft| match (&draft.value.account, citizen) {
        (None, _) => true,
        (Some(owner), Some(c)) => *owner == c.account_id,
        (Some(_), None) => false,
    }))
}

/// A request of the signed-in citizen: made with the citizen's email, with
/// or without the account.
pub async fn citizen_request(
    repository: &Repository,
    reference: &str,
    citizen: &Citizen,
) -> Result<Option<Request>, RepositoryError> {
    if !is_reference(reference) {
        return Ok(None);
    }
    let request = repository.request(reference).await?;
    Ok(request.filter(|r| tokens::email_key(&r.email) == tokens::email_key(&citizen.email)))
}

/// The request a tracking link's token leads to.
pub async fn tracked_request(
    repository: &Repository,
    token: &str,
) -> Result<Option<Request>, RepositoryError> {
    let token = token.trim();
    if token.is_empty() || token.len() > 100 {
        return Ok(None);
    }
    repository.tracked(&tokens::hash(token)).await
}
