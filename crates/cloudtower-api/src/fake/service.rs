//! The fake CloudTower's behaviour: [`CloudTowerService`] answers each
//! request the transport has matched to an operation and checked against
//! the spec. Pure logic over the [`Store`], so it is tested by calling
//! [`Service::handle`] with request values.
//!
//! Operations are answered by their shapes (see [`Kind`]), so operations
//! that a spec adds are served without code; only what no shape tells is
//! written out: the VM power rules (start needs a stopped VM, ...), a
//! VM's devices, snapshots' frozen disks.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::filter::Filter;
use super::messages::{Action, Lang, Message};
use super::paging::Page;
use super::spec::{Kind, Operation, Spec, Target, ref_name};
use super::store::Store;
use super::tasks::{Effect, Subject, Tasks, kind_name};
use cloud_common::fake::{Body, Request, Response, Service};

/// The username [`CloudTowerService`] accepts until others are added.
pub const DEFAULT_USERNAME: &str = "admin";
/// The password of [`DEFAULT_USERNAME`].
pub const DEFAULT_PASSWORD: &str = "fake-password";

/// The key under which a record keeps its texts in Chinese (see
/// [`CloudTowerService::add_alert`]); the `__` prefix keeps it out of
/// answers.
const ZH: &str = "__zh-CN";

/// An error answer: CloudTower's `ErrorBody` fields.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Failure {
    status: u16,
    message: String,
    code: Option<&'static str>,
    props: Option<Value>,
}

impl Failure {
    fn new(status: u16, message: String) -> Self {
        Self {
            status,
            message,
            code: None,
            props: None,
        }
    }
}

type Answer = Result<Value, Failure>;

/// The state and behaviour of a fake CloudTower. [`super::Fake`] serves
/// it over HTTP; its seeding and inspection methods are the `Fake`'s.
#[derive(Debug)]
pub struct CloudTowerService {
    spec: std::sync::Arc<Spec>,
    store: Store,
    tasks: Tasks,
    /// Username to password.
    users: BTreeMap<String, String>,
    /// Token to the `{id, name}` of its user.
    tokens: BTreeMap<String, Value>,
}

/// What a mutation does to one matched record.
struct Plan {
    async_status: &'static str,
    /// Fields of the placeholder `data` the answer shows.
    shown: Map<String, Value>,
    effects: Vec<Effect>,
}

impl Plan {
    fn new(async_status: &'static str) -> Self {
        Self {
            async_status,
            shown: Map::new(),
            effects: Vec::new(),
        }
    }

    fn merge(mut self, collection: &str, id: &str, patch: Map<String, Value>) -> Self {
        if !patch.is_empty() {
            self.effects.push(Effect::Merge {
                collection: collection.into(),
                id: id.into(),
                patch,
            });
        }
        self
    }
}

/// `bytes` of `unit` (CloudTower's `ByteUnit`) in bytes.
fn in_bytes(amount: &Value, unit: Option<&str>) -> Option<Value> {
    let n = amount.as_u64()?;
    let shift = match unit.unwrap_or("B") {
        "B" => 0,
        "KB" => 10,
        "MB" => 20,
        "GB" => 30,
        "TB" => 40,
        "PB" => 50,
        _ => return None,
    };
    n.checked_mul(1u64 << shift).map(Value::from)
}

