//! The provider-neutral [`Compute`] facade for CloudTower, with VM ids as
//! instance ids.
//!
//! - list: `get-vms` with an empty filter; get: `get-vms` where `id`;
//! - start: `start-vm` (the scheduler picks the host); stop: `shutdown-vm`;
//!   delete: `delete-vm` (permanently, not to the recycle bin).
//!
//! CloudTower mutations are asynchronous, so start, stop and delete return
//! only once the task they started has finished (waited for with the
//! client's [`TaskWait`](crate::TaskWait)); a failed task is an error with
//! its `error_message`, not a state that never comes.
//!
//! **Stop shuts down rather than powers off.** `shutdown-vm` asks the
//! guest OS to shut down, so its file systems stay consistent, which is
//! what "stop, keeping it restartable" should mean and what stop means on
//! most clouds. A guest that ignores the request (no ACPI handling, hung)
//! makes the task fail or the wait time out, and the error says so; then
//! cut the power deliberately with [`CloudTower::poweroff_vm`].
//!
//! All of it but [`STATES`] needs the `vm` feature (a default one).

use cloud_common::InstanceState;
#[cfg(any(feature = "vm", feature = "default-operations"))]
use cloud_common::{BoxFuture, Compute, Error, ErrorKind, Instance};
#[cfg(all(
    any(feature = "vm", feature = "default-operations"),
    any(feature = "gpu-device", feature = "default-operations"),
    any(feature = "host", feature = "default-operations"),
    any(feature = "vm-template", feature = "default-operations"),
    any(
        feature = "content-library-vm-template",
        feature = "default-operations"
    )
))]
use cloud_common::{GpuFilter, GpuOffer, LaunchSpec};

#[cfg(any(feature = "vm", feature = "default-operations"))]
use crate::generated::operation_ids;
#[cfg(any(feature = "vm", feature = "default-operations"))]
use crate::{CloudTower, PROVIDER, types};

/// The neutral state of a VM.
///
/// `entityAsyncStatus` comes first: `CREATING` is creating and `DELETING`
/// deleting. A VM in the recycle bin is deleted. Otherwise the power state
/// (`status`) decides: `RUNNING` running, `STOPPED` stopped, `SUSPENDED`
/// suspended, `DELETED` deleted, and `UNKNOWN` (CloudTower cannot reach the
/// VM's host) and values newer than the spec stay unknown, verbatim.
/// `UPDATING` does not change the power state: CloudTower sets it for every
/// change (power, disks, NICs, migration), so it cannot tell starting from
/// being reconfigured.
///
/// ```
/// use cloud_common::InstanceState;
/// let vm: cloudtower_api::types::Vm = serde_json::from_value(serde_json::json!({
///     "id": "vm-1", "name": "web-01", "status": "STOPPED", "entityAsyncStatus": "DELETING",
///     "clock_offset": "UTC", "cpu": {"cores": 1, "sockets": 1}, "cpu_model": "", "description": "",
///     "firmware": "BIOS", "ha": false, "in_recycle_bin": false, "internal": false, "ips": "",
///     "local_id": "", "memory": 1073741824, "nested_virtualization": false, "node_ip": "",
///     "out_uninstall_usb": [], "protected": false, "vcpu": 1, "vm_tools_status": "RUNNING",
///     "win_opt": false
/// })).unwrap();
/// assert_eq!(cloudtower_api::neutral_state(&vm), InstanceState::Deleting);
/// ```
#[cfg(any(feature = "vm", feature = "default-operations"))]
pub fn neutral_state(vm: &types::Vm) -> InstanceState {
    use types::EntityAsyncStatus as A;
    match vm.entity_async_status {
        Some(A::Creating) => return InstanceState::Creating,
        Some(A::Deleting) => return InstanceState::Deleting,
        Some(A::Updating | A::Other(_)) | None => {}
    }
    if vm.in_recycle_bin {
        return InstanceState::Deleted;
    }
    cloud_common::lookup_state(STATES, vm.status.as_str())
}

/// Every CloudTower VM power state (`status`) with a neutral equivalent,
/// by its [`cloud_common::status_key`]; `UNKNOWN` (CloudTower cannot reach
/// the VM's host) and values newer than the spec stay
/// [`InstanceState::Other`]. `entityAsyncStatus` `CREATING`/`DELETING` and
/// the recycle bin come first (see [`neutral_state`]). The README's
/// cross-provider table is this table.
pub const STATES: &[(&str, InstanceState)] = &[
    ("running", InstanceState::Running),
    ("stopped", InstanceState::Stopped),
    ("suspended", InstanceState::Suspended),
    ("deleted", InstanceState::Deleted),
];

