//! Installing and starting the tools the tests need.

use anyhow::{Context, Result, bail};
use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Runs a command to completion, failing with its command line.
pub fn run(command: &mut Command) -> Result<()> {
    let line = format!("{command:?}");
    let status = command.status().with_context(|| format!("cannot start {line}"))?;
    if !status.success() {
        bail!("{line} failed ({status})");
    }
    Ok(())
}

/// The Python venv under `target/venv`, (re)installed when
/// `xtask/python-requirements.txt` changes.
pub fn venv(root: &Path) -> Result<PathBuf> {
    let venv = root.join("target/venv");
    let requirements = root.join("xtask/python-requirements.txt");
    let wanted = std::fs::read_to_string(&requirements)?;
    let stamp = venv.join("installed-requirements.txt");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) {
        return Ok(venv);
    }
    if !venv.join("bin/pip").exists() {
        run(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    }
    run(Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
        .arg(&requirements))?;
    std::fs::write(stamp, wanted)?;
    Ok(venv)
}

/// cargo-lambda (with its zig) from PyPI, in the venv.
pub fn ensure_cargo_lambda(venv: &Path) -> Result<PathBuf> {
    let binary = venv.join("bin/cargo-lambda");
    if !binary.exists() {
        run(Command::new(venv.join("bin/pip")).args(["install", "--quiet", "cargo-lambda==1.9.2"]))?;
    }
    Ok(binary)
}

/// `PATH` with `dir` first.
pub fn path_with(dir: &Path) -> std::ffi::OsString {
    let mut paths = vec![dir.to_owned()];
    paths.extend(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()));
    std::env::join_paths(paths).expect("PATH entries are valid")
}

/// The browser the tests drive: `$CHROMIUM`, or Debian's, installed with
/// apt when missing and we are root.
pub fn ensure_chromium() -> Result<()> {
    let path = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if Path::new(&path).exists() {
        return Ok(());
    }
    if !is_root() {
        bail!(
            "Chromium is missing at {path}: install Debian's `chromium` package, or set CHROMIUM to a Chromium binary"
        );
    }
    run(Command::new("apt-get").args(["update", "-qq"]))?;
    run(Command::new("apt-get")
        .args(["install", "-y", "-qq", "--no-install-recommends", "chromium"])
        .env("DEBIAN_FRONTEND", "noninteractive"))
}

/// The ClamAV daemon: `$CLAMD`, or Debian's, installed with apt when
/// missing and we are root.
pub fn ensure_clamd() -> Result<PathBuf> {
    let path = PathBuf::from(std::env::var("CLAMD").unwrap_or_else(|_| "/usr/sbin/clamd".into()));
    if path.exists() {
        return Ok(path);
    }
    if !is_root() {
        bail!(
            "clamd is missing at {}: install Debian's `clamav-daemon` package, or set CLAMD to a clamd binary",
            path.display()
        );
    }
    run(Command::new("apt-get").args(["update", "-qq"]))?;
    // Without recommends (clamdscan): the tests speak to clamd themselves.
    // The package pulls freshclam, which needs the internet; the tests never
    // run it and bring their own database (see `clamd::start_clamd`).
    run(Command::new("apt-get")
        .args(["install", "-y", "-qq", "--no-install-recommends", "clamav-daemon"])
        .env("DEBIAN_FRONTEND", "noninteractive"))?;
    if !path.exists() {
        bail!("clamav-daemon is installed but there is no clamd at {}", path.display());
    }
    Ok(path)
}

/// Whether we run as root (and so may install Debian packages).
fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0"))
}

/// `npm ci` when `node_modules` is missing or older than the lock file.
pub fn ensure_npm_packages(dir: &Path) -> Result<()> {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let installed = modified(&dir.join("node_modules/.package-lock.json"));
    if installed.is_some() && installed >= modified(&dir.join("package-lock.json")) {
        return Ok(());
    }
    run(Command::new("npm").args(["ci", "--no-audit", "--no-fund", "--silent"]).current_dir(dir))
}

