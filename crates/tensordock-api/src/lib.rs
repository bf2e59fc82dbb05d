//! Rust client for the TensorDock marketplace API.
//!
//! - [`v0`] (feature `v0`, on by default): the marketplace API v0 at
//!   `https://marketplace.tensordock.com/api/v0`: form bodies carrying an
//!   `api_key` + `api_token` pair, generated from `specs/tensordock.yaml`.
//!
//! Each version is a generated client (`v0::generated`, never edited by
//! hand) plus a small hand-written layer: a client that fills in the
//! credentials, typed port mappings, typed VM statuses, and errors of the
//! shared [`cloud_common::Error`] type.
//!
//! ```no_run
//! # async fn demo() -> Result<(), tensordock_api::Error> {
//! use tensordock_api::v0::TensorDock;
//! let td = TensorDock::new("my-api-key", "my-api-token")?;
//! for (id, vm) in td.list_vms().await? {
//!     println!("{id}: {:?} {}", vm.name, tensordock_api::v0::VmStatusExt::state(&vm));
//! }
//! # Ok(()) }
//! ```

pub use cloud_common::{CallOptions, ClientConfig, Error, ErrorKind, RetryPolicy, Secret};

#[cfg(feature = "v0")]
pub mod v0;

/// The crate's user agent: `tensordock-api/<version>`.
pub const USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));
