//! The drift guard: every operation of the spec, sent over HTTP with the
//! spec's example body to a fake holding the spec's example records, is
//! answered 200 with a body its generated response type parses. An
//! operation added to the spec that the fake cannot answer fails it,
//! named.
//!
//! The response types are `cloudtower-api`'s, listed by its operation
//! table, which only that crate can expand: its tests build the
//! [`Parsers`] and call [`unanswered`].

use std::collections::BTreeMap;

use serde_json::Value;

use crate::Fake;
use crate::spec::{Operation, Spec};

/// Parses a response body as an operation's success type.
pub type Parser = fn(Value) -> Result<(), String>;

/// A [`Parser`] per `operationId`.
pub type Parsers = BTreeMap<&'static str, Parser>;

/// The power states the example VMs are tried in: an operation whose
/// example acts on VMs in the wrong state (start on a running one) is
/// refused, as CloudTower would; one of these states lets it through.
const STATES: [&str; 3] = ["RUNNING", "STOPPED", "SUSPENDED"];

async fn answer(op: &Operation, example: &Value, state: &str) -> Result<Value, String> {
    let (id, path) = (op.id.as_str(), op.path.as_str());
    let fake = Fake::start().await.map_err(|e| e.to_string())?;
    fake.add_examples();
    for mut vm in fake.records("Vm") {
        vm["status"] = state.into();
        fake.insert("Vm", vm);
    }
    fake.with(|s| s.add_referenced(id, example));
    if let (Some(user), Some(password)) = (
        example.get("username").and_then(Value::as_str),
        example.get("password").and_then(Value::as_str),
    ) {
        fake.add_user(user, password);
    }
    // The client crate's own HTTP client set-up (it installs the TLS
    // provider).
    let http = cloudtower_api::ClientConfig::new(fake.base_url())
        .http_client(cloudtower_api::PROVIDER, cloudtower_api::USER_AGENT)
        .map_err(|e| e.to_string())?;
    let url = format!("{}{path}", fake.base_url());
    // A `GET` (`get-version`) carries no body; everything else is sent
    // as CloudTower's clients send it, with a JSON body.
    let request = if op.method == "get" {
        http.get(url)
    } else {
        http.post(url).json(example)
    };
    let response = request
        .header("authorization", fake.token())
        .send()
        .await
        .map_err(|e| format!("{id}: {e}"))?;
    let status = response.status();
    let body: Value = response.json().await.map_err(|e| format!("{id}: {e}"))?;
    if status != 200 {
        return Err(format!("{id} in {state}: HTTP {status}: {body}"));
    }
    Ok(body)
}

/// Sends every operation of the spec, with the spec's example body, to a
/// fresh fake holding the spec's example records (its VMs in each power
/// state until one is accepted); returns why each operation failed: no
/// parser for it, an error answer, or an answer its parser refuses. Empty
/// when the fake answers the whole spec.
pub async fn unanswered(parsers: &Parsers) -> Vec<String> {
    let spec = match Spec::load() {
        Ok(spec) => spec,
        Err(e) => return vec![format!("the packaged spec: {e}")],
    };
    let mut failures = Vec::new();
    for (id, op) in spec.operations() {
        let Some(parse) = parsers.get(id.as_str()) else {
            failures.push(format!("{id}: no generated operation"));
            continue;
        };
        let example = op
            .request_example
            .clone()
            .unwrap_or(Value::Object(Default::default()));
        let mut last = String::new();
        let mut answered = false;
        for state in STATES {
            match answer(op, &example, state).await {
                Ok(body) => {
                    match parse(body.clone()) {
                        Ok(()) => answered = true,
                        Err(e) => last = format!("{id}: the answer does not parse: {e}: {body}"),
                    }
                    break;
                }
                Err(e) => last = e,
            }
        }
        if !answered {
            failures.push(last);
        }
    }
    failures
}
