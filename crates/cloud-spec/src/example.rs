//! Values synthesised from schemas, for examples and fake answers.
//!
//! One walk, parameterised where its users differ on purpose: `xtask
//! import` writes examples that look like CloudTower's (values shaped by
//! the field's name, required properties only below the top), a fake
//! answers with every property filled in. What differs is a field of
//! [`Synthesiser`]; the walk itself (references, compositions, enums,
//! examples, objects and arrays) is shared.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::refs::{resolve, schema_ref_name};
use crate::schema::{properties, required, schema_type};

/// Which properties of an object schema get a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Properties {
    /// Every property, at every level.
    All,
    /// The required ones only.
    Required,
    /// Every property of the outermost object, the required ones below it
    /// (a whole response, without recursing into every optional part).
    AllAtTop,
    /// The required ones, and `null` for every optional property that
    /// admits it (a record as a service stores it: every field present).
    RequiredAndNullable,
}

/// How `allOf`, `oneOf` and `anyOf` are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compositions {
    /// A value of the first member of any of them.
    First,
    /// The objects of every `allOf` member merged (a lone non-object member
    /// as it is); the first member of a `oneOf` or `anyOf`.
    MergeAllOf,
}

/// Makes values of schemas. Build it with [`Synthesiser::new`] and change
/// the fields where the defaults (`xtask import`'s choices) do not fit.
#[derive(Debug, Clone, Copy)]
pub struct Synthesiser<'a> {
    /// The document whose `$ref`s the schemas use.
    pub doc: &'a Value,
    /// Which properties get a value. Default: [`Properties::AllAtTop`].
    pub properties: Properties,
    /// How compositions are read. Default: [`Compositions::First`].
    pub compositions: Compositions,
    /// Whether a schema's `example` wins over its first `enum` value, and
    /// both over its compositions (the spec's own answer, as a fake gives
    /// it).
    /// Default: `false` (the enum value, which is certainly valid).
    pub example_first: bool,
    /// Nesting (through properties, items and compositions counted by
    /// [`Self::count_compositions`]) beyond which the value is `null`, so
    /// recursive schemas end. Default: 8.
    pub max_depth: usize,
    /// Whether compositions count towards `max_depth`. Default: `false`.
    pub count_compositions: bool,
    /// Whether following a `$ref` counts towards `max_depth`. Default:
    /// `false`.
    pub count_refs: bool,
    /// Arrays at this nesting or deeper are empty; shallower ones hold one
    /// item (`0`: every array is empty). Default: 4.
    pub array_depth: usize,
    /// Values laid over the value of a component schema, by the schema's
    /// name: their keys replace the synthesised ones (see
    /// [`harvest_examples`]). Default: none.
    pub overlays: Option<&'a BTreeMap<String, Value>>,
    /// The value of a schema that is neither an object nor an array, nor
    /// has an `example` or `enum`: `(field name, schema, type)`, the type
    /// being `""` for an untyped schema without properties. Default:
    /// [`import_scalar`].
    pub scalar: fn(&str, &Value, &str) -> Value,
    /// A value for a reference to a component schema, by its name, before
    /// the reference is followed; `None` follows it. Default: an example
    /// password for the `Secret` schema.
    pub named: fn(&str) -> Option<Value>,
}

impl<'a> Synthesiser<'a> {
    /// A synthesiser for schemas of `doc`, with `xtask import`'s choices.
    pub fn new(doc: &'a Value) -> Self {
        Self {
            doc,
            properties: Properties::AllAtTop,
            compositions: Compositions::First,
            example_first: false,
            max_depth: 8,
            count_compositions: false,
            count_refs: false,
            array_depth: 4,
            overlays: None,
            scalar: import_scalar,
            named: |name| {
                (name == crate::secret::SECRET_SCHEMA).then(|| Value::from("ExamplePassword1!"))
            },
        }
    }

    /// A value of `schema`, the value of property `field` (`""` for none).
    pub fn value(&self, schema: &Value, field: &str) -> Value {
        self.at(schema, field, 0)
    }

