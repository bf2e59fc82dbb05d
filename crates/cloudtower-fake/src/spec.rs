//! What the fake knows about the API, read from the packaged spec at
//! start: every operation, what kind of operation it is (a read of a
//! collection, a count, a mutation with tasks, or something else), and how
//! to make a value of any schema. Nothing here names an operation of the
//! spec, so operations added to the spec are served without code.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use serde_json::{Map, Value};

/// The spec this crate is generated from.
pub(crate) const SPEC_YAML: &str = include_str!("../spec/cloudtower.yaml");

/// How the fake answers an operation, decided from its shapes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Exchanges a username and password for a token (the one operation
    /// with `security: []`).
    Login,
    /// A read answering an array of `item`: the collection of that name,
    /// filtered by `where` and paged.
    List {
        /// The collection (and item schema) name.
        item: String,
        /// The where-input schema of the body, if any.
        where_input: Option<String>,
    },
    /// A `*-connection` read: `{aggregate: {count}}` of a collection.
    Count {
        /// The collection counted.
        collection: String,
        /// The where-input schema of the body.
        where_input: Option<String>,
    },
    /// A mutation answering `WithTask_*` values: one task per resource.
    Mutation {
        /// The schema of each answer's `data`.
        data: String,
        /// Whether the answer is an array (one per resource) or one value.
        array: bool,
        /// The resources it acts on.
        target: Target,
    },
    /// Anything else: answered with a value of its response schema.
    Other,
}

/// The resources a mutation acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// The records of `collection` its `where` matches.
    Where {
        /// The collection, named after the where-input (`VmWhereInput`: `Vm`).
        collection: String,
        /// The where-input schema.
        where_input: String,
    },
    /// The record of `collection` an inline `where` names by
    /// `<collection>_id` (`{"where": {"host_id": ..}}` for a `Host`).
    Named {
        /// The collection, the schema of the answers' `data`.
        collection: String,
    },
    /// New records of `collection`, one per element of the body (an array
    /// body, or the `data` array of an object body).
    Create {
        /// The collection the records go into.
        collection: String,
        /// The schema of one element of the input.
        input: Option<String>,
    },
}

/// One operation of the spec.
#[derive(Debug, Clone)]
pub(crate) struct Operation {
    /// The `operationId`.
    pub id: String,
    /// The path as the spec writes it (`/get-vms`), the `path` of errors.
    pub path: String,
    /// The HTTP method, lower case (`post`; `get` for `get-version`).
    pub method: String,
    /// How the fake answers it.
    pub kind: Kind,
    /// The 200 response schema.
    pub response: Option<Value>,
    /// The spec's example request body (what the drift guard sends).
    pub request_example: Option<Value>,
    /// The spec's example 200 response body.
    pub response_example: Option<Value>,
}

/// The spec, parsed once.
#[derive(Debug)]
pub(crate) struct Spec {
    schemas: Map<String, Value>,
    operations: BTreeMap<String, Operation>,
    /// An example value per schema name, harvested from the response
    /// examples (reads first, so a resource's example is a whole record).
    examples: BTreeMap<String, Value>,
}

/// The name a `$ref` points to (`#/components/schemas/Vm`: `Vm`), also
/// through a single-element `allOf` (how the spec marks a ref nullable).
pub(crate) fn ref_name(schema: &Value) -> Option<&str> {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        return r.rsplit('/').next();
    }
    match schema.get("allOf").and_then(Value::as_array) {
        Some(all) if all.len() == 1 => ref_name(&all[0]),
        _ => None,
    }
}

/// The collection a where-input filters (`VmWhereInput`: `Vm`).
pub(crate) fn collection_of_where(where_input: &str) -> Option<&str> {
    where_input.strip_suffix("WhereInput")
}

/// The packaged spec, parsed once per process for both the service and
/// the transport: every fake a test suite starts shares them.
pub(crate) fn shared() -> Result<(Arc<Spec>, cloud_fake::Spec), String> {
    static SHARED: OnceLock<Result<(Arc<Spec>, cloud_fake::Spec), String>> = OnceLock::new();
    SHARED
        .get_or_init(|| {
            let ours = Spec::parse(SPEC_YAML)?;
            let transport = cloud_fake::Spec::parse(SPEC_YAML).map_err(|e| e.to_string())?;
            Ok((Arc::new(ours), transport))
        })
        .clone()
}

impl Spec {
    /// The packaged spec (shared, see [`shared`]); an unreadable spec is a
    /// build defect, so the error names it rather than guessing.
    pub(crate) fn load() -> Result<Arc<Self>, String> {
        shared().map(|(spec, _)| spec)
    }

