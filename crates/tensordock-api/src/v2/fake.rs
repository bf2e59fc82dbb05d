//! A stateful, in-process fake of the TensorDock API v2 (feature `fake`),
//! for testing code that uses this crate without the cloud.
//!
//! [`Fake::start`] serves `specs/tensordock-v2.yaml` on a free loopback
//! port. Every request is routed and checked against the spec (a create
//! without the `{"data": {"type", "attributes"}}` wrapper, or with
//! `vcpu_count: "four"`, is rejected with a validation issue naming the
//! field), `Authorization: Bearer <token>` is required everywhere but
//! `GET /locations` (403 otherwise), at most 100 requests a minute are
//! answered (then 429 with `Retry-After`), and the fake keeps state:
//!
//! - locations and hostnodes with GPU, vCPU, RAM, storage and port stock:
//!   a create takes from it and a delete gives it back; a create that
//!   finds no hostnode with enough answers HTTP 200 with
//!   `{"status": 400, "error": "No available nodes found"}`, as the service
//!   does, and one with less than $1 of balance fails;
//! - instances that come back `running` without an IP address, which
//!   appears after a few reads; `stopping` → `Stopped` and `starting` →
//!   `running`; a start of a running instance fails with
//!   `"Machine is running, therefore it cannot be started"` and a stop of a
//!   stopped one likewise; a deleted instance answers 404;
//! - secrets (SSH keys usable as `ssh_key_id`), and a balance that goes
//!   down as instances run (see [`Fake::balance`], [`Fake::advance`]).
//!
//! Errors have the shapes the service was seen to send: `{"error": "…"}`
//! with a 4xx status, and (HTTP 400) a bare array of validation issues
//! `[{code, message, path}]`. The texts of the state conflicts and "No
//! available nodes found" are the service's; the others are not
//! documented, so the fake words them plainly.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use tensordock_api::ClientConfig;
//! use tensordock_api::v2::TensorDock;
//! use tensordock_api::v2::fake::{Fake, TOKEN};
//!
//! let fake = Fake::start().await?;
//! let id = fake.add_instance("trainer", "Stopped");
//! let td = TensorDock::with_config(ClientConfig::new(fake.base_url()), TOKEN)?;
//! td.start_instance(&id).await?;
//! assert_eq!(fake.status(&id).as_deref(), Some("starting"));
//! # Ok(()) }
//! ```

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use cloud_common::fake::{Request, Response, Service, Spec};
use serde_json::{Value, json};

pub use cloud_common::fake::{FakeError, Fault, Received};

/// The spec the fake speaks.
const SPEC: &str = include_str!("../../spec/tensordock-v2.yaml");

/// The token a fresh fake accepts (see [`Fake::set_token`]).
pub const TOKEN: &str = "tensordock-v2-fake-token";

/// The location a fresh fake holds (Chubbuck, Idaho).
pub const LOCATION: &str = "8dd95ff0-dff9-489c-9b02-b38a366b6ab1";

/// The hostnode a fresh fake holds, at [`LOCATION`]: four [`GPU_MODEL`]s.
pub const HOSTNODE: &str = "3f1c2b7a-9d4e-4a61-8c0b-5e2d7f9a1b34";

/// The GPU model of [`HOSTNODE`].
pub const GPU_MODEL: &str = "geforcertx4090-pcie-24gb";

/// Requests answered per minute before 429 (TensorDock's documented limit).
pub const RATE_LIMIT: usize = 100;

/// The balance (USD) of a fresh fake.
pub const BALANCE: f64 = 100.0;

/// How many reads a transitional state lasts (and a new instance goes
/// without an IP address), unless changed with
/// [`Fake::set_polls_to_settle`].
pub const POLLS_TO_SETTLE: u32 = 2;

cloud_common::fake_handle! {
    /// A running TensorDock v2 fake; it stops when dropped. See the [module
    /// docs](self).
    pub struct Fake(State);
    make: Spec::parse(SPEC).map(|spec| (spec.clone(), State::new(spec)));
    start_doc: "Starts a fake holding [`LOCATION`] with [`HOSTNODE`] (4 × [`GPU_MODEL`] at $0.3966/h, 32 vCPUs, 128 GB RAM, 2000 GB storage, ports 20000–20009), no instances or secrets, and a balance of [`BALANCE`].";
}

