//! `cargo xtask bench`: the figures quoted in docs/performance.md, measured
//! with public tools (the release portal, `wrk`) and, for submissions and
//! booking, the `tests/benches/submissions.rs` and `booking.rs` clients.

use crate::tools::{Background, run, start_portal_binary};
use anyhow::{Context, Result, bail};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const STARTS: usize = 10;

pub fn bench(root: &Path) -> Result<()> {
    run(Command::new("cargo").args(["build", "--release", "--locked", "-p", "portal"]))?;
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

    if Command::new("wrk").arg("--version").output().is_err() {
        bail!("wrk is not installed (Debian: apt-get install wrk)");
    }
    let portal = start_portal_binary(&binary, &data)?;
    println!("\n## Catalogue under load (wrk, 2 threads, 32 connections, 10 s, same machine)");
    println!("| request | p50 | p99 | requests/s |\n|---|---|---|---|");
    for (name, path) in [
        ("list (all 17 demo services)", "/api/catalogue/services"),
        ("search \"etat civil acte\"", "/api/catalogue/services?q=etat%20civil%20acte"),
        ("service page", "/api/catalogue/services/acte-etat-civil"),
    ] {
        let (p50, p99, rps) = wrk(&portal, path)?;
        println!("| {name} | {p50} | {p99} | {rps} |");
    }
    drop(portal);

    println!("\n## Submissions (SQLite store, 2,000 signed-in submissions, 32 clients, same process)");
    run(Command::new("cargo").args(["bench", "--locked", "-p", "gru-tests", "--bench", "submissions"]))?;

    println!("\n## Booking (SQLite store, 400 holds and confirmations, 8 clients, same process)");
    run(Command::new("cargo").args(["bench", "--locked", "-p", "gru-tests", "--bench", "booking"]))?;
    Ok(())
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

/// Runs wrk on one path and returns its p50, p99 and throughput.
fn wrk(portal: &Background, path: &str) -> Result<(String, String, String)> {
    let output = Command::new("wrk")
        .args(["-t2", "-c32", "-d10s", "--latency"])
        .arg(format!("{}{path}", portal.url))
        .output()
        .context("cannot run wrk")?;
    let text = String::from_utf8_lossy(&output.stdout);
    let field = |prefix: &str| {
        text.lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix(prefix))
            .map(|v| v.trim().to_owned())
            .unwrap_or_else(|| "?".into())
    };
    if text.contains("Non-2xx") {
        bail!("wrk saw errors on {path}:\n{text}");
    }
    Ok((field("50%"), field("99%"), field("Requests/sec:")))
}
