//! Creations: a new record from each create input, with its relations,
//! what it inherits from them and from what it is made from (a template,
//! a snapshot, a source VM).

use serde_json::{Map, Value, json};

use super::*;

impl CloudTowerService {
    /// A new record of `collection` from one create input: its fields,
    /// its relations from `<relation>_id` inputs (which must exist), what
    /// it inherits from them, and from anything it is made from (a
    /// `template_id`: the template's configuration).
    pub(super) fn build(&mut self, collection: &str, input: &Value, lang: Lang) -> Answer {
        let mut record = self.blank(collection);
        let mut sources: Vec<(String, Value)> = Vec::new();
        for (key, value) in input.as_object().into_iter().flatten() {
            let (Some(relation), Some(id)) = (key.strip_suffix("_id"), value.as_str()) else {
                continue;
            };
            if let Some(nested) = self.spec.relation(collection, relation) {
                let related = nested.strip_prefix("Nested").unwrap_or(nested).to_string();
                let Some(found) = self.store.get(&related, id).cloned() else {
                    let kind = related.clone();
                    return Err(self.failure(lang, 404, Message::NotFound { kind: &kind, id }));
                };
                record[relation] = self.spec.project(&found, &related, nested);
                sources.push((related, found));
            } else if let Some(found) = self.made_from(relation, id) {
                sources.push(found);
            }
        }
        for (related, found) in &sources {
            self.inherit(collection, &mut record, related, found);
        }
        let fields = self.fields_for(collection, &record, input);
        if let Some(r) = record.as_object_mut() {
            r.extend(fields);
        }
        if collection == "Vm" {
            let cores = record.pointer("/cpu/cores").and_then(Value::as_i64);
            let sockets = record.pointer("/cpu/sockets").and_then(Value::as_i64);
            // vCPUs follow a CPU topology given without them.
            let topology = input.get("cpu_cores").is_some() || input.get("cpu_sockets").is_some();
            if topology
                && input.get("vcpu").is_none()
                && let (Some(c), Some(s)) = (cores, sockets)
            {
                record["vcpu"] = (c * s).into();
            }
            if record.get("host").is_some_and(Value::is_null)
                && text(&record, "status") == "RUNNING"
                && let Some(host) = self.host_for(&record, &Value::Null)
            {
                record["host"] = host;
            }
            record["in_recycle_bin"] = false.into();
            self.attach_devices(&mut record, input);
        }
        self.complete(collection, &mut record);
        Ok(record)
    }

