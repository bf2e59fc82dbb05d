//! The spec as the fake reads it: routes, parameter and body validation,
//! and responses synthesised from schemas.
//!
//! The spec is kept as a `serde_json::Value` (parsed from YAML once, at
//! start) rather than typed with `openapiv3`: the fake needs only a few
//! keywords, and reading them from the value keeps the fake's
//! dependencies to what is already in the tree.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::FakeError;

/// How deep `$ref`s and nested schemas are followed before giving up: a
/// recursive schema must not hang validation or synthesis.
const MAX_DEPTH: usize = 32;

/// The HTTP methods an OpenAPI path item can hold.
const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// A parsed OpenAPI document: cheap to clone (shared).
#[derive(Clone)]
pub struct Spec {
    inner: Arc<Inner>,
}

struct Inner {
    doc: Value,
    base_path: String,
    operations: Vec<Operation>,
}

/// One operation of the spec.
#[derive(Clone, Debug)]
pub struct Operation {
    /// Its `operationId`.
    pub id: String,
    /// The HTTP method, upper case.
    pub method: http::Method,
    /// The path template, relative to the server base path
    /// (`/clusters/{clusterName}/instances`).
    pub path: String,
    segments: Vec<Segment>,
    /// The operation object, with the path item's parameters merged in.
    operation: Value,
}

#[derive(Clone, Debug)]
enum Segment {
    Literal(String),
    Param(String),
}

impl std::fmt::Debug for Spec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Spec")
            .field("base_path", &self.inner.base_path)
            .field("operations", &self.inner.operations.len())
            .finish()
    }
}

impl Spec {
    /// Parses an OpenAPI 3 document written in YAML (or JSON, a subset).
    pub fn parse(yaml: &str) -> Result<Self, FakeError> {
        let doc: Value = serde_yaml::from_str(yaml)
            .map_err(|e| FakeError::Spec(format!("the spec is not valid YAML: {e}")))?;
        let paths = doc
            .get("paths")
            .and_then(Value::as_object)
            .ok_or_else(|| FakeError::Spec("the spec has no `paths`".into()))?;
        let mut operations = Vec::new();
        for (path, item) in paths {
            let shared_params = item.get("parameters").cloned();
            for method in METHODS {
                let Some(op) = item.get(*method) else {
                    continue;
                };
                let id = op
                    .get("operationId")
                    .and_then(Value::as_str)
                    .ok_or_else(|| {
                        FakeError::Spec(format!(
                            "{} {path} has no operationId",
                            method.to_uppercase()
                        ))
                    })?
                    .to_string();
                let mut operation = op.clone();
                merge_parameters(&mut operation, shared_params.as_ref());
                let method = method
                    .to_uppercase()
                    .parse()
                    .map_err(|_| FakeError::Spec(format!("bad method {method}")))?;
                operations.push(Operation {
                    id,
                    method,
                    path: path.clone(),
                    segments: segments(path),
                    operation,
                });
            }
        }
        let base_path = base_path(&doc);
        Ok(Self {
            inner: Arc::new(Inner {
                doc,
                base_path,
                operations,
            }),
        })
    }

    /// The whole document, as JSON.
    pub fn document(&self) -> &Value {
        &self.inner.doc
    }

    /// The path of the first server URL (`/mdc/api/v1`), without a
    /// trailing slash; empty when the server URL has no path.
    pub fn base_path(&self) -> &str {
        &self.inner.base_path
    }

    /// Every operation, in document order.
    pub fn operations(&self) -> &[Operation] {
        &self.inner.operations
    }

    /// The `operationId` of every operation, in document order.
    pub fn operation_ids(&self) -> Vec<&str> {
        self.inner
            .operations
            .iter()
            .map(|o| o.id.as_str())
            .collect()
    }

    /// The operation with this `operationId`.
    pub fn operation(&self, id: &str) -> Option<&Operation> {
        self.inner.operations.iter().find(|o| o.id == id)
    }