/// The neutral summary of a VM: its id, name, state, vCPUs and memory in
/// GiB (`memory` is in bytes), and the GPUs passed through to it
/// (`gpu_devices`: their count, and their names joined with `+` when they
/// differ); a VM without GPUs has `None` for both.
#[cfg(any(feature = "vm", feature = "default-operations"))]
pub fn summary(vm: &types::Vm) -> Instance {
    let gpus = vm.gpu_devices.as_deref().unwrap_or_default();
    let mut names: Vec<&str> = gpus.iter().map(|g| g.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    Instance {
        provider: PROVIDER,
        id: vm.id.clone(),
        name: Some(vm.name.clone()),
        state: neutral_state(vm),
        gpu_model: (!names.is_empty()).then(|| names.join("+")),
        gpu_count: (!gpus.is_empty()).then(|| u32::try_from(gpus.len()).unwrap_or(u32::MAX)),
        vcpus: u32::try_from(vm.vcpu).ok(),
        memory_gib: Some(vm.memory as f64 / (1u64 << 30) as f64),
    }
}

/// The error for an id that matches no VM (CloudTower answers `[]`).
#[cfg(any(feature = "vm", feature = "default-operations"))]
fn no_such_vm(operation: &'static str, id: &str) -> Error {
    Error::new(
        ErrorKind::Api,
        PROVIDER,
        operation,
        format!("no VM has id {id}"),
    )
}

#[cfg(any(feature = "vm", feature = "default-operations"))]
impl CloudTower {
    /// Waits for the tasks of a single-VM mutation, which must have matched
    /// the VM; returns the finished tasks.
    #[inline]
    pub(crate) async fn finish<T: crate::TaskId>(
        &self,
        operation: &'static str,
        id: &str,
        started: Vec<T>,
    ) -> Result<Vec<types::Task>, Error> {
        if started.is_empty() {
            return Err(no_such_vm(operation, id));
        }
        self.wait(&started).await
    }

    /// Every VM (`get-vms` with an empty filter; the API's name is
    /// [`CloudTower::get_vms`]).
    #[inline]
    pub async fn instances(&self) -> Result<Vec<types::Vm>, Error> {
        self.get_vms(types::GetVmsRequestBody::default()).await
    }

    /// One VM by id (`get-vms` where `id`); an id that matches no VM is an
    /// [`ErrorKind::Api`] error.
    #[inline]
    pub async fn instance(&self, id: &str) -> Result<types::Vm, Error> {
        self.first(types::VmWhereInput::by_id(id))
            .await?
            .ok_or_else(|| no_such_vm(operation_ids::GET_VMS, id))
    }

    /// Starts a VM where the scheduler puts it (`start-vm`) and waits for
    /// its task; a failed task is an error with its `error_message`.
    #[inline]
    pub async fn start_instance(&self, id: &str) -> Result<(), Error> {
        let started = self.start_vm(types::VmWhereInput::by_id(id)).await?;
        self.finish(operation_ids::START_VM, id, started)
            .await
            .map(drop)
    }

    /// Shuts a VM down gracefully (`shutdown-vm`, see the module docs) and
    /// waits for its task.
    #[inline]
    pub async fn stop_instance(&self, id: &str) -> Result<(), Error> {
        let stopped = self.shut_down_vm(types::VmWhereInput::by_id(id)).await?;
        self.finish(operation_ids::SHUT_DOWN_VM, id, stopped)
            .await
            .map(drop)
    }

    /// Deletes a VM permanently (`delete-vm`, not the recycle bin) and
    /// waits for its task.
    #[inline]
    pub async fn delete_instance(&self, id: &str) -> Result<(), Error> {
        let deleted = self.delete_vm(types::VmWhereInput::by_id(id)).await?;
        self.finish(operation_ids::DELETE_VM, id, deleted)
            .await
            .map(drop)
    }
}

#[cfg(any(feature = "vm", feature = "default-operations"))]
impl Compute for CloudTower {
    fn provider(&self) -> &'static str {
        PROVIDER
    }

    #[inline]
    fn list_instances(&self) -> BoxFuture<'_, Result<Vec<Instance>, Error>> {
        Box::pin(async move { Ok(self.instances().await?.iter().map(summary).collect()) })
    }

    #[inline]
    fn get_instance<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Instance, Error>> {
        Box::pin(async move { Ok(summary(&self.instance(id).await?)) })
    }

    #[inline]
    fn start<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(self.start_instance(id))
    }

    #[inline]
    fn stop<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(self.stop_instance(id))
    }

    #[inline]
    fn delete<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(self.delete_instance(id))
    }

    #[cfg(all(
        any(feature = "vm", feature = "default-operations"),
        any(feature = "gpu-device", feature = "default-operations"),
        any(feature = "host", feature = "default-operations"),
        any(feature = "vm-template", feature = "default-operations"),
        any(
            feature = "content-library-vm-template",
            feature = "default-operations"
        )
    ))]
    #[inline]
    fn gpu_offers<'a>(
        &'a self,
        filter: &'a GpuFilter,
    ) -> BoxFuture<'a, Result<Vec<GpuOffer>, Error>> {
        Box::pin(CloudTower::gpu_offers(self, filter))
    }

    #[cfg(all(
        any(feature = "vm", feature = "default-operations"),
        any(feature = "gpu-device", feature = "default-operations"),
        any(feature = "host", feature = "default-operations"),
        any(feature = "vm-template", feature = "default-operations"),
        any(
            feature = "content-library-vm-template",
            feature = "default-operations"
        )
    ))]
    #[inline]
    fn launch<'a>(
        &'a self,
        offer: &'a GpuOffer,
        spec: &'a LaunchSpec,
    ) -> BoxFuture<'a, Result<Instance, Error>> {
        Box::pin(CloudTower::launch(self, offer, spec))
    }
}

