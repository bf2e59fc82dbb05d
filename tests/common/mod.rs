//! Helpers shared by the contract tests: reading a spec's operations and
//! examples, matching form bodies exactly, and the spec-versus-tests drift
//! guard.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::PathBuf;

use httpmock::When;
use serde_json::Value;

/// A spec loaded as plain JSON, so tests read the examples verbatim.
pub struct Spec {
    doc: Value,
    name: String,
}

impl Spec {
    /// Loads `specs/<file>` from the workspace.
    pub fn load(file: &str) -> Self {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../specs")
            .join(file);
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let doc: Value =
            serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        Self {
            doc,
            name: file.to_string(),
        }
    }

    /// Every `operationId`, in document order.
    pub fn operation_ids(&self) -> Vec<String> {
        self.operations().into_iter().map(|(id, _)| id).collect()
    }

    fn operations(&self) -> Vec<(String, &Value)> {
        let mut out = Vec::new();
        for item in self.doc["paths"].as_object().expect("paths").values() {
            for (method, op) in item.as_object().expect("path item") {
                if ["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                    out.push((
                        op["operationId"].as_str().expect("operationId").to_string(),
                        op,
                    ));
                }
            }
        }
        out
    }

    /// The path template of operation `id` (e.g. `/instances/{id}`).
    pub fn path_template(&self, id: &str) -> String {
        for (path, item) in self.doc["paths"].as_object().expect("paths") {
            for op in item.as_object().expect("path item").values() {
                if op.get("operationId").and_then(Value::as_str) == Some(id) {
                    return path.clone();
                }
            }
        }
        panic!("{}: no operation {id}", self.name)
    }

    /// The HTTP method of operation `id`, upper case (e.g. `GET`).
    pub fn method(&self, id: &str) -> String {
        for item in self.doc["paths"].as_object().expect("paths").values() {
            for (method, op) in item.as_object().expect("path item") {
                if op.get("operationId").and_then(Value::as_str) == Some(id) {
                    return method.to_uppercase();
                }
            }
        }
        panic!("{}: no operation {id}", self.name)
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
        self.operations()
            .into_iter()
            .find(|(op, _)| op == id)
            .unwrap_or_else(|| panic!("{}: no operation {id}", self.name))
            .1
    }

    /// The request body example (whatever its content type).
    pub fn request_example(&self, id: &str) -> Value {
        let content = &self.operation(id)["requestBody"]["content"];
        let media = content.as_object().and_then(|c| c.values().next());
        let media = media.unwrap_or_else(|| panic!("{id}: no request body"));
        example_of(media).unwrap_or_else(|| panic!("{id}: request body has no example"))
    }

    /// The (first) example of the 200 response.
    pub fn response_example(&self, id: &str) -> Value {
        self.response_examples(id).remove(0).1
    }

    /// Every example of the 200 response, named (`example` is named "example").
    pub fn response_examples(&self, id: &str) -> Vec<(String, Value)> {
        let media = &self.operation(id)["responses"]["200"]["content"]["application/json"];
        let mut out = Vec::new();
        if let Some(e) = media.get("example") {
            out.push(("example".to_string(), e.clone()));
        }
        if let Some(map) = media.get("examples").and_then(Value::as_object) {
            for (name, e) in map {
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
        let schema =
            &self.operation(id)["responses"]["200"]["content"]["application/json"]["schema"];
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
        let schema = self.schema_of(schema);
        match value {
            Value::Object(map) => {
                let required: Vec<&str> = schema["required"]
                    .as_array()
                    .map(|r| r.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                let mut out = serde_json::Map::new();
                for (k, v) in map {
                    let property = &schema["properties"][k];
                    let optional = !required.contains(&k.as_str());
                    if optional && !nulls {
                        continue;
                    }
                    if optional && property["nullable"] == true {
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

    /// A schema with `$ref`s and one-element `allOf` wrappers followed.
    fn schema_of<'a>(&'a self, mut schema: &'a Value) -> &'a Value {
        for _ in 0..16 {
            if let Some(r) = schema["$ref"].as_str() {
                schema = self
                    .doc
                    .pointer(r.trim_start_matches('#'))
                    .unwrap_or(&Value::Null);
            } else if let Some([only]) = schema["allOf"].as_array().map(Vec::as_slice) {
                schema = only;
            } else {
                break;
            }
        }
        schema
    }

    /// The example of parameter `name` (after resolving `$ref`s).
    pub fn param_example(&self, id: &str, name: &str) -> Value {
        self.params(id)
            .into_iter()
            .find(|p| p["name"] == name)
            .and_then(|p| p.get("example").cloned())
            .unwrap_or_else(|| panic!("{id}: parameter {name} has no example"))
    }

    /// The operation's parameters, `$ref`s resolved.
    pub fn params(&self, id: &str) -> Vec<Value> {
        let list = self.operation(id)["parameters"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        list.into_iter()
            .map(|p| match p.get("$ref").and_then(Value::as_str) {
                Some(r) => {
                    let name = r.trim_start_matches("#/components/parameters/");
                    self.doc["components"]["parameters"][name].clone()
                }
                None => p,
            })
            .collect()
    }
}

fn example_of(media: &Value) -> Option<Value> {
    media.get("example").cloned().or_else(|| {
        media
            .get("examples")?
            .as_object()?
            .values()
            .next()
            .map(|e| e["value"].clone())
    })
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

/// `deployVm` → `deploy_vm`.
pub fn snake(id: &str) -> String {
    let mut out = String::new();
    for (i, c) in id.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The drift guard: every operation in `spec` has a test function named
/// `contract_<snake_case operationId>` in `source`, and every such function
/// names an operation that exists.
pub fn assert_every_operation_tested(spec: &Spec, source: &str) {
    let wanted: BTreeSet<String> = spec
        .operation_ids()
        .iter()
        .map(|id| format!("contract_{}", snake(id)))
        .collect();
    let present: BTreeSet<String> = source
        .split("async fn ")
        .skip(1)
        .filter_map(|rest| rest.split('(').next())
        .filter(|name| name.starts_with("contract_"))
        .map(str::to_string)
        .collect();
    let missing: Vec<_> = wanted.difference(&present).collect();
    let stale: Vec<_> = present.difference(&wanted).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "{}: operations without a contract test: {missing:?}; contract tests for no operation: {stale:?}",
        spec.name
    );
}
