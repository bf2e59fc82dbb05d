//! GPU offers and launches for the facade (`Compute::gpu_offers`,
//! `Compute::launch`) on TensorDock v2.
//!
//! Offers come from `GET /hostnodes` (one per hostnode and GPU model, with
//! its free count, vCPUs and RAM; id `hostnode/<id>/<v0Name>`), and from
//! `GET /locations` for a model a location offers that no listed hostnode
//! there has (id `location/<id>/<v0Name>`; its count is the location's
//! `max_count`, which is often stale). Prices are the GPUs' USD per hour,
//! with vCPUs, RAM and storage billed on top at the hostnode's rates.
//!
//! A launch is `POST /instances` on the offer's hostnode (or at its
//! location) with the offer's GPU model. It asks for a dedicated IP where
//! one is available, and otherwise forwards a free port of the hostnode
//! to 22. An SSH key is required (except for `windows*` images); a
//! password cannot be set, and storage is at least 100 GB.

use std::collections::BTreeSet;

use cloud_common::offers::unsupported;
use cloud_common::{Access, Error, ErrorKind, GpuFilter, GpuModel, GpuOffer, Instance, LaunchSpec};

use super::{CreateInstance, PROVIDER, Placement, SshKey, TensorDock, types};
use crate::offers::{count, place, price, resources, split_id};
use crate::ports::PortMappings;

const LAUNCH: &str = "launch";

/// The offers of one hostnode that `filter` accepts.
pub fn hostnode_offers(h: &types::Hostnode, filter: &GpuFilter) -> Vec<GpuOffer> {
    let Some(free) = &h.available_resources else {
        return Vec::new();
    };
    let location = h.location.as_ref();
    let at = place(
        [
            location.and_then(|l| l.city.as_deref()),
            location.and_then(|l| l.stateprovince.as_deref()),
            location.and_then(|l| l.country.as_deref()),
        ],
        h.location_id.as_deref().unwrap_or(&h.id),
    );
    let rates = h.pricing.as_ref().map_or([None; 3], |p| {
        [p.per_vcpu_hr, p.per_gb_ram_hr, p.per_gb_storage_hr]
    });
    free.gpus
        .iter()
        .filter(|g| count(g.available_count) > 0)
        .map(|g| {
            let id = format!("hostnode/{}/{}", h.id, g.v0_name);
            let mut o = GpuOffer::new(PROVIDER, id, at.clone(), GpuModel::new(&g.v0_name), 0);
            o.gpus_available = count(g.available_count);
            o.vcpus = free.vcpu_count.map(|n| count(Some(n)));
            o.memory_gib = free.ram_gb.map(|gb| gb as f64);
            o.price = price(g.price_per_hr, filter.quoted_count(), rates);
            o
        })
        .filter(|o| filter.accepts(o))
        .collect()
}

/// The offers of one location that `filter` accepts, leaving out the
/// models in `covered` (`(location id, v0Name)` pairs a hostnode offers).
pub fn location_offers(
    l: &types::Location,
    covered: &BTreeSet<(String, String)>,
    filter: &GpuFilter,
) -> Vec<GpuOffer> {
    let at = place(
        [
            l.city.as_deref(),
            l.stateprovince.as_deref(),
            l.country.as_deref(),
        ],
        &l.id,
    );
    l.gpus
        .iter()
        .filter(|g| !covered.contains(&(l.id.clone(), g.v0_name.clone())))
        .filter(|g| count(g.max_count) > 0)
        .map(|g| {
            let id = format!("location/{}/{}", l.id, g.v0_name);
            let mut o = GpuOffer::new(PROVIDER, id, at.clone(), GpuModel::new(&g.v0_name), 0);
            o.gpus_available = count(g.max_count);
            let limits = g.resources.as_ref();
            o.vcpus = limits.and_then(|r| r.max_vcpus).map(|n| count(Some(n)));
            o.memory_gib = limits.and_then(|r| r.max_ram_gb).map(|gb| gb as f64);
            let rates = g.pricing.as_ref().map_or([None; 3], |p| {
                [p.per_vcpu_hr, p.per_gb_ram_hr, p.per_gb_storage_hr]
            });
            o.price = price(g.price_per_hr, filter.quoted_count(), rates);
            o
        })
        .filter(|o| filter.accepts(o))
        .collect()
}

impl TensorDock {
    /// The GPU offers `filter` accepts (see the [module docs](self)): two
    /// requests, `GET /hostnodes` and `GET /locations`.
    #[inline]
    pub async fn gpu_offers(&self, filter: &GpuFilter) -> Result<Vec<GpuOffer>, Error> {
        let hostnodes = self.hostnodes().await?;
        let locations = self.locations().await?;
        let mut covered = BTreeSet::new();
        let mut offers = Vec::new();
        for h in &hostnodes {
            for g in h.available_resources.iter().flat_map(|r| &r.gpus) {
                if let Some(l) = &h.location_id {
                    covered.insert((l.clone(), g.v0_name.clone()));
                }
            }
            offers.extend(hostnode_offers(h, filter));
        }
        for l in &locations {
            offers.extend(location_offers(l, &covered, filter));
        }
        Ok(offers)
    }