    /// The operation that serves `method path` (the path relative to the
    /// base path, not decoded) and its decoded path parameters. A literal
    /// segment wins over a template (`/instances/new` before
    /// `/instances/{id}`), as routers do.
    pub fn route(
        &self,
        method: &http::Method,
        path: &str,
    ) -> Option<(&Operation, BTreeMap<String, String>)> {
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let mut best: Option<(&Operation, BTreeMap<String, String>, usize)> = None;
        for op in self.inner.operations.iter().filter(|o| o.method == method) {
            if op.segments.len() != parts.len() {
                continue;
            }
            let mut params = BTreeMap::new();
            let mut literals = 0;
            let matched = op.segments.iter().zip(&parts).all(|(seg, part)| match seg {
                Segment::Literal(l) => {
                    literals += 1;
                    l == part
                }
                Segment::Param(name) => {
                    params.insert(name.clone(), percent_decode(part));
                    !part.is_empty()
                }
            });
            if matched && best.as_ref().is_none_or(|(_, _, n)| literals > *n) {
                best = Some((op, params, literals));
            }
        }
        best.map(|(op, params, _)| (op, params))
    }

    /// Resolves a `$ref` (`#/components/...`) to what it points at; any
    /// other value is returned as it is.
    pub fn resolve<'a>(&'a self, value: &'a Value) -> &'a Value {
        let mut current = value;
        for _ in 0..MAX_DEPTH {
            match current.get("$ref").and_then(Value::as_str) {
                Some(r) => match self.pointer(r) {
                    Some(target) => current = target,
                    None => return current,
                },
                None => return current,
            }
        }
        current
    }

    fn pointer(&self, reference: &str) -> Option<&Value> {
        let pointer = reference.strip_prefix('#')?;
        self.inner.doc.pointer(pointer)
    }

    /// The schema of a component (`components/schemas/NAME`).
    pub fn schema(&self, name: &str) -> Option<&Value> {
        self.inner
            .doc
            .pointer(&format!("/components/schemas/{name}"))
    }

