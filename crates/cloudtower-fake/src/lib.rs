#![doc = include_str!("../README.md")]
//! A stateful fake CloudTower for tests: an in-process HTTP server on a
//! free loopback port that speaks CloudTower's wire format as the packaged
//! spec describes it, and remembers.
//!
//! - `POST /login` returns a token at `data.token`; every other call must
//!   carry it raw in `Authorization`, or gets a 401 `ErrorBody`.
//! - Every request is checked against the spec (body schema, headers)
//!   first; one the real service would reject gets a 400 `ErrorBody`
//!   naming what was wrong.
//! - Reads (`get-vms`, `get-hosts`, ... every `get-*` of the spec that
//!   answers an array) list a collection of JSON records named after the
//!   item schema (`Vm`, `Host`, ...), filtered by the `where` input
//!   (`id`, `name_in`, `name_contains`, `vcpu_gt`, nested `cluster: {..}`,
//!   `AND`/`OR`/`NOT`, ...) and paged (`orderBy`, `first`, `skip`, `after`,
//!   `before`, `last`); `*-connection` reads count.
//! - Mutations (`create-*`, `delete-*`, `update-*`, power operations,
//!   anything answering `WithTask_*`) start one task per resource, which
//!   goes `PENDING` → `EXECUTING` → `SUCCESSED` over polls of `get-tasks`
//!   (or `FAILED`, see [`Fake::fail_next_task`]); the change shows when the
//!   task has succeeded. A resource with a running task is locked (400,
//!   `code: ResourceLocked`). Starting a running VM or stopping a stopped
//!   one is refused with a 400 naming the VM.
//! - Records are made and related the way CloudTower relates them: a
//!   created VM gets its cluster and host from `cluster_id`/`host_id`
//!   (which must exist), its disks (`get-vm-disks`, `get-vm-volumes`) from
//!   `vm_disks` (changed by `add-`/`remove-vm-disk`, `-cd-rom`, `-nic` and
//!   `expand-vm-disk`), and a clone or a VM from a template or snapshot takes its
//!   source's configuration; a snapshot freezes its VM's disks and adds the
//!   iSCSI LUN snapshots that hold them; deleting a VM removes its disks
//!   (and, with `include_snapshots`, its snapshots).
//! - `content-language: zh-CN` answers messages (errors, alerts seeded
//!   with [`Fake::add_alert`]) in Chinese; anything else in English.
//! - Any other operation is answered with a value of its response schema
//!   built from the spec's examples.
//!
//! The fake's wording of messages is its own (CloudTower's documents do
//! not list them): match on status, `code` and the names in them.
//!
//! Seed it with [`Fake::add_vm`] and its siblings, [`Fake::insert`] (any
//! record of the spec), [`Fake::create`] (a record from a creation input)
//! or [`Fake::add_examples`] (the spec's example records); inspect it with
//! [`Fake::vms`], [`Fake::tasks`], [`Fake::records`] and
//! [`Fake::received`]; fail what you want with [`Fake::fail_next_task`]
//! and [`Fake::inject`]. [`fixtures`] builds typed values without a
//! server.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use cloudtower_api::{CloudTower, UserSource};
//! use cloudtower_fake::{self as fake, Fake};
//! use cloudtower_api::types::{VmStatus, VmWhereInput};
//!
//! let fake = Fake::start().await?;
//! let web = fake.add_vm("web-01", VmStatus::Stopped);
//! let ct = CloudTower::login(fake.base_url(), fake::DEFAULT_USERNAME, fake::DEFAULT_PASSWORD, UserSource::Local)
//!     .await?
//!     .with_task_wait(cloudtower_api::TaskWait::new().interval(fake::FAST_POLL));
//! let started = ct.start_vm(VmWhereInput::by_id(&web)).await?;
//! ct.wait(&started).await?;
//! assert_eq!(ct.instance(&web).await?.status, VmStatus::Running);
//! # Ok(()) }
//! ```

pub mod drift;
mod filter;
pub mod fixtures;
mod messages;
mod official;
mod paging;
mod service;
mod spec;
mod store;
mod tasks;
mod words;

#[cfg(test)]
mod tests;

use serde_json::Value;

pub use cloud_fake::{FakeError, Fault, Received};
pub use service::{CloudTowerService, DEFAULT_PASSWORD, DEFAULT_USERNAME};

/// The CloudTower spec this fake serves (its packaged copy of
/// `specs/cloudtower.yaml`), parsed once per process and shared with every
/// fake started in it: a program that reads the spec itself (`fleet`'s
/// per-operation commands) need not embed and parse a second copy. Only
/// the parse: what a fake derives from it is built when one starts.
///
/// # Errors
/// Only if the packaged spec does not parse, a build defect.
pub fn spec() -> Result<&'static cloud_spec::Spec, String> {
    spec::document().map(|spec| &**spec)
}

