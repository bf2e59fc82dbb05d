//! `cargo xtask import cloudtower [<official-spec>] <path-or-operationId>...`:
//! copies operations from CloudTower's official document into our curated
//! spec, with the schemas they need, in the house conventions.
//!
//! What an import writes, per operation:
//! - the operation with `operationId`, tags and request body as upstream
//!   has them; the shared `ContentLanguage` parameter; `400`/`404`/`500` as
//!   the shared `Error` response; `x-safe-to-retry: true` on reads
//!   (`/get-…`) only; a summary and description (the official text where
//!   there is one, otherwise derived from the operation's shape);
//! - a request example (the official one when it is valid against the
//!   schema we keep, otherwise synthesised) and a response example
//!   synthesised from the schema, both checked against the schemas;
//! - the transitive closure of the component schemas it refers to that we
//!   do not have yet, each with a description on every property (official
//!   text first, then derived from the field name), the house `Secret`
//!   schema on credential fields and no `additionalProperties: false` on
//!   response models.
//!
//! Where-inputs are curated rather than copied whole: a relation filter
//! (a property whose schema is another `…WhereInput`) is kept only when
//! that where-input is in our spec already or is the `where` of an
//! operation of the same import, and optional properties of other new
//! schemas that would pull in a where-input are left out too. Without
//! this the closure of one list operation is most of the 1,813 official
//! schemas. Leaving fields out is the curation rule of the whole spec
//! (`cargo xtask upstream` checks that what we keep agrees); what was left
//! out is reported.
//!
//! Everything already in our spec (operations, schemas, hand edits) is
//! left as it is, so the import is idempotent. The file is edited as text
//! (new paths before `components:`, new schemas at the end, new tags after
//! the last tag), so comments and layout survive.
//!
//! The parts, one job each:
//!
//! - here: finding the operations, the closure of the schemas they need
//!   and putting the pieces together ([`import`]);
//! - `curation`: our copy of an official schema (where-input filters,
//!   `Secret` fields, open response models, a description on every field);
//! - `operation`: our copy of an official operation, examples included;
//! - `texts`: the descriptions, official or derived from names and shapes,
//!   for new schemas and for the fields the spec had undocumented;
//! - `emit`: the new YAML blocks, in the file's style, and where they go.

mod curation;
mod emit;
mod operation;
mod texts;

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use serde_json::{Map, Value};

use cloud_spec as spec;

use crate::yaml;

pub(crate) use curation::secretise;
pub use operation::synthesise;
pub(crate) use texts::document;
pub use texts::{document_schemas, field_description};

use curation::curate;
use emit::{emit_entry, insert_blocks};
use operation::{check_examples, operation};
use texts::words;

/// The official texts an import reads besides the document itself.
#[derive(Debug, Default)]
pub struct Texts {
    /// `cloudtower-<version>-descriptions-en.json`: `schemas.<Schema>.<field>`
    /// and `paths.<path>.{summary,description}`.
    pub descriptions: Value,
    /// `cloudtower-request-examples.json`: `<path>.exampleValue`.
    pub request_examples: Value,
}

/// What an import did.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The spec's new text.
    pub text: String,
    /// Paths added, e.g. `/get-vlans`.
    pub added_operations: Vec<String>,
    /// Paths asked for that the spec already had (left alone).
    pub kept_operations: Vec<String>,
    /// Component schemas added.
    pub added_schemas: Vec<String>,
    /// Component schemas referred to that the spec already had (left alone).
    pub kept_schemas: Vec<String>,
    /// `Schema.property` left out by the where-input curation.
    pub left_out: Vec<String>,
    /// Tags added to the top-level `tags` list.
    pub added_tags: Vec<String>,
    /// `Schema.property`s of schemas already in the spec that had no
    /// description and got one.
    pub documented: Vec<String>,
}

/// One operation of the official document.
struct Found<'a> {
    path: String,
    method: String,
    op: &'a Value,
}

