//! Evaluating CloudTower's Prisma-style `where` inputs over JSON records.
//!
//! A key is a field (`name`: equals), a field with an operator suffix
//! (`name_in`, `vcpu_gt`, `name_not_contains`, ...), a relation (`cluster:
//! {..}`, resolved against the related record in the store, or the nested
//! object itself when the store has no such record), a to-many relation
//! with `_some`/`_every`/`_none`, or `AND`/`OR`/`NOT`. Every key must hold;
//! a key whose value is `null` sets no condition (clients that serialise
//! every field send them). Text comparisons are exact and case-sensitive;
//! the service's database may compare names case-insensitively, so tests
//! should not rely on case either way.

use std::cmp::Ordering;

use serde_json::Value;

use super::spec::{Spec, collection_of_where, ref_name};
use super::store::Store;

/// Operator suffixes, longest first so `_not_in` wins over `_in`.
const SUFFIXES: &[&str] = &[
    "_not_starts_with",
    "_not_ends_with",
    "_not_contains",
    "_starts_with",
    "_ends_with",
    "_contains",
    "_not_in",
    "_every",
    "_some",
    "_none",
    "_not",
    "_gte",
    "_lte",
    "_in",
    "_gt",
    "_lt",
];

/// What a filter is evaluated with: the spec (to find relations'
/// where-inputs) and the store (to resolve related records).
pub(crate) struct Filter<'a> {
    pub spec: &'a Spec,
    pub store: &'a Store,
}

