//! Waiting for an instance: for a status, or until it can be reached.

use cloud_common::{Check, InstanceState};

use super::{
    InstanceExt, InstanceStatus, PROVIDER, Result, TensorDock, WaitOptions, neutral_state, types,
};

/// Whether an instance now in `now` can no longer reach `wanted`.
fn hopeless(now: &InstanceStatus, wanted: &InstanceState) -> bool {
    neutral_state(now).rules_out(wanted)
}

impl TensorDock {
    /// Polls [`TensorDock::instance`] every `options.poll_interval()` until
    /// its status is `status` (normalised by [`cloud_common::status_key`]),
    /// and returns the instance as last read.
    ///
    /// It stops at once with [`ErrorKind::WaitFailed`](crate::ErrorKind::WaitFailed)
    /// when the instance reaches a status that rules `status` out (an
    /// error state while waiting for `running`); after `options.timeout()`
    /// the error is [`ErrorKind::WaitTimeout`](crate::ErrorKind::WaitTimeout),
    /// naming the last status seen; any error from a poll (e.g. the 404 of
    /// a deleted instance) ends the wait at once. Each poll counts against
    /// the rate limit.
    #[inline]
    pub async fn wait_for_status(
        &self,
        id: &str,
        status: InstanceStatus,
        options: WaitOptions,
    ) -> Result<types::Instance> {
        cloud_common::wait_for_status(
            PROVIDER,
            "waitForStatus",
            &format!("instance {id}"),
            &status,
            &options,
            || self.instance(id),
            |instance| instance.state(),
            neutral_state,
        )
        .await
    }

    /// Polls [`TensorDock::instance`] until it is running **and** has an IP
    /// address, which is what a new instance needs before SSH can work (the
    /// create answer has no IP; it usually appears 5-30 s later). Returns
    /// the instance as last read; see [`InstanceExt::ssh_endpoint`].
    ///
    /// Fails like [`TensorDock::wait_for_status`].
    #[inline]
    pub async fn wait_until_running_with_ip(
        &self,
        id: &str,
        options: WaitOptions,
    ) -> Result<types::Instance> {
        cloud_common::wait_for(
            PROVIDER,
            "waitUntilRunningWithIp",
            &options,
            || self.instance(id),
            |instance| {
                let now = instance.state();
                let ip = instance.ip();
                Check::done_if(
                    now == InstanceStatus::Running && ip.is_some(),
                    || match ip {
                        Some(ip) => format!("instance {id} is {now} at {ip}"),
                        None => format!("instance {id} is {now} with no IP yet"),
                    },
                )
                .unless_failed(hopeless(&now, &InstanceState::Running), || {
                    format!("instance {id} is {now}, so it will not run")
                })
            },
        )
        .await
    }
}
