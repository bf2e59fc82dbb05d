//! The spec as the fake reads it: routes, and through `cloud_spec`,
//! parameter and body validation and responses synthesised from schemas.
//!
//! Reading the document (indexing, `$ref`s, validation, examples) is
//! `cloud_spec`'s; what is the fake's own is routing a request path to an
//! operation and the errors it answers with.

use std::collections::BTreeMap;
use std::sync::Arc;

use cloud_spec::example::{Compositions, Properties, Synthesiser, plain_scalar};
use cloud_spec::validate::{Options, validate_with};
use serde_json::Value;

use super::FakeError;

pub use cloud_spec::text::parse_bool as form_bool;

/// How deep nested schemas are followed before giving up: a recursive
/// schema must not hang synthesis.
const MAX_DEPTH: usize = 32;

/// A parsed OpenAPI document: cheap to clone (shared).
#[derive(Clone)]
pub struct Spec {
    inner: Arc<Inner>,
}

struct Inner {
    spec: Arc<cloud_spec::Spec>,
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
    /// The operation object, its `parameters` those of
    /// `cloud_spec::Operation::parameters` (the path item's merged in,
    /// `$ref`s resolved).
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
        let spec = cloud_spec::Spec::parse(yaml)
            .map_err(|e| FakeError::Spec(format!("the spec is not valid YAML: {e}")))?;
        Self::from_spec(Arc::new(spec))
    }

    /// The fake's view of a document already read (a fake that reads the
    /// spec for its own purposes too parses it once).
    pub fn from_spec(spec: Arc<cloud_spec::Spec>) -> Result<Self, FakeError> {
        let doc = spec.document();
        if !doc.get("paths").is_some_and(Value::is_object) {
            return Err(FakeError::Spec("the spec has no `paths`".into()));
        }
        let mut operations = Vec::new();
        for op in spec.operations() {
            let method = op.method.to_uppercase();
            let id = op
                .id()
                .ok_or_else(|| FakeError::Spec(format!("{method} {} has no operationId", op.path)))?
                .to_string();
            let mut operation = op.op.clone();
            if let Some(object) = operation.as_object_mut() {
                let params = op.parameters(doc).into_iter().cloned().collect();
                object.insert("parameters".into(), Value::Array(params));
            }
            operations.push(Operation {
                id,
                method: method
                    .parse()
                    .map_err(|_| FakeError::Spec(format!("bad method {method}")))?,
                path: op.path.to_string(),
                segments: segments(op.path),
                operation,
            });
        }
        let base_path = base_path(doc);
        Ok(Self {
            inner: Arc::new(Inner {
                spec,
                base_path,
                operations,
            }),
        })
    }

    /// The whole document, as JSON.
    pub fn document(&self) -> &Value {
        self.inner.spec.document()
    }

    /// The document as `cloud_spec` reads it.
    pub fn spec(&self) -> &cloud_spec::Spec {
        &self.inner.spec
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
    /// other value is returned as it is (`cloud_spec::resolve`).
    pub fn resolve<'a>(&'a self, value: &'a Value) -> &'a Value {
        cloud_spec::resolve(self.inner.spec.document(), value)
    }

    /// The schema of a component (`components/schemas/NAME`).
    pub fn schema(&self, name: &str) -> Option<&Value> {
        cloud_spec::component_schemas(self.inner.spec.document())?.get(name)
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
                let read = self.read_form(schema, Value::String(value));
                self.check(schema, &read, name, 0)
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
            self.read_form(schema, request.body.clone())
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
        cloud_spec::text::read_text(self.inner.spec.document(), schema, form)
    }

    /// Checks `value` against `schema` as a server checks a request
    /// (`cloud_spec::validate::Options::request`); `at` names where it is
    /// (`Cost.GPUSKUID`), and the error names the first problem. `depth`
    /// is how deep `value` already is: past a limit nothing is checked.
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
        let problems = validate_with(
            self.inner.spec.document(),
            schema,
            value,
            Options::request(),
        );
        let Some(problem) = problems.into_iter().next() else {
            return Ok(());
        };
        let place = match (at.is_empty(), problem.pointer.is_empty()) {
            (true, true) => return Err(format!("body: {}", problem.message)),
            (true, false) => problem.pointer,
            (false, true) => at.to_string(),
            (false, false) if problem.pointer.starts_with('[') => {
                format!("{at}{}", problem.pointer)
            }
            (false, false) => format!("{at}.{}", problem.pointer),
        };
        Err(format!("`{place}`: {}", problem.message))
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
        if let Some(example) = cloud_spec::media_example(self.inner.spec.document(), media) {
            return Some((status, example.clone()));
        }
        let schema = media.get("schema")?;
        Some((status, self.synthesize(schema)))
    }

    /// A value that satisfies `schema`, built from the `example`s the spec
    /// carries where it has them (on the schema or its properties) and
    /// from the types elsewhere; every declared property is filled in, so
    /// the value is as complete as the spec allows.
    pub fn synthesize(&self, schema: &Value) -> Value {
        Synthesiser {
            properties: Properties::All,
            compositions: Compositions::MergeAllOf,
            example_first: true,
            max_depth: MAX_DEPTH,
            count_compositions: true,
            array_depth: usize::MAX,
            scalar: plain_scalar,
            named: |_| None,
            ..Synthesiser::new(self.inner.spec.document())
        }
        .value(schema, "")
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

#[cfg(test)]
mod tests;
