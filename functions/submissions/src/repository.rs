//! Drafts, requests, email codes, tracking links and idempotency records in
//! the store. Access patterns (no scan; see docs/access-patterns.md):
//!
//! | pattern | key |
//! |---|---|
//! | one draft | get `DRAFT#<id>` / `DRAFT` |
//! | an account's drafts | index query `OWNER#<account>`, prefix `DRAFT#` |
//! | drafts to warn on a day | query `DRAFT-WARN#<YYYY-MM-DD>` |
//! | a draft's email code | get `DRAFT#<id>` / `CODE` |
//! | one request by reference | get `REQUEST#<reference>` / `REQUEST` |
//! | a service's requests by phase and date | index query `SERVICE#<slug>#PHASE#<phase>` |
//! | a citizen's requests (by email) | query `CITIZEN#<sha256(email)>`, prefix `REQUEST#` |
//! | a tracking link | get `TRACK#<sha256(token)>` / `TRACK` |
//! | a submission already answered | get `IDEMPOTENCY#<draft>#<key>` / `IDEMPOTENCY` |

use gru_domain::form::{Answers, FormDocument};
use gru_domain::request::Phase;
use gru_ports::store::{Condition, Item, Key, Query, Store, StoreError, TransactOp, query_all};
use jiff::Timestamp;
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum RepositoryError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The cause is kept as the source, out of the message: serde's messages
    /// quote the values they fail on, and those are citizens' answers.
    #[error("a stored item cannot be read")]
    Corrupt(#[source] serde_json::Error),
}

/// A form being filled in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    pub id: String,
    pub service: String,
    pub form_version: u32,
    pub answers: Answers,
    /// The page the citizen was on, to resume there.
    pub page: Option<String>,
    /// The account that owns it; `None` for a draft without an account, whose
    /// id is the capability.
    pub account: Option<String>,
    /// The address the citizen gave (without an account), for the code, the
    /// resume link and the warning before purge.
    pub email: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// When the draft is purged unless saved again.
    pub purge_at: Timestamp,
    /// The day (UTC) the warning before purge goes out; `None` when nobody
    /// can be warned (no account, no email given). The pending warning is a
    /// pointer item, deleted once sent, so sending it never changes the
    /// draft (and never makes the citizen's next save look concurrent).
    pub warn_on: Option<jiff::civil::Date>,
}

/// A draft as stored, with the version its next write must check.
#[derive(Debug, Clone)]
pub struct Versioned<T> {
    pub value: T,
    pub version: u64,
}

/// A one-time code sent to prove an email address.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EmailCode {
    pub email: String,
    pub code_hash: String,
    pub attempts: u32,
    pub expires_at: Timestamp,
}

/// A document the request needs, as the citizen's case required it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequiredDocument {
    pub id: String,
    pub title: String,
    pub description: String,
}

impl From<&FormDocument> for RequiredDocument {
    fn from(d: &FormDocument) -> Self {
        Self { id: d.id.clone(), title: d.title.clone(), description: d.description.clone() }
    }
}

/// One entry of a request's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub at: Timestamp,
    pub phase: Phase,
    /// Who acted: `citizen`, or an agent's id in later capabilities.
    pub by: String,
}

/// A submitted request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request {
    pub reference: String,
    pub service: String,
    pub service_title: String,
    pub form_version: u32,
    pub answers: Answers,
    pub documents: Vec<RequiredDocument>,
    pub email: String,
    pub account: Option<String>,
    /// How the request reached the city: `online` here; agents record others.
    pub channel: String,
    pub phase: Phase,
    pub submitted_at: Timestamp,
    pub history: Vec<HistoryEntry>,
    /// The case its files belong to (the id of the draft it was), when it
    /// came from a draft.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case: Option<String>,
}

/// What a citizen's list shows of a request (one item per request under the
/// citizen's email).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestSummary {
    pub reference: String,
    pub service: String,
    pub service_title: String,
    pub phase: Phase,
    pub submitted_at: Timestamp,
    pub channel: String,
}

/// The answer given to a submission, kept so that a retry gets it again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub reference: String,
    pub tracking_url: String,
}

/// A receipt as kept for retries, with the account that may replay it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredReceipt {
    pub receipt: Receipt,
    pub account: Option<String>,
}

