//! Specs as plain JSON values, and the walking helpers the checks share.
//!
//! `diff`, `lint` and `upstream` look at every keyword (`nullable`, an
//! `allOf` wrapper, `additionalProperties`, examples) the same way whatever
//! schema shape holds it, which is simpler on a `serde_json::Value` than on
//! `openapiv3`'s typed model. Only the build rules shared with `build.rs`
//! (`cloud_codegen::lint::progenitor_blockers`) use the typed model.

use std::path::Path;

use serde_json::{Map, Value};

/// The HTTP methods of a path item, in the order operations are reported.
pub const METHODS: &[&str] = cloud_codegen::lint::METHODS;

/// The prefix of a `$ref` to a component schema.
pub const SCHEMA_REF: &str = "#/components/schemas/";

/// Reads a spec (YAML or JSON) as a JSON value.
pub fn load(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read the file: {e}", path.display()))?;
    parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Parses a spec (YAML or JSON; JSON is YAML) into a JSON value.
pub fn parse(text: &str) -> Result<Value, String> {
    let yaml: serde_yaml::Value =
        serde_yaml::from_str(text).map_err(|e| format!("not valid YAML or JSON: {e}"))?;
    Ok(to_json(yaml))
}

/// YAML to JSON. Non-string mapping keys (an unquoted `200:`) become their
/// text, as OpenAPI means them; tags are dropped.
fn to_json(yaml: serde_yaml::Value) -> Value {
    use serde_yaml::Value as Y;
    match yaml {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                n.as_f64()
                    .and_then(serde_json::Number::from_f64)
                    .map_or(Value::Null, Value::Number)
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(items.into_iter().map(to_json).collect()),
        Y::Mapping(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let key = match k {
                        Y::String(s) => s,
                        Y::Number(n) => n.to_string(),
                        Y::Bool(b) => b.to_string(),
                        Y::Null => "null".to_string(),
                        other => serde_yaml::to_string(&other)
                            .unwrap_or_default()
                            .trim()
                            .to_string(),
                    };
                    (key, to_json(v))
                })
                .collect(),
        ),
        Y::Tagged(tagged) => to_json(tagged.value),
    }
}

/// Follows `$ref`s (local ones, `#/...`) until a node without one. A `$ref`
/// that points nowhere is returned as it is; `lint` reports those.
pub fn resolve<'a>(doc: &'a Value, node: &'a Value) -> &'a Value {
    let mut current = node;
    // A bound instead of cycle detection: a chain of refs longer than this
    // is a cycle in any real spec.
    for _ in 0..32 {
        let Some(target) = ref_target(doc, current) else {
            return current;
        };
        current = target;
    }
    current
}

/// The node a `$ref` points at, if `node` is a resolvable local reference.
pub fn ref_target<'a>(doc: &'a Value, node: &Value) -> Option<&'a Value> {
    let reference = node.get("$ref")?.as_str()?;
    doc.pointer(reference.strip_prefix('#')?)
}

/// The component schema name of a `$ref: '#/components/schemas/Name'`.
pub fn schema_ref_name(node: &Value) -> Option<&str> {
    node.get("$ref")?.as_str()?.strip_prefix(SCHEMA_REF)
}

/// The component schema a property refers to, also through the
/// `allOf: [{$ref}]` wrapper that specs use to add `nullable` or a
/// description to a reference.
pub fn wrapped_ref_name(node: &Value) -> Option<&str> {
    if let Some(name) = schema_ref_name(node) {
        return Some(name);
    }
    match node.get("allOf")?.as_array()?.as_slice() {
        [only] => schema_ref_name(only),
        _ => None,
    }
}

/// Whether a schema node allows `null` (`nullable: true`).
pub fn nullable(node: &Value) -> bool {
    node.get("nullable").and_then(Value::as_bool) == Some(true)
}

/// The `required` list of an object schema.
pub fn required(node: &Value) -> Vec<&str> {
    node.get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// The `properties` of an object schema.
pub fn properties(node: &Value) -> Option<&Map<String, Value>> {
    node.get("properties").and_then(Value::as_object)
}

/// `components.schemas`, possibly empty.
pub fn component_schemas(doc: &Value) -> Option<&Map<String, Value>> {
    doc.pointer("/components/schemas")
        .and_then(Value::as_object)
}

/// Escapes one JSON-pointer segment (`~` and `/`).
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// One operation of a spec.
#[derive(Debug, Clone, Copy)]
pub struct Operation<'a> {
    /// The path template, e.g. `/things/{id}`.
    pub path: &'a str,
    /// The lower-case HTTP method.
    pub method: &'static str,
    /// The operation object.
    pub op: &'a Value,
    /// The path item holding it (for path-level parameters).
    pub item: &'a Value,
}

