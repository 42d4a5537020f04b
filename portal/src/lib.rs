//! The all-in-one portal: every function's router, the static site and the
//! embedded adapters in one process. It is what `cargo run` starts, what the
//! end-to-end tests drive, and what a small commune runs on one server.
//!
//! The data directory holds everything the portal keeps:
//!
//! ```text
//! <data-dir>/portal.db     SQLite store (WAL)
//! <data-dir>/files/        uploaded objects
//! <data-dir>/outbox/       every email sent, as .eml (listed at /outbox/)
//! <data-dir>/secret.key    signs file URLs; made on first run
//! ```

pub mod city;
mod connection;
pub mod data_dir;
mod functions;

pub use functions::Ports;

use anyhow::Context;
use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse};
use gru_clamd::ClamdScanner;
use gru_embedded::{LocalFiles, OutboxMailer, SqliteStore};
use gru_notices::letterhead::Letterhead;
use gru_outbox::Outbox;
use gru_ports::{Clock, Scanner, Store, SystemClock};
use gru_records::catalogue::CatalogueRepository;
use gru_web::{Platform, Settings};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// The URL prefix of every function the portal serves, one per crate
/// under `functions/`. On AWS each is one API Gateway route; a test keeps
/// this list, the folders and `infra/template.yaml` in agreement.
pub const FUNCTION_PREFIXES: &[&str] = &[
    catalogue::PREFIX,
    submissions::PREFIX,
    accounts::PREFIX,
    attachments::PREFIX,
    tracking::PREFIX,
    messaging::PREFIX,
    booking::PREFIX,
    open311::PREFIX,
    reporting::PREFIX,
];

/// Where the portal finds its parts and keeps its data.
#[derive(Debug, Clone)]
pub struct Options {
    pub data_dir: PathBuf,
    /// The city's files (`city.toml`, `categories.toml`, `services/`).
    pub city_dir: PathBuf,
    /// The static site's sources (`static-site/`): built into `<data>/site`
    /// at each start; none for a command that serves nothing (`purge`).
    pub site_dir: Option<PathBuf>,
    /// Whether to list sent emails at `/outbox/`: for a developer's machine
    /// only, since it shows every message to whoever can reach the portal.
    pub serve_outbox: bool,
    /// How long unfinished drafts are kept, and when their owner is warned.
    pub drafts: gru_web::DraftPolicy,
    /// The clamd that scans uploads (`host:port` or a socket path); without
    /// one, files are marked unscanned and the site says so.
    pub clamd: Option<String>,
    /// How long the audit trail keeps what agents do.
    pub audit_keep: jiff::SignedDuration,
}

impl Options {
    /// A portal on `data_dir` serving the city of `city_dir` and the
    /// repository's static site, with every default: no outbox page, drafts
    /// and the audit trail kept as long as usual, no clamd.
    pub fn new(data_dir: PathBuf, city_dir: PathBuf) -> Self {
        Self {
            data_dir,
            city_dir,
            site_dir: Some(repository_dir().join("static-site")),
            serve_outbox: false,
            drafts: Default::default(),
            clamd: None,
            audit_keep: gru_web::audit::DEFAULT_KEEP,
        }
    }
}

/// Defaults that work from a clone of the repository.
pub fn repository_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("portal/ lives in the workspace").to_owned()
}

/// The portal, ready to serve.
pub struct Portal {
    pub router: Router,
    /// What the start-up import changed, if the city's files had changed.
    pub import: Option<gru_records::catalogue::ImportReport>,
    /// The periodic jobs; `serve` runs them hourly, `portal purge` once.
    pub housekeeping: Housekeeping,
    /// The reminders due and the tasks queued with the changes they follow
    /// (emails, deletions of files' bytes); `serve` carries them out every
    /// second ([`DeliveryTask`]).
    pub notifications: Notifications,
    /// The store every function runs on (the command line's agent
    /// administration writes there too).
    pub store: Arc<dyn Store>,
}

/// What the notifier and DynamoDB's TTL do on AWS, done by the portal itself:
/// warnings before drafts are purged, and the purge of expired items.
#[derive(Clone)]
pub struct Housekeeping {
    store: Arc<SqliteStore>,
    drafts: gru_notices::drafts::Housekeeping,
}

/// What one round of housekeeping did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HousekeepingReport {
    pub warnings_sent: usize,
    /// Files of drafts purged without being submitted (their bytes go
    /// through the outbox).
    pub files_purged: usize,
    pub items_purged: u64,
    /// Agendas' and types' first free slots recorded for today.
    pub waits_recorded: usize,
}

