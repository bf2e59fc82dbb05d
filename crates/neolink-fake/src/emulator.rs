//! What the emulator needs of the Neolink fake (the control plane, `fleet
//! fake serve`): its state as JSON and the failures real users hit, by
//! name.

use std::collections::BTreeMap;

use cloud_fake::{Fault, NamedFault, Request, Response};
use serde_json::{Value, json};

use super::{Instance, State};

/// The failures of the real Neolink this fake produces by name (see
/// `Fake::named_faults`).
pub(super) const NAMED: &[NamedFault] = &[
    NamedFault {
        name: "bare-ok",
        operations: &["createInstance"],
        description: "The instance is created, but the answer is the bare JSON string \"ok\" \
            (HTTP 200), as every action answers, instead of the instance: a client that decodes \
            an instance fails, and must list the instances to find it.",
    },
    NamedFault {
        name: "namespace-refused",
        operations: &[],
        description: "HTTP 403 {\"code\": 403, \"message\": \"namespace <ns> is not yours\"} \
            (or \"missing namespace header\"), as when the namespace header is not the user id \
            of the token; nothing changes.",
    },
];

impl State {
    pub(super) fn save(&self) -> Result<Value, String> {
        Ok(json!({
            "token": self.token,
            "namespace": self.namespace,
            "regions": self.regions,
            "skus": self.skus,
            "instances": serde_json::to_value(&self.instances).map_err(|e| e.to_string())?,
            "next": self.next,
        }))
    }

    pub(super) fn load(&mut self, state: Value) -> Result<(), String> {
        #[derive(serde::Deserialize)]
        struct Saved {
            token: String,
            namespace: Option<String>,
            regions: Vec<Value>,
            skus: Vec<Value>,
            instances: BTreeMap<String, Instance>,
            next: u64,
        }
        let saved: Saved =
            serde_json::from_value(state).map_err(|e| format!("a saved Neolink state: {e}"))?;
        self.token = saved.token;
        self.namespace = saved.namespace;
        self.regions = saved.regions;
        self.skus = saved.skus;
        self.instances = saved.instances;
        self.next = saved.next;
        Ok(())
    }

    pub(super) fn named(&mut self, name: &str, request: &Request) -> Option<Fault> {
        match name {
            "bare-ok" => Some(Fault::AfterEffect(Box::new(Fault::Respond(
                Response::json(200, json!("ok")),
            )))),
            "namespace-refused" => {
                let message = match request.header("namespace") {
                    Some(ns) => format!("namespace {ns} is not yours"),
                    None => "missing namespace header".into(),
                };
                Some(Fault::Respond(Self::error(403, message)))
            }
            _ => None,
        }
    }
}
