//! What TensorDock's two APIs share in the GPU offers of the facade
//! (`cloud_common::offers`): prices per GPU with per-resource rates on
//! top, places, and the resources a launch asks for when the spec leaves
//! them out.

use cloud_common::{Billing, GpuOffer, LaunchSpec, Price, PriceIncludes};

/// vCPUs per GPU a launch asks for when the spec sets none.
pub(crate) const DEFAULT_VCPUS_PER_GPU: u32 = 4;
/// GB of RAM per GPU a launch asks for when the spec sets none.
pub(crate) const DEFAULT_RAM_GB_PER_GPU: u32 = 16;
/// GB of storage a launch asks for when the spec sets none (v2's minimum).
pub(crate) const DEFAULT_STORAGE_GB: u32 = 100;

/// The hourly price of `count` GPUs at `per_gpu` USD each, with the
/// hostnode's per-resource rates billed on top.
pub(crate) fn price(per_gpu: Option<f64>, count: u32, rates: [Option<f64>; 3]) -> Option<Price> {
    let [per_vcpu, per_gib_memory, per_gib_storage] = rates;
    let includes = PriceIncludes::GpusOnly {
        per_vcpu,
        per_gib_memory,
        per_gib_storage,
    };
    let amount = per_gpu? * f64::from(count);
    Some(Price::new(amount, Some("USD"), Billing::Hourly, includes))
}

/// `city, state, country`, leaving out what is missing; `fallback` when
/// all are.
pub(crate) fn place(parts: [Option<&str>; 3], fallback: &str) -> String {
    let named: Vec<&str> = parts
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if named.is_empty() {
        fallback.to_string()
    } else {
        named.join(", ")
    }
}

/// A count from the API as a `u32` (negative or absent: 0).
pub(crate) fn count(n: Option<i64>) -> u32 {
    n.and_then(|n| u32::try_from(n).ok()).unwrap_or(0)
}

/// The resources of a launch of `gpus` GPUs: the spec's, else the
/// defaults above.
pub(crate) fn resources(spec: &LaunchSpec, gpus: u32) -> (u32, u32, u32) {
    (
        spec.vcpus.unwrap_or(DEFAULT_VCPUS_PER_GPU * gpus),
        spec.memory_gib.unwrap_or(DEFAULT_RAM_GB_PER_GPU * gpus),
        spec.disk_gib.unwrap_or(DEFAULT_STORAGE_GB),
    )
}

/// Splits an offer id `<prefix>/<a>/<model>` or `<a>/<model>` (a GPU
/// model never holds a `/`).
pub(crate) fn split_id<'a>(
    offer: &'a GpuOffer,
    parts: usize,
    operation: &'static str,
) -> Result<Vec<&'a str>, cloud_common::Error> {
    let split: Vec<&str> = offer.id.splitn(parts, '/').collect();
    if split.len() == parts && split.iter().all(|p| !p.is_empty()) {
        Ok(split)
    } else {
        Err(cloud_common::Error::new(
            cloud_common::ErrorKind::InvalidRequest,
            crate::PROVIDER_NAME,
            operation,
            format!("{:?} is not a TensorDock offer id", offer.id),
        ))
    }
}
