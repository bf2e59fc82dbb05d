//! Classifying additions with [`crate::diff`], the code behind `cargo
//! xtask diff`: each addition is made to a copy of the spec and the two
//! are diffed, so "breaking" means here what it means for a spec change
//! anywhere else. Enum values and properties are diffed per component
//! schema (one diff for all of a schema's additions), which is what keeps
//! a run without a base, with thousands of left-out properties, fast.

use serde_json::{Map, Value};

use super::{Edit, Lack, apply_json};
use crate::diff::{self, Change};

/// Classifies the enum value and property lacks: one diff per component
/// schema with all of its additions made, each change given to the lack it
/// is about. A diff per addition says the same and is what is done when
/// that matching is not one to one; per schema is what keeps a run
/// without a base, with thousands of left-out properties, fast.
pub(super) fn classify_edits(ours: &Value, lacks: &mut [Lack]) {
    let mut groups: Vec<(&str, Vec<usize>)> = Vec::new();
    for (i, lack) in lacks.iter().enumerate() {
        let schema = match &lack.edit {
            Some(Edit::EnumValue { schema, .. } | Edit::Property { schema, .. }) => schema.as_str(),
            None => continue,
        };
        match groups.iter_mut().find(|(s, _)| *s == schema) {
            Some((_, members)) => members.push(i),
            None => groups.push((schema, vec![i])),
        }
    }
    let groups: Vec<Vec<usize>> = groups.into_iter().map(|(_, m)| m).collect();
    for members in groups {
        let edits: Vec<&Edit> = members
            .iter()
            .filter_map(|&i| lacks[i].edit.as_ref())
            .collect();
        let assigned = classify_together(ours, &edits);
        for (k, &i) in members.iter().enumerate() {
            let changes = match &assigned {
                Some(all) => all[k].clone(),
                None => match &lacks[i].edit {
                    Some(edit) => classify(ours, &Addition::Edit(edit)),
                    None => Vec::new(),
                },
            };
            lacks[i].breaking = changes.iter().any(|c| c.breaking);
            lacks[i].changes = changes;
        }
    }
}

/// The diff's changes for each of `edits` (of one schema) made together,
/// or `None` when they do not map one to one onto the edits.
fn classify_together(ours: &Value, edits: &[&Edit]) -> Option<Vec<Vec<Change>>> {
    let mut new = ours.clone();
    for edit in edits {
        apply_json(&mut new, edit).ok()?;
    }
    let mut changes: Vec<Option<Change>> = diff::diff(ours, &new).into_iter().map(Some).collect();
    let mut out = Vec::new();
    for edit in edits {
        let (location, needle) = match edit {
            Edit::EnumValue { schema, at, value } => {
                let text = value
                    .as_str()
                    .map_or_else(|| value.to_string(), str::to_string);
                (
                    diff_location(schema, at, None),
                    format!("enum value `{text}` "),
                )
            }
            Edit::Property {
                schema, at, name, ..
            } => (diff_location(schema, at, Some(name)), "added".to_string()),
        };
        let found = changes.iter_mut().find(|c| {
            c.as_ref()
                .is_some_and(|c| c.location == location && c.message.starts_with(&needle))
        })?;
        out.push(vec![found.take()?]);
    }
    // Every change accounted for: nothing else moved.
    changes.iter().all(Option::is_none).then_some(out)
}

/// Where `cargo xtask diff` reports a change at `at` (and property `name`)
/// inside component `schema`: its `schema `S`: property `a.b[].c``.
fn diff_location(schema: &str, at: &[String], name: Option<&str>) -> String {
    fn join(field: &mut String, name: &str) {
        if !field.is_empty() {
            field.push('.');
        }
        field.push_str(name);
    }
    let mut field = String::new();
    let mut keys = at.iter();
    while let Some(key) = keys.next() {
        match key.as_str() {
            "properties" => {
                if let Some(name) = keys.next() {
                    join(&mut field, name);
                }
            }
            "items" => field.push_str("[]"),
            "additionalProperties" => join(&mut field, "*"),
            // `allOf`/`oneOf`/`anyOf` and the member's index: same field.
            _ => {
                keys.next();
            }
        }
    }
    if let Some(name) = name {
        join(&mut field, name);
    }
    if field.is_empty() {
        format!("schema `{schema}`")
    } else {
        format!("schema `{schema}`: property `{field}`")
    }
}

/// The change a lack makes to the spec, for classifying it.
pub(super) enum Addition<'a> {
    Edit(&'a Edit),
    Operation {
        path: &'a str,
        method: &'a str,
        op: &'a Value,
    },
    Parameter {
        path: &'a str,
        method: &'a str,
        param: &'a Value,
    },
    Response {
        path: &'a str,
        method: &'a str,
        code: &'a str,
        response: &'a Value,
    },
}

