//! Waiting for an instance to reach a status.

use cloud_common::WaitOptions;

use crate::{InstanceExt, InstanceStatus, Neolink, PROVIDER, Result, neutral_state, types};

impl Neolink {
    /// Polls [`Neolink::instance`] every `options.poll_interval()` until its
    /// status equals `status` (normalised by [`cloud_common::status_key`]),
    /// and returns the instance as last read.
    ///
    /// It stops at once with [`ErrorKind::WaitFailed`](crate::ErrorKind::WaitFailed)
    /// when the instance reaches a status that rules `status` out (failed
    /// or deleted while waiting for `Running`: see
    /// [`cloud_common::InstanceState::rules_out`]); after `options.timeout()`
    /// the error is [`ErrorKind::WaitTimeout`](crate::ErrorKind::WaitTimeout),
    /// naming the last status seen; any error from a poll (e.g. a 404) ends
    /// the wait at once.
    ///
    /// ```no_run
    /// # async fn demo(neolink: neolink_api::Neolink) -> Result<(), neolink_api::Error> {
    /// use std::time::Duration;
    /// use neolink_api::{InstanceStatus, WaitOptions};
    /// let wait = WaitOptions::new(Duration::from_secs(600)).interval(Duration::from_secs(10));
    /// let instance = neolink
    ///     .wait_for_status("host-cluster", "instance-ccffxxxx", InstanceStatus::Running, wait)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    #[inline]
    pub async fn wait_for_status(
        &self,
        cluster: &str,
        name: &str,
        status: InstanceStatus,
        options: WaitOptions,
    ) -> Result<types::Instance> {
        cloud_common::wait_for_status(
            PROVIDER,
            "waitForStatus",
            &format!("instance {name}"),
            &status,
            &options,
            || self.instance(cluster, name),
            |instance| instance.state(),
            neutral_state,
        )
        .await
    }
}