    /// Checks a request against `operation`: required headers, path and
    /// query parameters (and their types), and the body against its schema.
    /// The error names what was wrong.
    pub fn validate(&self, operation: &Operation, request: &super::Request) -> Result<(), String> {
        let params = operation
            .operation
            .get("parameters")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for param in &params {
            let param = self.resolve(param);
            let (Some(name), Some(location)) = (
                param.get("name").and_then(Value::as_str),
                param.get("in").and_then(Value::as_str),
            ) else {
                continue;
            };
            let required = param.get("required").and_then(Value::as_bool) == Some(true);
            let value: Option<String> = match location {
                "header" => request
                    .headers
                    .get(name)
                    .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()),
                "path" => request.path_params.get(name).cloned(),
                "query" => request
                    .query
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone()),
                _ => continue,
            };
            let Some(value) = value else {
                if required {
                    return Err(format!("missing required {location} parameter `{name}`"));
                }
                continue;
            };
            if let Some(schema) = param.get("schema") {
                let coerced = coerce(self, schema, Value::String(value), 0);
                self.check(schema, &coerced, name, 0)
                    .map_err(|e| format!("{location} parameter {e}"))?;
            }
        }
        let Some(body) = operation
            .operation
            .get("requestBody")
            .map(|b| self.resolve(b))
        else {
            return Ok(());
        };
        let required = body.get("required").and_then(Value::as_bool) == Some(true);
        if request.body.is_null() {
            return if required {
                Err("missing request body".into())
            } else {
                Ok(())
            };
        }
        let Some(content) = body.get("content").and_then(Value::as_object) else {
            return Ok(());
        };
        let form = request.is_form();
        let media = content.iter().find(|(kind, _)| {
            if form {
                kind.starts_with("application/x-www-form-urlencoded")
            } else {
                kind.contains("json")
            }
        });
        let Some((_, media)) = media else {
            let declared: Vec<&str> = content.keys().map(String::as_str).collect();
            return Err(format!(
                "request body must be sent as {}",
                declared.join(" or ")
            ));
        };
        let Some(schema) = media.get("schema") else {
            return Ok(());
        };
        let value = if form {
            coerce(self, schema, request.body.clone(), 0)
        } else {
            request.body.clone()
        };
        self.check(schema, &value, "", 0)
    }

    /// A form body (every value a string, a repeated field an array of
    /// strings) read as the types `schema` declares, as validation reads
    /// it: `"8"` becomes `8` where an integer is declared, `"False"` a
    /// boolean, a field sent once a one-item list where a list is. What
    /// does not read stays as it was.
    pub fn read_form(&self, schema: &Value, form: Value) -> Value {
        coerce(self, schema, form, 0)
    }

    /// Checks `value` against `schema`; `at` names where it is (`Cost.GPUSKUID`).
    pub fn check(
        &self,
        schema: &Value,
        value: &Value,
        at: &str,
        depth: usize,
    ) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Ok(());
        }
        let schema = self.resolve(schema);
        let name = |s: &str| {
            if s.is_empty() {
                "body".to_string()
            } else {
                format!("`{s}`")
            }
        };
        if value.is_null() {
            let nullable = schema.get("nullable").and_then(Value::as_bool) == Some(true)
                || schema
                    .get("type")
                    .and_then(Value::as_array)
                    .is_some_and(|t| t.iter().any(|t| t == "null"))
                || schema.get("type").is_none() && !has_composition(schema);
            return if nullable {
                Ok(())
            } else {
                Err(format!("{} must not be null", name(at)))
            };
        }
        if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
            for member in all {
                self.check(member, value, at, depth + 1)?;
            }
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(members) = schema.get(key).and_then(Value::as_array) {
                let mut first_error = None;
                let ok = members
                    .iter()
                    .any(|m| match self.check(m, value, at, depth + 1) {
                        Ok(()) => true,
                        Err(e) => {
                            first_error.get_or_insert(e);
                            false
                        }
                    });
                if !ok {
                    return Err(first_error.unwrap_or_else(|| {
                        format!("{} matches none of the allowed shapes", name(at))
                    }));
                }
            }
        }
        if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
            && !allowed.contains(value)
        {
            let list: Vec<String> = allowed.iter().map(Value::to_string).collect();
            return Err(format!(
                "{} must be one of {}, not {value}",
                name(at),
                list.join(", ")
            ));
        }
        let types: Vec<&str> = match schema.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if !types.is_empty() && !types.iter().any(|t| is_type(t, value)) {
            return Err(format!(
                "{} must be {}, not {}",
                name(at),
                types.join(" or "),
                type_name(value)
            ));
        }
        match value {
            Value::Object(map) => {
                for field in schema
                    .get("required")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                {
                    if !map.contains_key(field) {
                        return Err(format!("missing required field `{}`", join(at, field)));
                    }
                }
                let properties = schema.get("properties").and_then(Value::as_object);
                for (key, v) in map {
                    if let Some(p) = properties.and_then(|p| p.get(key)) {
                        self.check(p, v, &join(at, key), depth + 1)?;
                    } else if let Some(extra) = schema.get("additionalProperties") {
                        match extra {
                            Value::Bool(false) => {
                                return Err(format!("unknown field `{}`", join(at, key)));
                            }
                            Value::Object(_) => {
                                self.check(extra, v, &join(at, key), depth + 1)?;
                            }
                            _ => {}
                        }
                    }
                }
            }
            Value::Array(items) => {
                if let Some(item) = schema.get("items") {
                    for (i, v) in items.iter().enumerate() {
                        self.check(item, v, &format!("{at}[{i}]"), depth + 1)?;
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// The success response of an operation: its lowest 2xx status and,
    /// when it has a body, its media type (JSON preferred).
    fn success_media(&self, operation_id: &str) -> Option<(u16, Option<&Value>)> {
        let op = self.operation(operation_id)?;
        let responses = op.operation.get("responses").and_then(Value::as_object)?;
        let (status, response) = responses
            .iter()
            .filter_map(|(code, r)| Some((code.parse::<u16>().ok()?, r)))
            .filter(|(code, _)| (200..300).contains(code))
            .min_by_key(|(code, _)| *code)?;
        let media = self
            .resolve(response)
            .get("content")
            .and_then(Value::as_object)
            .and_then(|c| {
                c.iter()
                    .find(|(k, _)| k.contains("json"))
                    .or_else(|| c.iter().next())
            })
            .map(|(_, m)| m);
        Some((status, media))
    }

    /// The schema of an operation's success response body, if it has one.
    pub fn success_schema(&self, operation_id: &str) -> Option<&Value> {
        self.success_media(operation_id)?.1?.get("schema")
    }

    /// The success response of an operation as the spec shows it: its
    /// lowest 2xx status and the media type's `example` (or first of its
    /// `examples`), else a value synthesised from the schema; `Null` when
    /// the response has no body.
    pub fn example_response(&self, operation_id: &str) -> Option<(u16, Value)> {
        let (status, media) = self.success_media(operation_id)?;
        let Some(media) = media else {
            return Some((status, Value::Null));
        };
        if let Some(example) = media.get("example") {
            return Some((status, example.clone()));
        }
        if let Some(first) = media
            .get("examples")
            .and_then(Value::as_object)
            .and_then(|e| e.values().next())
            && let Some(value) = self.resolve(first).get("value")
        {
            return Some((status, value.clone()));
        }
        let schema = media.get("schema")?;
        Some((status, self.synthesize(schema)))
    }

    /// A value that satisfies `schema`, built from the `example`s the spec
    /// carries where it has them (on the schema or its properties) and
    /// from the types elsewhere; every declared property is filled in, so
    /// the value is as complete as the spec allows.
    pub fn synthesize(&self, schema: &Value) -> Value {
        self.synth(schema, 0)
    }

    fn synth(&self, schema: &Value, depth: usize) -> Value {
        let schema = self.resolve(schema);
        if depth > MAX_DEPTH {
            return Value::Null;
        }
        if let Some(example) = schema.get("example") {
            return example.clone();
        }
        if let Some(first) = schema
            .get("enum")
            .and_then(Value::as_array)
            .and_then(|e| e.first())
        {
            return first.clone();
        }
        if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
            let mut merged = Map::new();
            for member in all {
                match self.synth(member, depth + 1) {
                    Value::Object(m) => merged.extend(m),
                    other if all.len() == 1 => return other,
                    _ => {}
                }
            }
            return Value::Object(merged);
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(first) = schema
                .get(key)
                .and_then(Value::as_array)
                .and_then(|m| m.first())
            {
                return self.synth(first, depth + 1);
            }
        }
        let ty = match schema.get("type") {
            Some(Value::String(t)) => t.as_str(),
            Some(Value::Array(ts)) => ts
                .iter()
                .filter_map(Value::as_str)
                .find(|t| *t != "null")
                .unwrap_or("null"),
            _ if schema.get("properties").is_some() => "object",
            _ => "",
        };
        match ty {
            "object" => {
                let mut map = Map::new();
                if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                    for (key, p) in props {
                        map.insert(key.clone(), self.synth(p, depth + 1));
                    }
                }
                Value::Object(map)
            }
            "array" => match schema.get("items") {
                Some(items) => Value::Array(vec![self.synth(items, depth + 1)]),
                None => Value::Array(Vec::new()),
            },
            "string" => Value::String(
                match schema.get("format").and_then(Value::as_str) {
                    Some("date-time") => "2024-01-01T00:00:00Z",
                    Some("date") => "2024-01-01",
                    Some("uuid") => "00000000-0000-4000-8000-000000000000",
                    Some("ipv4") => "192.0.2.1",
                    Some("uri") | Some("url") => "https://example.com/",
                    Some("email") => "user@example.com",
                    _ => "string",
                }
                .to_string(),
            ),
            "integer" => Value::from(schema.get("minimum").and_then(Value::as_i64).unwrap_or(1)),
            "number" => Value::from(schema.get("minimum").and_then(Value::as_f64).unwrap_or(1.0)),
            "boolean" => Value::Bool(false),
            _ => Value::Null,
        }
    }
}

/// Adds the path item's parameters to the operation's, the operation's
/// winning for the same name and location (as OpenAPI says).
fn merge_parameters(operation: &mut Value, shared: Option<&Value>) {
    let Some(shared) = shared.and_then(Value::as_array) else {
        return;
    };
    let Some(op) = operation.as_object_mut() else {
        return;
    };
    let own = op
        .entry("parameters")
        .or_insert_with(|| Value::Array(Vec::new()));
    if let Value::Array(list) = own {
        let key = |p: &Value| {
            (
                p.get("name").and_then(Value::as_str).map(str::to_owned),
                p.get("in").and_then(Value::as_str).map(str::to_owned),
                p.get("$ref").and_then(Value::as_str).map(str::to_owned),
            )
        };
        let present: Vec<_> = list.iter().map(key).collect();
        for p in shared {
            if !present.contains(&key(p)) {
                list.push(p.clone());
            }
        }
    }
}

fn segments(path: &str) -> Vec<Segment> {
    path.trim_start_matches('/')
        .split('/')
        .map(
            |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => Segment::Param(name.to_string()),
                None => Segment::Literal(s.to_string()),
            },
        )
        .collect()
}

