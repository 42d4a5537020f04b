//! The files of a case in the store: what the attachments function writes
//! while the citizen fills in the form, and what a submission checks and
//! carries over to the request.
//!
//! A case is named by the id of the draft it started as; the request keeps
//! that id (`gru_domain::request::Request::case`), so its files stay where
//! they were uploaded; a request made without a draft has a case named by
//! its reference ([`request_case`]). After submission, the case takes the
//! files joined to the request's messages (document [`THREAD_DOCUMENT`]).
//! Access patterns (no scan):
//!
//! | pattern | key |
//! |---|---|
//! | a case's files | query `FILES#<case>`, prefix `FILE#` |
//! | the case's file set (a version every change of the set bumps) | get `FILES#<case>` / `SET` |
//! | cases of drafts to check on a day (their files may be orphaned) | index query `CASE-SWEEP#<YYYY-MM-DD>` |
//!
//! The set item of a draft's case is in the index under the day after the
//! draft's purge date: if the draft is gone by then without being
//! submitted, the sweep deletes the case's files (`gru_notices::drafts`). A
//! submission takes the set item out of the index: the files are the
//! request's.
//!
//! Every change to the set of files (a reservation, a confirmation, a
//! removal) writes the set item at the version read, in the transaction
//! that changes the files: two changes decided on the same listing cannot
//! both land, so quotas hold under concurrent uploads. A submission checks
//! the same version, so it never misses a file confirmed meanwhile.
//!
//! Every removal of a file's record queues the deletion of its bytes in the
//! same transaction (`gru_outbox::enqueue_file_deletion`): the notifier (a
//! task of the all-in-one portal) deletes them and tries again until it
//! can, so no object outlives its record, and the functions that remove
//! records need no access to the bytes.

use crate::requests::{RepositoryError, Versioned};

use gru_domain::attachment::{Format, ScanStatus};
use gru_domain::request::{Request, RequiredDocument};
use gru_ports::store::{Condition, Item, Key, Query, Store, StoreError, TransactOp, query_all};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// One file supplied for a document of a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attachment {
    pub id: String,
    /// The form document it is for.
    pub document: String,
    /// The name it is downloaded under: cleaned of paths and control
    /// characters, ending with its format's extension.
    pub name: String,
    pub format: Format,
    pub size: u64,
    /// A reservation made by an upload grant lapses at this time unless
    /// the upload is confirmed.
    pub reserved_until: Timestamp,
    /// When the upload was confirmed (bytes checked); `None` while reserved.
    pub stored_at: Option<Timestamp>,
    pub scan: ScanStatus,
    /// The stored file this one replaces once confirmed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaces: Option<String>,
}

impl Attachment {
    /// Whether it takes a place in the quotas: stored, or reserved and not lapsed.
    pub fn is_live(&self, now: Timestamp) -> bool {
        self.stored_at.is_some() || self.reserved_until > now
    }

    /// Whether it counts for its document: stored and not infected.
    pub fn counts(&self) -> bool {
        self.stored_at.is_some() && self.scan.counts()
    }
}

/// The day a draft's case is looked at by the sweep: the day after the
/// draft's purge date, when the draft is surely gone unless saved again.
pub fn sweep_day(draft_purge_at: Timestamp) -> Date {
    let day = draft_purge_at.to_zoned_datetime(jiff::tz::TimeZone::UTC).date();
    day.tomorrow().unwrap_or(day)
}

/// Where a case's file lives in the Files port.
pub fn object_key(case: &str, file: &str) -> String {
    format!("cases/{case}/{file}")
}

/// The document of the files joined to a request's messages (its thread),
/// next to the documents of the request's form.
pub const THREAD_DOCUMENT: &str = "thread";

/// The case of a request's files: the draft's it came from, or, for a
/// request made without a draft (recorded by an agent), one named by its
/// reference (a reference never looks like a draft id).
pub fn request_case(request: &Request) -> &str {
    request.case.as_deref().unwrap_or(&request.reference)
}

/// A case's files as read, with the version of its file set.
#[derive(Debug, Clone)]
pub struct CaseFiles {
    pub case: String,
    /// `None` when the case never had a file.
    pub set_version: Option<u64>,
    /// The day the sweep looks at the case; `None` once it is a request's.
    pub sweep_on: Option<Date>,
    pub files: Vec<Versioned<Attachment>>,
}

impl CaseFiles {
    pub fn file(&self, id: &str) -> Option<&Versioned<Attachment>> {
        self.files.iter().find(|f| f.value.id == id)
    }

