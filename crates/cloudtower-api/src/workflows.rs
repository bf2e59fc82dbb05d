//! Typed conveniences for what SmartX's Terraform provider's resources do:
//! finding a resource by name, provisioning from a content-library
//! template, cloning, templates, snapshots, GPU passthrough, host
//! maintenance mode and labels.
//!
//! Each is a thin layer over the generated operations (which stay callable
//! directly). Mutations return the operation's `WithTask_*` list, so
//! [`CloudTower::wait`] works on it; the `*_and_wait` forms wait for you.
//!
//! ```no_run
//! # async fn demo(ct: cloudtower_api::CloudTower) -> Result<(), cloudtower_api::Error> {
//! use cloudtower_api::workflows::FromTemplate;
//! let template = ct.content_library_template_named("ubuntu-22.04").await?;
//! let cluster = ct.cluster_named("cluster-prod-01").await?;
//! let vlan = ct.vlan_named("vm-network").await?;
//! let created = ct
//!     .create_vm_from_content_library_template([
//!         FromTemplate::new(&template.id, &cluster.id, "web-07")
//!             .vcpu(4, 2)
//!             .memory_gib(8)
//!             .nic_on_vlan(&vlan.id),
//!     ])
//!     .await?;
//! ct.wait(&created).await?;
//! # Ok(()) }
//! ```

use cloud_common::{ByName, CursorPaged, Error, ErrorKind};
#[cfg(any(feature = "host", feature = "default-operations"))]
use cloud_common::{Check, WaitOptions, wait_for};

use crate::query::ListRequest;
#[allow(unused_imports)]
// Each workflow needs its tag's feature; with none on, none uses `types`.
use crate::types;
use crate::{CloudTower, PROVIDER, Result};

/// An error for a lookup that did not find exactly one resource.
fn lookup_error(operation: &'static str, what: &str, filter: &str, found: usize) -> Error {
    let message = if found == 0 {
        format!("no {what} {filter}")
    } else {
        format!("more than one {what} {filter}; narrow the filter")
    };
    Error::new(ErrorKind::InvalidRequest, PROVIDER, operation, message)
}

