//! What the emulator needs of the v0 fake (the control plane, `fleet fake
//! serve`): its state as JSON and the failures real users hit, by name.

use std::collections::{BTreeMap, BTreeSet};

use cloud_fake::{Fault, NamedFault, Request, Response};
use serde_json::{Value, json};

use super::billing::Ledger;
use super::{State, Vm};
use crate::meter::Meter;

/// The failures this fake produces by name (see `Fake::named_faults`).
pub(super) const NAMED: &[NamedFault] = &[NamedFault {
    name: "modify-needs-stop",
    operations: &["modifyVm"],
    description: "HTTP 500 {\"success\": false, \"error\": \"Machine is running, therefore it \
        cannot be modified\"}, what v0 answers a modify of a VM that is not stopped (the docs: \
        \"the VM must be stopped first\"); nothing changes.",
}];

impl State {
    pub(super) fn save(&self) -> Result<Value, String> {
        Ok(json!({
            "key": self.key,
            "token": self.token,
            "hostnodes": self.hostnodes,
            "vms": serde_json::to_value(&self.vms).map_err(|e| e.to_string())?,
            "deleted": self.deleted,
            "containers": self.containers,
            "balance": self.balance,
            "clock": self.meter.billed_until(),
            "ledger": serde_json::to_value(&self.ledger).map_err(|e| e.to_string())?,
            "hosted": self.hosted,
            "next": self.next,
        }))
    }

    pub(super) fn load(&mut self, state: Value) -> Result<(), String> {
        #[derive(serde::Deserialize)]
        struct Saved {
            key: String,
            token: String,
            hostnodes: BTreeMap<String, Value>,
            vms: BTreeMap<String, Vm>,
            deleted: BTreeSet<String>,
            containers: BTreeMap<String, i64>,
            balance: f64,
            /// Absent from states saved before the ledger: now, and none.
            #[serde(default)]
            clock: i64,
            #[serde(default)]
            ledger: Ledger,
            #[serde(default)]
            hosted: BTreeSet<String>,
            next: u64,
        }
        let saved: Saved = serde_json::from_value(state)
            .map_err(|e| format!("a saved TensorDock v0 state: {e}"))?;
        self.key = saved.key;
        self.token = saved.token;
        self.hostnodes = saved.hostnodes;
        self.vms = saved.vms;
        self.deleted = saved.deleted;
        self.containers = saved.containers;
        self.balance = saved.balance;
        self.next = saved.next;
        self.ledger = saved.ledger;
        self.hosted = saved.hosted;
        // Billing starts again from now (or from the saved clock, if it was
        // advanced past now): the time the emulator was down is not charged.
        self.meter = Meter::resumed(saved.clock);
        Ok(())
    }

    pub(super) fn named(&mut self, name: &str, request: &Request) -> Option<Fault> {
        match name {
            "modify-needs-stop" => {
                let _ = request;
                Some(Fault::Respond(Response::json(
                    500,
                    json!({"success": false,
                           "error": "Machine is running, therefore it cannot be modified"}),
                )))
            }
            _ => None,
        }
    }
}