/// The path of the first server URL, its variables replaced by their
/// defaults.
fn base_path(doc: &Value) -> String {
    let Some(server) = doc.pointer("/servers/0") else {
        return String::new();
    };
    let mut url = server
        .get("url")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if let Some(vars) = server.get("variables").and_then(Value::as_object) {
        for (name, var) in vars {
            let default = var.get("default").and_then(Value::as_str).unwrap_or("x");
            url = url.replace(&format!("{{{name}}}"), default);
        }
    }
    let path = match url.find("://") {
        Some(i) => url[i + 3..].find('/').map_or("", |j| &url[i + 3 + j..]),
        None => url.as_str(),
    };
    path.trim_end_matches('/').to_string()
}

/// Decodes `%XX` escapes (and leaves malformed ones as they are).
pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            out.push(h * 16 + l);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

fn has_composition(schema: &Value) -> bool {
    ["oneOf", "anyOf", "allOf", "enum", "properties"]
        .iter()
        .any(|k| schema.get(*k).is_some())
}

fn join(at: &str, field: &str) -> String {
    if at.is_empty() {
        field.to_string()
    } else {
        format!("{at}.{field}")
    }
}

fn is_type(ty: &str, value: &Value) -> bool {
    match ty {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        _ => true,
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a fractional number",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A boolean as form fields and query parameters spell it: `true`/`false`,
/// `1`/`0`, and Python's `True`/`False`, which is what `requests` sends for
/// a `bool` value (the `tensordock` SDK's `disassociate_resources=False`).
pub fn form_bool(text: &str) -> Option<bool> {
    match text {
        "true" | "True" | "1" => Some(true),
        "false" | "False" | "0" => Some(false),
        _ => None,
    }
}

/// Reads strings (form fields, query and path parameters, which travel as
/// text) as the types the schema declares, so `"8"` checks as an integer
/// and `"abc"` does not; anything that does not read stays a string and
/// fails the type check with its own name.
fn coerce(spec: &Spec, schema: &Value, value: Value, depth: usize) -> Value {
    if depth > MAX_DEPTH {
        return value;
    }
    let schema = spec.resolve(schema);
    match value {
        Value::String(s) => {
            let types: Vec<&str> = match schema.get("type") {
                Some(Value::String(t)) => vec![t.as_str()],
                Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
                _ => {
                    // A composed schema: the first member that reads the text.
                    let members = ["oneOf", "anyOf", "allOf"]
                        .iter()
                        .filter_map(|k| schema.get(*k).and_then(Value::as_array))
                        .flatten();
                    for m in members {
                        let v = coerce(spec, m, Value::String(s.clone()), depth + 1);
                        if !v.is_string() {
                            return v;
                        }
                    }
                    return Value::String(s);
                }
            };
            if types.contains(&"string") {
                return Value::String(s);
            }
            for ty in types {
                match ty {
                    "integer" => {
                        if let Ok(n) = s.trim().parse::<i64>() {
                            return Value::from(n);
                        }
                    }
                    "number" => {
                        if let Ok(n) = s.trim().parse::<f64>()
                            && let Some(n) = serde_json::Number::from_f64(n)
                        {
                            return Value::Number(n);
                        }
                    }
                    "boolean" => {
                        if let Some(b) = form_bool(&s) {
                            return Value::Bool(b);
                        }
                    }
                    // A list sent as a form field that appears once.
                    "array" => {
                        let item = schema.get("items").unwrap_or(&Value::Null);
                        return Value::Array(vec![coerce(spec, item, Value::String(s), depth + 1)]);
                    }
                    _ => {}
                }
            }
            Value::String(s)
        }
        // A list sent as a repeated form field.
        Value::Array(items) => match schema.get("items") {
            Some(item) => Value::Array(
                items
                    .into_iter()
                    .map(|v| coerce(spec, item, v, depth + 1))
                    .collect(),
            ),
            None => Value::Array(items),
        },
        Value::Object(map) => {
            let props = schema.get("properties").and_then(Value::as_object);
            Value::Object(
                map.into_iter()
                    .map(|(k, v)| {
                        let v = match props.and_then(|p| p.get(&k)) {
                            Some(p) => coerce(spec, p, v, depth + 1),
                            None => v,
                        };
                        (k, v)
                    })
                    .collect(),
            )
        }
        other => other,
    }
}

#[cfg(test)]
mod tests;
