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
    copy_demo_into(dir.path());
    dir
}

/// Copies the demo city's files into `dir`.
fn copy_demo_into(dir: &std::path::Path) {
    for sub in ["", "services", "agendas", "workflows", "assets"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
        for entry in std::fs::read_dir(demo().join(sub)).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                std::fs::copy(&path, dir.join(sub).join(path.file_name().unwrap())).unwrap();
            }
        }
    }
}

#[test]
fn check_passes_on_the_demo_city() {
    let output = portal().args(["catalogue", "check"]).arg(demo()).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stdout));
    assert!(String::from_utf8_lossy(&output.stdout).contains("aucun problème"));
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
        stdout.contains(&format!("pacs.toml:{}: catégorie inconnue « etat-civl »", line_of("category = "))),
        "{stdout}"
    );
    assert!(stdout.contains("broken.toml:2: "), "bad TOML with its line: {stdout}");
}

/// The `[open311]` section is checked with its service's form, and an
/// Open311 code offered twice in the city is named with both files.
#[test]
fn open311_sections_are_checked_with_the_forms_and_codes_are_unique() {
    let city = copy_of_demo();
    let service = city.path().join("services/signalement-voirie.toml");
    let text = std::fs::read_to_string(&service).unwrap();
    let broken = text.replacen("location = \"location_description\"", "location = \"urgent\"", 1);
    std::fs::write(&service, &broken).unwrap();
    let copy = broken.replacen("slug = \"signalement-voirie\"", "slug = \"signalement-bis\"", 1);
    std::fs::write(city.path().join("services/signalement-bis.toml"), copy).unwrap();

    let output = portal().args(["catalogue", "check"]).arg(city.path()).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = text.lines().position(|l| l == "[open311]").unwrap() + 1;
    assert!(
        stdout.contains(&format!(
            "signalement-voirie.toml:{line}: [open311] location : le champ « urgent » est de type yesno"
        )),
        "{stdout}"
    );
    assert!(stdout.contains("signalement-bis.toml:"), "{stdout}");
    assert!(stdout.contains("code Open311 « chaussee-trottoir » en double"), "{stdout}");
}

#[test]
fn a_misspelt_time_zone_is_named_with_its_file_and_line() {
    let city = copy_of_demo();
    let profile = city.path().join("city.toml");
    let text = std::fs::read_to_string(&profile).unwrap();
    std::fs::write(&profile, text.replacen("\"Europe/Paris\"", "\"Europe/Pariss\"", 1)).unwrap();
    let line = text.lines().position(|l| l.starts_with("timezone")).unwrap() + 1;

    let output = portal().args(["catalogue", "check"]).arg(city.path()).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(&format!("city.toml:{line}: « Europe/Pariss » n'est pas un fuseau horaire connu")),
        "{stdout}"
    );

    let data = tempfile::tempdir().unwrap();
    let served = portal()
        .args(["serve", "--port", "0", "--city"])
        .arg(city.path())
        .arg("--data-dir")
        .arg(data.path())
        .output()
        .unwrap();
    assert!(!served.status.success(), "the portal does not start with it");
    assert!(
        String::from_utf8_lossy(&served.stderr).contains("city.toml"),
        "{}",
        String::from_utf8_lossy(&served.stderr)
    );
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
    assert!(!import().contains(": 0 élément(s) ajouté(s)"), "the first import adds the city");
    assert!(
        import().contains(": 0 élément(s) ajouté(s), 0 modifié(s), 0 retiré(s)"),
        "the second changes nothing"
    );
}

