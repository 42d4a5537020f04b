//! Project tasks, so a fresh machine needs nothing but cargo:
//!
//! - `cargo xtask test`: everything CI runs. Installs its own tools (a
//!   Python venv under `target/` with moto, cfn-lint, checkov and
//!   schemathesis; the npm
//!   packages of `tests/browser`; Debian's Chromium and clamav-daemon when
//!   missing and run as root), checks formatting and lints, starts moto
//!   server and clamd (with a database that knows only the EICAR test
//!   file), runs every Rust test, checks the demo city, lints the
//!   infrastructure, runs the browser tests against the all-in-one portal
//!   (scanning with that clamd), fuzzes its API with schemathesis, and
//!   packages every function for Lambda.
//! - `cargo xtask package`: builds every function for Lambda (arm64, zip,
//!   the `lambda` profile) with cargo-lambda, prints each package's size
//!   and fails when one is over its limit ([`package_limit`]).
//! - `cargo xtask bench [portal|lambda|submissions|booking]`: the figures
//!   of docs/performance.md (the portal beside a hello-world server under
//!   `wrk`, the Lambdas' cold init, submissions, booking), every part or one.
//! - `cargo xtask fuzz`: schemathesis against a fresh all-in-one portal,
//!   without a session, as a citizen and as an admin (the step of `cargo
//!   xtask test`), to replay it by hand.
//! - `cargo xtask moto`: runs moto server in the foreground, for running
//!   the AWS adapter tests by hand.
//! - `cargo xtask clamd`: runs the tests' clamd in the foreground, for
//!   running the clamd adapter tests by hand.

mod bench;
mod clamd;
mod fuzz;
mod tools;

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use tools::{run, venv};

/// Every Lambda function crate (one per capability).
const FUNCTIONS: &[&str] = &[
    "catalogue",
    "submissions",
    "accounts",
    "attachments",
    "tracking",
    "messaging",
    "notifier",
    "booking",
    "open311",
    "reporting",
];

/// The most a function's zipped package may weigh, in bytes (the cold
/// start grows with it; docs/performance.md, « Lambda package », says why
/// it moved from 2,500,000 to this).
const PACKAGE_LIMIT: u64 = 2_560_000;

/// The reporting function's own limit: it writes compressed ODS files (a
/// zip writer and deflate) and serves agents only, never a citizen's page,
/// so a slightly longer cold start costs less there (docs/performance.md,
/// « Lambda package »).
const REPORTING_PACKAGE_LIMIT: u64 = 2_700_000;

/// The most `function`'s package may weigh.
fn package_limit(function: &str) -> u64 {
    if function == "reporting" { REPORTING_PACKAGE_LIMIT } else { PACKAGE_LIMIT }
}

