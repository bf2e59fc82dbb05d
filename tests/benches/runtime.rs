//! What the shared runtime costs per request, against raw `reqwest`.
//!
//! `cargo bench -p contract-tests --bench runtime` (set `BENCH_ROUNDS` for
//! more or fewer rounds; 300 by default, about 15 s; `BENCH_ONLY=ours`
//! runs one client alone, for a profiler).
//!
//! One loopback HTTP/1.1 keep-alive server (its own thread) answers every
//! request with the `get-vms` example of `specs/cloudtower.yaml`. Three
//! clients call it in interleaved rounds, in one process:
//!
//! - `raw`: `reqwest` alone, with the very `reqwest::Client` our
//!   `ClientConfig` builds, the same body and the same header, decoding into
//!   the same generated `Vec<types::Vm>`;
//! - `generated`: the generated client's `get_vms().body(..).send()`
//!   alone: the runtime's `exec` hook, but not `Runtime::call` (shown to
//!   tell where a difference comes from);
//! - `ours`: `CloudTower::get_vms`, what users call;
//! - `ours+limit`: the same with a rate limit that is never reached
//!   (1,000 per millisecond), so the limiter's cost when no wait is due is
//!   measured too.
//!
//! Reported per client: sequential p50 latency, client CPU per request
//! (the client runs on one thread, the main one, whose CPU time comes from
//! `/proc/thread-self/schedstat`, so the server's CPU is not counted), and
//! time per request with 64 requests in flight. Each round runs a short
//! block of each client in turn (20 sequential requests, then 128 with 64
//! in flight; the order rotating), so that other load on the machine falls
//! on all of them alike. The p50 is over every sequential request of a
//! client; CPU and concurrent time per request are medians over its
//! blocks; a ratio is `ours / raw`.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use cloud_common::__private::{ClientInfo, OperationInfo};
use cloudtower_api::types::{GetVmsRequestBody, Vm, VmWhereInput};
use cloudtower_api::{ClientConfig, CloudTower, USER_AGENT};
use futures::future::join_all;

const TOKEN: &str = "bench-token";
const SEQUENTIAL: usize = 20;
const CONCURRENCY: usize = 64;
const PER_WORKER: usize = 2;

