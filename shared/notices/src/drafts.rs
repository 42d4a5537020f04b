//! The drafts' housekeeping: the warning email before an unfinished draft
//! is purged, and the files of drafts purged unsubmitted: their records are
//! deleted, and the deletion of their bytes queued in the outbox with them.
//! (The purge of the draft itself is the store's time to live: DynamoDB's
//! TTL on AWS, `SqliteStore::delete_expired` in the all-in-one binary.)

use gru_ports::mailer::SIGNATURE;
use gru_ports::{Email, Mailer, StoreError};
use gru_records::case_files::{AttachmentRepository, sweep_day};
use gru_records::catalogue::CatalogueRepository;
use gru_records::requests::{Repository, RepositoryError};
use gru_web::Platform;
use std::sync::Arc;

/// What the drafts' housekeeping runs on: the platform and the mailer of
/// the warnings.
#[derive(Clone)]
pub struct Housekeeping {
    pub platform: Platform,
    pub mailer: Arc<dyn Mailer>,
}

/// The link that resumes a draft on the site. The draft's id is its
/// capability when it has no account, so it travels in the fragment, which
/// browsers never send to a server (no access log holds it).
pub fn resume_url(public_url: &str, service: &str, draft: &str) -> String {
    format!("{public_url}/demarche.html?service={service}#brouillon={draft}")
}

/// What one round of the drafts' housekeeping did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    pub warnings_sent: usize,
    /// Files of drafts purged without being submitted: their records are
    /// gone, their bytes queued for deletion.
    pub files_purged: usize,
}

/// One round of the drafts' housekeeping: the warnings due, then the files
/// of drafts gone unsubmitted. The one job list of the all-in-one portal's
/// hourly housekeeping and of the notifier's schedule on AWS.
pub async fn run(app: &Housekeeping) -> Result<Swept, RepositoryError> {
    let warnings_sent = warn_before_purge(app).await?;
    let files_purged = purge_orphaned_files(app).await?;
    Ok(Swept { warnings_sent, files_purged })
}

/// Days looked back, so a sweep that did not run for a while catches up.
const CATCH_UP_DAYS: i64 = 3;

/// Days looked back for orphaned files: longer, since a file left behind
/// is personal data kept with no purpose.
const FILES_CATCH_UP_DAYS: i64 = 30;

/// Deletes the files of cases whose draft is gone without being submitted
/// (purged, expired): their records, and their bytes through the outbox; a
/// case whose draft was saved since is rescheduled to the day after its new
/// purge date. Returns how many files were purged.
pub async fn purge_orphaned_files(app: &Housekeeping) -> Result<usize, RepositoryError> {
    let drafts = Repository::new(app.platform.store.clone());
    let attachments = AttachmentRepository::new(app.platform.store.clone());
    let now = app.platform.clock.now();
    let today = now.to_zoned_datetime(jiff::tz::TimeZone::UTC).date();
    let mut purged = 0;
    for back in (0..=FILES_CATCH_UP_DAYS).rev() {
        let day = today.saturating_sub(jiff::Span::new().days(back));
        for case in attachments.cases_to_sweep(day).await? {
            let files = attachments.case(&case).await?;
            // Read after the index (which may lag): only a case still
            // scheduled is touched, at the version read.
            if files.sweep_on.is_none_or(|on| on > today) {
                continue;
            }
            let draft = drafts.draft(&case, now).await?;
            let written = match &draft {
                Some(draft) => {
                    attachments.change(&files, &[], None, Some(sweep_day(draft.value.purge_at)), now).await
                }
                None => attachments.purge(&files, now).await,
            };
            match written {
                Ok(()) => {}
                // Changed meanwhile (an upload, a submission): next round.
                Err(RepositoryError::Store(
                    StoreError::ConditionFailed | StoreError::TransactionConflict,
                )) => {
                    continue;
                }
                Err(other) => return Err(other),
            }
            if draft.is_none() {
                purged += files.files.len();
            }
        }
    }
    Ok(purged)
}

/// Sends the warnings due today (and those of the last few days that were
/// missed). Safe to run as often as wanted: a warning's pointer is deleted
/// once it is sent, and one that could not be sent is tried again next
/// round. Returns how many warnings went out.
pub async fn warn_before_purge(app: &Housekeeping) -> Result<usize, RepositoryError> {
    let repository = Repository::new(app.platform.store.clone());
    let catalogue = CatalogueRepository::new(app.platform.store.clone());
    let now = app.platform.clock.now();
    let today = now.to_zoned_datetime(jiff::tz::TimeZone::UTC).date();
    let mut sent = 0;
    for back in (0..=CATCH_UP_DAYS).rev() {
        let day = today.saturating_sub(jiff::Span::new().days(back));
        for id in repository.drafts_to_warn(day).await? {
            match warn_one(app, &repository, &catalogue, day, &id).await {
                Ok(true) => sent += 1,
                Ok(false) => {}
                // One draft that cannot be read or warned does not stop the others.
                Err(error) => tracing::error!(%error, "a purge warning failed"),
            }
        }
    }
    Ok(sent)
}

/// Warns about one draft if its warning of `day` is still due; `Ok(false)`
/// when the draft moved on (saved again, submitted, gone).
async fn warn_one(
    app: &Housekeeping,
    repository: &Repository,
    catalogue: &CatalogueRepository,
    day: jiff::civil::Date,
    id: &str,
) -> Result<bool, RepositoryError> {
    let draft = repository.draft(id, app.platform.clock.now()).await?;
    let due = draft.as_ref().and_then(|d| d.value.email.clone().filter(|_| d.value.warn_on == Some(day)));
    let (Some(draft), Some(email)) = (draft, due) else {
        repository.warned(day, id).await?;
        return Ok(false);
    };
    let draft = draft.value;
    let title = match catalogue.service(&draft.service).await {
        Ok(Some(service)) => service.service.title,
        _ => draft.service.clone(),
    };
    let resume_url = resume_url(&app.platform.settings.public_url, &draft.service, id);
    let purge_on =
        draft.purge_at.to_zoned_datetime(jiff::tz::TimeZone::UTC).date().strftime("%d/%m/%Y").to_string();
    if let Err(error) = app.mailer.send(&purge_warning(&email, &title, &resume_url, &purge_on)).await {
        // The pointer stays: the next round tries again.
        tracing::error!(%error, "a purge warning could not be sent");
        return Ok(false);
    }
    repository.warned(day, id).await?;
    Ok(true)
}

/// The warning before an unfinished draft is deleted.
pub fn purge_warning(to: &str, service_title: &str, resume_url: &str, purge_on: &str) -> Email {
    Email {
        to: to.to_owned(),
        subject: format!("Votre demande « {service_title} » n'est pas terminée"),
        text: format!(
            "Bonjour,\n\n\
             Vous avez commencé la demande « {service_title} » sans l'envoyer.\n\
             Sans nouvelle action de votre part, ce brouillon sera supprimé le {purge_on}.\n\n\
             Pour la reprendre :\n{resume_url}\n\n\
             Cordialement,\n{SIGNATURE}\n"
        ),
        html: None,
        attachments: Vec::new(),
        from_name: None,
    }
}
