//! Passwords: argon2id with the crate's default parameters (19 MiB, two
//! passes), on the blocking pool since one hash takes tens of milliseconds
//! of CPU that would otherwise stall every request on the worker thread.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use gru_records::accounts::AccountsError;
use std::sync::LazyLock;

/// Accepted password lengths, in characters.
pub const LENGTH: std::ops::RangeInclusive<usize> = 10..=128;

/// A hash nobody's password matches, verified when the email has no account
/// so that sign-in takes as long as with a wrong password: the answer's
/// timing does not tell whether the email has an account.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let unguessable = gru_web::tokens::random_token();
    hash_now(&unguessable).expect("argon2 hashes with its default parameters")
});

fn hash_now(password: &str) -> Result<String, AccountsError> {
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>())
        .map_err(|e| AccountsError::Password(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| AccountsError::Password(e.to_string()))
}

/// The PHC string of a new password (random salt).
pub async fn hash(password: String) -> Result<String, AccountsError> {
    tokio::task::spawn_blocking(move || hash_now(&password))
        .await
        .map_err(|e| AccountsError::Password(e.to_string()))?
}

/// Whether `password` matches `hash`; with no hash (no such account), the
/// same work is done against a dummy hash and the answer is `false`.
pub async fn verify(password: String, hash: Option<String>) -> Result<bool, AccountsError> {
    tokio::task::spawn_blocking(move || {
        let exists = hash.is_some();
        let hash = hash.unwrap_or_else(|| DUMMY_HASH.clone());
        let parsed = PasswordHash::new(&hash).map_err(|e| AccountsError::Password(e.to_string()))?;
        let matches = Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok();
        Ok(exists && matches)
    })
    .await
    .map_err(|e| AccountsError::Password(e.to_string()))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify() {
        let hash = hash("correct horse battery".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify("correct horse battery".into(), Some(hash.clone())).await.unwrap());
        assert!(!verify("wrong horse battery".into(), Some(hash)).await.unwrap());
        assert!(!verify("correct horse battery".into(), None).await.unwrap());
    }
}
