//! `cargo xtask bench`: the figures quoted in docs/performance.md, measured
//! with public tools: the release portal against a hello-world axum server
//! (`bench/floor`) under `wrk`, every Lambda's cold init against a
//! hello-world lambda_http function's, and, for submissions, booking and the
//! indicators' dashboard, the `tests/benches/submissions.rs`, `booking.rs`
//! and `indicators.rs` clients.

use crate::tools::{Background, run, start_portal_binary};
use anyhow::{Context, Result, bail};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const STARTS: usize = 10;
/// Rounds of the side-by-side load, each route on the floor then the portal.
const ROUNDS: usize = 3;
/// Cold starts of each Lambda binary, interleaved.
const COLD_STARTS: usize = 20;

/// Every part, or only the one named (`portal`, `lambda`, `submissions`,
/// `booking`, `indicators`).
pub fn bench(root: &Path, only: Option<&str>) -> Result<()> {
    type Part = fn(&Path) -> Result<()>;
    let parts: [(&str, Part); 5] = [
        ("portal", portal),
        ("lambda", cold_init),
        ("submissions", submissions),
        ("booking", booking),
        ("indicators", indicators),
    ];
    if let Some(name) = only
        && !parts.iter().any(|(part, _)| *part == name)
    {
        bail!("no benchmark part named {name:?}: portal, lambda, submissions, booking or indicators");
    }
    for (name, part) in parts {
        if only.is_none_or(|only| only == name) {
            part(root)?;
        }
    }
    Ok(())
}

/// The release portal: start to first answer, then the catalogue's routes
/// beside the hello-world server.
fn portal(root: &Path) -> Result<()> {
    run(Command::new("cargo").args(["build", "--release", "--locked", "-p", "portal", "-p", "floor"]))?;
    let binary = root.join("target/release/portal");
    let data = root.join("target/bench-data");

    println!("\n## Start to first answer ({STARTS} runs each, median)");
    let _ = std::fs::remove_dir_all(&data);
    let mut first_runs = Vec::new();
    for _ in 0..STARTS {
        let _ = std::fs::remove_dir_all(&data);
        first_runs.push(start_to_first_answer(&binary, &data)?);
    }
    let mut restarts = Vec::new();
    for _ in 0..STARTS {
        restarts.push(start_to_first_answer(&binary, &data)?);
    }
    println!(
        "| first run (creates the data directory, imports the demo city) | {:.1} ms |",
        median_ms(&mut first_runs)
    );
    println!("| restart (existing data) | {:.1} ms |", median_ms(&mut restarts));
    side_by_side(root, &binary, &data)
}

fn submissions(_: &Path) -> Result<()> {
    println!("\n## Submissions (SQLite store, 2,000 signed-in submissions, 32 clients, same process)");
    run(Command::new("cargo").args(["bench", "--locked", "-p", "gru-tests", "--bench", "submissions"]))
}

fn booking(_: &Path) -> Result<()> {
    println!("\n## Booking (SQLite store, 400 holds and confirmations, 8 clients, same process)");
    run(Command::new("cargo").args(["bench", "--locked", "-p", "gru-tests", "--bench", "booking"]))
}

fn indicators(_: &Path) -> Result<()> {
    println!("\n## Indicators (SQLite store, a year's dashboard of a city with 100,000 requests a year)");
    run(Command::new("cargo").args(["bench", "--locked", "-p", "gru-tests", "--bench", "indicators"]))
}

fn median_ms(samples: &mut [Duration]) -> f64 {
    samples.sort();
    samples[samples.len() / 2].as_secs_f64() * 1000.0
}

