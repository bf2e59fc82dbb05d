//! `cargo xtask lint`: spec checks that turn build-time panics and silent
//! mistakes into readable errors.
//!
//! The rules that protect the build are `cloud_codegen`'s own
//! [`progenitor_blockers`](cloud_codegen::lint::progenitor_blockers), so the
//! lint and `build.rs` can never disagree about what breaks generation. The
//! rules here catch what generates fine but is wrong: an `anyOf` that
//! becomes a type nothing can deserialize into, an enum that is closed where
//! it must be open, an undocumented operation, an example that contradicts
//! its schema.

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;

use serde_json::Value;

use cloud_spec::validate;
use cloud_spec::{self as spec, Operation};

/// Rule name of the findings from `cloud_codegen::lint::progenitor_blockers`
/// (OpenAPI version, `operationId`s, one success and one error schema, form
/// bodies, dangling `$ref`s).
pub const BUILD: &str = "build";
/// Rule name: an `anyOf` progenitor turns into an unusable type.
pub const ANY_OF: &str = "any-of";
/// Rule name: a string enum in a response that is not a named component
/// schema, so it is generated closed.
pub const CLOSED_ENUM: &str = "closed-enum";
/// Rule name: an operation without a description.
pub const DESCRIPTION: &str = "description";
/// Rule name: a schema property without a description, in a spec that
/// promises every field is documented (`info.x-every-field-documented:
/// true`, CloudTower's: the import writes the official texts).
pub const FIELD_DESCRIPTION: &str = "field-description";
/// Rule name: an example that its schema rejects.
pub const EXAMPLE: &str = "example";
/// Rule name: a string property named like a credential (password, token,
/// secret, API key, private key) that is not the `Secret` schema, so its
/// value would print in `Debug`.
pub const SECRET: &str = "secret";

/// One problem found in a spec.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Finding {
    /// Which rule found it (one of the constants of this module).
    pub rule: &'static str,
    /// Where: an operation (`id (METHOD /path)`) or a JSON pointer.
    pub location: String,
    /// What is wrong and, where it is not obvious, what to do.
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {}: {}", self.rule, self.location, self.message)
    }
}

/// Lints the spec at `path`. `Err` only when the file cannot be read or is
/// not an OpenAPI document at all.
pub fn lint_file(path: &Path) -> Result<Vec<Finding>, String> {
    let api = cloud_codegen::load(path).map_err(|e| e.to_string().trim_end().to_string())?;
    let doc = spec::load(path)?;
    Ok(lint(&api, &doc))
}

/// Every finding for one spec, given both as `openapiv3`'s typed model (for
/// the build rules) and as a JSON value (for the rest).
pub fn lint(api: &openapiv3::OpenAPI, doc: &Value) -> Vec<Finding> {
    let mut findings: Vec<Finding> = cloud_codegen::lint::progenitor_blockers(api)
        .into_iter()
        .map(|p| Finding {
            rule: BUILD,
            location: p
                .operation
                .map_or_else(|| "document".to_string(), |op| format!("operation {op}")),
            message: p.message,
        })
        .collect();
    descriptions(doc, &mut findings);
    field_descriptions(doc, &mut findings);
    any_of(doc, &mut findings);
    closed_enums(doc, &mut findings);
    examples(doc, &mut findings);
    secrets(doc, &mut findings);
    // A component response shared by several operations is reached once per
    // operation: report each problem once.
    let mut seen = std::collections::HashSet::new();
    findings.retain(|f| seen.insert(f.clone()));
    findings
}

fn descriptions(doc: &Value, out: &mut Vec<Finding>) {
    for op in spec::operations(doc) {
        let described = op
            .op
            .get("description")
            .and_then(Value::as_str)
            .is_some_and(|d| !d.trim().is_empty());
        if !described {
            out.push(Finding {
                rule: DESCRIPTION,
                location: format!("operation {}", op.name()),
                message: "has no description; it becomes the generated method's documentation"
                    .to_string(),
            });
        }
    }
}

