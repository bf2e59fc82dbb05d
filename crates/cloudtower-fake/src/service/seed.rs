//! Seeding and inspecting a fake CloudTower: users and tokens, records
//! (completed from the spec and related by id), the spec's examples,
//! seeded task failures, and the records as the API would answer them.

use serde_json::{Value, json};

use super::*;
use crate::messages::Texts;

impl CloudTowerService {
    // ------------------------------------------------------------ seeding

    /// Adds (or replaces) a user that can log in.
    pub fn add_user(&mut self, username: &str, password: &str) {
        self.users.insert(username.into(), password.into());
    }

    /// A token valid without logging in, for clients built with
    /// `CloudTower::new(base_url, token)`; it acts as [`DEFAULT_USERNAME`].
    pub fn issue_token(&mut self) -> String {
        self.token_for(DEFAULT_USERNAME)
    }

    /// Accepts `token` (an API key, a token a test hard-codes) as
    /// [`DEFAULT_USERNAME`]'s.
    pub fn add_token(&mut self, token: &str) {
        let user = json!({"id": format!("user-{DEFAULT_USERNAME}"), "name": DEFAULT_USERNAME});
        self.tokens.insert(token.to_string(), user);
    }

    pub(super) fn token_for(&mut self, username: &str) -> String {
        let token = format!("fake-token-{}", self.store.new_id());
        let user = json!({"id": format!("user-{username}"), "name": username});
        self.tokens.insert(token.clone(), user);
        token
    }

    /// Adds a record to `collection` (a schema name: `Vm`, `Host`,
    /// `VmTemplate`, ...), as the API would answer it: missing required
    /// fields are filled from the spec's examples, a missing `id` is made
    /// up. Returns its id.
    pub fn insert(&mut self, collection: &str, record: Value) -> String {
        let mut full = self.blank(collection);
        if let (Some(full), Value::Object(given)) = (full.as_object_mut(), record) {
            full.extend(given);
        }
        self.resolve_relations(collection, &mut full);
        let id = match full.get("id").and_then(Value::as_str) {
            Some(id) if !id.is_empty() => id.to_string(),
            _ => {
                let id = self.store.new_id();
                full["id"] = id.clone().into();
                id
            }
        };
        self.complete(collection, &mut full);
        let devices = if collection == "Vm" {
            self.device_records(&full)
        } else {
            Vec::new()
        };
        self.store.insert(collection, full);
        for effect in devices {
            effect.apply(&mut self.store);
        }
        id
    }

    /// Completes relations given by id alone (`"host": {"id": ..}`) from
    /// the related record in the store, so a seeded record's nested
    /// objects hold what the API would show.
    pub(super) fn resolve_relations(&self, collection: &str, record: &mut Value) {
        let Some(properties) = self
            .spec
            .schema(collection)
            .and_then(|s| self.spec.properties(s))
        else {
            return;
        };
        for (key, schema) in properties {
            let Some(nested) = ref_name(schema).filter(|n| n.starts_with("Nested")) else {
                continue;
            };
            let related = nested.trim_start_matches("Nested");
            let id = record
                .pointer(&format!("/{key}/id"))
                .and_then(Value::as_str);
            if let Some(found) = id.and_then(|id| self.store.get(related, id)) {
                record[key] = self.spec.project(found, related, nested);
            }
        }
    }

    /// Fills the required fields of a record that are still unset with the
    /// spec's example values, so it always parses.
    pub(super) fn complete(&self, collection: &str, record: &mut Value) {
        let Some(schema) = self.spec.schema(collection) else {
            return;
        };
        let example = self.spec.synth_named(collection);
        let required = schema.get("required").and_then(Value::as_array);
        for key in required.into_iter().flatten().filter_map(Value::as_str) {
            if record.get(key).is_none_or(Value::is_null)
                && let Some(value) = example.get(key)
            {
                record[key] = value.clone();
            }
        }
    }

