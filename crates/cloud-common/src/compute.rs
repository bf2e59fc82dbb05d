//! The provider-neutral facade: list, get, start, stop, delete and wait on
//! instances, the same way on every cloud.
//!
//! Creation goes through GPU offers ([`Compute::gpu_offers`],
//! [`Compute::launch`], see [`crate::offers`]); each provider client gives
//! access to its native client for everything else.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use crate::error::Error;
use crate::offers::{GpuFilter, GpuOffer, LaunchSpec, unsupported};
use crate::poll::{Check, WaitOptions, wait_for};

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

impl InstanceState {
    /// Whether an instance in this state can no longer reach `wanted`, so
    /// that a waiter should stop rather than poll until its deadline: a
    /// deleted instance reaches nothing but `deleted`, and one in `error`
    /// nothing but `error` or (by a delete) `deleting`/`deleted`.
    ///
    /// ```
    /// use cloud_common::InstanceState as S;
    /// assert!(S::Error.rules_out(&S::Running));
    /// assert!(S::Deleted.rules_out(&S::Running));
    /// assert!(!S::Error.rules_out(&S::Deleted));
    /// assert!(!S::Stopping.rules_out(&S::Running));
    /// ```
    pub fn rules_out(&self, wanted: &InstanceState) -> bool {
        use InstanceState as S;
        match self {
            S::Deleted => *wanted != S::Deleted,
            S::Error => !matches!(wanted, S::Error | S::Deleting | S::Deleted),
            _ => false,
        }
    }
}

/// The [`Check`] of a wait for `wanted` on an instance now in `state`:
/// done when they are equal, failed when `state` rules `wanted` out.
pub fn state_check(id: &str, state: &InstanceState, wanted: &InstanceState) -> Check {
    Check::done_if(state == wanted, || {
        format!("instance {id} is {state} (waiting for {wanted})")
    })
    .unless_failed(state.rules_out(wanted), || {
        format!("instance {id} is {state}, so it will not become {wanted}")
    })
}

/// The one normalisation of a provider's status word before it is looked
/// up in the provider's table: lower case, with `_`, `-` and spaces
/// removed, so `Stopped_Disassociated`, `stopped-disassociated` and
/// `STOPPED DISASSOCIATED` are one word.
///
/// ```
/// assert_eq!(cloud_common::status_key("Shutting_Down"), "shuttingdown");
/// assert_eq!(cloud_common::status_key(" powered-off "), "poweredoff");
/// ```
pub fn status_key(raw: &str) -> String {
    raw.chars()
        .filter(|c| !matches!(c, '_' | '-') && !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Looks a provider's status word up in its `STATES` table (by
/// [`status_key`]); a word the table does not hold stays
/// [`InstanceState::Other`] with the raw value, and an empty one is
/// `Other("")`.
///
/// ```
/// use cloud_common::{InstanceState, lookup_state};
/// const STATES: &[(&str, InstanceState)] = &[("running", InstanceState::Running)];
/// assert_eq!(lookup_state(STATES, "RUNNING"), InstanceState::Running);
/// assert_eq!(lookup_state(STATES, "Migrating"), InstanceState::Other("Migrating".into()));
/// ```
pub fn lookup_state(table: &[(&str, InstanceState)], raw: &str) -> InstanceState {
    let key = status_key(raw);
    table.iter().find(|(word, _)| *word == key).map_or_else(
        || InstanceState::Other(raw.to_string()),
        |(_, state)| state.clone(),
    )
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

    /// The GPU offers `filter` accepts, priced for its count (see
    /// [`crate::offers`]). Providers without GPUs answer an
    /// [`ErrorKind::Unsupported`](crate::ErrorKind::Unsupported) error.
    fn gpu_offers<'a>(
        &'a self,
        filter: &'a GpuFilter,
    ) -> BoxFuture<'a, Result<Vec<GpuOffer>, Error>> {
        let _ = filter;
        Box::pin(async move { Err(unsupported(self.provider(), "gpu_offers", "no GPU offers")) })
    }

    /// Launches an instance on `offer` (one of this provider's
    /// [`Compute::gpu_offers`]) as `spec` says, returning it as created,
    /// ready for [`Compute::wait_for_state`]. What the provider cannot
    /// honour is an [`ErrorKind::Unsupported`](crate::ErrorKind::Unsupported)
    /// error before anything is created.
    fn launch<'a>(
        &'a self,
        offer: &'a GpuOffer,
        spec: &'a LaunchSpec,
    ) -> BoxFuture<'a, Result<Instance, Error>> {
        let _ = (offer, spec);
        Box::pin(async move { Err(unsupported(self.provider(), "launch", "no launch")) })
    }

    /// Polls [`Compute::get_instance`] until the instance is in `state`,
    /// failing at once with
    /// [`ErrorKind::WaitFailed`](crate::ErrorKind::WaitFailed) when it
    /// reaches a state that rules `state` out
    /// ([`InstanceState::rules_out`]), and with
    /// [`ErrorKind::WaitTimeout`](crate::ErrorKind::WaitTimeout) after
    /// `timeout`. Polls every 2 s; use [`Compute::wait_for_state_with`]
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
            wait_for(
                self.provider(),
                "wait_for_state",
                &options,
                || self.get_instance(id),
                |i: &Instance| state_check(id, &i.state, &state),
            )
            .await
        })
    }
}