struct State {
    spec: Spec,
    token: String,
    locations: Vec<Value>,
    hostnodes: Vec<Value>,
    instances: BTreeMap<String, Instance>,
    secrets: BTreeMap<String, Value>,
    balance: f64,
    charged_at: Instant,
    advanced: Duration,
    /// When each request of the last minute came.
    window: VecDeque<Instant>,
    rate_limit: Option<usize>,
    polls_to_settle: u32,
    next: u64,
}

struct Instance {
    value: Value,
    hostnode: String,
    gpus: Vec<(String, i64)>,
    vcpus: i64,
    ram: i64,
    storage: i64,
    ports: Vec<i64>,
    /// Whether it holds stock (seeded instances do not).
    holds_stock: bool,
    storage_rate: f64,
    polls_left: u32,
}

impl Fake {
    /// Accepts only `token` from now on.
    pub fn set_token(&self, token: impl Into<String>) {
        let token = token.into();
        self.server.with(|s| s.token = token);
    }

    /// Answers at most `limit` requests a minute (`None`: no limit).
    pub fn set_rate_limit(&self, limit: Option<usize>) {
        self.server.with(|s| s.rate_limit = limit);
    }

    /// How many reads a transitional state lasts (0 settles at once).
    pub fn set_polls_to_settle(&self, polls: u32) {
        self.server.with(|s| s.polls_to_settle = polls);
    }

    /// Adds a hostnode at [`LOCATION`] with `gpus` GPUs of `gpu_model` at
    /// `price_per_hr` USD per GPU-hour; returns its id.
    pub fn add_hostnode(&self, gpu_model: &str, gpus: i64, price_per_hr: f64) -> String {
        self.server.with(|s| {
            let id = s.uuid();
            s.hostnodes
                .push(fixtures::hostnode_json(&id, gpu_model, gpus, price_per_hr));
            s.refresh_locations();
            id
        })
    }

    /// Adds an instance named `name` on [`HOSTNODE`] with `status`
    /// (`running`, `Stopped`, ...) and one [`GPU_MODEL`], taking no stock;
    /// returns its id.
    pub fn add_instance(&self, name: &str, status: &str) -> String {
        let id = self.server.with(State::uuid);
        self.add_instance_with_id(&id, name, status);
        id
    }

    /// [`Fake::add_instance`] with a chosen id (replacing any instance
    /// with it). A transitional status (`starting`, `stopping`) settles
    /// after the usual number of reads.
    pub fn add_instance_with_id(&self, id: &str, name: &str, status: &str) {
        let id = id.to_string();
        self.server.with(|s| {
            let value = fixtures::instance_json(&id, name, status);
            let polls_left = s.polls_to_settle;
            s.instances.insert(
                id,
                Instance {
                    value,
                    hostnode: HOSTNODE.to_string(),
                    gpus: vec![(GPU_MODEL.to_string(), 1)],
                    vcpus: 8,
                    ram: 32,
                    storage: 200,
                    ports: Vec::new(),
                    holds_stock: false,
                    storage_rate: 0.01,
                    polls_left,
                },
            );
        });
    }

    /// An instance as `getInstance` would return it now (without counting
    /// as a read).
    pub fn instance(&self, id: &str) -> Option<crate::v2::types::Instance> {
        self.server.with(|s| {
            let value = s.instances.get(id)?.value.clone();
            serde_json::from_value(value).ok()
        })
    }

    /// An instance's status now, e.g. `running`.
    pub fn status(&self, id: &str) -> Option<String> {
        self.server.with(|s| {
            s.instances
                .get(id)
                .and_then(|i| i.value["status"].as_str().map(str::to_string))
        })
    }

    /// The ids of every instance.
    pub fn instance_ids(&self) -> Vec<String> {
        self.server.with(|s| s.instances.keys().cloned().collect())
    }

    /// The ids of every secret.
    pub fn secret_ids(&self) -> Vec<String> {
        self.server.with(|s| s.secrets.keys().cloned().collect())
    }

    /// GPUs of `gpu_model` still available on a hostnode.
    pub fn gpus_available(&self, hostnode: &str, gpu_model: &str) -> Option<i64> {
        self.server.with(|s| {
            let h = s.hostnodes.iter().find(|h| h["id"] == hostnode)?;
            gpu_entry(h, gpu_model)?["availableCount"].as_i64()
        })
    }

