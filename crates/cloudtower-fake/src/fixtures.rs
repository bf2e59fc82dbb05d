//! Typed response values for tests, built from the spec's examples: the
//! official document's realistic values, with the fields a test cares
//! about set. `types::Vm` has 21 required fields and no `Default`, so
//! without these a test copies a JSON fixture.
//!
//! ```
//! use cloudtower_fake::fixtures;
//! use cloudtower_api::types::{TaskStatus, VmStatus};
//!
//! let vm = fixtures::vm("vm-1", "web-01", VmStatus::Running);
//! assert_eq!((vm.id.as_str(), vm.name.as_str(), &vm.status), ("vm-1", "web-01", &VmStatus::Running));
//! assert_eq!(vm.vcpu, 4); // from the spec's example
//! let task = fixtures::task("task-1", TaskStatus::Successed);
//! assert_eq!(task.progress, 1.0);
//! ```
//!
//! Every value can be changed further (the fields are public), or built
//! from any schema with [`from_spec`].

use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::spec::Spec;
use cloudtower_api::types;

fn spec() -> Option<std::sync::Arc<Spec>> {
    Spec::load().ok()
}

/// A value of the spec's schema `schema` (`Vm`, `Task`, `WithTask_Vm_`,
/// ...): the spec's example of it (or one built from its schema), with
/// the top-level fields of `fields` laid over it. An error says why the
/// result is not a `T` (a field of the wrong type, a schema that is not
/// `T`'s).
pub fn from_spec<T: DeserializeOwned>(schema: &str, fields: Value) -> Result<T, String> {
    let spec = spec().ok_or("the packaged spec does not parse")?;
    if spec.schema(schema).is_none() {
        return Err(format!("the spec has no schema {schema}"));
    }
    let mut value = spec.synth_named(schema);
    if let (Some(value), Value::Object(fields)) = (value.as_object_mut(), fields) {
        value.extend(fields);
    }
    serde_json::from_value(value).map_err(|e| format!("a {schema} fixture: {e}"))
}

/// Builds a fixture whose fields are this module's own, known to fit
/// (the crate's tests build every fixture).
fn fixture<T: DeserializeOwned>(schema: &str, fields: Value) -> T {
    match from_spec(schema, fields) {
        Ok(value) => value,
        // Unreachable for the packaged spec: `fixtures_parse` builds each.
        Err(e) => panic!("{e}"),
    }
}

/// A VM with this id, name and power state (the rest from the spec's
/// example: 4 vCPUs, 8 GiB, in cluster `cluster-prod-01`).
pub fn vm(id: &str, name: &str, status: types::VmStatus) -> types::Vm {
    let running = status == types::VmStatus::Running;
    fixture(
        "Vm",
        json!({"id": id, "name": name, "status": status, "entityAsyncStatus": null,
               "vm_tools_status": if running { "RUNNING" } else { "NOT_RUNNING" }}),
    )
}

/// A task in this state (`progress` 1.0 when final, else 0.5; no error).
pub fn task(id: &str, status: types::TaskStatus) -> types::Task {
    let done = matches!(
        status,
        types::TaskStatus::Successed | types::TaskStatus::Failed
    );
    fixture(
        "Task",
        json!({"id": id, "status": status, "progress": if done { 1.0 } else { 0.5 },
               "error_code": null, "error_message": null,
               "finished_at": if done { json!("2024-05-09T08:30:09.000Z") } else { Value::Null }}),
    )
}

/// A task that failed with this `error_message`.
pub fn failed_task(id: &str, error_message: &str) -> types::Task {
    fixture(
        "Task",
        json!({"id": id, "status": "FAILED", "progress": 1.0, "error_code": "FAILED",
               "error_message": error_message}),
    )
}

/// A cluster with this id and name.
pub fn cluster(id: &str, name: &str) -> types::Cluster {
    fixture("Cluster", json!({"id": id, "name": name}))
}

/// A host with this id and name in the cluster `cluster_id`.
pub fn host(id: &str, name: &str, cluster_id: &str) -> types::Host {
    fixture(
        "Host",
        json!({"id": id, "name": name, "cluster": {"id": cluster_id, "name": cluster_id}}),
    )
}

/// A physical disk with this id and name.
pub fn disk(id: &str, name: &str) -> types::Disk {
    fixture("Disk", json!({"id": id, "name": name}))
}

/// An open alert with this id, severity and message.
pub fn alert(id: &str, severity: &str, message: &str) -> types::Alert {
    fixture(
        "Alert",
        json!({"id": id, "severity": severity, "message": message, "ended": false}),
    )
}

/// A snapshot with this id and name of the VM `vm_id`.
pub fn vm_snapshot(id: &str, name: &str, vm_id: &str) -> types::VmSnapshot {
    fixture(
        "VmSnapshot",
        json!({"id": id, "name": name, "vm": {"id": vm_id, "name": vm_id}}),
    )
}

/// An iSCSI LUN snapshot with this id and name.
pub fn iscsi_lun_snapshot(id: &str, name: &str) -> types::IscsiLunSnapshot {
    fixture("IscsiLunSnapshot", json!({"id": id, "name": name}))
}

/// A mutation's answer for a VM: `{task_id, data: vm}`.
pub fn with_task_vm(task_id: Option<&str>, vm: types::Vm) -> types::WithTaskVm {
    // Through JSON: outside its crate a generated type is built from its
    // wire form (its fields are `non_exhaustive`).
    fixture("WithTask_Vm_", json!({"task_id": task_id, "data": vm}))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cloudtower_api::types::{TaskStatus, VmStatus};

    #[test]
    fn fixtures_parse() {
        assert_eq!(vm("a", "b", VmStatus::Stopped).status, VmStatus::Stopped);
        assert_eq!(task("t", TaskStatus::Executing).progress, 0.5);
        assert_eq!(
            failed_task("t", "boom").error_message.as_deref(),
            Some("boom")
        );
        assert_eq!(cluster("c", "prod").name, "prod");
        assert_eq!(host("h", "node", "c").cluster.id, "c");
        assert_eq!(disk("d", "sda").name, "sda");
        assert_eq!(alert("a", "CRITICAL", "hot").message, "hot");
        assert_eq!(
            vm_snapshot("s", "before", "v").vm.map(|v| v.id).as_deref(),
            Some("v")
        );
        assert_eq!(iscsi_lun_snapshot("l", "lun").name, "lun");
        assert_eq!(
            with_task_vm(Some("t"), vm("a", "b", VmStatus::Running))
                .task_id
                .as_deref(),
            Some("t")
        );
        assert!(from_spec::<types::Vm>("NoSuchSchema", json!({})).is_err());
        assert!(from_spec::<types::Vm>("Vm", json!({"vcpu": "many"})).is_err());
    }
}