/// Finds `wanted` (a path with or without its leading `/`, or an
/// `operationId`) in `doc`.
fn find<'a>(doc: &'a Value, wanted: &str) -> Result<Found<'a>, String> {
    let paths = doc
        .get("paths")
        .and_then(Value::as_object)
        .ok_or("the official document has no `paths`")?;
    let as_path = if wanted.starts_with('/') {
        wanted.to_string()
    } else {
        format!("/{wanted}")
    };
    for (path, item) in paths {
        for method in spec::METHODS {
            if let Some(op) = item.get(*method) {
                let id = op.get("operationId").and_then(Value::as_str);
                if *path == as_path || id == Some(wanted) {
                    return Ok(Found {
                        path: path.clone(),
                        method: method.to_string(),
                        op,
                    });
                }
            }
        }
    }
    Err(format!(
        "`{wanted}` is neither a path nor an operationId of the official document"
    ))
}

/// Imports `wanted` from `official` into the spec whose text is `ours`.
pub fn import(
    ours: &str,
    official: &Value,
    texts: &Texts,
    wanted: &[String],
) -> Result<Outcome, String> {
    let our_doc = spec::parse(ours)?;
    let our_schemas: BTreeSet<String> = spec::component_schemas(&our_doc)
        .map(|s| s.keys().cloned().collect())
        .unwrap_or_default();
    let mut outcome = Outcome::default();

    // The operations to add, and the where-inputs they filter with.
    let mut new_ops = Vec::new();
    for w in wanted {
        let found = find(official, w)?;
        if our_doc
            .pointer(&format!(
                "/paths/{}/{}",
                spec::escape(&found.path),
                found.method
            ))
            .is_some()
        {
            if !outcome.kept_operations.contains(&found.path) {
                outcome.kept_operations.push(found.path.clone());
            }
            continue;
        }
        if !new_ops.iter().any(|f: &Found<'_>| f.path == found.path) {
            new_ops.push(found);
        }
    }
    let our_where_inputs: BTreeSet<String> = our_schemas
        .iter()
        .filter(|n| n.ends_with("WhereInput"))
        .cloned()
        .collect();
    let mut where_inputs = our_where_inputs.clone();
    for found in &new_ops {
        if let Some(name) = request_schema_name(found.op)
            && let Some(w) = official
                .pointer(&format!("/components/schemas/{name}/properties/where"))
                .and_then(spec::wrapped_ref_name)
        {
            where_inputs.insert(w.to_string());
        }
    }
    // Response models: everything a response of a new operation reaches.
    let mut response_models = BTreeSet::new();
    for found in &new_ops {
        if let Some(schema) = found.op.pointer("/responses/200") {
            response_models.extend(spec::reachable_schemas(official, schema));
        }
    }

    // The closure of new schemas.
    let mut queue: VecDeque<String> = VecDeque::new();
    for found in &new_ops {
        // Error responses become the shared `Error`, so their schemas are
        // not needed.
        for key in ["parameters", "requestBody"] {
            queue.extend(found.op.get(key).map(refs_in).unwrap_or_default());
        }
        for (code, r) in found
            .op
            .get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if !spec::is_error(code) {
                queue.extend(refs_in(r));
            }
        }
    }
    let mut added: BTreeMap<String, Value> = BTreeMap::new();
    while let Some(name) = queue.pop_front() {
        if our_schemas.contains(&name) {
            if !outcome.kept_schemas.contains(&name) {
                outcome.kept_schemas.push(name);
            }
            continue;
        }
        if added.contains_key(&name) {
            continue;
        }
        let upstream = official
            .pointer(&format!("/components/schemas/{name}"))
            .ok_or_else(|| format!("the official document has no schema `{name}`"))?;
        let schema = curate(
            official,
            &name,
            upstream,
            texts,
            &our_where_inputs,
            &where_inputs,
            response_models.contains(&name),
            &mut outcome.left_out,
        );
        queue.extend(refs_in(&schema));
        added.insert(name, schema);
    }
    outcome.kept_schemas.sort();

    // The merged document, to synthesise and check examples against.
    let mut merged = our_doc.clone();
    if let Some(schemas) = merged
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for (name, schema) in &added {
            schemas.insert(name.clone(), schema.clone());
        }
    }

    let our_tags: BTreeSet<String> = our_doc
        .get("tags")
        .and_then(Value::as_array)
        .map(|t| {
            t.iter()
                .filter_map(|t| t.get("name").and_then(Value::as_str).map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let mut path_blocks = String::new();
    for found in &new_ops {
        let op = operation(&merged, found, texts)?;
        for tag in tags(&op) {
            if !our_tags.contains(tag) && !outcome.added_tags.iter().any(|t| t == tag) {
                outcome.added_tags.push(tag.to_string());
            }
        }
        let mut item = Map::new();
        item.insert(found.method.clone(), op);
        path_blocks.push_str(&emit_entry(&found.path, &Value::Object(item), 2));
        path_blocks.push('\n');
        outcome.added_operations.push(found.path.clone());
    }
    let mut schema_blocks = String::new();
    for (name, schema) in &added {
        schema_blocks.push('\n');
        schema_blocks.push_str(&emit_entry(name, schema, 4));
        outcome.added_schemas.push(name.clone());
    }
    let mut tag_blocks = String::new();
    for tag in &outcome.added_tags {
        tag_blocks.push_str(&format!(
            "  - name: {tag}\n    description: {}\n",
            yaml::scalar(&format!(
                "{} (imported from the official document).",
                words(tag)
            ))
        ));
    }

    let inserted = insert_blocks(ours, &tag_blocks, &path_blocks, &schema_blocks)?;
    // Fields the spec had without a description get one too.
    let (text, documented) = document_schemas(&inserted, texts)?;
    outcome.text = text;
    outcome.documented = documented;
    // The result must parse, and every example in it must hold.
    let result = spec::parse(&outcome.text)?;
    for found in &new_ops {
        check_examples(&result, &found.path, &found.method)?;
    }
    Ok(outcome)
}

/// The name of the component schema of an operation's JSON request body.
fn request_schema_name(op: &Value) -> Option<&str> {
    op.pointer("/requestBody/content/application~1json/schema")
        .and_then(spec::wrapped_ref_name)
}

/// The names of an operation's tags.
pub(crate) fn tags(op: &Value) -> impl Iterator<Item = &str> {
    op.get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

/// Every component schema named by a `$ref` anywhere under `node`.
pub(crate) fn refs_in(node: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![node];
    while let Some(current) = stack.pop() {
        match current {
            Value::Object(map) => {
                if let Some(name) = spec::schema_ref_name(current) {
                    out.push(name.to_string());
                }
                for (key, value) in map {
                    if key != "example" && key != "examples" {
                        stack.push(value);
                    }
                }
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const OURS: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\ntags:\n  - name: Vm\n    description: VMs.\n\npaths:\n  /get-vms:\n    post:\n      operationId: GetVms\n      responses:\n        '200': {description: ok}\n\ncomponents:\n  parameters:\n    ContentLanguage: {name: content-language, in: header, schema: {type: string}}\n  schemas:\n    Secret: {type: string, format: password}\n    VmWhereInput:\n      type: object\n      properties:\n        id: {type: string, nullable: true}\n";

    fn official() -> Value {
        json!({
            "paths": {
                "/get-vlans": {"post": {
                    "operationId": "GetVlans", "tags": ["Vlan"],
                    "parameters": [{"in": "header", "name": "content-language", "required": false, "schema": {"type": "string"}}],
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/GetVlansRequestBody"}}}},
                    "responses": {
                        "200": {"description": "", "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Vlan"}}}}},
                        "400": {"description": "Bad request", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}}
                    }
                }},
                "/get-vms": {"post": {"operationId": "GetVms"}}
            },
            "components": {"schemas": {
                "GetVlansRequestBody": {"type": "object", "properties": {
                    "where": {"$ref": "#/components/schemas/VlanWhereInput"},
                    "first": {"type": "integer", "format": "int32", "nullable": true}}},
                "VlanWhereInput": {"type": "object", "additionalProperties": false, "properties": {
                    "AND": {"type": "array", "nullable": true, "items": {"$ref": "#/components/schemas/VlanWhereInput"}},
                    "id": {"type": "string", "nullable": true},
                    "name_contains": {"type": "string", "nullable": true},
                    "vm_nics_some": {"allOf": [{"$ref": "#/components/schemas/VmNicWhereInput"}], "nullable": true},
                    "vm": {"allOf": [{"$ref": "#/components/schemas/VmWhereInput"}], "nullable": true}}},
                "VmNicWhereInput": {"type": "object", "properties": {"id": {"type": "string"}}},
                "Vlan": {"type": "object", "additionalProperties": false, "required": ["id", "vlan_id"], "properties": {
                    "id": {"type": "string"}, "vlan_id": {"type": "integer", "format": "int32"},
                    "password": {"type": "string", "nullable": true},
                    "vds": {"$ref": "#/components/schemas/NestedVds"}}},
                "NestedVds": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}, "name": {"type": "string"}}},
                "ErrorBody": {"type": "object"}
            }}
        })
    }

    fn texts() -> Texts {
        Texts {
            descriptions: json!({"schemas": {"Vlan": {"vlan_id": "VLAN ID"}}, "paths": {}}),
            request_examples: json!({"/get-vlans": {"exampleValue": {"where": {"id": "Vlan-id"}}}}),
        }
    }

    #[test]
    fn imports_an_operation_with_its_curated_closure() {
        let out = import(
            OURS,
            &official(),
            &texts(),
            &["GetVlans".into(), "/get-vms".into()],
        )
        .unwrap();
        assert_eq!(out.added_operations, ["/get-vlans"]);
        assert_eq!(out.kept_operations, ["/get-vms"]);
        assert_eq!(
            out.added_schemas,
            ["GetVlansRequestBody", "NestedVds", "Vlan", "VlanWhereInput"]
        );
        assert_eq!(out.kept_schemas, ["Secret", "VmWhereInput"]);
        // The relation to a where-input we do not have is left out.
        assert_eq!(out.left_out, ["VlanWhereInput.vm_nics_some"]);
        assert_eq!(out.added_tags, ["Vlan"]);
        let doc = spec::parse(&out.text).unwrap();
        let op = &doc["paths"]["/get-vlans"]["post"];
        assert_eq!(op["x-safe-to-retry"], true);
        assert_eq!(
            op["parameters"][0]["$ref"],
            "#/components/parameters/ContentLanguage"
        );
        assert_eq!(
            op["responses"]["400"]["$ref"],
            "#/components/responses/Error"
        );
        assert_eq!(
            op["requestBody"]["content"]["application/json"]["example"],
            json!({"where": {"id": "Vlan-id"}})
        );
        let example = &op["responses"]["200"]["content"]["application/json"]["example"];
        assert_eq!(example[0]["vlan_id"], 1);
        let vlan = &doc["components"]["schemas"]["Vlan"];
        assert!(
            vlan.get("additionalProperties").is_none(),
            "a response model stays open"
        );
        assert_eq!(vlan["properties"]["vlan_id"]["description"], "VLAN ID.");
        assert_eq!(
            vlan["properties"]["password"]["allOf"][0]["$ref"],
            "#/components/schemas/Secret"
        );
        assert_eq!(
            vlan["properties"]["vds"]["allOf"][0]["$ref"],
            "#/components/schemas/NestedVds"
        );
        let filter = &doc["components"]["schemas"]["VlanWhereInput"];
        assert_eq!(
            filter["additionalProperties"], false,
            "a request model stays closed"
        );
        assert_eq!(
            filter["properties"]["name_contains"]["description"],
            "Matches when `name` contains the value."
        );
        // What was there is untouched.
        assert!(
            out.text.starts_with(
                OURS.split("\ncomponents:")
                    .next()
                    .unwrap()
                    .split("\npaths:")
                    .next()
                    .unwrap()
            )
        );
        assert!(out.text.contains("    VmWhereInput:\n      type: object\n"));
        // Idempotent.
        let again = import(&out.text, &official(), &texts(), &["GetVlans".into()]).unwrap();
        assert_eq!(again.text, out.text);
        assert!(again.added_operations.is_empty() && again.added_schemas.is_empty());
    }

    #[test]
    fn unknown_operations_are_named() {
        let err = import(OURS, &official(), &texts(), &["get-nothing".into()]).unwrap_err();
        assert!(err.contains("get-nothing"), "{err}");
    }
}