    /// Sets the GPUs of `gpu_model` available on a hostnode.
    pub fn set_gpus_available(&self, hostnode: &str, gpu_model: &str, count: i64) {
        self.server.with(|s| {
            if let Some(g) = s
                .hostnodes
                .iter_mut()
                .find(|h| h["id"] == hostnode)
                .and_then(|h| gpu_entry_mut(h, gpu_model))
            {
                g["availableCount"] = json!(count);
            }
            s.refresh_locations();
        });
    }

    /// The balance now (USD), after charging the time since the last call.
    /// v2 has no billing operation; the balance decides whether a create
    /// is accepted (it needs at least $1).
    pub fn balance(&self) -> f64 {
        self.server.with(|s| {
            s.charge();
            s.balance
        })
    }

    /// Sets the balance (USD).
    pub fn set_balance(&self, balance: f64) {
        self.server.with(|s| {
            s.charge();
            s.balance = balance;
        });
    }

    /// Lets `time` pass for billing.
    pub fn advance(&self, time: Duration) {
        self.server.with(|s| {
            s.advanced += time;
            s.charge();
        });
    }
}

/// `{"error": message}` with `status`.
fn error(status: u16, message: impl Into<String>) -> Response {
    Response::json(status, json!({"error": message.into()}))
}

/// A 400 with one Zod-style validation issue at `path`.
fn issue(message: &str, path: &[&str]) -> Response {
    Response::json(
        400,
        json!([{"code": "custom", "message": message, "path": path}]),
    )
}

fn gpu_entry<'a>(hostnode: &'a Value, model: &str) -> Option<&'a Value> {
    hostnode["available_resources"]["gpus"]
        .as_array()?
        .iter()
        .find(|g| g["v0Name"] == model)
}

fn gpu_entry_mut<'a>(hostnode: &'a mut Value, model: &str) -> Option<&'a mut Value> {
    hostnode["available_resources"]["gpus"]
        .as_array_mut()?
        .iter_mut()
        .find(|g| g["v0Name"] == model)
}

fn available(hostnode: &Value, key: &str) -> i64 {
    hostnode["available_resources"][key].as_f64().unwrap_or(0.0) as i64
}

impl State {
    fn new(spec: Spec) -> Self {
        let mut state = Self {
            spec,
            token: TOKEN.to_string(),
            locations: Vec::new(),
            hostnodes: vec![fixtures::hostnode_json(HOSTNODE, GPU_MODEL, 4, 0.3966)],
            instances: BTreeMap::new(),
            secrets: BTreeMap::new(),
            balance: BALANCE,
            charged_at: Instant::now(),
            advanced: Duration::ZERO,
            window: VecDeque::new(),
            rate_limit: Some(RATE_LIMIT),
            polls_to_settle: POLLS_TO_SETTLE,
            next: 0,
        };
        state.refresh_locations();
        state
    }

    fn uuid(&mut self) -> String {
        self.next += 1;
        format!("468b716a-6747-4cbe-9f13-{:012x}", self.next)
    }

    /// Rebuilds the locations' GPU offers from their hostnodes' stock: a
    /// location offers a model as many as its best hostnode has.
    fn refresh_locations(&mut self) {
        let mut by_location: BTreeMap<String, BTreeMap<String, (i64, f64)>> = BTreeMap::new();
        for h in &self.hostnodes {
            let location = h["location_id"].as_str().unwrap_or_default().to_string();
            let offers = by_location.entry(location).or_default();
            for g in h["available_resources"]["gpus"]
                .as_array()
                .into_iter()
                .flatten()
            {
                let model = g["v0Name"].as_str().unwrap_or_default().to_string();
                let count = g["availableCount"].as_i64().unwrap_or(0);
                let price = g["price_per_hr"].as_f64().unwrap_or(0.0);
                let best = offers.entry(model).or_insert((0, price));
                if count > best.0 {
                    *best = (count, price);
                }
            }
        }
        self.locations = by_location
            .into_iter()
            .map(|(id, offers)| fixtures::location_json(&id, &offers))
            .collect();
    }

    fn charge(&mut self) {
        let now = Instant::now();
        let elapsed = now.duration_since(self.charged_at) + std::mem::take(&mut self.advanced);
        self.charged_at = now;
        let hourly: f64 = self.instances.values().map(Instance::hourly).sum();
        self.balance -= hourly * elapsed.as_secs_f64() / 3600.0;
    }

    /// The 403 for a missing or wrong token (`GET /locations` is public).
    fn authenticate(&self, request: &Request) -> Option<Response> {
        let public = request.operation_id == "listLocations";
        (!public && request.bearer_token() != Some(self.token.as_str()))
            .then(|| error(403, "Unauthorized: a valid API token is required"))
    }

