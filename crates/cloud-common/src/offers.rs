//! GPU offers and launching an instance on one, the same way on every
//! cloud: [`GpuOffer`], [`GpuFilter`], [`LaunchSpec`], the canonical GPU
//! names ([`canonical_gpu`]) and [`gpu_offers_everywhere`].
//!
//! Every provider implements [`Compute::gpu_offers`] and
//! [`Compute::launch`]: TensorDock v2 from its hostnodes (and locations),
//! v0 from its hostnode list, Neolink from the SKUs of every region,
//! CloudTower from the free GPU devices of its hosts (on premises: no
//! price).

use std::fmt;

use crate::compute::{Compute, Instance};
use crate::error::{Error, ErrorKind};
use crate::secret::Secret;

/// How a provider bills an offer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Billing {
    /// By the hour, as used (TensorDock; Neolink's pay-as-you-go).
    Hourly,
    /// Prepaid by the day.
    Daily,
    /// Prepaid by the week.
    Weekly,
    /// Prepaid by the month.
    Monthly,
    /// A billing type the facade does not know, verbatim.
    Other(String),
}

impl fmt::Display for Billing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Hourly => f.write_str("hourly"),
            Self::Daily => f.write_str("daily"),
            Self::Weekly => f.write_str("weekly"),
            Self::Monthly => f.write_str("monthly"),
            Self::Other(raw) => write!(f, "other ({raw})"),
        }
    }
}

/// What an offer's [`Price`] pays for.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum PriceIncludes {
    /// The GPUs only: vCPUs, memory and storage are billed on top, at these
    /// rates per hour (per vCPU, per GiB) where the provider gives them.
    GpusOnly {
        /// Per vCPU-hour.
        per_vcpu: Option<f64>,
        /// Per GiB of memory per hour.
        per_gib_memory: Option<f64>,
        /// Per GiB of storage per hour.
        per_gib_storage: Option<f64>,
    },
    /// The whole instance the offer describes: its GPUs, vCPUs, memory and
    /// disks (a Neolink SKU).
    WholeInstance,
}

/// The price of an offer, for the GPU count asked for
/// ([`GpuFilter::count`], else one GPU or the offer's fixed count).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Price {
    /// The amount per billing period.
    pub amount: f64,
    /// ISO 4217 code (`USD`), or `None` where the provider does not
    /// document its currency (Neolink).
    pub currency: Option<String>,
    /// How it is billed; [`Price::hourly`] is the amount only when hourly.
    pub billing: Billing,
    /// What the amount pays for.
    pub includes: PriceIncludes,
    /// What else a buyer should know, e.g. a discount the amount leaves out.
    pub note: Option<String>,
}

impl Price {
    /// `amount` per billing period, with no note.
    pub fn new(
        amount: f64,
        currency: Option<&str>,
        billing: Billing,
        includes: PriceIncludes,
    ) -> Self {
        Self {
            amount,
            currency: currency.map(str::to_string),
            billing,
            includes,
            note: None,
        }
    }

    /// With a note.
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }

    /// The amount per hour, when the offer is billed by the hour.
    pub fn hourly(&self) -> Option<f64> {
        (self.billing == Billing::Hourly).then_some(self.amount)
    }
}

/// A GPU model: the provider's own name and, when the facade knows the
/// model, its canonical name (see [`canonical_gpu`]). An unknown name is
/// kept, with no canonical name, never dropped.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GpuModel {
    /// The canonical name, e.g. `RTX4090`, `H100`, `A100-80GB`.
    pub canonical: Option<&'static str>,
    /// The provider's name, verbatim, e.g. `geforcertx4090-pcie-24gb`.
    pub raw: String,
}

impl GpuModel {
    /// The model a provider names `raw`.
    pub fn new(raw: impl Into<String>) -> Self {
        let raw = raw.into();
        Self {
            canonical: canonical_gpu(&raw),
            raw,
        }
    }

    /// The canonical name, else the provider's.
    pub fn name(&self) -> &str {
        self.canonical.unwrap_or(&self.raw)
    }

