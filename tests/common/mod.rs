//! Helpers shared by the contract tests: reading a spec's operations and
//! examples (through `cloud_spec`), matching form bodies exactly, and the
//! spec-versus-tests drift guard.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use cloud_spec::Operation;
use httpmock::When;
use serde_json::Value;

/// A spec loaded as plain JSON, so tests read the examples verbatim.
pub struct Spec {
    spec: cloud_spec::Spec,
    name: String,
}

impl Spec {
    /// `specs/<file>` from the workspace, read once per test binary: the
    /// tests of a binary run in one process and only read it.
    pub fn load(file: &str) -> &'static Self {
        static LOADED: OnceLock<Mutex<BTreeMap<String, &'static Spec>>> = OnceLock::new();
        let mut loaded = LOADED
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        loaded
            .entry(file.to_string())
            .or_insert_with(|| Box::leak(Box::new(Self::read(file))))
    }

    fn read(file: &str) -> Self {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../specs")
            .join(file);
        let spec = cloud_spec::Spec::load(&path).unwrap_or_else(|e| panic!("{e}"));
        Self {
            spec,
            name: file.to_string(),
        }
    }

    /// The whole document.
    pub fn document(&self) -> &Value {
        self.spec.document()
    }

    /// Every `operationId`, in document order.
    pub fn operation_ids(&self) -> Vec<String> {
        self.spec
            .operations()
            .map(|op| op.id().expect("operationId").to_string())
            .collect()
    }

    fn find(&self, id: &str) -> Operation<'_> {
        self.spec
            .operation(id)
            .unwrap_or_else(|| panic!("{}: no operation {id}", self.name))
    }

    /// The path template of operation `id` (e.g. `/instances/{id}`).
    pub fn path_template(&self, id: &str) -> String {
        self.find(id).path.to_string()
    }

    /// The HTTP method of operation `id`, upper case (e.g. `GET`).
    pub fn method(&self, id: &str) -> String {
        self.find(id).method.to_uppercase()
    }

    /// The names of the `in: path` parameters of operation `id`.
    pub fn path_params(&self, id: &str) -> Vec<String> {
        self.params(id)
            .iter()
            .filter(|p| p["in"] == "path")
            .map(|p| p["name"].as_str().expect("name").to_string())
            .collect()
    }

    /// The operation object for `id`.
    pub fn operation(&self, id: &str) -> &Value {
        self.find(id).op
    }

    /// The request body example (whatever its content type).
    pub fn request_example(&self, id: &str) -> Value {
        let doc = self.document();
        let body = self.find(id).request_body(doc);
        let media = body
            .and_then(|b| b["content"].as_object())
            .and_then(|c| c.values().next())
            .unwrap_or_else(|| panic!("{id}: no request body"));
        cloud_spec::media_example(doc, media)
            .cloned()
            .unwrap_or_else(|| panic!("{id}: request body has no example"))
    }

    /// The (first) example of the 200 response.
    pub fn response_example(&self, id: &str) -> Value {
        self.response_examples(id).remove(0).1
    }

    /// The media type of the 200 JSON response.
    fn ok_media(&self, id: &str) -> &Value {
        self.find(id)
            .response_media(self.document(), "200", "application/json")
            .unwrap_or(&Value::Null)
    }

    /// Every example of the 200 response, named (`example` is named "example").
    pub fn response_examples(&self, id: &str) -> Vec<(String, Value)> {
        let media = self.ok_media(id);
        let mut out = Vec::new();
        if let Some(e) = media.get("example") {
            out.push(("example".to_string(), e.clone()));
        }
        if let Some(map) = media.get("examples").and_then(Value::as_object) {
            for (name, e) in map {
                let e = self.spec.resolve(e);
                out.push((name.clone(), e["value"].clone()));
            }
        }
        assert!(!out.is_empty(), "{id}: 200 response has no example");
        out
    }

    /// The 200 response example of `id` in the three shapes a typed parse
    /// must take: as documented (`full`), with every optional property left
    /// out at every level (`required-only`), and with every nullable
    /// optional property an explicit `null` (`explicit-null`).
    pub fn response_shapes(&self, id: &str) -> Vec<(&'static str, Value)> {
        let schema = &self.ok_media(id)["schema"];
        let full = self.response_example(id);
        vec![
            ("required-only", self.reshape(schema, &full, false)),
            ("explicit-null", self.reshape(schema, &full, true)),
            ("full", full),
        ]
    }

    /// `value` (valid against `schema`) with its optional properties left
    /// out, or, with `nulls`, its nullable optional properties set to null.
    fn reshape(&self, schema: &Value, value: &Value, nulls: bool) -> Value {
        let schema = self.spec.resolve_schema(schema);
        match value {
            Value::Object(map) => {
                let required = cloud_spec::required(schema);
                let mut out = serde_json::Map::new();
                for (k, v) in map {
                    let property = &schema["properties"][k];
                    let optional = !required.contains(&k.as_str());
                    if optional && !nulls {
                        continue;
                    }
                    if optional && cloud_spec::nullable(property) {
                        out.insert(k.clone(), Value::Null);
                    } else {
                        out.insert(k.clone(), self.reshape(property, v, nulls));
                    }
                }
                Value::Object(out)
            }
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|i| self.reshape(&schema["items"], i, nulls))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// The example of parameter `name` (after resolving `$ref`s).
    pub fn param_example(&self, id: &str, name: &str) -> Value {
        self.params(id)
            .into_iter()
            .find(|p| p["name"] == name)
            .and_then(|p| p.get("example").cloned())
            .unwrap_or_else(|| panic!("{id}: parameter {name} has no example"))
    }

    /// The operation's parameters (the path item's too), `$ref`s resolved.
    pub fn params(&self, id: &str) -> Vec<Value> {
        self.find(id)
            .parameters(self.document())
            .into_iter()
            .cloned()
            .collect()
    }
}

