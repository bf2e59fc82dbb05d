//! The asynchronous tasks every mutation starts: a `Task` record that goes
//! `PENDING` → `EXECUTING` → `SUCCESSED` (or `FAILED` when seeded to) over
//! polls of `get-tasks`, and the mutation's effects, applied to the store
//! only when the task succeeds. While a task runs, its resource carries an
//! `entityAsyncStatus` and is locked against other mutations, as in
//! CloudTower.

use cloud_fake::{Countdown, Pace};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::messages::{Message, Texts, ZH};
use super::spec::Spec;
use super::store::Store;

/// A change to the store that waits for its task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) enum Effect {
    /// A new record.
    Insert { collection: String, record: Value },
    /// A record goes away.
    Remove { collection: String, id: String },
    /// Fields of a record change.
    Merge {
        collection: String,
        id: String,
        patch: Map<String, Value>,
    },
}

impl Effect {
    /// Makes the change.
    pub(crate) fn apply(self, store: &mut Store) {
        match self {
            Effect::Insert { collection, record } => store.insert(&collection, record),
            Effect::Remove { collection, id } => {
                store.remove(&collection, &id);
            }
            Effect::Merge {
                collection,
                id,
                patch,
            } => {
                if let Some(Value::Object(record)) = store.get_mut(&collection, &id) {
                    record.extend(patch);
                }
            }
        }
    }
}

/// What a new task is about.
#[derive(Debug, Clone, Default)]
pub(crate) struct Subject {
    /// The operation that started it (`StartVm`).
    pub operation: String,
    /// The resource's collection and id.
    pub collection: String,
    /// The resource's id.
    pub id: String,
    /// The resource's name, for the description.
    pub name: String,
    /// The resource's cluster (`{id, name}`), if it has one.
    pub cluster: Value,
    /// Whether the resource exists yet (creates lock nothing).
    pub exists: bool,
}

/// A task that has not finished.
#[derive(Debug, Serialize, Deserialize)]
struct Running {
    id: String,
    /// Polls of `get-tasks` before it finishes.
    countdown: Countdown,
    failure: Option<Texts>,
    effects: Vec<Effect>,
    /// The locked resource: collection and id.
    resource: Option<(String, String)>,
}

/// Every unfinished task, and the failures seeded for the next ones.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Tasks {
    running: Vec<Running>,
    /// `(operation, error_message)`: the next task of that operation (or of
    /// any, for `None`) fails with that message.
    failures: Vec<(Option<String>, Texts)>,
    /// How long a task takes to finish: polls of `get-tasks`, or time.
    #[serde(skip, default = "default_pace")]
    pub pace: Pace,
}

fn default_pace() -> Pace {
    Pace::PerPoll { polls: 2 }
}

impl Default for Tasks {
    fn default() -> Self {
        Self {
            running: Vec::new(),
            failures: Vec::new(),
            pace: default_pace(),
        }
    }
}

/// `StartVm` as CloudTower's `resource_mutation`: `startVm`.
fn mutation(operation: &str) -> String {
    let mut chars = operation.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `VmSnapshot` as CloudTower names resource kinds in locks: `VM_SNAPSHOT`.
pub(crate) fn kind_name(collection: &str) -> String {
    let mut out = String::new();
    for (i, c) in collection.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.extend(c.to_uppercase());
    }
    out
}

impl Tasks {
    /// Whether a resource has an unfinished task.
    pub(crate) fn locked(&self, collection: &str, id: &str) -> bool {
        self.running.iter().any(|t| {
            t.resource
                .as_ref()
                .is_some_and(|(c, i)| c == collection && i == id)
        })
    }

    /// Makes the next task of `operation` (any operation for `None`) fail.
    pub(crate) fn fail_next(&mut self, operation: Option<String>, message: Texts) {
        self.failures.push((operation, message));
    }

    fn take_failure(&mut self, operation: &str) -> Option<Texts> {
        let i = self
            .failures
            .iter()
            .position(|(op, _)| op.as_deref().is_none_or(|op| op == operation))?;
        Some(self.failures.remove(i).1)
    }

