//! What the emulator needs of the fake CloudTower (the control plane,
//! `fleet fake serve`): its state as JSON, its pace, and the failures
//! real CloudTower users hit, by name. The wording of messages is the
//! fake's own (CloudTower's documents list none); shapes are the spec's
//! `ErrorBody` (`message`, `status`, `path`, `code`, `props`) and `Task`.

use cloud_fake::{Fault, NamedFault, Pace};

use super::*;

/// Operations that power a VM on or off.
const POWER: &[&str] = &[
    "StartVm",
    "ShutDownVm",
    "PoweroffVm",
    "RestartVm",
    "ForceRestartVm",
    "SuspendVm",
    "ResumeVm",
];

/// The failures this fake produces by name (see `Fake::named_faults`).
pub(super) const NAMED: &[NamedFault] = &[
    NamedFault {
        name: "duplicate-vm-after-sync-timeout",
        operations: &["CreateVm", "CreateVmFromTemplate", "CloneVm"],
        description: "The VM is created (its task finishes at once), but the call answers HTTP 500 \
            {\"message\": \"Sync VM timeout: the operation may still complete\", \"status\": 500, \
            \"path\": \"/create-vm\"}, as when CloudTower's sync with the cluster times out. \
            A client that retries makes a second VM of the same name.",
    },
    NamedFault {
        name: "task-fails-insufficient-memory",
        operations: &[
            "CreateVm",
            "CreateVmFromTemplate",
            "CloneVm",
            "StartVm",
            "ResumeVm",
            "UpdateVm",
            "MigrateVm",
        ],
        description: "The call is accepted (200, a task_id), and its task ends FAILED with \
            error_code \"FAKE_TASK_FAILED\" and error_message \"Insufficient memory: the host has \
            not enough free memory for the VM\"; nothing changes.",
    },
    NamedFault {
        name: "task-fails-insufficient-storage",
        operations: &[
            "CreateVm",
            "CreateVmFromTemplate",
            "CloneVm",
            "AddVmDisk",
            "ExpandVmDisk",
            "CreateVmSnapshot",
        ],
        description: "The call is accepted (200, a task_id), and its task ends FAILED with \
            error_message \"Insufficient storage: the cluster has not enough free space\"; \
            nothing changes.",
    },
    NamedFault {
        name: "resource-locked",
        operations: &[
            "StartVm",
            "ShutDownVm",
            "PoweroffVm",
            "RestartVm",
            "ForceRestartVm",
            "SuspendVm",
            "ResumeVm",
            "UpdateVm",
            "DeleteVm",
            "MigrateVm",
            "AddVmDisk",
            "RemoveVmDisk",
            "ExpandVmDisk",
        ],
        description: "HTTP 400 {\"message\": \"Resource [VM-<id>] locked\", \"status\": 400, \
            \"path\": \"/start-vm\", \"code\": \"ResourceLocked\", \"props\": {\"locked_resources\": \
            [{\"id\": \"<id>\", \"type\": \"VM\"}]}}, as when another task holds the VM; nothing \
            changes.",
    },
    NamedFault {
        name: "power-state-refused",
        operations: POWER,
        description: "HTTP 400 {\"message\": \"VM <name> is <STATUS>, so it cannot be <started>\", \
            \"status\": 400, \"path\": \"/start-vm\"}, as for a power operation in the wrong \
            state; nothing changes.",
    },
];

impl CloudTowerService {
    /// The state, as `Service::save_state` gives it.
    pub(super) fn save(&self) -> Result<Value, String> {
        let to = |v: Result<Value, serde_json::Error>| v.map_err(|e| e.to_string());
        Ok(json!({
            "store": to(serde_json::to_value(&self.store))?,
            "tasks": to(serde_json::to_value(&self.tasks))?,
            "users": self.users,
            "tokens": self.tokens,
        }))
    }

