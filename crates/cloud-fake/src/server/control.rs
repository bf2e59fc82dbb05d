//! The control plane every fake serves beside its API, under `/_fake/`
//! (outside the API's base path): the same for every provider, and the
//! same as the Rust handle's methods, for programs in any language.
//!
//! | request | does |
//! |---|---|
//! | `GET /_fake` | this list, the named faults and the mode |
//! | `POST /_fake/reset` | back to the reset point: its state, no fault rules, no received requests |
//! | `GET /_fake/state` | the state as JSON (`{"pace": …, "state": …}`) |
//! | `PUT /_fake/state` | loads a state `GET` gave (a seed) |
//! | `GET /_fake/faults` | the fault rules in force, with `times` left and `hits` |
//! | `POST /_fake/faults` | adds a rule, or an array of rules (see `FaultRule`) |
//! | `DELETE /_fake/faults` | removes every rule |
//! | `GET /_fake/faults/named` | the provider's named faults and what each answers |
//! | `GET /_fake/mode` | `{"mode": "per-poll", "polls": 2}` or `{"mode": "real-time", "settle_ms": 2000}` |
//! | `PUT /_fake/mode` | sets it |
//! | `GET /_fake/requests` | the requests received (credentials redacted) |
//! | `DELETE /_fake/requests` | forgets them |

use serde_json::{Value, json};

use super::{Shared, lock};
use crate::{FaultRule, Pace, Response, Service, redacted_body, redacted_query};

/// The control plane's routes, for `GET /_fake`.
const ROUTES: &[(&str, &str)] = &[
    ("POST /_fake/reset", "back to the reset point"),
    ("GET /_fake/state", "the state as JSON"),
    ("PUT /_fake/state", "load a state"),
    ("GET /_fake/faults", "the fault rules in force"),
    (
        "POST /_fake/faults",
        "add a fault rule (or an array of them)",
    ),
    ("DELETE /_fake/faults", "remove every fault rule"),
    ("GET /_fake/faults/named", "the named faults"),
    ("GET /_fake/mode", "how states move"),
    ("PUT /_fake/mode", "set how states move"),
    ("GET /_fake/requests", "the requests received"),
    ("DELETE /_fake/requests", "forget them"),
];

fn problem(status: u16, message: impl Into<String>) -> Response {
    Response::json(status, json!({"error": message.into()}))
}

fn done(result: Result<(), String>) -> Response {
    match result {
        Ok(()) => Response::json(200, json!({"ok": true})),
        Err(e) => problem(400, e),
    }
}

impl<S: Service> Shared<S> {
    /// Answers a request under `/_fake`.
    pub(super) fn control(
        &self,
        method: &http::Method,
        path: &str,
        body: Value,
        body_problem: Option<String>,
    ) -> Response {
        use http::Method;
        if let Some(p) = body_problem {
            return problem(400, p);
        }
        let route = path.trim_start_matches("/_fake").trim_end_matches('/');
        let write = *method == Method::PUT || *method == Method::POST;
        match (route, method) {
            ("", &Method::GET) => {
                let service = self.service();
                let named: Vec<Value> =
                    service.named_faults().iter().map(|n| n.to_json()).collect();
                let routes: Vec<Value> = ROUTES
                    .iter()
                    .map(|(r, what)| json!({"route": r, "does": what}))
                    .collect();
                Response::json(
                    200,
                    json!({"routes": routes, "named_faults": named, "mode": service.pace()}),
                )
            }
            ("/reset", &Method::POST) => done(self.reset()),
            ("/state", &Method::GET) => match self.save_state() {
                Ok(state) => Response::json(200, state),
                Err(e) => problem(501, e),
            },
            ("/state", _) if write => done(self.load_state(body)),
            ("/faults", &Method::GET) => {
                let rules: Vec<Value> = lock(&self.faults)
                    .rules
                    .iter()
                    .map(FaultRule::to_json)
                    .collect();
                Response::json(200, Value::Array(rules))
            }
            ("/faults", &Method::POST) => {
                let items = match body {
                    Value::Array(items) => items,
                    one => vec![one],
                };
                // All or nothing: a batch with a bad rule adds none.
                let mut rules = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    match FaultRule::from_json(item) {
                        Ok(rule) => rules.push(rule),
                        Err(e) => return problem(400, format!("rule {i}: {e}")),
                    }
                }
                let known: Vec<&str> = {
                    let named = lock(&self.service).named_faults();
                    named.iter().map(|n| n.name).collect()
                };
                if let Some(unknown) = rules.iter().find_map(|r| match &r.fault {
                    crate::Fault::Named(n) if !known.contains(&n.as_str()) => Some(n.clone()),
                    _ => None,
                }) {
                    return problem(
                        400,
                        format!(
                            "no named fault {unknown:?}; this fake has: {}",
                            known.join(", ")
                        ),
                    );
                }
                let added = rules.len();
                for rule in rules {
                    if let Err(e) = self.add_fault(rule) {
                        return problem(400, e);
                    }
                }
                Response::json(200, json!({"added": added}))
            }
            ("/faults", &Method::DELETE) => {
                lock(&self.faults).rules.clear();
                done(Ok(()))
            }
            ("/faults/named", &Method::GET) => {
                let named: Vec<Value> = lock(&self.service)
                    .named_faults()
                    .iter()
                    .map(|n| n.to_json())
                    .collect();
                Response::json(200, Value::Array(named))
            }
            ("/mode", &Method::GET) => Response::json(200, json!(lock(&self.service).pace())),
            ("/mode", _) if write => match serde_json::from_value::<Pace>(body) {
                Ok(pace) => {
                    let mut service = lock(&self.service);
                    if service.pace().is_none() {
                        return problem(400, "nothing in this fake moves over time");
                    }
                    service.set_pace(pace);
                    Response::json(200, json!(pace))
                }
                Err(e) => problem(
                    400,
                    format!(
                        "a mode is {{\"mode\": \"per-poll\", \"polls\": N}} or \
                         {{\"mode\": \"real-time\", \"settle_ms\": N}}: {e}"
                    ),
                ),
            },
            ("/requests", &Method::GET) => {
                let log = lock(&self.received);
                let requests: Vec<Value> = log
                    .requests
                    .iter()
                    .map(|r| {
                        json!({
                            "operation_id": r.operation_id,
                            "method": r.method.as_str(),
                            "path": r.path,
                            "query": redacted_query(&r.query),
                            "body": redacted_body(&r.body),
                            "status": r.status,
                        })
                    })
                    .collect();
                Response::json(200, Value::Array(requests))
            }
            ("/requests", &Method::DELETE) => {
                lock(&self.received).requests.clear();
                done(Ok(()))
            }
            (route, method)
                if ROUTES
                    .iter()
                    .any(|(r, _)| r.ends_with(&format!(" /_fake{route}"))) =>
            {
                problem(405, format!("{method} is not served on /_fake{route}"))
            }
            (route, _) => problem(
                404,
                format!("no control route /_fake{route}; GET /_fake lists them"),
            ),
        }
    }
}
