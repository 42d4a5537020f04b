//! A ClamAV daemon for the tests: Debian's clamd with a database of one
//! signature, the EICAR test file's, so it starts in a second without the
//! internet (freshclam's real database is hundreds of megabytes) and behaves
//! the same as root or as an ordinary user.

use crate::tools::{Background, ensure_clamd, free_port};
use anyhow::{Context, Result, bail};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// A body signature (`.ndb`: name, any file type, any offset, hex bytes) of
/// the 68-byte EICAR test string, so it is found inside another file too
/// (the tests hide it in a real PDF, which passes the type check). Hex, not
/// the string itself, so nothing in the repository or in `target/` is
/// flagged by the antivirus of a developer's machine.
const EICAR_NDB: &str = "Eicar-Test-Signature:0:*:58354f2150254041505b345c505a58353428505e2937434329377d2445494341522d5354414e444152442d414e544956495255532d544553542d46494c452124482b482a\n";

/// How long clamd may take to answer `PING`: it loads its database before
/// listening (under a second with ours; minutes with the full one).
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// clamd on a free loopback port, with its files under `target/clamd/`:
/// `db/eicar.ndb`, `clamd.conf`, `clamd.pid`, `tmp/` (the streams being
/// scanned) and `clamd.log` (what it prints). Ready when it answers `PING`;
/// [`Background::env`] gives `GRU_CLAMD_ADDRESS`.
pub fn start_clamd(root: &Path) -> Result<Background> {
    let clamd = ensure_clamd()?;
    let dir = root.join("target/clamd");
    let db = dir.join("db");
    let tmp = dir.join("tmp");
    std::fs::create_dir_all(&db)?;
    std::fs::create_dir_all(&tmp)?;
    // Written only when different: a clamd already running from the same
    // directory checks its database for changes and reloads it.
    let _ = std::fs::remove_file(db.join("eicar.hdb"));
    let ndb = db.join("eicar.ndb");
    if std::fs::read_to_string(&ndb).ok().as_deref() != Some(EICAR_NDB) {
        std::fs::write(&ndb, EICAR_NDB)?;
    }
    let port = free_port()?;
    let config = dir.join("clamd.conf");
    std::fs::write(&config, config_file(port, &dir))?;
    let log = std::fs::File::create(dir.join("clamd.log"))?;
    let mut child = Command::new(&clamd)
        .arg(format!("--config-file={}", config.display()))
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()
        .with_context(|| format!("cannot start {}", clamd.display()))?;
    let address = format!("127.0.0.1:{port}");
    let deadline = Instant::now() + START_TIMEOUT;
    while !ping(port) {
        if let Some(status) = child.try_wait()? {
            bail!("clamd exited before answering PING ({status}); see {}", dir.join("clamd.log").display());
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "clamd did not answer PING on {address} within {} s; see {}",
                START_TIMEOUT.as_secs(),
                dir.join("clamd.log").display()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let env = vec![("GRU_CLAMD_ADDRESS", address.clone())];
    Ok(Background::new(child, address, env))
}

/// clamd's configuration: everything under `dir`, nothing from
/// `/etc/clamav`, `/var/lib/clamav` or `/run/clamav`, so an ordinary user
/// can start it.
fn config_file(port: u16, dir: &Path) -> String {
    let dir = dir.display();
    format!(
        "# Written by `cargo xtask`: a clamd for the tests, knowing only the EICAR test file.
# In the foreground, so it is our child and dies with us.
Foreground yes
# Loopback only: it scans whatever it is sent, for anyone.
TCPSocket {port}
TCPAddr 127.0.0.1
DatabaseDirectory {dir}/db
TemporaryDirectory {dir}/tmp
PidFile {dir}/clamd.pid
# No LogFile: it is locked by one daemon at a time, and two test runs may
# overlap. What clamd prints goes to clamd.log.
LogSyslog no
# No User line: clamd keeps the identity of whoever starts it (changing it
# needs root, and the files above belong to the caller).
# Above the largest attachment, so the portal decides what is too large.
StreamMaxLength 110M
"
    )
}

/// Whether clamd answers `zPING` with `PONG` on `port`.
fn ping(port: u16) -> bool {
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let Ok(mut stream) = TcpStream::connect_timeout(&address, Duration::from_secs(1)) else {
        return false;
    };
    if stream.set_read_timeout(Some(Duration::from_secs(2))).is_err() || stream.write_all(b"zPING\0").is_err()
    {
        return false;
    }
    let mut reply = Vec::new();
    let _ = stream.take(16).read_to_end(&mut reply);
    reply == b"PONG\0"
}