    /// Whether `wanted` (a canonical or provider name, any case, e.g.
    /// `4090`, `rtx 4090`, `A100`) names this model. `A100` matches
    /// `A100-80GB` too; a name the facade does not know matches a provider
    /// name containing it (ignoring case and punctuation).
    ///
    /// ```
    /// use cloud_common::GpuModel;
    /// let gpu = GpuModel::new("geforcertx4090-pcie-24gb");
    /// assert!(gpu.matches("RTX 4090") && gpu.matches("4090"));
    /// assert!(!gpu.matches("H100"));
    /// assert!(GpuModel::new("a100-pcie-80gb").matches("a100"));
    /// assert!(GpuModel::new("Moore Threads MTT S4000").matches("mtt s4000"));
    /// ```
    pub fn matches(&self, wanted: &str) -> bool {
        match (canonical_gpu(wanted), self.canonical) {
            (Some(w), Some(c)) => {
                c.eq_ignore_ascii_case(w)
                    || c.strip_prefix(w).is_some_and(|rest| rest.starts_with('-'))
            }
            _ => {
                let w = compact(wanted);
                !w.is_empty() && compact(&self.raw).contains(&w)
            }
        }
    }
}

/// Lower case, letters and digits only.
fn compact(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Model codes and their canonical names, most specific first: a code
/// matches where it is not followed by another digit (so `a100` is not
/// `a1000`, nor `h20` `h200`).
const MODELS: &[(&str, &str)] = &[
    ("gh200", "GH200"),
    ("h200", "H200"),
    ("h100", "H100"),
    ("h800", "H800"),
    ("h20", "H20"),
    ("b200", "B200"),
    ("a800", "A800"),
    ("a100", "A100"),
    ("a10g", "A10G"),
    ("a10", "A10"),
    ("a16", "A16"),
    ("a30", "A30"),
    ("a40", "A40"),
    ("l40s", "L40S"),
    ("l40", "L40"),
    ("l4", "L4"),
    ("t4", "T4"),
    ("v100", "V100"),
    ("p100", "P100"),
    ("6000ada", "RTX6000-Ada"),
    ("a6000", "RTXA6000"),
    ("a5000", "RTXA5000"),
    ("a4000", "RTXA4000"),
    ("5090", "RTX5090"),
    ("4090", "RTX4090"),
    ("4080", "RTX4080"),
    ("4070", "RTX4070"),
    ("3090", "RTX3090"),
    ("3080", "RTX3080"),
    ("3070", "RTX3070"),
    ("3060", "RTX3060"),
    ("2080", "RTX2080"),
    ("1080", "GTX1080"),
];

/// The canonical name of a GPU model as any provider (or a user) spells
/// it, or `None` for a model the facade does not know. Case, spaces and
/// punctuation do not matter; an A100 with 80 GB is `A100-80GB`.
///
/// ```
/// use cloud_common::canonical_gpu;
/// assert_eq!(canonical_gpu("geforcertx4090-pcie-24gb"), Some("RTX4090"));
/// assert_eq!(canonical_gpu("4090"), Some("RTX4090"));
/// assert_eq!(canonical_gpu("NVIDIA H100 80GB HBM3"), Some("H100"));
/// assert_eq!(canonical_gpu("a100-pcie-80gb"), Some("A100-80GB"));
/// assert_eq!(canonical_gpu("H20"), Some("H20"));
/// assert_eq!(canonical_gpu("rtxa4000-pcie-16gb"), Some("RTXA4000"));
/// assert_eq!(canonical_gpu("Moore Threads MTT S4000"), None);
/// ```
pub fn canonical_gpu(raw: &str) -> Option<&'static str> {
    // Codes are looked for with the separators kept (`a100 80gb`: `a100`
    // ends at the blank) and dropped (`rtx 6000 ada` holds `6000ada`).
    let spaced: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                ' '
            }
        })
        .collect();
    let key = compact(raw);
    let ends_there = |text: &str, code: &str| {
        text.match_indices(code).any(|(at, _)| {
            !text[at + code.len()..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_digit())
        })
    };
    let found = MODELS
        .iter()
        .find(|(code, _)| ends_there(&spaced, code) || ends_there(&key, code))?;
    match found.1 {
        "A100" if key.contains("80g") => Some("A100-80GB"),
        name => Some(name),
    }
}