use cloudtower_api::{ClientConfig, CloudTower, Error, TaskWait, types};

/// How often the clients [`Fake::client`] makes poll tasks.
pub const FAST_POLL: std::time::Duration = std::time::Duration::from_millis(10);

cloud_fake::fake_handle! {
    /// A running fake CloudTower (see the [crate docs](self)). It stops when
    /// dropped.
    pub struct Fake(CloudTowerService);
    make: spec::shared().map_err(FakeError::Spec).and_then(|spec| {
        Ok((spec.transport(), CloudTowerService::new().map_err(FakeError::Spec)?))
    });
    start_doc: "Starts a fake with nothing in it; its `base_url()` is `http://127.0.0.1:<port>/v2/api`.";
}

impl Fake {
    /// A token for [`DEFAULT_USERNAME`], valid without logging in.
    pub fn token(&self) -> String {
        self.with(CloudTowerService::issue_token)
    }

    /// Accepts `token` (an API key, a token a test hard-codes) as
    /// [`DEFAULT_USERNAME`]'s.
    pub fn add_token(&self, token: &str) {
        self.with(|s| s.add_token(token));
    }

    /// A client of this fake, holding a [`Fake::token`], with `config`'s
    /// settings (retries, timeouts) and the fake's base URL. It polls
    /// tasks every [`FAST_POLL`]: the fake's tasks finish in polls, not in
    /// time, so waiting longer only slows tests down.
    pub fn client_with(&self, config: ClientConfig) -> Result<CloudTower, Error> {
        let config = config.with_base_url(self.base_url());
        let client = CloudTower::with_config(config, self.token())?;
        Ok(client.with_task_wait(TaskWait::new().interval(FAST_POLL)))
    }

    /// A client of this fake holding a [`Fake::token`] (see
    /// [`Fake::client_with`]).
    pub fn client(&self) -> Result<CloudTower, Error> {
        self.client_with(ClientConfig::new(self.base_url()))
    }

    /// Runs CloudTower `release` from now on: `GET /get-version` answers
    /// it, and every operation the spec records as newer than it
    /// (`x-cloudtower-since`) is answered 404, as that release answers a
    /// path it does not have. Unpinned, the fake runs the spec's release
    /// (4.6.0) and serves everything.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use cloudtower_api::{ErrorKind, VersionTooOld};
    /// let fake = cloudtower_fake::Fake::start().await?;
    /// fake.pin_version("4.3.0".parse()?);
    /// let ct = fake.client()?.with_version_check(true);
    /// assert_eq!(ct.server_version().await?.to_string(), "4.3.0");
    /// let err = ct.get_ntp_service_url().await.unwrap_err(); // since 4.5.0
    /// assert_eq!(err.kind(), ErrorKind::Unsupported);
    /// assert_eq!(VersionTooOld::of(&err).unwrap().since.to_string(), "4.5.0");
    /// # Ok(()) }
    /// ```
    pub fn pin_version(&self, release: cloudtower_api::Version) {
        self.with(|s| s.pin_version(release));
    }

    /// Runs `f` on the fake's state, with requests held off meanwhile.
    pub fn with<R>(&self, f: impl FnOnce(&mut CloudTowerService) -> R) -> R {
        self.server.with(f)
    }

    /// Adds a user that can log in.
    pub fn add_user(&self, username: &str, password: &str) {
        self.with(|s| s.add_user(username, password));
    }

    /// Adds a cluster; returns its id.
    pub fn add_cluster(&self, name: &str) -> String {
        self.with(|s| s.add_cluster(name))
    }

    /// Adds a host to a cluster; returns its id.
    pub fn add_host(&self, cluster_id: &str, name: &str) -> String {
        self.with(|s| s.add_host(cluster_id, name))
    }

    /// Adds a VM on the first host (making a cluster `cluster-01` and a
    /// host `node-01` when there is none); returns its id.
    pub fn add_vm(&self, name: &str, status: types::VmStatus) -> String {
        self.with(|s| s.add_vm(name, status.as_str()))
    }

    /// Adds a VM on a host; returns its id.
    pub fn add_vm_on(&self, host_id: &str, name: &str, status: types::VmStatus) -> String {
        self.with(|s| s.add_vm_on(host_id, name, status.as_str()))
    }