    /// Starts a task for `subject` with `effects`; returns its id. A
    /// resource that exists is marked `async_status` until it finishes.
    pub(crate) fn start(
        &mut self,
        spec: &Spec,
        store: &mut Store,
        user: &Value,
        subject: &Subject,
        async_status: Option<&str>,
        effects: Vec<Effect>,
    ) -> String {
        let id = store.new_id();
        let now = store.now();
        let description = Message::Task {
            operation: &subject.operation,
            name: &subject.name,
        }
        .texts();
        let mut task = spec.synth_named("Task");
        let fields = json!({
            "id": id,
            "description": description.en,
            "status": "PENDING",
            "progress": 0.0,
            "internal": false,
            "key": format!("{}.{}", subject.collection.to_lowercase(), mutation(&subject.operation)),
            "type": null,
            "cluster": subject.cluster,
            "user": user,
            "resource_id": subject.id,
            "resource_type": subject.collection,
            "resource_mutation": mutation(&subject.operation),
            "error_code": null,
            "error_message": null,
            "local_created_at": now,
            "started_at": null,
            "finished_at": null,
        });
        if let (Some(task), Value::Object(fields)) = (task.as_object_mut(), fields) {
            for (k, v) in fields {
                if spec.has_property("Task", &k) {
                    task.insert(k, v);
                }
            }
            task.insert(ZH.into(), json!({"description": description.zh}));
        }
        store.insert("Task", task);
        let resource = subject
            .exists
            .then(|| (subject.collection.clone(), subject.id.clone()));
        if let (Some((collection, rid)), Some(status)) = (&resource, async_status)
            && spec.has_property(collection, "entityAsyncStatus")
            && let Some(Value::Object(record)) = store.get_mut(collection, rid)
        {
            record.insert("entityAsyncStatus".into(), status.into());
        }
        let failure = self.take_failure(&subject.operation);
        self.running.push(Running {
            id: id.clone(),
            // Finishes on its `polls`-th poll; with 0 on its first, never
            // before anyone polls it.
            countdown: self.pace.countdown(),
            failure,
            effects,
            resource,
        });
        id
    }

    /// One poll of the tasks `ids`: each unfinished one moves a step
    /// (`EXECUTING`, then its final state).
    pub(crate) fn advance(&mut self, store: &mut Store, ids: &[String]) {
        let mut finished = Vec::new();
        for task in self.running.iter_mut().filter(|t| ids.contains(&t.id)) {
            if task.countdown.tick() {
                finished.push(task.id.clone());
                continue;
            }
            let now = store.now();
            if let Some(Value::Object(record)) = store.get_mut("Task", &task.id)
                && record.get("status").and_then(Value::as_str) == Some("PENDING")
            {
                record.insert("status".into(), "EXECUTING".into());
                record.insert("progress".into(), 0.5.into());
                record.insert("started_at".into(), now.into());
            }
        }
        for id in finished {
            self.finish(store, &id);
        }
    }

    /// The ids of the unfinished tasks.
    pub(crate) fn running_ids(&self) -> Vec<String> {
        self.running.iter().map(|t| t.id.clone()).collect()
    }

    /// Finishes every unfinished task at once.
    pub(crate) fn finish_all(&mut self, store: &mut Store) {
        let ids: Vec<String> = self.running.iter().map(|t| t.id.clone()).collect();
        for id in ids {
            self.finish(store, &id);
        }
    }

