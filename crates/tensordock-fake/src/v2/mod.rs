//! A stateful, in-process fake of the TensorDock API v2 (feature `v2`),
//! for testing code that uses `tensordock-api` without the cloud.
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
//! use tensordock_fake::v2::{Fake, TOKEN};
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

use cloud_fake::{Countdown, Lifecycle, Spec};
use serde_json::{Value, json};

pub use cloud_fake::{FakeError, Fault, Received};

mod emulator;
pub mod fixtures;
mod service;

use crate::account;
use crate::meter::Meter;
use service::{gpu_entry, gpu_entry_mut};

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

/// Each transitional status and the one it settles into.
const SETTLES: &[(&str, &str)] = &[("starting", "running"), ("stopping", "Stopped")];

cloud_fake::fake_handle! {
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
    /// The clock billing runs on.
    meter: Meter,
    /// When each request of the last minute came.
    window: VecDeque<Instant>,
    rate_limit: Option<usize>,
    lifecycle: Lifecycle,
    next: u64,
}

#[derive(serde::Serialize, serde::Deserialize)]
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
    countdown: Countdown,
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
        self.server.with(|s| s.lifecycle.set_polls(polls));
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
            let countdown = s.lifecycle.countdown();
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
                    countdown,
                },
            );
        });
    }

    /// An instance as `getInstance` would return it now (without counting
    /// as a read).
    pub fn instance(&self, id: &str) -> Option<tensordock_api::v2::types::Instance> {
        self.server.with(|s| account::typed(s, id))
    }

    /// An instance's status now, e.g. `running`.
    pub fn status(&self, id: &str) -> Option<String> {
        self.server.with(|s| account::status(s, id))
    }

    /// The ids of every instance.
    pub fn instance_ids(&self) -> Vec<String> {
        self.server.with(|s| account::ids(s))
    }

    /// Adds an SSH-key secret with a chosen id and name (replacing any
    /// secret with that id), as `createSecret` would store it.
    pub fn add_secret_with_id(&self, id: &str, name: &str, public_key: &str) {
        let attributes = serde_json::json!({"name": name, "type": "SSHKEY", "value": public_key});
        self.server.with(|s| {
            s.secrets.insert(id.to_string(), attributes);
        });
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
        self.server.with(account::balance)
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
        self.server.with(|s| account::advance(s, time));
    }
}

crate::account::impl_account!(State, Instance, instances);

#[cfg(test)]
mod tests {
    #[test]
    fn the_lifecycle_moves_between_states_the_client_knows() {
        crate::assert_lifecycle_matches(super::SETTLES, tensordock_api::v2::STATES);
    }
}
