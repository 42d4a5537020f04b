//! A store that counts the operations going through it: the benchmarks'
//! "store operations per request" figures.

use async_trait::async_trait;
use gru_ports::store::{Condition, Item, Key, Page, Query, Store, StoreError, TransactOp};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Counts reads (gets and queries), single writes and transactions.
pub struct CountingStore {
    inner: Arc<dyn Store>,
    reads: AtomicU64,
    writes: AtomicU64,
    transactions: AtomicU64,
}

impl CountingStore {
    pub fn new(inner: Arc<dyn Store>) -> Self {
        Self { inner, reads: AtomicU64::new(0), writes: AtomicU64::new(0), transactions: AtomicU64::new(0) }
    }

    /// `[reads, single writes, transactions]` so far.
    pub fn snapshot(&self) -> [u64; 3] {
        [&self.reads, &self.writes, &self.transactions].map(|c| c.load(Ordering::Relaxed))
    }
}

#[async_trait]
impl Store for CountingStore {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        self.reads.fetch_add(1, Ordering::Relaxed);
        self.inner.get(key).await
    }
    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        self.writes.fetch_add(1, Ordering::Relaxed);
        self.inner.put(item, condition).await
    }
    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError> {
        self.writes.fetch_add(1, Ordering::Relaxed);
        self.inner.delete(key, condition).await
    }
    async fn query(&self, query: Query) -> Result<Page, StoreError> {
        self.reads.fetch_add(1, Ordering::Relaxed);
        self.inner.query(query).await
    }
    async fn transact(&self, ops: Vec<TransactOp>) -> Result<(), StoreError> {
        self.transactions.fetch_add(1, Ordering::Relaxed);
        self.inner.transact(ops).await
    }

    fn change_mark(&self) -> Option<u64> {
        self.inner.change_mark()
    }
}

/// The every-function router on SQLite (in `dir`) behind a [`CountingStore`],
/// with the demo city imported and the real clock, served on a free port:
/// what the benchmarks measure. Returns its URL and the counting store.
pub async fn serve_demo(dir: &std::path::Path) -> (String, Arc<CountingStore>) {
    let sqlite: Arc<dyn Store> =
        Arc::new(gru_embedded::SqliteStore::open(&dir.join("portal.db")).expect("the store opens"));
    let store = Arc::new(CountingStore::new(sqlite));
    let city =
        gru_domain::city_files::load(&crate::repository().join("infra/cities/demo")).expect("the demo city");
    gru_records::catalogue::CatalogueRepository::new(store.clone())
        .import(&city, "bench")
        .await
        .expect("imported");
    let mailer =
        Arc::new(gru_embedded::OutboxMailer::new(dir.join("outbox"), "mairie@belleval.example".into()));
    let clock: Arc<dyn gru_ports::Clock> = Arc::new(gru_ports::SystemClock);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    let url = format!("http://{}", listener.local_addr().expect("an address"));
    let local_files =
        Arc::new(gru_embedded::LocalFiles::new(dir.join("files"), url.clone(), [7; 32], clock.clone()));
    let ports = portal::Ports {
        platform: gru_web::Platform::new(store.clone(), clock, gru_web::Settings::new(&url)),
        mailer,
        files: local_files.clone(),
        scanner: None,
    };
    let app = ports.router().merge(gru_embedded::files::router(local_files));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, store)
}