    fn at(&self, schema: &Value, field: &str, depth: usize) -> Value {
        // Past `max_depth` only required properties are filled and lists
        // are empty, which ends any tree a valid value can have (a storage
        // cluster's storage clusters); the hard stop is for a schema that
        // requires itself.
        if depth > self.max_depth.saturating_mul(2).saturating_add(8) {
            return Value::Null;
        }
        if let Some(name) = schema_ref_name(schema) {
            if let Some(value) = (self.named)(name) {
                return value;
            }
            if let Some(overlay) = self.overlays.and_then(|o| o.get(name)) {
                let target = resolve(self.doc, schema);
                let mut value = self.at(target, field, depth + usize::from(self.count_refs));
                if let (Value::Object(into), Value::Object(from)) = (&mut value, overlay) {
                    into.extend(from.iter().map(|(k, v)| (k.clone(), v.clone())));
                }
                return value;
            }
            if self.count_refs {
                return self.at(resolve(self.doc, schema), field, depth + 1);
            }
        }
        let schema = resolve(self.doc, schema);
        if self.example_first
            && let Some(given) = schema.get("example").or_else(|| first_of(schema, "enum"))
        {
            return given.clone();
        }
        let inner = depth + usize::from(self.count_compositions);
        match self.compositions {
            Compositions::MergeAllOf => {
                if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
                    let mut merged = Map::new();
                    for member in all {
                        match self.at(member, field, inner) {
                            Value::Object(m) => merged.extend(m),
                            other if all.len() == 1 => return other,
                            _ => {}
                        }
                    }
                    return Value::Object(merged);
                }
            }
            Compositions::First => {
                if let Some(first) = first_of(schema, "allOf") {
                    return self.at(first, field, inner);
                }
            }
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(first) = first_of(schema, key) {
                return self.at(first, field, inner);
            }
        }
        let example = schema.get("example");
        let first_enum = schema
            .get("enum")
            .and_then(Value::as_array)
            .and_then(|e| e.first());
        let given = if self.example_first {
            example.or(first_enum)
        } else {
            first_enum.or(example)
        };
        if let Some(value) = given {
            return value.clone();
        }
        let ty = schema_type(schema)
            .into_iter()
            .find(|t| *t != "null")
            .unwrap_or(if schema.get("properties").is_some() {
                "object"
            } else {
                ""
            });
        match ty {
            "array" => {
                let empty = Value::Object(Map::new());
                let item = schema.get("items");
                // Past the depth limit an item would be `null`: a recursive
                // tree (a storage cluster's storage clusters) ends in an
                // empty list instead.
                if depth >= self.array_depth || depth >= self.max_depth {
                    return Value::Array(Vec::new());
                }
                match self.at(item.unwrap_or(&empty), field, depth + 1) {
                    // Items of no declared schema that [`Self::scalar`]
                    // makes nothing of: an empty list, not `[null]`.
                    Value::Null if item.is_none() => Value::Array(Vec::new()),
                    value => Value::Array(vec![value]),
                }
            }
            "object" => {
                let required = required(schema);
                let mut out = Map::new();
                for (name, property) in properties(schema).into_iter().flatten() {
                    let is_required = required.contains(&name.as_str());
                    // An optional property past the depth limit is left
                    // out rather than `null`.
                    let wanted = match self.properties {
                        _ if depth >= self.max_depth => is_required,
                        Properties::All => true,
                        Properties::Required | Properties::RequiredAndNullable => is_required,
                        Properties::AllAtTop => depth == 0 || is_required,
                    };
                    if wanted {
                        out.insert(name.clone(), self.at(property, name, depth + 1));
                    } else if self.properties == Properties::RequiredAndNullable
                        && crate::schema::nullable(property)
                    {
                        out.insert(name.clone(), Value::Null);
                    }
                }
                Value::Object(out)
            }
            other => (self.scalar)(field, schema, other),
        }
    }
}

fn first_of<'v>(schema: &'v Value, key: &str) -> Option<&'v Value> {
    schema.get(key)?.as_array()?.first()
}

