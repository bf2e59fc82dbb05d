//! GPU offers and launches for the facade (`Compute::gpu_offers`,
//! `Compute::launch`) on Neolink.
//!
//! An offer is a GPU SKU of a region (`GET /regions`, then `GET
//! /skus/computings` per region): id `<clusterName>/<skusID>`, its
//! `remainGPUCount` available, a fixed shape (`gpuCounts` GPUs with
//! `cpucores` vCPUs and `memoryCount` GB), and its `price` for the whole
//! instance per billing type (`sellingType`: pay-as-you-go is hourly). The
//! API documents neither the price's unit nor its currency, so the
//! currency is left unset, and a discount `ratio` is named in the price's
//! note, not applied.
//!
//! A launch is `POST /clusters/{cluster}/instances` with the SKU as
//! `Cost.GPUSKUID` and its billing type (one period prepaid when that is
//! not hourly), a data volume of the spec's disk size (50 GB by default)
//! and the spec's image. Neolink sets the root password itself (read it
//! from the instance's `servers.SSH`), so a spec with an SSH key or
//! password is refused, as are vCPUs or memory other than the SKU's.
//! [`ClusterCompute`] offers and launches in its own cluster only, so that
//! what it launches is an instance it can address.

use cloud_common::offers::unsupported;
use cloud_common::{
    Billing, Error, ErrorKind, GpuFilter, GpuModel, GpuOffer, Instance, LaunchSpec, Price,
    PriceIncludes,
};

use crate::{BillingType, ClusterCompute, Neolink, PROVIDER, SkuExt, summary, types};

const LAUNCH: &str = "launch";

/// The data volume a launch asks for when the spec sets no disk, in GB.
pub const DEFAULT_DATA_GB: u32 = 50;

/// The offer of one SKU, whether or not a filter accepts it.
pub fn sku_offer(sku: &types::ComputingSku) -> GpuOffer {
    let cluster = sku.cluster_name.as_deref().unwrap_or(&sku.region_id);
    let location = match &sku.region_name {
        Some(region) => format!("{region} ({cluster})"),
        None => cluster.to_string(),
    };
    let available = sku
        .remain_gpu_count
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(0);
    let id = format!("{cluster}/{}", sku.skus_id);
    let mut o = GpuOffer::new(PROVIDER, id, location, GpuModel::new(&sku.name), available);
    o.fixed_gpu_count = u32::try_from(sku.gpu_counts).ok();
    o.vcpus = sku.cpucores.and_then(|n| u32::try_from(n).ok());
    o.memory_gib = sku.memory_count.map(|gb| gb as f64);
    let billing = match sku.billing_type() {
        Some(BillingType::PayAsYouGo) => Billing::Hourly,
        Some(BillingType::Daily) => Billing::Daily,
        Some(BillingType::Weekly) => Billing::Weekly,
        Some(BillingType::Monthly) => Billing::Monthly,
        None => Billing::Other(sku.selling_type.clone()),
    };
    o.price = sku.price.map(|amount| {
        let price = Price::new(amount, None, billing, PriceIncludes::WholeInstance);
        match sku.ratio {
            Some(r) => price.note(format!("discount ratio {r} not applied")),
            None => price,
        }
    });
    o
}

impl Neolink {
    /// The GPU offers `filter` accepts in every region (or, with
    /// `cluster`, in that cluster's regions): one request for the regions
    /// and one per region for its SKUs. SKUs with no GPU left are left
    /// out.
    #[inline]
    pub async fn gpu_offers_in(
        &self,
        cluster: Option<&str>,
        filter: &GpuFilter,
    ) -> Result<Vec<GpuOffer>, Error> {
        let mut offers = Vec::new();
        for region in self.regions().await? {
            if cluster.is_some_and(|c| c != region.cluster_name) {
                continue;
            }
            for sku in self.skus(&region.id).await? {
                let o = sku_offer(&sku);
                if o.gpus_available > 0 && filter.accepts(&o) {
                    offers.push(o);
                }
            }
        }
        Ok(offers)
    }