    /// A new record of `collection`: the spec's example with fresh ids and
    /// times, and no relations (they are set from what it is created with).
    pub(super) fn blank(&mut self, collection: &str) -> Value {
        let mut record = self.spec.synth_named(collection);
        if !record.is_object() {
            record = json!({});
        }
        let properties: Vec<(String, Value)> = self
            .spec
            .schema(collection)
            .and_then(|s| self.spec.properties(s))
            .map(|p| p.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default();
        for (key, schema) in properties {
            let nullable = schema.get("nullable").and_then(Value::as_bool) == Some(true);
            let nested = ref_name(&schema)
                .or_else(|| schema.get("items").and_then(ref_name))
                .is_some_and(|n| n.starts_with("Nested"));
            // Relations come from what the record is made with; required
            // ones still unset at the end are completed (`complete`).
            if nested && (nullable || record.get(&key).is_some_and(Value::is_object)) {
                record[&key] = Value::Null;
            }
        }
        record["id"] = self.store.new_id().into();
        if self.spec.has_property(collection, "local_id") {
            record["local_id"] = self.store.new_local_id().into();
        }
        if self.spec.has_property(collection, "entityAsyncStatus") {
            record["entityAsyncStatus"] = Value::Null;
        }
        for key in ["local_created_at", "local_create_time", "create_time"] {
            if self.spec.has_property(collection, key) {
                record[key] = self.store.now().into();
            }
        }
        record
    }

    /// `{id, name}` (or whatever the nested schema holds) of a record.
    pub(super) fn nested(&self, collection: &str, id: &str, nested_schema: &str) -> Value {
        match self.store.get(collection, id) {
            Some(record) => self.spec.project(record, collection, nested_schema),
            None => json!({"id": id, "name": id}),
        }
    }

    /// Adds a cluster; returns its id.
    pub fn add_cluster(&mut self, name: &str) -> String {
        self.insert("Cluster", json!({"name": name}))
    }

    /// Adds a host to a cluster; returns its id.
    pub fn add_host(&mut self, cluster_id: &str, name: &str) -> String {
        let cluster = self.nested("Cluster", cluster_id, "NestedCluster");
        self.insert("Host", json!({"name": name, "cluster": cluster}))
    }

    /// The first host, made (with a cluster) if there is none: where
    /// [`CloudTowerService::add_vm`] puts VMs.
    pub(super) fn default_host(&mut self) -> String {
        if let Some(id) = self
            .store
            .all("Host")
            .first()
            .map(|h| text(h, "id").to_string())
        {
            return id;
        }
        let cluster = match self.store.all("Cluster").first() {
            Some(c) => text(c, "id").to_string(),
            None => self.add_cluster("cluster-01"),
        };
        self.add_host(&cluster, "node-01")
    }

    /// Adds a VM in `status` (`RUNNING`, `STOPPED`, ...) on the first host
    /// (a cluster `cluster-01` and host `node-01` are made when there is
    /// none); returns its id.
    pub fn add_vm(&mut self, name: &str, status: &str) -> String {
        let host = self.default_host();
        self.add_vm_on(&host, name, status)
    }

    /// Adds a VM on a host (and the host's cluster); returns its id.
    pub fn add_vm_on(&mut self, host_id: &str, name: &str, status: &str) -> String {
        self.vm_on(host_id, None, name, status)
    }

    /// [`CloudTowerService::add_vm_on`] with a chosen id (replacing any VM
    /// with it), e.g. one the spec's examples name.
    pub fn add_vm_with_id(&mut self, host_id: &str, id: &str, name: &str, status: &str) {
        self.vm_on(host_id, Some(id), name, status);
    }

    fn vm_on(&mut self, host_id: &str, id: Option<&str>, name: &str, status: &str) -> String {
        let host = self.nested("Host", host_id, "NestedHost");
        let cluster = self
            .store
            .get("Host", host_id)
            .and_then(|h| h.get("cluster"))
            .cloned()
            .unwrap_or(Value::Null);
        let node_ip = host.get("management_ip").cloned().unwrap_or(json!(""));
        let mut vm = json!({"name": name, "status": status, "host": host, "cluster": cluster,
                            "node_ip": node_ip, "entityAsyncStatus": null});
        if let Some(id) = id {
            vm["id"] = id.into();
        }
        // One system disk of 40 GiB, so that snapshots have data to hold.
        let disk = json!({"id": self.store.new_id(), "type": "DISK", "bus": "VIRTIO", "boot": 0,
                          "index": 0, "name": format!("{name}-disk-0"), "size": 40u64 << 30});
        self.set_devices(&mut vm, vec![disk]);
        self.insert("Vm", vm)
    }

    /// Adds a GPU device of `model` (e.g. `NVIDIA A100 80GB PCIe`) to a
    /// host, ready for passthrough and assigned to no VM; returns its id.
    pub fn add_gpu_device(&mut self, host_id: &str, model: &str) -> String {
        let host = self.nested("Host", host_id, "NestedHost");
        self.insert(
            "GpuDevice",
            json!({"name": model, "model": model, "brand": "NVIDIA", "host": host,
                   "status": "READY", "user_usage": "PASS_THROUGH", "vms": []}),
        )
    }

    /// Adds a physical disk to a host; returns its id.
    pub fn add_disk(&mut self, host_id: &str, name: &str) -> String {
        let host = self.nested("Host", host_id, "NestedHost");
        self.insert("Disk", json!({"name": name, "host": host}))
    }

    /// Adds an open alert with its message in English and Chinese (which
    /// `content-language` chooses); returns its id.
    pub fn add_alert(&mut self, severity: &str, message_en: &str, message_zh: &str) -> String {
        self.insert(
            "Alert",
            json!({"severity": severity, "message": message_en, "ended": false, ZH: {"message": message_zh}}),
        )
    }

    /// Adds a snapshot of a VM (its configuration and frozen disks, and
    /// the iSCSI LUN snapshots of its disks); returns its id. An unknown VM
    /// gets a snapshot that names it and holds no disks.
    pub fn add_vm_snapshot(&mut self, vm_id: &str, name: &str) -> String {
        match self.create("VmSnapshot", json!({"name": name, "vm_id": vm_id})) {
            Ok(id) => id,
            Err(_) => self.insert(
                "VmSnapshot",
                json!({"name": name, "vm": {"id": vm_id, "name": vm_id}}),
            ),
        }
    }

    /// Adds a record built from a creation input, as a create operation's
    /// finished task would (`Vm` from a `create-vm` element: `cluster_id`,
    /// `host_id`, `cpu_cores`, `memory` and `memory_unit`, `vm_disks`, ...;
    /// `VmSnapshot` from `vm_id` and `name`). Returns its id, or why the
    /// input cannot make one (an unknown `cluster_id`, ...).
    pub fn create(&mut self, collection: &str, input: Value) -> Result<String, String> {
        let mut record = self
            .build(collection, &input, Lang::En)
            .map_err(|f| f.message)?;
        let mut effects = Vec::new();
        if collection == "VmSnapshot" {
            effects = self.freeze_disks(&mut record);
        }
        if collection == "Vm" {
            effects = self.device_records(&record);
        }
        let id = text(&record, "id").to_string();
        effects.push(Effect::Insert {
            collection: collection.to_string(),
            record,
        });
        for effect in effects {
            effect.apply(&mut self.store);
        }
        Ok(id)
    }

    /// Adds the records of the spec's examples: every read's example
    /// answer goes into its collection (the VMs `web-01` and `web-02`,
    /// their cluster, host, tasks, alerts, ...), ids as the examples have
    /// them.
    pub fn add_examples(&mut self) {
        let examples: Vec<(String, Value)> = self
            .spec
            .operations()
            .values()
            .filter_map(|op| match (&op.kind, &op.response_example) {
                (Kind::List { item, .. }, Some(Value::Array(records))) => Some(
                    records
                        .iter()
                        .map(|r| (item.clone(), r.clone()))
                        .collect::<Vec<_>>(),
                ),
                _ => None,
            })
            .flatten()
            .collect();
        for (collection, record) in examples {
            self.store.insert(&collection, record);
        }
    }

    /// Adds a record for every relation a create's `body` names by id
    /// (`cluster_id`, `organization_id`, ...) that the store lacks: the
    /// drift guard sends the spec's example bodies, whose ids the example
    /// records do not all have.
    pub(crate) fn add_referenced(&mut self, operation: &str, body: &Value) {
        let Some(Kind::Mutation {
            target: Target::Create { collection, .. },
            ..
        }) = self.spec.operation(operation).map(|o| o.kind.clone())
        else {
            return;
        };
        let inputs: Vec<Value> = match body {
            Value::Array(items) => items.clone(),
            other => match other.get("data") {
                Some(Value::Array(items)) => items.clone(),
                _ => vec![other.clone()],
            },
        };
        for input in inputs {
            for (key, value) in input.as_object().into_iter().flatten() {
                let (Some(relation), Some(id)) = (key.strip_suffix("_id"), value.as_str()) else {
                    continue;
                };
                let Some(nested) = self.spec.relation(&collection, relation) else {
                    continue;
                };
                let related = nested.trim_start_matches("Nested").to_string();
                if self.store.get(&related, id).is_none() {
                    self.insert(&related, json!({"id": id}));
                }
            }
        }
    }

    /// [`Self::add_referenced`] for the request example of every create
    /// of the spec: each record a create's example names by id exists, so
    /// every example can be sent as the spec writes it.
    pub fn add_referenced_by_examples(&mut self) {
        let examples: Vec<(String, Value)> = self
            .spec
            .operations()
            .values()
            .filter_map(|op| Some((op.id.clone(), op.request_example.clone()?)))
            .collect();
        for (id, example) in examples {
            self.add_referenced(&id, &example);
        }
    }

    /// Makes the next task of `operation` (an `operationId` such as
    /// `StartVm`; any operation for `None`) fail with `message` (its
    /// `error_message` in either language).
    pub fn fail_next_task(&mut self, operation: Option<&str>, message: &str) {
        self.tasks
            .fail_next(operation.map(str::to_string), Texts::same(message));
    }

    /// How many polls of `get-tasks` a task takes to finish (at least 1;
    /// 2 by default: `EXECUTING`, then done).
    pub fn set_task_polls(&mut self, polls: u32) {
        self.tasks.pace = cloud_fake::Pace::PerPoll {
            polls: polls.max(1),
        };
    }

    /// Finishes every running task now, applying their effects.
    pub fn finish_tasks(&mut self) {
        self.tasks.finish_all(&mut self.store);
    }

    // --------------------------------------------------------- inspection

    /// The records of a collection, as the API would answer them.
    pub fn records(&self, collection: &str) -> Vec<Value> {
        self.store
            .all(collection)
            .iter()
            .map(|r| self.spec.project(r, collection, collection))
            .collect()
    }
}
