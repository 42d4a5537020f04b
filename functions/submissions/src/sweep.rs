//! The drafts' housekeeping: the warning email before an unfinished draft
//! is purged. (The purge itself is the store's time to live: DynamoDB's TTL
//! on AWS, `SqliteStore::delete_expired` in the all-in-one binary.)

use crate::App;
use crate::emails;
use crate::repository::{Repository, RepositoryError};
use catalogue::CatalogueRepository;

/// Days looked back, so a sweep that did not run for a while catches up.
const CATCH_UP_DAYS: i64 = 3;

/// Sends the warnings due today (and those of the last few days that were
/// missed). Safe to run as often as wanted: each draft is warned once per
/// purge date. Returns how many warnings went out.
pub async fn warn_before_purge(app: &App) -> Result<usize, RepositoryError> {
    let repository = Repository::new(app.store.clone());
    let catalogue = CatalogueRepository::new(app.store.clone());
    let now = app.clock.now();
    let today = now.to_zoned_datetime(jiff::tz::TimeZone::UTC).date();
    let mut sent = 0;
    for back in (0..=CATCH_UP_DAYS).rev() {
        let day = today.saturating_sub(jiff::Span::new().days(back));
        for id in repository.drafts_to_warn(day).await? {
            let Some(draft) = repository.draft(&id, now).await? else { continue };
            let due = draft.value.warn_on.is_some_and(|d| d <= today);
            let Some(email) = draft.value.email.clone().filter(|_| due && !draft.value.warned) else {
                continue;
            };
            // Marked first: a draft saved meanwhile fails the version check
            // and is not warned about a purge that moved.
            match repository.mark_warned(&draft).await {
                Err(RepositoryError::Store(gru_ports::StoreError::ConditionFailed)) => continue,
                other => other?,
            }
            let title = catalogue
                .service(&draft.value.service)
                .await
                .ok()
                .flatten()
                .map_or_else(|| draft.value.service.clone(), |s| s.service.title);
            let resume_url = crate::resume_url(&app.public_url, &draft.value.service, &id);
            let purge_on =
                draft.value.purge_at.to_zoned_datetime(jiff::tz::TimeZone::UTC).date().strftime("%d/%m/%Y");
            if let Err(error) = app
                .mailer
                .send(&emails::purge_warning(&email, &title, &resume_url, &purge_on.to_string()))
                .await
            {
                tracing::error!(%error, "a purge warning could not be sent");
                continue;
            }
            sent += 1;
        }
    }
    Ok(sent)
}
