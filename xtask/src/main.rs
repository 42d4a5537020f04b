//! Project tasks, so a fresh machine needs nothing but cargo:
//!
//! - `cargo xtask test`: everything CI runs. Installs its own tools (a
//!   Python venv under `target/` with moto, cfn-lint and checkov; the npm
//!   packages of `tests/browser`; Debian's Chromium and clamav-daemon when
//!   missing and run as root), checks formatting and lints, starts moto
//!   server and clamd (with a database that knows only the EICAR test
//!   file), runs every Rust test, checks the demo city, lints the
//!   infrastructure, runs the browser tests against the all-in-one portal
//!   (scanning with that clamd), and packages every function for Lambda.
//! - `cargo xtask package`: builds every function for Lambda (arm64, zip)
//!   with cargo-lambda and prints each package's size.
//! - `cargo xtask bench`: start-up time and catalogue latency and
//!   throughput of the release portal (needs `wrk`), for docs/performance.md.
//! - `cargo xtask moto`: runs moto server in the foreground, for running
//!   the AWS adapter tests by hand.
//! - `cargo xtask clamd`: runs the tests' clamd in the foreground, for
//!   running the clamd adapter tests by hand.

mod bench;
mod clamd;
mod tools;

use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;
use tools::{run, venv};

/// Every Lambda function crate (one per capability).
const FUNCTIONS: &[&str] =
    &["catalogue", "submissions", "accounts", "attachments", "tracking", "messaging", "notifier", "booking"];

fn main() -> Result<()> {
    let task = std::env::args().nth(1).unwrap_or_default();
    let root = root();
    std::env::set_current_dir(&root)?;
    match task.as_str() {
        "test" => test(&root),
        "package" => package(&root),
        "bench" => bench::bench(&root),
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
            eprintln!("usage: cargo xtask <test|package|bench|moto|clamd>");
            std::process::exit(2);
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace").to_owned()
}

fn step(name: &str) {
    println!("\n==> {name}");
}

fn test(root: &Path) -> Result<()> {
    let started = std::time::Instant::now();
    step("Tools: Python venv (moto, cfn-lint, checkov), Chromium, clamd, npm packages");
    let venv = venv(root)?;
    tools::ensure_chromium()?;
    tools::ensure_clamd()?;
    tools::ensure_npm_packages(&root.join("tests/browser"))?;

    step("Rust: formatting and lints (rustfmt, clippy)");
    run(Command::new("cargo").args(["fmt", "--all", "--check"]))?;
    run(Command::new("cargo").args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--locked",
        "--",
        "-D",
        "warnings",
    ]))?;

    step(
        "Rust: unit, contract (SQLite, files, outbox; DynamoDB, S3, SES on moto; clamd), Lambda fixtures, end-to-end HTTP",
    );
    let moto = tools::start_moto(root)?;
    // Kept until the browser tests, whose portal scans with it too.
    let clamd = clamd::start_clamd(root)?;
    run(Command::new("cargo")
        .args(["test", "--workspace", "--all-targets", "--locked"])
        .envs(moto.env())
        .envs(clamd.env()))?;
    drop(moto);

    step("City files: the demo city passes `portal catalogue check`");
    run(Command::new("cargo").args([
        "run",
        "--quiet",
        "--locked",
        "-p",
        "portal",
        "--",
        "catalogue",
        "check",
        "infra/cities/demo",
    ]))?;

    step("Infrastructure: cfn-lint (with serverless rules) and checkov");
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

    step("Browser: axe-core and keyboard journeys in Chromium against the all-in-one portal");
    let portal = tools::start_portal(root, &["--clamd", &clamd.url])?;
    run(Command::new("npm")
        .args(["test", "--silent"])
        .current_dir(root.join("tests/browser"))
        .env("PORTAL_URL", &portal.url))?;
    drop(portal);
    drop(clamd);

    step("Lambda: every function packaged with cargo-lambda (arm64, release)");
    package(root)?;

    println!("\nEverything passed in {} s.", started.elapsed().as_secs());
    Ok(())
}

fn package(root: &Path) -> Result<()> {
    let venv = venv(root)?;
    let cargo_lambda = tools::ensure_cargo_lambda(&venv)?;
    run(Command::new("rustup").args(["target", "add", "aarch64-unknown-linux-gnu"]))?;
    for function in FUNCTIONS {
        step(&format!("Lambda package: {function} (arm64, release, zip)"));
        run(Command::new(&cargo_lambda)
            .args([
                "lambda",
                "build",
                "--release",
                "--arm64",
                "--output-format",
                "zip",
                "--package",
                function,
            ])
            .env("PATH", tools::path_with(&venv.join("bin"))))?;
        let zip = root.join("target/lambda").join(function).join("bootstrap.zip");
        let size = std::fs::metadata(&zip).with_context(|| format!("no package at {}", zip.display()))?.len();
        println!("{function}: {} ({:.2} MiB zipped)", zip.display(), size as f64 / 1_048_576.0);
    }
    Ok(())
}
