#![doc = include_str!("../README.md")]
//! A stateful, in-process fake of the Neolink MatrixDC API, for testing
//! code that uses `neolink-api` without the cloud.
//!
//! [`Fake::start`] serves `specs/neolink.yaml` on a free loopback port:
//! every request is routed and checked against the spec (a missing
//! `displayName` or a `Cost.GPUSKUID` sent as a number is rejected, naming
//! the field), the bearer token is checked, and the fake keeps state:
//!
//! - regions and GPU SKUs, whose `remainGPUCount` drops as instances are
//!   created (and is given back when they are deleted); a create with none
//!   left fails;
//! - instances that come back `Creating` and become `Running` after a few
//!   reads, `ShuttingDown` → `Shutdown` after a power-off and `Starting` →
//!   `Running` after a power-on; a power-on of a running instance or a
//!   power-off of a stopped one fails;
//! - the bare `"ok"` answers of actions, and the `namespace` header checked
//!   when the fake is told to require it ([`Fake::require_namespace`]).
//!
//! The API documents no error bodies or statuses. The fake answers errors
//! as `{"code": <status>, "message": "<what was wrong>"}` with 400 (invalid
//! request or wrong state), 401 (token), 403 (namespace) or 404 (unknown
//! cluster or instance), which the client reads as a [`neolink_api::Error`]
//! with that status and message.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use neolink_fake::{Fake, TOKEN};
//! use neolink_api::{ClientConfig, Neolink};
//!
//! let fake = Fake::start().await?;
//! let notebook = fake.add_instance("notebook", "Running");
//! let neolink = Neolink::with_config(ClientConfig::new(fake.base_url()), TOKEN)?;
//! let list = neolink.instances(fake.cluster()).await?;
//! assert_eq!(list.nodes[0].name, notebook);
//! # Ok(()) }
//! ```

mod emulator;

use std::collections::BTreeMap;

use cloud_fake::{Countdown, Lifecycle, Request, Response, Service, Spec};
use serde_json::{Value, json};

pub use cloud_fake::{FakeError, Fault, Received};

/// The spec the fake speaks.
const SPEC: &str = include_str!("../spec/neolink.yaml");

/// The token a fresh fake accepts (see [`Fake::set_token`]).
pub const TOKEN: &str = "neolink-fake-token";

/// The id of the region a fresh fake holds (the spec example's).
pub const REGION_ID: &str = "14c5a9e3-0d09-4aa0-99d3-c096b80cceaa";

/// The cluster of the region a fresh fake holds.
pub const CLUSTER: &str = "host-cluster";

/// How many reads of an instance in a transitional state (`Creating`,
/// `Starting`, `ShuttingDown`) it takes to settle, unless changed with
/// [`Fake::set_polls_to_settle`].
pub const POLLS_TO_SETTLE: u32 = 2;

/// Each transitional status and the one it settles into.
const SETTLES: &[(&str, &str)] = &[
    ("Creating", "Running"),
    ("Starting", "Running"),
    ("ShuttingDown", "Shutdown"),
];

cloud_fake::fake_handle! {
    /// A running Neolink fake; it stops when dropped. See the [module
    /// docs](self).
    pub struct Fake(State);
    make: Spec::parse(SPEC).map(|spec| (spec.clone(), State::new(spec)));
    start_doc: "Starts a fake holding one region ([`REGION_ID`], cluster [`CLUSTER`]) with the spec's H20 SKU (`\"2\"`) and a 4090 SKU (`\"66\"`), 8 GPUs of each, and no instances.";
}

