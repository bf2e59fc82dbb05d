//! Typed helpers over the generated types: billing types, instance
//! statuses, SKU choice, SSH access and timestamps.

use std::fmt;

use chrono::{DateTime, Utc};
use cloud_common::Secret;

use crate::types;

/// How an instance is billed: the API's `CostType` / `sellingType` codes
/// `"1"`–`"4"`.
///
/// Converts into the generated [`types::CreateCostCostType`], so it can be
/// passed straight to the request builder:
///
/// ```
/// use neolink_api::{BillingType, types};
/// let cost = types::CreateCost::builder()
///     .cost_type(BillingType::PayAsYouGo)
///     .disk_skuid("1")
///     .gpuskuid("66");
/// let cost = types::CreateCost::try_from(cost).unwrap();
/// assert_eq!(serde_json::to_value(&cost).unwrap()["CostType"], "1");
/// assert_eq!(BillingType::from_code("2"), Some(BillingType::Monthly));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BillingType {
    /// `"1"`: pay as you go (按量). The only type compute coupons apply to.
    PayAsYouGo,
    /// `"2"`: monthly (包月).
    Monthly,
    /// `"3"`: weekly (包周).
    Weekly,
    /// `"4"`: daily (包日).
    Daily,
}

impl BillingType {
    /// The code the API sends and expects (`"1"`–`"4"`).
    pub fn code(self) -> &'static str {
        match self {
            Self::PayAsYouGo => "1",
            Self::Monthly => "2",
            Self::Weekly => "3",
            Self::Daily => "4",
        }
    }

    /// Parses a code (`"1"`–`"4"`, surrounding blanks ignored); `None` for
    /// anything else, including the empty string.
    pub fn from_code(code: &str) -> Option<Self> {
        match code.trim() {
            "1" => Some(Self::PayAsYouGo),
            "2" => Some(Self::Monthly),
            "3" => Some(Self::Weekly),
            "4" => Some(Self::Daily),
            _ => None,
        }
    }
}

impl fmt::Display for BillingType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::PayAsYouGo => "pay-as-you-go",
            Self::Monthly => "monthly",
            Self::Weekly => "weekly",
            Self::Daily => "daily",
        })
    }
}

impl From<BillingType> for types::CreateCostCostType {
    fn from(value: BillingType) -> Self {
        match value {
            BillingType::PayAsYouGo => Self::X1,
            BillingType::Monthly => Self::X2,
            BillingType::Weekly => Self::X3,
            BillingType::Daily => Self::X4,
        }
    }
}

impl From<types::CreateCostCostType> for BillingType {
    fn from(value: types::CreateCostCostType) -> Self {
        match value {
            types::CreateCostCostType::X1 => Self::PayAsYouGo,
            types::CreateCostCostType::X2 => Self::Monthly,
            types::CreateCostCostType::X3 => Self::Weekly,
            types::CreateCostCostType::X4 => Self::Daily,
        }
    }
}

/// An instance's lifecycle state. Only `Creating` and `Running` are
/// documented; any other value is kept verbatim in
/// [`InstanceStatus::Other`]. Comparison ignores ASCII case, so
/// `Other("running")` equals `Running`.
///
/// ```
/// use neolink_api::InstanceStatus;
/// assert_eq!(InstanceStatus::parse("RUNNING"), InstanceStatus::Running);
/// assert_eq!(InstanceStatus::Other("shutdown".into()), InstanceStatus::parse("ShutDown"));
/// ```
#[derive(Debug, Clone, Eq)]
#[non_exhaustive]
pub enum InstanceStatus {
    /// Being created (the create reply's status).
    Creating,
    /// Running.
    Running,
    /// Any other value, verbatim (the console's starting, shutting-down,
    /// shut-down and deleting states have undocumented API spellings).
    Other(String),
    /// The instance had no `status`.
    Missing,
}

