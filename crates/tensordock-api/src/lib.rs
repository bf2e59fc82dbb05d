#![doc = include_str!("../README.md")]
//! Rust client for the TensorDock APIs, one module per API version, each
//! behind its own cargo feature so that you compile only the version you
//! use:
//!
//! - `v2` (feature `v2`): TensorDock's current API at
//!   `https://dashboard.tensordock.com/api/v2`: JSON bodies, a bearer API
//!   token, generated from `specs/tensordock-v2.yaml`. Start here.
//! - `v0` (feature `v0`, the default): the legacy marketplace API v0 at
//!   `https://marketplace.tensordock.com/api/v0`: form bodies carrying an
//!   `api_key` + `api_token` pair, generated from `specs/tensordock.yaml`.
//!
//! The default feature stays `v0` so that existing users compile exactly
//! what they did before v2 was added. For v2 alone:
//!
//! ```toml
//! tensordock-api = { version = "0.1", default-features = false, features = ["v2"] }
//! ```
//!
//! Each version is a generated client (`v0::generated`, `v2::generated`,
//! never edited by hand, both made by the same `cloud-codegen` path in
//! `build.rs`) plus a small hand-written layer: a client that adds the
//! credentials, typed requests and statuses, and errors of the shared
//! [`cloud_common::Error`] type. Both implement the provider-neutral
//! [`cloud_common::Compute`] facade, and both take the version-neutral
//! [`ports::PortMappings`]. (The modules are named in plain text, not
//! linked, because each exists only with its feature.)
//!
//! The README's "Migrating from v0 to v2" section lists each v0 call next
//! to its v2 counterpart.
//!
//! ```no_run
//! # #[cfg(feature = "v2")]
//! # async fn demo() -> Result<(), tensordock_api::Error> {
//! use tensordock_api::v2::{InstanceExt, TensorDock};
//! let td = TensorDock::new("my-api-token")?;
//! for instance in td.instances().await? {
//!     println!("{}: {:?} {}", instance.id, instance.name, instance.state());
//! }
//! # Ok(()) }
//! ```

pub use cloud_common::{
    CallOptions, ClientConfig, Error, ErrorKind, RawRequest, RawResponse, RetryPolicy, Secret,
};

#[cfg(any(feature = "v0", feature = "v2"))]
mod offers;
pub mod ports;

/// The provider name both versions report (`v0::PROVIDER`, `v2::PROVIDER`).
#[cfg(any(feature = "v0", feature = "v2"))]
pub(crate) const PROVIDER_NAME: &str = "tensordock";

// The hand-written methods that call generated operations (the async
// wrappers, the `Compute` impl) are `#[inline]`, as the generated code
// is: a debug build then compiles each, with the request and response
// (de)serialisation it instantiates, only in a crate that calls it (see the
// repository's `docs/performance.md`, "Build cost").
#[cfg(feature = "v0")]
pub mod v0;

#[cfg(feature = "v2")]
pub mod v2;

/// The v2 client under a name that cannot be confused with
/// `v0::TensorDock` when both versions are in scope.
#[cfg(feature = "v2")]
pub use v2::TensorDock as TensorDockV2;

/// The crate's user agent: `tensordock-api/<version>`.
pub const USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));