    /// Replaces the state with a saved one (the pace stays).
    pub(super) fn load(&mut self, mut state: Value) -> Result<(), String> {
        let mut take = |key: &str| {
            state
                .get_mut(key)
                .map(Value::take)
                .ok_or_else(|| format!("a saved CloudTower state has no `{key}`"))
        };
        let read = |what: &str, e: serde_json::Error| format!("`{what}`: {e}");
        let store: Store = serde_json::from_value(take("store")?).map_err(|e| read("store", e))?;
        let mut tasks: Tasks =
            serde_json::from_value(take("tasks")?).map_err(|e| read("tasks", e))?;
        let users = serde_json::from_value(take("users")?).map_err(|e| read("users", e))?;
        let tokens = serde_json::from_value(take("tokens")?).map_err(|e| read("tokens", e))?;
        tasks.pace = self.tasks.pace;
        self.store = store;
        self.tasks = tasks;
        self.users = users;
        self.tokens = tokens;
        Ok(())
    }

    pub(super) fn pace(&self) -> Pace {
        self.tasks.pace
    }

    pub(super) fn set_pace(&mut self, pace: Pace) {
        self.tasks.pace = match pace {
            Pace::PerPoll { polls } => Pace::PerPoll {
                polls: polls.max(1),
            },
            real => real,
        };
    }

    /// Every unfinished task moves (in real time: those due finish).
    pub(super) fn tick(&mut self) {
        let ids = self.tasks.running_ids();
        if !ids.is_empty() {
            self.tasks.advance(&mut self.store, &ids);
        }
    }

    /// What the named fault `name` does to `request`.
    pub(super) fn named(&mut self, name: &str, request: &Request) -> Option<Fault> {
        let lang = Lang::of(&request.headers);
        let op = &request.operation_id;
        let path = self
            .spec
            .operation(op)
            .map_or_else(|| request.path.clone(), |o| o.path.clone());
        let answer = |s: &Self, failure: Failure| Fault::Respond(s.error_response(failure, &path));
        let vm = || -> Option<Value> {
            let filter = request.body.get("where")?;
            self.matching("Vm", Some("VmWhereInput"), filter, lang)
                .ok()?
                .into_iter()
                .next()
        };
        Some(match name {
            "duplicate-vm-after-sync-timeout" => {
                self.sync_timeout = true;
                let failure = self.failure(lang, 500, Message::SyncTimeout);
                Fault::AfterEffect(Box::new(answer(self, failure)))
            }
            "task-fails-insufficient-memory" => {
                self.tasks
                    .fail_next(Some(op.clone()), Message::InsufficientMemory.texts());
                Fault::Proceed
            }
            "task-fails-insufficient-storage" => {
                self.tasks
                    .fail_next(Some(op.clone()), Message::InsufficientStorage.texts());
                Fault::Proceed
            }
            "resource-locked" => {
                let id = vm()
                    .map(|v| text(&v, "id").to_string())
                    .unwrap_or_else(|| "unknown".into());
                let mut failure = self.failure(
                    lang,
                    400,
                    Message::Locked {
                        kind: "VM",
                        id: &id,
                    },
                );
                failure.code = Some("ResourceLocked");
                failure.props = Some(json!({"locked_resources": [{"id": id, "type": "VM"}]}));
                answer(self, failure)
            }
            "power-state-refused" => {
                let record = vm().unwrap_or_else(|| json!({"name": "?", "status": "UNKNOWN"}));
                let action = match op.as_str() {
                    "StartVm" => Action::Start,
                    "SuspendVm" => Action::Suspend,
                    "ResumeVm" => Action::Resume,
                    "RestartVm" | "ForceRestartVm" => Action::Restart,
                    _ => Action::Stop,
                };
                let failure = self.failure(
                    lang,
                    400,
                    Message::WrongState {
                        vm: text(&record, "name"),
                        status: text(&record, "status"),
                        action,
                    },
                );
                answer(self, failure)
            }
            _ => return None,
        })
    }
}