/// The fake's state: what the API would hold for one account.
struct State {
    spec: Spec,
    token: String,
    namespace: Option<String>,
    regions: Vec<Value>,
    skus: Vec<Value>,
    /// Instances by name, each with its cluster.
    instances: BTreeMap<String, Instance>,
    lifecycle: Lifecycle,
    next: u64,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Instance {
    cluster: String,
    value: Value,
    /// Reads left before a transitional state settles.
    countdown: Countdown,
    /// The SKU whose stock it holds, and how many GPUs.
    sku: Option<(String, i64)>,
}

impl Fake {
    /// The cluster of the first region, where [`Fake::add_instance`] puts
    /// instances.
    pub fn cluster(&self) -> &'static str {
        CLUSTER
    }

    /// Accepts only `token` from now on (a fresh fake accepts [`TOKEN`]).
    pub fn set_token(&self, token: impl Into<String>) {
        let token = token.into();
        self.server.with(|s| s.token = token);
    }

    /// Requires every request to carry `namespace: <namespace>` (the user
    /// id) and a create's body `namespace` to match it; `None` stops
    /// requiring it. The docs do not say whether the real service checks
    /// it, so a fresh fake does not.
    pub fn require_namespace(&self, namespace: Option<&str>) {
        let namespace = namespace.map(str::to_string);
        self.server.with(|s| s.namespace = namespace);
    }

    /// How many reads a transitional state lasts (0 settles at once).
    pub fn set_polls_to_settle(&self, polls: u32) {
        self.server.with(|s| s.lifecycle.set_polls(polls));
    }

    /// Adds a region served by `cluster`; returns its id.
    pub fn add_region(&self, name: &str, cluster: &str) -> String {
        self.server.with(|s| {
            let id = s.uuid();
            s.regions.push(fixtures::region_json(&id, name, cluster));
            id
        })
    }

    /// Adds a pay-as-you-go SKU of one `gpu` (e.g. `4090`) to a region,
    /// priced `price`, with `remain` GPUs in stock; returns its `skusID`.
    /// `None` when there is no such region.
    pub fn add_sku(&self, region_id: &str, gpu: &str, price: f64, remain: i64) -> Option<String> {
        self.server.with(|s| {
            let region = s.regions.iter().find(|r| r["id"] == region_id)?.clone();
            let id = (100 + s.next()).to_string();
            let mut sku = fixtures::sku_json(&id, gpu, remain);
            sku["price"] = json!(price);
            sku["regionID"] = region["id"].clone();
            sku["regionName"] = region["region"].clone();
            sku["clusterName"] = region["clusterName"].clone();
            s.skus.push(sku);
            Some(id)
        })
    }

    /// Adds an instance named `display_name` in [`Fake::cluster`] with
    /// `status` (`Running`, `Shutdown`, `Creating`, ...), holding no stock;
    /// returns its `name`, the id every instance call takes.
    pub fn add_instance(&self, display_name: &str, status: &str) -> String {
        self.add_instance_in(CLUSTER, display_name, status)
    }

    /// [`Fake::add_instance`] in another cluster.
    pub fn add_instance_in(&self, cluster: &str, display_name: &str, status: &str) -> String {
        let (name, _) = self.server.with(State::instance_ids);
        self.add_instance_named(cluster, &name, display_name, status);
        name
    }

    /// [`Fake::add_instance_in`] with a chosen `name` (replacing any
    /// instance with it), e.g. the spec's `instance-4ca9xxxx`.
    pub fn add_instance_named(&self, cluster: &str, name: &str, display_name: &str, status: &str) {
        let name = name.to_string();
        self.server.with(|s| {
            let (_, uid) = s.instance_ids();
            let mut value = fixtures::instance_json(&name, display_name, status);
            value["uid"] = json!(uid);
            value["Region"] = json!(cluster);
            set_status(&mut value, status);
            let countdown = s.lifecycle.countdown();
            s.instances.insert(
                name.clone(),
                Instance {
                    cluster: cluster.to_string(),
                    value,
                    countdown,
                    sku: None,
                },
            );
        });
    }

    /// An instance as the API would return it now (without counting as a
    /// read).
    pub fn instance(&self, name: &str) -> Option<neolink_api::types::Instance> {
        self.server.with(|s| {
            let value = s.instances.get(name)?.value.clone();
            serde_json::from_value(value).ok()
        })
    }

