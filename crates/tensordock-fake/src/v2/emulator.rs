//! What the emulator needs of the v2 fake (the control plane, `fleet fake
//! serve`): its state as JSON and the failures real users hit, by name.

use std::collections::{BTreeMap, VecDeque};

use cloud_fake::{Fault, NamedFault, Request, Response};
use serde_json::{Value, json};

use super::{Instance, State};

/// The failures this fake produces by name (see `Fake::named_faults`),
/// in the shapes the spec's description records.
pub(super) const NAMED: &[NamedFault] = &[
    NamedFault {
        name: "error-in-200",
        operations: &["createInstance"],
        description: "HTTP 200 with the body {\"status\": 400, \"error\": \"No available nodes \
            found\"}, as the live service reports a failed placement; nothing is created.",
    },
    NamedFault {
        name: "rate-limited",
        operations: &[],
        description: "HTTP 429 {\"error\": \"Too many requests: the limit is 100 per minute\"} \
            with Retry-After: 60, as past TensorDock's documented limit of 100 requests a \
            minute; nothing changes.",
    },
    NamedFault {
        name: "modify-needs-stop",
        operations: &["modifyInstance"],
        description: "HTTP 400 {\"error\": \"The instance must be stopped to be modified\"}, \
            what a modify of an instance that is not Stopped gets; nothing changes.",
    },
];

impl State {
    pub(super) fn save(&self) -> Result<Value, String> {
        Ok(json!({
            "token": self.token,
            "hostnodes": self.hostnodes,
            "instances": serde_json::to_value(&self.instances).map_err(|e| e.to_string())?,
            "secrets": self.secrets,
            "balance": self.balance,
            "clock": self.meter.billed_until(),
            "rate_limit": self.rate_limit,
            "next": self.next,
        }))
    }

    pub(super) fn load(&mut self, state: Value) -> Result<(), String> {
        #[derive(serde::Deserialize)]
        struct Saved {
            token: String,
            hostnodes: Vec<Value>,
            instances: BTreeMap<String, Instance>,
            secrets: BTreeMap<String, Value>,
            balance: f64,
            /// Absent from states saved before it: now.
            #[serde(default)]
            clock: i64,
            rate_limit: Option<usize>,
            next: u64,
        }
        let saved: Saved = serde_json::from_value(state)
            .map_err(|e| format!("a saved TensorDock v2 state: {e}"))?;
        self.token = saved.token;
        self.hostnodes = saved.hostnodes;
        self.instances = saved.instances;
        self.secrets = saved.secrets;
        self.balance = saved.balance;
        self.rate_limit = saved.rate_limit;
        self.next = saved.next;
        // Billing starts again from now (or from the saved clock, if it was
        // advanced past now): the time the emulator was down is not charged.
        self.meter = crate::meter::Meter::resumed(saved.clock);
        self.window = VecDeque::new();
        self.refresh_locations();
        Ok(())
    }

    pub(super) fn named(&mut self, name: &str, request: &Request) -> Option<Fault> {
        let _ = request;
        let error = |status: u16, message: &str| Response::json(status, json!({"error": message}));
        Some(Fault::Respond(match name {
            "error-in-200" => Response::json(
                200,
                json!({"status": 400, "error": "No available nodes found"}),
            ),
            "rate-limited" => error(429, "Too many requests: the limit is 100 per minute")
                .with_header("retry-after", "60"),
            "modify-needs-stop" => error(400, "The instance must be stopped to be modified"),
            _ => return None,
        }))
    }
}
