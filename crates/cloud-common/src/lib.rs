//! The provider-neutral runtime shared by the generated cloud clients.
//!
//! - [`Secret`]: the one redacting type for credentials and secrets in
//!   responses.
//! - [`Error`]: the one error type (status, server message, request id,
//!   retryability).
//! - [`ClientConfig`], [`RetryPolicy`], [`CallOptions`]: timeouts, retries,
//!   user agent.
//! - [`Runtime`]: what every generated client runs its requests through
//!   (progenitor `ClientHooks`), wired up by [`impl_client_hooks!`].
//! - [`Compute`], [`Instance`], [`InstanceState`]: the provider-neutral
//!   facade every provider crate implements; [`wait_until`] for polling.

mod compute;
mod config;
mod error;
mod poll;
mod runtime;
mod secret;

pub use compute::{BoxFuture, Compute, Instance, InstanceState};
pub use config::{ClientConfig, RetryPolicy};
pub use error::{Error, ErrorKind, ServerMessage, is_retryable_status};
pub use poll::{WaitOptions, wait_until};
pub use runtime::{CallOptions, OperationSpec, Runtime, retry_after};
pub use secret::Secret;

/// Re-exports for [`impl_client_hooks!`]; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
    pub use reqwest;
}