/// `VmDisk` as a field name: `vm_disk`.
fn snake(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// A property schema without its documentation: two schemas' fields are
/// the same field when their shapes are.
fn shape(schema: &Value) -> Value {
    match schema {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| !matches!(k.as_str(), "description" | "example" | "title"))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or("")
}

impl CloudTowerService {
    /// A CloudTower with nothing in it and one user,
    /// [`DEFAULT_USERNAME`] / [`DEFAULT_PASSWORD`]. The spec is the one
    /// this crate is generated from.
    pub fn new() -> Result<Self, String> {
        let mut users = BTreeMap::new();
        users.insert(DEFAULT_USERNAME.to_string(), DEFAULT_PASSWORD.to_string());
        Ok(Self {
            spec: Spec::load()?,
            store: Store::default(),
            tasks: Tasks::default(),
            users,
            tokens: BTreeMap::new(),
        })
    }

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

    fn token_for(&mut self, username: &str) -> String {
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
    fn resolve_relations(&self, collection: &str, record: &mut Value) {
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
    fn complete(&self, collection: &str, record: &mut Value) {
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
    fn blank(&mut self, collection: &str) -> Value {
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
    fn nested(&self, collection: &str, id: &str, nested_schema: &str) -> Value {
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
    fn default_host(&mut self) -> String {
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
        // One system disk of 40 GiB, so that snapshots have data to hold.
        let disk = json!({"id": self.store.new_id(), "type": "DISK", "bus": "VIRTIO", "boot": 0,
                          "index": 0, "name": format!("{name}-disk-0"), "size": 40u64 << 30});
        self.set_devices(&mut vm, vec![disk]);
        self.insert("Vm", vm)
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
    #[cfg(test)]
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
                let Some(nested) = self.spec.property(&collection, relation).and_then(ref_name)
                else {
                    continue;
                };
                let related = nested.trim_start_matches("Nested").to_string();
                if self.store.get(&related, id).is_none() {
                    self.insert(&related, json!({"id": id}));
                }
            }
        }
    }

    /// Makes the next task of `operation` (an `operationId` such as
    /// `StartVm`; any operation for `None`) fail with `message`.
    pub fn fail_next_task(&mut self, operation: Option<&str>, message: &str) {
        self.tasks
            .fail_next(operation.map(str::to_string), message.to_string());
    }

    /// How many polls of `get-tasks` a task takes to finish (at least 1;
    /// 2 by default: `EXECUTING`, then done).
    pub fn set_task_polls(&mut self, polls: u32) {
        self.tasks.polls = polls.max(1);
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

    // ----------------------------------------------------------- answering

    fn failure(&self, lang: Lang, status: u16, message: Message<'_>) -> Failure {
        Failure::new(status, message.text(lang))
    }

    fn error_response(&self, failure: Failure, path: &str) -> Response {
        let mut body = json!({"message": failure.message, "status": failure.status, "path": path});
        if let Some(code) = failure.code {
            body["code"] = code.into();
        }
        if let Some(props) = failure.props {
            body["props"] = props;
        }
        Response {
            status: failure.status,
            headers: Vec::new(),
            body: Body::Json(body),
        }
    }

    /// The `{id, name}` of the user whose token the request carries (`Null`
    /// for login, which needs none), or the 401 answer.
    fn authenticate(
        &self,
        op: &Operation,
        request: &Request,
        lang: Lang,
    ) -> Result<Value, Response> {
        if op.kind == Kind::Login {
            return Ok(Value::Null);
        }
        self.user_of(request).ok_or_else(|| {
            let failure = self.failure(lang, 401, Message::Unauthorized);
            self.error_response(failure, &op.path)
        })
    }

    fn user_of(&self, request: &Request) -> Option<Value> {
        let token = request.headers.get("authorization")?.to_str().ok()?;
        self.tokens.get(token).cloned()
    }

    fn answer(&mut self, op: &Operation, request: &Request, lang: Lang, user: &Value) -> Answer {
        let body = &request.body;
        match &op.kind {
            Kind::Login => self.login(body, lang),
            Kind::List { item, where_input } => {
                let records = self.select(item, where_input.as_deref(), body, lang)?;
                let records = Page::of(body)
                    .and_then(|p| p.apply(records))
                    .map_err(|e| self.failure(lang, 400, Message::Invalid(&e)))?;
                let out = records
                    .iter()
                    .map(|r| self.localized(r, item, lang))
                    .collect();
                Ok(Value::Array(out))
            }
            Kind::Count {
                collection,
                where_input,
            } => {
                let n = self
                    .select(collection, where_input.as_deref(), body, lang)?
                    .len();
                let mut value = op
                    .response
                    .as_ref()
                    .map(|s| self.spec.synth(s))
                    .filter(Value::is_object)
                    .unwrap_or_else(|| json!({}));
                value["aggregate"] = json!({"count": n});
                Ok(value)
            }
            Kind::Mutation {
                data,
                array,
                target,
            } => {
                let results = match target {
                    Target::Where {
                        collection,
                        where_input,
                    } => {
                        let filter = body.get("where").cloned().unwrap_or(Value::Null);
                        self.mutate_where(
                            op,
                            collection,
                            Some(where_input),
                            &filter,
                            data,
                            body,
                            lang,
                            user,
                        )?
                    }
                    Target::Named { collection } => {
                        // `{"<collection>_id": id}` is `{"id": id}`.
                        let key = format!("{}_id", snake(collection));
                        let id = body
                            .pointer(&format!("/where/{key}"))
                            .cloned()
                            .unwrap_or(Value::Null);
                        let filter = json!({"id": id});
                        self.mutate_where(op, collection, None, &filter, data, body, lang, user)?
                    }
                    Target::Create { collection, .. } => {
                        self.mutate_create(op, collection, data, body, lang, user)?
                    }
                };
                if *array {
                    Ok(Value::Array(results))
                } else {
                    let schema = op.response.clone().unwrap_or(Value::Null);
                    Ok(results
                        .into_iter()
                        .next()
                        .unwrap_or_else(|| self.spec.synth(&schema)))
                }
            }
            Kind::Other => Ok(op
                .response
                .as_ref()
                .map(|s| self.spec.synth(s))
                .unwrap_or(Value::Null)),
        }
    }

    fn login(&mut self, body: &Value, lang: Lang) -> Answer {
        let (username, password) = (text(body, "username"), text(body, "password"));
        if self.users.get(username).map(String::as_str) != Some(password) {
            return Err(self.failure(lang, 400, Message::BadCredentials));
        }
        let token = self.token_for(username);
        Ok(json!({"task_id": null, "data": {"token": token}}))
    }

    /// The records of `collection` that `body.where` matches. A read of
    /// tasks is a poll: the tasks it matches move a step first.
    fn select(
        &mut self,
        collection: &str,
        where_input: Option<&str>,
        body: &Value,
        lang: Lang,
    ) -> Result<Vec<Value>, Failure> {
        let filter = body.get("where").cloned().unwrap_or(Value::Null);
        let matched = self.matching(collection, where_input, &filter, lang)?;
        if collection != "Task" {
            return Ok(matched);
        }
        let ids: Vec<String> = matched.iter().map(|t| text(t, "id").to_string()).collect();
        self.tasks.advance(&mut self.store, &ids);
        Ok(ids
            .iter()
            .filter_map(|id| self.store.get("Task", id).cloned())
            .collect())
    }

    fn matching(
        &self,
        collection: &str,
        where_input: Option<&str>,
        filter: &Value,
        lang: Lang,
    ) -> Result<Vec<Value>, Failure> {
        let f = Filter {
            spec: &self.spec,
            store: &self.store,
        };
        let mut out = Vec::new();
        for record in self.store.all(collection) {
            match f.matches(where_input, record, filter) {
                Ok(true) => out.push(record.clone()),
                Ok(false) => {}
                Err(e) => return Err(self.failure(lang, 400, Message::Invalid(&e))),
            }
        }
        Ok(out)
    }

    /// A record in `lang`, as the API answers it.
    fn localized(&self, record: &Value, collection: &str, lang: Lang) -> Value {
        let mut record = record.clone();
        if lang == Lang::Zh
            && let Some(Value::Object(zh)) = record.get(ZH).cloned()
            && let Some(r) = record.as_object_mut()
        {
            r.extend(zh);
        }
        self.spec.project(&record, collection, collection)
    }

    #[allow(clippy::too_many_arguments)]
    fn mutate_where(
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
            return Err(self.failure(lang, 400, Message::Invalid("`where` is required")));
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
    fn plan(
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
    fn host_for(&self, vm: &Value, body: &Value) -> Option<Value> {
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
    fn fields_for(&self, collection: &str, record: &Value, input: &Value) -> Map<String, Value> {
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

    /// A new record of `collection` from one create input: its fields,
    /// its relations from `<relation>_id` inputs (which must exist), what
    /// it inherits from them, and from anything it is made from (a
    /// `template_id`: the template's configuration).
    fn build(&mut self, collection: &str, input: &Value, lang: Lang) -> Answer {
        let mut record = self.blank(collection);
        let mut sources: Vec<(String, Value)> = Vec::new();
        for (key, value) in input.as_object().into_iter().flatten() {
            let (Some(relation), Some(id)) = (key.strip_suffix("_id"), value.as_str()) else {
                continue;
            };
            if let Some(nested) = self.spec.property(collection, relation).and_then(ref_name) {
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

    /// A new VM's disks and NICs from its creation input: `vm_disks` and
    /// `vm_nics` hold ids (as CloudTower answers them); each disk's type,
    /// bus, name and size are kept aside (`__disks`) for the snapshots of
    /// the VM, whose frozen disks show them.
    fn attach_devices(&mut self, vm: &mut Value, input: &Value) {
        let source = input.get("vm_disks").cloned().unwrap_or(Value::Null);
        let disks = self.new_disks(&source, 0);
        self.set_devices(vm, disks);
        let nics = input
            .get("vm_nics")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        if self.spec.has_property("Vm", "vm_nics") {
            vm["vm_nics"] = (0..nics)
                .map(|_| json!({"id": self.store.new_id()}))
                .collect();
        }
    }

    /// New disks from a `VmDiskParams`-shaped value (`mount_cd_roms`,
    /// `mount_disks`, `mount_new_create_disks`), indexed from `first`.
    fn new_disks(&mut self, source: &Value, first: usize) -> Vec<Value> {
        let mut disks = Vec::new();
        let groups = [
            ("CD_ROM", "mount_cd_roms"),
            ("DISK", "mount_disks"),
            ("DISK", "mount_new_create_disks"),
        ];
        for (kind, group) in groups {
            let items = source.get(group).and_then(Value::as_array);
            for item in items.into_iter().flatten() {
                let volume = item.get("vm_volume").cloned().unwrap_or(Value::Null);
                let size = volume
                    .get("size")
                    .and_then(|n| in_bytes(n, volume.get("size_unit").and_then(Value::as_str)))
                    .unwrap_or_else(|| 0.into());
                let default_bus = if kind == "CD_ROM" { "IDE" } else { "VIRTIO" };
                let index = first + disks.len();
                disks.push(json!({
                    "id": self.store.new_id(), "type": kind,
                    "bus": item.get("bus").cloned().unwrap_or_else(|| default_bus.into()),
                    "boot": item.get("boot").cloned().unwrap_or_else(|| 0.into()),
                    "index": item.get("index").cloned().unwrap_or_else(|| index.into()),
                    "name": volume.get("name").cloned().unwrap_or(Value::Null), "size": size,
                }));
            }
        }
        disks
    }

    /// A VM's disks as the fake keeps them (`__disks`), or, for a VM seeded
    /// with `vm_disks` ids only, those ids as disks.
    fn disks_of(vm: &Value) -> Vec<Value> {
        match vm.get("__disks").and_then(Value::as_array) {
            Some(disks) => disks.clone(),
            None => vm
                .get("vm_disks")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|d| json!({"id": d["id"], "type": "DISK"}))
                .collect(),
        }
    }

    /// What adding or removing disks, CD-ROMs or NICs does to a VM, or
    /// `None` for any other operation.
    /// `add-labels-to-resources` for one label: every VM matched by
    /// `data.vms` gains it in `labels` (other resource kinds change
    /// nothing here).
    fn label_plan(&self, label: &Value, body: &Value, lang: Lang) -> Result<Plan, Failure> {
        let mut plan = Plan::new("UPDATING");
        let Some(filter) = body.pointer("/data/vms") else {
            return Ok(plan);
        };
        let nested = self.spec.project(label, "Label", "NestedLabel");
        for vm in self.matching("Vm", Some("VmWhereInput"), filter, lang)? {
            let mut labels: Vec<Value> = vm
                .get("labels")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if !labels.iter().any(|l| l["id"] == label["id"]) {
                labels.push(nested.clone());
            }
            let mut change = Map::new();
            change.insert("labels".into(), Value::Array(labels));
            plan = plan.merge("Vm", text(&vm, "id"), change);
        }
        Ok(plan)
    }

    fn device_plan(&mut self, operation: &str, vm: &Value, body: &Value) -> Option<Plan> {
        let data = body.get("data").cloned().unwrap_or(Value::Null);
        let id = text(vm, "id").to_string();
        let mut disks = Self::disks_of(vm);
        let mut plan = Plan::new("UPDATING");
        match operation {
            "AddVmDisk" | "AddVmCdRom" => {
                let source = match operation {
                    "AddVmDisk" => data.get("vm_disks").cloned().unwrap_or(Value::Null),
                    _ => {
                        json!({"mount_cd_roms": data.get("vm_cd_roms").cloned().unwrap_or(Value::Null)})
                    }
                };
                let added = self.new_disks(&source, disks.len());
                let owner = json!({"id": vm["id"], "name": vm["name"], "cluster": vm["cluster"], "__disks": added});
                plan.effects.extend(self.device_records(&owner));
                disks.extend(added);
            }
            "RemoveVmDisk" | "RemoveVmCdRom" => {
                let key = if operation == "RemoveVmDisk" {
                    "disk_ids"
                } else {
                    "cd_rom_ids"
                };
                let gone: Vec<Value> = data
                    .get(key)
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                disks.retain(|d| !gone.contains(&d["id"]));
                for disk in gone.iter().filter_map(Value::as_str) {
                    plan.effects.push(Effect::Remove {
                        collection: "VmDisk".into(),
                        id: disk.into(),
                    });
                }
            }
            "AddVmNic" | "RemoveVmNic" => {
                let mut nics = vm
                    .get("vm_nics")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                if operation == "AddVmNic" {
                    let n = data
                        .get("vm_nics")
                        .and_then(Value::as_array)
                        .map_or(0, Vec::len);
                    nics.extend((0..n).map(|_| json!({"id": self.store.new_id()})));
                } else {
                    let gone: Vec<u64> = data
                        .get("nic_index")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_u64)
                        .collect();
                    nics = nics
                        .into_iter()
                        .enumerate()
                        .filter(|(i, _)| !gone.contains(&(*i as u64)))
                        .map(|(_, n)| n)
                        .collect();
                }
                let mut change = Map::new();
                change.insert("vm_nics".into(), nics.into());
                return Some(plan.merge("Vm", &id, change));
            }
            // GPU passthrough: `gpu_devices` gains or loses the devices
            // `data` names (by `gpu_id`), each the `NestedGpuDevice` of
            // its record when there is one.
            "AddVmGpuDevice" | "RemoveVmGpuDevice" => {
                let mut gpus: Vec<Value> = vm
                    .get("gpu_devices")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                let named = data.as_array().into_iter().flatten();
                for gpu in named.filter_map(|d| d.get("gpu_id").and_then(Value::as_str)) {
                    let present = gpus.iter().any(|g| g["id"] == gpu);
                    if operation == "AddVmGpuDevice" && !present {
                        gpus.push(self.nested("GpuDevice", gpu, "NestedGpuDevice"));
                    } else if operation == "RemoveVmGpuDevice" {
                        gpus.retain(|g| g["id"] != gpu);
                    }
                }
                let mut change = Map::new();
                change.insert("gpu_devices".into(), Value::Array(gpus));
                return Some(plan.merge("Vm", &id, change));
            }
            _ => return None,
        }
        let mut after = json!({});
        self.set_devices(&mut after, disks);
        let change = after.as_object().cloned().unwrap_or_default();
        Some(plan.merge("Vm", &id, change))
    }

    fn set_devices(&self, vm: &mut Value, disks: Vec<Value>) {
        if self.spec.has_property("Vm", "vm_disks") {
            vm["vm_disks"] = disks.iter().map(|d| json!({"id": d["id"]})).collect();
            vm["__disks"] = disks.into();
        }
    }

    /// The `VmDisk` (and, for disks, `VmVolume`) records of a VM's disks,
    /// when the spec has those collections: what `get-vm-disks` and
    /// `get-vm-volumes` list, added with the VM.
    fn device_records(&mut self, vm: &Value) -> Vec<Effect> {
        let mut effects = Vec::new();
        if self.spec.schema("VmDisk").is_none() {
            return effects;
        }
        let owner = json!({"id": vm["id"], "name": vm["name"]});
        let disks = vm
            .get("__disks")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for disk in disks {
            // A VM inserted again (replaced) keeps the disks it has.
            if text(&disk, "id").is_empty() || self.store.get("VmDisk", text(&disk, "id")).is_some()
            {
                continue;
            }
            let mut record = self.blank("VmDisk");
            for key in ["id", "type", "bus", "boot"] {
                record[key] = disk[key].clone();
            }
            record["vm"] = owner.clone();
            if disk["type"] == "DISK" && self.spec.schema("VmVolume").is_some() {
                let mut volume = self.blank("VmVolume");
                volume["name"] = disk.get("name").cloned().unwrap_or_else(|| "".into());
                if let Some(size) = disk.get("size").filter(|s| s.is_number()) {
                    volume["size"] = size.clone();
                }
                if self.spec.has_property("VmVolume", "cluster") && vm["cluster"].is_object() {
                    volume["cluster"] = vm["cluster"].clone();
                }
                self.complete("VmVolume", &mut volume);
                let nested = self
                    .spec
                    .property("VmDisk", "vm_volume")
                    .and_then(ref_name)
                    .unwrap_or("NestedVmVolume")
                    .to_string();
                record["vm_volume"] = self.spec.project(&volume, "VmVolume", &nested);
                effects.push(Effect::Insert {
                    collection: "VmVolume".into(),
                    record: volume,
                });
            }
            self.complete("VmDisk", &mut record);
            effects.push(Effect::Insert {
                collection: "VmDisk".into(),
                record,
            });
        }
        effects
    }

    /// A VM snapshot's frozen disks, from its VM's disks, and the iSCSI
    /// LUN snapshot holding each disk's data (named by the frozen disk's
    /// `snapshot_local_id`, as CloudTower links them), to add with it.
    fn freeze_disks(&mut self, snapshot: &mut Value) -> Vec<Effect> {
        let vm = snapshot
            .pointer("/vm/id")
            .and_then(Value::as_str)
            .and_then(|id| self.store.get("Vm", id))
            .cloned()
            .unwrap_or(Value::Null);
        let disks = Self::disks_of(&vm);
        if disks.is_empty() || !self.spec.has_property("VmSnapshot", "vm_disks") {
            return Vec::new();
        }
        let mut frozen = Vec::new();
        let mut effects = Vec::new();
        for (i, disk) in disks.iter().enumerate() {
            let is_disk = disk["type"] == "DISK";
            let lun = is_disk.then(|| self.store.new_local_id());
            let mut f = self.spec.synth_named("NestedFrozenDisks");
            for (key, value) in [
                ("type", disk["type"].clone()),
                (
                    "bus",
                    disk.get("bus").cloned().unwrap_or_else(|| "VIRTIO".into()),
                ),
                (
                    "boot",
                    disk.get("boot").cloned().unwrap_or_else(|| i.into()),
                ),
                (
                    "index",
                    disk.get("index").cloned().unwrap_or_else(|| i.into()),
                ),
                (
                    "disk_name",
                    disk.get("name").cloned().unwrap_or(Value::Null),
                ),
                (
                    "size",
                    disk.get("size").cloned().unwrap_or_else(|| 0.into()),
                ),
                (
                    "snapshot_local_id",
                    lun.clone().map_or(Value::Null, Value::from),
                ),
            ] {
                f[key] = value;
            }
            if !is_disk {
                f["path"] = "".into();
            }
            frozen.push(f);
            if let Some(lun) = lun
                && self.spec.schema("IscsiLunSnapshot").is_some()
            {
                let mut record = self.blank("IscsiLunSnapshot");
                record["name"] = lun.clone().into();
                record["local_id"] = lun.into();
                let name = disk.get("name").and_then(Value::as_str).unwrap_or("");
                record["iscsi_lun"] = json!({"id": disk["id"], "name": name});
                self.complete("IscsiLunSnapshot", &mut record);
                effects.push(Effect::Insert {
                    collection: "IscsiLunSnapshot".into(),
                    record,
                });
            }
        }
        snapshot["vm_disks"] = frozen.into();
        effects
    }

    /// The record a `<what>_id` names when it is no relation of the new
    /// record: a record of a collection named `...<What>` (`template_id`:
    /// `VmTemplate`, `ContentLibraryVmTemplate`), or, dropping leading
    /// words, `...<Rest>` (`src_vm_id`: `Vm`).
    fn made_from(&self, what: &str, id: &str) -> Option<(String, Value)> {
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
    fn akin(a: &str, b: &str) -> bool {
        a.contains(b) || b.contains(a)
    }

    /// The fields `found` (of `related`) and a record of `collection`
    /// share, by one schema in both: relations (`(true, ..)`) and
    /// configuration (`(false, ..)`), never a record's own identity.
    fn shared_fields(
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
    fn inherit(&self, collection: &str, record: &mut Value, related: &str, found: &Value) {
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
    fn restored(&self, collection: &str, body: &Value) -> Map<String, Value> {
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

    fn mutate_create(
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
        Ok(results)
    }
}

impl Service for CloudTowerService {
    fn handle(&mut self, request: &Request) -> Response {
        let lang = Lang::of(&request.headers);
        let Some(op) = self.spec.operation(&request.operation_id).cloned() else {
            let failure = self.failure(
                lang,
                404,
                Message::NotFound {
                    kind: "operation",
                    id: &request.operation_id,
                },
            );
            return self.error_response(failure, &request.path);
        };
        let user = match self.authenticate(&op, request, lang) {
            Ok(user) => user,
            Err(refused) => return refused,
        };
        match self.answer(&op, request, lang, &user) {
            Ok(body) => Response {
                status: 200,
                headers: vec![("content-language".into(), lang.tag().into())],
                body: Body::Json(body),
            },
            Err(failure) => self.error_response(failure, &op.path),
        }
    }

    fn invalid(&mut self, request: &Request, problem: &str) -> Response {
        let lang = Lang::of(&request.headers);
        let op = self.spec.operation(&request.operation_id).cloned();
        // The token is checked before the request itself, as CloudTower's
        // authentication runs before its validation.
        if let Some(op) = &op
            && let Err(refused) = self.authenticate(op, request, lang)
        {
            return refused;
        }
        let path = op.map_or_else(|| request.path.clone(), |op| op.path);
        let failure = self.failure(lang, 400, Message::Invalid(problem));
        self.error_response(failure, &path)
    }
}
