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
//! | a service's requests by phase and date (agents' inbox, Open311's list) | index query `SERVICE#<slug>#PHASE#<phase>` |
//! | a citizen's requests (by email) | query `CITIZEN#<sha256(email)>`, prefix `REQUEST#` |
//! | a tracking link | get `TRACK#<sha256(token)>` / `TRACK` |
//! | a submission already answered | get `IDEMPOTENCY#<draft>#<key>` / `IDEMPOTENCY` |

use crate::indicators;
use crate::reference::is_reference;
use gru_domain::indicators::{CityDays, tallies};
use gru_domain::request::Phase;
use gru_domain::request::{Draft, Receipt, Request, RequestSummary};
use gru_ports::store::{
    Condition, Cursor, Item, Key, Query, SortKeyCondition, Store, StoreError, TransactOp, query_all,
};
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
    #[error(transparent)]
    Outbox(#[from] gru_outbox::OutboxError),
}

/// A stored draft or request, with the version its next write must check.
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
    /// The city's days, on which the indicators count the request.
    pub days: CityDays<'a>,
}

/// What recording a request from another channel writes, besides the
/// caller's own writes.
pub struct Recording<'a> {
    pub request: &'a Request,
    /// The recording agent's id (the scope of the idempotency key).
    pub agent: &'a str,
    /// The hash of the tracking link's token.
    pub tracking_hash: &'a str,
    pub idempotency: Option<(&'a str, &'a StoredReceipt)>,
    pub keep_idempotency_until: Timestamp,
    /// The city's days, on which the indicators count the request.
    pub days: CityDays<'a>,
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

fn service_phase_partition(service: &str, phase: Phase) -> String {
    format!("SERVICE#{service}#PHASE#{}", phase.as_str())
}

/// The index's sort keys of requests submitted from `from` to `to`: they
/// are `<submitted_at>#<reference>`, and `~` sorts after `#`.
fn submitted_between(from: Timestamp, to: Timestamp) -> SortKeyCondition {
    SortKeyCondition::Between(from.to_string(), format!("{to}~"))
}

/// The request's item at `version`, in the index of its service and phase.
fn request_item(request: &Request, version: u64) -> Result<Item, RepositoryError> {
    let mut item = Item::new(request_key(&request.reference), encode(request)?).with_index_key(Key::new(
        service_phase_partition(&request.service, request.phase),
        format!("{}#{}", request.submitted_at, request.reference),
    ));
    item.version = version;
    Ok(item)
}

/// The request's entry in its citizen's list.
fn summary_item(
    request: &Request,
    email_key: &str,
    status_label: Option<&str>,
) -> Result<Item, RepositoryError> {
    let summary = RequestSummary {
        reference: request.reference.clone(),
        service: request.service.clone(),
        service_title: request.service_title.clone(),
        phase: request.phase,
        submitted_at: request.submitted_at,
        channel: request.channel.clone(),
        status_label: status_label.map(str::to_owned),
    };
    let sk = format!("REQUEST#{}#{}", request.submitted_at, request.reference);
    Ok(Item::new(Key::new(citizen_partition(email_key), sk), encode(&summary)?))
}

