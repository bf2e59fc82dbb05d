//! The v0 fake's behaviour: [`State`] answers each request the server has
//! matched to an operation and checked against the spec.

use std::collections::{BTreeMap, BTreeSet};

use cloud_fake::http;
use cloud_fake::{Request, Response, Service, Spec};
use serde_json::{Value, json};

use super::{
    API_KEY, API_TOKEN, BALANCE, GPU_MODEL, HOSTNODE, POLLS_TO_SETTLE, SETTLES, State, Vm, fixtures,
};
use cloud_fake::Lifecycle;

/// A v0 error: `{"success": false, "error": message}`.
fn error(status: u16, message: impl Into<String>) -> Response {
    Response::json(status, json!({"success": false, "error": message.into()}))
}

/// What v0 answers a wrong key pair (the text is not documented).
fn unauthorized() -> Response {
    error(401, "Invalid api_key or api_token")
}

fn ok(mut body: Value) -> Response {
    body["success"] = json!(true);
    Response::json(200, body)
}

/// A form field read as an integer (the spec has already checked it is one).
fn int(request: &Request, name: &str) -> i64 {
    request
        .field(name)
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

fn number(request: &Request, name: &str) -> Option<f64> {
    request.field(name).and_then(|v| v.trim().parse().ok())
}

/// `"{30118, 30117}"` or `"[22, 80]"` as ports.
fn ports(text: &str) -> Option<Vec<i64>> {
    let inner = text
        .trim()
        .strip_prefix(['{', '['])?
        .strip_suffix(['}', ']'])?;
    inner.split(',').map(|p| p.trim().parse().ok()).collect()
}

impl State {
    pub(super) fn new(spec: Spec) -> Self {
        let mut hostnodes = BTreeMap::new();
        hostnodes.insert(
            HOSTNODE.to_string(),
            fixtures::hostnode_json(GPU_MODEL, 4, 0.35),
        );
        Self {
            spec,
            key: API_KEY.to_string(),
            token: API_TOKEN.to_string(),
            hostnodes,
            vms: BTreeMap::new(),
            deleted: BTreeSet::new(),
            containers: BTreeMap::new(),
            balance: BALANCE,
            meter: crate::meter::Meter::new(),
            ledger: super::billing::Ledger::default(),
            hosted: BTreeSet::new(),
            lifecycle: Lifecycle::new(SETTLES, POLLS_TO_SETTLE),
            next: 0,
        }
    }

    pub(super) fn uuid(&mut self) -> String {
        self.next += 1;
        format!("65e7edca-888a-4e66-a975-{:012x}", self.next)
    }

    /// The hourly cost now: compute and storage of running VMs, storage of
    /// stopped ones.
    fn hourly_cost(&self) -> f64 {
        self.vms
            .values()
            .map(|vm| vm.compute_rate() + vm.storage_rate())
            .sum()
    }

    fn authorized(&self, request: &Request) -> bool {
        request.field("api_key") == Some(self.key.as_str())
            && request.field("api_token") == Some(self.token.as_str())
    }

    /// Takes (`sign` -1) or gives back (+1) a VM's stock.
    fn stock(&mut self, hostnode: &str, gpu_model: &str, amounts: [i64; 4], sign: i64) {
        if let Some(h) = self.hostnodes.get_mut(hostnode) {
            let [gpus, vcpus, ram, storage] = amounts;
            for (pointer, n) in [
                (format!("/specs/gpu/{gpu_model}/amount"), gpus),
                ("/specs/cpu/amount".to_string(), vcpus),
                ("/specs/ram/amount".to_string(), ram),
                ("/specs/storage/amount".to_string(), storage),
            ] {
                if let Some(v) = h.pointer_mut(&pointer) {
                    *v = json!(v.as_i64().unwrap_or(0) + sign * n);
                }
            }
        }
    }

    fn list_hostnodes(&self, request: &Request) -> Response {
        let min = |name: &str| {
            request
                .query_param(name)
                .and_then(|v| v.parse::<i64>().ok())
        };
        // `true` as the spec spells it, `True` as Python does.
        let flag =
            |name: &str| request.query_param(name).and_then(cloud_fake::form_bool) == Some(true);
        // A hostnode reserved for the account is listed only to it.
        let own = self.authorized(request);
        let hostnodes: serde_json::Map<String, Value> = self
            .hostnodes
            .iter()
            .filter(|(_, h)| own || h["status"]["reserved"] != json!(true))
            .filter(|(_, h)| {
                let gpus = h["specs"]["gpu"].as_object();
                let gpu_count: i64 = gpus
                    .into_iter()
                    .flatten()
                    .map(|(_, g)| g["amount"].as_i64().unwrap_or(0))
                    .sum();
                let max_vram = gpus
                    .into_iter()
                    .flatten()
                    .filter_map(|(_, g)| g["vram"].as_i64())
                    .max()
                    .unwrap_or(0);
                let any_model = |word: &str| {
                    gpus.into_iter()
                        .flatten()
                        .any(|(model, g)| model.contains(word) && g["amount"].as_i64() > Some(0))
                };
                min("minGPUCount").is_none_or(|n| gpu_count >= n)
                    && min("maxGPUCount").is_none_or(|n| gpu_count <= n)
                    && min("minvCPUs")
                        .is_none_or(|n| h["specs"]["cpu"]["amount"].as_i64() >= Some(n))
                    && min("minRAM").is_none_or(|n| h["specs"]["ram"]["amount"].as_i64() >= Some(n))
                    && min("minStorage")
                        .is_none_or(|n| h["specs"]["storage"]["amount"].as_i64() >= Some(n))
                    && min("minVRAM").is_none_or(|n| max_vram >= n)
                    && (!flag("requiresRTX") || any_model("rtx"))
                    && (!flag("requiresGTX") || any_model("gtx"))
            })
            .map(|(id, h)| (id.clone(), h.clone()))
            .collect();
        ok(json!({"hostnodes": hostnodes}))
    }

    fn deploy(&mut self, request: &Request) -> Response {
        let hostnode_id = request.field("hostnode").unwrap_or_default().to_string();
        let Some(hostnode) = self.hostnodes.get(&hostnode_id) else {
            return error(404, format!("Hostnode {hostnode_id} not found"));
        };
        let model = request.field("gpu_model").unwrap_or_default().to_string();
        let (gpus, vcpus, ram, storage) = (
            int(request, "gpu_count"),
            int(request, "vcpus"),
            int(request, "ram"),
            int(request, "storage"),
        );
        let Some(gpu) = hostnode["specs"]["gpu"].get(&model) else {
            return error(400, format!("Invalid GPU model {model} for this hostnode"));
        };
        let available = |pointer: &str| {
            hostnode
                .pointer(pointer)
                .and_then(Value::as_i64)
                .unwrap_or(0)
        };
        for (what, wanted, have) in [
            ("GPUs", gpus, gpu["amount"].as_i64().unwrap_or(0)),
            ("vCPUs", vcpus, available("/specs/cpu/amount")),
            ("GB of RAM", ram, available("/specs/ram/amount")),
            ("GB of storage", storage, available("/specs/storage/amount")),
        ] {
            if wanted > have {
                return error(
                    400,
                    format!(
                        "Not enough resources: {wanted} {what} requested, {have} available on this hostnode"
                    ),
                );
            }
        }
        let (Some(external), Some(internal)) = (
            request.field("external_ports").and_then(ports),
            request.field("internal_ports").and_then(ports),
        ) else {
            return error(
                400,
                "external_ports and internal_ports must be lists such as {22, 80}",
            );
        };
        if external.len() != internal.len() {
            return error(400, "external_ports and internal_ports must pair up");
        }
        let open: Vec<i64> = hostnode["networking"]["ports"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_i64)
            .collect();
        if let Some(port) = external.iter().find(|p| !open.contains(p)) {
            return error(
                400,
                format!("Port {port} is not available on this hostnode"),
            );
        }
        if request.field("password").is_none() && request.field("ssh_key").is_none() {
            return error(400, "A password or an ssh_key is required");
        }
        let compute_price = gpu["price"].as_f64().unwrap_or(0.0) * gpus as f64
            + hostnode["specs"]["cpu"]["price"].as_f64().unwrap_or(0.0) * vcpus as f64
            + hostnode["specs"]["ram"]["price"].as_f64().unwrap_or(0.0) * ram as f64;
        let storage_price = hostnode["specs"]["storage"]["price"]
            .as_f64()
            .unwrap_or(0.0)
            * storage as f64;
        let location = hostnode["location"]["id"].clone();
        self.charge();
        self.stock(&hostnode_id, &model, [gpus, vcpus, ram, storage], -1);
        let id = self.uuid();
        let forwards: serde_json::Map<String, Value> = external
            .iter()
            .zip(&internal)
            .map(|(e, i)| (e.to_string(), json!(i)))
            .collect();
        let name = request.field("name").unwrap_or_default();
        let mut value = fixtures::vm_json(name, "Deploying");
        value["hostnode"] = json!(hostnode_id);
        value["location"] = location;
        value["operating_system"] = json!(request.field("operating_system"));
        value["port_forwards"] = Value::Object(forwards.clone());
        value["specs"] = json!({"gpu": {"amount": gpus, "type": model}, "vcpus": vcpus,
                                "ram": ram, "storage": storage});
        value["compute_price"] = json!(compute_price);
        value["storage_price"] = json!(storage_price);
        value["total_price"] = json!(compute_price + storage_price);
        value["cost"] = json!(compute_price + storage_price);
        if request.field("price_type") == Some("spot") {
            value["type"] = json!("spot");
        }
        let ip = value["ip_address"].clone();
        let countdown = self.lifecycle.countdown();
        let mut vm = Vm {
            value,
            hostnode: hostnode_id,
            gpu_model: model,
            gpus,
            vcpus,
            ram,
            storage,
            holds_gpus: true,
            holds_stock: true,
            countdown,
        };
        if countdown.is_due() {
            tick(&self.lifecycle, &mut vm);
        }
        self.vms.insert(id.clone(), vm);
        ok(json!({
            "server": id, "ip": ip, "port_forwards": forwards,
            "cost": {"total_price": compute_price + storage_price,
                     "compute_price": compute_price, "storage_price": storage_price}
        }))
    }

    /// Reads a VM, counting a read.
    fn read(&mut self, id: &str) -> Option<Value> {
        let vm = self.vms.get_mut(id)?;
        tick(&self.lifecycle, vm);
        Some(vm.value.clone())
    }

    fn start(&mut self, id: &str) -> Response {
        let Some(vm) = self.vms.get(id) else {
            return error(404, format!("Machine {id} not found"));
        };
        let status = vm.status();
        // Starting a machine that is already starting has nothing to do.
        if status == "starting" {
            return ok(json!({}));
        }
        if !matches!(
            status.as_str(),
            "stopped" | "stoppeddisassociated" | "outbid"
        ) {
            return error(
                500,
                format!("Machine is {status}, therefore it cannot be started"),
            );
        }
        let (hostnode, model, gpus, needs_gpus) = (
            vm.hostnode.clone(),
            vm.gpu_model.clone(),
            vm.gpus,
            !vm.holds_gpus,
        );
        if needs_gpus {
            let have = self
                .hostnodes
                .get(&hostnode)
                .and_then(|h| h["specs"]["gpu"][&model]["amount"].as_i64())
                .unwrap_or(0);
            if have < gpus {
                return error(
                    500,
                    "No GPUs of this model are left on the hostnode to start the machine",
                );
            }
            self.stock(&hostnode, &model, [gpus, 0, 0, 0], -1);
        }
        self.charge();
        if let Some(vm) = self.vms.get_mut(id) {
            vm.holds_gpus = true;
            vm.set("Starting", &self.lifecycle);
        }
        ok(json!({}))
    }

    fn stop(&mut self, request: &Request, id: &str) -> Response {
        let Some(vm) = self.vms.get(id) else {
            return error(404, format!("Machine {id} not found"));
        };
        let status = vm.status();
        if status == "stopping" {
            return ok(json!({}));
        }
        if !matches!(status.as_str(), "running" | "starting") {
            return error(
                500,
                format!("Machine is {status}, therefore it cannot be stopped"),
            );
        }
        // `true` as the template sends it, `True` as the Python SDK does.
        let release = request
            .field("disassociate_resources")
            .and_then(cloud_fake::form_bool)
            == Some(true);
        let (hostnode, model, gpus, holds) = (
            vm.hostnode.clone(),
            vm.gpu_model.clone(),
            vm.gpus,
            vm.holds_stock,
        );
        self.charge();
        if release && holds {
            self.stock(&hostnode, &model, [gpus, 0, 0, 0], 1);
        }
        if let Some(vm) = self.vms.get_mut(id) {
            vm.holds_gpus = !release;
            vm.set("Stopping", &self.lifecycle);
        }
        ok(json!({}))
    }

    fn modify(&mut self, request: &Request) -> Response {
        let id = request.field("server_id").unwrap_or_default().to_string();
        // What the VM used until now is charged as it was.
        self.charge();
        let Some(vm) = self.vms.get_mut(&id) else {
            return error(404, format!("Machine {id} not found"));
        };
        let status = vm.status();
        if !matches!(status.as_str(), "stopped" | "stoppeddisassociated") {
            return error(
                500,
                format!("Machine is {status}, therefore it cannot be modified"),
            );
        }
        let specs = &mut vm.value["specs"];
        for (field, key) in [("vcpus", "vcpus"), ("ram", "ram"), ("storage", "storage")] {
            if request.field(field).is_some() {
                specs[key] = json!(int(request, field));
            }
        }
        if request.field("gpu_count").is_some() {
            specs["gpu"]["amount"] = json!(int(request, "gpu_count"));
        }
        if let Some(model) = request.field("gpu_model") {
            specs["gpu"]["type"] = json!(model);
        }
        ok(json!({"server": id}))
    }

    fn delete(&mut self, id: &str) -> Response {
        if self.deleted.contains(id) {
            return error(400, format!("Machine {id} is already terminated"));
        }
        self.charge();
        let Some(vm) = self.vms.remove(id) else {
            return error(404, format!("Machine {id} not found"));
        };
        if vm.holds_stock {
            let gpus = if vm.holds_gpus { vm.gpus } else { 0 };
            self.stock(
                &vm.hostnode,
                &vm.gpu_model,
                [gpus, vm.vcpus, vm.ram, vm.storage],
                1,
            );
        }
        self.deleted.insert(id.to_string());
        ok(json!({}))
    }

    fn containers(&mut self, request: &Request) -> Response {
        let id = request
            .field("container_id")
            .or_else(|| request.path_param("container_id"))
            .unwrap_or_default()
            .to_string();
        match request.operation_id.as_str() {
            "deployContainer" => {
                let replicas = request.body["replicas"].as_i64().unwrap_or(1);
                let id = self.uuid();
                self.containers.insert(id, replicas);
                ok(json!({}))
            }
            _ if !self.containers.contains_key(&id) => {
                error(404, format!("Container {id} not found"))
            }
            "scaleContainer" => {
                let delta = int(request, "replicas");
                let count = self.containers.get(&id).copied().unwrap_or(0) + delta;
                if count < 0 {
                    return error(400, "A container cannot have fewer than zero replicas");
                }
                self.containers.insert(id, count);
                ok(json!({}))
            }
            "stopContainer" => {
                self.containers.remove(&id);
                ok(json!({}))
            }
            _ => {
                let count = self.containers.get(&id).copied().unwrap_or(0);
                let replicas: Vec<Value> = (0..count)
                    .map(|i| {
                        json!({"vm_uuid": format!("ccd025cb-525d-4ac1-9691-{i:012x}"),
                               "ip_address": "149.137.246.9",
                               "external_ports": [47924 + 3 * i, 47925 + 3 * i],
                               "internal_ports": [22, 5000],
                               "rate_hourly": 0.304,
                               "hostnode_uptime_url": "https://monitor.m.tensordock.com/report/uptime/d46eff0ca038a49d63e17e1c61161a3e"})
                    })
                    .collect();
                // No `success` key: the shape the service sends here.
                Response::json(200, json!({"result": replicas}))
            }
        }
    }

    /// A container deploy sent as a form, as the `tensordock` SDK sends it,
    /// read as the JSON body the spec documents: numbers and lists by the
    /// schema (a list is a repeated field), and a map, which `requests`
    /// encodes as its keys alone, as those names with empty values.
    fn read_container_form(&self, request: &mut Request) {
        let Some(schema) = self.spec.schema("DeployContainerRequest") else {
            return;
        };
        let mut body = self.spec.read_form(schema, request.body.take());
        if let Some(names) = body.get_mut("environment_variables") {
            let names = match names.take() {
                Value::String(name) => vec![Value::String(name)],
                Value::Array(names) => names,
                other => {
                    *names = other;
                    Vec::new()
                }
            };
            if !names.is_empty() {
                body["environment_variables"] = names
                    .into_iter()
                    .filter_map(|n| Some((n.as_str()?.to_string(), json!(""))))
                    .collect::<serde_json::Map<_, _>>()
                    .into();
            }
        }
        request.body = body;
        request.headers.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
    }

    /// A spot bid wins when it covers the hostnode's price for the GPUs.
    fn spot(&mut self, request: &Request) -> Response {
        let bid = number(request, "price").unwrap_or(0.0);
        let wins = if request.operation_id == "validateSpotNew" {
            let gpus = int(request, "gpu_count");
            let model = request.field("gpu_model").unwrap_or_default();
            self.hostnodes
                .get(request.field("hostnode").unwrap_or_default())
                .and_then(|h| h["specs"]["gpu"].get(model))
                .is_some_and(|g| {
                    g["amount"].as_i64().unwrap_or(0) >= gpus
                        && bid >= g["price"].as_f64().unwrap_or(f64::MAX) * gpus as f64
                })
        } else {
            let server = request.field("server").unwrap_or_default();
            match self.vms.get(server) {
                None => return error(404, format!("Machine {server} not found")),
                Some(vm) => bid >= vm.value["compute_price"].as_f64().unwrap_or(0.0),
            }
        };
        Response::json(200, json!({"success": wins}))
    }
}

impl Vm {
    pub(super) fn status(&self) -> String {
        self.value["status"]
            .as_str()
            .unwrap_or_default()
            .to_ascii_lowercase()
    }

    /// Enters a transitional `status`, which settles over `lifecycle`'s
    /// polls.
    fn set(&mut self, status: &str, lifecycle: &Lifecycle) {
        self.value["status"] = json!(status);
        self.countdown = lifecycle.countdown();
        if self.countdown.is_due() {
            tick(lifecycle, self);
        }
    }
}

/// Counts one read: a transitional state with no reads left settles.
fn tick(lifecycle: &Lifecycle, vm: &mut Vm) {
    let status = vm.value["status"].as_str().unwrap_or_default();
    let settled = match lifecycle.poll(&mut vm.countdown, status) {
        // A disassociating stop ends without its GPUs.
        Some("Stopped") if !vm.holds_gpus => "StoppedDisassociated",
        Some(settled) => settled,
        None => return,
    };
    vm.value["status"] = json!(settled);
}

impl Service for State {
    fn handle(&mut self, request: &Request) -> Response {
        let public = matches!(
            request.operation_id.as_str(),
            "listHostnodes" | "getHostnode"
        );
        if !public && !self.authorized(request) {
            return unauthorized();
        }
        let server = request.field("server").unwrap_or_default().to_string();
        match request.operation_id.as_str() {
            "authTest" => ok(json!({})),
            "authList" => ok(json!({"authorizations": {"fake": {
                "permissions": "All", "timestamp_creation": "2022-12-04 02:26:01.898472",
                "note": "the fake's key pair"}}})),
            "listHostnodes" => self.list_hostnodes(request),
            "getHostnode" => {
                let id = request.path_param("hostnode_uuid").unwrap_or_default();
                match self.hostnodes.get(id) {
                    Some(h) => ok(json!({"hostnode": h})),
                    None => error(404, format!("Hostnode {id} not found")),
                }
            }
            "deployVm" => self.deploy(request),
            "listVms" => {
                let ids: Vec<String> = self.vms.keys().cloned().collect();
                let vms: serde_json::Map<String, Value> = ids
                    .into_iter()
                    .filter_map(|id| Some((id.clone(), self.read(&id)?)))
                    .collect();
                ok(json!({"virtualmachines": vms}))
            }
            "getVm" => match self.read(&server) {
                Some(vm) => ok(json!({"virtualmachines": vm})),
                None => error(404, format!("Machine {server} not found")),
            },
            "startVm" => self.start(&server),
            "stopVm" => self.stop(request, &server),
            "modifyVm" => self.modify(request),
            "deleteVm" => self.delete(&server),
            "validateSpotNew" | "validateSpotExisting" => self.spot(request),
            "deployContainer" | "scaleContainer" | "stopContainer" | "listContainerReplicas" => {
                self.containers(request)
            }
            "getBalance" => {
                self.charge();
                ok(json!({"balance": self.balance, "hourly_cost": self.hourly_cost()}))
            }
            // Host revenue and monthly statements, from the ledger.
            "getRevenue" => self.revenue(request),
            "getMonthlySummary" => self.monthly_summary(request),
            other => Response::example(&self.spec, other)
                .unwrap_or_else(|| error(404, format!("no operation {other}"))),
        }
    }

    /// What the `tensordock` SDK sends where the spec documents otherwise
    /// (the service's handling is undocumented; nothing shows it refuses
    /// these): GET credentials in the query string, and a container deploy
    /// as a form.
    fn prepare(&mut self, request: &mut Request) {
        if request.method == http::Method::GET && request.body.is_null() {
            let pair = |name: &str| request.query_param(name).map(str::to_string);
            if let (Some(key), Some(token)) = (pair("api_key"), pair("api_token")) {
                request.body = json!({"api_key": key, "api_token": token});
                request.headers.insert(
                    http::header::CONTENT_TYPE,
                    http::HeaderValue::from_static("application/x-www-form-urlencoded"),
                );
            }
        }
        if request.operation_id == "deployContainer" && request.is_form() {
            self.read_container_form(request);
        }
    }

    fn invalid(&mut self, request: &Request, problem: &str) -> Response {
        // A key pair that is there but wrong is refused before the rest of
        // the request is looked at; a missing one is named by `problem`.
        let sent = request.field("api_key").is_some() && request.field("api_token").is_some();
        if sent && !self.authorized(request) {
            return unauthorized();
        }
        error(400, problem)
    }

    cloud_fake::lifecycle_hooks! {
        lifecycle: lifecycle,
        resources: vms,
        tick: tick,
        named: super::emulator::NAMED,
    }
}
