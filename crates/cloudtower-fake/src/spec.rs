//! What the fake knows about the API, read from the packaged spec at
//! start: every operation, what kind of operation it is (a read of a
//! collection, a count, a mutation with tasks, or something else), and how
//! to make a value of any schema. Nothing here names an operation of the
//! spec, so operations added to the spec are served without code.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use cloud_spec::classify::{classify, is_read};
use cloud_spec::example::{Compositions, Properties, Synthesiser, harvest_examples, zero_scalar};
use serde_json::{Map, Value};

pub(crate) use cloud_spec::classify::{Kind, Target, collection_of_where};
/// The name a `$ref` points to (`#/components/schemas/Vm`: `Vm`), also
/// through a single-element `allOf` (how the spec marks a ref nullable).
pub(crate) use cloud_spec::wrapped_ref_name as ref_name;

/// The spec this crate is generated from, as build.rs embeds it (JSON,
/// read with `cloud_spec::Spec::parse` like the YAML it comes from).
pub(crate) const SPEC_YAML: &str = include_str!(concat!(env!("OUT_DIR"), "/cloudtower.json"));

/// Nesting beyond which a synthesised value is `null`: recursive schemas
/// (where-inputs, nested trees) must end.
const MAX_DEPTH: usize = 10;

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

/// The spec, parsed once, through `cloud_spec`: what is the fake's own is
/// only which operations it answers how, and how it fills records in.
#[derive(Debug)]
pub(crate) struct Spec {
    /// The transport's spec, whose document this reads too (one parse).
    transport: cloud_fake::Spec,
    operations: BTreeMap<String, Operation>,
    /// An example value per schema name, harvested from the response
    /// examples (reads first, so a resource's example is a whole record).
    examples: BTreeMap<String, Value>,
}

/// The packaged spec as `cloud_spec` reads it, parsed once per process
/// (see [`crate::spec`]).
pub(crate) fn document() -> Result<&'static Arc<cloud_spec::Spec>, String> {
    static DOCUMENT: OnceLock<Result<Arc<cloud_spec::Spec>, String>> = OnceLock::new();
    DOCUMENT
        .get_or_init(|| {
            cloud_spec::Spec::parse(SPEC_YAML)
                .map(Arc::new)
                .map_err(|e| format!("the spec: {e}"))
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// The packaged spec's view for the service (and, through it, the
/// transport's), built once per process from [`document`]: every fake a
/// test suite starts shares it.
pub(crate) fn shared() -> Result<Arc<Spec>, String> {
    static SHARED: OnceLock<Result<Arc<Spec>, String>> = OnceLock::new();
    SHARED
        .get_or_init(|| Spec::from_document(Arc::clone(document()?)).map(Arc::new))
        .clone()
}

impl Spec {
    /// The packaged spec (shared, see [`shared`]); an unreadable spec is a
    /// build defect, so the error names it rather than guessing.
    pub(crate) fn load() -> Result<Arc<Self>, String> {
        shared()
    }

    /// The transport's view of the same document (a cheap clone).
    pub(crate) fn transport(&self) -> cloud_fake::Spec {
        self.transport.clone()
    }

    /// The service's view of a document already read.
    pub(crate) fn from_document(spec: Arc<cloud_spec::Spec>) -> Result<Self, String> {
        let transport = cloud_fake::Spec::from_spec(spec).map_err(|e| e.to_string())?;
        let spec = transport.spec();
        let doc = spec.document();
        let examples = harvest_examples(doc, |op| op.id().is_some_and(is_read));
        let media = |m: Option<&Value>, key: &str| m.and_then(|m| m.get(key)).cloned();
        let operations = spec
            .operations()
            .filter_map(|op| {
                let id = op.id()?.to_string();
                let response = op.response_media(doc, "200", "application/json");
                let request = op.request_media(doc, "application/json");
                let operation = Operation {
                    path: op.path.to_string(),
                    method: op.method.to_string(),
                    kind: classify(doc, &op),
                    response: media(response, "schema"),
                    request_example: media(request, "example"),
                    response_example: media(response, "example"),
                    id: id.clone(),
                };
                Some((id, operation))
            })
            .collect();
        Ok(Spec {
            transport,
            operations,
            examples,
        })
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
        self.transport.spec().schema(name)
    }

    /// `schema` with `$ref`s (and single `allOf`s) followed.
    pub(crate) fn resolve<'a>(&'a self, schema: &'a Value) -> &'a Value {
        self.transport.spec().resolve_schema(schema)
    }

    /// The properties of an object schema (resolved).
    pub(crate) fn properties<'a>(&'a self, schema: &'a Value) -> Option<&'a Map<String, Value>> {
        cloud_spec::properties(self.resolve(schema))
    }

    /// The schema of property `name` of schema `schema_name`.
    pub(crate) fn property(&self, schema_name: &str, name: &str) -> Option<&Value> {
        self.schema(schema_name)
            .and_then(|s| self.properties(s))
            .and_then(|p| p.get(name))
    }

    /// The schema property `relation` of `collection` refers to when it is
    /// a relation: a `$ref` to a record (an object schema such as
    /// `NestedCluster`), not to an enum of the same name (`User.role`,
    /// whose `role_id` input names a `UserRoleNext`).
    pub(crate) fn relation(&self, collection: &str, relation: &str) -> Option<&str> {
        self.property(collection, relation)
            .and_then(ref_name)
            .filter(|n| {
                self.schema(n)
                    .is_some_and(|s| s.get("properties").is_some())
            })
    }

    /// Whether `schema_name` has property `name`.
    pub(crate) fn has_property(&self, schema_name: &str, name: &str) -> bool {
        self.property(schema_name, name).is_some()
    }

    /// A value of `schema` as the fake stores it: the spec's example of a
    /// named schema when there is one (laid over the required fields, so
    /// it is always complete), else built from the schema: required
    /// properties, nullable ones `null`, the first enum value, empty
    /// strings, zeros and empty arrays.
    pub(crate) fn synth(&self, schema: &Value) -> Value {
        Synthesiser {
            properties: Properties::RequiredAndNullable,
            compositions: Compositions::MergeAllOf,
            example_first: true,
            max_depth: MAX_DEPTH,
            count_compositions: true,
            count_refs: true,
            array_depth: 0,
            overlays: Some(&self.examples),
            scalar: zero_scalar,
            named: |_| None,
            ..Synthesiser::new(self.transport.spec().document())
        }
        .value(schema, "")
    }

    /// A value of the schema named `name` (`Null` for an unknown name).
    pub(crate) fn synth_named(&self, name: &str) -> Value {
        if self.schema(name).is_none() {
            return Value::Null;
        }
        self.synth(&Value::from_iter([(
            "$ref".to_string(),
            Value::from(format!("{}{name}", cloud_spec::SCHEMA_REF)),
        )]))
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
            self.schema(name).and_then(|s| self.properties(s)),
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
            return cloud_spec::nullable(schema);
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
