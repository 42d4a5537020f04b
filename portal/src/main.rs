//! `portal`: run the all-in-one portal, or work on a city's catalogue.

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use gru_records::catalogue::CatalogueRepository;
use portal::{Options, Portal, repository_dir};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Parser)]
#[command(
    name = "portal",
    version,
    about = "Portail de services en ligne : le portail tout-en-un et ses outils"
)]
#[command(args_conflicts_with_subcommands = true)]
struct Cli {
    /// Without a command, `portal` serves (same options as `portal serve`).
    #[command(flatten)]
    serve: ServeArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the portal: static site, every function, embedded storage (the default).
    Serve(ServeArgs),
    /// Check or import a city's catalogue files.
    #[command(subcommand)]
    Catalogue(CatalogueCommand),
    /// Run the housekeeping once (warnings before drafts are purged, the
    /// purge of expired items, then the outbox's tasks due, which delete the
    /// purged files' bytes); `serve` runs it every hour by itself.
    Purge {
        #[arg(long, env = "PORTAL_DATA_DIR", default_value = "data")]
        data_dir: PathBuf,
        /// The city's folder, as given to `serve`.
        #[arg(long, env = "PORTAL_CITY")]
        city: Option<PathBuf>,
        /// The address in the emails' links.
        #[arg(long, env = "PORTAL_PUBLIC_URL", default_value = "http://127.0.0.1:8080")]
        public_url: String,
        #[command(flatten)]
        drafts: DraftArgs,
    },
    /// Manage the agents of the back office.
    #[command(subcommand)]
    Agent(AgentCommand),
    /// The city's indicators.
    #[command(subcommand)]
    Indicators(IndicatorsCommand),
    /// Build the site of a city (what `serve` builds at each start): the
    /// folder to upload to the site bucket on AWS.
    #[command(subcommand)]
    Site(SiteCommand),
}

#[derive(Subcommand)]
enum SiteCommand {
    /// Build the site of the city into `--out`: every page in the city's frame, the
    /// catalogue's pages, hashed scripts and styles, and each text file's brotli
    /// and gzip forms for the CDN.
    Build {
        /// The city's folder.
        #[arg(long, env = "PORTAL_CITY")]
        city: PathBuf,
        /// Where to write the site (emptied first).
        #[arg(long)]
        out: PathBuf,
        /// The site's sources.
        #[arg(long, env = "PORTAL_SITE")]
        site: Option<PathBuf>,
        /// Where citizens reach the site (`https://demarches.ville.fr`): the sitemap's addresses.
        #[arg(long, env = "PORTAL_PUBLIC_URL", value_parser = public_address)]
        public_url: String,
    },
}

/// How long unfinished drafts are kept (for `serve` and `purge`).
#[derive(clap::Args)]
struct DraftArgs {
    /// Days an unfinished draft is kept after its last save.
    #[arg(long, env = "PORTAL_DRAFT_KEEP_DAYS", default_value_t = gru_web::platform::DEFAULT_KEEP_DAYS)]
    draft_keep_days: u32,
    /// Days before the purge its owner is warned by email.
    #[arg(long, env = "PORTAL_DRAFT_WARN_DAYS", default_value_t = gru_web::platform::DEFAULT_WARN_DAYS)]
    draft_warn_days: u32,
}

impl DraftArgs {
    fn policy(&self) -> anyhow::Result<gru_web::DraftPolicy> {
        gru_web::DraftPolicy::days(self.draft_keep_days, self.draft_warn_days).map_err(anyhow::Error::msg)
    }
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "PORTAL_HOST", default_value = "127.0.0.1")]
    host: String,
    /// Port to listen on (0 picks a free one).
    #[arg(long, env = "PORTAL_PORT", default_value_t = 8080)]
    port: u16,
    /// Where the portal keeps its data; created on first run.
    #[arg(long, env = "PORTAL_DATA_DIR", default_value = "data")]
    data_dir: PathBuf,
    /// The city's folder (city.toml, categories.toml, services/).
    #[arg(long, env = "PORTAL_CITY")]
    city: Option<PathBuf>,
    /// The static site's folder.
    #[arg(long, env = "PORTAL_SITE")]
    site: Option<PathBuf>,
    /// The address citizens use to reach the portal (behind a reverse
    /// proxy, say); signed file links point there. Default: the listening
    /// address.
    #[arg(long, env = "PORTAL_PUBLIC_URL")]
    public_url: Option<String>,
    /// The clamd that scans uploaded files: `host:port`, or the path of
    /// its Unix socket (Debian: /run/clamav/clamd.ctl). Without it, files
    /// are marked "not scanned" and the site says so.
    #[arg(long, env = "PORTAL_CLAMD")]
    clamd: Option<String>,
    #[command(flatten)]
    drafts: DraftArgs,
    /// Days the audit trail keeps what agents read and do.
    #[arg(long, env = "PORTAL_AUDIT_KEEP_DAYS", default_value_t = 365)]
    audit_keep_days: u32,
}