    /// An instance's status now, e.g. `Running`.
    pub fn status(&self, name: &str) -> Option<String> {
        self.server.with(|s| {
            s.instances
                .get(name)
                .and_then(|i| i.value["status"].as_str().map(str::to_string))
        })
    }

    /// The names of every instance, in every cluster.
    pub fn instance_names(&self) -> Vec<String> {
        self.server.with(|s| s.instances.keys().cloned().collect())
    }

    /// The `remainGPUCount` of a SKU.
    pub fn remaining_gpus(&self, skus_id: &str) -> Option<i64> {
        self.server.with(|s| {
            s.skus
                .iter()
                .find(|k| k["skusID"] == skus_id)
                .and_then(|k| k["remainGPUCount"].as_i64())
        })
    }

    /// Sets a SKU's stock.
    pub fn set_remaining_gpus(&self, skus_id: &str, remain: i64) {
        self.server.with(|s| {
            if let Some(sku) = s.skus.iter_mut().find(|k| k["skusID"] == skus_id) {
                sku["remainGPUCount"] = json!(remain);
            }
        });
    }
}

impl State {
    fn new(spec: Spec) -> Self {
        let mut h20 = fixtures::sku_json("2", "H20", 8);
        h20["price"] = json!(10);
        Self {
            spec,
            token: TOKEN.to_string(),
            namespace: None,
            regions: vec![fixtures::region_json(REGION_ID, "北京一区", CLUSTER)],
            skus: vec![h20, fixtures::sku_json("66", "4090", 8)],
            instances: BTreeMap::new(),
            lifecycle: Lifecycle::new(SETTLES, POLLS_TO_SETTLE),
            next: 0,
        }
    }

    fn next(&mut self) -> u64 {
        self.next += 1;
        self.next
    }

    fn uuid(&mut self) -> String {
        let n = self.next();
        format!("0b7c3e52-6f1d-4a9e-8c2b-{n:012x}")
    }

    /// A new instance's `name` (`instance-xxxxxxxx`) and `uid`.
    fn instance_ids(&mut self) -> (String, String) {
        let uid = self.uuid();
        let n = self.next;
        (format!("instance-{:08x}", 0x5e1f_0000_u64 + n), uid)
    }

    fn error(status: u16, message: impl Into<String>) -> Response {
        Response::json(status, json!({"code": status, "message": message.into()}))
    }

    /// Whether the cluster is one of a region's.
    fn has_cluster(&self, cluster: &str) -> bool {
        self.regions.iter().any(|r| r["clusterName"] == cluster)
    }

    /// The instance `name` in `cluster`, counting a read: a transitional
    /// state settles after enough of them.
    fn read(&mut self, cluster: &str, name: &str) -> Option<Value> {
        let instance = self
            .instances
            .get_mut(name)
            .filter(|i| i.cluster == cluster)?;
        tick(&self.lifecycle, instance);
        Some(instance.value.clone())
    }