/// Where GPUs can be had now, and at what price: one provider's offer of
/// one GPU model at one place (a TensorDock hostnode or location, a
/// Neolink SKU in a region, the free GPUs of one model on a CloudTower
/// host).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct GpuOffer {
    /// The provider, as [`Compute::provider`] names it.
    pub provider: &'static str,
    /// The id [`Compute::launch`] takes the offer by; opaque.
    pub id: String,
    /// Where, for people: a city and country, a region, a host.
    pub location: String,
    /// The GPU model.
    pub gpu: GpuModel,
    /// GPUs of this model available now.
    pub gpus_available: u32,
    /// The GPU count every instance of this offer has, when it is fixed
    /// (a Neolink SKU); `None` when an instance takes any count up to
    /// [`GpuOffer::gpus_available`].
    pub fixed_gpu_count: Option<u32>,
    /// vCPUs available with the GPUs (free on the host, or the SKU's).
    pub vcpus: Option<u32>,
    /// Memory in GiB available with the GPUs.
    pub memory_gib: Option<f64>,
    /// The price, where the provider has one (on-premises CloudTower has
    /// none).
    pub price: Option<Price>,
}

impl GpuOffer {
    /// A new offer of `available` GPUs of `gpu` (no resources, no price).
    pub fn new(
        provider: &'static str,
        id: impl Into<String>,
        location: impl Into<String>,
        gpu: GpuModel,
        available: u32,
    ) -> Self {
        Self {
            provider,
            id: id.into(),
            location: location.into(),
            gpu,
            gpus_available: available,
            fixed_gpu_count: None,
            vcpus: None,
            memory_gib: None,
            price: None,
        }
    }
}

/// Which offers to return. Every field left `None` matches everything.
///
/// ```
/// use cloud_common::GpuFilter;
/// let filter = GpuFilter::new().model("H100").count(8).max_price(30.0);
/// assert_eq!(filter.count, Some(8));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct GpuFilter {
    /// A GPU model (see [`GpuModel::matches`]).
    pub model: Option<String>,
    /// At least this many GPUs in one instance: available, and, for a
    /// fixed-shape offer, exactly its count. Prices are for this count.
    pub count: Option<u32>,
    /// At most this amount per hour, in the offer's currency. An offer
    /// with no price (on premises) passes; one billed other than hourly
    /// does not.
    pub max_price: Option<f64>,
    /// A text the offer's location contains (any case), e.g. `Idaho`.
    pub location: Option<String>,
}

impl GpuFilter {
    /// A filter that matches every offer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only this GPU model.
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.model = Some(model.into());
        self
    }

    /// At least `count` GPUs in one instance.
    pub fn count(mut self, count: u32) -> Self {
        self.count = Some(count);
        self
    }

    /// At most `price` per hour.
    pub fn max_price(mut self, price: f64) -> Self {
        self.max_price = Some(price);
        self
    }

    /// Only locations containing `text`.
    pub fn location(mut self, text: impl Into<String>) -> Self {
        self.location = Some(text.into());
        self
    }

    /// The GPU count prices are quoted for: [`GpuFilter::count`], else 1.
    pub fn quoted_count(&self) -> u32 {
        self.count.unwrap_or(1).max(1)
    }

    /// Whether `offer` passes the filter. Providers apply it to what they
    /// list; it is public so that callers can filter again.
    pub fn accepts(&self, offer: &GpuOffer) -> bool {
        if let Some(model) = &self.model
            && !offer.gpu.matches(model)
        {
            return false;
        }
        if let Some(count) = self.count {
            let shape_fits = offer.fixed_gpu_count.is_none_or(|fixed| fixed == count);
            if offer.gpus_available < count || !shape_fits {
                return false;
            }
        }
        if let (Some(max), Some(price)) = (self.max_price, &offer.price)
            && price.hourly().is_none_or(|hourly| hourly > max)
        {
            return false;
        }
        if let Some(text) = &self.location
            && !offer.location.to_lowercase().contains(&text.to_lowercase())
        {
            return false;
        }
        true
    }
}

/// How a launched instance is reached: an SSH public key or a password,
/// both [`Secret`]s so that neither prints.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Access {
    /// An SSH public key (`ssh-ed25519 AAAA… me@laptop`) to install.
    SshKey(Secret),
    /// A password for the default user.
    Password(Secret),
}

