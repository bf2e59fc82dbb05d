//! Spec checks that turn progenitor's build-time panics into readable
//! problems, plus the small OpenAPI walking helpers they need.

use std::collections::{BTreeSet, HashSet};

use openapiv3::{
    Components, OpenAPI, Operation, PathItem, ReferenceOr, Schema, SchemaKind, StatusCode, Type,
};

use crate::Problem;

/// The HTTP methods an OpenAPI path item can hold, lower case.
pub use cloud_spec::METHODS;

/// Every operation as `(path, method, operation)`, in document order.
pub fn operations(api: &OpenAPI) -> Vec<(&str, &'static str, &Operation)> {
    let mut out = Vec::new();
    for (path, item) in &api.paths.paths {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        for method in METHODS {
            if let Some(op) = get_operation(item, method) {
                out.push((path.as_str(), *method, op));
            }
        }
    }
    out
}

fn get_operation<'a>(item: &'a PathItem, method: &str) -> Option<&'a Operation> {
    match method {
        "get" => item.get.as_ref(),
        "put" => item.put.as_ref(),
        "post" => item.post.as_ref(),
        "delete" => item.delete.as_ref(),
        "options" => item.options.as_ref(),
        "head" => item.head.as_ref(),
        "patch" => item.patch.as_ref(),
        "trace" => item.trace.as_ref(),
        _ => None,
    }
}

/// Replaces (or removes, with `None`) the operation for `method`.
pub fn set_operation(item: &mut PathItem, method: &str, op: Option<Operation>) {
    let slot = match method {
        "get" => &mut item.get,
        "put" => &mut item.put,
        "post" => &mut item.post,
        "delete" => &mut item.delete,
        "options" => &mut item.options,
        "head" => &mut item.head,
        "patch" => &mut item.patch,
        "trace" => &mut item.trace,
        _ => return,
    };
    *slot = op;
}

/// `operationId (METHOD /path)`, the way problems name an operation.
pub fn describe(op: &Operation, method: &str, path: &str) -> String {
    let id = op.operation_id.as_deref().unwrap_or("<no operationId>");
    format!("{id} ({} {path})", method.to_uppercase())
}

/// Resolves a `$ref` to a component schema (one level is all our specs use,
/// but chains are followed).
pub fn resolve<'a>(
    components: Option<&'a Components>,
    schema: &'a ReferenceOr<Schema>,
) -> Option<&'a Schema> {
    let mut current = schema;
    for _ in 0..16 {
        match current {
            ReferenceOr::Item(s) => return Some(s),
            ReferenceOr::Reference { reference } => {
                let name = reference.strip_prefix("#/components/schemas/")?;
                current = components?.schemas.get(name)?;
            }
        }
    }
    None
}

fn resolve_boxed<'a>(
    components: Option<&'a Components>,
    schema: &'a ReferenceOr<Box<Schema>>,
) -> Option<&'a Schema> {
    match schema {
        ReferenceOr::Item(s) => Some(s),
        ReferenceOr::Reference { reference } => {
            let name = reference.strip_prefix("#/components/schemas/")?;
            resolve(components, components?.schemas.get(name)?)
        }
    }
}

/// Problems that would make progenitor 0.15 panic or fail: wrong OpenAPI
/// version, missing or duplicate `operationId`, more than one success or
/// error schema, arrays or nested objects in a form body, a `$ref` that
/// points nowhere.
pub fn progenitor_blockers(api: &OpenAPI) -> Vec<Problem> {
    let mut problems = dangling_refs(api);
    if !api.openapi.trim().starts_with("3.0.") {
        problems.push(Problem {
            operation: None,
            message: format!(
                "`openapi: {}`: progenitor reads OpenAPI 3.0.x only",
                api.openapi
            ),
        });
    }
    let components = api.components.as_ref();
    let mut seen = HashSet::new();
    for (path, method, op) in operations(api) {
        let name = describe(op, method, path);
        let hand_written = op.extensions.contains_key(crate::HAND_WRITTEN_EXTENSION);
        let mut problem = |message: String| {
            problems.push(Problem {
                operation: Some(name.clone()),
                message,
            })
        };
        match &op.operation_id {
            None => problem("has no operationId".into()),
            Some(id) if !seen.insert(id.clone()) => {
                problem(format!("operationId `{id}` is used twice"))
            }
            Some(_) => {}
        }
        if hand_written {
            // Not given to progenitor (see `crate::HAND_WRITTEN_EXTENSION`).
            continue;
        }
        let (success, error) = response_schemas(op);
        if success.len() > 1 {
            problem(format!(
                "has {} different success schemas ({}); progenitor allows one",
                success.len(),
                success.into_iter().collect::<Vec<_>>().join(", ")
            ));
        }
        if error.len() > 1 {
            problem(format!(
                "has {} different error schemas ({}); progenitor allows one",
                error.len(),
                error.into_iter().collect::<Vec<_>>().join(", ")
            ));
        }
        if let Some(problem_text) = unsupported_body(components, op) {
            problem(problem_text);
        }
        for field in form_body_non_scalars(components, op) {
            problem(format!(
                "form body field `{field}` is an array or object; form-urlencoded bodies can carry scalars only"
            ));
        }
    }
    problems
}