/// The lookups by name. Each is [`CloudTower::the_one`] with a `by_name`
/// where-input (`CloudTower::named`); names are not unique in CloudTower, so a name that
/// matches several resources is an error rather than a guess.
macro_rules! named_lookups {
    ($($(#[$doc:meta])* $method:ident => $where:ident, $what:literal, $feature:literal;)*) => {
        impl CloudTower {
            $(
                $(#[$doc])*
                #[cfg(any(feature = $feature, feature = "default-operations"))]
                #[inline]
                pub async fn $method(&self, name: &str) -> Result<<types::$where as cloud_common::ListRequest>::Item> {
                    self.named::<types::$where>($what, name).await
                }
            )*
        }
    };
}

named_lookups! {
    /// The VLAN (virtual network) named `name` (`get-vlans`).
    vlan_named => VlanWhereInput, "VLAN", "vlan";
    /// The ISO image named `name` in the cluster's image store
    /// (`get-elf-images`).
    iso_named => ElfImageWhereInput, "ISO image", "elf-image";
    /// The content-library image (ISO) named `name`
    /// (`get-content-library-images`).
    content_library_image_named => ContentLibraryImageWhereInput, "content-library image", "content-library-image";
    /// The storage policy named `name` (`get-elf-storage-policies`).
    storage_policy_named => ElfStoragePolicyWhereInput, "storage policy", "elf-storage-policy";
    /// The VM template named `name` (`get-vm-templates`).
    vm_template_named => VmTemplateWhereInput, "VM template", "vm-template";
    /// The content-library VM template named `name`
    /// (`get-content-library-vm-templates`).
    content_library_template_named => ContentLibraryVmTemplateWhereInput, "content-library template", "content-library-vm-template";
    /// The cluster named `name` (`get-clusters`).
    cluster_named => ClusterWhereInput, "cluster", "cluster";
    /// The host named `name` (`get-hosts`).
    host_named => HostWhereInput, "host", "host";
    /// The VM named `name` (`get-vms`).
    vm_named => VmWhereInput, "VM", "vm";
    /// The datacenter named `name` (`get-datacenters`).
    datacenter_named => DatacenterWhereInput, "datacenter", "datacenter";
}

impl CloudTower {
    /// The one item `request` matches (two are asked for, to tell). None,
    /// or more than one, is an [`ErrorKind::InvalidRequest`] error saying
    /// which: `what` and `filter` word it ("no VLAN named \"vm-net\"").
    #[inline]
    pub async fn the_one<R: ListRequest>(
        &self,
        what: &str,
        filter: &str,
        request: R,
    ) -> Result<R::Item> {
        let body = request.into_body();
        let mut page = self.send_page(body.page(2, body.after(), true)).await?;
        match page.len() {
            1 => Ok(page.remove(0)),
            n => Err(lookup_error(R::OPERATION_ID, what, filter, n)),
        }
    }

    /// [`CloudTower::the_one`] named `name`: any where-input with names
    /// ([`ByName`]) of a list.
    #[allow(dead_code)] // Every lookup by name needs its tag's feature.
    #[inline]
    async fn named<W: ByName + ListRequest>(&self, what: &str, name: &str) -> Result<W::Item> {
        self.the_one(what, &format!("named {name:?}"), W::by_name(name))
            .await
    }

    /// The VMs carrying the label `key` (with `value`, when given): a
    /// `labels_some` filter on `get-vms`.
    #[cfg(any(feature = "vm", feature = "default-operations"))]
    #[inline]
    pub async fn vms_labelled(&self, key: &str, value: Option<&str>) -> Result<Vec<types::Vm>> {
        self.get_vms(label_filter(key, value)).await
    }

    /// Attaches the labels matched by `labels` to the VMs matched by
    /// `vms` (`add-labels-to-resources`).
    #[cfg(any(feature = "label", feature = "default-operations"))]
    #[inline]
    pub async fn label_vms(
        &self,
        labels: types::LabelWhereInput,
        vms: types::VmWhereInput,
    ) -> Result<Vec<types::WithTaskLabel>> {
        let data = types::AddLabelsToResourcesParamsData {
            vms: Some(vms),
            ..Default::default()
        };
        self.add_labels_to_resources(types::AddLabelsToResourcesParams {
            data,
            where_: labels,
        })
        .await
    }

    /// Clones VM `source` as a new VM `name`, with its configuration
    /// (`clone-vm`); the task creates it.
    #[cfg(any(feature = "vm", feature = "default-operations"))]
    #[inline]
    pub async fn clone_vm_named(&self, source: &str, name: &str) -> Result<Vec<types::WithTaskVm>> {
        let params = types::VmCloneParams::builder().src_vm_id(source).name(name);
        self.clone_vm([params]).await
    }

    /// Converts VM `vm` into a VM template named `name` (the VM is gone
    /// afterwards; `convert-vm-template-from-vm`).
    #[cfg(any(feature = "vm-template", feature = "default-operations"))]
    #[inline]
    pub async fn convert_vm_to_template(
        &self,
        vm: &str,
        name: &str,
    ) -> Result<Vec<types::WithTaskVmTemplate>> {
        self.convert_vm_template_from_vm([template_params(vm, name)])
            .await
    }

    /// Clones VM `vm` into a new VM template named `name` (the VM stays;
    /// `clone-vm-template-from-vm`).
    #[cfg(any(feature = "vm-template", feature = "default-operations"))]
    #[inline]
    pub async fn clone_vm_to_template(
        &self,
        vm: &str,
        name: &str,
    ) -> Result<Vec<types::WithTaskVmTemplate>> {
        self.clone_vm_template_from_vm([template_params(vm, name)])
            .await
    }

    /// Clones VM `vm` into a content-library template named `name`,
    /// available to the clusters matched by `clusters`
    /// (`clone-content-library-vm-template-from-vm`).
    #[cfg(any(
        feature = "content-library-vm-template",
        feature = "default-operations"
    ))]
    #[inline]
    pub async fn clone_vm_to_content_library(
        &self,
        vm: &str,
        name: &str,
        clusters: types::ClusterWhereInput,
    ) -> Result<Vec<types::WithTaskContentLibraryVmTemplate>> {
        let params = types::ContentLibraryVmTemplateCreationParams::builder()
            .name(name)
            .vm(types::VmWhereUniqueInput::builder().id(vm))
            .clusters(clusters);
        self.clone_content_library_vm_template_from_vm([params])
            .await
    }

    /// Rolls VM `vm` back to its snapshot `snapshot` (`rollback-vm`).
    #[cfg(any(feature = "vm", feature = "default-operations"))]
    #[inline]
    pub async fn rollback_vm_to(&self, vm: &str, snapshot: &str) -> Result<Vec<types::WithTaskVm>> {
        self.rollback_vm(types::VmRollbackParams {
            data: types::VmRollbackParamsData {
                snapshot_id: snapshot.to_string(),
            },
            where_: types::VmWhereInput::by_id(vm),
        })
        .await
    }

    /// Creates a new VM `name` from the snapshot `snapshot`
    /// (`rebuild-vm-from-snapshot`).
    #[cfg(any(feature = "vm", feature = "default-operations"))]
    #[inline]
    pub async fn rebuild_vm_from(
        &self,
        snapshot: &str,
        name: &str,
    ) -> Result<Vec<types::WithTaskVm>> {
        let params = types::VmRebuildParams::builder()
            .rebuild_from_snapshot_id(snapshot)
            .name(name);
        self.rebuild_vm([params]).await
    }

    /// Deletes the VM snapshot `snapshot` (`delete-vm-snapshot`).
    #[cfg(any(feature = "vm-snapshot", feature = "default-operations"))]
    #[inline]
    pub async fn delete_snapshot(
        &self,
        snapshot: &str,
    ) -> Result<Vec<types::WithTaskDeleteVmSnapshot>> {
        self.delete_vm_snapshot(types::VmSnapshotWhereInput::by_id(snapshot))
            .await
    }

    /// The GPU devices of the hosts matched by `hosts`, or of every host
    /// (`get-gpu-devices`).
    #[cfg(any(feature = "gpu-device", feature = "default-operations"))]
    #[inline]
    pub async fn gpu_devices_of(
        &self,
        hosts: Option<types::HostWhereInput>,
    ) -> Result<Vec<types::GpuDevice>> {
        self.get_gpu_devices(types::GpuDeviceWhereInput {
            host: hosts,
            ..Default::default()
        })
        .await
    }

    /// Passes the GPUs `gpus` (device ids) through to VM `vm` and waits for
    /// the task (`add-vm-gpu-device`).
    #[cfg(any(feature = "vm", feature = "default-operations"))]
    #[inline]
    pub async fn attach_gpus(&self, vm: &str, gpus: &[&str]) -> Result<Vec<types::Task>> {
        let added = self
            .add_vm_gpu_device(types::VmAddGpuDeviceParams {
                data: gpu_operations(gpus),
                where_: types::VmWhereInput::by_id(vm),
            })
            .await?;
        self.finish(
            crate::generated::operation_ids::ADD_VM_GPU_DEVICE,
            vm,
            added,
        )
        .await
    }

    /// Detaches the GPUs `gpus` from VM `vm` and waits for the task
    /// (`remove-vm-gpu-device`).
    #[cfg(any(feature = "vm", feature = "default-operations"))]
    #[inline]
    pub async fn detach_gpus(&self, vm: &str, gpus: &[&str]) -> Result<Vec<types::Task>> {
        let removed = self
            .remove_vm_gpu_device(types::VmRemoveGpuDeviceParams {
                data: gpu_operations(gpus),
                where_: types::VmWhereInput::by_id(vm),
            })
            .await?;
        self.finish(
            crate::generated::operation_ids::REMOVE_VM_GPU_DEVICE,
            vm,
            removed,
        )
        .await
    }

    /// Checks whether host `host` can enter maintenance mode and waits for
    /// the check's result (`enter-maintenance-mode-precheck`, then
    /// `enter-maintance-mode-precheck-result` until `done`). The result
    /// lists the VMs that entering would shut down.
    #[cfg(any(feature = "host", feature = "default-operations"))]
    #[inline]
    pub async fn maintenance_precheck(
        &self,
        host: &str,
        options: &WaitOptions,
    ) -> Result<types::EnterMaintenanceModeResult> {
        let check = self
            .enter_maintenance_mode_pre_check(types::EnterMaintenanceModeCheckParams {
                where_: types::HostWhereInput::by_id(host),
            })
            .await?;
        let task_id = check.task_id;
        wait_for(
            PROVIDER,
            crate::generated::operation_ids::ENTER_MAINTENANCE_MODE_PRECHECK_RESULT,
            options,
            || {
                self.enter_maintenance_mode_precheck_result(
                    types::EnterMaintenanceModeResultParams {
                        where_: types::EnterMaintenanceModeResultParamsWhere {
                            task_id: task_id.clone(),
                        },
                    },
                )
            },
            |result: &types::EnterMaintenanceModeResult| {
                if result.done {
                    Check::Done
                } else {
                    Check::Pending(format!("precheck of host {host} not done yet"))
                }
            },
        )
        .await
    }

    /// Puts host `host` into maintenance mode, shutting down the VMs
    /// `shutdown_vms` (ids) that cannot migrate, and waits for the task
    /// (`enter-maintance-mode`). Run [`CloudTower::maintenance_precheck`]
    /// first: it says which VMs those are.
    #[cfg(any(feature = "host", feature = "default-operations"))]
    #[inline]
    pub async fn enter_maintenance(
        &self,
        host: &str,
        shutdown_vms: &[&str],
    ) -> Result<Vec<types::Task>> {
        let entered = self
            .enter_maintenance_mode(types::EnterMaintenanceModeParams {
                data: types::EnterMaintenanceModeInput {
                    shutdown_vms: strings(shutdown_vms),
                },
                where_: types::EnterMaintenanceModeParamsWhere {
                    host_id: host.to_string(),
                },
            })
            .await?;
        self.wait([&entered]).await
    }

    /// Takes host `host` out of maintenance mode and waits for the task
    /// (`exit-maintance-mode`); `back` says what to do with the VMs that
    /// left it.
    #[cfg(any(feature = "host", feature = "default-operations"))]
    #[inline]
    pub async fn exit_maintenance(
        &self,
        host: &str,
        back: types::ExitMaintenanceModeInput,
    ) -> Result<Vec<types::Task>> {
        let exited = self
            .exit_maintenance_mode(types::ExitMaintenanceModeParams {
                data: back,
                where_: types::ExitMaintenanceModeParamsWhere {
                    host_id: host.to_string(),
                },
            })
            .await?;
        self.wait([&exited]).await
    }
}