/// What to launch on an offer. Resources left `None` get the provider's
/// defaults (see each provider's `launch`); whatever a provider cannot
/// honour is an [`ErrorKind::Unsupported`] error before anything is
/// created.
///
/// ```
/// use cloud_common::{Access, LaunchSpec};
/// let spec = LaunchSpec::new("trainer", "ubuntu2404")
///     .access(Access::SshKey("ssh-ed25519 AAAA me@laptop".into()))
///     .gpus(2)
///     .vcpus(16)
///     .memory_gib(64)
///     .disk_gib(200);
/// assert!(!format!("{spec:?}").contains("AAAA"));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct LaunchSpec {
    /// The instance name.
    pub name: String,
    /// The OS image (TensorDock v2 `ubuntu2404`, v0 `Ubuntu 22.04 LTS`, a
    /// Neolink image reference) or, on CloudTower, the name of a VM
    /// template or content-library template.
    pub image: String,
    /// How to log in, if set.
    pub access: Option<Access>,
    /// GPUs; `None` is the offer's fixed count, else 1.
    pub gpus: Option<u32>,
    /// vCPUs.
    pub vcpus: Option<u32>,
    /// Memory in GiB.
    pub memory_gib: Option<u32>,
    /// Disk in GiB.
    pub disk_gib: Option<u32>,
}

impl LaunchSpec {
    /// Instance `name` from `image` (or template), everything else the
    /// provider's default.
    pub fn new(name: impl Into<String>, image: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            image: image.into(),
            access: None,
            gpus: None,
            vcpus: None,
            memory_gib: None,
            disk_gib: None,
        }
    }

    /// How to log in.
    pub fn access(mut self, access: Access) -> Self {
        self.access = Some(access);
        self
    }

    /// The GPU count.
    pub fn gpus(mut self, gpus: u32) -> Self {
        self.gpus = Some(gpus);
        self
    }

    /// vCPUs.
    pub fn vcpus(mut self, vcpus: u32) -> Self {
        self.vcpus = Some(vcpus);
        self
    }

    /// Memory in GiB.
    pub fn memory_gib(mut self, gib: u32) -> Self {
        self.memory_gib = Some(gib);
        self
    }

    /// Disk in GiB.
    pub fn disk_gib(mut self, gib: u32) -> Self {
        self.disk_gib = Some(gib);
        self
    }

    /// The GPU count to launch on `offer`, checked against it: the spec's
    /// count, else the offer's fixed count, else 1. Zero, more than are
    /// available, or a count other than a fixed one is an
    /// [`ErrorKind::Unsupported`] error.
    pub fn gpu_count_on(&self, offer: &GpuOffer, operation: &'static str) -> Result<u32, Error> {
        let count = self.gpus.or(offer.fixed_gpu_count).unwrap_or(1);
        let refuse = |message: String| Err(unsupported(offer.provider, operation, message));
        if count == 0 {
            return refuse("a launch needs at least one GPU".into());
        }
        if let Some(fixed) = offer.fixed_gpu_count
            && fixed != count
        {
            return refuse(format!(
                "offer {} comes with exactly {fixed} GPU(s), not {count}",
                offer.id
            ));
        }
        if count > offer.gpus_available {
            return refuse(format!(
                "offer {} has {} GPU(s) available, not {count}",
                offer.id, offer.gpus_available
            ));
        }
        Ok(count)
    }
}

/// An [`ErrorKind::Unsupported`] error: what `provider` cannot do.
pub fn unsupported(
    provider: &'static str,
    operation: &'static str,
    message: impl Into<String>,
) -> Error {
    Error::new(ErrorKind::Unsupported, provider, operation, message)
}

/// One provider's answer to [`gpu_offers_everywhere`].
#[derive(Debug)]
pub struct ProviderOffers {
    /// The provider, as [`Compute::provider`] names it.
    pub provider: &'static str,
    /// Its offers, or why it could not list them.
    pub offers: Result<Vec<GpuOffer>, Error>,
}

/// Asks every provider for its offers at once. A provider that fails
/// yields its error beside the others' offers; nothing is dropped.
///
/// ```no_run
/// # async fn demo(clouds: Vec<Box<dyn cloud_common::Compute>>) {
/// use cloud_common::{GpuFilter, gpu_offers_everywhere};
/// for answer in gpu_offers_everywhere(&clouds, &GpuFilter::new().model("4090")).await {
///     match answer.offers {
///         Ok(offers) => offers.iter().for_each(|o| println!("{} {} {}", o.provider, o.id, o.gpu.name())),
///         Err(e) => eprintln!("{}: {e}", answer.provider),
///     }
/// }
/// # }
/// ```
pub async fn gpu_offers_everywhere(
    clouds: &[Box<dyn Compute>],
    filter: &GpuFilter,
) -> Vec<ProviderOffers> {
    let asks = clouds.iter().map(|c| async move {
        ProviderOffers {
            provider: c.provider(),
            offers: c.gpu_offers(filter).await,
        }
    });
    futures::future::join_all(asks).await
}