fn main() -> Result<()> {
    let task = std::env::args().nth(1).unwrap_or_default();
    let root = root();
    std::env::set_current_dir(&root)?;
    match task.as_str() {
        "test" => test(&root),
        "package" => package(&root),
        "bench" => bench::bench(&root, std::env::args().nth(2).as_deref()),
        "fuzz" => {
            let venv = venv(&root)?;
            tools::ensure_npm_packages(&root.join("tests/browser"))?;
            run(Command::new("cargo").args(["build", "-p", "portal", "--locked"]))?;
            let portal = tools::start_portal(&root, &[])?;
            fuzz::schemathesis(&root, &venv, &portal.url)
        }
        "moto" => {
            let moto = tools::start_moto(&root)?;
            println!("moto server: {}\n{}", moto.url, moto.export_line());
            moto.wait()
        }
        "clamd" => {
            let clamd = clamd::start_clamd(&root)?;
            println!(
                "clamd: {} (database: target/clamd/db, the EICAR test file only)\n{}",
                clamd.url,
                clamd.export_line()
            );
            clamd.wait()
        }
        _ => {
            eprintln!("usage: cargo xtask <test|package|bench|fuzz|moto|clamd>");
            std::process::exit(2);
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace").to_owned()
}

/// The steps of a run and how long each took, printed as a table at the
/// end, whether the run passed or not.
struct Steps {
    started: Instant,
    done: Vec<(String, Duration)>,
    current: Option<(String, Instant)>,
}

impl Steps {
    fn new() -> Self {
        Self { started: Instant::now(), done: Vec::new(), current: None }
    }

    /// Ends the step in progress, if any, and starts `name`.
    fn start(&mut self, name: &str) {
        self.finish();
        println!("\n==> {name}");
        self.current = Some((name.to_owned(), Instant::now()));
    }

    fn finish(&mut self) {
        if let Some((name, at)) = self.current.take() {
            self.done.push((name, at.elapsed()));
        }
    }

    /// The table of every step's time and the total.
    fn table(&mut self, outcome: &str) -> String {
        self.finish();
        let width = self.done.iter().map(|(name, _)| name.chars().count()).max().unwrap_or(0).max(5);
        let mut table = format!("\n{:<width$}  {:>8}\n", "step", "seconds");
        for (name, took) in &self.done {
            table += &format!("{name:<width$}  {:>8.1}\n", took.as_secs_f64());
        }
        table +=
            &format!("{:<width$}  {:>8.1}  ({outcome})\n", "total", self.started.elapsed().as_secs_f64());
        table
    }
}

fn test(root: &Path) -> Result<()> {
    let mut steps = Steps::new();
    let outcome = run_tests(root, &mut steps);
    print!("{}", steps.table(if outcome.is_ok() { "passed" } else { "failed" }));
    outcome
}

fn run_tests(root: &Path, steps: &mut Steps) -> Result<()> {
    steps.start("Tools: Python venv (moto, cfn-lint, checkov, schemathesis), Chromium, clamd, npm packages");
    let venv = venv(root)?;
    tools::ensure_chromium()?;
    tools::ensure_clamd()?;
    tools::ensure_npm_packages(&root.join("tests/browser"))?;

    steps.start("Rust: formatting (rustfmt)");
    run(Command::new("cargo").args(["fmt", "--all", "--check"]))?;

    steps.start("Rust: build every test and binary (debug)");
    run(Command::new("cargo").args(["test", "--workspace", "--all-targets", "--locked", "--no-run"]))?;

    steps.start("Rust: lints (clippy)");
    run(Command::new("cargo").args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--locked",
        "--",
        "-D",
        "warnings",
    ]))?;

    steps.start(
        "Rust: unit, contract (SQLite, files, outbox; DynamoDB, S3, SES on moto; clamd), Lambda fixtures, end-to-end HTTP",
    );
    let moto = tools::start_moto(root)?;
    // Kept until the browser tests, whose portal scans with it too.
    let clamd = clamd::start_clamd(root)?;
    run(Command::new("cargo")
        .args(["test", "--workspace", "--all-targets", "--locked"])
        .envs(moto.env())
        .envs(clamd.env())
        // The Open311 answers are checked with Python's `jsonschema` (the
        // reference validator, installed with schemathesis).
        .env("GRU_PYTHON", venv.join("bin/python")))?;
    drop(moto);

    steps.start("Rust: `cargo run` after the tests compiles nothing (one feature set)");
    tools::check_nothing_to_build(root)?;

    steps.start("City files: the demo city passes `portal catalogue check`");
    run(Command::new(tools::portal_binary(root)).args(["catalogue", "check", "infra/cities/demo"]))?;

    steps.start("Infrastructure: cfn-lint (with serverless rules) and checkov");
    let template = "infra/template.yaml";
    run(Command::new(venv.join("bin/cfn-lint")).args([
        "--append-rules",
        "cfn_lint_serverless.rules",
        "--",
        template,
    ]))?;
    run(Command::new(venv.join("bin/checkov")).args([
        "-f",
        template,
        "--framework",
        "cloudformation",
        "--quiet",
        "--compact",
        "--skip-download",
    ]))?;

    // The Lambda packages are built beside the browser tests, at the lowest
    // priority: the tests keep the CPU they need and the build takes what
    // they leave (the two together take little more than the build alone).
    steps.start("Lambda: tools (cargo-lambda, the arm64 target)");
    let log = root.join("target/lambda-build.log");
    let packages = tools::Niced::spawn(package_command(root)?, &log)?;

    steps.start("Browser: axe-core and keyboard journeys in Chromium against the all-in-one portal");
    let portal = tools::start_portal(root, &["--clamd", &clamd.url])?;
    run(Command::new("npm")
        .args(["test", "--silent"])
        .current_dir(root.join("tests/browser"))
        .env("PORTAL_URL", &portal.url))?;

    steps.start("API: schemathesis, every operation of /api/openapi.json against the same portal (zero 5xx, zero answers outside the description)");
    fuzz::schemathesis(root, &venv, &portal.url)?;
    drop(portal);
    drop(clamd);

    steps.start("Lambda: every function packaged with cargo-lambda (arm64, `lambda` profile, one build, begun beside the browser tests), each under its limit (2.56 MB, reporting 2.7 MB)");
    packages.wait()?;
    print_package_sizes(root)
}

