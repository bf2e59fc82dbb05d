//! The provider-neutral facade: list, get, start, stop, delete and wait on
//! instances, the same way on every cloud.
//!
//! Creation stays provider-specific (the APIs differ too much); each
//! provider client gives access to its native client for everything else.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use crate::error::Error;
use crate::poll::{WaitOptions, wait_until};

/// A boxed future, so that [`Compute`] stays object safe
/// (`Vec<Box<dyn Compute>>` can span providers).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A provider-neutral instance state. Each provider maps its native
/// statuses into it; values it does not know stay in
/// [`InstanceState::Other`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InstanceState {
    /// Being created or deployed.
    Creating,
    /// Booting.
    Starting,
    /// Running.
    Running,
    /// Shutting down.
    Stopping,
    /// Stopped (powered off).
    Stopped,
    /// Suspended or paused.
    Suspended,
    /// Being deleted.
    Deleting,
    /// Deleted (or moved to a recycle bin).
    Deleted,
    /// The provider reports a failure state.
    Error,
    /// A native status with no neutral equivalent, verbatim.
    Other(String),
}

impl fmt::Display for InstanceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Self::Creating => "creating",
            Self::Starting => "starting",
            Self::Running => "running",
            Self::Stopping => "stopping",
            Self::Stopped => "stopped",
            Self::Suspended => "suspended",
            Self::Deleting => "deleting",
            Self::Deleted => "deleted",
            Self::Error => "error",
            Self::Other(raw) => return write!(f, "unknown ({raw})"),
        };
        f.write_str(s)
    }
}

/// A provider-neutral summary of an instance (VM or container instance).
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    /// The provider, e.g. `"tensordock"`.
    pub provider: &'static str,
    /// The id that [`Compute`] methods take.
    pub id: String,
    /// The display name, if any.
    pub name: Option<String>,
    /// The neutral state.
    pub state: InstanceState,
    /// The GPU model as the provider names it.
    pub gpu_model: Option<String>,
    /// Number of GPUs.
    pub gpu_count: Option<u32>,
    /// Number of vCPUs.
    pub vcpus: Option<u32>,
    /// Memory in GiB.
    pub memory_gib: Option<f64>,
}

/// The operations every provider offers on an existing instance.
///
/// ```
/// # use cloud_common::Compute;
/// fn providers(all: Vec<Box<dyn Compute>>) -> Vec<&'static str> {
///     all.iter().map(|c| c.provider()).collect()
/// }
/// ```
pub trait Compute: Send + Sync {
    /// The provider name.
    fn provider(&self) -> &'static str;

    /// Every instance the credentials can see.
    fn list_instances(&self) -> BoxFuture<'_, Result<Vec<Instance>, Error>>;

    /// One instance.
    fn get_instance<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Instance, Error>>;

    /// Starts (powers on) an instance.
    fn start<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), Error>>;

    /// Stops (powers off) an instance, keeping it restartable.
    fn stop<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), Error>>;

    /// Deletes an instance.
    fn delete<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), Error>>;

    /// Polls [`Compute::get_instance`] until the instance is in `state`,
    /// failing with [`ErrorKind::WaitTimeout`](crate::ErrorKind::WaitTimeout)
    /// after `timeout`. Polls every 2 s; use [`Compute::wait_for_state_with`]
    /// to choose.
    fn wait_for_state<'a>(
        &'a self,
        id: &'a str,
        state: InstanceState,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<Instance, Error>> {
        self.wait_for_state_with(id, state, WaitOptions::new(timeout))
    }

    /// [`Compute::wait_for_state`] with explicit poll options.
    fn wait_for_state_with<'a>(
        &'a self,
        id: &'a str,
        state: InstanceState,
        options: WaitOptions,
    ) -> BoxFuture<'a, Result<Instance, Error>> {
        Box::pin(async move {
            wait_until(
                self.provider(),
                "wait_for_state",
                &options,
                || self.get_instance(id),
                |i: &Instance| i.state == state,
                |i: &Instance| format!("instance {id} is {} (waiting for {state})", i.state),
            )
            .await
        })
    }
}