/// The instance a launch made, read back through [`Compute::get_instance`]
/// when it can be, else the summary the create call answered with.
pub async fn launched(compute: &dyn Compute, created: Instance) -> Instance {
    compute.get_instance(&created.id).await.unwrap_or(created)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer(raw: &str, available: u32, price: Option<f64>) -> GpuOffer {
        let mut o = GpuOffer::new("p", "id", "Chubbuck, Idaho", GpuModel::new(raw), available);
        o.price = price.map(|amount| Price {
            amount,
            currency: Some("USD".into()),
            billing: Billing::Hourly,
            includes: PriceIncludes::WholeInstance,
            note: None,
        });
        o
    }

    #[test]
    fn canonical_names_ignore_spelling_and_keep_unknown_models() {
        for (raw, want) in [
            ("geforcertx4090-pcie-24gb", Some("RTX4090")),
            ("NVIDIA GeForce RTX 4090 PCIe 24GB", Some("RTX4090")),
            ("teslav100-pcie-16gb", Some("V100")),
            ("h100-sxm5-80gb", Some("H100")),
            ("NVIDIA H200", Some("H200")),
            ("GH200", Some("GH200")),
            ("a100-pcie-40gb", Some("A100")),
            ("NVIDIA A100 80GB PCIe", Some("A100-80GB")),
            ("NVIDIA RTX A1000", None),
            ("TU104GL [Tesla T4]", Some("T4")),
            ("L40S", Some("L40S")),
            ("l40", Some("L40")),
            ("example-model", None),
            ("", None),
        ] {
            assert_eq!(canonical_gpu(raw), want, "{raw}");
        }
    }

    #[test]
    fn the_filter_checks_model_count_price_and_location() {
        let o = offer("geforcertx4090-pcie-24gb", 4, Some(0.4));
        assert!(GpuFilter::new().accepts(&o));
        assert!(GpuFilter::new().model("4090").count(4).accepts(&o));
        assert!(!GpuFilter::new().count(5).accepts(&o));
        assert!(!GpuFilter::new().model("h100").accepts(&o));
        assert!(GpuFilter::new().max_price(0.4).accepts(&o));
        assert!(!GpuFilter::new().max_price(0.39).accepts(&o));
        assert!(GpuFilter::new().location("idaho").accepts(&o));
        assert!(!GpuFilter::new().location("Texas").accepts(&o));
        let free = offer("T4", 1, None);
        assert!(
            GpuFilter::new().max_price(0.0).accepts(&free),
            "no price passes"
        );
        let mut monthly = offer("H20", 8, Some(10.0));
        monthly.price.as_mut().unwrap().billing = Billing::Monthly;
        assert!(!GpuFilter::new().max_price(100.0).accepts(&monthly));
        monthly.fixed_gpu_count = Some(1);
        assert!(GpuFilter::new().count(1).accepts(&monthly));
        assert!(!GpuFilter::new().count(2).accepts(&monthly));
    }

    #[test]
    fn a_launch_count_is_checked_against_the_offer() {
        let mut o = offer("H20", 8, None);
        let spec = LaunchSpec::new("n", "img");
        assert_eq!(spec.gpu_count_on(&o, "launch").unwrap(), 1);
        assert_eq!(spec.clone().gpus(8).gpu_count_on(&o, "launch").unwrap(), 8);
        let e = spec.clone().gpus(9).gpu_count_on(&o, "launch").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unsupported);
        o.fixed_gpu_count = Some(2);
        assert_eq!(spec.gpu_count_on(&o, "launch").unwrap(), 2);
        let e = spec.clone().gpus(1).gpu_count_on(&o, "launch").unwrap_err();
        assert!(e.message().contains("exactly 2"), "{}", e.message());
        assert!(spec.gpus(0).gpu_count_on(&o, "launch").is_err());
    }

    #[test]
    fn secrets_in_a_launch_spec_never_print() {
        let spec = LaunchSpec::new("n", "img").access(Access::Password("hunter22".into()));
        assert!(!format!("{spec:?}").contains("hunter22"));
    }
}