    /// [`Fake::add_vm_on`] with a chosen id (replacing any VM with it),
    /// e.g. one the spec's examples name.
    pub fn add_vm_with_id(&self, host_id: &str, id: &str, name: &str, status: types::VmStatus) {
        self.with(|s| s.add_vm_with_id(host_id, id, name, status.as_str()))
    }

    /// Adds a GPU device of `model` to a host, ready for passthrough and
    /// assigned to no VM; returns its id. `get-gpu-devices` lists it with
    /// the VMs it is passed through to in `vms` (from the VMs'
    /// `gpu_devices`: `add-vm-gpu-device` assigns it, `remove-vm-gpu-device`
    /// or deleting the VM frees it).
    pub fn add_gpu_device(&self, host_id: &str, model: &str) -> String {
        self.with(|s| s.add_gpu_device(host_id, model))
    }

    /// Adds a physical disk to a host; returns its id.
    pub fn add_disk(&self, host_id: &str, name: &str) -> String {
        self.with(|s| s.add_disk(host_id, name))
    }

    /// Adds an open alert (`severity`: `CRITICAL`, `NOTICE`, `INFO`) with
    /// its message in English and in Chinese; returns its id.
    pub fn add_alert(&self, severity: &str, message_en: &str, message_zh: &str) -> String {
        self.with(|s| s.add_alert(severity, message_en, message_zh))
    }

    /// Adds a snapshot of a VM; returns its id.
    pub fn add_vm_snapshot(&self, vm_id: &str, name: &str) -> String {
        self.with(|s| s.add_vm_snapshot(vm_id, name))
    }

    /// Adds a record built from a creation input, as a create operation's
    /// finished task would: a `Vm` from a `create-vm` element
    /// (`cluster_id`, `host_id`, `cpu_cores`, `memory` with `memory_unit`,
    /// `vm_disks`, `status`, ...), a `VmSnapshot` from `vm_id` and `name`.
    /// Returns its id, or why the input makes none (an unknown
    /// `cluster_id`, ...).
    pub fn create(&self, collection: &str, input: Value) -> Result<String, String> {
        self.with(|s| s.create(collection, input))
    }

    /// Adds any record to a collection named after its schema (`Vm`,
    /// `Host`, `VmTemplate`, ...): a typed value (see [`fixtures`]) or
    /// JSON, completed from the spec's examples. Returns its id.
    pub fn insert(&self, collection: &str, record: impl serde::Serialize) -> String {
        let record = serde_json::to_value(record).unwrap_or(Value::Null);
        self.with(|s| s.insert(collection, record))
    }

    /// Adds the records of the spec's examples (the VMs `web-01` and
    /// `web-02`, their cluster and host, tasks, alerts, snapshots, ...):
    /// a populated CloudTower for demos and smoke tests.
    pub fn add_examples(&self) {
        self.with(CloudTowerService::add_examples);
    }

    /// Adds every record the request example of a create in the spec
    /// names by id (`cluster_id`, `zone_topo_id`, ...) and the fake lacks,
    /// so that every example of the spec can be sent as written.
    pub fn add_referenced_by_examples(&self) {
        self.with(CloudTowerService::add_referenced_by_examples);
    }

    /// Makes the next task of `operation` (`StartVm`, ...; any operation
    /// for `None`) fail with `message` as its `error_message`.
    pub fn fail_next_task(&self, operation: Option<&str>, message: &str) {
        self.with(|s| s.fail_next_task(operation, message));
    }

    /// How many polls of `get-tasks` a task takes to finish (2 by default).
    pub fn set_task_polls(&self, polls: u32) {
        self.with(|s| s.set_task_polls(polls));
    }

    /// Finishes every running task now.
    pub fn finish_tasks(&self) {
        self.with(CloudTowerService::finish_tasks);
    }

    /// The records of a collection, as JSON.
    pub fn records(&self, collection: &str) -> Vec<Value> {
        self.with(|s| s.records(collection))
    }

    /// Every VM.
    pub fn vms(&self) -> Vec<types::Vm> {
        self.typed("Vm")
    }

    /// Every task.
    pub fn tasks(&self) -> Vec<types::Task> {
        self.typed("Task")
    }

    /// Every host.
    pub fn hosts(&self) -> Vec<types::Host> {
        self.typed("Host")
    }

    /// Every cluster.
    pub fn clusters(&self) -> Vec<types::Cluster> {
        self.typed("Cluster")
    }

    fn typed<T: serde::de::DeserializeOwned>(&self, collection: &str) -> Vec<T> {
        self.records(collection)
            .into_iter()
            .filter_map(|r| serde_json::from_value(r).ok())
            .collect()
    }
}