/// The body of a VM-to-template operation.
#[cfg(any(feature = "vm-template", feature = "default-operations"))]
fn template_params(vm: &str, name: &str) -> types::builder::VmTemplateCreationParams {
    types::VmTemplateCreationParams::builder()
        .vm_id(vm)
        .name(name)
        .cloud_init_supported(false)
}

#[cfg(any(feature = "vm", feature = "default-operations"))]
fn gpu_operations(gpus: &[&str]) -> Vec<types::VmGpuOperationParams> {
    gpus.iter()
        .map(|id| types::VmGpuOperationParams {
            gpu_id: (*id).to_string(),
            amount: None,
        })
        .collect()
}

#[cfg(any(feature = "host", feature = "default-operations"))]
fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| (*v).to_string()).collect()
}

/// `labels_some: {key, value}`.
#[inline]
#[cfg(any(feature = "vm", feature = "default-operations"))]
fn label_filter(key: &str, value: Option<&str>) -> types::VmWhereInput {
    let label = types::LabelWhereInput {
        key: Some(key.to_string()),
        value: value.map(str::to_string),
        ..Default::default()
    };
    types::VmWhereInput {
        labels_some: Some(label),
        ..Default::default()
    }
}

/// A VM to create from a content-library template
/// (`create-vm-from-content-library-template`), with the overrides the
/// seed guide's template example uses: CPU, memory, NICs on VLANs, disks.
/// Converts into the operation's element type, so
/// [`CloudTower::create_vm_from_content_library_template`] takes it.
#[cfg(any(feature = "vm", feature = "default-operations"))]
#[derive(Debug, Clone)]
pub struct FromTemplate {
    params: types::builder::VmCreateVmFromContentLibraryTemplateParams,
    nics: Vec<types::VmNicParams>,
}