/// Builds every function for Lambda in one cargo-lambda run (so their
/// dependencies are compiled once, with one feature set), zips each, prints
/// each package's size and fails when one is over its limit.
fn package(root: &Path) -> Result<()> {
    run(&mut package_command(root)?)?;
    print_package_sizes(root)
}

/// The cargo-lambda command that builds every function (arm64, the
/// `lambda` profile of the root Cargo.toml: release optimised for size,
/// zips in `target/lambda/<function>/bootstrap.zip`, each function's
/// `CodeUri` in infra/template.yaml), with its tools installed.
fn package_command(root: &Path) -> Result<Command> {
    let venv = venv(root)?;
    let cargo_lambda = tools::ensure_cargo_lambda(&venv)?;
    run(Command::new("rustup").args(["target", "add", "aarch64-unknown-linux-gnu"]))?;
    // A build of the `lambda` profile for this machine without `--target`
    // leaves each function's binary at `target/lambda/<function>`, where
    // cargo-lambda makes the function's folder.
    for function in FUNCTIONS {
        let stale = root.join("target/lambda").join(function);
        if stale.is_file() {
            std::fs::remove_file(&stale).with_context(|| format!("cannot remove {}", stale.display()))?;
        }
    }
    let mut build = Command::new(&cargo_lambda);
    build.args(["lambda", "build", "--profile", "lambda", "--arm64", "--output-format", "zip", "--locked"]);
    for function in FUNCTIONS {
        build.args(["--package", function]);
    }
    // Debug and trace events compiled out (gru-web's feature), for the
    // packages only: the portal and the tests keep every level.
    build.args(["--features", "gru-web/lambda-log-levels"]);
    build.env("CARGO_ENCODED_RUSTFLAGS", lambda_rustflags(root).join("\u{1f}"));
    build.env("PATH", tools::path_with(&venv.join("bin")));
    Ok(build)
}

/// The Lambda packages' compiler flags, after the caller's `RUSTFLAGS`
/// (cargo-lambda adds its own, `-C target-cpu`, to `--release` builds only):
/// - Graviton2's cores (Lambda's arm64 machines are Graviton2 or later),
///   whose CRC instructions spare the S3 client's checksums their software
///   tables (600 KiB);
/// - a position-dependent executable, as Go's on Lambda: no relocation
///   table for the loader to apply at each cold start (400 KiB);
/// - source paths without this machine's folders (the workspace's, the
///   crates'), in panic messages: reproducible, and shorter.
fn lambda_rustflags(root: &Path) -> Vec<String> {
    let mut flags: Vec<String> =
        std::env::var("RUSTFLAGS").unwrap_or_default().split_whitespace().map(str::to_owned).collect();
    flags.extend(["-Ctarget-cpu=neoverse-n1".to_owned(), "-Clink-arg=-no-pie".to_owned()]);
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")));
    let registries = cargo_home.and_then(|home| std::fs::read_dir(home.join("registry/src")).ok());
    for registry in registries.into_iter().flatten().flatten() {
        flags.push(format!("--remap-path-prefix={}/=", registry.path().display()));
    }
    flags.push(format!("--remap-path-prefix={}/=", root.display()));
    flags
}

/// Prints each function's package size; fails, naming each package over
/// its limit ([`package_limit`]) and its size, when one is.
fn print_package_sizes(root: &Path) -> Result<()> {
    let mut too_large = Vec::new();
    for function in FUNCTIONS {
        let zip = root.join("target/lambda").join(function).join("bootstrap.zip");
        let size = std::fs::metadata(&zip).with_context(|| format!("no package at {}", zip.display()))?.len();
        let limit = package_limit(function);
        let margin = limit as i64 - size as i64;
        println!(
            "{function}: {} ({size} bytes, {:.2} MiB zipped, {margin} bytes under the limit)",
            zip.display(),
            size as f64 / 1_048_576.0
        );
        if size > limit {
            too_large.push(format!("{function} ({size} bytes, over {limit})"));
        }
    }
    if !too_large.is_empty() {
        bail!("Lambda packages over their limit: {}", too_large.join(", "));
    }
    Ok(())
}
