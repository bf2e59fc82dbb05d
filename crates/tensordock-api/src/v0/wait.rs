//! The names every provider crate shares, and waiting for a VM's status.

use std::collections::HashMap;

use cloud_common::WaitOptions;

use super::{PROVIDER, Result, TensorDock, VmStatus, VmStatusExt, neutral_state, types};

impl TensorDock {
    /// Every VM of the organisation, keyed by VM UUID (`POST /client/list`;
    /// the v0 name is [`TensorDock::list_vms`]).
    #[inline]
    pub async fn instances(&self) -> Result<HashMap<String, types::VirtualMachine>> {
        self.list_vms().await
    }

    /// One VM (`POST /client/get/single`; the v0 name is
    /// [`TensorDock::get_vm`]).
    #[inline]
    pub async fn instance(&self, id: &str) -> Result<types::VirtualMachine> {
        self.get_vm(id).await
    }

    /// Starts a stopped VM (`POST /client/start/single`; the v0 name is
    /// [`TensorDock::start_vm`]).
    #[inline]
    pub async fn start_instance(&self, id: &str) -> Result<()> {
        self.start_vm(id).await
    }

    /// Stops a VM, keeping its GPU reserved so it can start again
    /// (`POST /client/stop/single` with `disassociate_resources: false`;
    /// [`TensorDock::stop_vm`] can release the GPU).
    #[inline]
    pub async fn stop_instance(&self, id: &str) -> Result<()> {
        self.stop_vm(id, false).await
    }

    /// Deletes a VM (`POST /client/delete/single`; the v0 name is
    /// [`TensorDock::delete_vm`]).
    #[inline]
    pub async fn delete_instance(&self, id: &str) -> Result<()> {
        self.delete_vm(id).await
    }

    /// Polls [`TensorDock::instance`] every `options.poll_interval()` until
    /// the VM's status is `status` (normalised by
    /// [`cloud_common::status_key`]), and returns the VM as last read.
    ///
    /// It stops at once with [`ErrorKind::WaitFailed`](crate::ErrorKind::WaitFailed)
    /// when the VM reaches a status that rules `status` out (an error
    /// state, or deleted, while waiting for `Running`); after
    /// `options.timeout()` the error is
    /// [`ErrorKind::WaitTimeout`](crate::ErrorKind::WaitTimeout), naming
    /// the last status; any error from a poll ends the wait at once.
    ///
    /// ```no_run
    /// # async fn demo(td: tensordock_api::v0::TensorDock) -> Result<(), tensordock_api::Error> {
    /// use std::time::Duration;
    /// use cloud_common::WaitOptions;
    /// use tensordock_api::v0::VmStatus;
    /// let wait = WaitOptions::new(Duration::from_secs(600)).interval(Duration::from_secs(5));
    /// let vm = td.wait_for_status("vm-uuid", VmStatus::Running, wait).await?;
    /// # Ok(()) }
    /// ```
    #[inline]
    pub async fn wait_for_status(
        &self,
        id: &str,
        status: VmStatus,
        options: WaitOptions,
    ) -> Result<types::VirtualMachine> {
        cloud_common::wait_for_status(
            PROVIDER,
            "waitForStatus",
            &format!("VM {id}"),
            &status,
            &options,
            || self.instance(id),
            |vm| vm.state(),
            neutral_state,
        )
        .await
    }
}