impl InstanceStatus {
    /// Parses a status, normalised by [`cloud_common::status_key`] (case,
    /// `_`, `-` and spaces do not matter).
    pub fn parse(status: &str) -> Self {
        match cloud_common::status_key(status).as_str() {
            "creating" => Self::Creating,
            "running" => Self::Running,
            _ => Self::Other(status.to_string()),
        }
    }

    fn text(&self) -> Option<&str> {
        match self {
            Self::Creating => Some("Creating"),
            Self::Running => Some("Running"),
            Self::Other(s) => Some(s),
            Self::Missing => None,
        }
    }
}

impl PartialEq for InstanceStatus {
    fn eq(&self, other: &Self) -> bool {
        match (self.text(), other.text()) {
            (Some(a), Some(b)) => cloud_common::status_key(a) == cloud_common::status_key(b),
            (a, b) => a.is_none() && b.is_none(),
        }
    }
}

impl From<&str> for InstanceStatus {
    fn from(status: &str) -> Self {
        Self::parse(status)
    }
}

impl fmt::Display for InstanceStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text().unwrap_or("(no status)"))
    }
}

/// Where to reach an instance over SSH. The API sends only a command line
/// (`ssh -p30099 root@<uid>.gws.neolink-ai.com`); the port exists nowhere
/// else.
///
/// ```
/// use neolink_api::SshEndpoint;
/// let ssh = SshEndpoint::parse("ssh -p30099 root@abc.gws.neolink-ai.com").unwrap();
/// assert_eq!((ssh.user.as_deref(), ssh.host.as_str(), ssh.port), (Some("root"), "abc.gws.neolink-ai.com", 30099));
/// assert_eq!(ssh.to_string(), "root@abc.gws.neolink-ai.com:30099");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SshEndpoint {
    /// The login user, if the command names one.
    pub user: Option<String>,
    /// The host name.
    pub host: String,
    /// The port (`-p`, default 22).
    pub port: u16,
}

impl SshEndpoint {
    /// Reads `[ssh] [-p PORT | -pPORT] [user@]host`. `None` if there is no
    /// host or the port is not a number. Other options are skipped and
    /// assumed to take no argument.
    pub fn parse(command: &str) -> Option<Self> {
        let mut words = command.split_whitespace().peekable();
        words.next_if_eq(&"ssh");
        let (mut port, mut target) = (22, None);
        while let Some(word) = words.next() {
            if let Some(p) = word.strip_prefix("-p") {
                let p = if p.is_empty() { words.next()? } else { p };
                port = p.parse().ok()?;
            } else if !word.starts_with('-') && target.is_none() {
                target = Some(word);
            }
        }
        let (user, host) = match target?.rsplit_once('@') {
            Some((user, host)) => (Some(user.to_string()), host),
            None => (None, target?),
        };
        (!host.is_empty()).then(|| Self {
            user,
            host: host.to_string(),
            port,
        })
    }
}

impl fmt::Display for SshEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(user) = &self.user {
            write!(f, "{user}@")?;
        }
        write!(f, "{}:{}", self.host, self.port)
    }
}

/// The service writes an unset time as Go's zero time,
/// `0001-01-01T00:00:00Z`; this returns `None` for it.
///
/// ```
/// use neolink_api::{DateTime, non_zero_time};
/// let zero = "0001-01-01T00:00:00Z".parse::<DateTime<neolink_api::Utc>>().ok();
/// assert_eq!(non_zero_time(zero), None);
/// let set = "2024-09-02T18:34:33+08:00".parse::<DateTime<neolink_api::Utc>>().ok();
/// assert_eq!(non_zero_time(set), set);
/// ```
pub fn non_zero_time(time: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    /// `0001-01-01T00:00:00Z` as seconds since the Unix epoch.
    const GO_ZERO_TIME: i64 = -62_135_596_800;
    time.filter(|t| t.timestamp() != GO_ZERO_TIME)
}

