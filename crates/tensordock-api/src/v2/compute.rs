//! The provider-neutral [`Compute`] facade for TensorDock v2. Ids are
//! instance ids; stop is v2's stop (the GPU stays reserved, as the API has
//! no option to release it), delete is v2's delete.

use cloud_common::{
    BoxFuture, Compute, Error, GpuFilter, GpuOffer, Instance, InstanceState, LaunchSpec,
};

use super::{InstanceExt, InstanceStatus, PROVIDER, TensorDock, types};

/// Every v2 status word we know, by its [`cloud_common::status_key`], and
/// its neutral state. `StoppedDisassociated` (GPU released) is a stopped
/// machine. The values the API documents only in mocks (`queued`,
/// `creating`, `terminated`, `deleted`, `error`) and likely spellings of
/// other transitions are here too. The README's cross-provider table is
/// this table.
pub const STATES: &[(&str, InstanceState)] = &[
    ("queued", InstanceState::Creating),
    ("pending", InstanceState::Creating),
    ("creating", InstanceState::Creating),
    ("deploying", InstanceState::Creating),
    ("provisioning", InstanceState::Creating),
    ("starting", InstanceState::Starting),
    ("restarting", InstanceState::Starting),
    ("rebooting", InstanceState::Starting),
    ("booting", InstanceState::Starting),
    ("running", InstanceState::Running),
    ("stopping", InstanceState::Stopping),
    ("stopped", InstanceState::Stopped),
    ("stoppeddisassociated", InstanceState::Stopped),
    ("suspended", InstanceState::Suspended),
    ("paused", InstanceState::Suspended),
    ("deleting", InstanceState::Deleting),
    ("terminating", InstanceState::Deleting),
    ("deleted", InstanceState::Deleted),
    ("terminated", InstanceState::Deleted),
    ("error", InstanceState::Error),
    ("failed", InstanceState::Error),
];

/// Maps a v2 instance status to the neutral state through [`STATES`];
/// anything else stays [`InstanceState::Other`] with the raw value.
pub fn neutral_state(status: &InstanceStatus) -> InstanceState {
    if *status == InstanceStatus::Missing {
        return InstanceState::Other(String::new());
    }
    cloud_common::lookup_state(STATES, &status.to_string())
}

/// The neutral summary of an instance as getInstance returns it. With
/// several GPU models (not seen, but the map allows it) the models are
/// joined with `+` and the count is the total.
pub fn summary(instance: &types::Instance) -> Instance {
    let resources = instance.resources.as_ref();
    let (gpu_model, gpu_count) = resources.map_or((None, None), |r| {
        let mut models: Vec<&str> = r
            .gpus
            .iter()
            .map(|(key, gpu)| gpu.v0_name.as_deref().unwrap_or(key))
            .collect();
        models.sort_unstable();
        let count: i64 = r.gpus.values().filter_map(|g| g.count).sum();
        (
            (!models.is_empty()).then(|| models.join("+")),
            (!r.gpus.is_empty())
                .then(|| u32::try_from(count).ok())
                .flatten(),
        )
    });
    Instance {
        provider: PROVIDER,
        id: instance.id.clone(),
        name: instance.name.clone(),
        state: neutral_state(&instance.state()),
        gpu_model,
        gpu_count,
        vcpus: resources
            .and_then(|r| r.vcpu_count)
            .and_then(|n| u32::try_from(n).ok()),
        memory_gib: resources.and_then(|r| r.ram_gb).map(|gb| gb as f64),
    }
}

/// The neutral summary of an instance in a list, which carries no
/// resources.
pub fn summary_of_listed(item: &types::InstanceListItem) -> Instance {
    Instance {
        provider: PROVIDER,
        id: item.id.clone(),
        name: item
            .attributes
            .as_ref()
            .and_then(|a| a.name.clone())
            .or_else(|| item.name.clone()),
        state: neutral_state(&item.state()),
        gpu_model: None,
        gpu_count: None,
        vcpus: None,
        memory_gib: None,
    }
}

