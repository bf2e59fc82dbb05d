//! The drift guard: every operation of the spec, sent over HTTP with the
//! spec's example body to a fake holding the spec's example records, is
//! answered 200 with a body its generated response type parses. An
//! operation added to the spec that the fake cannot answer fails here,
//! named.

use std::collections::BTreeMap;

use serde_json::Value;

use super::Fake;
use super::spec::Spec;
#[allow(unused_imports)] // The table's types are written `types::..`.
use crate::types;

/// Parses a response body as operation `id`'s success type.
type Parser = fn(Value) -> Result<(), String>;

macro_rules! parsers {
    ($({ method: $method:ident, id: $id:literal, doc: $doc:literal, body: [$($body:ty)?], ok: $ok:ty, })*) => {
        fn parsers() -> BTreeMap<&'static str, Parser> {
            let mut out: BTreeMap<&'static str, Parser> = BTreeMap::new();
            $(
                out.insert($id, |body| {
                    serde_json::from_value::<$ok>(body).map(drop).map_err(|e| e.to_string())
                });
            )*
            out
        }
    };
}

crate::generated::for_each_operation!(parsers);

/// The power states the example VMs are tried in: an operation whose
/// example acts on VMs in the wrong state (start on a running one) is
/// refused, as CloudTower would; one of these states lets it through.
const STATES: [&str; 3] = ["RUNNING", "STOPPED", "SUSPENDED"];

async fn answer(op: &str, path: &str, example: &Value, state: &str) -> Result<Value, String> {
    let fake = Fake::start().await.map_err(|e| e.to_string())?;
    fake.add_examples();
    for mut vm in fake.records("Vm") {
        vm["status"] = state.into();
        fake.insert("Vm", vm);
    }
    fake.with(|s| s.add_referenced(op, example));
    if let (Some(user), Some(password)) = (
        example.get("username").and_then(Value::as_str),
        example.get("password").and_then(Value::as_str),
    ) {
        fake.add_user(user, password);
    }
    // The crate's own HTTP client set-up (it installs the TLS provider).
    let http = crate::ClientConfig::new(fake.base_url())
        .http_client(crate::PROVIDER, crate::USER_AGENT)
        .map_err(|e| e.to_string())?;
    let response = http
        .post(format!("{}{path}", fake.base_url()))
        .header("authorization", fake.token())
        .json(example)
        .send()
        .await
        .map_err(|e| format!("{op}: {e}"))?;
    let status = response.status();
    let body: Value = response.json().await.map_err(|e| format!("{op}: {e}"))?;
    if status != 200 {
        return Err(format!("{op} in {state}: HTTP {status}: {body}"));
    }
    Ok(body)
}

#[tokio::test]
async fn every_operation_is_answered_with_a_body_its_type_parses() {
    let spec = Spec::load().expect("the packaged spec");
    let parsers = parsers();
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
            match answer(id, &op.path, &example, state).await {
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
    assert!(
        failures.is_empty(),
        "operations the fake does not answer:\n{}",
        failures.join("\n")
    );
    assert!(parsers.len() >= spec.operations().len());
}
