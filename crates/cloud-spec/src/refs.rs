//! `$ref` resolution: the one place that follows references.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::schema::component_schemas;

/// The prefix of a `$ref` to a component schema.
pub const SCHEMA_REF: &str = "#/components/schemas/";

/// A bound instead of cycle detection: a chain of references longer than
/// this is a cycle in any real document.
const MAX_CHAIN: usize = 32;

/// Follows `$ref`s (local ones, `#/...`) until a node without one. A `$ref`
/// that points nowhere is returned as it is (the node holding it), so
/// callers see what is missing.
pub fn resolve<'a>(doc: &'a Value, node: &'a Value) -> &'a Value {
    let mut current = node;
    for _ in 0..MAX_CHAIN {
        let Some(target) = ref_target(doc, current) else {
            return current;
        };
        current = target;
    }
    current
}

/// [`resolve`], also seeing through a one-member `allOf` (the wrapper
/// OpenAPI 3.0 needs to make a reference `nullable` or describe it): the
/// schema whose keywords describe the value.
pub fn resolve_schema<'a>(doc: &'a Value, node: &'a Value) -> &'a Value {
    let mut current = node;
    for _ in 0..MAX_CHAIN {
        if let Some(target) = ref_target(doc, current) {
            current = target;
        } else if let Some([only]) = current
            .get("allOf")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
        {
            current = only;
        } else {
            break;
        }
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

/// Escapes one JSON-pointer segment (`~` and `/`).
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// The names of every component schema reachable from `node`, through
/// other component schemas and through `$ref`s to responses, parameters
/// and request bodies.
///
/// Examples are data, not schemas: a key named `$ref` inside `example` or
/// `examples` does not count (a *property* named `example` does).
pub fn reachable_schemas(doc: &Value, node: &Value) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut seen_other = BTreeSet::new();
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn references_resolve_through_chains_and_wrappers() {
        let doc = json!({"components": {
            "schemas": {"A": {"$ref": "#/components/schemas/B"}, "B": {"type": "string"}},
            "parameters": {"P": {"name": "p", "in": "query"}}
        }});
        let a = json!({"$ref": "#/components/schemas/A"});
        assert_eq!(resolve(&doc, &a), &json!({"type": "string"}));
        let wrapped = json!({"nullable": true, "allOf": [{"$ref": "#/components/schemas/A"}]});
        assert_eq!(resolve(&doc, &wrapped), &wrapped);
        assert_eq!(resolve_schema(&doc, &wrapped), &json!({"type": "string"}));
        assert_eq!(wrapped_ref_name(&wrapped), Some("A"));
        let missing = json!({"$ref": "#/components/schemas/Missing"});
        assert_eq!(resolve(&doc, &missing), &missing);
        let p = json!({"$ref": "#/components/parameters/P"});
        assert_eq!(resolve(&doc, &p)["name"], "p");
        assert_eq!(schema_ref_name(&p), None);
    }

    #[test]
    fn reachable_schemas_skip_examples_but_not_properties_named_example() {
        let doc = json!({"components": {"schemas": {
            "A": {"properties": {"example": {"$ref": "#/components/schemas/B"}}},
            "B": {"type": "object", "example": {"$ref": "#/components/schemas/C"}},
            "C": {"type": "string"}
        }}});
        let names = reachable_schemas(&doc, &json!({"$ref": "#/components/schemas/A"}));
        assert_eq!(names.into_iter().collect::<Vec<_>>(), ["A", "B"]);
        assert_eq!(escape("/a~b"), "~1a~0b");
    }
}
