//! No secret leaves through an error: for every operation of every spec
//! whose requests or responses carry a secret (enumerated from the
//! generated `OPERATIONS` tables, which `cloud-codegen` derives from the
//! specs, so a new secret field is covered without editing this file), an
//! undecodable body full of known secret values goes through the shared
//! error conversion, and no value shows in `Display`, `Debug`, `{:#?}`, the
//! kept body or the `source()` chain.

#[path = "common/providers.rs"]
mod providers;

use cloud_common::__private::ProgenitorError;
use cloud_common::{ClientConfig, OperationSpec, Runtime};
use serde_json::{Value, json};

fn marker(field: &str, n: usize) -> String {
    format!("LEAK-{field}-{n}")
}

/// A body that does not match any schema (`status` is an object) and holds
/// every secret field at the top, nested in objects and arrays, and a URL
/// with a token in its query.
fn poisoned(fields: &[&str]) -> Value {
    let mut top = serde_json::Map::new();
    for (i, f) in fields.iter().enumerate() {
        top.insert(f.to_string(), json!(marker(f, i)));
    }
    let nested: Vec<Value> = fields
        .iter()
        .enumerate()
        .map(|(i, f)| json!({ *f: marker(f, i + 100), "deeper": { *f: { "x": marker(f, i + 200) } } }))
        .collect();
    top.insert("status".into(), json!({"not": "a string"}));
    top.insert("data".into(), Value::Array(nested));
    top.insert(
        "url".into(),
        json!("https://lab.example/x?token=LEAK-query-token&tab=1"),
    );
    Value::Object(top)
}

fn everything_shown(e: &cloud_common::Error) -> String {
    use std::error::Error as _;
    let mut out = format!("{e}\n{e:?}\n{e:#?}\n{}", e.body().unwrap_or_default());
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(&format!("\n{s}\n{s:?}"));
        source = s.source();
    }
    out
}

async fn check(provider: &'static str, operations: &'static [OperationSpec]) -> usize {
    let runtime = Runtime::new(
        provider,
        operations,
        &ClientConfig::new("http://127.0.0.1:9"),
    );
    let mut checked = 0;
    for op in operations.iter().filter(|o| !o.secret_fields.is_empty()) {
        let body = poisoned(op.secret_fields);
        let bytes = serde_json::to_vec(&body).unwrap();
        let source = serde_json::from_value::<u8>(json!("x")).unwrap_err();
        let err = runtime
            .call::<(), (), _>(op.operation_id, async move {
                Err(ProgenitorError::InvalidResponsePayload(
                    bytes.into(),
                    source,
                ))
            })
            .await
            .unwrap_err();
        let shown = everything_shown(&err);
        assert!(
            !shown.contains("LEAK-"),
            "{provider} {}: a secret in\n{shown}",
            op.operation_id
        );
        assert!(
            shown.contains("[REDACTED]"),
            "{provider} {}: {shown}",
            op.operation_id
        );
        // Text that is not JSON cannot be searched by property.
        if op.secret_response {
            let text = format!("<html>{}=LEAK-text</html>", op.secret_fields[0]);
            let source = serde_json::from_value::<u8>(json!("x")).unwrap_err();
            let err = runtime
                .call::<(), (), _>(op.operation_id, async move {
                    Err(ProgenitorError::InvalidResponsePayload(
                        text.into_bytes().into(),
                        source,
                    ))
                })
                .await
                .unwrap_err();
            let shown = everything_shown(&err);
            assert!(
                !shown.contains("LEAK-"),
                "{provider} {}: {shown}",
                op.operation_id
            );
        }
        checked += 1;
    }
    checked
}

#[tokio::test]
async fn no_secret_field_of_any_spec_survives_in_an_error() {
    let mut checked = Vec::new();
    for api in providers::APIS {
        checked.push((api.name, check(api.name, api.operations).await));
    }
    // Every spec has secret-carrying operations (credentials, SSH
    // passwords, tokens, secret values): none was skipped.
    assert!(checked.iter().all(|(_, n)| *n > 0), "{checked:?}");
}