    /// Counts the request; the 429 to answer when over the limit.
    fn rate_limited(&mut self) -> Option<Response> {
        let limit = self.rate_limit?;
        let now = Instant::now();
        let minute = Duration::from_secs(60);
        while self
            .window
            .front()
            .is_some_and(|t| now.duration_since(*t) >= minute)
        {
            self.window.pop_front();
        }
        if self.window.len() >= limit {
            let oldest = self.window.front().copied().unwrap_or(now);
            let wait = minute.saturating_sub(now.duration_since(oldest));
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            return Some(
                error(429, "Too many requests: the limit is 100 per minute")
                    .with_header("retry-after", secs.max(1).to_string()),
            );
        }
        self.window.push_back(now);
        None
    }

    /// Takes (`sign` -1) or gives back (+1) an instance's stock and ports.
    fn stock(&mut self, instance: &Instance, sign: i64) {
        let Some(h) = self
            .hostnodes
            .iter_mut()
            .find(|h| h["id"] == instance.hostnode.as_str())
        else {
            return;
        };
        for (model, count) in &instance.gpus {
            if let Some(g) = gpu_entry_mut(h, model) {
                g["availableCount"] =
                    json!(g["availableCount"].as_i64().unwrap_or(0) + sign * count);
            }
        }
        let resources = &mut h["available_resources"];
        for (key, n) in [
            ("vcpu_count", instance.vcpus),
            ("ram_gb", instance.ram),
            ("storage_gb", instance.storage),
        ] {
            resources[key] = json!(resources[key].as_f64().unwrap_or(0.0) as i64 + sign * n);
        }
        if let Some(ports) = resources["available_ports"].as_array_mut() {
            if sign < 0 {
                ports.retain(|p| !instance.ports.contains(&p.as_i64().unwrap_or(-1)));
            } else {
                ports.extend(instance.ports.iter().map(|p| json!(p)));
            }
        }
        self.refresh_locations();
    }