impl Housekeeping {
    /// One round: the drafts' housekeeping and today's first free slots
    /// (the same jobs as the notifier's schedule on AWS), then expired
    /// items deleted.
    pub async fn run_once(&self) -> anyhow::Result<HousekeepingReport> {
        let gru_notices::drafts::Swept { warnings_sent, files_purged } =
            gru_notices::drafts::run(&self.drafts).await?;
        let waits_recorded = gru_notices::waits::record(&self.drafts.platform).await?;
        let now = self.drafts.platform.clock.now().as_second();
        let items_purged = self.store.delete_expired(now).await?;
        Ok(HousekeepingReport { warnings_sent, files_purged, items_purged, waits_recorded })
    }

    /// Runs a round every `period` until the process stops; a failed round is
    /// logged and the next one tries again.
    pub async fn run_every(self, period: std::time::Duration) {
        let mut ticks = tokio::time::interval(period);
        loop {
            ticks.tick().await;
            if let Err(error) = self.run_once().await {
                tracing::error!(%error, "housekeeping failed");
            }
        }
    }
}

/// What the notifier does on AWS as emails are queued and on its schedule:
/// the appointments' reminders due, then the outbox's delivery.
#[derive(Clone)]
pub struct Notifications {
    pub outbox: Outbox,
    pub platform: Platform,
}

/// Sends the notifications in the background: a round every period (every
/// second for `serve`), so an email queued with a change goes out within a
/// period; the all-in-one stand-in for the notifier fed by DynamoDB's stream.
pub struct DeliveryTask {
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl DeliveryTask {
    /// Starts sending `notifications` every `period`. Dropping the task
    /// stops it as [`DeliveryTask::stop`] does, without waiting.
    pub fn spawn(notifications: Notifications, period: std::time::Duration) -> Self {
        let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let mut ticks = tokio::time::interval(period);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                // A round is never cut short: stopping waits for its end.
                tokio::select! {
                    _ = &mut stopped => break,
                    _ = ticks.tick() => deliver(&notifications).await,
                }
            }
            // What the last requests queued still goes out before the portal stops.
            deliver(&notifications).await;
        });
        Self { stop, task }
    }

    /// Stops after the round in progress and one last round, and waits for them.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        if let Err(error) = self.task.await {
            tracing::error!(%error, "the outbox delivery task failed");
        }
    }
}

/// One round: the reminders due are queued, then the outbox delivered. A
/// failed round is logged and the next one tries again.
async fn deliver(notifications: &Notifications) {
    match gru_notices::reminders::send_due(&notifications.platform).await {
        Ok(0) => {}
        Ok(reminders) => tracing::info!(reminders, "appointment reminders queued"),
        Err(error) => tracing::error!(%error, "appointment reminders failed"),
    }
    match notifications.outbox.deliver_due().await {
        Ok(delivery) if delivery != gru_outbox::Delivery::default() => {
            tracing::info!(
                sent = delivery.sent,
                files_deleted = delivery.deleted,
                waiting = delivery.waiting,
                failed = delivery.failed,
                "outbox delivered"
            );
        }
        Ok(_) => {}
        Err(error) => tracing::error!(%error, "outbox delivery failed"),
    }
}

/// The address the portal's emails come from (they land in the outbox);
/// the name shown is the city's (`gru_notices::letterhead`).
const MAIL_FROM: &str = "ne-pas-repondre@portail.localhost";

/// The same headers CloudFront's response-headers policy sets on AWS.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

impl Portal {
    /// Opens (or creates) the data directory, brings the catalogue up to
    /// date with the city's files, and builds the router. `base_url` is
    /// where clients reach this process (file grants point there).
    pub async fn open(options: &Options, base_url: &str) -> anyhow::Result<Self> {
        Self::open_with_clock(options, base_url, Arc::new(SystemClock)).await
    }

