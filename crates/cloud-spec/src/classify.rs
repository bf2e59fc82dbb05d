//! What kind of operation an operation is, read from its shapes alone: a
//! login, a read of a collection, a count, a mutation answered with tasks,
//! or something else. The CloudTower fake answers by it and codegen's
//! tables are built from the same predicates, so the two cannot disagree.
//!
//! The conventions are CloudTower's (a `where` input named
//! `<Collection>WhereInput`, `{aggregate: {count}}` answers, `WithTask_*`
//! answers with a `task_id` and a `data`); an operation of another API is
//! simply [`Kind::Other`].

use serde_json::Value;

use crate::Operation;
use crate::refs::{resolve_schema, wrapped_ref_name};
use crate::schema::{properties, schema_type};

/// How an operation behaves, decided from its body and 200 response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// Exchanges credentials for a token (the one operation with
    /// `security: []`).
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
    /// Anything else.
    Other,
}

/// The resources a mutation acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
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

/// The collection a where-input filters (`VmWhereInput`: `Vm`).
pub fn collection_of_where(where_input: &str) -> Option<&str> {
    where_input.strip_suffix("WhereInput")
}

/// Whether the schema named `name` is a `WithTask_*`: a string `task_id`
/// and a `data`.
pub fn is_with_task(doc: &Value, name: &str) -> bool {
    let Some(props) = named(doc, name).and_then(|s| properties(resolve_schema(doc, s))) else {
        return false;
    };
    let task_id_is_string = props
        .get("task_id")
        .is_some_and(|t| schema_type(resolve_schema(doc, t)).contains(&"string"));
    task_id_is_string && props.contains_key("data")
}

/// Whether the operation is a read by its name (CloudTower's reads are all
/// `POST /get-*`, so the method cannot tell).
pub fn is_read(operation_id: &str) -> bool {
    operation_id.starts_with("Get")
}

/// The kind of `op`.
pub fn classify(doc: &Value, op: &Operation<'_>) -> Kind {
    let login = op
        .op
        .get("security")
        .and_then(Value::as_array)
        .is_some_and(Vec::is_empty);
    if login {
        return Kind::Login;
    }
    let id = op.id().unwrap_or_default();
    let body = op
        .request_media(doc, "application/json")
        .and_then(|m| m.get("schema"));
    let Some(response) = op
        .response_media(doc, "200", "application/json")
        .and_then(|m| m.get("schema"))
    else {
        return Kind::Other;
    };
    let props_of = |schema: &Value| properties(resolve_schema(doc, schema)).cloned();
    let body_props = body.and_then(props_of);
    let where_input = body_props
        .as_ref()
        .and_then(|p| p.get("where"))
        .and_then(wrapped_ref_name)
        .map(str::to_string);
    // A `where` that is no where-input (`{host_id}`) names one record.
    let inline_where =
        body_props.as_ref().is_some_and(|p| p.contains_key("where")) && where_input.is_none();
    // `{aggregate: {count}}`: a count of the filtered collection.
    if props_of(response).is_some_and(|p| p.contains_key("aggregate")) {
        return match where_input.as_deref().and_then(collection_of_where) {
            Some(collection) => Kind::Count {
                collection: collection.to_string(),
                where_input: where_input.clone(),
            },
            None => Kind::Other,
        };
    }
    let (element, array) = match items(doc, response) {
        Some(items) => (items, true),
        None => (response, false),
    };
    let Some(name) = wrapped_ref_name(element) else {
        return Kind::Other;
    };
    // A read that answers `WithTask_*` (metrics) changes nothing.
    if is_with_task(doc, name) && !is_read(id) {
        let Some(data) = property(doc, name, "data").and_then(wrapped_ref_name) else {
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
                input: create_input(doc, body).map(str::to_string),
            },
            (None, None) => return Kind::Other,
        };
        return Kind::Mutation {
            data: data.to_string(),
            array,
            target,
        };
    }
    if array && is_read(id) && property(doc, name, "id").is_some() {
        return Kind::List {
            item: name.to_string(),
            where_input,
        };
    }
    Kind::Other
}

fn named<'a>(doc: &'a Value, name: &str) -> Option<&'a Value> {
    crate::schema::component_schemas(doc)?.get(name)
}