fn main() {
    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
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
    let spec = cloud_spec::Spec::load(path.as_ref()).expect("spec");
    let example = spec
        .operation("GetVms")
        .and_then(|op| op.response_media(spec.document(), "200", "application/json"))
        .map_or(&serde_json::Value::Null, |media| &media["example"]);
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

/// How many clients are compared.
const N: usize = 4;

/// The clients compared.
#[derive(Clone, Copy, PartialEq)]
enum Variant {
    Raw,
    Native,
    Ours,
    OursLimited,
}

impl Variant {
    const ALL: [Variant; N] = [
        Variant::Raw,
        Variant::Native,
        Variant::Ours,
        Variant::OursLimited,
    ];

    fn name(self) -> &'static str {
        match self {
            Variant::Raw => "raw reqwest",
            Variant::Native => "generated",
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
        let ours = CloudTower::with_config(config.clone(), TOKEN).expect("client");
        let limited = CloudTower::with_config(
            config.clone().rate_limit(1000, Duration::from_millis(1)),
            TOKEN,
        )
        .expect("client");
        Self {
            raw,
            url: format!("{}/get-vms", config.base_url()),
            ours,
            limited,
        }
    }

    /// A block of `variant`'s calls. Each client's call is its own future
    /// type, so that no client's future carries another's (the generated
    /// one inline is 8 KB, raw reqwest's 3 KB).
    async fn measure(&self, variant: Variant) -> Block {
        match variant {
            Variant::Raw => measure(|| self.raw()).await,
            Variant::Native => measure(|| self.native()).await,
            Variant::Ours => {
                measure(|| async { self.ours.get_vms(filter()).await.expect("ours") }).await
            }
            Variant::OursLimited => {
                measure(|| async { self.limited.get_vms(filter()).await.expect("ours+limit") })
                    .await
            }
        }
    }

    /// The generated client alone.
    async fn native(&self) -> Vec<Vm> {
        let send = self.ours.native().get_vms().body(filter()).send();
        send.await.expect("generated").into_inner()
    }

    /// The baseline: what `get_vms` does, written with reqwest alone.
    async fn raw(&self) -> Vec<Vm> {
        let mut body = GetVmsRequestBody::default();
        body.where_ = Some(filter());
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

/// One block of one client: `SEQUENTIAL` requests one after the other,
/// then `CONCURRENCY * PER_WORKER` with `CONCURRENCY` in flight.
struct Block {
    /// Latency of each sequential request.
    latencies: Vec<Duration>,
    /// Client CPU per request over the sequential requests, µs.
    cpu: f64,
    /// Wall time per request with 64 in flight, µs.
    concurrent: f64,
}

async fn measure<F, Fut>(call: F) -> Block
where
    F: Fn() -> Fut,
    Fut: Future<Output = Vec<Vm>>,
{
    let mut latencies = Vec::with_capacity(SEQUENTIAL);
    let cpu_before = thread_cpu();
    for _ in 0..SEQUENTIAL {
        let started = Instant::now();
        let vms = call().await;
        latencies.push(started.elapsed());
        assert_eq!(vms.len(), 1);
    }
    let cpu = thread_cpu() - cpu_before;
    let started = Instant::now();
    let workers = (0..CONCURRENCY).map(|_| async {
        for _ in 0..PER_WORKER {
            call().await;
        }
    });
    join_all(workers).await;
    let concurrent = started.elapsed();
    Block {
        latencies,
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
    let native = clients.ours.native();
    let request = clients.raw.get(&clients.url).build().expect("request");
    let info = OperationInfo {
        operation_id: "get_vms",
    };
    println!(
        "inside it: generated send() {} bytes (boxed), Runtime::exec {} bytes",
        std::mem::size_of_val(&native.get_vms().body(filter()).send()),
        std::mem::size_of_val(&native.inner().exec(&clients.raw, request, &info)),
    );
    // Warm up: connections for 64 in flight, allocator, caches.
    for _ in 0..10 {
        for variant in Variant::ALL {
            clients.measure(variant).await;
        }
    }
    // `BENCH_ONLY=<client>` runs one client, for a profiler.
    let only = std::env::var("BENCH_ONLY").ok();
    let only = only.as_deref();
    // Per client: every sequential latency, and each block's CPU and
    // concurrent time per request.
    let mut latencies: [Vec<Duration>; N] = Default::default();
    let mut cpu: [Vec<f64>; N] = Default::default();
    let mut concurrent: [Vec<f64>; N] = Default::default();
    for round in 0..rounds {
        // Rotate the order so that each client runs in each position
        // equally often.
        for k in 0..N {
            let i = (round + k) % N;
            if only.is_some_and(|only| only != Variant::ALL[i].name()) {
                continue;
            }
            let block = clients.measure(Variant::ALL[i]).await;
            latencies[i].extend(block.latencies);
            cpu[i].push(block.cpu);
            concurrent[i].push(block.concurrent);
        }
    }
    println!(
        "{rounds} rounds; per round and client {SEQUENTIAL} sequential requests, then {} with {CONCURRENCY} in flight",
        CONCURRENCY * PER_WORKER
    );
    let p50 = |i: usize| {
        let mut all = latencies[i].clone();
        all.sort();
        all.get(all.len() / 2).map_or(f64::NAN, |d| micros(*d))
    };
    let figures: Vec<[f64; 3]> = (0..N)
        .map(|i| {
            [
                p50(i),
                median(cpu[i].clone()),
                median(concurrent[i].clone()),
            ]
        })
        .collect();
    println!(
        "{:<12} {:>12} {:>12} {:>12}",
        "client", "seq p50 µs", "cpu µs/req", "c64 µs/req"
    );
    for (variant, f) in Variant::ALL.iter().zip(&figures) {
        println!(
            "{:<12} {:>12.1} {:>12.1} {:>12.1}",
            variant.name(),
            f[0],
            f[1],
            f[2]
        );
    }
    println!("ratios against raw reqwest:");
    for (variant, f) in Variant::ALL.iter().zip(&figures).skip(1) {
        let raw = &figures[0];
        println!(
            "{:<12} seq p50 {:.3}x  cpu/req {:.3}x  c64 time/req {:.3}x",
            variant.name(),
            f[0] / raw[0],
            f[1] / raw[1],
            f[2] / raw[2]
        );
    }
}

/// The median, or NaN for a client that did not run.
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}
