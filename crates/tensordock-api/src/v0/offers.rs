//! GPU offers and launches for the facade (`Compute::gpu_offers`,
//! `Compute::launch`) on TensorDock v0.
//!
//! Offers come from the public hostnode list (`GET
//! /client/deploy/hostnodes`, asked for hostnodes with at least the
//! filter's GPU count): one per online hostnode and GPU model in stock,
//! id `<hostnode uuid>/<gpu_model>`, with the hostnode's free vCPUs and
//! RAM, and the GPUs' USD per hour (vCPUs, RAM and storage billed on top
//! at the hostnode's rates).
//!
//! A launch is `POST /client/deploy/single` on the offer's hostnode with
//! its GPU model, the spec's image as `operating_system` (e.g. `Ubuntu
//! 22.04 LTS`), SSH forwarded from the hostnode's first free port, and the
//! spec's password or SSH key (one is required).

use cloud_common::offers::unsupported;
use cloud_common::{Access, Error, GpuFilter, GpuModel, GpuOffer, Instance, LaunchSpec};

use super::{DeployVmExt, HostnodeFilter, PROVIDER, PortMappings, TensorDock, types};
use crate::offers::{count, place, price, resources, split_id};

const LAUNCH: &str = "launch";

/// The offers of one hostnode (by its uuid) that `filter` accepts.
pub fn hostnode_offers(uuid: &str, h: &types::Hostnode, filter: &GpuFilter) -> Vec<GpuOffer> {
    if h.status.online == Some(false) {
        return Vec::new();
    }
    let l = &h.location;
    let at = place(
        [l.city.as_deref(), l.region.as_deref(), l.country.as_deref()],
        uuid,
    );
    let s = &h.specs;
    let rates = [
        s.cpu.as_ref().and_then(|c| c.price),
        s.ram.as_ref().and_then(|r| r.price),
        s.storage.as_ref().and_then(|r| r.price),
    ];
    s.gpu
        .iter()
        .filter(|(_, g)| count(g.amount) > 0)
        .map(|(model, g)| {
            let id = format!("{uuid}/{model}");
            let mut o = GpuOffer::new(PROVIDER, id, at.clone(), GpuModel::new(model), 0);
            o.gpus_available = count(g.amount);
            o.vcpus = s.cpu.as_ref().map(|c| count(c.amount));
            o.memory_gib = s.ram.as_ref().and_then(|r| r.amount).map(|gb| gb as f64);
            o.price = price(g.price, filter.quoted_count(), rates);
            o
        })
        .filter(|o| filter.accepts(o))
        .collect()
}

impl TensorDock {
    /// The GPU offers `filter` accepts (see the [module docs](self)), in
    /// one request, sorted by id.
    #[inline]
    pub async fn gpu_offers(&self, filter: &GpuFilter) -> Result<Vec<GpuOffer>, Error> {
        let hostnodes = self
            .list_hostnodes(&HostnodeFilter {
                min_gpu_count: filter.count.map(u64::from),
                ..Default::default()
            })
            .await?;
        let mut offers: Vec<GpuOffer> = hostnodes
            .iter()
            .flat_map(|(uuid, h)| hostnode_offers(uuid, h, filter))
            .collect();
        offers.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(offers)
    }

    /// Launches `spec` on `offer` (see the [module docs](self)) and reads
    /// the new VM back.
    #[inline]
    pub async fn launch(&self, offer: &GpuOffer, spec: &LaunchSpec) -> Result<Instance, Error> {
        let parts = split_id(offer, 2, LAUNCH)?;
        let (hostnode, model) = (parts[0], parts[1]);
        let gpus = spec.gpu_count_on(offer, LAUNCH)?;
        let (password, ssh_key) = match &spec.access {
            Some(Access::Password(p)) => (Some(p.clone()), None),
            Some(Access::SshKey(k)) => (None, Some(k.expose().to_string())),
            _ => {
                return Err(unsupported(
                    PROVIDER,
                    LAUNCH,
                    "TensorDock v0 needs a password or an SSH key",
                ));
            }
        };
        let (vcpus, ram, storage) = resources(spec, gpus);
        let port = self
            .get_hostnode(hostnode)
            .await?
            .networking
            .ports
            .first()
            .and_then(|p| u16::try_from(*p).ok())
            .ok_or_else(|| {
                unsupported(
                    PROVIDER,
                    LAUNCH,
                    format!("hostnode {hostnode} has no free port to forward SSH from"),
                )
            })?;
        let deployed = self
            .deploy_vm(|vm| {
                let vm = vm
                    .name(spec.name.clone())
                    .gpu_model(model.to_string())
                    .gpu_count(i64::from(gpus))
                    .vcpus(i64::from(vcpus))
                    .ram(i64::from(ram))
                    .storage(i64::from(storage))
                    .hostnode(hostnode.to_string())
                    .operating_system(spec.image.clone())
                    .ports(&PortMappings::new().map(port, 22));
                let vm = match password {
                    Some(p) => vm.password(p),
                    None => vm,
                };
                match ssh_key {
                    Some(k) => vm.ssh_key(k),
                    None => vm,
                }
            })
            .await?;
        Ok(super::summary(
            &deployed.server,
            &self.get_vm(&deployed.server).await?,
        ))
    }
}
