//! GPU offers and launches for the facade (`Compute::gpu_offers`,
//! `Compute::launch`) on CloudTower.
//!
//! An offer is the free GPU devices of one model on one host
//! (`get-gpu-devices`, with `get-hosts` for the host's cluster, free vCPUs
//! and allocatable memory): a device is free when it is `READY`, not used
//! for vGPUs, and passed through to no VM (`vms` empty). Its id is one of
//! those devices' ids. CloudTower is on premises, so offers have no price.
//!
//! A launch creates a stopped VM from the VM template named by the spec's
//! image (`create-vm-from-template`), or else from the content-library
//! template of that name (`create-vm-from-content-library-template`, in
//! the host's cluster), on the offer's host, with the spec's vCPUs and
//! memory (the template's otherwise) and its SSH key or password as
//! cloud-init; then passes the GPUs through (`add-vm-gpu-device`) and
//! starts it, waiting for each task. A disk size is refused: the VM takes
//! the template's disks.

use std::collections::BTreeMap;

use cloud_common::offers::unsupported;
use cloud_common::{Access, Error, ErrorKind, GpuFilter, GpuModel, GpuOffer, Instance, LaunchSpec};

use crate::workflows::FromTemplate;
use crate::{CloudTower, PROVIDER, Result, summary, types};

const LAUNCH: &str = "launch";

/// Whether a GPU device can be passed through to a new VM now.
pub fn is_free(gpu: &types::GpuDevice) -> bool {
    gpu.status == types::GpuDeviceStatus::Ready
        && !matches!(gpu.user_usage, Some(types::GpuDeviceUsage::Vgpu))
        && gpu.vms.as_ref().is_none_or(Vec::is_empty)
}

/// The offers of `gpus` (one per host and model with free devices, in
/// the order of their first device) that `filter` accepts, with what
/// `hosts` tells of each host.
pub fn device_offers(
    gpus: &[types::GpuDevice],
    hosts: &[types::Host],
    filter: &GpuFilter,
) -> Vec<GpuOffer> {
    let mut groups: BTreeMap<(String, String), Vec<&types::GpuDevice>> = BTreeMap::new();
    let mut order = Vec::new();
    for gpu in gpus.iter().filter(|g| is_free(g)) {
        let key = (gpu.host.id.clone(), gpu.model.clone());
        if !groups.contains_key(&key) {
            order.push(key.clone());
        }
        groups.entry(key).or_default().push(gpu);
    }
    order
        .into_iter()
        .filter_map(|key| {
            let free = &groups[&key];
            let first = free[0];
            let listed = hosts.iter().find(|h| h.id == first.host.id);
            let location = match listed {
                Some(h) => format!("{} ({})", h.name, h.cluster.name),
                None => first.host.name.clone(),
            };
            let count = u32::try_from(free.len()).unwrap_or(u32::MAX);
            let mut o = GpuOffer::new(PROVIDER, &first.id, location, GpuModel::new(&key.1), count);
            // A host that reports no cores or memory tells nothing.
            let host = listed.filter(|h| h.total_cpu_cores > 0);
            o.vcpus = host.map(|h| {
                u32::try_from(h.total_cpu_cores.saturating_sub(h.provisioned_cpu_cores))
                    .unwrap_or(0)
            });
            o.memory_gib = host
                .filter(|h| h.allocatable_memory_bytes > 0)
                .map(|h| h.allocatable_memory_bytes as f64 / GIB);
            filter.accepts(&o).then_some(o)
        })
        .collect()
}

const GIB: f64 = (1u64 << 30) as f64;

fn invalid(message: String) -> Error {
    Error::new(ErrorKind::InvalidRequest, PROVIDER, LAUNCH, message)
}

impl CloudTower {
    /// The GPU offers `filter` accepts (see the [module docs](self)): two
    /// requests, `get-gpu-devices` and `get-hosts`.
    #[inline]
    pub async fn gpu_offers(&self, filter: &GpuFilter) -> Result<Vec<GpuOffer>> {
        let gpus = self.gpu_devices_of(None).await?;
        let hosts = self.get_hosts(types::HostWhereInput::default()).await?;
        Ok(device_offers(&gpus, &hosts, filter))
    }