/// The request body media types progenitor 0.15 generates (its
/// `BodyContentType`; parameters after `;` are ignored).
const BODY_MEDIA_TYPES: &[&str] = &[
    "application/json",
    "application/x-www-form-urlencoded",
    "application/octet-stream",
    "text/plain",
    "text/x-markdown",
];

/// Why progenitor cannot take `op`'s request body, if it cannot: more
/// than one media type (it stops with `todo!`), or one it does not know
/// (`multipart/form-data`: an upload). Found here, it costs nothing;
/// found by progenitor, [`crate::generate`] regenerates every operation
/// alone to say which one failed, which on a spec of hundreds of
/// operations takes minutes.
fn unsupported_body(components: Option<&Components>, op: &Operation) -> Option<String> {
    let body = match op.request_body.as_ref()? {
        ReferenceOr::Item(body) => body,
        ReferenceOr::Reference { reference } => {
            let name = reference.strip_prefix("#/components/requestBodies/")?;
            match components?.request_bodies.get(name)? {
                ReferenceOr::Item(body) => body,
                ReferenceOr::Reference { .. } => return None,
            }
        }
    };
    let types: Vec<&str> = body.content.keys().map(String::as_str).collect();
    match types.as_slice() {
        [] => None,
        [one] => {
            let base = one.split(';').next().unwrap_or_default().trim();
            (!BODY_MEDIA_TYPES.contains(&base)).then(|| {
                format!(
                    "request body `{one}`: progenitor generates only {} bodies",
                    BODY_MEDIA_TYPES.join(", ")
                )
            })
        }
        many => Some(format!(
            "request body in {} media types ({}); progenitor takes one",
            many.len(),
            many.join(", ")
        )),
    }
}

/// The distinct schemas (by `$ref` name, or their JSON) of the success
/// (2xx, default) and error (4xx, 5xx, default) responses.
fn response_schemas(op: &Operation) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut success = BTreeSet::new();
    let mut error = BTreeSet::new();
    let add = |set: &mut BTreeSet<String>, response: &ReferenceOr<openapiv3::Response>| {
        let key = match response {
            ReferenceOr::Reference { reference } => reference.clone(),
            ReferenceOr::Item(r) => match r.content.values().next().and_then(|m| m.schema.as_ref())
            {
                Some(ReferenceOr::Reference { reference }) => reference.clone(),
                Some(ReferenceOr::Item(s)) => serde_json::to_string(s).unwrap_or_default(),
                None => "(no body)".to_string(),
            },
        };
        set.insert(key);
    };
    for (code, response) in &op.responses.responses {
        let class = match code {
            StatusCode::Code(c) => c / 100,
            StatusCode::Range(r) => *r,
        };
        match class {
            2 => add(&mut success, response),
            4 | 5 => add(&mut error, response),
            _ => {}
        }
    }
    if let Some(default) = &op.responses.default {
        add(&mut success, default);
        add(&mut error, default);
    }
    (success, error)
}