    /// [`Portal::open`] on a given clock: tests move time forward to expire
    /// codes, sessions and drafts.
    pub async fn open_with_clock(
        options: &Options,
        base_url: &str,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Self> {
        let data = &options.data_dir;
        let key = data_dir::prepare(data)?;
        let sqlite = Arc::new(SqliteStore::open(&data.join("portal.db")).with_context(|| {
            format!("la base SQLite {} ne s'ouvre pas", data.join("portal.db").display())
        })?);
        let store: Arc<dyn Store> = sqlite.clone();
        let repository = CatalogueRepository::new(store.clone());
        let import = city::sync_catalogue(&repository, &options.city_dir).await?;
        // The site stamped with the city's look, rebuilt at each start from its files.
        let site_dir = data.join("site");
        let base_url = base_url.trim_end_matches('/').to_owned();
        if let Some(sources) = &options.site_dir {
            let catalogue = city::load(&options.city_dir)?;
            gru_site::build(sources, &catalogue, &base_url, &site_dir)
                .with_context(|| format!("le site {} ne se construit pas", sources.display()))?;
        }
        let local_files = Arc::new(LocalFiles::new(data.join("files"), base_url.clone(), key, clock.clone()));
        let scanner =
            options.clamd.clone().map(|address| Arc::new(ClamdScanner::new(address)) as Arc<dyn Scanner>);
        let settings =
            Settings { public_url: base_url, audit_keep: options.audit_keep, drafts: options.drafts };
        let outbox = Arc::new(OutboxMailer::new(data.join("outbox"), MAIL_FROM.to_owned()));
        let ports = Ports {
            mailer: Letterhead::around(outbox, store.clone()),
            platform: Platform::new(store, clock, settings),
            files: local_files.clone(),
            scanner,
        };
        let housekeeping = Housekeeping { store: sqlite.clone(), drafts: ports.housekeeping() };
        let notifications = ports.notifications();
        let not_found_page = std::fs::read_to_string(site_dir.join("404.html")).unwrap_or_default();
        let site = Router::new()
            .fallback_service(
                ServeDir::new(&site_dir).append_index_html_on_directories(true).not_found_service(
                    axum::routing::any(move || {
                        let page = not_found_page.clone();
                        async move { (StatusCode::NOT_FOUND, Html(page)).into_response() }
                    }),
                ),
            )
            .layer(axum::middleware::from_fn(site_cache));
        let mut router = ports.router().merge(gru_embedded::files::router(local_files));
        if options.serve_outbox {
            router = router.merge(gru_embedded::mail_folder::router(data.join("outbox")));
        }
        // An API path no function owns is a problem document, never the
        // site's HTML page: clients of the API see one error format.
        let router = router
            .route("/api", axum::routing::any(gru_web::problem::no_route))
            .route("/api/", axum::routing::any(gru_web::problem::no_route))
            .route("/api/{*rest}", axum::routing::any(gru_web::problem::no_route))
            .route("/service.html", axum::routing::get(moved))
            .route("/categorie.html", axum::routing::get(moved))
            .nest_service("/city", ServeDir::new(options.city_dir.join("assets")))
            .fallback_service(site)
            .layer(SetResponseHeaderLayer::if_not_present(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(CONTENT_SECURITY_POLICY),
            ))
            .layer(SetResponseHeaderLayer::if_not_present(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ))
            .layer(SetResponseHeaderLayer::if_not_present(
                header::X_FRAME_OPTIONS,
                HeaderValue::from_static("DENY"),
            ))
            .layer(SetResponseHeaderLayer::if_not_present(
                header::REFERRER_POLICY,
                HeaderValue::from_static("strict-origin-when-cross-origin"),
            ))
            // Brotli or gzip, as the browser accepts (as CloudFront does on
            // AWS): pages, scripts, styles and the API's JSON shrink to a
            // fraction. Images and PDFs (citizens' files) are compressed
            // already.
            .layer(
                CompressionLayer::new()
                    .compress_when(DefaultPredicate::new().and(NotForContentType::new("application/pdf"))),
            );
        Ok(Self { router, import, housekeeping, notifications, store: ports.platform.store.clone() })
    }
}

/// Scripts and styles named by their content are kept a year by browsers
/// (a changed file is a new name); pages are checked each time (ETag), so a
/// rebuilt site shows at once.
async fn site_cache(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let lasting = gru_site::is_hashed(request.uri().path());
    let mut response = next.run(request).await;
    if response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED {
        let policy = if lasting { "public, max-age=31536000, immutable" } else { "no-cache" };
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    response
}

/// The first site's addresses (`/service.html?slug=…`) lead to the pages
/// that replaced them, for good: bookmarks and search engines follow.
async fn moved(uri: axum::http::Uri) -> axum::response::Response {
    let to = gru_site::addresses::moved(uri.path(), uri.query()).unwrap_or_else(|| "/".to_owned());
    axum::response::Redirect::permanent(&to).into_response()
}

/// Serves until `shutdown` completes, then lets requests in flight finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    // The peer address feeds the per-client rate limits (`gru_web::client`);
    // axum gives it to a listener of ours through `tap_io` (the closure does
    // nothing).
    let listener = connection::Listener(listener).tap_io(|_| {});
    let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, service).with_graceful_shutdown(shutdown).await
}