/// Every property of every component schema (inline objects included)
/// has a description, when the spec's `info` asks for it: the
/// descriptions become the generated fields' documentation.
fn field_descriptions(doc: &Value, out: &mut Vec<Finding>) {
    if doc.pointer("/info/x-every-field-documented") != Some(&Value::Bool(true)) {
        return;
    }
    for (pointer, root) in schema_roots(doc) {
        walk(root, pointer, &mut |node, at| {
            for (field, property) in spec::properties(node).into_iter().flatten() {
                let described = property
                    .get("description")
                    .and_then(Value::as_str)
                    .is_some_and(|d| !d.trim().is_empty());
                if !described {
                    out.push(Finding {
                        rule: FIELD_DESCRIPTION,
                        location: format!("{at}/properties/{}", spec::escape(field)),
                        message: "has no description; it becomes the generated field's \
                                  documentation (`cargo xtask import` writes the official one)"
                            .to_string(),
                    });
                }
            }
        });
    }
}

pub use cloud_common::names_a_secret;

/// A property that names a secret must be the `Secret` schema (or
/// `format: password`, which the codegen reads the same way).
fn secrets(doc: &Value, out: &mut Vec<Finding>) {
    for (pointer, root) in schema_roots(doc) {
        walk(root, pointer, &mut |node, at| {
            let Some(props) = spec::properties(node) else {
                return;
            };
            for (name, prop) in props {
                if !names_a_secret(name) {
                    continue;
                }
                let refs_secret = |v: &Value| {
                    v.get("$ref").and_then(Value::as_str) == Some("#/components/schemas/Secret")
                };
                let marked = refs_secret(prop)
                    || prop
                        .get("allOf")
                        .and_then(Value::as_array)
                        .is_some_and(|l| l.iter().any(refs_secret))
                    || prop.get("format").and_then(Value::as_str) == Some("password");
                let stringly = prop.get("$ref").is_none()
                    && json_type(doc, prop).is_none_or(|t| t == "string");
                if !marked && stringly {
                    out.push(Finding {
                        rule: SECRET,
                        location: format!("{at}/properties/{}", spec::escape(name)),
                        message: format!(
                            "`{name}` names a credential but is not the `Secret` schema, so its value prints in Debug; use `$ref: '#/components/schemas/Secret'`"
                        ),
                    });
                }
            }
        });
    }
}

/// The sub-schemas of a schema node, with their pointer segments. `$ref`s
/// are not followed: every component is walked on its own.
fn children(node: &Value) -> Vec<(String, &Value)> {
    let mut out = Vec::new();
    if let Some(props) = spec::properties(node) {
        for (name, prop) in props {
            out.push((format!("properties/{}", spec::escape(name)), prop));
        }
    }
    for key in ["items", "additionalProperties", "not"] {
        if let Some(sub) = node.get(key).filter(|s| s.is_object()) {
            out.push((key.to_string(), sub));
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(list) = node.get(key).and_then(Value::as_array) {
            for (i, sub) in list.iter().enumerate() {
                out.push((format!("{key}/{i}"), sub));
            }
        }
    }
    out
}

/// Calls `f` on every schema node under `root` (included), with its JSON
/// pointer.
fn walk<'a>(root: &'a Value, pointer: String, f: &mut dyn FnMut(&'a Value, &str)) {
    f(root, &pointer);
    for (segment, child) in children(root) {
        walk(child, format!("{pointer}/{segment}"), f);
    }
}

/// Every media type of a request body or response object: `(pointer, media)`.
fn media_types<'a>(owner: &'a Value, pointer: &str) -> Vec<(String, &'a Value)> {
    owner
        .get("content")
        .and_then(Value::as_object)
        .map(|content| {
            content
                .iter()
                .map(|(media, m)| (format!("{pointer}/content/{}", spec::escape(media)), m))
                .collect()
        })
        .unwrap_or_default()
}

/// Every inline schema of the document with its pointer: the component
/// schemas, and those written inline in parameters, bodies, responses and
/// headers (of operations and of components).
fn schema_roots(doc: &Value) -> Vec<(String, &Value)> {
    let mut roots = Vec::new();
    if let Some(schemas) = spec::component_schemas(doc) {
        for (name, schema) in schemas {
            roots.push((
                format!("#/components/schemas/{}", spec::escape(name)),
                schema,
            ));
        }
    }
    for (pointer, owner) in example_owners(doc) {
        if let Some(schema) = owner.get("schema") {
            roots.push((format!("{pointer}/schema"), schema));
        }
    }
    roots
}