    /// The write that changes the set: the set item at the version read,
    /// to be swept on `sweep_on` (a draft's case), or never (a request's).
    fn set_write(&self, sweep_on: Option<Date>) -> TransactOp {
        let mut item = Item::new(set_key(&self.case), serde_json::json!({ "sweep_on": sweep_on }));
        item.version = self.set_version.map_or(1, |v| v + 1);
        if let Some(day) = sweep_on {
            item = item.with_index_key(Key::new(format!("CASE-SWEEP#{day}"), self.case.clone()));
        }
        let condition = self.set_version.map_or(Condition::NotExists, Condition::Version);
        TransactOp::Put { item, condition }
    }

    /// For a submission: the set is still as read, and its files now belong
    /// to the request (out of the sweep's index).
    pub fn kept_by_request(&self) -> TransactOp {
        match self.set_version {
            Some(_) => self.set_write(None),
            None => TransactOp::Check { key: set_key(&self.case), condition: Condition::NotExists },
        }
    }

    /// Deletions of these files' records, each at the version read, and
    /// the deletion of their bytes queued, due `now`, and again when the
    /// upload grants of those still reserved have lapsed.
    pub fn deletions<'a>(
        &self,
        files: impl IntoIterator<Item = &'a Versioned<Attachment>>,
        now: Timestamp,
    ) -> Result<Vec<TransactOp>, RepositoryError> {
        let files: Vec<&Versioned<Attachment>> = files.into_iter().collect();
        let Some(first) = files.first() else { return Ok(Vec::new()) };
        let mut ops: Vec<TransactOp> = files
            .iter()
            .map(|f| TransactOp::Delete {
                key: file_key(&self.case, &f.value.id),
                condition: Condition::Version(f.version),
            })
            .collect();
        let keys = files.iter().map(|f| object_key(&self.case, &f.value.id)).collect();
        ops.push(gru_outbox::enqueue_file_deletion(keys, &format!("file#{}", first.value.id), now)?);
        // A grant writes only where no object is: one still valid could store
        // the bytes again once they are deleted. So they are deleted once more
        // when no grant of these files can be used any more.
        let open: Vec<_> = files.iter().filter(|f| f.value.reserved_until > now).collect();
        if let Some(last) = open.iter().map(|f| f.value.reserved_until).max() {
            let keys = open.iter().map(|f| object_key(&self.case, &f.value.id)).collect();
            let event = format!("file#{}#after-grants", first.value.id);
            ops.push(gru_outbox::enqueue_file_deletion(keys, &event, last)?);
        }
        Ok(ops)
    }
}

