//! Mutations of matched records (`{where}` operations): what each does to
//! a record it matched, checked for every record before any task starts.

use serde_json::{Map, Value, json};

use super::*;

impl CloudTowerService {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn mutate_where(
        &mut self,
        op: &Operation,
        collection: &str,
        where_input: Option<&str>,
        filter: &Value,
        data: &str,
        body: &Value,
        lang: Lang,
        user: &Value,
    ) -> Result<Vec<Value>, Failure> {
        if !filter.is_object() {
            return Err(self.failure(lang, 400, Message::WhereRequired));
        }
        let matched = self.matching(collection, where_input, filter, lang)?;
        // Every record is checked before anything starts: CloudTower
        // refuses the whole batch.
        let mut plans = Vec::new();
        for record in &matched {
            let id = text(record, "id");
            if self.tasks.locked(collection, id) {
                let kind = kind_name(collection);
                let mut failure = self.failure(lang, 400, Message::Locked { kind: &kind, id });
                failure.code = Some("ResourceLocked");
                failure.props = Some(json!({"locked_resources": [{"id": id, "type": kind}]}));
                return Err(failure);
            }
            plans.push(self.plan(&op.id, collection, record, body, lang)?);
        }
        let mut results = Vec::new();
        for (record, plan) in matched.iter().zip(plans) {
            let subject = Subject {
                operation: op.id.clone(),
                collection: collection.to_string(),
                id: text(record, "id").to_string(),
                name: text(record, "name").to_string(),
                cluster: record.get("cluster").cloned().unwrap_or(Value::Null),
                exists: true,
            };
            let task = self.tasks.start(
                &self.spec,
                &mut self.store,
                user,
                &subject,
                Some(plan.async_status),
                plan.effects,
            );
            let mut shown = record.clone();
            if let Some(s) = shown.as_object_mut() {
                if s.contains_key("entityAsyncStatus") {
                    s.insert("entityAsyncStatus".into(), plan.async_status.into());
                }
                s.extend(plan.shown);
            }
            // An action on a part (a VM's disk) answers the whole (the VM).
            let whole = shown
                .pointer(&format!("/{}/id", snake(data)))
                .and_then(Value::as_str)
                .filter(|_| data != collection)
                .and_then(|id| self.store.get(data, id));
            let data = match whole {
                Some(whole) => self.spec.project(whole, data, data),
                None => self.spec.project(&shown, collection, data),
            };
            results.push(json!({"task_id": task, "data": data}));
        }
        Ok(results)
    }