    fn create(&mut self, request: &Request) -> Response {
        let a = &request.body["data"]["attributes"];
        let image = a["image"].as_str().unwrap_or_default();
        match (a.get("location_id"), a.get("hostnode_id")) {
            (Some(_), Some(_)) | (None, None) => {
                return issue(
                    "Exactly one of location_id and hostnode_id is required",
                    &["data", "attributes", "location_id"],
                );
            }
            _ => {}
        }
        let windows = image.starts_with("windows");
        if !windows && (a.get("ssh_key").is_some() == a.get("ssh_key_id").is_some()) {
            return issue(
                "Exactly one of ssh_key and ssh_key_id is required",
                &["data", "attributes", "ssh_key"],
            );
        }
        if let Some(key_id) = a["ssh_key_id"].as_str()
            && self
                .secrets
                .get(key_id)
                .is_none_or(|s| s["type"] != "SSHKEY")
        {
            return error(404, format!("SSH key {key_id} not found"));
        }
        let resources = &a["resources"];
        let (vcpus, ram, storage) = (
            resources["vcpu_count"].as_i64().unwrap_or(0),
            resources["ram_gb"].as_i64().unwrap_or(0),
            resources["storage_gb"].as_i64().unwrap_or(0),
        );
        if storage < 100 {
            return issue(
                "Storage must be at least 100 GB",
                &["data", "attributes", "resources", "storage_gb"],
            );
        }
        let gpus: Vec<(String, i64)> = resources["gpus"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(m, c)| (m.clone(), c["count"].as_i64().unwrap_or(0)))
            .collect();
        if a.get("location_id").is_some() && gpus.iter().all(|(_, c)| *c <= 0) {
            return issue(
                "At least one GPU is required for a location-based deployment",
                &["data", "attributes", "resources", "gpus"],
            );
        }
        let dedicated = a["useDedicatedIp"] == json!(true);
        let forwards: Vec<(i64, i64)> = a["port_forwards"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| {
                (
                    p["internal_port"].as_i64().unwrap_or(0),
                    p["external_port"].as_i64().unwrap_or(0),
                )
            })
            .collect();
        if image.starts_with("ubuntu") && !dedicated && !forwards.iter().any(|(i, _)| *i == 22) {
            return issue(
                "SSH port (22) must be forwarded for Ubuntu VMs",
                &["data", "attributes", "port_forwards"],
            );
        }
        self.charge();
        if self.balance < 1.0 {
            return error(
                402,
                "Insufficient balance: at least $1.00 is required to deploy",
            );
        }
        let fits = |h: &Value| {
            gpus.iter().all(|(m, c)| {
                gpu_entry(h, m).is_some_and(|g| g["availableCount"].as_i64().unwrap_or(0) >= *c)
            }) && available(h, "vcpu_count") >= vcpus
                && available(h, "ram_gb") >= ram
                && available(h, "storage_gb") >= storage
                && h["available_resources"]["available_ports"]
                    .as_array()
                    .map_or(0, Vec::len)
                    >= forwards.len()
        };
        let no_nodes = || {
            Response::json(
                200,
                json!({"status": 400, "error": "No available nodes found"}),
            )
        };
        let hostnode = match (a["hostnode_id"].as_str(), a["location_id"].as_str()) {
            (Some(id), _) => match self.hostnodes.iter().find(|h| h["id"] == id) {
                None => return error(404, format!("Hostnode {id} not found")),
                Some(h) if fits(h) => h.clone(),
                // The service reports a failed placement inside an HTTP 200.
                Some(_) => return no_nodes(),
            },
            (None, Some(location)) => {
                match self
                    .hostnodes
                    .iter()
                    .find(|h| h["location_id"] == location && fits(h))
                {
                    Some(h) => h.clone(),
                    None => return no_nodes(),
                }
            }
            // An id that is not a string: the spec check has let it
            // through only if it declares none, so no hostnode can match.
            (None, None) => return no_nodes(),
        };
        // Requested external ports that are taken are reassigned, as the
        // service may do: read the real ones back from getInstance.
        let mut free: Vec<i64> = hostnode["available_resources"]["available_ports"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_i64)
            .collect();
        let mut granted = Vec::new();
        if !dedicated {
            for (internal, external) in &forwards {
                let port = match free.iter().position(|p| p == external) {
                    Some(i) => free.remove(i),
                    None if !free.is_empty() => free.remove(0),
                    None => return no_nodes(),
                };
                granted.push((*internal, port));
            }
        }
        let pricing = &hostnode["pricing"];
        let rate = |k: &str| pricing[k].as_f64().unwrap_or(0.0);
        let gpu_rate: f64 = gpus
            .iter()
            .map(|(m, c)| {
                gpu_entry(&hostnode, m)
                    .and_then(|g| g["price_per_hr"].as_f64())
                    .unwrap_or(0.0)
                    * *c as f64
            })
            .sum();
        let storage_rate = rate("per_gb_storage_hr") * storage as f64;
        let hourly = gpu_rate
            + rate("per_vcpu_hr") * vcpus as f64
            + rate("per_gb_ram_hr") * ram as f64
            + storage_rate;
        let id = self.uuid();
        let name = a["name"].as_str().unwrap_or_default().to_string();
        let mut value = fixtures::instance_json(&id, &name, "running");
        value["ipAddress"] = json!("");
        value["portForwards"] = json!(
            granted
                .iter()
                .map(|(i, e)| json!({"internal_port": i, "external_port": e}))
                .collect::<Vec<_>>()
        );
        value["rateHourly"] = json!((hourly * 1e6).round() / 1e6);
        value["resources"] = json!({
            "vcpu_count": vcpus, "ram_gb": ram, "storage_gb": storage,
            "gpus": gpus.iter().map(|(m, c)| (m.clone(), json!({"count": c, "v0Name": m})))
                .collect::<serde_json::Map<_, _>>()
        });
        let instance = Instance {
            value,
            hostnode: hostnode["id"].as_str().unwrap_or_default().to_string(),
            gpus,
            vcpus,
            ram,
            storage,
            ports: granted.iter().map(|(_, e)| *e).collect(),
            holds_stock: true,
            storage_rate,
            polls_left: self.polls_to_settle,
        };
        self.stock(&instance, -1);
        let mut instance = instance;
        if instance.polls_left == 0 {
            tick(&mut instance);
        }
        self.instances.insert(id.clone(), instance);
        Response::json(
            200,
            json!({"data": {"type": "virtualmachine", "id": id, "name": name, "status": "running"}}),
        )
    }

    fn read(&mut self, id: &str) -> Option<Value> {
        let instance = self.instances.get_mut(id)?;
        tick(instance);
        Some(instance.value.clone())
    }