fn any_of(doc: &Value, out: &mut Vec<Finding>) {
    for (pointer, root) in schema_roots(doc) {
        walk(root, pointer, &mut |node, pointer| {
            let Some(members) = node.get("anyOf").and_then(Value::as_array) else {
                return;
            };
            if members.len() < 2 {
                return;
            }
            let types: Vec<Option<&str>> = members.iter().map(|m| json_type(doc, m)).collect();
            // progenitor (typify) makes an enum of an anyOf whose members
            // cannot overlap, and otherwise a struct with every member as
            // a flattened optional field: usable only if all are objects.
            let exclusive = types.iter().all(Option::is_some)
                && types.iter().collect::<BTreeSet<_>>().len() == types.len();
            let all_objects = types.iter().all(|t| *t == Some("object"));
            if exclusive || all_objects {
                return;
            }
            let described: Vec<String> = types
                .iter()
                .map(|t| t.unwrap_or("untyped").to_string())
                .collect();
            out.push(Finding {
                rule: ANY_OF,
                location: pointer.to_string(),
                message: format!(
                    "anyOf [{}]: the members can overlap and are not all objects, so progenitor \
                     generates a struct that flattens each member into an optional field, which \
                     cannot deserialize a non-object value; use oneOf with members of different \
                     types, or make every member an object",
                    described.join(", ")
                ),
            });
        });
    }
}

/// The JSON type a schema accepts, following `$ref`s and single `allOf`
/// wrappers; `None` when it is not one type.
fn json_type<'a>(doc: &'a Value, schema: &'a Value) -> Option<&'a str> {
    let schema = spec::resolve(doc, schema);
    if let Some(ty) = schema.get("type").and_then(Value::as_str) {
        return Some(ty);
    }
    if schema.get("properties").is_some() {
        return Some("object");
    }
    match schema
        .get("allOf")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
    {
        Some([only]) => json_type(doc, only),
        _ => None,
    }
}

/// Whether a schema node is a string enum (typed `string`, or untyped with
/// only string values).
fn is_string_enum(node: &Value) -> bool {
    let Some(values) = node
        .get("enum")
        .and_then(Value::as_array)
        .filter(|v| !v.is_empty())
    else {
        return false;
    };
    match node.get("type").and_then(Value::as_str) {
        Some(ty) => ty == "string",
        None => values.iter().all(|v| v.is_string() || v.is_null()),
    }
}

fn closed_enums(doc: &Value, out: &mut Vec<Finding>) {
    // Components are walked once however many responses reach them.
    let mut visited = BTreeSet::new();
    for op in spec::operations(doc) {
        for (code, response) in op.responses(doc) {
            let pointer = response_pointer(&op, code);
            for (media_pointer, media) in media_types(response, &pointer) {
                if let Some(schema) = media.get("schema") {
                    find_closed_enums(
                        doc,
                        schema,
                        format!("{media_pointer}/schema"),
                        false,
                        &mut visited,
                        out,
                    );
                }
            }
        }
    }
}

/// Where a response is written: under the operation, or the component it
/// refers to.
fn response_pointer(op: &Operation<'_>, code: &str) -> String {
    match op
        .op
        .pointer(&format!("/responses/{}/$ref", spec::escape(code)))
        .and_then(Value::as_str)
    {
        Some(reference) => reference.to_string(),
        None => format!("{}/responses/{}", op.pointer(), spec::escape(code)),
    }
}

fn find_closed_enums(
    doc: &Value,
    node: &Value,
    pointer: String,
    component_root: bool,
    visited: &mut BTreeSet<String>,
    out: &mut Vec<Finding>,
) {
    if let Some(name) = spec::schema_ref_name(node) {
        if visited.insert(name.to_string())
            && let Some(schema) = spec::component_schemas(doc).and_then(|s| s.get(name))
        {
            find_closed_enums(
                doc,
                schema,
                format!("#/components/schemas/{}", spec::escape(name)),
                true,
                visited,
                out,
            );
        }
        return;
    }
    if is_string_enum(node) {
        // A named `type: string` enum is generated open (see
        // `cloud_codegen::open_enum`); anything else is a closed Rust enum
        // that fails the whole response on one new value.
        let open = component_root && node.get("type").and_then(Value::as_str) == Some("string");
        if !open {
            let values: Vec<String> = node["enum"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|v| v.as_str().unwrap_or("null").to_string())
                .collect();
            out.push(Finding {
                rule: CLOSED_ENUM,
                location: pointer.clone(),
                message: format!(
                    "string enum [{}] in a response is not a named schema, so it is generated \
                     closed: one new value fails the whole response; move it to \
                     components/schemas and $ref it",
                    values.join(", ")
                ),
            });
        }
    }
    for (segment, child) in children(node) {
        find_closed_enums(
            doc,
            child,
            format!("{pointer}/{segment}"),
            false,
            visited,
            out,
        );
    }
}