    /// Finishes a task now (as it would have on its last poll).
    pub(crate) fn finish(&mut self, store: &mut Store, id: &str) {
        let Some(i) = self.running.iter().position(|t| t.id == id) else {
            return;
        };
        let task = self.running.remove(i);
        if let Some((collection, rid)) = &task.resource
            && let Some(Value::Object(record)) = store.get_mut(collection, rid)
            && record.contains_key("entityAsyncStatus")
        {
            record.insert("entityAsyncStatus".into(), Value::Null);
        }
        let failed = task.failure.is_some();
        let now = store.now();
        if let Some(Value::Object(record)) = store.get_mut("Task", id) {
            if record.get("started_at").is_some_and(Value::is_null) {
                record.insert("started_at".into(), now.clone().into());
            }
            record.insert("finished_at".into(), now.into());
            match &task.failure {
                Some(message) => {
                    record.insert("status".into(), "FAILED".into());
                    record.insert("error_code".into(), "FAKE_TASK_FAILED".into());
                    record.insert("error_message".into(), message.en.clone().into());
                    if let Some(Value::Object(zh)) = record.get_mut(ZH) {
                        zh.insert("error_message".into(), message.zh.clone().into());
                    }
                }
                None => {
                    record.insert("status".into(), "SUCCESSED".into());
                    record.insert("progress".into(), 1.0.into());
                }
            }
        }
        if !failed {
            for effect in task.effects {
                effect.apply(store);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_cloudtower() {
        assert_eq!(mutation("StartVm"), "startVm");
        assert_eq!(kind_name("VmSnapshot"), "VM_SNAPSHOT");
        assert_eq!(kind_name("Vm"), "VM");
    }

    fn status(store: &Store, id: &str) -> String {
        store
            .get("Task", id)
            .map(|t| t["status"].to_string())
            .unwrap_or_default()
    }

    #[test]
    fn a_task_runs_over_polls_and_applies_its_effect_when_it_succeeds() {
        let spec = Spec::load().expect("spec");
        let mut store = Store::default();
        let mut tasks = Tasks::default();
        store.insert(
            "Vm",
            json!({"id": "v1", "name": "web", "status": "STOPPED", "entityAsyncStatus": null}),
        );
        let subject = Subject {
            operation: "StartVm".into(),
            collection: "Vm".into(),
            id: "v1".into(),
            name: "web".into(),
            cluster: Value::Null,
            exists: true,
        };
        let mut patch = Map::new();
        patch.insert("status".into(), "RUNNING".into());
        let effects = vec![Effect::Merge {
            collection: "Vm".into(),
            id: "v1".into(),
            patch,
        }];
        let id = tasks.start(
            &spec,
            &mut store,
            &Value::Null,
            &subject,
            Some("UPDATING"),
            effects,
        );
        assert_eq!(status(&store, &id), "\"PENDING\"");
        assert!(tasks.locked("Vm", "v1"));
        assert_eq!(
            store
                .get("Vm", "v1")
                .map(|v| v["entityAsyncStatus"].clone()),
            Some("UPDATING".into())
        );
        tasks.advance(&mut store, std::slice::from_ref(&id));
        assert_eq!(status(&store, &id), "\"EXECUTING\"");
        assert_eq!(
            store.get("Vm", "v1").map(|v| v["status"].clone()),
            Some("STOPPED".into())
        );
        tasks.advance(&mut store, std::slice::from_ref(&id));
        assert_eq!(status(&store, &id), "\"SUCCESSED\"");
        assert_eq!(
            store.get("Vm", "v1").map(|v| v["status"].clone()),
            Some("RUNNING".into())
        );
        assert_eq!(
            store
                .get("Vm", "v1")
                .map(|v| v["entityAsyncStatus"].clone()),
            Some(Value::Null)
        );
        assert!(!tasks.locked("Vm", "v1"));
    }

    #[test]
    fn a_seeded_failure_fails_the_next_task_of_its_operation_only() {
        let spec = Spec::load().expect("spec");
        let mut store = Store::default();
        let mut tasks = Tasks {
            pace: Pace::PerPoll { polls: 1 },
            ..Tasks::default()
        };
        tasks.fail_next(Some("StopVm".into()), Texts::same("disk busy"));
        let subject = |op: &str| Subject {
            operation: op.into(),
            collection: "Vm".into(),
            ..Subject::default()
        };
        let effect = || {
            vec![Effect::Insert {
                collection: "Vm".into(),
                record: json!({"id": "new"}),
            }]
        };
        let started = tasks.start(
            &spec,
            &mut store,
            &Value::Null,
            &subject("StartVm"),
            None,
            effect(),
        );
        let stopped = tasks.start(
            &spec,
            &mut store,
            &Value::Null,
            &subject("StopVm"),
            None,
            vec![],
        );
        tasks.advance(&mut store, &[started.clone(), stopped.clone()]);
        assert_eq!(status(&store, &started), "\"SUCCESSED\"");
        assert_eq!(status(&store, &stopped), "\"FAILED\"");
        assert_eq!(
            store
                .get("Task", &stopped)
                .map(|t| t["error_message"].clone()),
            Some("disk busy".into())
        );
        assert!(store.get("Vm", "new").is_some());
    }
}
