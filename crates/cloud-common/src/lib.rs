#![doc = include_str!("../README.md")]
//! The provider-neutral runtime shared by the generated cloud clients.
//!
//! - [`Secret`]: the one redacting type for credentials and secrets in
//!   responses.
//! - [`Error`]: the one error type (status, server message, request id,
//!   retryability).
//! - [`ClientConfig`], [`RetryPolicy`], [`CallOptions`]: timeouts, retries,
//!   user agent.
//! - [`Runtime`]: what every generated client runs its requests through
//!   (progenitor `ClientHooks`), wired up by [`impl_client_hooks!`];
//!   [`RawRequest`] sends an untyped request the same way.
//! - [`client_shell!`]: the one client shape (constructors, options,
//!   `native()`, the call path) every provider declares once;
//!   [`Operation`] is how it runs any generated request.
//! - [`CursorPaged`], [`ListRequest`], [`ById`], [`ByName`], [`TaskId`]:
//!   the conventions `cloud-codegen` finds in a spec (reads paged by
//!   cursor, filters by id or name, answers that carry a task), which it
//!   implements type by type so a provider's paging, lookups and waiting
//!   are written once, generically ([`paging`]).
//! - [`Compute`], [`Instance`], [`InstanceState`]: the provider-neutral
//!   facade every provider crate implements; [`wait_until`] for polling.
//! - [`GpuOffer`], [`GpuFilter`], [`LaunchSpec`]: GPU offers and launching
//!   on them through the facade ([`offers`]).
//!
//! The stateful fakes the provider crates are tested with live in their own
//! crates (`cloud-fake` and one per provider), so that nothing here serves
//! HTTP.

mod compute;
mod config;
mod decode;
mod error;
pub mod offers;
pub mod paging;
mod path;
mod poll;
mod redact;
mod runtime;
mod secret;
mod shell;
mod task;
mod version;

pub use compute::{
    BoxFuture, Compute, Instance, InstanceState, lookup_state, state_check, status_key,
};
pub use config::{ClientConfig, RetryPolicy};
pub use error::{Error, ErrorKind, ServerMessage, is_retryable_status};
pub use offers::{
    Access, Billing, GpuFilter, GpuModel, GpuOffer, LaunchSpec, Price, PriceIncludes,
    ProviderOffers, canonical_gpu, gpu_offers_everywhere,
};
pub use paging::{ById, ByName, CursorPaged, ListRequest};
pub use path::path_segment;
pub use poll::{Check, WaitOptions, wait_for, wait_for_status, wait_until};
pub use redact::{REDACTED, names_a_secret, query_credentials as redact_query_credentials};
pub use runtime::{
    CallOptions, OperationSpec, RawClient, RawRequest, RawResponse, Runtime, retry_after,
};
pub use secret::Secret;
pub use shell::{ErrorIn200, IntoOptional, Operation, optional_field, required_field};
pub use task::TaskId;
pub use version::{ParseVersionError, Version};

/// Re-exports for [`impl_client_hooks!`]; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::decode::{ObjectOnly, OneOf};
    pub use progenitor_client::{
        ClientHooks, ClientInfo, Error as ProgenitorError, OperationInfo, ResponseValue,
    };
    pub use reqwest;
}

/// Whether a boxed optional field is `None`: the `skip_serializing_if` of
/// the `Box<Option<T>>` fields typify writes for cycles of types (see
/// `cloud-codegen`), so that they are left out like every other `None`.
#[doc(hidden)]
#[allow(clippy::borrowed_box)]
pub fn none_in_box<T>(value: &Box<Option<T>>) -> bool {
    value.is_none()
}