/// Every object that can carry `example`/`examples` next to a `schema`:
/// parameters, media types of bodies and responses, and response headers,
/// written inline in operations or as components. `$ref`s are skipped so
/// each is checked once, where it is written.
fn example_owners(doc: &Value) -> Vec<(String, &Value)> {
    let mut owners = Vec::new();
    let mut responses: Vec<(String, &Value)> = Vec::new();
    let mut bodies: Vec<(String, &Value)> = Vec::new();
    let mut params: Vec<(String, &Value)> = Vec::new();

    // Path-level parameters are shared by the path's operations.
    let mut paths_seen = BTreeSet::new();
    for op in spec::operations(doc) {
        let path_level = paths_seen
            .insert(op.path)
            .then(|| (op.item, format!("#/paths/{}", spec::escape(op.path))));
        for (owner, base) in path_level.into_iter().chain([(op.op, op.pointer())]) {
            for (i, p) in owner
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                if p.get("$ref").is_none() {
                    params.push((format!("{base}/parameters/{i}"), p));
                }
            }
        }
        if let Some(body) = op.op.get("requestBody").filter(|b| b.get("$ref").is_none()) {
            bodies.push((format!("{}/requestBody", op.pointer()), body));
        }
        for (code, r) in op
            .op
            .get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if r.get("$ref").is_none() {
                responses.push((
                    format!("{}/responses/{}", op.pointer(), spec::escape(code)),
                    r,
                ));
            }
        }
    }
    let component = |kind: &str| -> Vec<(String, &Value)> {
        doc.pointer(&format!("/components/{kind}"))
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(name, v)| (format!("#/components/{kind}/{}", spec::escape(name)), v))
            .collect()
    };
    params.extend(component("parameters"));
    bodies.extend(component("requestBodies"));
    responses.extend(component("responses"));

    // A parameter usually has a schema of its own; one with `content`
    // holds it in a media type.
    for (pointer, p) in params {
        if p.get("content").is_some() {
            owners.extend(media_types(p, &pointer));
        } else {
            owners.push((pointer, p));
        }
    }
    for (pointer, b) in bodies {
        owners.extend(media_types(b, &pointer));
    }
    for (pointer, r) in responses {
        owners.extend(media_types(r, &pointer));
        for (name, h) in r
            .get("headers")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if h.get("$ref").is_none() {
                owners.push((format!("{pointer}/headers/{}", spec::escape(name)), h));
            }
        }
    }
    owners
}

fn examples(doc: &Value, out: &mut Vec<Finding>) {
    let mut check = |pointer: String, schema: &Value, example: &Value| {
        for error in validate::messages(doc, schema, example) {
            out.push(Finding {
                rule: EXAMPLE,
                location: pointer.clone(),
                message: error,
            });
        }
    };
    for (pointer, owner) in example_owners(doc) {
        let Some(schema) = owner.get("schema") else {
            continue;
        };
        if let Some(example) = owner.get("example") {
            check(format!("{pointer}/example"), schema, example);
        }
        for (name, example) in owner
            .get("examples")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let example = spec::resolve(doc, example);
            if let Some(value) = example.get("value") {
                check(
                    format!("{pointer}/examples/{}/value", spec::escape(name)),
                    schema,
                    value,
                );
            }
        }
    }
    // Examples written on schemas themselves.
    for (pointer, root) in schema_roots(doc) {
        walk(root, pointer, &mut |node, pointer| {
            if let Some(example) = node.get("example") {
                check(format!("{pointer}/example"), node, example);
            }
        });
    }
}