    /// Launches `spec` on `offer` (see the [module docs](self)) and
    /// returns the VM, running with its GPUs.
    #[inline]
    pub async fn launch(&self, offer: &GpuOffer, spec: &LaunchSpec) -> Result<Instance> {
        let count = spec.gpu_count_on(offer, LAUNCH)? as usize;
        if let Some(disk) = spec.disk_gib {
            return Err(unsupported(
                PROVIDER,
                LAUNCH,
                format!(
                    "a VM takes its template's disks; resize them after the launch, not {disk} GiB here"
                ),
            ));
        }
        let mut cloud_init = types::TemplateCloudInit::default();
        match &spec.access {
            Some(Access::SshKey(key)) => cloud_init.public_keys = vec![key.expose().to_string()],
            Some(Access::Password(p)) => cloud_init.default_user_password = Some(p.clone()),
            _ => {}
        }
        // The devices as they are now: the offer's host and model, free.
        let device = self
            .first(types::GpuDeviceWhereInput::by_id(&offer.id))
            .await?
            .ok_or_else(|| invalid(format!("no GPU device has id {}", offer.id)))?;
        let on_host = self
            .gpu_devices_of(Some(types::HostWhereInput::by_id(&device.host.id)))
            .await?;
        let mut free: Vec<&types::GpuDevice> = on_host
            .iter()
            .filter(|g| g.model == device.model && is_free(g))
            .collect();
        // The offer's own device first, then the others of its model.
        free.sort_by_key(|g| g.id != device.id);
        if free.len() < count {
            return Err(unsupported(
                PROVIDER,
                LAUNCH,
                format!(
                    "host {} has {} free {} now, not {count}",
                    device.host.name,
                    free.len(),
                    device.model
                ),
            ));
        }
        let gpus: Vec<&str> = free[..count].iter().map(|g| g.id.as_str()).collect();
        let host = device.host.id.clone();
        let templates = self
            .get_vm_templates(types::VmTemplateWhereInput::by_name(&spec.image))
            .await?;
        let created = if let Some(template) = templates.first() {
            let mut params = types::VmCreateVmFromTemplateParams::builder()
                .template_id(&template.id)
                .name(&spec.name)
                .is_full_copy(false)
                .host_id(&host)
                .cloud_init(cloud_init)
                .status(types::VmStatus::Stopped);
            if let Some(n) = spec.vcpus {
                let n = i32::try_from(n).unwrap_or(i32::MAX);
                params = params.vcpu(n).cpu_cores(n).cpu_sockets(1);
            }
            if let Some(gib) = spec.memory_gib {
                params = params.memory(i64::from(gib) << 30);
            }
            self.create_vm_from_template([params]).await?
        } else {
            let template = self
                .get_content_library_vm_templates(
                    types::ContentLibraryVmTemplateWhereInput::by_name(&spec.image),
                )
                .await?
                .into_iter()
                .next()
                .ok_or_else(|| {
                    invalid(format!(
                        "no VM template or content-library template is named {:?}",
                        spec.image
                    ))
                })?;
            let cluster = self
                .first(types::HostWhereInput::by_id(&host))
                .await?
                .map(|h| h.cluster.id)
                .ok_or_else(|| invalid(format!("no host has id {host}")))?;
            let mut params = FromTemplate::new(&template.id, &cluster, &spec.name)
                .host(&host)
                .cloud_init(cloud_init)
                .status(types::VmStatus::Stopped);
            if let Some(n) = spec.vcpus {
                params = params.vcpu(i32::try_from(n).unwrap_or(i32::MAX), 1);
            }
            if let Some(gib) = spec.memory_gib {
                params = params.memory_gib(i64::from(gib));
            }
            self.create_vm_from_content_library_template([params])
                .await?
        };
        self.wait(&created).await?;
        let vm = created
            .first()
            .map(|c| c.data.id.clone())
            .ok_or_else(|| invalid("the create answered no VM".into()))?;
        self.attach_gpus(&vm, &gpus).await?;
        self.start_instance(&vm).await?;
        Ok(summary(&self.instance(&vm).await?))
    }
}