    /// Launches `spec` on `offer` in the SKU's cluster (see the [module
    /// docs](self)); returns the instance as created (`Creating`).
    #[inline]
    pub async fn launch(&self, offer: &GpuOffer, spec: &LaunchSpec) -> Result<Instance, Error> {
        let (cluster, sku) = offer
            .id
            .split_once('/')
            .filter(|(c, s)| !c.is_empty() && !s.is_empty())
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidRequest,
                    PROVIDER,
                    LAUNCH,
                    format!("{:?} is not a Neolink offer id", offer.id),
                )
            })?;
        spec.gpu_count_on(offer, LAUNCH)?;
        let refuse = |message: String| Err(unsupported(PROVIDER, LAUNCH, message));
        if spec.access.is_some() {
            return refuse(
                "Neolink sets the root password itself (read it from the instance's \
                 servers.SSH); launch without an SSH key or password"
                    .into(),
            );
        }
        for (what, wanted, has) in [
            ("vCPUs", spec.vcpus, offer.vcpus.map(f64::from)),
            ("GB of memory", spec.memory_gib, offer.memory_gib),
        ] {
            if let Some(wanted) = wanted
                && has != Some(f64::from(wanted))
            {
                return refuse(format!(
                    "SKU {sku} comes with {} {what}, not {wanted}",
                    has.map_or("unknown".into(), |h| h.to_string())
                ));
            }
        }
        let (cost_type, cost_time) = match offer.price.as_ref().map(|p| &p.billing) {
            Some(Billing::Daily) => (BillingType::Daily, Some("1D")),
            Some(Billing::Weekly) => (BillingType::Weekly, Some("1W")),
            Some(Billing::Monthly) => (BillingType::Monthly, Some("1M")),
            _ => (BillingType::PayAsYouGo, None),
        };
        let mut cost = types::CreateCost::builder()
            .cost_type(cost_type)
            .disk_skuid("1")
            .gpuskuid(sku);
        if let Some(time) = cost_time {
            cost = cost.cost_time(time);
        }
        let volume = types::VolumeMountRequest {
            path_in_container: Some("/root/data".into()),
            size: Some(i64::from(spec.disk_gib.unwrap_or(DEFAULT_DATA_GB))),
            type_: Some("shared-filesystem".into()),
        };
        let region = offer.location.split(" (").next().unwrap_or_default();
        let mut body = types::CreateInstanceRequest::builder()
            .cost(cost)
            .volume_mount(vec![volume])
            .display_name(spec.name.clone())
            .image(spec.image.clone())
            .region(region.to_string());
        let Some(namespace) = self.namespace() else {
            return Err(Error::new(
                ErrorKind::InvalidRequest,
                PROVIDER,
                LAUNCH,
                "a create needs the user id as its namespace: build the client with_namespace",
            ));
        };
        body = body.namespace(namespace.to_string());
        Ok(summary(&self.create_instance(cluster, body).await?))
    }
}

impl ClusterCompute {
    /// The GPU offers `filter` accepts in this view's cluster.
    #[inline]
    pub async fn gpu_offers(&self, filter: &GpuFilter) -> Result<Vec<GpuOffer>, Error> {
        self.client()
            .gpu_offers_in(Some(self.cluster()), filter)
            .await
    }

    /// Launches `spec` on `offer`, which must be in this view's cluster.
    #[inline]
    pub async fn launch(&self, offer: &GpuOffer, spec: &LaunchSpec) -> Result<Instance, Error> {
        if offer.id.split_once('/').map(|(c, _)| c) != Some(self.cluster()) {
            return Err(unsupported(
                PROVIDER,
                LAUNCH,
                format!(
                    "offer {} is not in cluster {}; use a view of its cluster",
                    offer.id,
                    self.cluster()
                ),
            ));
        }
        self.client().launch(offer, spec).await
    }
}