/// Everything a submission writes, in one transaction.
pub struct Submission<'a> {
    pub request: &'a Request,
    pub draft: &'a Versioned<Draft>,
    /// The hash of the tracking link's token.
    pub tracking_hash: &'a str,
    pub email_key: &'a str,
    /// The idempotency record: key and the receipt to replay.
    pub idempotency: Option<(&'a str, &'a StoredReceipt)>,
    /// The code the citizen proved the email with, to spend it.
    pub code_version: Option<u64>,
    pub keep_idempotency_until: Timestamp,
    /// Writes about the case's files: the check that they are as read, and
    /// the deletion of those the request does not keep.
    pub files: Vec<TransactOp>,
}

/// The submissions' typed access to the store.
#[derive(Clone)]
pub struct Repository {
    store: Arc<dyn Store>,
}

const DRAFT: &str = "DRAFT";
const CODE: &str = "CODE";

fn draft_key(id: &str) -> Key {
    Key::new(format!("DRAFT#{id}"), DRAFT)
}

fn code_key(draft: &str) -> Key {
    Key::new(format!("DRAFT#{draft}"), CODE)
}

fn warn_key(day: jiff::civil::Date, draft: &str) -> Key {
    Key::new(format!("DRAFT-WARN#{day}"), draft.to_owned())
}

fn request_key(reference: &str) -> Key {
    Key::new(format!("REQUEST#{reference}"), "REQUEST")
}

fn tracking_key(hash: &str) -> Key {
    Key::new(format!("TRACK#{hash}"), "TRACK")
}

fn idempotency_key(draft: &str, key: &str) -> Key {
    Key::new(format!("IDEMPOTENCY#{draft}#{key}"), "IDEMPOTENCY")
}

fn citizen_partition(email_key: &str) -> String {
    format!("CITIZEN#{email_key}")
}

fn decode<T: DeserializeOwned>(item: Item) -> Result<T, RepositoryError> {
    serde_json::from_value(item.data).map_err(RepositoryError::Corrupt)
}

fn encode<T: Serialize>(value: &T) -> Result<serde_json::Value, RepositoryError> {
    serde_json::to_value(value).map_err(RepositoryError::Corrupt)
}

/// A transaction write that holds while the draft exists (uploads check it,
/// so no file joins a case after its submission).
pub fn draft_exists(id: &str) -> TransactOp {
    TransactOp::Check { key: draft_key(id), condition: Condition::Exists }
}

/// Whether an item's time to live has passed (stores delete lazily).
fn is_live(item: &Item, now: Timestamp) -> bool {
    item.expires_at.is_none_or(|at| at > now.as_second())
}

impl Repository {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    /// A draft that has not expired.
    pub async fn draft(&self, id: &str, now: Timestamp) -> Result<Option<Versioned<Draft>>, RepositoryError> {
        match self.store.get(&draft_key(id)).await? {
            Some(item) if is_live(&item, now) => {
                let version = item.version;
                Ok(Some(Versioned { value: decode(item)?, version }))
            }
            _ => Ok(None),
        }
    }

    /// Writes a draft: a new one (`previous` is `None`) or the next version
    /// of the one read. The warning pointer moves with the purge day.
    /// `Err(ConditionFailed)` when someone saved in between.
    pub async fn save_draft(
        &self,
        draft: &Draft,
        previous: Option<&Versioned<Draft>>,
    ) -> Result<u64, RepositoryError> {
        let (ops, version) = draft_writes(draft, previous)?;
        self.store.transact(ops).await?;
        Ok(version)
    }

    /// Saves the draft (with the email given) and replaces its code, in one
    /// transaction: the code emailed is the code stored, or nothing changed.
    /// The code's version keeps counting across codes, so an attempt counted
    /// on an old code can never land on the new one.
    pub async fn save_draft_with_code(
        &self,
        draft: &Draft,
        previous: &Versioned<Draft>,
        code: &EmailCode,
        previous_code: Option<u64>,
    ) -> Result<u64, RepositoryError> {
        let (mut ops, version) = draft_writes(draft, Some(previous))?;
        let mut item = Item::new(code_key(&draft.id), encode(code)?);
        item.version = previous_code.map_or(1, |v| v + 1);
        item.expires_at = Some(code.expires_at.as_second());
        let condition = previous_code.map_or(Condition::NotExists, Condition::Version);
        ops.push(TransactOp::Put { item, condition });
        self.store.transact(ops).await?;
        Ok(version)
    }

