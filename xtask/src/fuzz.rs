//! schemathesis against the all-in-one portal: every operation of the API's
//! description (`/api/openapi.json`, written from the functions' route
//! tables) called with generated inputs, valid and invalid, three times:
//! without a session, as a signed-in citizen, as an admin agent. A run fails
//! on any 5xx, any status the description does not allow, any error that is
//! not a problem document, and any problem document that breaks its schema.

use crate::tools::run;
use anyhow::{Context, Result, bail};
use std::path::Path;
use std::process::Command;

/// Cases per operation and phase: enough to reach each handler's checks
/// with hostile values, small enough for CI (docs/api.md gives the figures).
const MAX_EXAMPLES: &str = "25";

/// A fixed seed, so a failure in CI replays the same inputs on any machine.
const SEED: &str = "20261207";

/// Runs the three passes from `venv` against the portal at `url`, whose
/// data directory is the browser tests' (`tests/browser/fuzz-sessions.mjs`
/// makes the sessions there); the reports (JUnit) go to
/// `target/schemathesis/<pass>/`.
pub fn schemathesis(root: &Path, venv: &Path, url: &str) -> Result<()> {
    let sessions = Command::new("node")
        .arg("fuzz-sessions.mjs")
        .current_dir(root.join("tests/browser"))
        .env("PORTAL_URL", url)
        .output()
        .context("cannot run node tests/browser/fuzz-sessions.mjs")?;
    if !sessions.status.success() {
        bail!("fuzz-sessions.mjs failed: {}", String::from_utf8_lossy(&sessions.stderr));
    }
    let stdout = String::from_utf8(sessions.stdout)?;
    let [citizen, admin] = stdout.lines().collect::<Vec<_>>()[..] else {
        bail!("fuzz-sessions.mjs printed {stdout:?}, not two cookies");
    };
    // Signing out would end the pass's session; a password change ends the others.
    let keep_session = ["--exclude-path-regex", "signout|password"];
    for (pass, cookie, excluded) in [
        ("anonymous", None, &[][..]),
        ("citizen", Some(citizen), &keep_session[..]),
        ("admin", Some(admin), &keep_session[..]),
    ] {
        println!("schemathesis, {pass}:");
        let mut command = Command::new(venv.join("bin/schemathesis"));
        command
            .arg("run")
            .arg(format!("{url}/api/openapi.json"))
            .args(["--header", "X-GRU-CSRF: 1"])
            .args(cookie.map(|cookie| format!("--header=Cookie: {cookie}")))
            .args(excluded)
            .args([
                "--checks",
                "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
            ])
            .args(["--phases", "examples,coverage,fuzzing"])
            .args(["--max-examples", MAX_EXAMPLES, "--seed", SEED])
            .args(["--generation-database", "none", "--workers", "4", "--no-color"])
            .args(["--report", "junit", "--report-dir"])
            .arg(root.join("target/schemathesis").join(pass));
        run(&mut command)?;
    }
    Ok(())
}