fn form_body_non_scalars(components: Option<&Components>, op: &Operation) -> Vec<String> {
    let body = match &op.request_body {
        Some(ReferenceOr::Item(body)) => body,
        // A body shared through `components.requestBodies` is generated the
        // same way as an inline one.
        Some(ReferenceOr::Reference { reference }) => {
            match reference
                .strip_prefix("#/components/requestBodies/")
                .and_then(|name| components?.request_bodies.get(name))
            {
                Some(ReferenceOr::Item(body)) => body,
                _ => return Vec::new(),
            }
        }
        None => return Vec::new(),
    };
    let Some(media) = body.content.get("application/x-www-form-urlencoded") else {
        return Vec::new();
    };
    let Some(schema) = media.schema.as_ref().and_then(|s| resolve(components, s)) else {
        return Vec::new();
    };
    let SchemaKind::Type(Type::Object(object)) = &schema.schema_kind else {
        return vec!["(the body itself)".to_string()];
    };
    object
        .properties
        .iter()
        .filter(|(_, prop)| {
            resolve_boxed(components, prop)
                .map(|s| unwrap_single_all_of(components, s))
                .is_some_and(|s| {
                    matches!(
                        s.schema_kind,
                        SchemaKind::Type(Type::Array(_)) | SchemaKind::Type(Type::Object(_))
                    )
                })
        })
        .map(|(name, _)| name.clone())
        .collect()
}

/// Sees through `allOf: [{$ref}]`, the wrapper specs use to make a
/// reference nullable or describe it.
fn unwrap_single_all_of<'a>(components: Option<&'a Components>, schema: &'a Schema) -> &'a Schema {
    match &schema.schema_kind {
        SchemaKind::AllOf { all_of } if all_of.len() == 1 => {
            resolve(components, &all_of[0]).unwrap_or(schema)
        }
        _ => schema,
    }
}

/// Every `$ref` that does not resolve inside the document. progenitor reads
/// one self-contained document and fails on (or generates code naming a
/// type that does not exist for) any other reference.
fn dangling_refs(api: &OpenAPI) -> Vec<Problem> {
    let Ok(doc) = serde_json::to_value(api) else {
        return Vec::new();
    };
    let mut problems = Vec::new();
    // (node, its pointer, whether it is a `properties` map, whose keys are
    // field names rather than keywords)
    let mut stack = vec![(&doc, String::new(), false)];
    while let Some((node, pointer, is_properties)) = stack.pop() {
        match node {
            serde_json::Value::Object(map) => {
                if let Some(reference) = map.get("$ref").and_then(|r| r.as_str()) {
                    let resolves = cloud_spec::ref_target(&doc, node).is_some();
                    if !resolves {
                        problems.push(Problem {
                            operation: None,
                            message: format!(
                                "`$ref: {reference}` at {} points nowhere in the document",
                                if pointer.is_empty() { "/" } else { &pointer }
                            ),
                        });
                    }
                }
                for (key, value) in map {
                    // Examples are data: a key named `$ref` there is not a
                    // reference (a field named `example` is a schema).
                    if is_properties || (key != "example" && key != "examples") {
                        let segment = cloud_spec::escape(key);
                        let child_is_properties = !is_properties && key == "properties";
                        stack.push((value, format!("{pointer}/{segment}"), child_is_properties));
                    }
                }
            }
            serde_json::Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    stack.push((item, format!("{pointer}/{i}"), false));
                }
            }
            _ => {}
        }
    }
    // The walk's order is an accident of the stack: report sorted.
    problems.sort_by(|a, b| a.message.cmp(&b.message));
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(yaml: &str) -> OpenAPI {
        cloud_spec::parse_typed(yaml).expect("fixture")
    }

    #[test]
    fn a_dangling_ref_is_a_blocker_but_a_ref_key_in_an_example_is_data() {
        let problems = progenitor_blockers(&api(r##"
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a:
    get:
      operationId: a
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Missing'}
              example: {$ref: not-a-reference}
components:
  schemas:
    Present:
      type: object
      properties:
        example: {$ref: '#/components/schemas/AlsoMissing'}
"##));
        let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "`$ref: #/components/schemas/AlsoMissing` at /components/schemas/Present/properties/example points nowhere in the document",
                "`$ref: #/components/schemas/Missing` at /paths/~1a/get/responses/200/content/application~1json/schema points nowhere in the document",
            ]
        );
    }
}