/// The schema of property `prop` of the component schema `name`.
fn property<'a>(doc: &'a Value, name: &str, prop: &str) -> Option<&'a Value> {
    properties(resolve_schema(doc, named(doc, name)?))?.get(prop)
}

/// The item schema of an array schema.
fn items<'a>(doc: &'a Value, schema: &'a Value) -> Option<&'a Value> {
    let schema = resolve_schema(doc, schema);
    schema_type(schema)
        .contains(&"array")
        .then(|| schema.get("items"))
        .flatten()
}

/// The schema of one element of a create's input: the items of an array
/// body, of an object body's `data` array, or the body itself.
fn create_input<'a>(doc: &'a Value, body: &'a Value) -> Option<&'a str> {
    if let Some(items) = items(doc, body) {
        return wrapped_ref_name(items);
    }
    if let Some(data) = properties(resolve_schema(doc, body)).and_then(|p| p.get("data")) {
        if let Some(items) = items(doc, data) {
            return wrapped_ref_name(items);
        }
        return wrapped_ref_name(data);
    }
    wrapped_ref_name(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Spec;
    use serde_json::json;

    fn doc() -> Value {
        let s = |name: &str| json!({"$ref": format!("#/components/schemas/{name}")});
        let body = |schema: Value| json!({"content": {"application/json": {"schema": schema}}});
        let op = |id: &str, req: Option<Value>, res: Value| {
            let mut o = json!({"operationId": id, "responses": {"200": body(res)}});
            if let Some(req) = req {
                o["requestBody"] = body(req);
            }
            json!({"post": o})
        };
        json!({
            "paths": {
                "/login": {"post": {"operationId": "Login", "security": [], "responses": {}}},
                "/get-vms": op("GetVms", Some(s("GetVmsBody")), json!({"type": "array", "items": s("Vm")})),
                "/get-vms-connection": op("GetVmsConnection", Some(s("GetVmsBody")), s("VmConnection")),
                "/create-vm": op("CreateVm", Some(json!({"type": "array", "items": s("VmCreate")})),
                    json!({"type": "array", "items": s("WithTask_Vm")})),
                "/delete-vm": op("DeleteVm", Some(s("GetVmsBody")), json!({"type": "array", "items": s("WithTask_Vm")})),
                "/eject": op("Eject", Some(json!({"type": "object", "properties": {"where": {"type": "object"}}})),
                    s("WithTask_Vm")),
                "/get-metrics": op("GetMetrics", None, s("WithTask_Vm")),
            },
            "components": {"schemas": {
                "Vm": {"type": "object", "properties": {"id": {"type": "string"}}},
                "VmCreate": {"type": "object"},
                "VmWhereInput": {"type": "object"},
                "GetVmsBody": {"type": "object", "properties": {"where": {"allOf": [s("VmWhereInput")], "nullable": true}}},
                "VmConnection": {"type": "object", "properties": {"aggregate": {"type": "object"}}},
                "WithTask_Vm": {"type": "object", "properties": {"task_id": {"type": "string", "nullable": true}, "data": s("Vm")}},
            }}
        })
    }

    #[test]
    fn kinds_follow_the_shapes() {
        let spec = Spec::from_value(doc());
        let kind = |id: &str| classify(spec.document(), &spec.operation(id).unwrap());
        assert_eq!(kind("Login"), Kind::Login);
        assert_eq!(
            kind("GetVms"),
            Kind::List {
                item: "Vm".into(),
                where_input: Some("VmWhereInput".into())
            }
        );
        assert!(
            matches!(kind("GetVmsConnection"), Kind::Count { collection, .. } if collection == "Vm")
        );
        assert_eq!(
            kind("CreateVm"),
            Kind::Mutation {
                data: "Vm".into(),
                array: true,
                target: Target::Create {
                    collection: "Vm".into(),
                    input: Some("VmCreate".into())
                }
            }
        );
        assert!(matches!(kind("DeleteVm"),
            Kind::Mutation { target: Target::Where { collection, .. }, .. } if collection == "Vm"));
        assert!(matches!(kind("Eject"),
            Kind::Mutation { target: Target::Named { collection }, array: false, .. } if collection == "Vm"));
        assert_eq!(
            kind("GetMetrics"),
            Kind::Other,
            "a read answering tasks changes nothing"
        );
        assert!(is_with_task(spec.document(), "WithTask_Vm"));
        assert!(!is_with_task(spec.document(), "Vm"));
    }
}
