//! The logic behind `cargo xtask`: keeping generated clients, their specs
//! and the upstream APIs in step.
//!
//! It lives in a library so that `xtask/tests/` can drive every check on
//! small fixture specs; `main.rs` only parses arguments and prints.
//!
//! - [`snapshot`]: `regen` / `check`, the committed copies of the generated
//!   code, produced by the same [`cloud_codegen::generate`] as `build.rs`.
//! - [`diff`]: what a spec change does to the Rust API, breaking or not.
//! - [`semver`]: the diff's classification checked against
//!   `cargo-semver-checks` on fixture pairs.
//! - [`import`]: operations copied from the official CloudTower document
//!   into our spec, with the schemas they need, in the house conventions.
//! - [`lint`]: spec mistakes found before the build (or a user) does.
//! - [`upstream`]: where `specs/cloudtower.yaml` disagrees with the
//!   official CloudTower document.
//! - [`sync`]: what the official CloudTower document has and the spec
//!   lacks, and the non-breaking part of it written into the spec.
//! - [`msrv`]: the declared `rust-version` checked against every
//!   dependency's in `Cargo.lock`.
//! - [`build_cost`]: what a cold build of each provider crate costs, with
//!   and without code generation, against the dependency floor.
//! - [`yaml`]: YAML scalars for the text edits of `import` and `sync`.
//! - [`targets`]: the providers all of the above work on.
//!
//! Specs are read with [`cloud_spec`], as JSON values.

pub mod build_cost;
pub mod diff;
pub mod import;
pub mod lint;
pub mod msrv;
pub mod semver;
pub mod snapshot;
pub mod sync;
pub mod targets;
pub mod upstream;
pub mod yaml;

use std::path::{Path, PathBuf};

/// The workspace root: every spec and snapshot path is relative to it.
///
/// Taken from where the xtask was compiled rather than from the current
/// directory, so `cargo xtask` works from any folder of the workspace.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits in the workspace")
        .to_path_buf()
}