impl Compute for TensorDock {
    #[inline]
    fn provider(&self) -> &'static str {
        PROVIDER
    }

    #[inline]
    fn list_instances(&self) -> BoxFuture<'_, Result<Vec<Instance>, Error>> {
        Box::pin(async move {
            let mut all: Vec<Instance> = self
                .instances()
                .await?
                .iter()
                .map(summary_of_listed)
                .collect();
            all.sort_by(|a, b| a.id.cmp(&b.id));
            Ok(all)
        })
    }

    #[inline]
    fn get_instance<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Instance, Error>> {
        Box::pin(async move { Ok(summary(&self.instance(id).await?)) })
    }

    #[inline]
    fn start<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move { self.start_instance(id).await.map(drop) })
    }

    #[inline]
    fn stop<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move { self.stop_instance(id).await.map(drop) })
    }

    #[inline]
    fn delete<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move { self.delete_instance(id).await.map(drop) })
    }

    #[inline]
    fn gpu_offers<'a>(
        &'a self,
        filter: &'a GpuFilter,
    ) -> BoxFuture<'a, Result<Vec<GpuOffer>, Error>> {
        Box::pin(TensorDock::gpu_offers(self, filter))
    }

    #[inline]
    fn launch<'a>(
        &'a self,
        offer: &'a GpuOffer,
        spec: &'a LaunchSpec,
    ) -> BoxFuture<'a, Result<Instance, Error>> {
        Box::pin(TensorDock::launch(self, offer, spec))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_status_maps() {
        let cases = [
            ("running", InstanceState::Running),
            ("Running", InstanceState::Running),
            ("starting", InstanceState::Starting),
            ("stopping", InstanceState::Stopping),
            ("Stopped", InstanceState::Stopped),
            ("stopped", InstanceState::Stopped),
            ("StoppedDisassociated", InstanceState::Stopped),
            ("stopped_disassociated", InstanceState::Stopped),
            ("queued", InstanceState::Creating),
            ("creating", InstanceState::Creating),
            ("Pending", InstanceState::Creating),
            ("deploying", InstanceState::Creating),
            ("provisioning", InstanceState::Creating),
            ("restarting", InstanceState::Starting),
            ("rebooting", InstanceState::Starting),
            ("booting", InstanceState::Starting),
            ("suspended", InstanceState::Suspended),
            ("paused", InstanceState::Suspended),
            ("deleting", InstanceState::Deleting),
            ("terminating", InstanceState::Deleting),
            ("deleted", InstanceState::Deleted),
            ("terminated", InstanceState::Deleted),
            ("error", InstanceState::Error),
            ("Failed", InstanceState::Error),
            ("migrating", InstanceState::Other("migrating".into())),
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
    fn summary_reads_the_resources() {
        let vm: types::Instance = serde_json::from_value(json!({
            "id": "i-1", "name": "trainer", "status": "running",
            "resources": {"vcpu_count": 8, "ram_gb": 32, "storage_gb": 200,
                          "gpus": {"geforcertx4090-pcie-24gb": {"count": 2}}}
        }))
        .unwrap();
        let i = summary(&vm);
        assert_eq!((i.id.as_str(), i.name.as_deref()), ("i-1", Some("trainer")));
        assert_eq!(i.gpu_model.as_deref(), Some("geforcertx4090-pcie-24gb"));
        assert_eq!(
            (i.gpu_count, i.vcpus, i.memory_gib),
            (Some(2), Some(8), Some(32.0))
        );
        assert_eq!(i.state, InstanceState::Running);
    }

    #[test]
    fn a_listed_instance_reads_attributes_or_flat_fields() {
        let nested: types::InstanceListItem = serde_json::from_value(
            json!({"type": "VM", "id": "a", "attributes": {"name": "x", "status": "Stopped"}}),
        )
        .unwrap();
        let flat: types::InstanceListItem =
            serde_json::from_value(json!({"id": "b", "name": "y", "status": "running"})).unwrap();
        let (n, f) = (summary_of_listed(&nested), summary_of_listed(&flat));
        assert_eq!(
            (n.name.as_deref(), n.state),
            (Some("x"), InstanceState::Stopped)
        );
        assert_eq!(
            (f.name.as_deref(), f.state),
            (Some("y"), InstanceState::Running)
        );
    }
}