/// From spawning the binary to the first `200` of `/api/catalogue/city`.
fn start_to_first_answer(binary: &Path, data: &Path) -> Result<Duration> {
    let started = Instant::now();
    let portal = start_portal_binary(binary, data)?;
    let address = portal.url.trim_start_matches("http://").to_owned();
    loop {
        if let Ok(mut stream) = TcpStream::connect(&address) {
            stream.write_all(b"GET /api/catalogue/city HTTP/1.0\r\n\r\n")?;
            let mut head = [0u8; 12];
            stream.read_exact(&mut head)?;
            if &head[9..12] == b"200" {
                return Ok(started.elapsed());
            }
        }
        if started.elapsed() > Duration::from_secs(30) {
            bail!("no answer within 30 s");
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// One wrk run: requests per second, the p99 in milliseconds, and the
/// server's CPU time per request.
struct Load {
    per_second: f64,
    p99_ms: f64,
    /// The server's CPU time (user and system) per request, in µs: what one
    /// answer costs, whatever the load generator's share of the machine.
    cpu_us: f64,
}

/// Each catalogue route on the portal (SQLite, demo city) beside the same
/// load on the hello-world server, in interleaved rounds so that both see
/// the same machine; medians of the rounds.
fn side_by_side(root: &Path, portal_binary: &Path, data: &Path) -> Result<()> {
    if Command::new("wrk").arg("--version").output().is_err() {
        bail!("wrk is not installed (Debian: apt-get install wrk)");
    }
    let portal = start_portal_binary(portal_binary, data)?;
    let floor = start_floor(&root.join("target/release/floor-http"))?;
    let list = "/api/catalogue/services";
    let etag = etag_of(&portal, list)?;
    let routes: [(&str, &str, Option<&str>); 5] = [
        ("`GET /api/catalogue/services` (list, 17 services)", list, None),
        ("`…/services?q=etat civil acte` (search)", "/api/catalogue/services?q=etat%20civil%20acte", None),
        ("`…/services/acte-etat-civil` (presentation page)", "/api/catalogue/services/acte-etat-civil", None),
        ("`GET /api/catalogue/city`", "/api/catalogue/city", None),
        ("list with `If-None-Match` (304)", list, Some(etag.as_str())),
    ];
    let mut loads: Vec<(Vec<Load>, Vec<Load>)> = routes.iter().map(|_| (Vec::new(), Vec::new())).collect();
    for round in 1..=ROUNDS {
        eprintln!("round {round} of {ROUNDS}");
        for ((_, path, etag), (on_floor, on_portal)) in routes.iter().zip(&mut loads) {
            on_floor.push(wrk(&floor, path, *etag)?);
            on_portal.push(wrk(&portal, path, *etag)?);
        }
    }
    println!(
        "\n## Catalogue beside the floor (wrk -t1 -c16 -d8s --latency, {ROUNDS} interleaved rounds, medians)"
    );
    println!(
        "| request | portal req/s | floor req/s | ratio | portal p99 | floor p99 | portal CPU per request | floor CPU per request |\n|---|---|---|---|---|---|---|---|"
    );
    for ((name, ..), (on_floor, on_portal)) in routes.iter().zip(&mut loads) {
        let floor = medians(on_floor);
        let portal = medians(on_portal);
        println!(
            "| {name} | {:.0} | {:.0} | {:.0} % | {:.2} ms | {:.2} ms | {:.1} µs | {:.1} µs |",
            portal.per_second,
            floor.per_second,
            100.0 * portal.per_second / floor.per_second,
            portal.p99_ms,
            floor.p99_ms,
            portal.cpu_us,
            floor.cpu_us,
        );
    }
    Ok(())
}

/// The median of each figure over the rounds.
fn medians(loads: &[Load]) -> Load {
    let median = |figure: fn(&Load) -> f64| {
        let mut values: Vec<f64> = loads.iter().map(figure).collect();
        values.sort_by(f64::total_cmp);
        values[values.len() / 2]
    };
    Load { per_second: median(|l| l.per_second), p99_ms: median(|l| l.p99_ms), cpu_us: median(|l| l.cpu_us) }
}

/// The CPU time `pid` has used so far (user and system), in µs, from
/// `/proc/<pid>/stat` (fields 14 and 15, in clock ticks).
fn cpu_time_us(pid: u32, tick_us: f64) -> Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // The command name (field 2) may hold spaces: count from its closing parenthesis.
    let after_name = stat.rsplit_once(')').context("a /proc stat line")?.1;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).context("a CPU time field");
    // After the name, field 3 (state) is index 0, so utime (14) is 11 and stime (15) is 12.
    Ok((ticks(11)? + ticks(12)?) * tick_us)
}

/// The length of a clock tick in µs (`getconf CLK_TCK`, usually 100 per second).
fn tick_us() -> Result<f64> {
    let output = Command::new("getconf").arg("CLK_TCK").output().context("cannot run getconf")?;
    let per_second: f64 = String::from_utf8_lossy(&output.stdout).trim().parse().context("CLK_TCK")?;
    Ok(1_000_000.0 / per_second)
}

/// Starts the hello-world server on a free port.
fn start_floor(binary: &Path) -> Result<Background> {
    let mut child = Command::new(binary)
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start {}", binary.display()))?;
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("piped stdout")).read_line(&mut line)?;
    Ok(Background::new(child, line.trim().to_owned(), Vec::new()))
}

