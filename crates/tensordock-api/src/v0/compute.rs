//! The provider-neutral [`Compute`] facade for TensorDock v0.

use cloud_common::{
    BoxFuture, Compute, Error, GpuFilter, GpuOffer, Instance, InstanceState, LaunchSpec,
};

use super::{PROVIDER, TensorDock, VmStatus, VmStatusExt, types};

/// Every v0 status word we know, by its [`cloud_common::status_key`], and
/// its neutral state. `StoppedDisassociated` (GPU released) and `Outbid`
/// (a spot VM stopped because its bid was beaten) are both stopped
/// machines. The README's cross-provider table is this table.
pub const STATES: &[(&str, InstanceState)] = &[
    ("deploying", InstanceState::Creating),
    ("creating", InstanceState::Creating),
    ("provisioning", InstanceState::Creating),
    ("pending", InstanceState::Creating),
    ("starting", InstanceState::Starting),
    ("booting", InstanceState::Starting),
    ("running", InstanceState::Running),
    ("stopping", InstanceState::Stopping),
    ("stopped", InstanceState::Stopped),
    ("stoppeddisassociated", InstanceState::Stopped),
    ("outbid", InstanceState::Stopped),
    ("deleting", InstanceState::Deleting),
    ("terminating", InstanceState::Deleting),
    ("deleted", InstanceState::Deleted),
    ("terminated", InstanceState::Deleted),
    ("error", InstanceState::Error),
    ("failed", InstanceState::Error),
];

/// Maps a TensorDock v0 VM status to the neutral state through
/// [`STATES`]; anything else stays [`InstanceState::Other`], verbatim.
pub fn neutral_state(status: &VmStatus) -> InstanceState {
    if *status == VmStatus::Missing {
        return InstanceState::Other(String::new());
    }
    cloud_common::lookup_state(STATES, &status.to_string())
}

/// The neutral summary of a VM.
pub fn summary(id: &str, vm: &types::VirtualMachine) -> Instance {
    let number = |v: &Option<types::IntOrString>| -> Option<f64> {
        match v.as_ref()? {
            types::IntOrString::Integer(i) => Some(*i as f64),
            types::IntOrString::String(s) => s.trim().parse().ok(),
        }
    };
    let specs = vm.specs.as_ref();
    Instance {
        provider: PROVIDER,
        id: id.to_string(),
        name: vm.name.clone(),
        state: neutral_state(&vm.state()),
        gpu_model: specs
            .and_then(|s| s.gpu.as_ref())
            .and_then(|g| g.type_.clone()),
        gpu_count: specs
            .and_then(|s| s.gpu.as_ref())
            .and_then(|g| g.amount)
            .and_then(|n| u32::try_from(n).ok()),
        vcpus: specs.and_then(|s| number(&s.vcpus)).map(|n| n as u32),
        memory_gib: specs.and_then(|s| number(&s.ram)),
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
                .list_vms()
                .await?
                .iter()
                .map(|(id, vm)| summary(id, vm))
                .collect();
            all.sort_by(|a, b| a.id.cmp(&b.id));
            Ok(all)
        })
    }

    #[inline]
    fn get_instance<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Instance, Error>> {
        Box::pin(async move { Ok(summary(id, &self.get_vm(id).await?)) })
    }

    #[inline]
    fn start<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(self.start_vm(id))
    }

    /// Stops the VM keeping its GPU reserved (`disassociate_resources=false`),
    /// so that a later start gets the same hardware back.
    #[inline]
    fn stop<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(self.stop_vm(id, false))
    }

    #[inline]
    fn delete<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(self.delete_vm(id))
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

    #[test]
    fn every_status_maps() {
        let cases = [
            ("Running", InstanceState::Running),
            ("running", InstanceState::Running),
            ("Stopped", InstanceState::Stopped),
            ("StoppedDisassociated", InstanceState::Stopped),
            ("Outbid", InstanceState::Stopped),
            ("Deploying", InstanceState::Creating),
            ("Starting", InstanceState::Starting),
            ("Stopping", InstanceState::Stopping),
            ("Deleting", InstanceState::Deleting),
            ("Terminated", InstanceState::Deleted),
            ("Failed", InstanceState::Error),
            ("Migrating", InstanceState::Other("Migrating".into())),
        ];
        for (raw, want) in cases {
            assert_eq!(neutral_state(&VmStatus::parse(raw)), want, "{raw}");
        }
        assert_eq!(
            neutral_state(&VmStatus::Missing),
            InstanceState::Other(String::new())
        );
    }

    #[test]
    fn summary_reads_specs_given_as_numbers_or_strings() {
        let vm: types::VirtualMachine = serde_json::from_value(serde_json::json!({
            "name": "test", "status": "Running",
            "specs": {"gpu": {"amount": 2, "type": "v100-pcie-16gb"}, "vcpus": "16", "ram": 64}
        }))
        .unwrap();
        let i = summary("id-1", &vm);
        assert_eq!(i.gpu_model.as_deref(), Some("v100-pcie-16gb"));
        assert_eq!(
            (i.gpu_count, i.vcpus, i.memory_gib),
            (Some(2), Some(16), Some(64.0))
        );
        assert_eq!(i.state, InstanceState::Running);
    }
}