impl<'a> Operation<'a> {
    /// The `operationId`, if there is one.
    pub fn id(&self) -> Option<&'a str> {
        self.op.get("operationId").and_then(Value::as_str)
    }

    /// `operationId (METHOD /path)`, the way `cloud_codegen` names an
    /// operation in its errors.
    pub fn name(&self) -> String {
        format!(
            "{} ({} {})",
            self.id().unwrap_or("<no operationId>"),
            self.method.to_uppercase(),
            self.path
        )
    }

    /// The JSON pointer of the operation, e.g. `#/paths/~1vms/post`.
    pub fn pointer(&self) -> String {
        format!("#/paths/{}/{}", escape(self.path), self.method)
    }

    /// Its parameters, path-level ones included (the operation's own win on
    /// the same name and location), with `$ref`s resolved.
    pub fn parameters(&self, doc: &'a Value) -> Vec<&'a Value> {
        let mut out: Vec<&Value> = Vec::new();
        for list in [self.item.get("parameters"), self.op.get("parameters")]
            .into_iter()
            .flatten()
            .filter_map(Value::as_array)
        {
            for p in list {
                let p = resolve(doc, p);
                out.retain(|q| param_key(q) != param_key(p));
                out.push(p);
            }
        }
        out
    }

    /// The request body, `$ref` resolved.
    pub fn request_body(&self, doc: &'a Value) -> Option<&'a Value> {
        self.op.get("requestBody").map(|b| resolve(doc, b))
    }

    /// Its responses as `(status, response)`, `$ref`s resolved.
    pub fn responses(&self, doc: &'a Value) -> Vec<(&'a str, &'a Value)> {
        self.op
            .get("responses")
            .and_then(Value::as_object)
            .map(|r| {
                r.iter()
                    .map(|(code, resp)| (code.as_str(), resolve(doc, resp)))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// A parameter's identity: `(in, name)`, header names lower-cased because
/// HTTP compares them that way.
pub fn param_key(param: &Value) -> (String, String) {
    let location = param.get("in").and_then(Value::as_str).unwrap_or("");
    let name = param.get("name").and_then(Value::as_str).unwrap_or("");
    let name = if location == "header" {
        name.to_ascii_lowercase()
    } else {
        name.to_string()
    };
    (location.to_string(), name)
}

/// Every operation, sorted by path, then in [`METHODS`] order (a JSON
/// object does not keep the document's order).
pub fn operations(doc: &Value) -> Vec<Operation<'_>> {
    let mut out = Vec::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return out;
    };
    for (path, item) in paths {
        let item = resolve(doc, item);
        for method in METHODS {
            if let Some(op) = item.get(*method).filter(|o| o.is_object()) {
                out.push(Operation {
                    path,
                    method,
                    op,
                    item,
                });
            }
        }
    }
    out
}

/// Whether a status code (`200`, `2XX`, `default`) is a success.
pub fn is_success(code: &str) -> bool {
    code.starts_with('2') || code == "default"
}

/// Whether a status code is an error (`4xx`, `5xx`, `default`).
pub fn is_error(code: &str) -> bool {
    code.starts_with('4') || code.starts_with('5') || code == "default"
}

/// The schema of a response or request body: the first media type's, the
/// way progenitor picks it.
pub fn body_schema(body: &Value) -> Option<(&str, &Value)> {
    let (media, content) = body.get("content")?.as_object()?.iter().next()?;
    Some((media.as_str(), content.get("schema")?))
}

/// The names of every component schema reachable from `node`, through
/// other component schemas and through `$ref`s to responses, parameters
/// and request bodies.
pub fn reachable_schemas(doc: &Value, node: &Value) -> std::collections::BTreeSet<String> {
    let mut found = std::collections::BTreeSet::new();
    let mut seen_other = std::collections::BTreeSet::new();
    // (node, whether it is a `properties` map, whose keys are field names)
    let mut stack = vec![(node, false)];
    while let Some((current, is_properties)) = stack.pop() {
        match current {
            Value::Object(map) => {
                if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
                    if let Some(name) = reference.strip_prefix(SCHEMA_REF) {
                        if found.insert(name.to_string())
                            && let Some(schema) = component_schemas(doc).and_then(|s| s.get(name))
                        {
                            stack.push((schema, false));
                        }
                    } else if seen_other.insert(reference.to_string())
                        && let Some(target) = ref_target(doc, current)
                    {
                        stack.push((target, false));
                    }
                }
                for (key, value) in map {
                    // Examples are data, not schemas: a key named `$ref` in
                    // one must not count (a field named `example` must).
                    if is_properties || (key != "example" && key != "examples") {
                        stack.push((value, !is_properties && key == "properties"));
                    }
                }
            }
            Value::Array(items) => stack.extend(items.iter().map(|i| (i, false))),
            _ => {}
        }
    }
    found
}