/// `xtask import`'s scalars, shaped like what CloudTower puts in a field
/// of that name (ids, IPs, masks, dates); any other type is an empty
/// object, as an untyped schema is an object in its documents.
pub fn import_scalar(field: &str, schema: &Value, ty: &str) -> Value {
    match ty {
        "string" => Value::from(import_string(field, schema)),
        "integer" => {
            let min = schema.get("minimum").and_then(Value::as_i64).unwrap_or(1);
            Value::from(min.max(1))
        }
        "number" => Value::from(1.5),
        "boolean" => Value::Bool(false),
        _ => Value::Object(Map::new()),
    }
}

fn import_string(field: &str, schema: &Value) -> String {
    match schema.get("format").and_then(Value::as_str) {
        Some("date-time") => return "2024-05-09T08:21:32.000Z".into(),
        Some("date") => return "2024-05-09".into(),
        Some("uuid") => return "3a8e1c4e-6f8c-4b2b-9a2f-0b8f5a3f7f10".into(),
        _ => {}
    }
    if field == "local_id" {
        "3a8e1c4e-6f8c-4b2b-9a2f-0b8f5a3f7f10".into()
    } else if field == "id" || field.ends_with("_id") || field == "after" || field == "before" {
        "cl2k1yswo1ifg0822ruv6ylfp".into()
    } else if field.ends_with("_ip") || field == "ip" || field.ends_with("gateway") {
        "192.168.20.31".into()
    } else if field.ends_with("subnetmask") || field.ends_with("netmask") {
        "255.255.255.0".into()
    } else if field.is_empty() {
        "example".into()
    } else {
        format!("example-{}", field.replace('_', "-"))
    }
}

/// Zero values: empty strings (a fixed time for `date-time`), zeros and
/// `false`, whatever the field's name; untyped schemas are `null`. What a
/// fake stores before its fixtures fill a record in.
pub fn zero_scalar(_field: &str, schema: &Value, ty: &str) -> Value {
    match ty {
        "string" => match schema.get("format").and_then(Value::as_str) {
            Some("date-time") => Value::from("2024-05-09T08:00:00.000Z"),
            _ => Value::from(""),
        },
        "integer" => Value::from(0),
        "number" => Value::from(0.0),
        "boolean" => Value::Bool(false),
        _ => Value::Null,
    }
}

