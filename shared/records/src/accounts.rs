//! Accounts in the store. Items and access patterns (no scan):
//!
//! | item | pk / sk | read by |
//! |---|---|---|
//! | account | `ACCOUNT#<id>` / `ACCOUNT` | get (session, sign-in) |
//! | email → account | `EMAIL#<sha256(email)>` / `ACCOUNT` | get (sign-in, sign-up, links) |
//! | email link | `TOKEN#<sha256(token)>` / `TOKEN` | get (the link's confirmation) |
//!
//! The email item is written with its account in one transaction, on the
//! condition that it does not exist: one email, one account. An email link
//! is deleted on use with a version condition, in the same transaction as
//! what it does, so a link works once even when clicked twice at once.
//! Sessions are `gru_web::session`'s.

use gru_domain::account::Profile;
use gru_ports::store::{Condition, Item, Key, Store, StoreError, TransactOp};
use jiff::Timestamp;
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use std::sync::Arc;

/// How many times an update reads the account again after a concurrent
/// change before giving up.
const MAX_UPDATE_ATTEMPTS: usize = 5;

/// What can go wrong below the HTTP layer. Messages hold no personal data.
#[derive(Debug, thiserror::Error)]
pub enum AccountsError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("a stored account item cannot be read")]
    Corrupt,
    /// The email link is unknown, already used, expired, or for something else.
    #[error("the email link is not valid")]
    InvalidToken,
    /// The account kept changing while it was being updated.
    #[error("the account changed during the update")]
    Conflict,
    #[error("password hashing failed: {0}")]
    Password(String),
    #[error(transparent)]
    Mail(#[from] gru_ports::MailerError),
}

/// An account as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: String,
    /// Normalised (trimmed, lowercase).
    pub email: String,
    /// argon2id, in the PHC string format (parameters and salt included).
    pub password_hash: String,
    pub profile: Profile,
    pub created_at: Timestamp,
}

/// What an email link lets its holder do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "purpose", rename_all = "snake_case")]
pub enum EmailToken {
    /// Create the account: everything sign-up was given, waiting for proof
    /// that the address is the citizen's.
    Signup {
        email: String,
        password_hash: String,
        profile: Profile,
    },
    SignIn {
        account_id: String,
    },
    Reset {
        account_id: String,
    },
}

/// An email link as read, with the version its deletion is conditioned on.
#[derive(Debug, Clone)]
pub struct StoredToken {
    pub hash: String,
    pub version: u64,
    pub token: EmailToken,
}

/// The accounts' typed access to the store.
#[derive(Clone)]
pub struct AccountRepository {
    store: Arc<dyn Store>,
}

fn account_key(id: &str) -> Key {
    Key::new(format!("ACCOUNT#{id}"), "ACCOUNT")
}

fn email_key(email: &str) -> Key {
    Key::new(format!("EMAIL#{}", gru_web::tokens::email_key(email)), "ACCOUNT")
}

fn token_key(hash: &str) -> Key {
    Key::new(format!("TOKEN#{hash}"), "TOKEN")
}

/// Decodes an item's data without letting serde's message (which may quote
/// the data: an email, a name) reach an error or a log.
fn decode<T: DeserializeOwned>(data: serde_json::Value) -> Result<T, AccountsError> {
    serde_json::from_value(data).map_err(|_| AccountsError::Corrupt)
}

fn encode<T: Serialize>(value: &T) -> Result<serde_json::Value, AccountsError> {
    serde_json::to_value(value).map_err(|_| AccountsError::Corrupt)
}

#[derive(Serialize, Deserialize)]
struct EmailOwner {
    account_id: String,
}

impl AccountRepository {
    /// Accounts on `store`.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    /// A new account id: 128 random bits in hex, unguessable and collision-free
    /// in practice (the account is still written with a not-exists condition).
    pub fn new_id() -> String {
        gru_web::tokens::hex_id::<16>()
    }

    /// The account and the version it was read at.
    pub async fn account(&self, id: &str) -> Result<Option<(Account, u64)>, AccountsError> {
        match self.store.get(&account_key(id)).await? {
            Some(item) => Ok(Some((decode(item.data)?, item.version))),
            None => Ok(None),
        }
    }

    /// The account of a normalised email, if it has one.
    pub async fn account_by_email(&self, email: &str) -> Result<Option<Account>, AccountsError> {
        let Some(item) = self.store.get(&email_key(email)).await? else {
            return Ok(None);
        };
        let owner: EmailOwner = decode(item.data)?;
        Ok(self.account(&owner.account_id).await?.map(|(account, _)| account))
    }

