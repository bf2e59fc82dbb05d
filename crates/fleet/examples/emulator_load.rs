//! Load on `fleet fake serve`: N concurrent clients share M requests (a
//! mix of reads on CloudTower, Neolink and TensorDock v2) and report
//! requests per second, failures, latency and the emulator's memory.
//! A benchmark, not a test (docs/performance.md has the numbers):
//!
//! ```sh
//! fleet fake serve -o json --no-profile > /tmp/served.json &
//! cargo run --release -p fleet --example emulator_load -- /tmp/served.json --pid $!
//! ```
//!
//! Options: `--clients 64` (concurrent, each its own connection pool),
//! `--requests 10000` (in all), `--pid PID` (the emulator, to read its
//! resident memory from /proc before and after).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The emulator's resident memory in KiB (Linux), if known.
fn rss_kib(pid: Option<u32>) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{}/status", pid?)).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// One request of the mix: `i` picks which.
fn request(http: &reqwest::Client, served: &Value, i: usize) -> reqwest::RequestBuilder {
    let base = |p: &str| {
        served["providers"][p]["base_url"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    match i % 3 {
        0 => http
            .post(format!("{}/get-vms", base("cloudtower")))
            .header("authorization", "fake-token")
            .header("content-type", "application/json")
            .body(r#"{"where": {"name_contains": "web"}, "first": 10}"#),
        1 => http
            .get(format!(
                "{}/clusters/host-cluster/instances",
                base("neolink")
            ))
            .header("authorization", "Bearer fake-token"),
        _ => http
            .get(format!("{}/instances", base("tensordock-v2")))
            .header("authorization", "Bearer fake-token"),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse::<usize>().ok())
    };
    let file = args
        .first()
        .filter(|a| !a.starts_with("--"))
        .ok_or("usage: emulator_load <served.json> [--clients N] [--requests N] [--pid PID]")?;
    let served: Value = serde_json::from_str(std::fs::read_to_string(file)?.trim())?;
    let clients = flag("--clients").unwrap_or(64);
    let total = flag("--requests").unwrap_or(10_000);
    let pid = flag("--pid").and_then(|p| u32::try_from(p).ok());
    let served = Arc::new(served);
    let next = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let before = rss_kib(pid);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let http = cloud_common::ClientConfig::new("http://127.0.0.1")
            .http_client("emulator-load", "emulator-load")?;
        let (served, next, failed) = (served.clone(), next.clone(), failed.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    break latencies;
                }
                let sent = Instant::now();
                let ok = match request(&http, &served, i).send().await {
                    Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                    Err(_) => false,
                };
                latencies.push(sent.elapsed());
                if !ok {
                    failed.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    let mut latencies: Vec<Duration> = Vec::new();
    for task in tasks {
        latencies.extend(task.await?);
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let pct = |p: f64| {
        let i = ((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1));
        latencies.get(i).copied().unwrap_or_default()
    };
    println!(
        "{total} requests, {clients} clients: {:.0} req/s, {} failed, p50 {:?}, p99 {:?}, {:.2}s",
        total as f64 / elapsed.as_secs_f64(),
        failed.load(Ordering::Relaxed),
        pct(0.50),
        pct(0.99),
        elapsed.as_secs_f64()
    );
    if let (Some(before), Some(after)) = (before, rss_kib(pid)) {
        println!("emulator memory (RSS): {before} KiB before, {after} KiB after");
    }
    Ok(())
}