#[cfg(any(feature = "vm", feature = "default-operations"))]
impl FromTemplate {
    /// VM `name` on cluster `cluster` from content-library template
    /// `template` (ids), a linked clone (see [`FromTemplate::full_copy`]),
    /// otherwise configured as the template is.
    pub fn new(template: &str, cluster: &str, name: &str) -> Self {
        Self {
            params: types::VmCreateVmFromContentLibraryTemplateParams::builder()
                .template_id(template)
                .cluster_id(cluster)
                .name(name)
                .is_full_copy(false),
            nics: Vec::new(),
        }
    }

    /// A full copy of the template's disks instead of a linked clone.
    pub fn full_copy(mut self, full: bool) -> Self {
        self.params = self.params.is_full_copy(full);
        self
    }

    /// `cores` per socket on `sockets` sockets (`vcpu` is their product).
    pub fn vcpu(mut self, cores: i32, sockets: i32) -> Self {
        self.params = self
            .params
            .cpu_cores(cores)
            .cpu_sockets(sockets)
            .vcpu(cores.saturating_mul(sockets));
        self
    }

    /// Memory in GiB (sent in bytes, as CloudTower counts it).
    pub fn memory_gib(mut self, gib: i64) -> Self {
        self.params = self.params.memory(gib.saturating_mul(1 << 30));
        self
    }