    fn create(&mut self, request: &Request, cluster: &str) -> Response {
        let body = &request.body;
        let sku_id = body["Cost"]["GPUSKUID"].as_str().unwrap_or_default();
        let Some(sku) = self
            .skus
            .iter_mut()
            .find(|k| k["skusID"] == sku_id && k["clusterName"] == cluster)
        else {
            return Self::error(
                400,
                format!("GPU SKU {sku_id} does not exist in cluster {cluster}"),
            );
        };
        let gpus = sku["gpuCounts"].as_i64().unwrap_or(1);
        let remain = sku["remainGPUCount"].as_i64().unwrap_or(0);
        if remain < gpus {
            return Self::error(
                400,
                format!("insufficient stock: SKU {sku_id} has {remain} GPU(s) left"),
            );
        }
        sku["remainGPUCount"] = json!(remain - gpus);
        let gpu = sku["name"].as_str().unwrap_or_default().to_string();
        let price = sku["price"].clone();
        let (name, uid) = self.instance_ids();
        let display = body["displayName"].as_str().unwrap_or_default();
        let mut value = fixtures::instance_json(&name, display, "Creating");
        value["uid"] = json!(uid);
        value["Region"] = json!(cluster);
        value["namespace"] = body["namespace"].clone();
        value["image"] = body["image"].clone();
        value["resources"]["GPUNum"] = json!(gpus.to_string());
        value["resources"]["GPUType"] = json!(gpu);
        let cost = &body["Cost"];
        for key in ["CostType", "CostTime", "GPUSKUID", "DiskSKUID", "CouponID"] {
            value["cost"][key] = json!(cost[key].as_str().unwrap_or_default());
        }
        let annotations = &mut value["annotations"];
        annotations["neolink.ai/cost-gpu-sku-id"] = json!(sku_id);
        annotations["neolink.ai/gpu.machine"] = json!(gpu);
        annotations["neolink.ai/region"] = json!(cluster);
        annotations["neolink.ai/unit-price"] = json!(price.to_string());
        if let Some(size) = body["VolumeMount"]
            .as_array()
            .and_then(|v| v.first())
            .and_then(|v| v["Size"].as_i64())
        {
            value["volumeMounts"][1]["Size"] = json!(size);
        }
        set_status(&mut value, "Creating");
        let reply = value.clone();
        let countdown = self.lifecycle.countdown();
        self.instances.insert(
            name,
            Instance {
                cluster: cluster.to_string(),
                value,
                countdown,
                sku: Some((sku_id.to_string(), gpus)),
            },
        );
        Response::json(200, reply)
    }