/// The entity tag the server gives `path`, for the revalidation's load.
fn etag_of(server: &Background, path: &str) -> Result<String> {
    let mut stream = TcpStream::connect(server.url.trim_start_matches("http://"))?;
    write!(stream, "GET {path} HTTP/1.0\r\n\r\n")?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    answer
        .lines()
        .find_map(|line| line.strip_prefix("etag: ").or_else(|| line.strip_prefix("ETag: ")))
        .map(str::to_owned)
        .context("the list has no entity tag")
}

/// Runs wrk on one path (with `If-None-Match` when given), with the
/// server's CPU time over the run.
fn wrk(server: &Background, path: &str, if_none_match: Option<&str>) -> Result<Load> {
    let tick = tick_us()?;
    let cpu_before = cpu_time_us(server.pid(), tick)?;
    let mut command = Command::new("wrk");
    command.args(["-t1", "-c16", "-d8s", "--latency"]);
    if let Some(etag) = if_none_match {
        command.arg("-H").arg(format!("If-None-Match: {etag}"));
    }
    let output = command.arg(format!("{}{path}", server.url)).output().context("cannot run wrk")?;
    let cpu_us = cpu_time_us(server.pid(), tick)? - cpu_before;
    let text = String::from_utf8_lossy(&output.stdout);
    if text.contains("Non-2xx") && if_none_match.is_none() {
        bail!("wrk saw errors on {path}:\n{text}");
    }
    let field =
        |prefix: &str| text.lines().map(str::trim).find_map(|l| l.strip_prefix(prefix)).map(str::trim);
    let per_second = field("Requests/sec:").and_then(|v| v.parse().ok());
    let p99_ms = field("99%").and_then(milliseconds);
    // « 482113 requests in 8.00s, 5.93GB read »
    let requests = text.lines().find_map(|l| l.trim().split_once(" requests in ")?.0.parse::<f64>().ok());
    match (per_second, p99_ms, requests) {
        (Some(per_second), Some(p99_ms), Some(requests)) => {
            Ok(Load { per_second, p99_ms, cpu_us: cpu_us / requests })
        }
        _ => bail!("cannot read wrk's output on {path}:\n{text}"),
    }
}

/// wrk's durations: `812.00us`, `1.23ms`, `2.01s`.
fn milliseconds(text: &str) -> Option<f64> {
    let (number, factor) = if let Some(n) = text.strip_suffix("us") {
        (n, 0.001)
    } else if let Some(n) = text.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1000.0)
    } else {
        return None;
    };
    number.parse::<f64>().ok().map(|n| n * factor)
}