    /// Parses a spec document.
    pub(crate) fn parse(yaml: &str) -> Result<Self, String> {
        let doc: Value = serde_yaml::from_str(yaml).map_err(|e| format!("the spec: {e}"))?;
        let schemas = doc
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let mut spec = Spec {
            schemas,
            operations: BTreeMap::new(),
            examples: BTreeMap::new(),
        };
        let mut raw = Vec::new();
        for (path, item) in doc
            .get("paths")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            for (method, op) in item.as_object().into_iter().flatten() {
                if !["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                    continue;
                }
                let Some(id) = op.get("operationId").and_then(Value::as_str) else {
                    continue;
                };
                raw.push((id.to_string(), (path.clone(), method.clone()), op.clone()));
            }
        }
        // Reads first: their examples are whole records, where a
        // mutation's `data` is a placeholder.
        raw.sort_by_key(|(id, _, _)| !id.starts_with("Get"));
        for (_, _, op) in &raw {
            let response = op.pointer("/responses/200/content/application~1json");
            if let (Some(schema), Some(example)) = (
                response.and_then(|r| r.get("schema")),
                response.and_then(|r| r.get("example")),
            ) {
                spec.harvest(schema, example, 0);
            }
        }
        for (id, (path, method), op) in raw {
            let body = op
                .pointer("/requestBody/content/application~1json/schema")
                .cloned();
            let response = op
                .pointer("/responses/200/content/application~1json/schema")
                .cloned();
            let request_example = op
                .pointer("/requestBody/content/application~1json/example")
                .cloned();
            let response_example = op
                .pointer("/responses/200/content/application~1json/example")
                .cloned();
            let login = op
                .get("security")
                .and_then(Value::as_array)
                .is_some_and(Vec::is_empty);
            let kind = if login {
                Kind::Login
            } else {
                spec.kind(&id, body.as_ref(), response.as_ref())
            };
            spec.operations.insert(
                id.clone(),
                Operation {
                    id,
                    path,
                    method,
                    kind,
                    response,
                    request_example,
                    response_example,
                },
            );
        }
        Ok(spec)
    }

    /// Every operation by `operationId`.
    pub(crate) fn operations(&self) -> &BTreeMap<String, Operation> {
        &self.operations
    }

    /// One operation.
    pub(crate) fn operation(&self, id: &str) -> Option<&Operation> {
        self.operations.get(id)
    }

    /// A schema by name.
    pub(crate) fn schema(&self, name: &str) -> Option<&Value> {
        self.schemas.get(name)
    }

    /// `schema` with `$ref`s (and single `allOf`s) followed.
    pub(crate) fn resolve<'a>(&'a self, schema: &'a Value) -> &'a Value {
        let mut schema = schema;
        for _ in 0..16 {
            match ref_name(schema).and_then(|n| self.schemas.get(n)) {
                Some(next) => schema = next,
                None => break,
            }
        }
        schema
    }

    /// The properties of an object schema (resolved).
    pub(crate) fn properties<'a>(&'a self, schema: &'a Value) -> Option<&'a Map<String, Value>> {
        self.resolve(schema)
            .get("properties")
            .and_then(Value::as_object)
    }

    /// The schema of property `name` of schema `schema_name`.
    pub(crate) fn property(&self, schema_name: &str, name: &str) -> Option<&Value> {
        self.schemas
            .get(schema_name)
            .and_then(|s| self.properties(s))
            .and_then(|p| p.get(name))
    }

    /// Whether `schema_name` has property `name`.
    pub(crate) fn has_property(&self, schema_name: &str, name: &str) -> bool {
        self.property(schema_name, name).is_some()
    }

    /// The item schema of an array schema.
    fn items<'a>(&'a self, schema: &'a Value) -> Option<&'a Value> {
        let schema = self.resolve(schema);
        (schema.get("type").and_then(Value::as_str) == Some("array"))
            .then(|| schema.get("items"))
            .flatten()
    }

    /// Whether the schema named `name` is a `WithTask_*`: a `task_id` and
    /// a `data`.
    fn is_with_task(&self, name: &str) -> bool {
        self.has_property(name, "task_id") && self.has_property(name, "data")
    }

    /// Decides how an operation is answered from its body and response.
    fn kind(&self, id: &str, body: Option<&Value>, response: Option<&Value>) -> Kind {
        let Some(response) = response else {
            return Kind::Other;
        };
        let where_of = |schema: &Value| {
            self.properties(schema)
                .and_then(|p| p.get("where"))
                .and_then(ref_name)
                .map(str::to_string)
        };
        let where_input = body.and_then(where_of);
        // A `where` that is no where-input (`{host_id}`) names one record.
        let inline_where = body
            .and_then(|b| self.properties(b))
            .is_some_and(|p| p.contains_key("where"))
            && where_input.is_none();
        // `{aggregate: {count}}`: a count of the filtered collection.
        if let Some(props) = self.properties(response)
            && props.contains_key("aggregate")
        {
            if let Some(collection) = where_input.as_deref().and_then(collection_of_where) {
                return Kind::Count {
                    collection: collection.to_string(),
                    where_input: where_input.clone(),
                };
            }
            return Kind::Other;
        }
        let (element, array) = match self.items(response) {
            Some(items) => (items, true),
            None => (response, false),
        };
        let Some(name) = ref_name(element) else {
            return Kind::Other;
        };
        // A read that answers `WithTask_*` (metrics) changes nothing.
        if self.is_with_task(name) && !id.starts_with("Get") {
            let Some(data) = self.property(name, "data").and_then(ref_name) else {
                return Kind::Other;
            };
            let target = match (&where_input, body) {
                _ if inline_where => Target::Named {
                    collection: data.to_string(),
                },
                (Some(w), _) => match collection_of_where(w) {
                    Some(c) => Target::Where {
                        collection: c.to_string(),
                        where_input: w.clone(),
                    },
                    None => return Kind::Other,
                },
                (None, Some(body)) => Target::Create {
                    collection: data.to_string(),
                    input: self.create_input(body).map(str::to_string),
                },
                (None, None) => return Kind::Other,
            };
            return Kind::Mutation {
                data: data.to_string(),
                array,
                target,
            };
        }
        if array && id.starts_with("Get") && self.has_property(name, "id") {
            return Kind::List {
                item: name.to_string(),
                where_input,
            };
        }
        Kind::Other
    }

    /// The schema of one element of a create's input: the items of an
    /// array body, of an object body's `data` array, or the body itself.
    fn create_input<'a>(&'a self, body: &'a Value) -> Option<&'a str> {
        if let Some(items) = self.items(body) {
            return ref_name(items);
        }
        if let Some(data) = self.properties(body).and_then(|p| p.get("data")) {
            if let Some(items) = self.items(data) {
                return ref_name(items);
            }
            return ref_name(data);
        }
        ref_name(body)
    }

    /// Records `example` as the example of every named schema it is a
    /// value of, first seen first.
    fn harvest(&mut self, schema: &Value, example: &Value, depth: usize) {
        if depth > 12 || example.is_null() {
            return;
        }
        if let Some(name) = ref_name(schema) {
            if example.is_object() && !self.examples.contains_key(name) {
                self.examples.insert(name.to_string(), example.clone());
            }
            if let Some(next) = self.schemas.get(name).cloned() {
                self.harvest(&next, example, depth + 1);
            }
            return;
        }
        if let Some(items) = schema.get("items").cloned() {
            if let Some(first) = example.as_array().and_then(|a| a.first()) {
                self.harvest(&items, first, depth + 1);
            }
            return;
        }
        let props = schema.get("properties").and_then(Value::as_object).cloned();
        for (key, prop) in props.into_iter().flatten() {
            if let Some(value) = example.get(&key) {
                self.harvest(&prop, value, depth + 1);
            }
        }
    }

    /// A value of `schema`: the spec's example of it when there is one
    /// (laid over the required fields, so it is always complete), else
    /// built from the schema: required properties, nullable ones `null`,
    /// the first enum value, empty strings and zeros.
    pub(crate) fn synth(&self, schema: &Value) -> Value {
        self.synth_at(schema, 0)
    }

    /// A value of the schema named `name` (`Null` for an unknown name).
    pub(crate) fn synth_named(&self, name: &str) -> Value {
        match self.schemas.get(name) {
            Some(schema) => self.synth_named_at(name, schema, 0),
            None => Value::Null,
        }
    }

    fn synth_named_at(&self, name: &str, schema: &Value, depth: usize) -> Value {
        let mut value = self.synth_at(schema, depth + 1);
        if let (Some(example), Some(object)) = (self.examples.get(name), value.as_object_mut()) {
            for (k, v) in example.as_object().into_iter().flatten() {
                object.insert(k.clone(), v.clone());
            }
        }
        value
    }

    fn synth_at(&self, schema: &Value, depth: usize) -> Value {
        // Recursive schemas (where-inputs, nested trees) end in null.
        if depth > 10 {
            return Value::Null;
        }
        if let Some(name) = ref_name(schema)
            && let Some(target) = self.schemas.get(name)
        {
            return self.synth_named_at(name, target, depth);
        }
        if let Some(example) = schema.get("example") {
            return example.clone();
        }
        if let Some(first) = schema
            .get("enum")
            .and_then(Value::as_array)
            .and_then(|e| e.first())
        {
            return first.clone();
        }
        for key in ["allOf", "oneOf", "anyOf"] {
            if let Some(all) = schema.get(key).and_then(Value::as_array) {
                let mut merged = Value::Null;
                for part in all {
                    let value = self.synth_at(part, depth + 1);
                    match (&mut merged, value) {
                        (Value::Object(into), Value::Object(from)) => into.extend(from),
                        (m @ Value::Null, v) => *m = v,
                        _ => {}
                    }
                    if key != "allOf" {
                        break;
                    }
                }
                return merged;
            }
        }
        match schema.get("type").and_then(Value::as_str) {
            Some("string") => match schema.get("format").and_then(Value::as_str) {
                Some("date-time") => Value::String("2024-05-09T08:00:00.000Z".into()),
                _ => Value::String(String::new()),
            },
            Some("integer") => Value::from(0),
            Some("number") => Value::from(0.0),
            Some("boolean") => Value::Bool(false),
            Some("array") => Value::Array(Vec::new()),
            Some("object") | None if schema.get("properties").is_some() => {
                let required: Vec<&str> = schema
                    .get("required")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                let mut out = Map::new();
                for (key, prop) in schema
                    .get("properties")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    if required.contains(&key.as_str()) {
                        out.insert(key.clone(), self.synth_at(prop, depth + 1));
                    } else if is_nullable(prop) {
                        out.insert(key.clone(), Value::Null);
                    }
                }
                Value::Object(out)
            }
            Some("object") => Value::Object(Map::new()),
            _ => Value::Null,
        }
    }

    /// `record` as a value of the schema named `name`: the record itself
    /// when it is one (minus the fake's own `__` keys), else a value of the
    /// schema with every property the record shares copied from it.
    pub(crate) fn project(&self, record: &Value, record_schema: &str, name: &str) -> Value {
        if name == record_schema {
            return strip_hidden(record);
        }
        let mut value = self.synth_named(name);
        if let (Some(out), Some(props)) = (
            value.as_object_mut(),
            self.schemas.get(name).and_then(|s| self.properties(s)),
        ) {
            for key in props.keys() {
                if let Some(v) = record.get(key) {
                    out.insert(key.clone(), v.clone());
                }
            }
        }
        value
    }

    /// Whether a JSON value fits a property schema's type, loosely (enums
    /// are strings; integers are numbers), for copying inputs into records.
    pub(crate) fn fits(&self, schema: &Value, value: &Value) -> bool {
        if value.is_null() {
            return is_nullable(schema);
        }
        let resolved = self.resolve(schema);
        match resolved.get("type").and_then(Value::as_str) {
            Some("string") => value.is_string(),
            Some("integer") => value.is_i64() || value.is_u64(),
            Some("number") => value.is_number(),
            Some("boolean") => value.is_boolean(),
            Some("array") => value.is_array(),
            Some("object") => value.is_object(),
            _ => false,
        }
    }
}