    /// Starts (`on`) or stops an instance.
    fn act(&mut self, id: &str, on: bool) -> Response {
        self.charge();
        let polls = self.polls_to_settle;
        let Some(instance) = self.instances.get_mut(id) else {
            return error(404, "Instance not found");
        };
        let status = instance.status();
        // Starting an instance that is already starting (or stopping one
        // already stopping) has nothing to do.
        if (on && status == "starting") || (!on && status == "stopping") {
            let status = if on { "starting" } else { "stopping" };
            return Response::json(
                200,
                json!({"data": {"type": "instance", "id": id, "attributes": {"status": status}}}),
            );
        }
        let (allowed, next, verb) = if on {
            (
                matches!(status.as_str(), "stopped" | "stoppeddisassociated"),
                "starting",
                "started",
            )
        } else {
            (
                matches!(status.as_str(), "running" | "starting"),
                "stopping",
                "stopped",
            )
        };
        if !allowed {
            return error(
                400,
                format!("Machine is {status}, therefore it cannot be {verb}"),
            );
        }
        instance.value["status"] = json!(next);
        instance.polls_left = polls;
        if polls == 0 {
            tick(instance);
        }
        Response::json(
            200,
            json!({"data": {"type": "instance", "id": id, "attributes": {"status": next}}}),
        )
    }

    fn modify(&mut self, request: &Request, id: &str) -> Response {
        let Some(instance) = self.instances.get_mut(id) else {
            return error(404, "Instance not found");
        };
        if !matches!(
            instance.status().as_str(),
            "stopped" | "stoppeddisassociated"
        ) {
            return error(400, "The instance must be stopped to be modified");
        }
        let body = &request.body;
        if let Some(cores) = body["cpuCores"].as_i64()
            && cores % 2 != 0
        {
            return issue("CPU cores change in steps of 2", &["cpuCores"]);
        }
        if let Some(disk) = body["diskGb"].as_i64()
            && (disk < instance.storage || disk < 100 || disk % 50 != 0)
        {
            return issue(
                "Storage is at least 100 GB, changes in steps of 50 GB and cannot shrink",
                &["diskGb"],
            );
        }
        let resources = &mut instance.value["resources"];
        for (field, key) in [
            ("cpuCores", "vcpu_count"),
            ("ramGb", "ram_gb"),
            ("diskGb", "storage_gb"),
        ] {
            if let Some(n) = body[field].as_i64() {
                resources[key] = json!(n);
            }
        }
        if let (Some(model), Some(count)) = (
            body["gpus"]["gpuV0Name"].as_str(),
            body["gpus"]["count"].as_i64(),
        ) {
            resources["gpus"] = json!({model: {"count": count, "v0Name": model}});
        }
        Response::json(
            200,
            json!({"data": {"type": "success", "attributes": {"message": "Instance modified successfully"}}}),
        )
    }

    fn secrets(&mut self, request: &Request) -> Response {
        let id = request.path_param("id").unwrap_or_default().to_string();
        match request.operation_id.as_str() {
            "listSecrets" => {
                let secrets: Vec<Value> = self
                    .secrets
                    .iter()
                    .map(|(id, s)| json!({"type": s["type"], "id": id, "name": s["name"]}))
                    .collect();
                Response::json(200, json!({"data": {"secrets": secrets}}))
            }
            "createSecret" => {
                let attributes = request.body["data"]["attributes"].clone();
                let id = self.uuid();
                let name = attributes["name"].clone();
                self.secrets.insert(id.clone(), attributes);
                Response::json(
                    200,
                    json!({"data": {"type": "secret", "id": id, "name": name}}),
                )
            }
            "getSecret" => match self.secrets.get(&id) {
                None => error(404, "Secret not found"),
                Some(s) => {
                    let mut data = json!({"type": "secret", "id": id, "name": s["name"]});
                    // Values of kind SECRET are never returned.
                    if s["type"] != "SECRET" {
                        data["value"] = s["value"].clone();
                    }
                    Response::json(200, json!({"data": data}))
                }
            },
            _ => match self.secrets.remove(&id) {
                None => error(404, "Secret not found"),
                Some(_) => Response::json(
                    200,
                    json!({"data": {"type": "success", "message": "Secret deleted successfully"}}),
                ),
            },
        }
    }
}

impl Instance {
    fn status(&self) -> String {
        cloud_common::status_key(self.value["status"].as_str().unwrap_or_default())
    }

    fn hourly(&self) -> f64 {
        match self.status().as_str() {
            "stopped" | "stoppeddisassociated" => self.storage_rate,
            _ => self.value["rateHourly"].as_f64().unwrap_or(0.0),
        }
    }
}

