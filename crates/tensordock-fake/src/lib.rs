#![doc = include_str!("../README.md")]
//! Stateful, in-process fakes of the TensorDock APIs: [`v0`] (the
//! marketplace API: form bodies, key and token) and [`v2`] (JSON bodies,
//! bearer token), each behind the feature of its name.

#[cfg(any(feature = "v0", feature = "v2"))]
mod account;
#[cfg(any(feature = "v0", feature = "v2"))]
mod meter;
#[cfg(feature = "v0")]
pub mod v0;
#[cfg(feature = "v2")]
pub mod v2;

/// The fakes' lifecycles and the client's `STATES` agree: each transitional
/// status is one the client reads as on its way, and it settles into one
/// the client reads as arrived.
#[cfg(test)]
fn assert_lifecycle_matches(
    settles: &[(&str, &str)],
    states: &[(&str, cloud_common::InstanceState)],
) {
    use cloud_common::InstanceState;
    for (from, to) in settles {
        let from_state = cloud_common::lookup_state(states, from);
        let to_state = cloud_common::lookup_state(states, to);
        assert!(
            matches!(
                from_state,
                InstanceState::Creating | InstanceState::Starting | InstanceState::Stopping
            ),
            "{from} is {from_state:?}"
        );
        assert!(
            matches!(to_state, InstanceState::Running | InstanceState::Stopped),
            "{to} is {to_state:?}"
        );
    }
}
