//! schemathesis against the all-in-one portal: every operation of the API's
//! description (`/api/openapi.json`, written from the functions' route
//! tables) called with generated inputs, valid and invalid. A run fails on
//! any 5xx, any status the description does not allow, any error that is
//! not a problem document, and any problem document that breaks its schema.

use crate::tools::run;
use anyhow::Result;
use std::path::Path;
use std::process::Command;

/// Cases per operation and phase: enough to reach each handler's checks
/// with hostile values, small enough for CI (docs/api.md gives the figures).
const MAX_EXAMPLES: &str = "25";

/// A fixed seed, so a failure in CI replays the same inputs on any machine.
const SEED: &str = "20261207";

/// Runs schemathesis from `venv` against the portal at `url`; its report
/// (JUnit) goes to `target/schemathesis/`.
pub fn schemathesis(root: &Path, venv: &Path, url: &str) -> Result<()> {
    run(Command::new(venv.join("bin/schemathesis"))
        .arg("run")
        .arg(format!("{url}/api/openapi.json"))
        .args(["--header", "X-GRU-CSRF: 1"])
        .args([
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
        ])
        .args(["--phases", "examples,coverage,fuzzing"])
        .args(["--max-examples", MAX_EXAMPLES, "--seed", SEED])
        .args(["--generation-database", "none", "--workers", "4", "--no-color"])
        .args(["--report", "junit", "--report-dir"])
        .arg(root.join("target/schemathesis")))
}