    /// What an operation does to one record it matched; a VM in the wrong
    /// power state is refused.
    pub(super) fn plan(
        &mut self,
        operation: &str,
        collection: &str,
        record: &Value,
        body: &Value,
        lang: Lang,
    ) -> Result<Plan, Failure> {
        let id = text(record, "id");
        let patch = |pairs: &[(&str, Value)]| -> Map<String, Value> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect()
        };
        if collection == "Vm" {
            let status = text(record, "status");
            let refuse = |action| {
                Err(self.failure(
                    lang,
                    400,
                    Message::WrongState {
                        vm: text(record, "name"),
                        status,
                        action,
                    },
                ))
            };
            let power = match operation {
                "StartVm" => Some((&["STOPPED"][..], "RUNNING", Action::Start)),
                "ShutDownVm" => Some((&["RUNNING"][..], "STOPPED", Action::Stop)),
                "PoweroffVm" => Some((&["RUNNING", "SUSPENDED"][..], "STOPPED", Action::Stop)),
                "RestartVm" | "ForceRestartVm" => {
                    Some((&["RUNNING"][..], "RUNNING", Action::Restart))
                }
                "SuspendVm" => Some((&["RUNNING"][..], "SUSPENDED", Action::Suspend)),
                "ResumeVm" => Some((&["SUSPENDED"][..], "RUNNING", Action::Resume)),
                _ => None,
            };
            if let Some((from, to, action)) = power {
                if !from.contains(&status) {
                    return refuse(action);
                }
                let mut change = patch(&[("status", to.into())]);
                if operation == "StartVm"
                    && let Some(host) = self.host_for(record, body)
                {
                    change.insert("host".into(), host);
                }
                return Ok(Plan::new("UPDATING").merge(collection, id, change));
            }
            if let Some(plan) = self.device_plan(operation, record, body) {
                return Ok(plan);
            }
            match operation {
                "MoveVmToRecycleBin" | "RecoverVmFromRecycleBin" => {
                    let into = operation == "MoveVmToRecycleBin";
                    let change = patch(&[("in_recycle_bin", into.into())]);
                    return Ok(Plan::new("UPDATING").merge(collection, id, change));
                }
                "MigrateVm" => {
                    let change = match self.host_for(record, body) {
                        Some(host) => patch(&[("host", host)]),
                        None => Map::new(),
                    };
                    return Ok(Plan::new("UPDATING").merge(collection, id, change));
                }
                _ => {}
            }
        }
        if operation == "AddLabelsToResources" && collection == "Label" {
            return self.label_plan(record, body, lang);
        }
        if operation == "ExpandVmDisk"
            && let Some(volume) = record.pointer("/vm_volume/id").and_then(Value::as_str)
            && let Some(size) = body
                .get("size")
                .and_then(|n| in_bytes(n, body.get("size_unit").and_then(Value::as_str)))
        {
            let mut change = Map::new();
            change.insert("size".into(), size);
            return Ok(Plan::new("UPDATING").merge("VmVolume", volume, change));
        }
        if operation.starts_with("Delete") {
            let mut plan = Plan::new("DELETING");
            plan.effects.push(Effect::Remove {
                collection: collection.into(),
                id: id.into(),
            });
            let with_snapshots = body
                .pointer("/effect/include_snapshots")
                .and_then(Value::as_bool)
                == Some(true);
            if collection == "Vm" {
                for disk in self.store.all("VmDisk") {
                    if disk.pointer("/vm/id").and_then(Value::as_str) == Some(id) {
                        plan.effects.push(Effect::Remove {
                            collection: "VmDisk".into(),
                            id: text(disk, "id").into(),
                        });
                    }
                }
            }
            if with_snapshots && collection == "Vm" {
                for snapshot in self.store.all("VmSnapshot") {
                    if snapshot.pointer("/vm/id").and_then(Value::as_str) == Some(id) {
                        plan.effects.push(Effect::Remove {
                            collection: "VmSnapshot".into(),
                            id: text(snapshot, "id").into(),
                        });
                    }
                }
            }
            return Ok(plan);
        }
        if operation.starts_with("Update") {
            let data = body.get("data").cloned().unwrap_or(Value::Null);
            let change = self.fields_for(collection, record, &data);
            let mut plan = Plan::new("UPDATING").merge(collection, id, change.clone());
            plan.shown = change;
            return Ok(plan);
        }
        let restored = self.restored(collection, body);
        Ok(Plan::new("UPDATING").merge(collection, id, restored))
    }

    /// The nested host a VM starts (or migrates) on: `data.host_id`, else
    /// the one it has, else the first host of its cluster.
    pub(super) fn host_for(&self, vm: &Value, body: &Value) -> Option<Value> {
        if let Some(host) = body.pointer("/data/host_id").and_then(Value::as_str) {
            return Some(self.nested("Host", host, "NestedHost"));
        }
        if vm.get("host").is_some_and(Value::is_object) {
            return None;
        }
        let cluster = vm.pointer("/cluster/id").and_then(Value::as_str)?;
        let host = self
            .store
            .all("Host")
            .iter()
            .find(|h| h.pointer("/cluster/id").and_then(Value::as_str) == Some(cluster))?;
        Some(self.spec.project(host, "Host", "NestedHost"))
    }

    /// The fields of `input` that are fields of `collection`'s records (of
    /// a fitting type), with CloudTower's spellings translated: `cpu_cores`
    /// and `cpu_sockets` into `cpu`, `memory` with `memory_unit` in bytes.
    pub(super) fn fields_for(
        &self,
        collection: &str,
        record: &Value,
        input: &Value,
    ) -> Map<String, Value> {
        let mut out = Map::new();
        let Some(input) = input.as_object() else {
            return out;
        };
        for (key, value) in input {
            if key == "id" || key == "memory" || value.is_null() {
                continue;
            }
            if let Some(schema) = self.spec.property(collection, key)
                && self.spec.fits(schema, value)
                && (value.is_string() || value.is_number() || value.is_boolean())
            {
                out.insert(key.clone(), value.clone());
            }
        }
        if let Some(memory) = input.get("memory")
            && self.spec.has_property(collection, "memory")
            && let Some(bytes) = in_bytes(memory, input.get("memory_unit").and_then(Value::as_str))
        {
            out.insert("memory".into(), bytes);
        }
        if self.spec.has_property(collection, "cpu") {
            let (cores, sockets) = (input.get("cpu_cores"), input.get("cpu_sockets"));
            if cores.is_some() || sockets.is_some() {
                let mut cpu = record.get("cpu").cloned().unwrap_or_else(|| json!({}));
                if let Some(c) = cores {
                    cpu["cores"] = c.clone();
                }
                if let Some(s) = sockets {
                    cpu["sockets"] = s.clone();
                }
                out.insert("cpu".into(), cpu);
            }
        }
        out
    }
}