/// Picks the SKU to create an instance with: among the SKUs of GPU model
/// `gpu` (matched against `name`, ignoring ASCII case) sold as `billing`,
/// those with `remainGPUCount > 0`, the one with the lowest `price` (the
/// first listed on a tie; SKUs without a price come last).
///
/// The billing type is part of the choice because each SKU is sold under
/// one `sellingType`, and an hourly price cannot be compared with a monthly
/// one.
///
/// ```
/// use neolink_api::{BillingType, cheapest_sku, types::ComputingSku};
/// let sku = |id: &str, price: f64, left: i64| -> ComputingSku {
///     serde_json::from_value(serde_json::json!({"name": "H20", "regionID": "r", "skusID": id,
///         "gpuCounts": 1, "sellingType": "1", "price": price, "remainGPUCount": left})).unwrap()
/// };
/// let skus = [sku("1", 8.0, 0), sku("2", 10.0, 8), sku("3", 9.0, 2)];
/// let chosen = cheapest_sku(&skus, "h20", BillingType::PayAsYouGo).unwrap();
/// assert_eq!(chosen.skus_id, "3");
/// assert!(cheapest_sku(&skus, "H20", BillingType::Monthly).is_none());
/// ```
pub fn cheapest_sku<'a>(
    skus: &'a [types::ComputingSku],
    gpu: &str,
    billing: BillingType,
) -> Option<&'a types::ComputingSku> {
    skus.iter()
        .filter(|s| s.name.trim().eq_ignore_ascii_case(gpu.trim()))
        .filter(|s| s.billing_type() == Some(billing))
        .filter(|s| s.remain_gpu_count.is_some_and(|n| n > 0))
        .min_by(|a, b| {
            let price = |s: &types::ComputingSku| s.price.unwrap_or(f64::INFINITY);
            price(a).total_cmp(&price(b))
        })
}

/// Typed views of a [`types::ComputingSku`].
pub trait SkuExt {
    /// The billing type (`sellingType`), if it is a known code.
    fn billing_type(&self) -> Option<BillingType>;
}

impl SkuExt for types::ComputingSku {
    fn billing_type(&self) -> Option<BillingType> {
        BillingType::from_code(&self.selling_type)
    }
}

/// Typed views of a [`types::Instance`].
pub trait InstanceExt {
    /// The typed status.
    fn state(&self) -> InstanceStatus;
    /// The billing type (`cost.CostType`), if it is a known code.
    fn billing_type(&self) -> Option<BillingType>;
    /// `creationTimestamp`, `None` when absent or unset.
    fn created_at(&self) -> Option<DateTime<Utc>>;
    /// `updateTimestamp`, `None` when absent or unset (`0001-01-01T00:00:00Z`).
    fn updated_at(&self) -> Option<DateTime<Utc>>;
    /// `ScheduleStopTimestamp`, `None` when absent or unset.
    fn scheduled_stop_at(&self) -> Option<DateTime<Utc>>;
    /// The SSH command line (`servers.SSH.sshAddr`), e.g.
    /// `ssh -p30099 root@<uid>.gws.neolink-ai.com`. Absent until the
    /// instance runs.
    fn ssh_command(&self) -> Option<&str>;
    /// The SSH host, port and user, read from [`InstanceExt::ssh_command`].
    fn ssh_endpoint(&self) -> Option<SshEndpoint>;
    /// The root password (`servers.SSH.sshPassword`), redacted in `Debug`.
    fn ssh_password(&self) -> Option<&Secret>;
}

impl InstanceExt for types::Instance {
    fn state(&self) -> InstanceStatus {
        self.status
            .as_deref()
            .map_or(InstanceStatus::Missing, InstanceStatus::parse)
    }

    fn billing_type(&self) -> Option<BillingType> {
        BillingType::from_code(self.cost.as_ref()?.cost_type.as_deref()?)
    }

    fn created_at(&self) -> Option<DateTime<Utc>> {
        non_zero_time(self.creation_timestamp)
    }

    fn updated_at(&self) -> Option<DateTime<Utc>> {
        non_zero_time(self.update_timestamp)
    }

    fn scheduled_stop_at(&self) -> Option<DateTime<Utc>> {
        non_zero_time(self.schedule_stop_timestamp)
    }