/// One change to a case's files.
pub enum Change<'a> {
    /// A new file (a reservation).
    Add(&'a Attachment),
    /// A file rewritten over the version read.
    Update(&'a Versioned<Attachment>, &'a Attachment),
    Remove(&'a Versioned<Attachment>),
}

fn set_key(case: &str) -> Key {
    Key::new(format!("FILES#{case}"), "SET")
}

fn file_key(case: &str, file: &str) -> Key {
    Key::new(format!("FILES#{case}"), format!("FILE#{file}"))
}

/// Typed access to the files of cases.
#[derive(Clone)]
pub struct AttachmentRepository {
    store: Arc<dyn Store>,
}

impl AttachmentRepository {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    /// Every file record of a case (lapsed reservations included), in
    /// upload order, with the set's version read first.
    pub async fn case(&self, case: &str) -> Result<CaseFiles, RepositoryError> {
        #[derive(Deserialize)]
        struct Set {
            sweep_on: Option<Date>,
        }
        let set = self.store.get(&set_key(case)).await?;
        let set_version = set.as_ref().map(|item| item.version);
        let sweep_on = match set {
            Some(item) => {
                serde_json::from_value::<Set>(item.data).map_err(RepositoryError::Corrupt)?.sweep_on
            }
            None => None,
        };
        let items =
            query_all(self.store.as_ref(), Query::partition(format!("FILES#{case}")).prefix("FILE#")).await?;
        let mut files = items
            .into_iter()
            .map(|item| {
                let version = item.version;
                serde_json::from_value(item.data)
                    .map(|value| Versioned { value, version })
                    .map_err(RepositoryError::Corrupt)
            })
            .collect::<Result<Vec<Versioned<Attachment>>, _>>()?;
        files.sort_by_key(|f| (f.value.reserved_until, f.value.id.clone()));
        Ok(CaseFiles { case: case.to_owned(), set_version, sweep_on, files })
    }

    /// Applies changes decided on `read`, with `guard` (the draft still
    /// there, say) in the same transaction; the case is to be swept on
    /// `sweep_on`, if given; a removed file's bytes are queued for deletion,
    /// due `now`. `Err(ConditionFailed)` when the set changed meanwhile or
    /// the guard failed: nothing was written.
    pub async fn change(
        &self,
        read: &CaseFiles,
        changes: &[Change<'_>],
        guard: Option<TransactOp>,
        sweep_on: Option<Date>,
        now: Timestamp,
    ) -> Result<(), RepositoryError> {
        let mut ops = vec![read.set_write(sweep_on)];
        let mut removed = Vec::new();
        for change in changes {
            match change {
                Change::Add(file) => ops.push(TransactOp::Put {
                    item: Item::new(file_key(&read.case, &file.id), encode(file)?),
                    condition: Condition::NotExists,
                }),
                Change::Update(previous, file) => {
                    let mut item = Item::new(file_key(&read.case, &file.id), encode(file)?);
                    item.version = previous.version + 1;
                    ops.push(TransactOp::Put { item, condition: Condition::Version(previous.version) });
                }
                Change::Remove(file) => removed.push(*file),
            }
        }
        ops.extend(read.deletions(removed, now)?);
        ops.extend(guard);
        Ok(self.store.transact(ops).await?)
    }

    /// Deletes every record of a case, its set included, if the set is
    /// still as read: a submission in between (which takes the case out of
    /// the sweep) makes it fail.
    pub async fn purge(&self, read: &CaseFiles, now: Timestamp) -> Result<(), RepositoryError> {
        let Some(version) = read.set_version else { return Ok(()) };
        let mut ops =
            vec![TransactOp::Delete { key: set_key(&read.case), condition: Condition::Version(version) }];
        ops.extend(read.deletions(&read.files, now)?);
        Ok(self.store.transact(ops).await?)
    }

    /// The cases to look at on `day`: their draft's purge date was the day before.
    pub async fn cases_to_sweep(&self, day: Date) -> Result<Vec<String>, RepositoryError> {
        let items = query_all(self.store.as_ref(), Query::secondary(format!("CASE-SWEEP#{day}"))).await?;
        Ok(items.into_iter().map(|item| item.key.pk.trim_start_matches("FILES#").to_owned()).collect())
    }

    /// Records a new scan status, unless the file changed meanwhile (then
    /// the newer record wins and `false` is returned). The set is not
    /// bumped: a scan does not change which files there are.
    pub async fn set_scan(
        &self,
        case: &str,
        file: &Versioned<Attachment>,
        scan: ScanStatus,
    ) -> Result<bool, RepositoryError> {
        let mut next = file.value.clone();
        next.scan = scan;
        let mut item = Item::new(file_key(case, &next.id), encode(&next)?);
        item.version = file.version + 1;
        match self.store.put(item, Condition::Version(file.version)).await {
            Ok(()) => Ok(true),
            Err(StoreError::ConditionFailed) => Ok(false),
            Err(other) => Err(other.into()),
        }
    }

    /// Each document `request` requires, with the files stored for it: what
    /// its citizen and its agents read of the request's case (one query).
    pub async fn documents_of(&self, request: &Request) -> Result<Vec<DocumentFiles>, RepositoryError> {
        let files = match &request.case {
            Some(case) => self.case(case).await?.files,
            None => Vec::new(),
        };
        Ok(request
            .documents
            .iter()
            .map(|document| DocumentFiles {
                document: document.clone(),
                files: files
                    .iter()
                    .filter(|f| f.value.document == document.id && f.value.stored_at.is_some())
                    .map(|f| FileView::from(&f.value))
                    .collect(),
            })
            .collect())
    }
}

/// A document a request requires, and the files stored for it.
#[derive(Debug, Clone, Serialize)]
pub struct DocumentFiles {
    #[serde(flatten)]
    pub document: RequiredDocument,
    pub files: Vec<FileView>,
}

fn encode(file: &Attachment) -> Result<serde_json::Value, RepositoryError> {
    serde_json::to_value(file).map_err(RepositoryError::Corrupt)
}

/// A file as its citizen (and later its agents) sees it.
#[derive(Debug, Clone, Serialize)]
pub struct FileView {
    pub id: String,
    pub document: String,
    pub name: String,
    pub format: Format,
    pub size: u64,
    pub scan: ScanStatus,
    pub scan_label: &'static str,
    pub downloadable: bool,
    /// When the upload was confirmed; `None` while it is under way.
    pub uploaded_at: Option<Timestamp>,
}

impl From<&Attachment> for FileView {
    fn from(file: &Attachment) -> Self {
        Self {
            id: file.id.clone(),
            document: file.document.clone(),
            name: file.name.clone(),
            format: file.format,
            size: file.size,
            scan: file.scan,
            scan_label: file.scan.label(),
            downloadable: file.stored_at.is_some() && file.scan.downloadable(),
            uploaded_at: file.stored_at,
        }
    }
}