/// Counts one read: a transitional state with no reads left settles, and
/// a new instance gets its IP address.
fn tick(instance: &mut Instance) {
    if instance.polls_left > 0 {
        instance.polls_left -= 1;
        if instance.polls_left > 0 {
            return;
        }
    }
    if instance.value["ipAddress"] == "" {
        instance.value["ipAddress"] = json!("174.94.145.71");
    }
    let settled = match instance.value["status"].as_str() {
        Some("starting") => "running",
        Some("stopping") => "Stopped",
        _ => return,
    };
    instance.value["status"] = json!(settled);
}

impl Service for State {
    fn handle(&mut self, request: &Request) -> Response {
        if let Some(limited) = self.rate_limited() {
            return limited;
        }
        if let Some(refused) = self.authenticate(request) {
            return refused;
        }
        let id = request.path_param("id").unwrap_or_default().to_string();
        match request.operation_id.as_str() {
            "listLocations" => Response::json(200, json!({"data": {"locations": self.locations}})),
            "listHostnodes" => Response::json(200, json!({"data": {"hostnodes": self.hostnodes}})),
            "getHostnode" => match self.hostnodes.iter().find(|h| h["id"] == id.as_str()) {
                Some(h) => Response::json(200, json!({"data": h})),
                None => error(404, "Hostnode not found"),
            },
            "createInstance" => self.create(request),
            "listInstances" => {
                let ids: Vec<String> = self.instances.keys().cloned().collect();
                let items: Vec<Value> = ids
                    .iter()
                    .filter_map(|id| {
                        let v = self.read(id)?;
                        Some(json!({"type": "VM", "id": id,
                                    "attributes": {"name": v["name"], "status": v["status"]}}))
                    })
                    .collect();
                Response::json(200, json!({"data": {"instances": items}}))
            }
            "getInstance" => match self.read(&id) {
                Some(v) => Response::json(200, v),
                None => error(404, "Instance not found"),
            },
            "deleteInstance" => {
                self.charge();
                match self.instances.remove(&id) {
                    None => error(404, "Instance not found"),
                    Some(instance) => {
                        if instance.holds_stock {
                            self.stock(&instance, 1);
                        }
                        Response::json(
                            200,
                            json!({"data": {"type": "success",
                                            "attributes": {"message": "Instance deleted successfully"}}}),
                        )
                    }
                }
            }
            "startInstance" => self.act(&id, true),
            "stopInstance" => self.act(&id, false),
            "modifyInstance" => self.modify(request, &id),
            "listSecrets" | "createSecret" | "getSecret" | "deleteSecret" => self.secrets(request),
            other => Response::example(&self.spec, other)
                .unwrap_or_else(|| error(404, format!("no operation {other}"))),
        }
    }

    /// A validation issue in the service's Zod shape, its path read from
    /// the field the problem names (`` `data.attributes.name` ``).
    fn invalid(&mut self, request: &Request, problem: &str) -> Response {
        if let Some(limited) = self.rate_limited() {
            return limited;
        }
        // The token is checked before the request itself.
        if let Some(refused) = self.authenticate(request) {
            return refused;
        }
        let path: Vec<Value> = problem
            .split('`')
            .nth(1)
            .map(|field| {
                field
                    .split(['.', '['])
                    .filter(|s| !s.is_empty())
                    .map(
                        |s| match s.strip_suffix(']').and_then(|n| n.parse::<u64>().ok()) {
                            Some(index) => json!(index),
                            None => json!(s),
                        },
                    )
                    .collect()
            })
            .unwrap_or_default();
        Response::json(
            400,
            json!([{"code": "invalid_type", "message": problem, "path": path}]),
        )
    }

    fn not_found(&mut self, _request: &Request) -> Response {
        error(404, "Not found")
    }

    fn fault(&mut self, _request: &Request, status: u16) -> Response {
        error(status, format!("injected fault: HTTP {status}"))
    }
}

/// Typed values in the shapes v2 returns, built from the spec's examples.
///
/// ```
/// use tensordock_api::v2::fake::fixtures;
/// let instance = fixtures::instance("468b716a-6747-4cbe-9f13-afc153a21c14", "trainer", "running");
/// assert_eq!(instance.status, "running");
/// assert_eq!(instance.ip_address.as_deref(), Some("174.94.145.71"));
/// let hostnode = fixtures::hostnode("hn-1", "geforcertx4090-pcie-24gb", 4, 0.4);
/// assert_eq!(hostnode.id, "hn-1");
/// ```
pub mod fixtures {
    use std::collections::BTreeMap;