/// A process started for the tests, killed when dropped.
pub struct Background {
    child: Child,
    /// Where it listens: an `http://` URL, or `host:port` for clamd (which
    /// speaks its own protocol).
    pub url: String,
    /// What the tests that use it must find in their environment.
    env: Vec<(&'static str, String)>,
}

impl Background {
    /// A started process listening at `url`; `env` is what [`Self::env`]
    /// gives the tests.
    pub fn new(child: Child, url: String, env: Vec<(&'static str, String)>) -> Self {
        Self { child, url, env }
    }

    /// The process id (the benchmarks read its CPU time).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for the process (for `cargo xtask moto` and `cargo xtask clamd`).
    pub fn wait(mut self) -> Result<()> {
        self.child.wait()?;
        Ok(())
    }

    /// The environment the tests that use this process read (moto's
    /// endpoint and test credentials, clamd's address; nothing for the
    /// portal).
    pub fn env(&self) -> Vec<(&'static str, String)> {
        self.env.clone()
    }

    /// `export NAME=value ...` for a shell, what `cargo xtask moto` and
    /// `cargo xtask clamd` print.
    pub fn export_line(&self) -> String {
        let pairs: Vec<String> = self.env.iter().map(|(name, value)| format!("{name}={value}")).collect();
        format!("export {}", pairs.join(" "))
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn wait_for_port(port: u16, child: &mut Child, what: &str) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        if let Some(status) = child.try_wait()? {
            bail!("{what} exited before listening ({status})");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bail!("{what} did not listen on port {port} within 60 s")
}

/// moto server on a free loopback port, serving one request at a time
/// (`moto_server.py` says why).
pub fn start_moto(root: &Path) -> Result<Background> {
    let venv = venv(root)?;
    let port = free_port()?;
    let mut child = Command::new(venv.join("bin/python"))
        .args(["-c", include_str!("moto_server.py"), "127.0.0.1", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("cannot start moto_server")?;
    wait_for_port(port, &mut child, "moto_server")?;
    let url = format!("http://127.0.0.1:{port}");
    let env = vec![
        ("GRU_MOTO_ENDPOINT", url.clone()),
        ("AWS_ACCESS_KEY_ID", "test".into()),
        ("AWS_SECRET_ACCESS_KEY", "test".into()),
        ("AWS_REGION", "eu-west-3".into()),
    ];
    Ok(Background::new(child, url, env))
}

/// The all-in-one portal's debug binary, as the test build left it.
pub fn portal_binary(root: &Path) -> PathBuf {
    root.join("target/debug/portal")
}

/// Fails when `cargo build -p portal` (what `cargo run` does) would compile
/// anything after the test build: the workspace keeps one feature set for
/// every dependency (`shared/workspace-hack`), so a newcomer's first
/// `cargo run` after the tests, and the portal the browser tests start,
/// cost no second build of the AWS SDK. Names what it would rebuild.
pub fn check_nothing_to_build(root: &Path) -> Result<()> {
    let output = Command::new("cargo")
        .args(["build", "--locked", "-p", "portal", "--message-format", "json"])
        .current_dir(root)
        .stderr(Stdio::inherit())
        .output()
        .context("cannot run cargo build")?;
    if !output.status.success() {
        bail!("cargo build -p portal failed");
    }
    let rebuilt: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|line| line.contains(r#""reason":"compiler-artifact""#) && line.contains(r#""fresh":false"#))
        .filter_map(|line| line.split(r#""package_id":""#).nth(1)?.split('"').next().map(str::to_owned))
        .collect();
    if !rebuilt.is_empty() {
        bail!(
            "`cargo run` compiled {} crates again after the tests (features differ between the two builds; \
             add the dependency's features to shared/workspace-hack/Cargo.toml): {}",
            rebuilt.len(),
            rebuilt.join(", ")
        );
    }
    Ok(())
}

/// The all-in-one portal (debug build, from the test build) on a free port
/// with a fresh data directory; `args` are added to `portal serve`'s (e.g.
/// `--clamd <address>`).
pub fn start_portal(root: &Path, args: &[&str]) -> Result<Background> {
    let data = root.join("target/browser-test-data");
    let _ = std::fs::remove_dir_all(&data);
    // The binary itself, not `cargo run`: killing cargo would leave it running.
    start_portal_binary_with(&portal_binary(root), &data, args)
}

/// Starts a portal binary on a free port with its default adapters.
pub fn start_portal_binary(binary: &Path, data: &Path) -> Result<Background> {
    start_portal_binary_with(binary, data, &[])
}

/// Starts a portal binary on a free port, with `args` added to `portal
/// serve`'s; its URL is read from the line it prints when ready.
pub fn start_portal_binary_with(binary: &Path, data: &Path, args: &[&str]) -> Result<Background> {
    let mut child = Command::new(binary)
        .args(["serve", "--port", "0", "--data-dir"])
        .arg(data)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("cannot start {}", binary.display()))?;
    let stdout = child.stdout.take().expect("piped stdout");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    let Some(url) = line.trim().rsplit(' ').next().filter(|u| u.starts_with("http")) else {
        let _ = child.kill();
        bail!("the portal did not print its URL (got {line:?})");
    };
    Ok(Background::new(child, url.trim_end_matches('/').to_owned(), Vec::new()))
}

/// A command run in the background at the lowest CPU priority (`nice`), in
/// its own process group, its output in a log file; killed with its
/// children when dropped before [`Niced::wait`].
pub struct Niced {
    child: Option<Child>,
    log: PathBuf,
    line: String,
}

impl Niced {
    pub fn spawn(command: Command, log: &Path) -> Result<Self> {
        use std::os::unix::process::CommandExt;
        let line = format!("{command:?}");
        let out = std::fs::File::create(log).with_context(|| format!("cannot write {}", log.display()))?;
        let mut niced = Command::new("nice");
        niced
            .args(["-n", "19"])
            .arg(command.get_program())
            .args(command.get_args())
            .envs(command.get_envs().filter_map(|(k, v)| v.map(|v| (k, v))))
            .stdout(out.try_clone()?)
            .stderr(out)
            .process_group(0);
        let child = niced.spawn().with_context(|| format!("cannot start {line}"))?;
        println!("started in the background (log: {}): {line}", log.display());
        Ok(Self { child: Some(child), log: log.to_owned(), line })
    }

    /// Waits for the command; on failure, prints the end of its log.
    pub fn wait(mut self) -> Result<()> {
        let status = self.child.take().expect("waited once").wait()?;
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(if status.success() { 3 } else { 60 }).collect();
        for line in tail.into_iter().rev() {
            println!("{line}");
        }
        if !status.success() {
            bail!("{} failed ({status}); full log: {}", self.line, self.log.display());
        }
        Ok(())
    }
}

impl Drop for Niced {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            // The whole group: cargo-lambda, cargo and the compilers it started.
            let _ = Command::new("kill").args(["-TERM", "--", &format!("-{}", child.id())]).status();
            let _ = child.wait();
        }
    }
}