#[derive(Subcommand)]
enum CatalogueCommand {
    /// List every problem in a city's files, with file and line; exit 1 if any.
    Check { dir: PathBuf },
    /// Load a city's files into the store; running it again changes nothing.
    Import(ImportArgs),
}

#[derive(clap::Args)]
struct ImportArgs {
    dir: PathBuf,
    #[command(flatten)]
    store: StoreArgs,
}

/// The store a command writes to: the embedded one of a data directory
/// (the all-in-one portal's), or a city's DynamoDB table on AWS.
#[derive(clap::Args)]
struct StoreArgs {
    #[arg(long, value_enum, default_value_t = StoreKind::Embedded)]
    store: StoreKind,
    /// Data directory of the embedded store.
    #[arg(long, env = "PORTAL_DATA_DIR", default_value = "data")]
    data_dir: PathBuf,
    /// DynamoDB table (with --store dynamodb); credentials, region and
    /// endpoint come from the usual AWS environment (profiles, SSO,
    /// `AWS_ENDPOINT_URL`).
    #[arg(long, env = "TABLE_NAME")]
    table: Option<String>,
}

impl StoreArgs {
    async fn open(&self) -> anyhow::Result<Arc<dyn gru_ports::Store>> {
        Ok(match self.store {
            StoreKind::Embedded => {
                portal::data_dir::prepare(&self.data_dir)?;
                Arc::new(gru_embedded::SqliteStore::open(&self.data_dir.join("portal.db"))?)
            }
            StoreKind::Dynamodb => {
                let table =
                    self.table.clone().context("--table (ou TABLE_NAME) est requis avec --store dynamodb")?;
                let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
                Arc::new(gru_dynamodb::DynamoStore::new(aws_sdk_dynamodb::Client::new(&config), table))
            }
        })
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum StoreKind {
    Embedded,
    Dynamodb,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,portal=info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        None => serve(cli.serve).await,
        Some(Command::Serve(args)) => serve(args).await,
        Some(Command::Catalogue(CatalogueCommand::Check { dir })) => check(&dir),
        Some(Command::Catalogue(CatalogueCommand::Import(args))) => import(args).await,
        Some(Command::Purge { data_dir, city, public_url, drafts }) => {
            purge(data_dir, city, &public_url, &drafts).await
        }
        Some(Command::Agent(AgentCommand::Create(args))) => create_agent(args).await,
        Some(Command::Indicators(IndicatorsCommand::Rebuild { store })) => rebuild_indicators(store).await,
        Some(Command::Site(SiteCommand::Build { city, out, site, public_url })) => {
            build_site(&city, &out, site, &public_url)
        }
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("erreur : {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<std::process::ExitCode> {
    let started = std::time::Instant::now();
    let root = repository_dir();
    let listener = tokio::net::TcpListener::bind((args.host.as_str(), args.port))
        .await
        .with_context(|| format!("impossible d'écouter sur {}:{}", args.host, args.port))?;
    let address = listener.local_addr()?;
    let base_url =
        args.public_url.unwrap_or_else(|| format!("http://{address}")).trim_end_matches('/').to_owned();
    let options = Options {
        data_dir: args.data_dir,
        city_dir: args.city.unwrap_or_else(|| root.join("infra/cities/demo")),
        site_dir: Some(args.site.unwrap_or_else(|| root.join("static-site"))),
        serve_outbox: address.ip().is_loopback(),
        drafts: args.drafts.policy()?,
        clamd: args.clamd,
        audit_keep: jiff::SignedDuration::from_hours(24 * i64::from(args.audit_keep_days)),
    };
    let portal = Portal::open(&options, &base_url).await?;
    if let Some(report) = &portal.import {
        eprintln!(
            "Catalogue importé depuis {} : {} élément(s) ajouté(s), {} modifié(s), {} retiré(s).",
            options.city_dir.display(),
            report.added,
            report.updated,
            report.removed
        );
    }
    eprintln!("Données : {}", options.data_dir.display());
    match &options.clamd {
        Some(clamd) => eprintln!("Antivirus : clamd à {clamd}"),
        None => eprintln!("Antivirus : aucun (--clamd) ; les fichiers reçus ne sont pas analysés"),
    }
    if options.serve_outbox {
        eprintln!("Courriels envoyés : {base_url}/outbox/");
    } else {
        eprintln!(
            "Courriels envoyés : dans {} (non publiés hors de cette machine)",
            options.data_dir.join("outbox").display()
        );
    }
    let stop = stop_requested();
    eprintln!("Prêt en {} ms.", started.elapsed().as_millis());
    println!("Portail prêt : {base_url}/");
    tokio::spawn(portal.housekeeping.run_every(HOUSEKEEPING_PERIOD));
    let delivery = portal::DeliveryTask::spawn(portal.notifications, DELIVERY_PERIOD);
    portal::serve(listener, portal.router, async {
        stop.await;
        eprintln!("Arrêt demandé : fin des requêtes en cours…");
    })
    .await?;
    // After the last request: what it queued is sent before the portal stops.
    delivery.stop().await;
    eprintln!("Portail arrêté.");
    Ok(std::process::ExitCode::SUCCESS)
}

/// How often `serve` runs the housekeeping.
const HOUSEKEEPING_PERIOD: std::time::Duration = std::time::Duration::from_secs(3600);

/// How often `serve` delivers the outbox: an email queued with a request
/// leaves within a second.
const DELIVERY_PERIOD: std::time::Duration = std::time::Duration::from_secs(1);

async fn purge(
    data_dir: PathBuf,
    city: Option<PathBuf>,
    public_url: &str,
    drafts: &DraftArgs,
) -> anyhow::Result<std::process::ExitCode> {
    let root = repository_dir();
    // Housekeeping serves no page: no site to build (its sources may not even be readable).
    let options = Options {
        drafts: drafts.policy()?,
        site_dir: None,
        ..Options::new(data_dir, city.unwrap_or_else(|| root.join("infra/cities/demo")))
    };
    let portal = Portal::open(&options, public_url).await?;
    let report = portal.housekeeping.run_once().await?;
    // The purged files' bytes go through the outbox, as in `serve`.
    portal.notifications.outbox.deliver_due().await?;
    println!(
        "{} avertissement(s) envoyé(s) avant la purge, {} fichier(s) de brouillons jamais déposés supprimé(s), {} élément(s) expiré(s) supprimé(s)",
        report.warnings_sent, report.files_purged, report.items_purged
    );
    Ok(std::process::ExitCode::SUCCESS)
}

/// Ctrl-C, or SIGTERM from a service manager, watched from the moment this
/// is called: before the portal says it is ready, so a signal sent as soon
/// as it says so is never missed. A signal that cannot be watched never
/// fires, rather than stopping the portal at once.
fn stop_requested() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{Signal, SignalKind, signal};
        let interrupt = signal(SignalKind::interrupt()).ok();
        let terminate = signal(SignalKind::terminate()).ok();
        async fn received(signal: Option<Signal>) {
            match signal {
                Some(mut signal) => {
                    signal.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        }
        async move {
            tokio::select! {
                () = received(interrupt) => {}
                () = received(terminate) => {}
            }
        }
    }
    #[cfg(not(unix))]
    async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// An address the sitemap can give: `https://` (or `http://`) and a host.
fn public_address(text: &str) -> Result<String, String> {
    let host = text.strip_prefix("https://").or_else(|| text.strip_prefix("http://"));
    match host {
        Some(host) if !host.is_empty() && !host.starts_with('/') && !text.contains(char::is_whitespace) => {
            Ok(text.trim_end_matches('/').to_owned())
        }
        _ => Err("une adresse complète est attendue, comme https://demarches.ville.fr".to_owned()),
    }
}

fn build_site(
    city: &std::path::Path,
    out: &std::path::Path,
    site: Option<PathBuf>,
    public_url: &str,
) -> anyhow::Result<std::process::ExitCode> {
    let catalogue = match gru_domain::city_files::load(city) {
        Ok(catalogue) => catalogue,
        Err(problems) => {
            for problem in &problems {
                println!("{problem}");
            }
            return Ok(std::process::ExitCode::FAILURE);
        }
    };
    let site = site.unwrap_or_else(|| repository_dir().join("static-site"));
    let built = gru_site::build(&site, &catalogue, public_url, out)?;
    let compressed = gru_site::precompress(out)?;
    println!(
        "{} : {} page(s), {} fichier(s) et {compressed} forme(s) compressée(s) écrits",
        out.display(),
        built.pages,
        built.files
    );
    Ok(std::process::ExitCode::SUCCESS)
}

fn check(dir: &std::path::Path) -> anyhow::Result<std::process::ExitCode> {
    match gru_domain::city_files::load(dir) {
        Ok(city) => {
            println!(
                "{} : aucun problème ({} catégorie(s), {} service(s), {} agenda(s))",
                dir.display(),
                city.categories.len(),
                city.services.len(),
                city.agendas.len()
            );
            Ok(std::process::ExitCode::SUCCESS)
        }
        Err(problems) => {
            for problem in &problems {
                println!("{problem}");
            }
            eprintln!("{} problème(s) trouvé(s)", problems.len());
            Ok(std::process::ExitCode::FAILURE)
        }
    }
}

async fn import(args: ImportArgs) -> anyhow::Result<std::process::ExitCode> {
    let city = portal::city::load(&args.dir)?;
    let digest = portal::city::digest(&args.dir)?;
    let store = args.store.open().await?;
    let report = CatalogueRepository::new(store).import(&city, &digest).await?;
    println!(
        "{} importé : {} élément(s) ajouté(s), {} modifié(s), {} retiré(s), {} inchangé(s)",
        args.dir.display(),
        report.added,
        report.updated,
        report.removed,
        report.unchanged
    );
    Ok(std::process::ExitCode::SUCCESS)
}

async fn rebuild_indicators(args: StoreArgs) -> anyhow::Result<std::process::ExitCode> {
    let store = args.open().await?;
    let catalogue = CatalogueRepository::new(store.clone());
    let moment = catalogue.moment(jiff::Timestamp::now()).await?;
    let services: Vec<String> = catalogue.all_summaries().await?.into_iter().map(|s| s.slug).collect();
    let report = gru_records::recount::rebuild(
        store,
        &services,
        moment.days(),
        moment.today.year(),
        |service, read| {
            eprintln!("{service} : {read} demande(s) relue(s)");
        },
    )
    .await?;
    println!("{} demande(s) recomptée(s), {} compteur(s) corrigé(s)", report.requests, report.corrected);
    Ok(std::process::ExitCode::SUCCESS)
}

#[derive(Subcommand)]
enum IndicatorsCommand {
    /// Recount the requests' counters from the requests (read by service
    /// and phase through the index, never by scanning) and correct those
    /// that differ; running it again changes nothing. Forms started and
    /// appointments are left as counted (docs/reporting.md, « Rebuild »).
    Rebuild {
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Subcommand)]
enum AgentCommand {
    /// Create an agent (in the embedded store, or a city's DynamoDB table
    /// with --store dynamodb) and print, once, their password and the secret
    /// of their authenticator app.
    Create(AgentCreateArgs),
}

#[derive(clap::Args)]
struct AgentCreateArgs {
    #[arg(long)]
    email: String,
    /// First name and last name, as colleagues and the audit trail show them.
    #[arg(long)]
    name: String,
    #[arg(long, value_enum)]
    role: RoleArg,
    /// The slug of a service the agent handles (repeat for several);
    /// supervisors and admins handle every service.
    #[arg(long = "service")]
    services: Vec<String>,
    #[command(flatten)]
    store: StoreArgs,
    /// The address agents reach the portal at: its host names the account
    /// in authenticator apps.
    #[arg(long, env = "PORTAL_PUBLIC_URL", default_value = "http://127.0.0.1:8080")]
    public_url: String,
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    Admin,
    Supervisor,
    Agent,
}

impl From<RoleArg> for accounts::agents::Role {
    fn from(role: RoleArg) -> Self {
        match role {
            RoleArg::Admin => Self::Admin,
            RoleArg::Supervisor => Self::Supervisor,
            RoleArg::Agent => Self::Agent,
        }
    }
}

async fn create_agent(args: AgentCreateArgs) -> anyhow::Result<std::process::ExitCode> {
    use accounts::agents::{NewAgent, Role};
    use gru_records::agents::AgentsError;
    let store = args.store.open().await?;
    let new = NewAgent {
        email: args.email.clone(),
        name: args.name,
        role: args.role.into(),
        services: args.services,
    };
    let credentials =
        match accounts::agents::enrol(store, Arc::new(gru_ports::SystemClock), &args.public_url, new).await {
            Ok(credentials) => credentials,
            Err(AgentsError::EmailTaken) => {
                anyhow::bail!("un agent a déjà l'adresse {} : aucun agent créé", args.email.trim())
            }
            Err(AgentsError::Invalid(errors)) => {
                for error in &errors {
                    // `services[2]` is the third --service.
                    let flag = if error.field.starts_with("services") { "service" } else { &error.field };
                    eprintln!("--{flag} : {}", error.message);
                }
                anyhow::bail!("informations invalides : aucun agent créé")
            }
            Err(other) => return Err(other.into()),
        };
    let agent = &credentials.agent;
    let services = match agent.role {
        Role::Agent if agent.services.is_empty() => "aucun (ajoutez-en avec --service)".to_owned(),
        Role::Agent => agent.services.join(", "),
        Role::Supervisor | Role::Admin => "tous".to_owned(),
    };
    println!("Agent créé : {} <{}>, {}", agent.name, agent.email, agent.role.label());
    println!("Services : {services}");
    println!();
    println!("À transmettre à l'agent, par un canal sûr ; ces informations ne seront plus affichées :");
    println!("  Mot de passe : {}", credentials.password);
    println!("  Clé de l'application d'authentification (TOTP) : {}", credentials.totp_secret);
    println!("  URI à transformer en QR code : {}", credentials.totp_uri);
    Ok(std::process::ExitCode::SUCCESS)
}