    use serde_json::{Value, json};

    use crate::v2::types;

    /// An instance (as getInstance returns it) with this id, name and
    /// status: one RTX 4090, 8 vCPUs, 32 GB RAM, 200 GB storage, SSH
    /// forwarded from port 20456.
    pub fn instance(id: &str, name: &str, status: &str) -> types::Instance {
        typed(instance_json(id, name, status))
    }

    /// A hostnode at the fake's location with `gpus` GPUs of `gpu_model`.
    pub fn hostnode(id: &str, gpu_model: &str, gpus: i64, price_per_hr: f64) -> types::Hostnode {
        typed(hostnode_json(id, gpu_model, gpus, price_per_hr))
    }

    /// A location offering up to `count` GPUs of `gpu_model`.
    pub fn location(id: &str, gpu_model: &str, count: i64, price_per_hr: f64) -> types::Location {
        let offers = BTreeMap::from([(gpu_model.to_string(), (count, price_per_hr))]);
        typed(location_json(id, &offers))
    }

    /// The fixtures are the spec's examples with a few values replaced,
    /// so they always read as the generated types (the fake's tests check
    /// it).
    fn typed<T: serde::de::DeserializeOwned>(value: Value) -> T {
        match serde_json::from_value(value) {
            Ok(typed) => typed,
            Err(e) => unreachable!("a fixture no longer matches the spec: {e}"),
        }
    }

    pub(super) fn instance_json(id: &str, name: &str, status: &str) -> Value {
        json!({
            "type": "virtualmachine", "id": id, "name": name, "status": status,
            "ipAddress": "174.94.145.71",
            "portForwards": [{"internal_port": 22, "external_port": 20456}],
            "rateHourly": 0.272999,
            "resources": {"vcpu_count": 8, "ram_gb": 32, "storage_gb": 200,
                          "gpus": {super::GPU_MODEL: {"count": 1, "v0Name": super::GPU_MODEL}}}
        })
    }

    pub(super) fn hostnode_json(id: &str, gpu_model: &str, gpus: i64, price_per_hr: f64) -> Value {
        json!({
            "id": id, "location_id": super::LOCATION, "engine": "kvm", "uptime_percentage": 99.9,
            "available_resources": {
                "gpus": [{"v0Name": gpu_model, "availableCount": gpus, "price_per_hr": price_per_hr}],
                "vcpu_count": 32, "ram_gb": 128, "storage_gb": 2000,
                "available_ports": (20000..20010).collect::<Vec<i64>>(),
                "has_public_ip_available": true
            },
            "pricing": {"per_vcpu_hr": 0.003, "per_gb_ram_hr": 0.002, "per_gb_storage_hr": 0.00005},
            "location": {"uuid": super::LOCATION, "city": "Chubbuck", "stateprovince": "Idaho",
                         "country": "United States", "has_network_storage": false,
                         "network_speed_gbps": 10, "network_speed_upload_gbps": 10,
                         "organization": "org", "organizationName": "Org", "tier": 1}
        })
    }

    pub(super) fn location_json(id: &str, offers: &BTreeMap<String, (i64, f64)>) -> Value {
        let gpus: Vec<Value> = offers
            .iter()
            .map(|(model, (count, price))| {
                json!({
                    "v0Name": model, "displayName": display_name(model), "max_count": count,
                    "price_per_hr": price,
                    "resources": {"max_vcpus": 32, "max_ram_gb": 128, "max_storage_gb": 2000},
                    "pricing": {"per_vcpu_hr": 0.003, "per_gb_ram_hr": 0.002, "per_gb_storage_hr": 0.00005},
                    "network_features": {"dedicated_ip_available": true, "port_forwarding_available": true,
                                         "network_storage_available": false}
                })
            })
            .collect();
        json!({"id": id, "city": "Chubbuck", "stateprovince": "Idaho", "country": "United States",
               "tier": 1, "gpus": gpus})
    }

    /// `geforcertx4090-pcie-24gb` as the service shows it
    /// (`NVIDIA GeForce RTX 4090 PCIe 24GB`), for the models it names so.
    fn display_name(model: &str) -> String {
        match model {
            "geforcertx4090-pcie-24gb" => "NVIDIA GeForce RTX 4090 PCIe 24GB".to_string(),
            other => other.to_string(),
        }
    }
}
