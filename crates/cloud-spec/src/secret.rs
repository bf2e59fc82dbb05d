//! The properties a spec declares as credentials, which the generated
//! clients type as `cloud_common::Secret` and every printer redacts.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::refs::SCHEMA_REF;

/// The schema name every spec uses for credentials and secrets; the
/// generated clients type it as `::cloud_common::Secret`, which redacts.
pub const SECRET_SCHEMA: &str = "Secret";

/// Whether a property schema declares a credential: a `$ref` to the
/// [`SECRET_SCHEMA`] (also inside an `allOf`, the wrapper that describes
/// a reference), or `format: password`, the Secret schema's own format.
pub fn is_secret(property: &Value) -> bool {
    let is_ref = |v: &Value| {
        v.get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix(SCHEMA_REF))
            == Some(SECRET_SCHEMA)
    };
    is_ref(property)
        || property
            .get("allOf")
            .and_then(Value::as_array)
            .is_some_and(|l| l.iter().any(is_ref))
        || property.get("format").and_then(Value::as_str) == Some("password")
}

/// The names of the properties that are secrets (see [`is_secret`])
/// anywhere in what `node` reaches, following `$ref`s to component
/// schemas, in sorted order. Examples are data and are not searched.
///
/// With the whole document as `node`, every secret property it declares.
pub fn secret_fields(doc: &Value, node: &Value) -> Vec<String> {
    let mut names = BTreeSet::new();
    let mut visited = BTreeSet::new();
    let mut stack = vec![node];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(map) => {
                if let Some(Value::Object(props)) = map.get("properties") {
                    for (name, prop) in props {
                        if is_secret(prop) {
                            names.insert(name.clone());
                        }
                    }
                }
                if let Some(Value::String(r)) = map.get("$ref")
                    && let Some(name) = r.strip_prefix(SCHEMA_REF)
                    && visited.insert(name.to_string())
                    && let Some(schema) =
                        doc.pointer("/components/schemas").and_then(|s| s.get(name))
                {
                    stack.push(schema);
                }
                for (key, child) in map {
                    if key != "example" && key != "examples" {
                        stack.push(child);
                    }
                }
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    names.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_are_found_through_refs_and_wrappers_but_not_in_examples() {
        let doc = json!({"components": {"schemas": {
            "Secret": {"type": "string", "format": "password"},
            "Login": {"properties": {
                "token": {"$ref": "#/components/schemas/Secret"},
                "password": {"description": "d", "allOf": [{"$ref": "#/components/schemas/Secret"}]},
                "pin": {"type": "string", "format": "password"},
                "name": {"type": "string"}
            }, "example": {"properties": {"x": {"$ref": "#/components/schemas/Secret"}}}}
        }}});
        let response = json!({"schema": {"$ref": "#/components/schemas/Login"}});
        assert_eq!(secret_fields(&doc, &response), ["password", "pin", "token"]);
        assert!(secret_fields(&doc, &json!({"type": "string"})).is_empty());
    }
}
