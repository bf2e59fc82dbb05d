//! What the shared runtime costs per request, against raw `reqwest`.
//!
//! `cargo bench -p contract-tests --bench runtime` (set `BENCH_ROUNDS` for
//! more or fewer rounds; 10 by default).
//!
//! One loopback HTTP/1.1 keep-alive server (its own thread) answers every
//! request with the `get-vms` example of `specs/cloudtower.yaml`. Three
//! clients call it in interleaved rounds, in one process:
//!
//! - `raw`: `reqwest` alone, with the very `reqwest::Client` our
//!   `ClientConfig` builds, the same body and the same header, decoding into
//!   the same generated `Vec<types::Vm>`;
//! - `ours`: `CloudTower::get_vms` through the runtime;
//! - `ours+limit`: the same with a rate limit that is never reached
//!   (1,000 per millisecond), so the limiter's cost when no wait is due is
//!   measured too.
//!
//! Reported per client: sequential p50 latency, client CPU per request
//! (the client runs on one thread, the main one, whose CPU time comes from
//! `/proc/thread-self/schedstat`, so the server's CPU is not counted), and
//! time per request with 64 requests in flight. Ratios are `ours / raw`,
//! the median of the per-round ratios, with their range.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use cloudtower_api::types::{GetVmsRequestBody, Vm, VmWhereInput};
use cloudtower_api::{ClientConfig, CloudTower, USER_AGENT};
use futures::future::join_all;

const TOKEN: &str = "bench-token";
const SEQUENTIAL: usize = 1000;
const CONCURRENCY: usize = 64;
const PER_WORKER: usize = 20;

fn main() {
    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let base = serve(response());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(run(&base, rounds));
}

/// The fixed HTTP response: the spec's `get-vms` example.
fn response() -> Vec<u8> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/cloudtower.yaml");
    let text = std::fs::read_to_string(path).expect("spec");
    let doc: serde_json::Value = serde_yaml::from_str(&text).expect("yaml");
    let example = &doc["paths"]["/get-vms"]["post"]["responses"]["200"]["content"]["application/json"]
        ["example"];
    assert!(example.is_array(), "no get-vms example in the spec");
    let body = serde_json::to_vec(example).expect("json");
    let mut out = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(&body);
    out
}

/// Starts the server on a free loopback port, one OS thread per
/// connection (blocking I/O: the cheapest server there is, so it is never
/// the bottleneck), and returns its base URL.
fn serve(response: Vec<u8>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let response: &'static [u8] = response.leak();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || connection(stream, response));
        }
    });
    base
}