/// What `cargo xtask diff` says about making `addition` to `ours`.
pub(super) fn classify(ours: &Value, addition: &Addition<'_>) -> Vec<Change> {
    let mut new = ours.clone();
    let made = match addition {
        Addition::Edit(edit) => apply_json(&mut new, edit).is_ok(),
        Addition::Operation { path, method, op } => {
            if new.is_object() {
                if !new["paths"].is_object() {
                    new["paths"] = Value::Object(Map::new());
                }
                if !new["paths"][*path].is_object() {
                    new["paths"][*path] = Value::Object(Map::new());
                }
                new["paths"][*path][*method] = (*op).clone();
            }
            new.is_object()
        }
        Addition::Parameter {
            path,
            method,
            param,
        } => operation_mut(&mut new, path, method).is_some_and(|op| {
            let list = op
                .entry("parameters")
                .or_insert_with(|| Value::Array(Vec::new()));
            match list.as_array_mut() {
                Some(list) => {
                    list.push((*param).clone());
                    true
                }
                None => false,
            }
        }),
        Addition::Response {
            path,
            method,
            code,
            response,
        } => operation_mut(&mut new, path, method).is_some_and(|op| {
            let responses = op
                .entry("responses")
                .or_insert_with(|| Value::Object(Map::new()));
            match responses.as_object_mut() {
                Some(map) => {
                    map.insert((*code).to_string(), (*response).clone());
                    true
                }
                None => false,
            }
        }),
    };
    if made {
        diff::diff(ours, &new)
    } else {
        Vec::new()
    }
}

fn operation_mut<'v>(
    doc: &'v mut Value,
    path: &str,
    method: &str,
) -> Option<&'v mut Map<String, Value>> {
    doc.get_mut("paths")?
        .get_mut(path)?
        .get_mut(method)?
        .as_object_mut()
}

#[cfg(test)]
mod tests {
    use super::*;
    use cloud_spec as spec;

    #[test]
    fn diff_locations_name_fields_as_diff_does() {
        let at = |keys: &[&str]| keys.iter().map(ToString::to_string).collect::<Vec<_>>();
        assert_eq!(diff_location("Vm", &[], None), "schema `Vm`");
        assert_eq!(
            diff_location("Vm", &at(&["properties", "data", "items"]), Some("id")),
            "schema `Vm`: property `data[].id`"
        );
        assert_eq!(
            diff_location(
                "Vm",
                &at(&["allOf", "0", "additionalProperties"]),
                Some("x")
            ),
            "schema `Vm`: property `*.x`"
        );
    }

    #[test]
    fn classifying_per_schema_says_what_a_diff_per_addition_says() {
        let ours = spec::parse(
            "paths:\n  /a:\n    post:\n      operationId: A\n      requestBody:\n        content:\n          application/json:\n            schema: {$ref: '#/components/schemas/In'}\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {$ref: '#/components/schemas/Out'}\ncomponents:\n  schemas:\n    In: {type: object, properties: {a: {type: string, enum: [X]}}}\n    Out: {type: object, properties: {b: {type: object, properties: {c: {type: string, enum: [Y]}}}}}\n",
        )
        .unwrap();
        let property = |schema: &str, at: &[&str], name: &str, required: bool| Edit::Property {
            schema: schema.into(),
            at: at.iter().map(ToString::to_string).collect(),
            name: name.into(),
            node: serde_json::json!({"type": "string"}),
            required,
        };
        let value = |schema: &str, at: &[&str], v: &str| Edit::EnumValue {
            schema: schema.into(),
            at: at.iter().map(ToString::to_string).collect(),
            value: Value::String(v.into()),
        };
        for group in [
            vec![
                property("In", &[], "n", true),
                property("In", &[], "o", false),
                value("In", &["properties", "a"], "Z"),
            ],
            vec![
                property("Out", &["properties", "b"], "d", true),
                value("Out", &["properties", "b", "properties", "c"], "Z"),
            ],
        ] {
            let edits: Vec<&Edit> = group.iter().collect();
            let together = classify_together(&ours, &edits).expect("one to one");
            let alone: Vec<Vec<Change>> = group
                .iter()
                .map(|e| classify(&ours, &Addition::Edit(e)))
                .collect();
            assert_eq!(together, alone);
            // Both groups hold a breaking addition (a required request
            // field; a value of an inline response enum).
            assert!(
                together.iter().flatten().any(|c| c.breaking),
                "{together:?}"
            );
        }
    }
}