    /// The record a `<what>_id` names when it is no relation of the new
    /// record: a record of a collection named `...<What>` (`template_id`:
    /// `VmTemplate`, `ContentLibraryVmTemplate`), or, dropping leading
    /// words, `...<Rest>` (`src_vm_id`: `Vm`).
    pub(super) fn made_from(&self, what: &str, id: &str) -> Option<(String, Value)> {
        let words: Vec<String> = what
            .split('_')
            .map(|w| {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_uppercase().chain(c).collect::<String>())
                    .unwrap_or_default()
            })
            .collect();
        (0..words.len()).find_map(|start| {
            let camel = words[start..].concat();
            self.spec
                .operations()
                .values()
                .filter_map(|op| match &op.kind {
                    Kind::List { item, .. } if item.ends_with(&camel) => Some(item.clone()),
                    _ => None,
                })
                .find_map(|c| self.store.get(&c, id).map(|r| (c.clone(), r.clone())))
        })
    }

    /// Whether records of `a` and `b` are kinds of one another, sharing a
    /// configuration (`Vm` and `VmSnapshot`, `VmTemplate`,
    /// `ContentLibraryVmTemplate`).
    pub(super) fn akin(a: &str, b: &str) -> bool {
        a.contains(b) || b.contains(a)
    }

    /// The fields `found` (of `related`) and a record of `collection`
    /// share, by one schema in both: relations (`(true, ..)`) and
    /// configuration (`(false, ..)`), never a record's own identity.
    pub(super) fn shared_fields(
        &self,
        collection: &str,
        related: &str,
        found: &Value,
    ) -> Vec<(bool, String, Value)> {
        const OWN: &[&str] = &[
            "id",
            "name",
            "local_id",
            "description",
            "entityAsyncStatus",
            "local_created_at",
            "status",
        ];
        let mut out = Vec::new();
        for (key, value) in found.as_object().into_iter().flatten() {
            // Only fields of one schema in both: a VM's `vm_disks` (ids)
            // are not a snapshot's (frozen disks).
            let same = match (
                self.spec.property(collection, key),
                self.spec.property(related, key),
            ) {
                (Some(a), Some(b)) => {
                    shape(a) == shape(b) || (ref_name(a).is_some() && ref_name(a) == ref_name(b))
                }
                _ => false,
            };
            if !same || key.starts_with("__") || OWN.contains(&key.as_str()) {
                continue;
            }
            out.push((value.get("id").is_some(), key.clone(), value.clone()));
        }
        out
    }

    /// What a new record takes from a record it relates to: relations it
    /// has not got (a VM's cluster from its host), and, when it is a kind
    /// of that record (`VmSnapshot` of a `Vm`, a `Vm` from a `VmTemplate`),
    /// the configuration they share.
    pub(super) fn inherit(
        &self,
        collection: &str,
        record: &mut Value,
        related: &str,
        found: &Value,
    ) {
        let akin = Self::akin(collection, related);
        let shared = self.shared_fields(collection, related, found);
        let Some(r) = record.as_object_mut() else {
            return;
        };
        for (is_relation, key, value) in shared {
            let unset = r.get(&key).is_none_or(Value::is_null);
            if (is_relation && unset) || (akin && !is_relation) {
                r.insert(key, value);
            }
        }
    }

    /// The configuration an action takes from a record of its kind that
    /// its `data` names (`rollback-vm`'s `snapshot_id`: the snapshot's CPU,
    /// memory, ...).
    pub(super) fn restored(&self, collection: &str, body: &Value) -> Map<String, Value> {
        let mut out = Map::new();
        for (key, value) in body
            .get("data")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let (Some(what), Some(id)) = (key.strip_suffix("_id"), value.as_str()) else {
                continue;
            };
            if let Some((related, found)) = self.made_from(what, id)
                && Self::akin(collection, &related)
            {
                for (is_relation, key, value) in self.shared_fields(collection, &related, &found) {
                    if !is_relation {
                        out.insert(key, value);
                    }
                }
            }
        }
        out
    }

    pub(super) fn mutate_create(
        &mut self,
        op: &Operation,
        collection: &str,
        data: &str,
        body: &Value,
        lang: Lang,
        user: &Value,
    ) -> Result<Vec<Value>, Failure> {
        let inputs: Vec<Value> = match body {
            Value::Array(items) => items.clone(),
            other => match other.get("data") {
                Some(Value::Array(items)) => items.clone(),
                Some(item @ Value::Object(_)) => vec![item.clone()],
                _ => vec![other.clone()],
            },
        };
        // Build every record first: one bad input refuses the batch.
        let mut records = Vec::new();
        for input in &inputs {
            records.push(self.build(collection, input, lang)?);
        }
        let mut results = Vec::new();
        for record in records {
            let subject = Subject {
                operation: op.id.clone(),
                collection: collection.to_string(),
                id: text(&record, "id").to_string(),
                name: text(&record, "name").to_string(),
                cluster: record.get("cluster").cloned().unwrap_or(Value::Null),
                exists: false,
            };
            let mut shown = record.clone();
            if let Some(s) = shown.as_object_mut()
                && s.contains_key("entityAsyncStatus")
            {
                s.insert("entityAsyncStatus".into(), "CREATING".into());
            }
            let mut record = record;
            let mut effects = Vec::new();
            if collection == "VmSnapshot" {
                effects = self.freeze_disks(&mut record);
            }
            if collection == "Vm" {
                effects = self.device_records(&record);
            }
            effects.insert(
                0,
                Effect::Insert {
                    collection: collection.to_string(),
                    record,
                },
            );
            let task = self
                .tasks
                .start(&self.spec, &mut self.store, user, &subject, None, effects);
            let data = self.spec.project(&shown, collection, data);
            results.push(json!({"task_id": task, "data": data}));
        }
        // A sync timeout: the records exist although the answer is lost.
        if std::mem::take(&mut self.sync_timeout) {
            for result in &results {
                self.tasks.finish(&mut self.store, text(result, "task_id"));
            }
        }
        Ok(results)
    }
}