#[test]
fn the_indicators_are_rebuilt_from_the_command_line_and_a_second_rebuild_changes_nothing() {
    let data = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let output = portal().args(args).arg("--data-dir").arg(data.path()).output().unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    run(&["catalogue", "import", demo().to_str().unwrap()]);
    assert_eq!(run(&["indicators", "rebuild"]).trim(), "0 demande(s) recomptée(s), 0 compteur(s) corrigé(s)");
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
    assert!(report.contains("0 avertissement(s) envoyé(s) avant la purge"), "{report}");
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
        String::from_utf8_lossy(&output.stderr).contains("l'avertissement"),
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

/// Runs `binary` as an ordinary user: root ignores permission bits, so
/// under root (as in CI) it runs as `nobody`, through util-linux's `setpriv`.
#[cfg(unix)]
fn as_ordinary_user(root: bool, binary: &std::path::Path) -> Command {
    if !root {
        return Command::new(binary);
    }
    let mut command = Command::new("setpriv");
    command.args(["--reuid=65534", "--regid=65534", "--clear-groups"]).arg(binary);
    command
}

/// The portal's answer to `args`, or a failure of the test when it is still
/// running after 30 seconds (a portal that started although it should not).
#[cfg(unix)]
fn refusal_of(mut command: Command) -> std::process::Output {
    let mut child =
        command.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap();
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > std::time::Duration::from_secs(30) {
            child.kill().unwrap();
            let output = child.wait_with_output().unwrap();
            panic!("the portal started: {}", String::from_utf8_lossy(&output.stdout));
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

/// Sets the permission bits of `path` and everything under it.
#[cfg(unix)]
fn set_modes(path: &std::path::Path, folder: u32, file: u32) {
    use std::os::unix::fs::PermissionsExt;
    let mode = if path.is_dir() { folder } else { file };
    if path.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            set_modes(&entry.unwrap().path(), folder, file);
        }
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(unix)]
#[test]
fn a_data_directory_that_cannot_be_written_is_refused_at_start() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let parent = tempfile::tempdir().unwrap();
    let root = std::fs::metadata(parent.path()).unwrap().uid() == 0;
    std::fs::set_permissions(parent.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    // The portal's user gets its own copy of the binary and of the city:
    // the repository may sit in a folder only its owner enters.
    let binary = parent.path().join("portal");
    std::fs::copy(env!("CARGO_BIN_EXE_portal"), &binary).unwrap();
    let city = parent.path().join("ville");
    copy_demo_into(&city);
    // The portal's user makes its data directory on a first run…
    let data = parent.path().join("donnees");
    let mut first = as_ordinary_user(root, &binary);
    first.arg("purge").arg("--city").arg(&city).arg("--data-dir").arg(&data);
    let first = first.output().unwrap();
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    // …which is then made read-only.
    set_modes(&data, 0o555, 0o444);

    let mut serve = as_ordinary_user(root, &binary);
    serve.args(["serve", "--port", "0", "--city"]).arg(&city).arg("--data-dir").arg(&data);
    let refused = refusal_of(serve);
    set_modes(&data, 0o755, 0o644);
    assert!(!refused.status.success());
    assert!(!String::from_utf8_lossy(&refused.stdout).contains("Portail prêt"));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains(&data.display().to_string()), "the folder is named: {stderr}");
    assert!(stderr.contains("n'accepte pas l'écriture") || stderr.contains("ne peut pas écrire"), "{stderr}");
    assert!(stderr.contains("permission refusée"), "the reason, in French: {stderr}");
}

/// A deployed city gets its catalogue and its first admin from the command
/// line, straight into its DynamoDB table (moto here): the admin then signs
/// in through the accounts function as on AWS, with the printed password
/// and a code of the printed TOTP secret.
#[tokio::test]
async fn a_city_on_dynamodb_gets_its_catalogue_its_indicators_rebuilt_and_first_admin_from_the_command_line()
{
    use tower::ServiceExt;
    let endpoint = gru_ports::contract::moto_endpoint();
    let client = gru_dynamodb::emulator_client(&endpoint);
    let table = gru_ports::contract::unique_name("cli");
    gru_dynamodb::create_table(&client, &table).await.unwrap();
    let on_aws = |args: &[&str]| {
        let mut command = portal();
        command
            .args(args)
            .args(["--store", "dynamodb", "--table", &table])
            .env("AWS_ENDPOINT_URL", &endpoint)
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_REGION", "eu-west-3")
            .env_remove("AWS_PROFILE");
        command.output().unwrap()
    };
    let demo = demo();
    let demo = demo.to_str().unwrap();
    let imported = on_aws(&["catalogue", "import", demo]);
    assert!(imported.status.success(), "{}", String::from_utf8_lossy(&imported.stderr));
    let again = String::from_utf8_lossy(&on_aws(&["catalogue", "import", demo]).stdout).into_owned();
    assert!(again.contains(" 0 élément(s) ajouté(s), 0 modifié(s), 0 retiré(s)"), "idempotent: {again}");
    let rebuilt = on_aws(&["indicators", "rebuild"]);
    assert!(rebuilt.status.success(), "{}", String::from_utf8_lossy(&rebuilt.stderr));
    assert!(String::from_utf8_lossy(&rebuilt.stdout).contains("0 compteur(s) corrigé(s)"));

    let email = "premier.admin@belleval.example";
    let admin = ["agent", "create", "--email", email, "--name", "Premier Admin", "--role", "admin"];
    let created = on_aws(&admin);
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    let stdout = String::from_utf8_lossy(&created.stdout).into_owned();
    let printed = |label: &str| {
        let line = stdout
            .lines()
            .find(|l| l.trim_start().starts_with(label))
            .unwrap_or_else(|| panic!("{label} in {stdout}"));
        line.split_once(" : ").unwrap().1.trim().to_owned()
    };
    let (password, secret) = (printed("Mot de passe"), printed("Clé de l'application"));
    let twice = on_aws(&admin);
    assert!(!twice.status.success(), "one email, one agent");
    assert!(String::from_utf8_lossy(&twice.stderr).contains("un agent a déjà l'adresse"));

    let store: std::sync::Arc<dyn gru_ports::Store> =
        std::sync::Arc::new(gru_dynamodb::DynamoStore::new(client, table.clone()));
    let clock = std::sync::Arc::new(gru_ports::SystemClock);
    let platform = gru_web::Platform::new(store, clock, gru_web::Settings::new("https://belleval.example"));
    let mail = tempfile::tempdir().unwrap();
    let mailer = std::sync::Arc::new(gru_embedded::OutboxMailer::new(
        mail.path().to_path_buf(),
        "mairie@belleval.example".into(),
    ));
    let now = jiff::Timestamp::now().as_second().try_into().unwrap();
    let body = serde_json::json!({ "email": email, "password": password, "code": accounts::agents::totp_code(&secret, now) });
    let request = axum::http::Request::post("/api/accounts/agents/signin")
        .header("content-type", "application/json")
        .header("x-gru-csrf", "1")
        .body(axum::body::Body::from(body.to_string()))
        .unwrap();
    let answer = accounts::router(&platform, mailer).oneshot(request).await.unwrap();
    let status = answer.status();
    let bytes = axum::body::to_bytes(answer.into_body(), 64 * 1024).await.unwrap();
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
    let signed_in: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(signed_in["role"], "admin");
}

#[test]
fn the_site_to_upload_is_built_for_the_city_from_the_command_line() {
    let out = tempfile::tempdir().unwrap();
    let site = out.path().join("site");
    let build = |out: &std::path::Path, url: &str| {
        portal()
            .args(["site", "build", "--city"])
            .arg(demo())
            .arg("--out")
            .arg(out)
            .args(["--public-url", url])
            .output()
            .unwrap()
    };
    let output = build(&site, "https://demarches.belleval.example");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(said.contains("page(s)") && said.contains("forme(s) compressée(s)"), "{said}");
    let home = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert!(home.contains("<span class=\"brand-name\">Ville de Belleval-sur-Loire</span>"), "{home}");
    assert!(site.join("demarches/acte-etat-civil/index.html.br").exists());
    let sitemap = std::fs::read_to_string(site.join("sitemap.xml")).unwrap();
    assert!(sitemap.contains("<loc>https://demarches.belleval.example/demarches/acte-etat-civil/</loc>"));

    // An address that is not one gets no sitemap.
    let output = build(&out.path().join("typo"), "demarches.belleval.example");
    assert_eq!(output.status.code(), Some(2), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stderr).contains("https://"));
    assert!(!out.path().join("typo").exists());

    // A broken city builds nothing and says why.
    let city = copy_of_demo();
    std::fs::write(city.path().join("city.toml"), "name = \n").unwrap();
    let broken = out.path().join("broken");
    let output = portal()
        .args(["site", "build", "--city"])
        .arg(city.path())
        .arg("--out")
        .arg(&broken)
        .args(["--public-url", "https://demarches.belleval.example"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stdout).contains("city.toml"));
    assert!(!broken.exists());
}