    /// Power on or off: `from` the states the action accepts, into the
    /// transitional state `to`.
    fn act(&mut self, cluster: &str, name: &str, on: bool) -> Response {
        let lifecycle = &self.lifecycle;
        let Some(instance) = self
            .instances
            .get_mut(name)
            .filter(|i| i.cluster == cluster)
        else {
            return Self::error(404, format!("instance {name} not found"));
        };
        let status = instance.value["status"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        // Powering on an instance that is already starting (or off one
        // already shutting down) has nothing to do.
        if (on && status == "Starting") || (!on && status == "ShuttingDown") {
            return Response::json(200, json!("ok"));
        }
        let (allowed, next, verb) = if on {
            (status == "Shutdown", "Starting", "powered on")
        } else {
            (
                matches!(status.as_str(), "Running" | "Starting"),
                "ShuttingDown",
                "powered off",
            )
        };
        if !allowed {
            return Self::error(
                400,
                format!("instance {name} is {status}, so it cannot be {verb}"),
            );
        }
        set_status(&mut instance.value, next);
        instance.countdown = lifecycle.countdown();
        if instance.countdown.is_due() {
            tick(lifecycle, instance);
        }
        Response::json(200, json!("ok"))
    }
}

/// Counts one read: a transitional state with no reads left settles.
fn tick(lifecycle: &Lifecycle, instance: &mut Instance) {
    let status = instance.value["status"].as_str().unwrap_or_default();
    if let Some(settled) = lifecycle.poll(&mut instance.countdown, status) {
        set_status(&mut instance.value, settled);
    }
}

/// Sets the status, with what it implies: a running instance has its
/// access endpoints and pod, any other has neither (as the create reply).
fn set_status(value: &mut Value, status: &str) {
    value["status"] = json!(status);
    let Some(object) = value.as_object_mut() else {
        return;
    };
    if status == "Running" {
        let uid = object
            .get("uid")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let name = object
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        object.insert("servers".into(), fixtures::servers_json(&uid));
        object.insert(
            "Pods".into(),
            json!([{"Name": format!("{name}-6m9nv"), "Containers": [{"Name": "worker"}],
                    "nodeScheduled": "gpu-4090-03", "ip": "172.31.213.103"}]),
        );
    } else {
        object.remove("servers");
        object.remove("Pods");
    }
}

impl Service for State {
    fn handle(&mut self, request: &Request) -> Response {
        if let Some(refused) = self.authenticate(request) {
            return refused;
        }
        if let Some(required) = &self.namespace
            && request.operation_id == "createInstance"
            && request.field("namespace") != Some(required.as_str())
        {
            return Self::error(400, "the body's namespace must be your user id");
        }
        let cluster = request.path_param("clusterName").unwrap_or_default();
        if !cluster.is_empty() && !self.has_cluster(cluster) {
            return Self::error(404, format!("cluster {cluster} not found"));
        }
        let name = request
            .path_param("name")
            .or_else(|| request.query_param("name"))
            .unwrap_or_default()
            .to_string();
        match request.operation_id.as_str() {
            "listRegions" => Response::json(200, Value::Array(self.regions.clone())),
            "listComputingSkus" => {
                let region = request.query_param("region_id").unwrap_or_default();
                let skus: Vec<Value> = self
                    .skus
                    .iter()
                    .filter(|k| k["regionID"] == region)
                    .cloned()
                    .collect();
                Response::json(200, Value::Array(skus))
            }
            "listInstances" => {
                let names: Vec<String> = self
                    .instances
                    .iter()
                    .filter(|(_, i)| i.cluster == cluster)
                    .map(|(n, _)| n.clone())
                    .collect();
                let nodes: Vec<Value> =
                    names.iter().filter_map(|n| self.read(cluster, n)).collect();
                Response::json(
                    200,
                    json!({"hasNextPage": false, "totalCount": nodes.len(), "nodes": nodes}),
                )
            }
            "createInstance" => self.create(request, cluster),
            "getInstance" => match self.read(cluster, &name) {
                Some(value) => Response::json(200, value),
                None => Self::error(404, format!("instance {name} not found")),
            },
            "powerOnInstance" => self.act(cluster, &name, true),
            "powerOffInstance" => {
                let body = &request.body;
                if body["needSnapshot"] == json!(true) && body["imageName"].as_str().is_none() {
                    return Self::error(400, "imageName is required when needSnapshot is true");
                }
                self.act(cluster, &name, false)
            }
            "deleteInstance" => match self.instances.get(&name).filter(|i| i.cluster == cluster) {
                None => Self::error(404, format!("instance {name} not found")),
                Some(_) => {
                    if let Some(Instance {
                        sku: Some((sku, gpus)),
                        ..
                    }) = self.instances.remove(&name)
                        && let Some(k) = self.skus.iter_mut().find(|k| k["skusID"] == sku)
                    {
                        let remain = k["remainGPUCount"].as_i64().unwrap_or(0);
                        k["remainGPUCount"] = json!(remain + gpus);
                    }
                    Response::json(200, json!("ok"))
                }
            },
            // An operation added to the spec and not modelled here: the
            // spec's own example, so it is answered in its documented shape.
            other => Response::example(&self.spec, other)
                .unwrap_or_else(|| Self::error(404, format!("no operation {other}"))),
        }
    }

    fn invalid(&mut self, request: &Request, problem: &str) -> Response {
        // The credentials are checked before the request itself.
        self.authenticate(request)
            .unwrap_or_else(|| Self::error(400, problem))
    }

