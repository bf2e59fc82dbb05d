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

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use serde_json::{Map, Value, json};

use cloud_spec::example::{Properties, Synthesiser};
use cloud_spec::{self as spec, validate};

use crate::yaml;

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
        for tag in op
            .get("tags")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
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

/// Every component schema named by a `$ref` anywhere under `node`.
fn refs_in(node: &Value) -> Vec<String> {
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

/// Our copy of the official schema `name`.
#[allow(clippy::too_many_arguments)]
fn curate(
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

/// Documents every undocumented property of the spec's component schemas
/// (official text first, else derived; see [`field_description`]) and
/// returns the new text and the `Schema.property`s it documented. Only
/// the schemas that change are rewritten, each as a whole block in the
/// file's style (the schemas section holds no comments); the result is
/// checked to parse to exactly the documented schemas.
pub fn document_schemas(text: &str, texts: &Texts) -> Result<(String, Vec<String>), String> {
    let doc = spec::parse(text)?;
    let Some(schemas) = spec::component_schemas(&doc) else {
        return Ok((text.to_string(), Vec::new()));
    };
    let mut changed: BTreeMap<String, Value> = BTreeMap::new();
    let mut documented = Vec::new();
    for (name, schema) in schemas {
        let mut copy = schema.clone();
        let before = documented.len();
        document_object(name, name, &mut copy, texts, &mut documented);
        if documented.len() > before {
            changed.insert(name.clone(), copy);
        }
    }
    if changed.is_empty() {
        return Ok((text.to_string(), documented));
    }
    let lines: Vec<&str> = text.lines().collect();
    let start = lines
        .iter()
        .position(|l| *l == "  schemas:")
        .ok_or("the spec has no `  schemas:` section")?;
    let mut out: Vec<String> = lines[..=start].iter().map(|l| l.to_string()).collect();
    let mut i = start + 1;
    while i < lines.len() {
        let line = lines[i];
        let key = line
            .strip_prefix("    ")
            .filter(|rest| !rest.starts_with(' '))
            .and_then(|rest| rest.split(':').next())
            .map(|k| k.trim_matches('\''));
        let mut end = i + 1;
        while end < lines.len() && (lines[end].is_empty() || lines[end].starts_with("     ")) {
            end += 1;
        }
        // Keep the blank lines that separate schemas.
        while end > i + 1 && lines[end - 1].is_empty() {
            end -= 1;
        }
        match key.and_then(|k| changed.get(k).map(|v| (k, v))) {
            Some((k, value)) => {
                out.extend(emit_entry(k, value, 4).lines().map(str::to_string));
            }
            None => out.extend(lines[i..end].iter().map(|l| l.to_string())),
        }
        i = end;
    }
    let mut result = out.join("\n");
    result.push('\n');
    let reparsed = spec::parse(&result)?;
    for (name, value) in &changed {
        if reparsed.pointer(&format!("/components/schemas/{}", spec::escape(name))) != Some(value) {
            return Err(format!(
                "documenting {name} would change it; nothing written"
            ));
        }
    }
    Ok((result, documented))
}

/// Adds a description to every property of `node` and of the inline
/// objects under it that lacks one.
fn document_object(
    name: &str,
    label: &str,
    node: &mut Value,
    texts: &Texts,
    documented: &mut Vec<String>,
) {
    if let Some(items) = node.get_mut("items") {
        document_object(name, label, items, texts, documented);
    }
    let Some(properties) = node.get_mut("properties").and_then(Value::as_object_mut) else {
        return;
    };
    for (field, property) in properties.iter_mut() {
        let inner = format!("{label}.{field}");
        document_object(name, &inner, property, texts, documented);
        if property.get("description").is_none() {
            let none = Texts::default();
            let official = if label == name { texts } else { &none };
            document(property, field_description(name, field, property, official));
            documented.push(inner);
        }
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

/// Adds `text` as the description of a property schema. A bare `$ref`
/// cannot carry one in OpenAPI 3.0 (its siblings are ignored), so it is
/// wrapped in `allOf`, the form the spec already uses for `nullable`.
pub(crate) fn document(property: &mut Value, text: String) {
    if property.get("description").is_some() {
        return;
    }
    if property.get("$ref").is_some() {
        *property = json!({"allOf": [property.clone()]});
    }
    if let Some(obj) = property.as_object_mut() {
        let mut out = Map::new();
        out.insert("description".into(), Value::String(text));
        out.extend(std::mem::take(obj));
        *obj = out;
    }
}

/// Operator suffixes of where-input fields, longest first, and what each
/// means.
const FILTERS: &[(&str, &str)] = &[
    ("_not_starts_with", "does not start with the value"),
    ("_not_ends_with", "does not end with the value"),
    ("_not_contains", "does not contain the value"),
    ("_starts_with", "starts with the value"),
    ("_ends_with", "ends with the value"),
    ("_contains", "contains the value"),
    ("_not_in", "is none of the listed values"),
    ("_every", "matches the filter for every related item"),
    ("_some", "matches the filter for at least one related item"),
    ("_none", "matches the filter for no related item"),
    ("_not", "is not the value"),
    ("_gte", "is greater than or equal to the value"),
    ("_lte", "is less than or equal to the value"),
    ("_in", "is one of the listed values"),
    ("_gt", "is greater than the value"),
    ("_lt", "is less than the value"),
];

/// The description of `schema.field`: the official text, else one derived
/// from the field's name and shape.
pub fn field_description(schema: &str, field: &str, property: &Value, texts: &Texts) -> String {
    let text = field_description_raw(schema, field, property, texts);
    let official = texts
        .descriptions
        .pointer(&format!(
            "/schemas/{}/{}",
            spec::escape(schema),
            spec::escape(field)
        ))
        .is_some_and(|t| t.as_str().is_some_and(|t| !t.trim().is_empty()));
    if official { text } else { acronyms(&text) }
}

fn field_description_raw(schema: &str, field: &str, property: &Value, texts: &Texts) -> String {
    if let Some(text) = texts
        .descriptions
        .pointer(&format!(
            "/schemas/{}/{}",
            spec::escape(schema),
            spec::escape(field)
        ))
        .and_then(Value::as_str)
        .filter(|t| !t.trim().is_empty())
    {
        return sentence(text);
    }
    let entity = words(
        schema
            .trim_end_matches("WhereInput")
            .trim_start_matches("Nested"),
    )
    .to_lowercase();
    if let Some(filtered) = schema.strip_suffix("WhereInput") {
        let what = words(filtered).to_lowercase();
        match field {
            "AND" => return format!("Matches the {what}s that match every one of these filters."),
            "OR" => {
                return format!("Matches the {what}s that match at least one of these filters.");
            }
            "NOT" => return format!("Matches the {what}s that match none of these filters."),
            _ => {}
        }
        for (suffix, meaning) in FILTERS {
            if let Some(base) = field.strip_suffix(suffix)
                && !base.is_empty()
            {
                return format!("Matches when `{base}` {meaning}{}.", unit(base));
            }
        }
        return format!("Matches when `{field}` equals the value{}.", unit(field));
    }
    let base = match field {
        "id" => format!("Unique id of the {entity}"),
        "local_id" => format!("Local id of the {entity} (the id the cluster itself uses)"),
        "name" => format!("Name of the {entity}"),
        "description" => format!("Free-text description of the {entity}"),
        "where" => "Which resources the operation applies to".to_string(),
        "data" => "What to set".to_string(),
        "first" => "Return at most this many items".to_string(),
        "skip" => "Skip this many items first".to_string(),
        "after" => "Return the items after the one with this id (a cursor)".to_string(),
        "before" => "Return the items before the one with this id (a cursor)".to_string(),
        "last" => "Return at most this many items, counted from the end".to_string(),
        "orderBy" => "The column and direction to sort on".to_string(),
        "task_id" => "Id of the task to wait for; null when there is none".to_string(),
        "entityAsyncStatus" => {
            format!("Set while an operation on the {entity} is in progress; null otherwise")
        }
        "labels" => format!("Labels attached to the {entity}"),
        _ => {
            let mut text = words(field);
            let is_string = property.get("type").and_then(Value::as_str) == Some("string");
            if field == "vlan_id" {
                text = "VLAN ID (the 802.1Q tag)".to_string();
            } else if let Some(target) = field.strip_suffix("_id").filter(|_| is_string) {
                text = format!("Id of the {}", words(target).to_lowercase());
            } else if let Some(target) = field.strip_suffix("_ids").filter(|_| !is_string) {
                text = format!("Ids of the {}s", words(target).to_lowercase());
            } else if let Some(target) = spec::wrapped_ref_name(property)
                .or_else(|| property.get("items").and_then(spec::wrapped_ref_name))
                .filter(|r| r.starts_with("Nested"))
            {
                text = format!("{text} (see `{target}`)");
            }
            text
        }
    };
    format!("{base}{}.", unit(field))
}

/// Writes the acronyms of CloudTower's vocabulary as such in a derived
/// text (`vm` -> `VM`), leaving `code spans` alone.
fn acronyms(text: &str) -> String {
    const WORDS: &[(&str, &str)] = &[
        ("vm", "VM"),
        ("vms", "VMs"),
        ("cpu", "CPU"),
        ("cpus", "CPUs"),
        ("gpu", "GPU"),
        ("gpus", "GPUs"),
        ("vlan", "VLAN"),
        ("vlans", "VLANs"),
        ("vds", "VDS"),
        ("vdses", "VDSes"),
        ("nic", "NIC"),
        ("nics", "NICs"),
        ("ip", "IP"),
        ("ips", "IPs"),
        ("id", "ID"),
        ("ids", "IDs"),
        ("os", "OS"),
        ("iscsi", "iSCSI"),
        ("lun", "LUN"),
        ("luns", "LUNs"),
        ("ha", "HA"),
        ("uuid", "UUID"),
        ("bios", "BIOS"),
        ("elf", "ELF"),
        ("svt", "SVT"),
        ("qos", "QoS"),
        ("io", "IO"),
        ("iops", "IOPS"),
        ("usb", "USB"),
        ("pci", "PCI"),
        ("mac", "MAC"),
        ("dns", "DNS"),
        ("ntp", "NTP"),
        ("iso", "ISO"),
        ("ssh", "SSH"),
        ("mtu", "MTU"),
        ("nvmf", "NVMe-oF"),
        ("nfs", "NFS"),
        ("vgpu", "vGPU"),
    ];
    let mut out = String::new();
    let mut in_code = false;
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String, in_code: bool| {
        let lower = word.to_lowercase();
        let replaced = (!in_code)
            .then(|| WORDS.iter().find(|(w, _)| *w == lower))
            .flatten();
        match replaced {
            // A sentence's first word keeps its capital: `Vm` -> `VM` too.
            Some((_, a)) => out.push_str(a),
            None => out.push_str(word),
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            word.push(c);
            continue;
        }
        flush(&mut word, &mut out, in_code);
        if c == '`' {
            in_code = !in_code;
        }
        out.push(c);
    }
    flush(&mut word, &mut out, in_code);
    out
}

/// The unit CloudTower uses for a field named `field`, as ` (unit)`.
fn unit(field: &str) -> &'static str {
    if field.ends_with("_usage") {
        " (percent)"
    } else if field == "memory"
        || field == "size"
        || field.ends_with("_size")
        || field.ends_with("_memory")
        || field.ends_with("_bytes")
        || field == "capacity"
        || field.ends_with("_capacity")
    {
        " (bytes)"
    } else if field.ends_with("_at") || field.ends_with("_time") {
        " (an ISO 8601 date-time)"
    } else {
        ""
    }
}

/// `GetVmTemplates`, `vm_nics` or `entityAsyncStatus` as words: `Get vm
/// templates`, `Vm nics`, `Entity async status`.
fn words(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c == '_' || c == '-' {
            out.push(' ');
        } else if c.is_uppercase() && i > 0 && !out.ends_with(' ') {
            out.push(' ');
            out.extend(c.to_lowercase());
        } else if i == 0 {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// A text as one sentence: capitalised, ending with a full stop.
fn sentence(text: &str) -> String {
    let text = text.trim();
    let mut out: String = text.chars().take(1).flat_map(char::to_uppercase).collect();
    out.push_str(&text.chars().skip(1).collect::<String>());
    if !out.ends_with('.') && !out.ends_with('?') && !out.ends_with(')') {
        out.push('.');
    }
    out
}

/// Our operation object for `found`, examples included.
fn operation(doc: &Value, found: &Found<'_>, texts: &Texts) -> Result<Value, String> {
    let up = found.op;
    let id = up
        .get("operationId")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{}: no operationId upstream", found.path))?;
    let official = texts
        .descriptions
        .pointer(&format!("/paths/{}", spec::escape(&found.path)));
    let text_of = |key: &str| {
        official
            .and_then(|o| o.get(key))
            .and_then(Value::as_str)
            .filter(|t| !t.trim().is_empty())
            .map(sentence)
    };
    let request = request_schema_name(up);
    let response = up.pointer("/responses/200/content/application~1json/schema");
    let item = response
        .and_then(|r| r.get("items"))
        .and_then(spec::wrapped_ref_name)
        .or_else(|| response.and_then(spec::wrapped_ref_name));
    let is_list = response.and_then(|r| r.get("type")).and_then(Value::as_str) == Some("array");
    // `/get-…` reads, and the read of a precheck's result.
    let read = found.path.starts_with("/get-") || found.path.ends_with("-result");
    let summary = text_of("summary").unwrap_or_else(|| acronyms(&sentence(&words(id))));
    let description = text_of("description")
        .unwrap_or_else(|| derived_description(doc, request, item, is_list, read));

    let mut op = Map::new();
    op.insert("operationId".into(), json!(id));
    op.insert("summary".into(), json!(summary));
    op.insert("description".into(), json!(description));
    if let Some(tags) = up.get("tags") {
        op.insert("tags".into(), tags.clone());
    }
    if read {
        op.insert("x-safe-to-retry".into(), json!(true));
    }
    let mut params = Vec::new();
    for p in up
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if p.get("in").and_then(Value::as_str) == Some("header")
            && p.get("name").and_then(Value::as_str) == Some("content-language")
        {
            params.push(json!({"$ref": "#/components/parameters/ContentLanguage"}));
        } else {
            params.push(p.clone());
        }
    }
    if !params.is_empty() {
        op.insert("parameters".into(), Value::Array(params));
    }
    if let Some(body) = up.get("requestBody") {
        let mut body = body.clone();
        if let Some(media) = body.pointer_mut("/content/application~1json") {
            let schema = media.get("schema").cloned().unwrap_or(Value::Null);
            let official = texts
                .request_examples
                .pointer(&format!("/{}/exampleValue", spec::escape(&found.path)))
                .filter(|e| validate::validate(doc, &schema, e).is_empty())
                .cloned();
            let example = official.unwrap_or_else(|| synthesise(doc, &schema, false));
            media["example"] = example;
        }
        op.insert("requestBody".into(), body);
    }
    let mut responses = Map::new();
    for (code, r) in up
        .get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        if spec::is_error(code) {
            responses.insert(
                code.clone(),
                json!({"$ref": "#/components/responses/Error"}),
            );
            continue;
        }
        let mut ours = Map::new();
        let text = r
            .get("description")
            .and_then(Value::as_str)
            .filter(|t| !t.trim().is_empty())
            .map(sentence)
            .unwrap_or_else(|| response_description(item, is_list));
        ours.insert("description".into(), json!(text));
        if let Some(schema) = r.pointer("/content/application~1json/schema") {
            let example = synthesise(doc, schema, true);
            ours.insert(
                "content".into(),
                json!({"application/json": {"schema": schema, "example": example}}),
            );
        }
        responses.insert(code.clone(), Value::Object(ours));
    }
    op.insert("responses".into(), Value::Object(responses));
    Ok(Value::Object(op))
}

/// A description of an operation the official texts leave undescribed,
/// from its request and response shapes.
fn derived_description(
    doc: &Value,
    request: Option<&str>,
    item: Option<&str>,
    is_list: bool,
    read: bool,
) -> String {
    let has = |field: &str| {
        request
            .and_then(|r| doc.pointer(&format!("/components/schemas/{r}/properties/{field}")))
            .is_some()
    };
    let item = item.unwrap_or("result");
    if read && is_list {
        let mut text = format!(
            "Returns the `{item}`s that match `where`, as a bare array. The body is required: send at least `{{}}`."
        );
        if has("first") {
            text.push_str(" Page with `first`/`skip` or the `after`/`before` id cursors");
            if has("orderBy") {
                text.push_str(" and sort on one column with `orderBy`");
            }
            text.push('.');
        }
        return text;
    }
    if read {
        return format!("Returns a `{item}`. The body is required: send at least `{{}}`.");
    }
    if let Some(inner) = item.strip_prefix("WithTask_") {
        let inner = inner.trim_end_matches('_');
        let scope = if has("where") {
            "every resource matched by `where`; the response holds one element per affected resource"
        } else {
            "the resources described by `data`; the response holds one element per resource"
        };
        return format!(
            "Applies to {scope}: the `{inner}` and the `task_id` of the task that carries the change out (null when there is nothing to wait for). Wait for it with `GetTasks`; read the resource again when it has finished."
        );
    }
    format!("Returns `{item}`.")
}

/// The description of a 200 response the official document leaves empty.
fn response_description(item: Option<&str>, is_list: bool) -> String {
    match (item, is_list) {
        (Some(i), true) if i.starts_with("WithTask_") => {
            format!("One `{i}` per affected resource.")
        }
        (Some(i), true) => format!("The matching `{i}`s."),
        (Some(i), false) => format!("The `{i}`."),
        (None, _) => "The result.".to_string(),
    }
}

/// An example value for `schema`: every property at the top of a response
/// (`full`), required ones below it and in requests, values shaped by the
/// field's name and format so that they look like CloudTower's.
pub fn synthesise(doc: &Value, schema: &Value, full: bool) -> Value {
    let properties = if full {
        Properties::AllAtTop
    } else {
        Properties::Required
    };
    Synthesiser {
        properties,
        ..Synthesiser::new(doc)
    }
    .value(schema, "")
}

/// The examples of the operation at `path`/`method` hold against its
/// schemas.
fn check_examples(doc: &Value, path: &str, method: &str) -> Result<(), String> {
    let op = doc
        .pointer(&format!("/paths/{}/{method}", spec::escape(path)))
        .ok_or_else(|| format!("{path}: not in the result"))?;
    let mut problems = Vec::new();
    for media in [
        op.pointer("/requestBody/content/application~1json"),
        op.pointer("/responses/200/content/application~1json"),
    ]
    .into_iter()
    .flatten()
    {
        if let (Some(schema), Some(example)) = (media.get("schema"), media.get("example")) {
            problems.extend(validate::messages(doc, schema, example));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{path}: synthesised example does not hold: {}",
            problems.join("; ")
        ))
    }
}

/// Puts the new text blocks into the spec: tags after the last tag of the
/// top-level `tags` list, paths before `components:`, schemas at the end
/// (the `schemas` section is the file's last).
fn insert_blocks(ours: &str, tags: &str, paths: &str, schemas: &str) -> Result<String, String> {
    let mut lines: Vec<&str> = ours.lines().collect();
    let components = lines
        .iter()
        .position(|l| *l == "components:")
        .ok_or("the spec has no top-level `components:` line")?;
    let last_section = lines
        .iter()
        .rposition(|l| l.starts_with("  ") && !l.starts_with("   ") && l.trim_end().ends_with(':'))
        .map(|i| lines[i].trim());
    if !schemas.is_empty() && last_section != Some("schemas:") {
        return Err("`components.schemas` must be the spec's last section".into());
    }
    let mut out = String::new();
    let tags_at = lines.iter().position(|l| *l == "tags:");
    let tags_end = tags_at.map(|start| {
        let mut end = start + 1;
        while end < lines.len() && (lines[end].starts_with(' ') || lines[end].is_empty()) {
            end += 1;
        }
        // Back over trailing blank lines.
        while end > start + 1 && lines[end - 1].is_empty() {
            end -= 1;
        }
        end
    });
    if !tags.is_empty() && tags_end.is_none() {
        return Err("the spec has no top-level `tags:` list".into());
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    for (i, line) in lines.iter().enumerate() {
        if Some(i) == tags_end {
            out.push_str(tags);
        }
        if i == components {
            // Paths end with a blank line already.
            out.push_str(paths);
        }
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(schemas);
    Ok(out)
}

// ------------------------------------------------------------ YAML output

/// `key:` and `value` as YAML at `indent` spaces, in the file's style:
/// short maps and lists of scalars in flow style on one line, everything
/// else in block style.
fn emit_entry(key: &str, value: &Value, indent: usize) -> String {
    emit(key, value, indent, false)
}

/// [`emit_entry`]; `natural` keeps keys in their own order (field names,
/// example data) instead of OpenAPI's reading order.
fn emit(key: &str, value: &Value, indent: usize, natural: bool) -> String {
    let pad = " ".repeat(indent);
    let key = yaml::scalar(key);
    if let Some(flow) = flow(value).filter(|_| !value.is_string())
        && indent + key.len() + flow.len() + 2 <= 110
    {
        return format!("{pad}{key}: {flow}\n");
    }
    match value {
        Value::Object(map) if !map.is_empty() => {
            let mut out = format!("{pad}{key}:\n");
            // Field names and examples keep their own (sorted) order.
            let inner = natural || key == "example";
            let entries = if inner || key == "properties" {
                map.iter().collect()
            } else {
                ordered(map)
            };
            for (k, v) in entries {
                out.push_str(&emit(k, v, indent + 2, inner));
            }
            out
        }
        Value::Array(items) if !items.is_empty() => {
            let mut out = format!("{pad}{key}:\n");
            for item in items {
                out.push_str(&emit_item(item, indent + 2, natural || key == "example"));
            }
            out
        }
        Value::String(s) if s.contains('\n') => {
            let inner = " ".repeat(indent + 2);
            let body: Vec<String> = s
                .lines()
                .map(|l| format!("{inner}{l}").trim_end().to_string())
                .collect();
            format!("{pad}{key}: |-\n{}\n", body.join("\n"))
        }
        Value::String(s) if s.len() + indent + key.len() > 106 => {
            // Long texts fold, as the hand-written parts of the file do.
            format!("{pad}{key}: >-\n{}\n", fold(s, indent + 2))
        }
        Value::String(s) => format!("{pad}{key}: {}\n", yaml::prose(s)),
        scalar => format!("{pad}{key}: {}\n", flow(scalar).unwrap_or_default()),
    }
}

/// A list element at `indent`.
fn emit_item(value: &Value, indent: usize, natural: bool) -> String {
    let pad = " ".repeat(indent);
    if let Some(flow) = flow(value)
        && indent + flow.len() + 2 <= 110
    {
        return format!("{pad}- {flow}\n");
    }
    match value {
        Value::Object(map) if !map.is_empty() => {
            let mut out = String::new();
            let entries = if natural {
                map.iter().collect()
            } else {
                ordered(map)
            };
            for (i, (k, v)) in entries.into_iter().enumerate() {
                let entry = emit(k, v, indent + 2, natural);
                if i == 0 {
                    out.push_str(&pad);
                    out.push_str("- ");
                    out.push_str(&entry[indent + 2..]);
                } else {
                    out.push_str(&entry);
                }
            }
            out
        }
        Value::Array(_) => format!(
            "{pad}- {}\n",
            serde_json::to_string(value).unwrap_or_default()
        ),
        scalar => format!("{pad}- {}\n", flow(scalar).unwrap_or_default()),
    }
}

/// The order keys are written in: the usual OpenAPI reading order first,
/// the rest as they come (sorted).
fn ordered(map: &Map<String, Value>) -> Vec<(&String, &Value)> {
    const FIRST: &[&str] = &[
        "name",
        "in",
        "operationId",
        "summary",
        "description",
        "tags",
        "x-safe-to-retry",
        "parameters",
        "requestBody",
        "responses",
        "required",
        "content",
        "schema",
        "example",
        "allOf",
        "type",
        "format",
        "nullable",
        "enum",
        "items",
        "properties",
        "additionalProperties",
    ];
    let mut entries: Vec<(&String, &Value)> = map.iter().collect();
    entries.sort_by_key(|(k, _)| FIRST.iter().position(|f| f == k).unwrap_or(FIRST.len()));
    entries
}

/// `value` in YAML flow style, if it is small enough to read on one line:
/// scalars, lists of scalars, and maps of those without descriptions or
/// examples (which read better in block style).
fn flow(value: &Value) -> Option<String> {
    match value {
        Value::Null => Some("null".into()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(yaml::scalar(s)),
        Value::Array(items) => {
            let parts: Option<Vec<String>> = items
                .iter()
                .map(|i| match i {
                    Value::Array(_) => None,
                    Value::Object(m) if m.len() > 2 => None,
                    other => flow(other),
                })
                .collect();
            Some(format!("[{}]", parts?.join(", ")))
        }
        Value::Object(map) => {
            if map.contains_key("description") || map.contains_key("example") || map.len() > 4 {
                return None;
            }
            let parts: Option<Vec<String>> = ordered(map)
                .into_iter()
                .map(|(k, v)| {
                    let nested = match v {
                        Value::Object(m) if m.len() > 2 => None,
                        other => flow(other),
                    };
                    nested.map(|v| format!("{}: {v}", yaml::scalar(k)))
                })
                .collect();
            Some(format!("{{{}}}", parts?.join(", ")))
        }
    }
}

/// A long text as the lines of a folded (`>-`) block at `indent`.
fn fold(text: &str, indent: usize) -> String {
    let pad = " ".repeat(indent);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && line.len() + word.len() + 1 + indent > 100 {
            lines.push(format!("{pad}{line}"));
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(format!("{pad}{line}"));
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn derived_descriptions_carry_units_and_filters() {
        let t = Texts::default();
        assert_eq!(
            field_description("Vm", "memory", &json!({}), &t),
            "Memory (bytes)."
        );
        assert_eq!(
            field_description("VmWhereInput", "memory_gt", &json!({}), &t),
            "Matches when `memory` is greater than the value (bytes)."
        );
        assert_eq!(
            field_description("Vm", "host_id", &json!({"type": "string"}), &t),
            "ID of the host."
        );
    }
}
