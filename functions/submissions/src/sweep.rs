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
/// missed). Safe to run as often as wanted: a warning's pointer is deleted
/// once it is sent, and one that could not be sent is tried again next
/// round. Returns how many warnings went out.
pub async fn warn_before_purge(app: &App) -> Result<usize, RepositoryError> {
    let repository = Repository::new(app.store.clone());
    let catalogue = CatalogueRepository::new(app.store.clone());
    let now = app.clock.now();
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
    app: &App,
    repository: &Repository,
    catalogue: &CatalogueRepository,
    day: jiff::civil::Date,
    id: &str,
) -> Result<bool, RepositoryError> {
    let draft = repository.draft(id, app.clock.now()).await?;
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
    let resume_url = crate::resume_url(&app.public_url, &draft.service, id);
    let purge_on =
        draft.purge_at.to_zoned_datetime(jiff::tz::TimeZone::UTC).date().strftime("%d/%m/%Y").to_string();
    if let Err(error) = app.mailer.send(&emails::purge_warning(&email, &title, &resume_url, &purge_on)).await
    {
        // The pointer stays: the next round tries again.
        tracing::error!(%error, "a purge warning could not be sent");
        return Ok(false);
    }
    repository.warned(day, id).await?;
    Ok(true)
}