/// Every Lambda's cold init, from exec to its first call of the runtime
/// API's `next`, beside a hello-world lambda_http function's, all built with
/// the `lambda` profile for this machine, interleaved.
fn cold_init(root: &Path) -> Result<()> {
    let host = host_triple()?;
    let mut build = Command::new("cargo");
    build.args(["build", "--locked", "--profile", "lambda", "--target", &host, "-p", "floor"]);
    build.args(["--bin", "floor-lambda"]);
    for function in crate::FUNCTIONS {
        build.args(["-p", function, "--bin", function]);
    }
    run(&mut build)?;
    let built = root.join("target").join(&host).join("lambda");
    let floor = ("hello-world lambda_http", built.join("floor-lambda"));
    let catalogue = ("catalogue", built.join("catalogue"));
    cold_init_table(&format!("the catalogue alone beside it, {host}"), &[floor.clone(), catalogue])?;
    let mut every = vec![floor];
    every.extend(crate::FUNCTIONS.iter().map(|function| (*function, built.join(function))));
    cold_init_table(&format!("every function, {host}"), &every)
}

/// Starts each of `binaries` [`COLD_STARTS`] times, interleaved, and prints
/// each one's median init beside the first one's (the hello-world floor).
fn cold_init_table(title: &str, binaries: &[(&str, PathBuf)]) -> Result<()> {
    let mut samples: Vec<Vec<Duration>> = binaries.iter().map(|_| Vec::new()).collect();
    for _ in 0..COLD_STARTS {
        for ((_, binary), samples) in binaries.iter().zip(&mut samples) {
            samples.push(exec_to_first_next(binary)?);
        }
    }
    println!(
        "\n## Lambda cold init: exec to the first `next` ({COLD_STARTS} interleaved runs, median; {title})"
    );
    println!("| function | init | against hello-world |\n|---|---|---|");
    let floor = median_ms(&mut samples[0]);
    for ((name, _), samples) in binaries.iter().zip(&mut samples) {
        let init = median_ms(samples);
        println!("| {name} | {init:.2} ms | {:.2} × |", init / floor);
    }
    Ok(())
}

fn host_triple() -> Result<String> {
    let output = Command::new("rustc").arg("-vV").output().context("cannot run rustc")?;
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|line| line.strip_prefix("host: "))
        .map(str::to_owned)
        .context("rustc -vV names no host")
}

/// Starts `binary` as Lambda would, with a stand-in runtime API on a local
/// port, and times it until it asks that API for its first event.
fn exec_to_first_next(binary: &Path) -> Result<Duration> {
    let runtime_api = TcpListener::bind("127.0.0.1:0")?;
    let address = runtime_api.local_addr()?.to_string();
    let started = Instant::now();
    let mut child = Command::new(binary)
        .env_clear()
        .envs([
            ("AWS_LAMBDA_RUNTIME_API", address.as_str()),
            ("AWS_LAMBDA_FUNCTION_NAME", "bench"),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
            ("AWS_LAMBDA_LOG_GROUP_NAME", "bench"),
            ("AWS_LAMBDA_LOG_STREAM_NAME", "bench"),
            ("AWS_REGION", "eu-west-3"),
            ("AWS_ACCESS_KEY_ID", "bench"),
            ("AWS_SECRET_ACCESS_KEY", "bench"),
            ("AWS_SESSION_TOKEN", "bench"),
            ("TABLE_NAME", "bench"),
            ("PUBLIC_URL", "https://bench.example"),
            ("MAIL_FROM", "Mairie <ne-pas-repondre@bench.example>"),
            ("ATTACHMENTS_BUCKET", "bench"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("cannot start {}", binary.display()))?;
    let (sender, received) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let first = runtime_api.accept().and_then(|(mut stream, _)| {
            let mut request = [0u8; 64];
            let read = stream.read(&mut request)?;
            Ok((Instant::now(), String::from_utf8_lossy(&request[..read]).into_owned()))
        });
        let _ = sender.send(first);
    });
    let first = received.recv_timeout(Duration::from_secs(10));
    let _ = child.kill();
    let status = child.wait()?;
    let (asked, line) = match first {
        Ok(first) => first?,
        Err(_) => bail!("{} never called the runtime API ({status})", binary.display()),
    };
    if !line.starts_with("GET /2018-06-01/runtime/invocation/next") {
        bail!("{} asked the runtime API for something else first: {line}", binary.display());
    }
    let elapsed = asked - started;
    Ok(elapsed)
}