    cloud_fake::lifecycle_hooks! {
        lifecycle: lifecycle,
        resources: instances,
        tick: tick,
        named: emulator::NAMED,
    }
}
impl State {
    /// The answer to a request with a missing or wrong token, or (when
    /// required) namespace header; `None` when both are right.
    fn authenticate(&self, request: &Request) -> Option<Response> {
        match request.bearer_token() {
            Some(token) if token == self.token => {}
            Some(_) => return Some(Self::error(401, "invalid token")),
            None => return Some(Self::error(401, "missing authorization header")),
        }
        let required = self.namespace.as_ref()?;
        match request.header("namespace") {
            Some(ns) if ns == required => None,
            Some(ns) => Some(Self::error(403, format!("namespace {ns} is not yours"))),
            None => Some(Self::error(403, "missing namespace header")),
        }
    }
}

/// Typed values in the shapes the API returns, built from the spec's
/// examples: for tests that need a [`neolink_api::types::Instance`] or
/// [`neolink_api::types::ComputingSku`] without writing JSON.
///
/// ```
/// use neolink_fake::fixtures;
/// let instance = fixtures::instance("instance-4ca9xxxx", "trainer", "Running");
/// assert_eq!(instance.name, "instance-4ca9xxxx");
/// assert_eq!(instance.status.as_deref(), Some("Running"));
/// assert!(instance.servers.is_some(), "a running instance has its endpoints");
/// ```
pub mod fixtures {
    use serde_json::{Value, json};

    use neolink_api::types;

    /// An instance `name` (`instance-…`) with this display name and status;
    /// a `Running` one has its SSH and Jupyter endpoints, as the API
    /// reports them.
    pub fn instance(name: &str, display_name: &str, status: &str) -> types::Instance {
        let mut value = instance_json(name, display_name, status);
        super::set_status(&mut value, status);
        typed(value)
    }

    /// A region with its id, display name (`北京一区`) and cluster.
    pub fn region(id: &str, name: &str, cluster: &str) -> types::Region {
        typed(region_json(id, name, cluster))
    }

    /// A pay-as-you-go SKU of one `gpu` (`4090`, `H20`) with its `skusID`
    /// and `remain` GPUs in stock, in the region of the spec's example.
    pub fn sku(skus_id: &str, gpu: &str, remain: i64) -> types::ComputingSku {
        typed(sku_json(skus_id, gpu, remain))
    }

    /// A page of instances, as `listInstances` returns it.
    pub fn instance_list(nodes: Vec<types::Instance>) -> types::InstanceList {
        // Through JSON: outside its crate a generated type is built from
        // its wire form (its fields are `non_exhaustive`).
        let total_count = nodes.len();
        typed(json!({"hasNextPage": false, "totalCount": total_count, "nodes": nodes}))
    }

    /// The fixtures are the spec's own examples with a few fields
    /// replaced by strings, so they always read as the generated types;
    /// the fake's drift guard and these docs' tests check it.
    fn typed<T: serde::de::DeserializeOwned>(value: Value) -> T {
        match serde_json::from_value(value) {
            Ok(typed) => typed,
            Err(e) => unreachable!("a fixture no longer matches the spec: {e}"),
        }
    }

    pub(super) fn region_json(id: &str, name: &str, cluster: &str) -> Value {
        json!({
            "id": id, "region": name, "clusterName": cluster,
            "harborAddr": "images.neolink-ai.com",
            "howlerID": "69e377a7-99d1-cca0-ef58-cfce14a336b2",
            "createdAt": "2024-07-15T12:00:23.227+08:00",
            "updatedAt": "2024-07-15T12:00:23.227+08:00"
        })
    }

    pub(super) fn sku_json(skus_id: &str, gpu: &str, remain: i64) -> Value {
        json!({
            "name": gpu, "regionID": super::REGION_ID, "cpuArch": "x86-64",
            "cpuSeries": "Inter Xeon", "cpucores": 24, "memoryCount": 192,
            "cpuVendor": "Inter", "gpuSeries": gpu, "gpuProduct": gpu,
            "gpuResourceKey": format!("nvidia.com/gpu-{}", gpu.to_lowercase()),
            "gpuCounts": 1, "gpuMemory": 96, "systemstorage": 30, "datastorage": 50,
            "skusID": skus_id, "regionName": "北京一区", "clusterName": super::CLUSTER,
            "sellingType": "1", "ratio": 0.48, "discountID": "10000",
            "discountStartTime": "2024-08-15T15:26:38+08:00",
            "discountEndTime": "2024-10-01T00:05:00+08:00",
            "price": 2.5, "remainGPUCount": remain
        })
    }

