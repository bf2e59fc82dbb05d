//! A stateful, in-process fake of the TensorDock marketplace API v0
//! (feature `v0`), for testing code that uses `tensordock-api` without the
//! cloud.
//!
//! [`Fake::start`] serves `specs/tensordock.yaml` on a free loopback port.
//! Every request is routed and checked against the spec (a deploy without
//! `gpu_model`, or with `vcpus=four`, is rejected naming the field), the
//! `api_key`/`api_token` form fields are checked on every call but the
//! public hostnode reads, and the fake keeps state:
//!
//! - hostnodes with GPU, vCPU, RAM and storage stock and prices: a deploy
//!   takes from the stock (and fails when there is not enough, or for a
//!   GPU model or an external port the hostnode lacks: see
//!   [`Fake::add_gpu_model`] and [`Fake::open_ports`]), a delete gives it
//!   back, and a stop with `disassociate_resources=true` releases the GPUs;
//! - VMs that deploy as `Deploying` and become `Running` after a few reads,
//!   go `Stopping` → `Stopped` (or `StoppedDisassociated`) and `Starting` →
//!   `Running`; a start of a running VM fails with HTTP 500 and
//!   `"Machine is running, therefore it cannot be started"`, as the service
//!   answers, and a stop of a stopped one likewise;
//! - the balance, which goes down as VMs run (compute and storage) or sit
//!   stopped (storage only), in real time and by [`Fake::advance`];
//! - a ledger of those charges, dated by the fake's clock ([`Fake::clock`]),
//!   from which the host revenue report (`getRevenue`: a row for each
//!   hostnode the account hosts, see [`Fake::set_hosted`], filtered by
//!   `hostnode_id` and the `start_timestamp`–`end_timestamp` window) and
//!   the monthly statement of any `period` (its charges as expenses, those
//!   on hosted hostnodes as payouts, the balance at its start and end) are
//!   computed;
//! - hostnode lists filtered as asked (`minGPUCount` ... `requiresGTX`),
//!   reserved hostnodes only to the account's key pair
//!   ([`Fake::set_reserved`]);
//! - container deployments with replica counts, spot bids checked against
//!   the hostnode's prices.
//!
//! The fake also accepts what the `tensordock` Python SDK sends where the
//! spec documents otherwise, since nothing shows the service refuses it:
//! booleans spelled `True`/`False`, the credentials of a GET in its query
//! string, and a container deploy sent as a form.
//!
//! Errors have v0's shape, `{"success": false, "error": "<message>"}`, with
//! a non-2xx status. The texts of the state conflicts are the service's;
//! the others (wrong credentials, no stock) are not documented, so the fake
//! words them plainly.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use tensordock_api::ClientConfig;
//! use tensordock_api::v0::TensorDock;
//! use tensordock_fake::v0::{API_KEY, API_TOKEN, Fake};
//!
//! let fake = Fake::start().await?;
//! let vm = fake.add_vm("trainer", "Running");
//! let td = TensorDock::with_config(ClientConfig::new(fake.base_url()), (API_KEY, API_TOKEN))?;
//! let err = td.start_instance(&vm).await.unwrap_err();
//! assert_eq!(err.message(), "Machine is running, therefore it cannot be started");
//! # Ok(()) }
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cloud_fake::{Countdown, Lifecycle, Spec};

use crate::account;
use crate::meter::Meter;
use serde_json::{Value, json};

pub use cloud_fake::{FakeError, Fault, Received};

mod billing;
mod emulator;
pub mod fixtures;
mod service;

/// The spec the fake speaks.
const SPEC: &str = include_str!("../../spec/tensordock.yaml");

/// The `api_key` a fresh fake accepts.
pub const API_KEY: &str = "11111111-2222-3333-4444-555555555555";

/// The `api_token` a fresh fake accepts.
pub const API_TOKEN: &str = "66666666-7777-8888-9999-000000000000";

/// The hostnode a fresh fake holds: four RTX 4090s in Chubbuck, Idaho.
pub const HOSTNODE: &str = "02c65d45-6da5-4232-a8db-ee0e5bc76110";

/// The GPU model of [`HOSTNODE`].
pub const GPU_MODEL: &str = "geforcertx4090-pcie-24gb";

/// The balance (USD) of a fresh fake.
pub const BALANCE: f64 = 100.0;

/// How many reads a transitional state (`Deploying`, `Starting`,
/// `Stopping`) lasts, unless changed with [`Fake::set_polls_to_settle`].
pub const POLLS_TO_SETTLE: u32 = 2;

/// Each transitional status and the one it settles into; a stop that
/// released the VM's GPUs ends `StoppedDisassociated` instead.
const SETTLES: &[(&str, &str)] = &[
    ("Deploying", "Running"),
    ("Starting", "Running"),
    ("Stopping", "Stopped"),
];