/// Answers every request on one keep-alive connection.
fn connection(mut stream: TcpStream, response: &[u8]) {
    let _ = stream.set_nodelay(true);
    let mut buf = Vec::with_capacity(8192);
    let mut chunk = [0u8; 8192];
    loop {
        // A complete request in `buf`: answer it and drop it.
        while let Some(len) = complete_request(&buf) {
            if stream.write_all(response).is_err() {
                return;
            }
            buf.drain(..len);
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

/// The length of the first complete request (head and `content-length`
/// body) in `buf`, if there is one.
fn complete_request(buf: &[u8]) -> Option<usize> {
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = std::str::from_utf8(&buf[..end]).ok()?;
    let body = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    (buf.len() >= end + body).then_some(end + body)
}

/// The clients compared.
#[derive(Clone, Copy, PartialEq)]
enum Variant {
    Raw,
    Ours,
    OursLimited,
}

impl Variant {
    const ALL: [Variant; 3] = [Variant::Raw, Variant::Ours, Variant::OursLimited];

    fn name(self) -> &'static str {
        match self {
            Variant::Raw => "raw reqwest",
            Variant::Ours => "ours",
            Variant::OursLimited => "ours+limit",
        }
    }
}

struct Clients {
    raw: reqwest::Client,
    url: String,
    ours: CloudTower,
    limited: CloudTower,
}

impl Clients {
    fn new(base: &str) -> Self {
        let config = ClientConfig::new(format!("{base}/v2/api"));
        let raw = config
            .http_client(cloudtower_api::PROVIDER, USER_AGENT)
            .expect("client");
        let ours = CloudTower::with_config(TOKEN, config.clone()).expect("client");
        let limited = CloudTower::with_config(
            TOKEN,
            config.clone().rate_limit(1000, Duration::from_millis(1)),
        )
        .expect("client");
        Self {
            raw,
            url: format!("{}/get-vms", config.base_url()),
            ours,
            limited,
        }
    }

    /// One `get-vms` call, decoded.
    async fn call(&self, variant: Variant) -> Vec<Vm> {
        match variant {
            Variant::Raw => self.raw().await,
            Variant::Ours => self.ours.get_vms(filter()).await.expect("ours"),
            Variant::OursLimited => self.limited.get_vms(filter()).await.expect("ours+limit"),
        }
    }

    /// The baseline: what `get_vms` does, written with reqwest alone.
    async fn raw(&self) -> Vec<Vm> {
        let body = GetVmsRequestBody {
            where_: Some(filter()),
            ..Default::default()
        };
        self.raw
            .post(&self.url)
            .header("authorization", TOKEN)
            .json(&body)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .expect("raw send")
            .json()
            .await
            .expect("raw decode")
    }
}

/// The filter every call sends.
fn filter() -> VmWhereInput {
    VmWhereInput::by_id("vm-1")
}

/// One variant's measurements in one round.
#[derive(Clone, Copy, Default)]
struct Sample {
    /// Sequential p50, µs.
    p50: f64,
    /// Client CPU per request (sequential phase), µs.
    cpu: f64,
    /// Wall time per request with 64 in flight, µs.
    concurrent: f64,
}

async fn measure(clients: &Clients, variant: Variant) -> Sample {
    let mut latencies = Vec::with_capacity(SEQUENTIAL);
    let cpu_before = thread_cpu();
    for _ in 0..SEQUENTIAL {
        let started = Instant::now();
        let vms = clients.call(variant).await;
        latencies.push(started.elapsed());
        assert_eq!(vms.len(), 1);
    }
    let cpu = thread_cpu() - cpu_before;
    latencies.sort();
    let started = Instant::now();
    let workers = (0..CONCURRENCY).map(|_| async {
        for _ in 0..PER_WORKER {
            clients.call(variant).await;
        }
    });
    join_all(workers).await;
    let concurrent = started.elapsed();
    Sample {
        p50: micros(latencies[SEQUENTIAL / 2]),
        cpu: micros(cpu) / SEQUENTIAL as f64,
        concurrent: micros(concurrent) / (CONCURRENCY * PER_WORKER) as f64,
    }
}

/// CPU time of the calling thread (user + system).
fn thread_cpu() -> Duration {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").expect("schedstat");
    let nanos = text.split_whitespace().next().and_then(|n| n.parse().ok());
    Duration::from_nanos(nanos.expect("schedstat format"))
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

async fn run(base: &str, rounds: usize) {
    let clients = Clients::new(base);
    println!(
        "future sizes: CloudTower::get_vms {} bytes, raw reqwest call {} bytes (VmWhereInput {} bytes)",
        std::mem::size_of_val(&clients.ours.get_vms(filter())),
        std::mem::size_of_val(&clients.raw()),
        std::mem::size_of::<VmWhereInput>(),
    );
    // Warm up: connections for 64 in flight, allocator, caches.
    for variant in Variant::ALL {
        measure(&clients, variant).await;
    }
    let mut samples: Vec<[Sample; 3]> = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let mut row = [Sample::default(); 3];
        // Alternate the order so that drift favours no one.
        let order: Vec<usize> = if round % 2 == 0 {
            vec![0, 1, 2]
        } else {
            vec![2, 1, 0]
        };
        for i in order {
            row[i] = measure(&clients, Variant::ALL[i]).await;
        }
        samples.push(row);
    }
    println!(
        "{rounds} rounds; per round {SEQUENTIAL} sequential requests, then {} with {CONCURRENCY} in flight",
        CONCURRENCY * PER_WORKER
    );
    println!(
        "{:<12} {:>14} {:>14} {:>16}",
        "client", "seq p50 µs", "cpu µs/req", "c64 µs/req"
    );
    for (i, variant) in Variant::ALL.iter().enumerate() {
        let column = |f: fn(&Sample) -> f64| median(samples.iter().map(|r| f(&r[i])).collect());
        println!(
            "{:<12} {:>14.1} {:>14.1} {:>16.1}",
            variant.name(),
            column(|s| s.p50),
            column(|s| s.cpu),
            column(|s| s.concurrent)
        );
    }
    println!("ratios against raw reqwest (median of per-round ratios, [min, max]):");
    for (i, variant) in Variant::ALL.iter().enumerate().skip(1) {
        let ratio = |f: fn(&Sample) -> f64| {
            let r: Vec<f64> = samples.iter().map(|r| f(&r[i]) / f(&r[0])).collect();
            let (lo, hi) = r
                .iter()
                .fold((f64::MAX, f64::MIN), |(lo, hi), x| (lo.min(*x), hi.max(*x)));
            format!("{:.3}x [{lo:.3}, {hi:.3}]", median(r))
        };
        println!(
            "{:<12} seq p50 {}  cpu/req {}  c64 time/req {}",
            variant.name(),
            ratio(|s| s.p50),
            ratio(|s| s.cpu),
            ratio(|s| s.concurrent)
        );
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}
