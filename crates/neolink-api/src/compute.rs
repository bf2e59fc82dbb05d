//! The provider-neutral [`Compute`] facade for Neolink.
//!
//! Neolink addresses an instance by cluster and name, so the facade is
//! implemented by a cluster-bound view, [`ClusterCompute`], whose ids are
//! instance names.

use cloud_common::{
    BoxFuture, Compute, Error, GpuFilter, GpuOffer, Instance, InstanceState, LaunchSpec,
};

use crate::{InstanceStatus, Neolink, PROVIDER, types};

/// A [`Neolink`] client bound to one cluster (`Region.clusterName`); it
/// implements [`Compute`] with instance names as ids.
///
/// ```
/// use cloud_common::Compute;
/// let neolink = neolink_api::Neolink::new("token").unwrap();
/// let compute: Box<dyn Compute> = Box::new(neolink.in_cluster("host-cluster"));
/// assert_eq!(compute.provider(), "neolink");
/// ```
#[derive(Clone, Debug)]
pub struct ClusterCompute {
    client: Neolink,
    cluster: String,
}

impl Neolink {
    /// A view of this client bound to `cluster`, for the [`Compute`] facade.
    pub fn in_cluster(&self, cluster: impl Into<String>) -> ClusterCompute {
        ClusterCompute {
            client: self.clone(),
            cluster: cluster.into(),
        }
    }
}

impl ClusterCompute {
    /// The cluster this view is bound to.
    pub fn cluster(&self) -> &str {
        &self.cluster
    }

    /// The underlying client.
    pub fn client(&self) -> &Neolink {
        &self.client
    }
}

/// Every Neolink status word we know, by its [`cloud_common::status_key`],
/// and its neutral state. Only `Creating` and `Running` are documented API
/// spellings; the console's other states are matched by their likely
/// spellings. The README's cross-provider table is this table.
pub const STATES: &[(&str, InstanceState)] = &[
    ("creating", InstanceState::Creating),
    ("pending", InstanceState::Creating),
    ("running", InstanceState::Running),
    ("starting", InstanceState::Starting),
    ("poweringon", InstanceState::Starting),
    ("stopping", InstanceState::Stopping),
    ("shuttingdown", InstanceState::Stopping),
    ("poweringoff", InstanceState::Stopping),
    ("stopped", InstanceState::Stopped),
    ("shutdown", InstanceState::Stopped),
    ("poweredoff", InstanceState::Stopped),
    ("poweroff", InstanceState::Stopped),
    ("deleting", InstanceState::Deleting),
    ("terminating", InstanceState::Deleting),
    ("deleted", InstanceState::Deleted),
    ("failed", InstanceState::Error),
    ("error", InstanceState::Error),
];

/// Maps a Neolink status to the neutral state through [`STATES`];
/// anything else stays [`InstanceState::Other`], verbatim.
pub fn neutral_state(status: &InstanceStatus) -> InstanceState {
    let raw = match status {
        InstanceStatus::Missing => return InstanceState::Other(String::new()),
        other => other.to_string(),
    };
    cloud_common::lookup_state(STATES, &raw)
}

/// The neutral summary of an instance. Memory like `96Gi` is read as GiB.
pub fn summary(instance: &types::Instance) -> Instance {
    let resources = instance.resources.as_ref();
    let memory_gib = resources.and_then(|r| r.memory.as_deref()).and_then(|m| {
        let m = m.trim();
        let (number, unit) =
            m.split_at(m.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(m.len()));
        let n: f64 = number.trim().parse().ok()?;
        match unit {
            "Gi" | "G" | "" => Some(n),
            "Mi" | "M" => Some(n / 1024.0),
            "Ti" | "T" => Some(n * 1024.0),
            _ => None,
        }
    });
    Instance {
        provider: PROVIDER,
        id: instance.name.clone(),
        name: instance.display_name.clone(),
        state: neutral_state(
            &instance
                .status
                .as_deref()
                .map_or(InstanceStatus::Missing, InstanceStatus::parse),
        ),
        gpu_model: resources.and_then(|r| r.gpu_type.clone()),
        gpu_count: resources.and_then(|r| r.gpu_num.as_deref()?.trim().parse().ok()),
        vcpus: resources.and_then(|r| r.cpu.as_deref()?.trim().parse().ok()),
        memory_gib,
    }
}

impl Compute for ClusterCompute {
    #[inline]
    fn provider(&self) -> &'static str {
        PROVIDER
    }

    #[inline]
    fn list_instances(&self) -> BoxFuture<'_, Result<Vec<Instance>, Error>> {
        Box::pin(async move {
            let list = self.client.instances(&self.cluster).await?;
            Ok(list.nodes.iter().map(summary).collect())
        })
    }

    #[inline]
    fn get_instance<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Instance, Error>> {
        Box::pin(async move { Ok(summary(&self.client.instance(&self.cluster, id).await?)) })
    }

    #[inline]
    fn start<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(self.client.start_instance(&self.cluster, id))
    }

    #[inline]
    fn stop<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(self.client.stop_instance(&self.cluster, id))
    }

    #[inline]
    fn delete<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(self.client.delete_instance(&self.cluster, id))
    }

    #[inline]
    fn gpu_offers<'a>(
        &'a self,
        filter: &'a GpuFilter,
    ) -> BoxFuture<'a, Result<Vec<GpuOffer>, Error>> {
        Box::pin(ClusterCompute::gpu_offers(self, filter))
    }

    #[inline]
    fn launch<'a>(
        &'a self,
        offer: &'a GpuOffer,
        spec: &'a LaunchSpec,
    ) -> BoxFuture<'a, Result<Instance, Error>> {
        Box::pin(ClusterCompute::launch(self, offer, spec))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_maps() {
        let cases = [
            ("Creating", InstanceState::Creating),
            ("creating", InstanceState::Creating),
            ("Running", InstanceState::Running),
            ("Pending", InstanceState::Creating),
            ("Starting", InstanceState::Starting),
            ("ShuttingDown", InstanceState::Stopping),
            ("shutting-down", InstanceState::Stopping),
            ("Shutdown", InstanceState::Stopped),
            ("Stopped", InstanceState::Stopped),
            ("Deleting", InstanceState::Deleting),
            ("Deleted", InstanceState::Deleted),
            ("Failed", InstanceState::Error),
            ("Migrating", InstanceState::Other("Migrating".into())),
        ];
        for (raw, want) in cases {
            assert_eq!(neutral_state(&InstanceStatus::parse(raw)), want, "{raw}");
        }
        assert_eq!(
            neutral_state(&InstanceStatus::Missing),
            InstanceState::Other(String::new())
        );
    }

    #[test]
    fn summary_reads_string_resources() {
        let instance: types::Instance = serde_json::from_value(serde_json::json!({
            "name": "instance-1", "displayName": "trainer", "status": "Running",
            "resources": {"cpu": "16", "memory": "96Gi", "GPUNum": "1", "GPUType": "4090"}
        }))
        .unwrap();
        let i = summary(&instance);
        assert_eq!(
            (i.id.as_str(), i.name.as_deref()),
            ("instance-1", Some("trainer"))
        );
        assert_eq!(
            (i.vcpus, i.gpu_count, i.memory_gib),
            (Some(16), Some(1), Some(96.0))
        );
        assert_eq!(i.gpu_model.as_deref(), Some("4090"));
    }
}