cloud_fake::fake_handle! {
    /// A running TensorDock v0 fake; it stops when dropped. See the [module
    /// docs](self).
    pub struct Fake(State);
    make: Spec::parse(SPEC).map(|spec| (spec.clone(), State::new(spec)));
    start_doc: "Starts a fake holding [`HOSTNODE`] (4 × [`GPU_MODEL`], 32 vCPUs, 128 GB RAM, 2000 GB storage), no VMs, and a balance of [`BALANCE`].";
}

struct State {
    spec: Spec,
    key: String,
    token: String,
    hostnodes: BTreeMap<String, Value>,
    vms: BTreeMap<String, Vm>,
    /// Ids of deleted VMs: deleting one again is "already terminated".
    deleted: BTreeSet<String>,
    containers: BTreeMap<String, i64>,
    balance: f64,
    /// The clock billing runs on.
    meter: Meter,
    /// What was charged, when: the source of revenue and statements.
    ledger: billing::Ledger,
    /// The hostnodes the account hosts (see [`Fake::set_hosted`]).
    hosted: BTreeSet<String>,
    lifecycle: Lifecycle,
    next: u64,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Vm {
    value: Value,
    hostnode: String,
    gpu_model: String,
    gpus: i64,
    vcpus: i64,
    ram: i64,
    storage: i64,
    /// Whether the VM holds its GPUs (not after a disassociating stop).
    holds_gpus: bool,
    /// Whether it holds any stock at all (seeded VMs do not).
    holds_stock: bool,
    countdown: Countdown,
}

impl Fake {
    /// Accepts only this key pair from now on.
    pub fn set_credentials(&self, api_key: &str, api_token: &str) {
        let (key, token) = (api_key.to_string(), api_token.to_string());
        self.server.with(|s| {
            s.key = key;
            s.token = token;
        });
    }

    /// How many reads a transitional state lasts (0 settles at once).
    pub fn set_polls_to_settle(&self, polls: u32) {
        self.server.with(|s| s.lifecycle.set_polls(polls));
    }

    /// Adds a hostnode with `gpus` GPUs of `gpu_model` at `gpu_price` USD
    /// per GPU-hour (and 32 vCPUs, 128 GB RAM, 2000 GB storage, ports
    /// 20000–20009); returns its UUID.
    pub fn add_hostnode(&self, gpu_model: &str, gpus: i64, gpu_price: f64) -> String {
        self.server.with(|s| {
            let id = s.uuid();
            s.hostnodes.insert(
                id.clone(),
                fixtures::hostnode_json(gpu_model, gpus, gpu_price),
            );
            id
        })
    }

    /// Adds `gpus` GPUs of another `gpu_model` (`vram` GB each, at
    /// `gpu_price` USD per GPU-hour) to a hostnode, which then offers
    /// both models (replacing what it had of that model).
    pub fn add_gpu_model(
        &self,
        hostnode: &str,
        gpu_model: &str,
        gpus: i64,
        gpu_price: f64,
        vram: i64,
    ) {
        self.server.with(|s| {
            if let Some(h) = s.hostnodes.get_mut(hostnode) {
                h["specs"]["gpu"][gpu_model] = fixtures::gpu_json(gpu_model, gpus, gpu_price, vram);
            }
        });
    }

    /// Opens more external ports on a hostnode (`networking.ports`), which
    /// a deploy may then forward.
    pub fn open_ports(&self, hostnode: &str, ports: &[i64]) {
        self.server.with(|s| {
            if let Some(open) = s
                .hostnodes
                .get_mut(hostnode)
                .and_then(|h| h["networking"]["ports"].as_array_mut())
            {
                for port in ports {
                    if !open.contains(&json!(port)) {
                        open.push(json!(port));
                    }
                }
            }
        });
    }

    /// Adds a VM named `name` on [`HOSTNODE`] with `status` (`Running`,
    /// `Stopped`, ...), one [`GPU_MODEL`] and taking no stock; returns its
    /// UUID.
    pub fn add_vm(&self, name: &str, status: &str) -> String {
        let id = self.server.with(State::uuid);
        self.add_vm_with_id(&id, name, status);
        id
    }