    /// The host to place the VM on (else the scheduler chooses).
    pub fn host(mut self, host: &str) -> Self {
        self.params = self.params.host_id(host);
        self
    }

    /// A NIC on VLAN `vlan` (an id, e.g. from [`CloudTower::vlan_named`]);
    /// the first call replaces the template's NICs, later ones add more.
    pub fn nic_on_vlan(mut self, vlan: &str) -> Self {
        self.nics.push(types::VmNicParams {
            connect_vlan_id: Some(vlan.to_string()),
            ..Default::default()
        });
        self
    }

    /// A NIC as described (static IP, MAC, model...).
    pub fn nic(mut self, nic: types::VmNicParams) -> Self {
        self.nics.push(nic);
        self
    }

    /// Changes to the template's disks (resize, add, remove).
    pub fn disks(mut self, operate: types::VmDiskOperate) -> Self {
        self.params = self.params.disk_operate(operate);
        self
    }

    /// Cloud-init settings for a template that supports it.
    pub fn cloud_init(mut self, cloud_init: types::TemplateCloudInit) -> Self {
        self.params = self.params.cloud_init(cloud_init);
        self
    }

    /// Power state after creation (the template's otherwise).
    pub fn status(mut self, status: types::VmStatus) -> Self {
        self.params = self.params.status(status);
        self
    }

    /// Any other field, on the generated builder.
    pub fn with(
        mut self,
        f: impl FnOnce(
            types::builder::VmCreateVmFromContentLibraryTemplateParams,
        ) -> types::builder::VmCreateVmFromContentLibraryTemplateParams,
    ) -> Self {
        self.params = f(self.params);
        self
    }
}

#[cfg(any(feature = "vm", feature = "default-operations"))]
impl TryFrom<FromTemplate> for types::VmCreateVmFromContentLibraryTemplateParams {
    type Error = String;

    #[inline]
    fn try_from(value: FromTemplate) -> std::result::Result<Self, String> {
        let mut params = value.params;
        if !value.nics.is_empty() {
            params = params.vm_nics(value.nics);
        }
        params
            .try_into()
            .map_err(|e: types::error::ConversionError| e.to_string())
    }
}