    pub(super) fn servers_json(uid: &str) -> Value {
        json!({
            "Jupyterlab": format!("http://{uid}.gw.neolink-ai.com/jupyter?token=23a7676a0d18451dee9c08c3649a8288"),
            "Tensorboard": format!("http://{uid}.gw.neolink-ai.com/monitor"),
            "SSH": {
                "sshAddr": format!("ssh -p30379 root@{uid}.gws.neolink-ai.com"),
                "sshPassword": "RuRbjZLWklIC"
            }
        })
    }

    pub(super) fn instance_json(name: &str, display_name: &str, status: &str) -> Value {
        json!({
            "name": name, "namespace": "xxx", "Region": super::CLUSTER,
            "displayName": display_name, "description": "",
            "annotations": {
                "neolink.ai/cost-coupon-id": "", "neolink.ai/cost-discount-id": "",
                "neolink.ai/cost-disk-sku-id": "1", "neolink.ai/cost-gpu-sku-id": "66",
                "neolink.ai/cost-order-id": "cf4c99ff-cf7f-4c86-8f15-87cf5fb2ba14",
                "neolink.ai/cost-time": "", "neolink.ai/cost-type": "1",
                "neolink.ai/description": "", "neolink.ai/display-name": display_name,
                "neolink.ai/gpu.machine": "4090", "neolink.ai/gpu.resource.key": "nvidia.com/gpu-4090",
                "neolink.ai/region": super::CLUSTER, "neolink.ai/unit-price": "250"
            },
            "uid": "a7d2cbab-591d-4482-95ea-2df994ed1b22",
            "image": "images.neolink-ai.com/matrixdc/tensorflow:2.15.0-python3.10-cuda12.1.0-cudnn8-devel-ubuntu22.04",
            "replicas": 1,
            "resources": {"cpu": "16", "memory": "96Gi", "GPUNum": "1", "GPUType": "4090"},
            "volumeMounts": [
                {"PathInContainer": "/", "Type": "local-filesystem", "Size": 30, "PVCName": "",
                 "displayName": "系统盘", "filesystemType": "system"},
                {"PathInContainer": "/root/data", "Type": "shared-filesystem", "Size": 50,
                 "PVCName": "volume-ed087526", "displayName": "磁盘-volume-ed087526",
                 "filesystemType": "data"}
            ],
            "creationTimestamp": "2024-09-02T22:15:13+08:00",
            "updateTimestamp": "0001-01-01T00:00:00Z",
            "ScheduleStopTimestamp": "0001-01-01T00:00:00Z",
            "status": status,
            "cost": {"CostType": "1", "CostTime": "", "DiscountID": "", "GPUSKUID": "66",
                     "DiskSKUID": "1", "CouponID": ""}
        })
    }
}

#[cfg(test)]
mod tests {
    use cloud_common::InstanceState;

    /// The fake's lifecycle and the client's `STATES` agree: each
    /// transitional status is one the client reads as on its way, and it
    /// settles into one the client reads as arrived.
    #[test]
    fn the_lifecycle_moves_between_states_the_client_knows() {
        for (from, to) in super::SETTLES {
            let from_state = cloud_common::lookup_state(neolink_api::STATES, from);
            let to_state = cloud_common::lookup_state(neolink_api::STATES, to);
            assert!(
                matches!(
                    from_state,
                    InstanceState::Creating | InstanceState::Starting | InstanceState::Stopping
                ),
                "{from} is {from_state:?}"
            );
            assert!(
                matches!(to_state, InstanceState::Running | InstanceState::Stopped),
                "{to} is {to_state:?}"
            );
        }
    }
}