impl Filter<'_> {
    /// Whether `record` (of the collection `where_input` filters) matches.
    /// An operator the fake does not know is an error naming the key, so
    /// a test fails loudly instead of matching everything.
    pub(crate) fn matches(
        &self,
        where_input: Option<&str>,
        record: &Value,
        filter: &Value,
    ) -> Result<bool, String> {
        let Some(filter) = filter.as_object() else {
            return Ok(filter.is_null());
        };
        for (key, value) in filter {
            if value.is_null() {
                continue;
            }
            if !self.key_matches(where_input, record, key, value)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    fn all(&self, w: Option<&str>, record: &Value, value: &Value) -> Result<Vec<bool>, String> {
        let filters: Vec<&Value> = match value {
            Value::Array(items) => items.iter().collect(),
            // One where-input where the spec would want a list: as a list.
            other => vec![other],
        };
        filters
            .into_iter()
            .map(|f| self.matches(w, record, f))
            .collect()
    }

    fn key_matches(
        &self,
        w: Option<&str>,
        record: &Value,
        key: &str,
        value: &Value,
    ) -> Result<bool, String> {
        match key {
            "AND" => return Ok(self.all(w, record, value)?.into_iter().all(|b| b)),
            "OR" => return Ok(self.all(w, record, value)?.into_iter().any(|b| b)),
            // Prisma's NOT: none of the filters holds.
            "NOT" => return Ok(!self.all(w, record, value)?.into_iter().any(|b| b)),
            _ => {}
        }
        let relation = w.and_then(|w| self.spec.property(w, key)).and_then(|p| {
            let resolved = self.spec.resolve(p);
            ref_name(p).filter(|_| resolved.get("properties").is_some())
        });
        // A field of the record, or a relation: equality or nested filter.
        // (`labels_some` is a relation too, but over the list `labels`:
        // the suffixes below handle it.)
        let over_a_list = ["_some", "_every", "_none"]
            .iter()
            .any(|s| key.ends_with(s))
            && record.get(key).is_none();
        if !over_a_list && (record.get(key).is_some() || relation.is_some()) {
            if let (Some(relation), true) = (relation, value.is_object()) {
                return self.related(relation, record.get(key), value);
            }
            return Ok(equal(record.get(key).unwrap_or(&Value::Null), value));
        }
        let Some((field, suffix)) = SUFFIXES
            .iter()
            .find_map(|s| key.strip_suffix(s).map(|f| (f, *s)))
        else {
            // A field the records do not carry: it is null.
            return Ok(equal(&Value::Null, value));
        };
        let actual = record.get(field).unwrap_or(&Value::Null);
        match suffix {
            "_some" | "_every" | "_none" => {
                let relation = w
                    .and_then(|w| self.spec.property(w, key))
                    .and_then(ref_name)
                    .ok_or_else(|| format!("`{key}` is not a relation filter"))?;
                let items: Vec<&Value> = actual.as_array().into_iter().flatten().collect();
                let mut results = Vec::new();
                for item in items {
                    results.push(self.related(relation, Some(item), value)?);
                }
                Ok(match suffix {
                    "_some" => results.iter().any(|b| *b),
                    "_every" => results.iter().all(|b| *b),
                    _ => !results.iter().any(|b| *b),
                })
            }
            "_not" => Ok(!equal(actual, value)),
            "_in" | "_not_in" => {
                let list = value
                    .as_array()
                    .ok_or_else(|| format!("`{key}` takes a list"))?;
                let found = list.iter().any(|v| equal(actual, v));
                Ok(found == (suffix == "_in"))
            }
            "_gt" | "_gte" | "_lt" | "_lte" => {
                let Some(order) = compare(actual, value) else {
                    return Ok(false);
                };
                Ok(match suffix {
                    "_gt" => order == Ordering::Greater,
                    "_gte" => order != Ordering::Less,
                    "_lt" => order == Ordering::Less,
                    _ => order != Ordering::Greater,
                })
            }
            text => {
                let (Some(actual), Some(wanted)) = (actual.as_str(), value.as_str()) else {
                    return Ok(false);
                };
                let negated = text.starts_with("_not_");
                let holds = match text.trim_start_matches("_not") {
                    "_contains" => actual.contains(wanted),
                    "_starts_with" => actual.starts_with(wanted),
                    "_ends_with" => actual.ends_with(wanted),
                    other => return Err(format!("unknown filter operator `{other}` in `{key}`")),
                };
                Ok(holds != negated)
            }
        }
    }

    /// A nested filter on a related record: the record in the store named
    /// by the nested object's id (its whole state), else the nested object.
    fn related(
        &self,
        relation_where: &str,
        nested: Option<&Value>,
        filter: &Value,
    ) -> Result<bool, String> {
        let Some(nested) = nested.filter(|n| n.is_object()) else {
            return Ok(false);
        };
        let collection = collection_of_where(relation_where).unwrap_or(relation_where);
        let full = nested
            .get("id")
            .and_then(Value::as_str)
            .and_then(|id| self.store.get(collection, id))
            .unwrap_or(nested);
        self.matches(Some(relation_where), full, filter)
    }
}

/// JSON equality, with numbers compared by value (`4` equals `4.0`).
pub(crate) fn equal(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// The order of two values of one kind: numbers by value, strings
/// (names, ISO times) by character, booleans false first; `None` across
/// kinds. `null` sorts first, as the service's database does.
pub(crate) fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Null, Value::Null) => Some(Ordering::Equal),
        (Value::Null, _) => Some(Ordering::Less),
        (_, Value::Null) => Some(Ordering::Greater),
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn setup() -> (std::sync::Arc<Spec>, Store) {
        let spec = Spec::load().expect("spec");
        let mut store = Store::default();
        store.insert(
            "Cluster",
            json!({"id": "c1", "name": "prod", "type": "SMTX_OS"}),
        );
        store.insert(
            "Cluster",
            json!({"id": "c2", "name": "test", "type": "SMTX_OS"}),
        );
        store.insert("Host", json!({"id": "h1", "name": "node-1", "status": "CONNECTED_HEALTHY", "cluster": {"id": "c1", "name": "prod"}}));
        (spec, store)
    }

    fn vm(name: &str, status: &str, vcpu: i64, cluster: &str) -> Value {
        json!({"id": format!("vm-{name}"), "name": name, "status": status, "vcpu": vcpu,
               "cluster": {"id": cluster, "name": "x"}, "host": {"id": "h1", "name": "node-1"}})
    }

    #[test]
    fn fields_suffixes_relations_and_logic() {
        let (spec, store) = setup();
        let f = Filter {
            spec: &spec,
            store: &store,
        };
        let web = vm("web-01", "RUNNING", 4, "c1");
        let db = vm("db-01", "STOPPED", 2, "c2");
        let cases = [
            (json!({}), true, true),
            (json!({"name": "web-01"}), true, false),
            (json!({"name_in": ["web-01", "db-01"]}), true, true),
            (json!({"name_not_in": ["web-01"]}), false, true),
            (json!({"name_contains": "web"}), true, false),
            (json!({"name_starts_with": "db"}), false, true),
            (json!({"name_not": "web-01"}), false, true),
            (json!({"status": "RUNNING"}), true, false),
            (json!({"status_in": ["STOPPED", "SUSPENDED"]}), false, true),
            (json!({"vcpu_gt": 2}), true, false),
            (json!({"vcpu_gte": 2}), true, true),
            (json!({"vcpu_lt": 4}), false, true),
            (json!({"vcpu_lte": 4}), true, true),
            (json!({"cluster": {"name": "prod"}}), true, false),
            (json!({"cluster": {"id_in": ["c2"]}}), false, true),
            (json!({"host": {"cluster": {"name": "prod"}}}), true, true),
            (json!({"OR": [{"name": "web-01"}, {"vcpu": 2}]}), true, true),
            (
                json!({"AND": [{"status": "RUNNING"}, {"vcpu_gt": 2}]}),
                true,
                false,
            ),
            (json!({"NOT": [{"name_contains": "web"}]}), false, true),
            (json!({"name": null}), true, true),
        ];
        for (filter, want_web, want_db) in cases {
            assert_eq!(
                f.matches(Some("VmWhereInput"), &web, &filter),
                Ok(want_web),
                "web {filter}"
            );
            assert_eq!(
                f.matches(Some("VmWhereInput"), &db, &filter),
                Ok(want_db),
                "db {filter}"
            );
        }
    }

    #[test]
    fn values_compare_within_their_kind() {
        assert_eq!(compare(&json!(1), &json!(2.5)), Some(Ordering::Less));
        assert_eq!(compare(&json!("b"), &json!("a")), Some(Ordering::Greater));
        assert_eq!(compare(&Value::Null, &json!("a")), Some(Ordering::Less));
        assert_eq!(compare(&json!(1), &json!("a")), None);
        assert!(equal(&json!(4), &json!(4.0)));
    }
}