    /// Launches `spec` on `offer` (see the [module docs](self)) and reads
    /// the new instance back.
    #[inline]
    pub async fn launch(&self, offer: &GpuOffer, spec: &LaunchSpec) -> Result<Instance, Error> {
        let parts = split_id(offer, 3, LAUNCH)?;
        let (kind, place_id, model) = (parts[0], parts[1], parts[2]);
        let gpus = spec.gpu_count_on(offer, LAUNCH)?;
        let key = ssh_key_only(spec, LAUNCH)?;
        if key.is_none() && !spec.image.starts_with("windows") {
            return Err(unsupported(
                PROVIDER,
                LAUNCH,
                "TensorDock v2 needs an SSH key for every image but windows*",
            ));
        }
        let (vcpus, ram, storage) = resources(spec, gpus);
        if storage < 100 {
            return Err(unsupported(
                PROVIDER,
                LAUNCH,
                format!("TensorDock v2 needs at least 100 GB of storage, not {storage}"),
            ));
        }
        let placement = match kind {
            "hostnode" => Placement::Hostnode(place_id.into()),
            "location" => Placement::Location(place_id.into()),
            _ => {
                return Err(Error::new(
                    ErrorKind::InvalidRequest,
                    PROVIDER,
                    LAUNCH,
                    format!("{:?} is not a TensorDock v2 offer id", offer.id),
                ));
            }
        };
        let mut request = CreateInstance::new(&spec.name, &spec.image, placement)
            .vcpus(vcpus)
            .ram_gb(ram)
            .storage_gb(storage)
            .gpu(model, gpus);
        if let Some(key) = key {
            request = request.ssh_key(SshKey::PublicKey(key.to_string()));
        }
        request = match kind {
            // A hostnode: a dedicated IP if it has one, else SSH through a
            // free port of its own.
            "hostnode" => {
                let free = self.hostnode(place_id).await?.available_resources;
                let dedicated = free.as_ref().and_then(|r| r.has_public_ip_available);
                let port = free
                    .as_ref()
                    .and_then(|r| r.available_ports.first().copied())
                    .and_then(|p| u16::try_from(p).ok());
                match (dedicated, port) {
                    (Some(true), _) | (_, None) => request.dedicated_ip(true),
                    (_, Some(port)) => request.ports(&PortMappings::new().map(port, 22)),
                }
            }
            _ => request.dedicated_ip(true),
        };
        let created = self.create_instance(request).await?;
        Ok(super::summary(&self.instance(&created.id).await?))
    }
}

/// The SSH public key of a spec, or why the API cannot take its access.
fn ssh_key_only<'a>(
    spec: &'a LaunchSpec,
    operation: &'static str,
) -> Result<Option<&'a str>, Error> {
    match &spec.access {
        Some(Access::SshKey(key)) => Ok(Some(key.expose())),
        Some(Access::Password(_)) => Err(unsupported(
            PROVIDER,
            operation,
            "TensorDock v2 installs an SSH key; it takes no password",
        )),
        None => Ok(None),
        Some(_) => Err(unsupported(
            PROVIDER,
            operation,
            "an access method TensorDock does not know",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_location_offers_only_models_no_hostnode_there_has() {
        let location: types::Location = serde_json::from_value(json!({
            "id": "loc-1", "city": "Chubbuck", "country": "United States",
            "gpus": [
                {"v0Name": "geforcertx4090-pcie-24gb", "max_count": 4, "price_per_hr": 0.4,
                 "resources": {"max_vcpus": 56, "max_ram_gb": 331}},
                {"v0Name": "mystery-gpu-9000", "max_count": 2, "price_per_hr": 1.0},
                {"v0Name": "h100-sxm5-80gb", "max_count": 0, "price_per_hr": 2.0}
            ]
        }))
        .unwrap();
        let covered =
            BTreeSet::from([("loc-1".to_string(), "geforcertx4090-pcie-24gb".to_string())]);
        let offers = location_offers(&location, &covered, &GpuFilter::new());
        let ids: Vec<&str> = offers.iter().map(|o| o.id.as_str()).collect();
        assert_eq!(
            ids,
            ["location/loc-1/mystery-gpu-9000"],
            "none left of the H100"
        );
        assert_eq!(offers[0].gpu.canonical, None, "an unknown model is kept");
        assert_eq!(offers[0].location, "Chubbuck, United States");
        let open = location_offers(&location, &BTreeSet::new(), &GpuFilter::new().count(3));
        assert_eq!(open.len(), 1);
        assert_eq!((open[0].vcpus, open[0].memory_gib), (Some(56), Some(331.0)));
        let amount = open[0].price.as_ref().unwrap().amount;
        assert!((amount - 3.0 * 0.4).abs() < 1e-9, "three GPUs: {amount}");
    }
}