    /// Stores an email link under its token's hash until `expires_at`.
    pub async fn save_token(
        &self,
        hash: &str,
        token: &EmailToken,
        expires_at: Timestamp,
    ) -> Result<(), AccountsError> {
        let item =
            Item { expires_at: Some(expires_at.as_second()), ..Item::new(token_key(hash), encode(token)?) };
        Ok(self.store.put(item, Condition::NotExists).await?)
    }

    /// The email link whose token hashes to `hash`, unless it has expired
    /// at `now` (the store's TTL deletes it lazily: expiry is checked here).
    pub async fn token(&self, hash: &str, now: Timestamp) -> Result<StoredToken, AccountsError> {
        let item = self.store.get(&token_key(hash)).await?.ok_or(AccountsError::InvalidToken)?;
        if item.expires_at.is_none_or(|end| now.as_second() >= end) {
            return Err(AccountsError::InvalidToken);
        }
        Ok(StoredToken { hash: hash.to_owned(), version: item.version, token: decode(item.data)? })
    }

    /// Deletes an email link on the condition that it is still the one
    /// read: of two uses at once, one fails with `InvalidToken`.
    pub async fn use_token(&self, token: &StoredToken) -> Result<(), AccountsError> {
        match self.store.delete(&token_key(&token.hash), Condition::Version(token.version)).await {
            Err(StoreError::ConditionFailed) => Err(AccountsError::InvalidToken),
            other => Ok(other?),
        }
    }

    /// Creates the account and its email item and uses the sign-up link, all
    /// or nothing. Fails with `InvalidToken` when the link was used meanwhile
    /// or the email has had an account since the link was sent.
    pub async fn create_account(&self, account: &Account, link: &StoredToken) -> Result<(), AccountsError> {
        let owner = EmailOwner { account_id: account.id.clone() };
        let ops = vec![
            TransactOp::Delete { key: token_key(&link.hash), condition: Condition::Version(link.version) },
            TransactOp::Put {
                item: Item::new(account_key(&account.id), encode(account)?),
                condition: Condition::NotExists,
            },
            TransactOp::Put {
                item: Item::new(email_key(&account.email), encode(&owner)?),
                condition: Condition::NotExists,
            },
        ];
        match self.store.transact(ops).await {
            Err(StoreError::ConditionFailed) => Err(AccountsError::InvalidToken),
            other => Ok(other?),
        }
    }

    /// Applies `change` to the account and writes it back on the condition
    /// that nobody changed it meanwhile, reading it again after a lost race.
    /// With `link`, the link is used in the same transaction (a password
    /// reset). `None` when the account does not exist.
    pub async fn update(
        &self,
        id: &str,
        link: Option<&StoredToken>,
        change: impl Fn(&mut Account),
    ) -> Result<Option<Account>, AccountsError> {
        for _ in 0..MAX_UPDATE_ATTEMPTS {
            let Some((mut account, version)) = self.account(id).await? else {
                return Ok(None);
            };
            change(&mut account);
            let item = Item { version: version + 1, ..Item::new(account_key(id), encode(&account)?) };
            let written = match link {
                None => self.store.put(item, Condition::Version(version)).await,
                Some(link) => {
                    self.store
                        .transact(vec![
                            TransactOp::Delete {
                                key: token_key(&link.hash),
                                condition: Condition::Version(link.version),
                            },
                            TransactOp::Put { item, condition: Condition::Version(version) },
                        ])
                        .await
                }
            };
            match written {
                Ok(()) => return Ok(Some(account)),
                Err(StoreError::ConditionFailed) => {
                    // Either the account changed (read it again) or the link
                    // was used meanwhile (then it is gone for good).
                    if let Some(link) = link
                        && self
                            .store
                            .get(&token_key(&link.hash))
                            .await?
                            .is_none_or(|t| t.version != link.version)
                    {
                        return Err(AccountsError::InvalidToken);
                    }
                }
                Err(other) => return Err(other.into()),
            }
        }
        Err(AccountsError::Conflict)
    }
}

/// A citizen's account as other functions may know it: its id and the name
/// of its profile.
#[derive(Clone)]
pub struct CitizenAccount {
    pub id: String,
    pub name: Option<String>,
}

/// The account a normalised email belongs to, if any: what an agent
/// recording a request that came by phone or at the counter links it to.
pub async fn citizen_by_email(
    store: Arc<dyn Store>,
    email: &str,
) -> Result<Option<CitizenAccount>, AccountsError> {
    let account = AccountRepository::new(store).account_by_email(email).await?;
    Ok(account.map(|a| CitizenAccount { id: a.id, name: a.profile.name }))
}