/// A flat JSON object as the string pairs a form body carries
/// (`true`/`false` for booleans, plain digits for numbers).
pub fn form_fields(value: &Value) -> Vec<(String, String)> {
    value
        .as_object()
        .expect("a form example is an object")
        .iter()
        .map(|(k, v)| {
            let s = match v {
                Value::String(s) => s.clone(),
                Value::Bool(b) => b.to_string(),
                Value::Number(n) => n.to_string(),
                other => panic!("form field {k} is not a scalar: {other}"),
            };
            (k.clone(), s)
        })
        .collect()
}

/// Requires a form-urlencoded body with exactly `fields` (in any order)
/// and nothing else.
pub fn expect_form(when: When, fields: &[(String, String)]) -> When {
    let mut when = when.header("content-type", "application/x-www-form-urlencoded");
    for (k, v) in fields {
        when = when.form_urlencoded_tuple(k.as_str(), v.as_str());
    }
    let expected: BTreeSet<String> = fields.iter().map(|(k, _)| k.clone()).collect();
    when.is_true(move |req| {
        let got: Vec<(String, String)> =
            serde_urlencoded::from_str(&req.body_string()).unwrap_or_default();
        let keys: BTreeSet<String> = got.iter().map(|(k, _)| k.clone()).collect();
        keys == expected && got.len() == expected.len()
    })
}

/// Requires exactly these query parameters and no others.
pub fn expect_query(when: When, params: &[(String, String)]) -> When {
    let mut when = when;
    for (k, v) in params {
        when = when.query_param(k.as_str(), v.as_str());
    }
    let expected: BTreeSet<String> = params.iter().map(|(k, _)| k.clone()).collect();
    when.is_true(move |req| {
        let keys: BTreeSet<String> = req.query_params().into_iter().map(|(k, _)| k).collect();
        keys == expected
    })
}

/// The drift guard: every operation in `spec` has a test function named
/// `contract_<snake_case operationId>` in `source`, and every such function
/// names an operation that exists.
pub fn assert_every_operation_tested(spec: &Spec, source: &str) {
    assert_every_operation_covered(spec, source, &BTreeSet::new());
}

/// [`assert_every_operation_tested`] where the operations in `otherwise`
/// (by `operationId`) are covered some other way (a spec-driven test, or
/// left out of the client on purpose) and need no named test; a named test
/// for one of them is still fine.
pub fn assert_every_operation_covered(spec: &Spec, source: &str, otherwise: &BTreeSet<String>) {
    let test_name = |id: &str| format!("contract_{}", cloud_spec::naming::method_name(id));
    let ids = spec.operation_ids();
    let wanted: BTreeSet<String> = ids
        .iter()
        .filter(|id| !otherwise.contains(*id))
        .map(|id| test_name(id))
        .collect();
    let known: BTreeSet<String> = ids.iter().map(|id| test_name(id)).collect();
    let present: BTreeSet<String> = source
        .split("async fn ")
        .skip(1)
        .filter_map(|rest| rest.split('(').next())
        .filter(|name| name.starts_with("contract_"))
        .map(str::to_string)
        .collect();
    let missing: Vec<_> = wanted.difference(&present).collect();
    let stale: Vec<_> = present.difference(&known).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "{}: operations without a contract test: {missing:?}; contract tests for no operation: {stale:?}",
        spec.name
    );
}
