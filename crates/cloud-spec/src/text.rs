//! Values that travel as text (query and path parameters, form fields)
//! read as the types their schema declares, before validation: `"8"` is an
//! integer where one is declared, so it checks as one, and `"abc"` stays a
//! string and fails the type check under its own name.

use serde_json::Value;

use crate::refs::resolve;
use crate::schema::schema_type;

/// How deep nested schemas are followed: a recursive schema must not hang.
const MAX_DEPTH: usize = 32;

/// A boolean as form fields and query parameters spell it: `true`/`false`,
/// `1`/`0`, and Python's `True`/`False`, which is what `requests` sends for
/// a `bool` value.
pub fn parse_bool(text: &str) -> Option<bool> {
    match text {
        "true" | "True" | "1" => Some(true),
        "false" | "False" | "0" => Some(false),
        _ => None,
    }
}

/// `value` (a string, or a form: an object whose values are strings, a
/// repeated field an array of strings) read as the types `schema` (a node
/// of `doc`) declares: integers, numbers, booleans ([`parse_bool`]), a
/// field sent once as a one-item list where a list is declared; for a
/// composed schema, the first member that reads it. What does not read
/// stays as it was.
pub fn read_text(doc: &Value, schema: &Value, value: Value) -> Value {
    read(doc, schema, value, 0)
}

fn read(doc: &Value, schema: &Value, value: Value, depth: usize) -> Value {
    if depth > MAX_DEPTH {
        return value;
    }
    let schema = resolve(doc, schema);
    match value {
        Value::String(s) => {
            let types = schema_type(schema);
            if types.is_empty() {
                let members = ["oneOf", "anyOf", "allOf"]
                    .iter()
                    .filter_map(|k| schema.get(*k).and_then(Value::as_array))
                    .flatten();
                for m in members {
                    let v = read(doc, m, Value::String(s.clone()), depth + 1);
                    if !v.is_string() {
                        return v;
                    }
                }
                return Value::String(s);
            }
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
                        if let Some(b) = parse_bool(&s) {
                            return Value::Bool(b);
                        }
                    }
                    "array" => {
                        let item = schema.get("items").unwrap_or(&Value::Null);
                        return Value::Array(vec![read(doc, item, Value::String(s), depth + 1)]);
                    }
                    _ => {}
                }
            }
            Value::String(s)
        }
        Value::Array(items) => match schema.get("items") {
            Some(item) => Value::Array(
                items
                    .into_iter()
                    .map(|v| read(doc, item, v, depth + 1))
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
                            Some(p) => read(doc, p, v, depth + 1),
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
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_reads_as_the_declared_types() {
        let doc = json!({"components": {"schemas": {"N": {"type": "integer"}}}});
        let schema = json!({"properties": {
            "n": {"$ref": "#/components/schemas/N"},
            "x": {"type": "number"},
            "b": {"type": "boolean"},
            "s": {"type": "string"},
            "l": {"type": "array", "items": {"type": "integer"}},
            "u": {"oneOf": [{"type": "boolean"}, {"type": "integer"}]}
        }});
        let form =
            json!({"n": "8", "x": "1.5", "b": "False", "s": "8", "l": "3", "u": "7", "o": "1"});
        assert_eq!(
            read_text(&doc, &schema, form),
            json!({"n": 8, "x": 1.5, "b": false, "s": "8", "l": [3], "u": 7, "o": "1"})
        );
        let odd = json!({"n": "eight", "b": "FALSE", "l": ["1", "x"]});
        assert_eq!(
            read_text(&doc, &schema, odd),
            json!({"n": "eight", "b": "FALSE", "l": [1, "x"]})
        );
        assert_eq!(parse_bool("True"), Some(true));
        assert_eq!(parse_bool("no"), None);
    }
}