    /// Deletes a draft (abandoned by its owner), if still at `version`.
    pub async fn delete_draft(&self, draft: &Versioned<Draft>) -> Result<(), RepositoryError> {
        let mut ops = vec![TransactOp::Delete {
            key: draft_key(&draft.value.id),
            condition: Condition::Version(draft.version),
        }];
        if let Some(day) = warn_day(&draft.value) {
            ops.push(TransactOp::Delete { key: warn_key(day, &draft.value.id), condition: Condition::None });
        }
        ops.push(TransactOp::Delete { key: code_key(&draft.value.id), condition: Condition::None });
        Ok(self.store.transact(ops).await?)
    }

    /// The drafts of an account, most recent first.
    pub async fn drafts_of(&self, account: &str, now: Timestamp) -> Result<Vec<Draft>, RepositoryError> {
        let items =
            query_all(self.store.as_ref(), Query::secondary(format!("OWNER#{account}")).prefix("DRAFT#"))
                .await?;
        let mut drafts = items
            .into_iter()
            .filter(|item| is_live(item, now))
            .map(decode)
            .collect::<Result<Vec<Draft>, _>>()?;
        drafts.sort_by_key(|d| std::cmp::Reverse(d.updated_at));
        Ok(drafts)
    }

    /// The ids of the drafts whose warning falls on `day`.
    pub async fn drafts_to_warn(&self, day: jiff::civil::Date) -> Result<Vec<String>, RepositoryError> {
        let items = query_all(self.store.as_ref(), Query::partition(format!("DRAFT-WARN#{day}"))).await?;
        Ok(items.into_iter().map(|item| item.key.sk).collect())
    }

    /// Records that the warning of `day` went out for a draft.
    pub async fn warned(&self, day: jiff::civil::Date, draft: &str) -> Result<(), RepositoryError> {
        Ok(self.store.delete(&warn_key(day, draft), Condition::None).await?)
    }

    /// The current code of a draft, if any and not expired.
    pub async fn code(
        &self,
        draft: &str,
        now: Timestamp,
    ) -> Result<Option<Versioned<EmailCode>>, RepositoryError> {
        match self.store.get(&code_key(draft)).await? {
            Some(item) if is_live(&item, now) => {
                let version = item.version;
                Ok(Some(Versioned { value: decode(item)?, version }))
            }
            _ => Ok(None),
        }
    }

    /// The version of the draft's code item, expired or not (the next code
    /// is written over it).
    pub async fn code_version(&self, draft: &str) -> Result<Option<u64>, RepositoryError> {
        Ok(self.store.get(&code_key(draft)).await?.map(|item| item.version))
    }

    /// Counts one attempt at the draft's code *before* it is compared, and
    /// gives the code back, or `None` when there is none or its attempts are
    /// spent. Counted with a version-checked write, retried when another
    /// attempt wins: a burst of parallel guesses gets `max` comparisons at
    /// most, not one each.
    pub async fn take_attempt(
        &self,
        draft: &str,
        max: u32,
        now: Timestamp,
    ) -> Result<Option<Versioned<EmailCode>>, RepositoryError> {
        loop {
            let Some(code) = self.code(draft, now).await? else { return Ok(None) };
            if code.value.attempts >= max {
                return Ok(None);
            }
            let mut next = code.value.clone();
            next.attempts += 1;
            let mut item = Item::new(code_key(draft), encode(&next)?);
            item.version = code.version + 1;
            item.expires_at = Some(next.expires_at.as_second());
            match self.store.put(item, Condition::Version(code.version)).await {
                Ok(()) => return Ok(Some(Versioned { value: next, version: code.version + 1 })),
                Err(StoreError::ConditionFailed) => continue,
                Err(other) => return Err(other.into()),
            }
        }
    }