#[cfg(all(test, any(feature = "vm", feature = "default-operations")))]
mod tests {
    use super::*;

    fn vm(status: &str, async_status: Option<&str>, in_recycle_bin: bool) -> types::Vm {
        serde_json::from_value(serde_json::json!({
            "id": "cl2k1yswo1ifg0822ruv6ylfp", "name": "web-01", "status": status,
            "entityAsyncStatus": async_status, "in_recycle_bin": in_recycle_bin,
            "clock_offset": "UTC", "cpu": {"cores": 2, "sockets": 2}, "cpu_model": "cluster_default",
            "description": "", "firmware": "BIOS", "ha": true, "internal": false, "ips": "",
            "local_id": "3a8e1c4e", "memory": 8589934592u64, "nested_virtualization": false,
            "node_ip": "", "out_uninstall_usb": [], "protected": false, "vcpu": 4,
            "vm_tools_status": "RUNNING", "win_opt": false
        }))
        .unwrap()
    }

    #[test]
    fn every_vm_status_maps() {
        let unknown = |s: &str| InstanceState::Other(s.to_string());
        let cases = [
            ("RUNNING", InstanceState::Running),
            ("STOPPED", InstanceState::Stopped),
            ("SUSPENDED", InstanceState::Suspended),
            ("DELETED", InstanceState::Deleted),
            ("UNKNOWN", unknown("UNKNOWN")),
            ("MIGRATING", unknown("MIGRATING")),
        ];
        for (status, want) in cases {
            assert_eq!(neutral_state(&vm(status, None, false)), want, "{status}");
            // UPDATING and async statuses newer than the spec keep the power state.
            assert_eq!(
                neutral_state(&vm(status, Some("UPDATING"), false)),
                want,
                "{status} UPDATING"
            );
            assert_eq!(
                neutral_state(&vm(status, Some("REBUILDING"), false)),
                want,
                "{status} REBUILDING"
            );
        }
        // Every documented value is covered above.
        assert_eq!(types::VmStatus::KNOWN.len(), 5);
    }

    #[test]
    fn async_statuses_and_the_recycle_bin_come_first() {
        for status in ["RUNNING", "STOPPED", "SUSPENDED", "DELETED", "UNKNOWN"] {
            let state = |a, bin| neutral_state(&vm(status, a, bin));
            assert_eq!(state(Some("CREATING"), false), InstanceState::Creating);
            assert_eq!(state(Some("DELETING"), false), InstanceState::Deleting);
            assert_eq!(state(Some("DELETING"), true), InstanceState::Deleting);
            assert_eq!(state(None, true), InstanceState::Deleted);
            assert_eq!(state(Some("UPDATING"), true), InstanceState::Deleted);
        }
        assert_eq!(types::EntityAsyncStatus::KNOWN.len(), 3);
    }

    #[test]
    fn summary_reads_vcpus_and_memory_in_gib() {
        let i = summary(&vm("RUNNING", None, false));
        assert_eq!(
            (i.provider, i.id.as_str(), i.name.as_deref()),
            ("cloudtower", "cl2k1yswo1ifg0822ruv6ylfp", Some("web-01"))
        );
        assert_eq!((i.vcpus, i.memory_gib), (Some(4), Some(8.0)));
        assert_eq!((i.gpu_model, i.gpu_count), (None, None));
        assert_eq!(i.state, InstanceState::Running);
    }
}