/// Reads a stored request. Requests stored before workflows have no
/// `status` nor `updated_at`: they are at the status named like their phase
/// (`submitted`, the first status of the standard workflow) and have not
/// changed since their submission.
fn decode_request(item: Item) -> Result<Versioned<Request>, RepositoryError> {
    let version = item.version;
    let mut data = item.data;
    if let Some(fields) = data.as_object_mut() {
        for (field, from) in [("status", "phase"), ("updated_at", "submitted_at")] {
            if !fields.contains_key(field)
                && let Some(value) = fields.get(from).cloned()
            {
                fields.insert(field.to_owned(), value);
            }
        }
    }
    Ok(Versioned { value: serde_json::from_value(data).map_err(RepositoryError::Corrupt)?, version })
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

/// A transaction write that holds while the request is still at `version`
/// (a change of its case's files made on what the request was when read).
pub fn request_unchanged(reference: &str, version: u64) -> TransactOp {
    TransactOp::Check { key: request_key(reference), condition: Condition::Version(version) }
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

    /// Writes a new draft a citizen starts, counted in the indicators'
    /// `drafts` on the city's `days`, in the same transaction.
    pub async fn start_draft(&self, draft: &Draft, days: CityDays<'_>) -> Result<u64, RepositoryError> {
        let (mut ops, version) = draft_writes(draft, None)?;
        ops.extend(indicators::writes(
            indicators::Family::Requests,
            &[gru_domain::indicators::draft_started(&draft.service, draft.created_at, days)],
        ));
        self.store.transact(ops).await?;
        Ok(version)
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
        let mut ops = new_request_writes(s.request, s.email_key, s.tracking_hash, s.days)?;
        ops.push(TransactOp::Delete {
            key: draft_key(&s.draft.value.id),
            condition: Condition::Version(s.draft.version),
        });
        if let Some((key, receipt)) = s.idempotency {
            ops.push(idempotency_write(&s.draft.value.id, key, receipt, s.keep_idempotency_until)?);
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

    /// Writes a request an agent recorded (it came by phone, email, post or
    /// at the counter), all or nothing: the request, the citizen's list
    /// entry, the tracking link, the idempotency record under the agent's
    /// key (`agent` is the agent's id), and the caller's `extra` writes (the
    /// confirmation in the outbox, the audit entry).
    pub async fn record(&self, r: Recording<'_>, extra: Vec<TransactOp>) -> Result<(), RepositoryError> {
        let email_key = gru_web::tokens::email_key(&r.request.email);
        let mut ops = new_request_writes(r.request, &email_key, r.tracking_hash, r.days)?;
        if let Some((key, receipt)) = r.idempotency {
            ops.push(idempotency_write(&agent_scope(r.agent), key, receipt, r.keep_idempotency_until)?);
        }
        ops.extend(extra);
        Ok(self.store.transact(ops).await?)
    }

    /// The receipt of a request the agent already recorded with this key.
    pub async fn recorded_receipt(
        &self,
        agent: &str,
        key: &str,
    ) -> Result<Option<StoredReceipt>, RepositoryError> {
        self.receipt(&agent_scope(agent), key).await
    }

    /// The receipt of a submission already made with this key, if any.
    pub async fn receipt(&self, draft: &str, key: &str) -> Result<Option<StoredReceipt>, RepositoryError> {
        self.store.get(&idempotency_key(draft, key)).await?.map(decode).transpose()
    }

    pub async fn request(&self, reference: &str) -> Result<Option<Request>, RepositoryError> {
        Ok(self.request_versioned(reference).await?.map(|r| r.value))
    }

    /// A request with the version its next change must check; `None` for
    /// text that is not a reference (no read).
    pub async fn request_versioned(
        &self,
        reference: &str,
    ) -> Result<Option<Versioned<Request>>, RepositoryError> {
        if !is_reference(reference) {
            return Ok(None);
        }
        self.store.get(&request_key(reference)).await?.map(decode_request).transpose()
    }

    /// The requests of a service in a phase, oldest first (one index query,
    /// every page).
    pub async fn requests_in(
        &self,
        service: &str,
        phase: Phase,
    ) -> Result<Vec<Versioned<Request>>, RepositoryError> {
        let query = Query::secondary(service_phase_partition(service, phase));
        query_all(self.store.as_ref(), query).await?.into_iter().map(decode_request).collect()
    }

    /// The `max` requests of a service in a phase most recently submitted,
    /// newest first (one page of one index query): what lists of decided
    /// requests show, whose number only grows.
    pub async fn recent_requests_in(
        &self,
        service: &str,
        phase: Phase,
        max: u32,
    ) -> Result<Vec<Versioned<Request>>, RepositoryError> {
        let query = Query::secondary(service_phase_partition(service, phase)).descending().limit(max);
        self.store.query(query).await?.items.into_iter().map(decode_request).collect()
    }

    /// The at most `max` requests of a service in a phase submitted from
    /// `from` to `to`, newest first (one page of one index query).
    pub async fn requests_submitted_between(
        &self,
        service: &str,
        phase: Phase,
        (from, to): (Timestamp, Timestamp),
        max: u32,
    ) -> Result<Vec<Request>, RepositoryError> {
        let query = Query::secondary(service_phase_partition(service, phase))
            .sort(submitted_between(from, to))
            .descending()
            .limit(max);
        self.store.query(query).await?.items.into_iter().map(|item| Ok(decode_request(item)?.value)).collect()
    }

    /// One page of the requests of a service in a phase submitted from
    /// `from` to `to`, oldest first, from `cursor` (a page of one index
    /// query): exports and recounts read a period this way, never by scanning.
    pub async fn requests_page(
        &self,
        service: &str,
        phase: Phase,
        (from, to): (Timestamp, Timestamp),
        cursor: Option<Cursor>,
        max: u32,
    ) -> Result<(Vec<Request>, Option<Cursor>), RepositoryError> {
        let query = Query::secondary(service_phase_partition(service, phase))
            .sort(submitted_between(from, to))
            .limit(max)
            .after(cursor);
        let page = self.store.query(query).await?;
        let requests = page
            .items
            .into_iter()
            .map(|item| decode_request(item).map(|r| r.value))
            .collect::<Result<_, _>>()?;
        Ok((requests, page.next))
    }

    /// Writes a change of a request, all or nothing: the request at the
    /// version it was read at (its index entry follows its phase), the
    /// citizen's list entry with the new phase and `status_label` (the
    /// citizen's words), what the change adds to the indicators (counted on
    /// the city's `days`), and the caller's `extra` writes (the email in the
    /// outbox, the audit entry, counts of its own). Returns the new version;
    /// `Err(ConditionFailed)` when the request changed since it was read.
    /// The reference, email and submission time never change.
    pub async fn change_request(
        &self,
        previous: &Versioned<Request>,
        request: &Request,
        status_label: &str,
        days: CityDays<'_>,
        extra: Vec<TransactOp>,
    ) -> Result<u64, RepositoryError> {
        let version = previous.version + 1;
        let email_key = gru_web::tokens::email_key(&request.email);
        let mut ops = vec![
            TransactOp::Put {
                item: request_item(request, version)?,
                condition: Condition::Version(previous.version),
            },
            // Its version is never checked: the request's check orders the
            // changes, and the entry follows the request.
            TransactOp::Put {
                item: summary_item(request, &email_key, Some(status_label))?,
                condition: Condition::None,
            },
        ];
        ops.extend(indicators::request_writes(&tallies(Some(&previous.value), request, days)));
        ops.extend(extra);
        // The caller's writes may add to the same counters (a message that
        // moves the request): one addition per item.
        self.store.transact(indicators::merged(ops)).await?;
        Ok(version)
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

/// The writes that create a request: the request itself (in its service's
/// index), the citizen's list entry and the tracking link, none of which may
/// exist yet, and its arrival in the indicators.
fn new_request_writes(
    request: &Request,
    email_key: &str,
    tracking_hash: &str,
    days: CityDays<'_>,
) -> Result<Vec<TransactOp>, RepositoryError> {
    let arrival = indicators::request_writes(&tallies(None, request, days));
    Ok([
        TransactOp::Put { item: request_item(request, 1)?, condition: Condition::NotExists },
        TransactOp::Put { item: summary_item(request, email_key, None)?, condition: Condition::NotExists },
        TransactOp::Put {
            item: Item::new(
                tracking_key(tracking_hash),
                serde_json::json!({ "reference": request.reference }),
            ),
            condition: Condition::NotExists,
        },
    ]
    .into_iter()
    .chain(arrival)
    .collect())
}

/// The record that answers a retry with the same `Idempotency-Key` (`scope`:
/// the draft, or an agent's scope), kept until `until`.
fn idempotency_write(
    scope: &str,
    key: &str,
    receipt: &StoredReceipt,
    until: Timestamp,
) -> Result<TransactOp, RepositoryError> {
    let mut item = Item::new(idempotency_key(scope, key), encode(receipt)?);
    item.expires_at = Some(until.as_second());
    Ok(TransactOp::Put { item, condition: Condition::NotExists })
}

/// Where an agent's idempotency keys live (never a draft id: those have no `:`).
fn agent_scope(agent: &str) -> String {
    format!("agent:{agent}")
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

#[cfg(test)]
mod tests {
    use super::*;
    use gru_domain::request::HistoryKind;

    #[test]
    fn requests_stored_before_workflows_still_read() {
        let stored = serde_json::json!({
            "reference": "ABCD-2345",
            "service": "etat-civil",
            "service_title": "Acte d'état civil",
            "form_version": 1,
            "answers": {},
            "documents": [],
            "email": "anne@example.fr",
            "account": null,
            "channel": "online",
            "phase": "submitted",
            "submitted_at": "2027-03-01T09:00:00Z",
            "history": [{ "at": "2027-03-01T09:00:00Z", "phase": "submitted", "by": "citizen" }],
            "case": "draft-1",
        });
        let mut item = Item::new(request_key("ABCD-2345"), stored);
        item.version = 3;
        let read = decode_request(item).unwrap();
        assert_eq!(read.version, 3);
        let request = read.value;
        assert_eq!((request.status.as_str(), request.updated_at), ("submitted", request.submitted_at));
        assert_eq!((&request.assignee, &request.deadline, &request.resume_status), (&None, &None, &None));
        assert_eq!(request.history[0].kind, HistoryKind::Submitted);
        // Written back, it carries its status from then on.
        let written = request_item(&request, 4).unwrap();
        assert_eq!(written.data["status"], "submitted");
        assert_eq!(written.index_key.unwrap().pk, "SERVICE#etat-civil#PHASE#submitted");
    }
}