    /// Writes a submission, all or nothing: the request (in the service's
    /// index by phase and date), the citizen's list entry, the tracking link,
    /// the idempotency record, and the deletion of the draft (at the version
    /// read) and of the code spent. `Err(ConditionFailed)` when any of them
    /// was taken meanwhile.
    pub async fn submit(&self, s: Submission<'_>) -> Result<(), RepositoryError> {
        let request = s.request;
        let at = request.submitted_at;
        let summary = RequestSummary {
            reference: request.reference.clone(),
            service: request.service.clone(),
            service_title: request.service_title.clone(),
            phase: request.phase,
            submitted_at: at,
            channel: request.channel.clone(),
        };
        let mut ops = vec![
            TransactOp::Put {
                item: Item::new(request_key(&request.reference), encode(request)?).with_index_key(Key::new(
                    format!("SERVICE#{}#PHASE#{}", request.service, request.phase.as_str()),
                    format!("{at}#{}", request.reference),
                )),
                condition: Condition::NotExists,
            },
            TransactOp::Put {
                item: Item::new(
                    Key::new(citizen_partition(s.email_key), format!("REQUEST#{at}#{}", request.reference)),
                    encode(&summary)?,
                ),
                condition: Condition::NotExists,
            },
            TransactOp::Put {
                item: Item::new(
                    tracking_key(s.tracking_hash),
                    serde_json::json!({ "reference": request.reference }),
                ),
                condition: Condition::NotExists,
            },
            TransactOp::Delete {
                key: draft_key(&s.draft.value.id),
                condition: Condition::Version(s.draft.version),
            },
        ];
        if let Some((key, receipt)) = s.idempotency {
            let mut item = Item::new(idempotency_key(&s.draft.value.id, key), encode(receipt)?);
            item.expires_at = Some(s.keep_idempotency_until.as_second());
            ops.push(TransactOp::Put { item, condition: Condition::NotExists });
        }
        if let Some(version) = s.code_version {
            ops.push(TransactOp::Delete {
                key: code_key(&s.draft.value.id),
                condition: Condition::Version(version),
            });
        }
        if let Some(day) = warn_day(&s.draft.value) {
            ops.push(TransactOp::Delete {
                key: warn_key(day, &s.draft.value.id),
                condition: Condition::None,
            });
        }
        ops.extend(s.files);
        Ok(self.store.transact(ops).await?)
    }

    /// The receipt of a submission already made with this key, if any.
    pub async fn receipt(&self, draft: &str, key: &str) -> Result<Option<StoredReceipt>, RepositoryError> {
        self.store.get(&idempotency_key(draft, key)).await?.map(decode).transpose()
    }

    pub async fn request(&self, reference: &str) -> Result<Option<Request>, RepositoryError> {
        self.store.get(&request_key(reference)).await?.map(decode).transpose()
    }

    /// The request a tracking link's token leads to.
    pub async fn tracked(&self, token_hash: &str) -> Result<Option<Request>, RepositoryError> {
        #[derive(Deserialize)]
        struct Link {
            reference: String,
        }
        match self.store.get(&tracking_key(token_hash)).await? {
            Some(item) => {
                let Link { reference } = decode(item)?;
                self.request(&reference).await
            }
            None => Ok(None),
        }
    }

    /// A citizen's requests, most recent first.
    pub async fn requests_of(&self, email_key: &str) -> Result<Vec<RequestSummary>, RepositoryError> {
        let query = Query::partition(citizen_partition(email_key)).prefix("REQUEST#").descending();
        query_all(self.store.as_ref(), query).await?.into_iter().map(decode).collect()
    }
}

/// The warning pointer's day.
fn warn_day(draft: &Draft) -> Option<jiff::civil::Date> {
    draft.warn_on
}

/// The writes that save `draft` over `previous` (or create it), and the new
/// version: the draft, version-checked, and its warning pointer when the
/// purge day moves.
fn draft_writes(
    draft: &Draft,
    previous: Option<&Versioned<Draft>>,
) -> Result<(Vec<TransactOp>, u64), RepositoryError> {
    let version = previous.map_or(1, |p| p.version + 1);
    let mut item = Item::new(draft_key(&draft.id), encode(draft)?);
    item.version = version;
    item.expires_at = Some(draft.purge_at.as_second());
    if let Some(account) = &draft.account {
        item = item.with_index_key(Key::new(format!("OWNER#{account}"), format!("DRAFT#{}", draft.id)));
    }
    let condition = previous.map_or(Condition::NotExists, |p| Condition::Version(p.version));
    let mut ops = vec![TransactOp::Put { item, condition }];
    let new_day = warn_day(draft);
    let old_day = previous.and_then(|p| warn_day(&p.value));
    if old_day != new_day {
        if let Some(day) = old_day {
            ops.push(TransactOp::Delete { key: warn_key(day, &draft.id), condition: Condition::None });
        }
        if let Some(day) = new_day {
            let mut pointer = Item::new(warn_key(day, &draft.id), serde_json::json!({}));
            pointer.expires_at = Some(draft.purge_at.as_second());
            ops.push(TransactOp::Put { item: pointer, condition: Condition::None });
        }
    }
    Ok((ops, version))
}
