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
//! - [`since`]: the first CloudTower release of every operation, its
//!   table recomputed from the per-release documents and stamped on the
//!   spec as `x-cloudtower-since`.
//! - [`msrv`]: the declared `rust-version` checked against every
//!   dependency's in `Cargo.lock`.
//! - [`build_cost`]: what a cold build of each provider crate costs, with
//!   and without code generation, against the dependency floor.
//! - [`yaml`]: YAML scalars for the text edits of `import` and `sync`.
//! - [`targets`]: the providers all of the above work on.
//! - [`official`]: the official CloudTower documents vendored in
//!   `upstream/cloudtower/`, which `upstream`, `sync` and `import` default to.
//!
//! Specs are read with [`cloud_spec`], as JSON values.

pub mod build_cost;
pub mod diff;
pub mod import;
pub mod lint;
pub mod msrv;
pub mod official;
pub mod out;
pub mod semver;
pub mod since;
pub mod snapshot;
pub mod sync;
pub mod targets;
pub mod upstream;
pub mod yaml;

use std::path::{Path, PathBuf};

/// The workspace root of the checkout the command runs in: every spec and
/// snapshot path is relative to it.
///
/// Found at run time, as the nearest folder at or above the current
/// directory whose `Cargo.toml` has a `[workspace]` table, so `cargo xtask`
/// works from any folder of the workspace and acts on the checkout it runs
/// in. (A path fixed at compile time would name whichever checkout built
/// the binary: cargo reuses one build across checkouts that share a target
/// directory.)
pub fn workspace_root() -> Result<PathBuf, String> {
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))?;
    find_workspace_root(&cwd).ok_or_else(|| {
        format!(
            "{} is not inside a Cargo workspace (no Cargo.toml with [workspace] at or above it)",
            cwd.display()
        )
    })
}

/// The nearest folder at or above `start` whose `Cargo.toml` declares a
/// `[workspace]` (a member's own `Cargo.toml` does not, so it is passed).
pub fn find_workspace_root(start: &Path) -> Option<PathBuf> {
    start.ancestors().find_map(|dir| {
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).ok()?;
        let declares = manifest.lines().any(|line| {
            let line = line.trim();
            line == "[workspace]" || line.starts_with("[workspace.")
        });
        declares.then(|| dir.to_path_buf())
    })
}
