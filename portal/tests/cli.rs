//! A city's IT team checks and imports its catalogue from the command line.

use std::process::Command;

fn portal() -> Command {
    Command::new(env!("CARGO_BIN_EXE_portal"))
}

fn demo() -> std::path::PathBuf {
    portal::repository_dir().join("infra/cities/demo")
}

/// A copy of the demo city to break.
fn copy_of_demo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["", "services", "agendas", "workflows", "assets"] {
        std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        for entry in std::fs::read_dir(demo().join(sub)).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                std::fs::copy(&path, dir.path().join(sub).join(path.file_name().unwrap())).unwrap();
            }
        }
    }
    dir
}

#[test]
fn check_passes_on_the_demo_city() {
    let output = portal().args(["catalogue", "check"]).arg(demo()).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stdout));
    assert!(String::from_utf8_lossy(&output.stdout).contains("no problem"));
}

#[test]
fn check_lists_every_problem_with_file_and_line_and_fails() {
    let city = copy_of_demo();
    let service = city.path().join("services/pacs.toml");
    let text = std::fs::read_to_string(&service).unwrap();
    std::fs::write(&service, text.replacen("category = \"etat-civil\"", "category = \"etat-civl\"", 1))
        .unwrap();
    std::fs::write(city.path().join("services/broken.toml"), "slug = \"broken\"\ntitle = \n").unwrap();

    let output = portal().args(["catalogue", "check"]).arg(city.path()).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line_of = |needle: &str| text.lines().position(|l| l.contains(needle)).unwrap() + 1;
    assert!(
        stdout.contains(&format!("pacs.toml:{}: unknown category \"etat-civl\"", line_of("category = "))),
        "{stdout}"
    );
    assert!(stdout.contains("broken.toml:2: "), "bad TOML with its line: {stdout}");
}

#[test]
fn import_into_the_embedded_store_is_idempotent() {
    let data = tempfile::tempdir().unwrap();
    let import = || {
        let output = portal()
            .args(["catalogue", "import"])
            .arg(demo())
            .arg("--data-dir")
            .arg(data.path())
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    assert!(!import().contains("items 0 added"), "the first import adds the city");
    assert!(import().contains("items 0 added, 0 updated, 0 removed"), "the second changes nothing");
}

#[test]
fn import_of_a_broken_city_changes_nothing_and_says_why() {
    let data = tempfile::tempdir().unwrap();
    let city = copy_of_demo();
    std::fs::remove_file(city.path().join("categories.toml")).unwrap();
    let output = portal()
        .args(["catalogue", "import"])
        .arg(city.path())
        .arg("--data-dir")
        .arg(data.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("categories.toml"));
    assert!(!data.path().join("portal.db").exists(), "nothing was written");
}

#[cfg(unix)]
#[test]
fn serve_prints_its_url_and_stops_cleanly_on_ctrl_c() {
    use std::io::{BufRead, BufReader};
    let data = tempfile::tempdir().unwrap();
    let mut child = portal()
        .args(["serve", "--port", "0", "--data-dir"])
        .arg(data.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    assert!(line.starts_with("Portail prêt : http://127.0.0.1:"), "{line}");
    assert!(data.path().join("portal.db").exists(), "the data directory is created");
    let interrupted = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(interrupted.success());
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "exit status {:?}", output.status);
    assert!(String::from_utf8_lossy(&output.stderr).contains("Portail arrêté."));
}

#[test]
fn purge_runs_one_round_of_housekeeping() {
    let data = tempfile::tempdir().unwrap();
    let output = portal().arg("purge").arg("--data-dir").arg(data.path()).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(report.contains("0 warning(s) sent before purge"), "{report}");
}

#[test]
fn a_draft_policy_that_makes_no_sense_is_refused() {
    let data = tempfile::tempdir().unwrap();
    let output = portal()
        .args(["purge", "--draft-keep-days", "7", "--draft-warn-days", "10", "--data-dir"])
        .arg(data.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("the warning"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn an_agent_created_from_the_command_line_gets_credentials_once_per_email() {
    let data = tempfile::tempdir().unwrap();
    let create = |email: &str| {
        portal()
            .args(["agent", "create", "--email", email, "--name", "Claire Martin", "--role", "agent"])
            .args(["--service", "etat-civil", "--public-url", "https://demarches.belleval.fr", "--data-dir"])
            .arg(data.path())
            .output()
            .unwrap()
    };
    let created = create("Claire.Martin@belleval.fr");
    let stdout = String::from_utf8_lossy(&created.stdout);
    assert!(created.status.success(), "{stdout}{}", String::from_utf8_lossy(&created.stderr));
    assert!(stdout.contains("Agent créé : Claire Martin <claire.martin@belleval.fr>, agent"), "{stdout}");
    let value = |label: &str| {
        let line = stdout.lines().find(|l| l.trim_start().starts_with(label)).unwrap();
        line.rsplit(" : ").next().unwrap().trim().to_owned()
    };
    let (password, secret, uri) = (value("Mot de passe"), value("Clé"), value("URI"));
    assert_eq!(password.len(), 23);
    assert_eq!(secret.len(), 32);
    assert!(uri.starts_with("otpauth://totp/demarches.belleval.fr:claire.martin@belleval.fr?secret="));
    assert!(uri.contains(&secret));

    let again = create("claire.martin@belleval.fr");
    assert_eq!(again.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(stderr.contains("un agent a déjà l'adresse claire.martin@belleval.fr"), "{stderr}");
    assert!(!String::from_utf8_lossy(&again.stdout).contains("Mot de passe"));
}
