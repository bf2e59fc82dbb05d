//! Our copy of an official schema. The official where-inputs carry every
//! comparison on every column and link to each other, so a copy of the
//! whole closure would be most of the official document: the curation
//! keeps the common filters and the relations to where-inputs we have,
//! and reports what it leaves out. It also applies the house conventions
//! (`Secret` on credential fields, open response models, a description on
//! every field), which `upstream --sync` reuses for the properties it adds.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use cloud_spec as spec;

use super::texts::{document, field_description};
use super::{Texts, refs_in};

/// Our copy of the official schema `name`.
#[allow(clippy::too_many_arguments)]
pub(super) fn curate(
    official: &Value,
    name: &str,
    upstream: &Value,
    texts: &Texts,
    our_where_inputs: &BTreeSet<String>,
    where_inputs: &BTreeSet<String>,
    response_model: bool,
    left_out: &mut Vec<String>,
) -> Value {
    let mut schema = upstream.clone();
    if name.ends_with("WhereInput") {
        keep_common_filters(official, name, &mut schema, left_out);
    }
    curate_object(
        name,
        name,
        &mut schema,
        texts,
        our_where_inputs,
        where_inputs,
        response_model,
        left_out,
    );
    schema
}

/// Curates the object schema `node` (the component `name`, or an inline
/// object inside it at `label`) and the inline objects under it.
#[allow(clippy::too_many_arguments)]
fn curate_object(
    name: &str,
    label: &str,
    node: &mut Value,
    texts: &Texts,
    our_where_inputs: &BTreeSet<String>,
    where_inputs: &BTreeSet<String>,
    response_model: bool,
    left_out: &mut Vec<String>,
) {
    let Some(obj) = node.as_object_mut() else {
        return;
    };
    if let Some(items) = obj.get_mut("items") {
        curate_object(
            name,
            label,
            items,
            texts,
            our_where_inputs,
            where_inputs,
            response_model,
            left_out,
        );
    }
    if response_model && obj.get("additionalProperties") == Some(&Value::Bool(false)) {
        // The generated type must accept the fields a later version adds.
        obj.remove("additionalProperties");
    }
    let required: BTreeSet<String> = obj
        .get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let Some(properties) = obj.get_mut("properties").and_then(Value::as_object_mut) else {
        return;
    };
    let names: Vec<String> = properties.keys().cloned().collect();
    for field in names {
        // GraphQL's type tag: a constant, optional, and a closed inline
        // enum in every response that has it.
        if field == "__typename" && !required.contains(&field) {
            properties.remove(&field);
            left_out.push(format!("{label}.{field}"));
            continue;
        }
        // A where-input's relation filters go only to where-inputs the
        // spec had before: linking the new ones to each other nests them
        // inline (typify boxes cycles only), which made `LabelWhereInput`
        // 800 KB on the stack.
        let in_filter = name.ends_with("WhereInput");
        let pulls_in_a_filter = refs_in(&properties[&field]).iter().any(|r| {
            r.ends_with("WhereInput")
                && r != name
                && !(if in_filter {
                    our_where_inputs
                } else {
                    where_inputs
                })
                .contains(r)
        });
        if pulls_in_a_filter && !required.contains(&field) {
            properties.remove(&field);
            left_out.push(format!("{label}.{field}"));
            continue;
        }
        let Some(property) = properties.get_mut(&field) else {
            continue;
        };
        let inner = format!("{label}.{field}");
        curate_object(
            name,
            &inner,
            property,
            texts,
            our_where_inputs,
            where_inputs,
            response_model,
            left_out,
        );
        secretise(&field, property);
        // Official texts are keyed by component schema, so an inline
        // object's fields get derived ones.
        let none = Texts::default();
        let official = if label == name { texts } else { &none };
        let text = field_description(name, &field, property, official);
        document(property, text);
    }
}

/// The filters a new where-input keeps: `AND`/`OR`/`NOT`, relation
/// filters, the id and name filters (`id`, `id_in`, `id_not_in`,
/// `local_id`, `local_id_in`, `name`, `name_in`, `name_not`,
/// `name_contains`, `name_starts_with`), equality and `_in` on the
/// entity's other required string columns and on enum fields, and
/// equality on booleans. Official where-inputs carry every comparison
/// on every column (346 filters on `LabelWhereInput`); generating all of
/// them would multiply the crate's build time for filters automation
/// rarely uses. What was left out is reported, and can be added by hand
/// (the import leaves existing schemas alone).
fn keep_common_filters(
    official: &Value,
    name: &str,
    schema: &mut Value,
    left_out: &mut Vec<String>,
) {
    const KEEP: &[&str] = &[
        "AND",
        "OR",
        "NOT",
        "id",
        "id_in",
        "id_not_in",
        "local_id",
        "local_id_in",
        "name",
        "name_in",
        "name_not",
        "name_contains",
        "name_starts_with",
    ];
    // The entity's required string columns (a label's `key` and `value`)
    // identify it too: keep their equality and `_in` filters.
    let entity = name.trim_end_matches("WhereInput");
    let identifying: BTreeSet<String> = official
        .pointer(&format!("/components/schemas/{entity}"))
        .map(|e| {
            spec::required(e)
                .into_iter()
                .filter(|f| {
                    e.pointer(&format!("/properties/{f}/type"))
                        .and_then(Value::as_str)
                        == Some("string")
                })
                .flat_map(|f| [f.to_string(), format!("{f}_in")])
                .collect()
        })
        .unwrap_or_default();
    let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
        return;
    };
    let before = properties.len();
    properties.retain(|field, property| {
        if KEEP.contains(&field.as_str()) || identifying.contains(field) {
            return true;
        }
        let target = spec::wrapped_ref_name(property)
            .or_else(|| property.get("items").and_then(spec::wrapped_ref_name));
        if target.is_some_and(|t| t.ends_with("WhereInput")) {
            // Relation filters: `_some` and to-one ones (the closure rule
            // decides which); `_every`/`_none` are rare and triple the size.
            return !field.ends_with("_every") && !field.ends_with("_none");
        }
        let is_enum = target
            .and_then(|t| official.pointer(&format!("/components/schemas/{t}")))
            .is_some_and(|s| s.get("enum").is_some());
        let is_bool = property.get("type").and_then(Value::as_str) == Some("boolean");
        (is_enum && !field.ends_with("_not") && !field.ends_with("_not_in")) || is_bool
    });
    let dropped = before - properties.len();
    if dropped > 0 {
        left_out.push(format!(
            "{name}: {dropped} of {before} filters (comparisons on other columns)"
        ));
    }
}

/// A string field named like a credential becomes the house `Secret`
/// schema (redacted in Rust, a string on the wire).
pub(crate) fn secretise(field: &str, property: &mut Value) {
    let is_string = property.get("type").and_then(Value::as_str) == Some("string")
        && property.get("enum").is_none();
    if !is_string || !cloud_common::names_a_secret(field) {
        return;
    }
    let secret = json!({"$ref": "#/components/schemas/Secret"});
    *property = if spec::nullable(property) {
        json!({"allOf": [secret], "nullable": true})
    } else {
        secret
    };
}