    fn ssh_command(&self) -> Option<&str> {
        self.servers.as_ref()?.ssh.as_ref()?.ssh_addr.as_deref()
    }

    fn ssh_endpoint(&self) -> Option<SshEndpoint> {
        SshEndpoint::parse(self.ssh_command()?)
    }

    fn ssh_password(&self) -> Option<&Secret> {
        self.servers.as_ref()?.ssh.as_ref()?.ssh_password.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn billing_codes_round_trip() {
        for b in [
            BillingType::PayAsYouGo,
            BillingType::Monthly,
            BillingType::Weekly,
            BillingType::Daily,
        ] {
            assert_eq!(BillingType::from_code(b.code()), Some(b));
            let generated = types::CreateCostCostType::from(b);
            assert_eq!(generated.to_string(), b.code());
            assert_eq!(BillingType::from(generated), b);
        }
        assert_eq!(BillingType::from_code(""), None);
        assert_eq!(BillingType::from_code("5"), None);
    }

    #[test]
    fn statuses_compare_ignoring_case() {
        assert_eq!(InstanceStatus::parse("Creating"), InstanceStatus::Creating);
        assert_eq!(InstanceStatus::parse("running"), InstanceStatus::Running);
        assert_eq!(
            InstanceStatus::Other("RUNNING".into()),
            InstanceStatus::Running
        );
        assert_ne!(
            InstanceStatus::Missing,
            InstanceStatus::Other(String::new())
        );
        assert_eq!(InstanceStatus::Missing, InstanceStatus::Missing);
        assert_eq!(InstanceStatus::parse("Stopped").to_string(), "Stopped");
    }

    #[test]
    fn ssh_commands_parse() {
        let e = SshEndpoint::parse("ssh -p 2222 host.example").unwrap();
        assert_eq!(
            (e.user, e.host.as_str(), e.port),
            (None, "host.example", 2222)
        );
        let e = SshEndpoint::parse("root@h").unwrap();
        assert_eq!((e.user.as_deref(), e.port), (Some("root"), 22));
        assert_eq!(SshEndpoint::parse("ssh -pxyz root@h"), None);
        assert_eq!(SshEndpoint::parse("ssh -p22"), None);
        assert_eq!(SshEndpoint::parse("ssh root@"), None);
    }

    #[test]
    fn the_go_zero_time_is_unset() {
        let t = |s: &str| s.parse::<DateTime<Utc>>().ok();
        assert_eq!(non_zero_time(t("0001-01-01T00:00:00Z")), None);
        assert_eq!(non_zero_time(None), None);
        assert!(non_zero_time(t("0001-01-01T00:00:01Z")).is_some());
    }

    #[test]
    fn sku_choice_skips_empty_and_unpriced_and_other_gpus() {
        let sku = |id: &str, name: &str, price: Option<f64>, left: Option<i64>| {
            let mut v = serde_json::json!({"name": name, "regionID": "r", "skusID": id,
                "gpuCounts": 1, "sellingType": "1"});
            if let Some(p) = price {
                v["price"] = p.into();
            }
            if let Some(n) = left {
                v["remainGPUCount"] = n.into();
            }
            serde_json::from_value::<types::ComputingSku>(v).unwrap()
        };
        let skus = [
            sku("a", "4090", None, Some(5)),
            sku("b", "4090", Some(1.0), None),
            sku("c", "H20", Some(0.5), Some(5)),
            sku("d", "4090", Some(3.0), Some(1)),
            sku("e", "4090", Some(3.0), Some(9)),
        ];
        let pick =
            |gpu| cheapest_sku(&skus, gpu, BillingType::PayAsYouGo).map(|s| s.skus_id.as_str());
        assert_eq!(pick(" 4090 "), Some("d"));
        assert_eq!(pick("h20"), Some("c"));
        assert_eq!(pick("A100"), None);
        assert_eq!(
            cheapest_sku(&skus[..1], "4090", BillingType::PayAsYouGo).map(|s| s.skus_id.as_str()),
            Some("a")
        );
    }
}