/// Whether a property schema admits `null`.
fn is_nullable(schema: &Value) -> bool {
    schema.get("nullable").and_then(Value::as_bool) == Some(true)
}

/// A record without the fake's bookkeeping keys (those starting `__`).
pub(crate) fn strip_hidden(record: &Value) -> Value {
    match record {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| !k.starts_with("__"))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> Arc<Spec> {
        Spec::load().expect("the packaged spec parses")
    }

    #[test]
    fn operations_are_classified_from_their_shapes() {
        let spec = spec();
        let kind = |id: &str| spec.operation(id).map(|o| o.kind.clone());
        assert_eq!(kind("Login"), Some(Kind::Login));
        assert_eq!(
            kind("GetVms"),
            Some(Kind::List {
                item: "Vm".into(),
                where_input: Some("VmWhereInput".into())
            })
        );
        assert!(
            matches!(kind("GetVmsConnection"), Some(Kind::Count { collection, .. }) if collection == "Vm")
        );
        assert!(matches!(
            kind("CreateVm"),
            Some(Kind::Mutation { target: Target::Create { collection, .. }, array: true, .. }) if collection == "Vm"
        ));
        assert!(matches!(
            kind("CreateVmSnapshot"),
            Some(Kind::Mutation { target: Target::Create { collection, input: Some(input) }, .. })
                if collection == "VmSnapshot" && input == "VmSnapshotCreationParamsData"
        ));
        assert!(matches!(
            kind("DeleteVm"),
            Some(Kind::Mutation { data, target: Target::Where { collection, .. }, .. })
                if data == "DeleteVm" && collection == "Vm"
        ));
    }

    #[test]
    fn synthesised_values_carry_the_required_fields() {
        let spec = spec();
        let vm = spec.synth_named("Vm");
        assert_eq!(vm["name"], "web-01", "the get-vms example is the template");
        let task = spec.synth_named("Task");
        assert!(task.get("status").is_some() && task.get("progress").is_some());
        let deleted = spec.project(&vm, "Vm", "DeleteVm");
        assert_eq!(deleted, serde_json::json!({"id": vm["id"]}));
    }
}