    /// [`Fake::add_vm`] with a chosen UUID (replacing any VM with it).
    pub fn add_vm_with_id(&self, id: &str, name: &str, status: &str) {
        let id = id.to_string();
        self.server.with(|s| {
            let mut value = fixtures::vm_json(name, status);
            value["hostnode"] = json!(HOSTNODE);
            let countdown = s.lifecycle.countdown();
            s.vms.insert(
                id.clone(),
                Vm {
                    value,
                    hostnode: HOSTNODE.to_string(),
                    gpu_model: GPU_MODEL.to_string(),
                    gpus: 1,
                    vcpus: 8,
                    ram: 32,
                    storage: 100,
                    holds_gpus: !status.eq_ignore_ascii_case("StoppedDisassociated"),
                    holds_stock: false,
                    countdown,
                },
            );
        });
    }

    /// A VM as `getVm` would return it now (without counting as a read).
    pub fn vm(&self, id: &str) -> Option<tensordock_api::v0::types::VirtualMachine> {
        self.server.with(|s| account::typed(s, id))
    }

    /// A VM's status now, e.g. `Running`.
    pub fn status(&self, id: &str) -> Option<String> {
        self.server.with(|s| account::status(s, id))
    }

    /// The UUIDs of every VM.
    pub fn vm_ids(&self) -> Vec<String> {
        self.server.with(|s| account::ids(s))
    }

    /// Adds a container deployment with a chosen id and replica count
    /// (replacing any with that id), as `deployContainer` would.
    pub fn add_container_with_id(&self, id: &str, replicas: i64) {
        self.server.with(|s| {
            s.containers.insert(id.to_string(), replicas);
        });
    }

    /// The ids of every container deployment.
    pub fn container_ids(&self) -> Vec<String> {
        self.server.with(|s| s.containers.keys().cloned().collect())
    }

    /// GPUs of `gpu_model` still available on a hostnode.
    pub fn gpus_available(&self, hostnode: &str, gpu_model: &str) -> Option<i64> {
        self.server
            .with(|s| s.hostnodes.get(hostnode)?["specs"]["gpu"][gpu_model]["amount"].as_i64())
    }

    /// Sets the GPUs of `gpu_model` available on a hostnode.
    pub fn set_gpus_available(&self, hostnode: &str, gpu_model: &str, amount: i64) {
        self.server.with(|s| {
            if let Some(h) = s.hostnodes.get_mut(hostnode) {
                h["specs"]["gpu"][gpu_model]["amount"] = json!(amount);
            }
        });
    }

    /// The balance now (USD), after charging the time since the last call.
    pub fn balance(&self) -> f64 {
        self.server.with(account::balance)
    }

    /// Sets the balance (USD), as a deposit or withdrawal would: the
    /// statements of earlier months keep their balances.
    pub fn set_balance(&self, balance: f64) {
        self.server.with(|s| s.set_balance(balance));
    }

    /// Lets `time` pass for billing: every VM is charged for it at once,
    /// and the fake's clock ([`Fake::clock`]), by which revenue and
    /// statements are dated, moves on by it.
    pub fn advance(&self, time: Duration) {
        self.server.with(|s| account::advance(s, time));
    }

    /// The fake's clock: real time plus what [`Fake::advance`] added. The
    /// ledger behind `getRevenue` and `getMonthlySummary` is dated by it.
    pub fn clock(&self) -> SystemTime {
        let us = self.server.with(|s| s.meter.now());
        UNIX_EPOCH + Duration::from_micros(u64::try_from(us).unwrap_or(0))
    }

    /// Makes a hostnode one the account hosts (`hosted`), or not: the
    /// charges of the VMs on it are its revenue (`getRevenue` has a row for
    /// each hosted hostnode) and the account's payouts in its monthly
    /// statements. A fresh fake hosts none.
    pub fn set_hosted(&self, hostnode: &str, hosted: bool) {
        let hostnode = hostnode.to_string();
        self.server.with(|s| {
            if hosted {
                s.hosted.insert(hostnode);
            } else {
                s.hosted.remove(&hostnode);
            }
        });
    }

    /// Makes a hostnode reserved for the account (`status.reserved`), or
    /// not: `listHostnodes` lists a reserved hostnode only to a request
    /// that carries the account's key pair in its query.
    pub fn set_reserved(&self, hostnode: &str, reserved: bool) {
        self.server.with(|s| {
            if let Some(h) = s.hostnodes.get_mut(hostnode) {
                h["status"]["reserved"] = json!(reserved);
            }
        });
    }
}

crate::account::impl_account!(State, Vm, vms);

#[cfg(test)]
mod tests {
    #[test]
    fn the_lifecycle_moves_between_states_the_client_knows() {
        crate::assert_lifecycle_matches(super::SETTLES, tensordock_api::v0::STATES);
        // What a stop that released the GPUs settles into instead.
        let disassociated =
            cloud_common::lookup_state(tensordock_api::v0::STATES, "StoppedDisassociated");
        assert_eq!(disassociated, cloud_common::InstanceState::Stopped);
    }
}
