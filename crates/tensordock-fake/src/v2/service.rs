//! The v2 fake's behaviour: [`State`] answers each request the server has
//! matched to an operation and checked against the spec.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use cloud_fake::{Request, Response, Service, Spec};
use serde_json::{Value, json};

use super::{
    BALANCE, GPU_MODEL, HOSTNODE, Instance, POLLS_TO_SETTLE, RATE_LIMIT, SETTLES, State, TOKEN,
    fixtures,
};
use cloud_fake::Lifecycle;

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

pub(super) fn gpu_entry<'a>(hostnode: &'a Value, model: &str) -> Option<&'a Value> {
    hostnode["available_resources"]["gpus"]
        .as_array()?
        .iter()
        .find(|g| g["v0Name"] == model)
}

pub(super) fn gpu_entry_mut<'a>(hostnode: &'a mut Value, model: &str) -> Option<&'a mut Value> {
    hostnode["available_resources"]["gpus"]
        .as_array_mut()?
        .iter_mut()
        .find(|g| g["v0Name"] == model)
}

fn available(hostnode: &Value, key: &str) -> i64 {
    hostnode["available_resources"][key].as_f64().unwrap_or(0.0) as i64
}

impl State {
    pub(super) fn new(spec: Spec) -> Self {
        let mut state = Self {
            spec,
            token: TOKEN.to_string(),
            locations: Vec::new(),
            hostnodes: vec![fixtures::hostnode_json(HOSTNODE, GPU_MODEL, 4, 0.3966)],
            instances: BTreeMap::new(),
            secrets: BTreeMap::new(),
            balance: BALANCE,
            meter: crate::meter::Meter::new(),
            window: VecDeque::new(),
            rate_limit: Some(RATE_LIMIT),
            lifecycle: Lifecycle::new(SETTLES, POLLS_TO_SETTLE),
            next: 0,
        };
        state.refresh_locations();
        state
    }

    pub(super) fn uuid(&mut self) -> String {
        self.next += 1;
        format!("468b716a-6747-4cbe-9f13-{:012x}", self.next)
    }

    /// Rebuilds the locations' GPU offers from their hostnodes' stock: a
    /// location offers a model as many as its best hostnode has.
    pub(super) fn refresh_locations(&mut self) {
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

    /// Charges every instance for the time since the last charge (real
    /// and simulated).
    pub(super) fn charge(&mut self) {
        let (from, to) = self.meter.due();
        let hourly: f64 = self.instances.values().map(Instance::hourly).sum();
        self.balance -= hourly * crate::meter::hours(from, to);
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
            countdown: self.lifecycle.countdown(),
        };
        self.stock(&instance, -1);
        let mut instance = instance;
        if instance.countdown.is_due() {
            tick(&self.lifecycle, &mut instance);
        }
        self.instances.insert(id.clone(), instance);
        Response::json(
            200,
            json!({"data": {"type": "virtualmachine", "id": id, "name": name, "status": "running"}}),
        )
    }

    fn read(&mut self, id: &str) -> Option<Value> {
        let instance = self.instances.get_mut(id)?;
        tick(&self.lifecycle, instance);
        Some(instance.value.clone())
    }

    /// Starts (`on`) or stops an instance.
    fn act(&mut self, id: &str, on: bool) -> Response {
        self.charge();
        let lifecycle = &self.lifecycle;
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
        instance.countdown = lifecycle.countdown();
        if instance.countdown.is_due() {
            tick(lifecycle, instance);
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
fn tick(lifecycle: &Lifecycle, instance: &mut Instance) {
    if !instance.countdown.tick() {
        return;
    }
    if instance.value["ipAddress"] == "" {
        instance.value["ipAddress"] = json!("174.94.145.71");
    }
    let status = instance.value["status"].as_str().unwrap_or_default();
    if let Some(settled) = lifecycle.settled(status) {
        instance.value["status"] = json!(settled);
    }
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

    cloud_fake::lifecycle_hooks! {
        lifecycle: lifecycle,
        resources: instances,
        tick: tick,
        named: super::emulator::NAMED,
    }
}
