//! Reading the keywords of one schema, media type or body node.

use serde_json::{Map, Value};

use crate::refs::resolve;

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

/// The types a schema names: its `type`, or each of a `type` list (as
/// OpenAPI 3.1 writes nullability); empty when it names none.
pub fn schema_type(node: &Value) -> Vec<&str> {
    match node.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// `components.schemas`, if the document has any.
pub fn component_schemas(doc: &Value) -> Option<&Map<String, Value>> {
    doc.pointer("/components/schemas")
        .and_then(Value::as_object)
}

/// The media type and schema of a response or request body: the first
/// media type's, the way progenitor picks it.
pub fn body_schema(body: &Value) -> Option<(&str, &Value)> {
    let (media, content) = body.get("content")?.as_object()?.iter().next()?;
    Some((media.as_str(), content.get("schema")?))
}

/// The example of a media type (or parameter): its `example`, else the
/// `value` of its first `examples` entry (`$ref`s to
/// `components.examples` followed).
pub fn media_example<'a>(doc: &'a Value, media: &'a Value) -> Option<&'a Value> {
    if let Some(example) = media.get("example") {
        return Some(example);
    }
    let first = media.get("examples")?.as_object()?.values().next()?;
    resolve(doc, first).get("value")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keywords_read_with_defaults() {
        let s = json!({"type": ["string", "null"], "required": ["a"], "nullable": true});
        assert_eq!(schema_type(&s), ["string", "null"]);
        assert_eq!(required(&s), ["a"]);
        assert!(nullable(&s));
        assert!(properties(&s).is_none());
        assert!(schema_type(&json!({})).is_empty());
    }

    #[test]
    fn media_examples_prefer_example_then_the_first_named_one() {
        let doc = json!({"components": {"examples": {"E": {"value": 2}}}});
        let media = json!({"examples": {"a": {"$ref": "#/components/examples/E"}}});
        assert_eq!(media_example(&doc, &media), Some(&json!(2)));
        let media = json!({"example": 1, "examples": {"a": {"value": 3}}});
        assert_eq!(media_example(&doc, &media), Some(&json!(1)));
        let body = json!({"content": {"application/json": {"schema": {"type": "string"}}}});
        assert_eq!(body_schema(&body).unwrap().0, "application/json");
    }
}
