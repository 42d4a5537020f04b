//! The catalogue in memory. A catalogue changes only when a city imports its
//! files, and every citizen's visit reads it, so each process holds a
//! [`Snapshot`] of it and the answers computed from it, and replaces the whole
//! when the catalogue's version changes. A Lambda keeps it across warm
//! invocations; the all-in-one portal has one for all its requests.
//!
//! Knowing the snapshot is still current costs nothing on SQLite (the store's
//! change mark, which a CLI import in another process moves too) and, on
//! DynamoDB, one get of the version at most every [`REFRESH`].

use gru_domain::catalogue::City;
use gru_records::catalogue::{CatalogueError, CatalogueRepository, ServiceSummary, StoredCategory};
use gru_web::CachedJson;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

/// How long a snapshot is served without asking for the catalogue's version,
/// on a store that cannot tell its changes for free (DynamoDB). The CDN keeps
/// these answers longer (`s-maxage=300`) anyway.
pub const REFRESH: Duration = Duration::from_secs(2);

/// Bytes of answers kept per snapshot: a Lambda of 128 MB holds them at
/// ease. Beyond, answers (rare searches, say) are computed each time, so
/// arbitrary queries cannot fill the memory.
const MAX_ANSWER_BYTES: usize = 8 << 20;

/// One version of the catalogue, and the answers computed from it.
pub struct Snapshot {
    version: Option<u64>,
    pub city: Option<City>,
    /// In the city's order.
    pub categories: Vec<StoredCategory>,
    /// In slug order.
    pub summaries: Vec<ServiceSummary>,
    answers: RwLock<Answers>,
}

#[derive(Default)]
struct Answers {
    by_request: HashMap<String, CachedJson>,
    bytes: usize,
}

impl Snapshot {
    async fn load(repository: &CatalogueRepository, version: Option<u64>) -> Result<Self, CatalogueError> {
        let (city, categories, mut summaries) =
            tokio::try_join!(repository.city(), repository.categories(), repository.all_summaries())?;
        summaries.sort_by(|a, b| a.slug.cmp(&b.slug));
        Ok(Self { version, city, categories, summaries, answers: RwLock::default() })
    }

    /// Whether the catalogue offers this service.
    pub fn has_service(&self, slug: &str) -> bool {
        self.summaries.binary_search_by(|s| s.slug.as_str().cmp(slug)).is_ok()
    }

    pub fn has_category(&self, slug: &str) -> bool {
        self.categories.iter().any(|c| c.slug == slug)
    }

    /// The answer kept under `key`, or else the one `compute` gives, which is
    /// then kept (a failure is not: it is computed again next time).
    pub async fn answer<E, F>(&self, key: String, compute: impl FnOnce() -> F) -> Result<CachedJson, E>
    where
        F: Future<Output = Result<CachedJson, E>>,
    {
        if let Some(answer) = self.answers.read().unwrap_or_else(PoisonError::into_inner).by_request.get(&key)
        {
            return Ok(answer.clone());
        }
        let answer = compute().await?;
        let mut answers = self.answers.write().unwrap_or_else(PoisonError::into_inner);
        let bytes = answers.bytes + key.len() + answer.size();
        if bytes <= MAX_ANSWER_BYTES && answers.by_request.insert(key, answer.clone()).is_none() {
            answers.bytes = bytes;
        }
        Ok(answer)
    }
}

/// The snapshot a process serves, and how it knows it is current.
pub struct Catalogue {
    repository: CatalogueRepository,
    current: RwLock<Option<Current>>,
    /// One reload at a time: a burst of requests after an import waits for
    /// one load instead of making its own.
    reloading: tokio::sync::Mutex<()>,
}

#[derive(Clone)]
struct Current {
    snapshot: Arc<Snapshot>,
    /// The store's change mark when the version was read.
    mark: Option<u64>,
    checked: Instant,
}

impl Catalogue {
    pub fn new(repository: CatalogueRepository) -> Self {
        Self { repository, current: RwLock::new(None), reloading: tokio::sync::Mutex::new(()) }
    }

    pub fn repository(&self) -> &CatalogueRepository {
        &self.repository
    }

    /// The current catalogue: the one held, while it is known to be current,
    /// or the one the store now holds.
    pub async fn snapshot(&self) -> Result<Arc<Snapshot>, CatalogueError> {
        if let Some(snapshot) = self.still_current() {
            return Ok(snapshot);
        }
        let _one_reload = self.reloading.lock().await;
        if let Some(snapshot) = self.still_current() {
            return Ok(snapshot);
        }
        // The mark is taken before the version is read: a change after
        // the read moves it again, and the next request looks again.
        let mark = self.repository.change_mark();
        let version = self.repository.version().await?;
        let held = self.current.read().unwrap_or_else(PoisonError::into_inner).clone();
        let snapshot = match held {
            Some(held) if held.snapshot.version == version => held.snapshot,
            _ => Arc::new(Snapshot::load(&self.repository, version).await?),
        };
        let current = Current { snapshot: snapshot.clone(), mark, checked: Instant::now() };
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Some(current);
        Ok(snapshot)
    }

    fn still_current(&self) -> Option<Arc<Snapshot>> {
        let mark = self.repository.change_mark();
        let current = self.current.read().unwrap_or_else(PoisonError::into_inner);
        let held = current.as_ref()?;
        let unchanged = match (held.mark, mark) {
            (Some(then), Some(now)) => then == now,
            _ => held.checked.elapsed() < REFRESH,
        };
        unchanged.then(|| held.snapshot.clone())
    }
}