/// An example value per component schema, harvested from the 200 response
/// examples of `doc`'s operations: wherever a response example holds a
/// value of a named object schema, the first such value is that schema's
/// example. Operations `first` picks are read before the others (a read's
/// example is a whole record, where a mutation's is often a placeholder),
/// and what an operation answers itself (its object, its array's items)
/// before what sits nested in another's answer (`get-vms`' example is the
/// `Vm`, not a `vm` summary inside some other record).
pub fn harvest_examples(
    doc: &Value,
    first: impl Fn(&crate::Operation<'_>) -> bool,
) -> BTreeMap<String, Value> {
    let mut ops = crate::operations(doc);
    ops.sort_by_key(|op| !first(op));
    let mut found = BTreeMap::new();
    // Depth 1: the answer's own record, or its array's items.
    for limit in [1, 12] {
        for op in &ops {
            let Some(media) = op.response_media(doc, "200", "application/json") else {
                continue;
            };
            if let (Some(schema), Some(example)) = (media.get("schema"), media.get("example")) {
                harvest(doc, schema, example, (0, limit), &mut found);
            }
        }
    }
    found
}

/// `depth`: how deep `example` is in its answer, and how deep to go.
fn harvest(
    doc: &Value,
    schema: &Value,
    example: &Value,
    (depth, limit): (usize, usize),
    found: &mut BTreeMap<String, Value>,
) {
    if depth > limit || example.is_null() {
        return;
    }
    if let Some(name) = crate::refs::wrapped_ref_name(schema) {
        if example.is_object() && !found.contains_key(name) {
            found.insert(name.to_string(), example.clone());
        }
        if let Some(next) = crate::schema::component_schemas(doc).and_then(|s| s.get(name)) {
            harvest(doc, next, example, (depth + 1, limit), found);
        }
        return;
    }
    if let Some(items) = schema.get("items") {
        if let Some(first) = example.as_array().and_then(|a| a.first()) {
            harvest(doc, items, first, (depth + 1, limit), found);
        }
        return;
    }
    for (key, property) in properties(schema).into_iter().flatten() {
        if let Some(value) = example.get(key) {
            harvest(doc, property, value, (depth + 1, limit), found);
        }
    }
}

/// Plain scalars by format and bounds (`minimum`, else 1), whatever the
/// field's name: what a generic fake answers. Untyped schemas are `null`.
pub fn plain_scalar(_field: &str, schema: &Value, ty: &str) -> Value {
    match ty {
        "string" => Value::from(match schema.get("format").and_then(Value::as_str) {
            Some("date-time") => "2024-01-01T00:00:00Z",
            Some("date") => "2024-01-01",
            Some("uuid") => "00000000-0000-4000-8000-000000000000",
            Some("ipv4") => "192.0.2.1",
            Some("uri") | Some("url") => "https://example.com/",
            Some("email") => "user@example.com",
            _ => "string",
        }),
        "integer" => Value::from(schema.get("minimum").and_then(Value::as_i64).unwrap_or(1)),
        "number" => Value::from(schema.get("minimum").and_then(Value::as_f64).unwrap_or(1.0)),
        "boolean" => Value::Bool(false),
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({"components": {"schemas": {
            "Secret": {"type": "string", "format": "password"},
            "Vm": {"type": "object", "required": ["id", "nics"], "properties": {
                "id": {"type": "string"},
                "host_ip": {"type": "string"},
                "password": {"$ref": "#/components/schemas/Secret"},
                "status": {"type": "string", "enum": ["RUNNING", "STOPPED"], "example": "STOPPED"},
                "nics": {"type": "array", "items": {"$ref": "#/components/schemas/Vm"}},
                "size": {"type": "integer", "minimum": 0}
            }}
        }}})
    }

    #[test]
    fn import_examples_fill_the_top_and_required_fields_below() {
        let doc = doc();
        let vm = Synthesiser::new(&doc).value(&json!({"$ref": "#/components/schemas/Vm"}), "");
        assert_eq!(vm["id"], "cl2k1yswo1ifg0822ruv6ylfp");
        assert_eq!(vm["host_ip"], "192.168.20.31");
        assert_eq!(vm["password"], "ExamplePassword1!");
        assert_eq!(vm["status"], "RUNNING");
        assert_eq!(vm["size"], 1);
        let nic = &vm["nics"][0];
        assert_eq!(
            nic.as_object().unwrap().keys().collect::<Vec<_>>(),
            ["id", "nics"]
        );
    }

    #[test]
    fn a_fake_fills_every_property_and_merges_all_of() {
        let doc = doc();
        let synth = Synthesiser {
            properties: Properties::All,
            compositions: Compositions::MergeAllOf,
            example_first: true,
            max_depth: 3,
            count_compositions: true,
            array_depth: usize::MAX,
            scalar: plain_scalar,
            named: |_| None,
            ..Synthesiser::new(&doc)
        };
        let schema = json!({"allOf": [{"$ref": "#/components/schemas/Vm"}, {"properties": {"extra": {"type": "boolean"}}}]});
        let vm = synth.value(&schema, "");
        let given = json!({"example": {"a": 1}, "allOf": [{"type": "object"}]});
        assert_eq!(synth.value(&given, ""), json!({"a": 1}));
        assert_eq!(synth.value(&json!({"type": "array"}), ""), json!([]));
        assert_eq!(vm["status"], "STOPPED");
        assert_eq!(vm["password"], "string");
        assert_eq!(vm["extra"], false);
        assert_eq!(vm["size"], 0);
        assert!(vm["nics"][0]["nics"][0].is_null(), "{vm}");
    }
}
