//! `cargo xtask build-cost`: what building a provider crate costs a user.
//!
//! For each provider crate it makes three throwaway user crates under
//! `target/build-cost/`, all with `default-features = false` and the
//! provider's own features:
//!
//! - `codegen`: with features `codegen`, `json-bodies` and `tls-ring`, i.e.
//!   what the defaults build (the client generated from the spec in
//!   `build.rs`);
//! - `snapshot`: with `json-bodies` and `tls-ring` (the committed snapshot
//!   is compiled, `cloud-codegen` is not);
//! - `lean`: none of them (the snapshot, without the request-only
//!   `Deserialize` impls and without a TLS provider: the program brings
//!   its own).
//!
//! Two baselines are built alongside: the dependency floor, a crate
//! depending only on the same `reqwest`, `serde`, `serde_json`, `tokio` and
//! `progenitor-client` (with the features of `[workspace.dependencies]`),
//! and the same floor plus the TLS provider the provider crates install
//! (`rustls` with `ring`, through `cloud-common`): the floor alone cannot
//! make an HTTPS request, so a user's own reqwest client would pay for one.
//! The like-for-like ratio compares a build with `tls-ring` with the floor
//! plus the TLS provider, and one without it with the floor.
//! Each crate is built cold (its own empty target directory, the versions
//! of the workspace's `Cargo.lock`, not incrementally, as a registry
//! dependency is), taking turns in every round, and the CPU time (user and
//! system of cargo and everything it ran) of each crate's best round is
//! compared with both baselines' (interference only adds time).
//! After each cold build no-op rebuilds are timed (the best of three) and
//! checked to run nothing (no compilation, no build script).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The provider crates and the features each is measured with.
pub const PROVIDERS: &[(&str, &[&str])] = &[
    ("neolink-api", &[]),
    ("cloudtower-api", &[]),
    ("tensordock-api", &["v2"]),
];

/// The dependencies of the floor: their lines are copied from the root
/// `Cargo.toml`'s `[workspace.dependencies]`, so the features stay the same.
pub const FLOOR_DEPS: &[&str] = &[
    "reqwest",
    "serde",
    "serde_json",
    "tokio",
    "progenitor-client",
];

/// What the second baseline adds to the floor: the TLS provider.
pub const TLS_DEPS: &[&str] = &["rustls"];

/// The kinds of provider build: label and the features added to the
/// provider's own.
pub const KINDS: &[(&str, &[&str])] = &[
    ("codegen", &["codegen", "json-bodies", "tls-ring"]),
    ("snapshot", &["json-bodies", "tls-ring"]),
    ("lean", &[]),
];

/// One throwaway crate to build.
#[derive(Debug, Clone)]
pub struct Variant {
    /// E.g. `neolink-api (codegen)`.
    pub label: String,
    /// Its folder.
    pub dir: PathBuf,
    /// Whether it compiles the TLS provider (`ring`): the baseline it is
    /// compared with like for like is then the floor plus the provider.
    pub tls: bool,
}

/// The measurements of one variant.
#[derive(Debug, Clone, Default)]
pub struct Measured {
    /// CPU time of each cold build.
    pub cpu: Vec<Duration>,
    /// Wall time of each no-op rebuild.
    pub noop: Vec<Duration>,
    /// Whether every no-op rebuild ran nothing.
    pub noop_fresh: bool,
}

/// The `[workspace.dependencies]` line of `name` in the root manifest.
fn workspace_dep_line(manifest: &str, name: &str) -> Result<String, String> {
    manifest
        .lines()
        .find(|l| l.starts_with(&format!("{name} =")))
        .map(str::to_string)
        .ok_or_else(|| format!("no `{name} = ...` in [workspace.dependencies]"))
}

/// Writes the two baselines (the floor first, then the floor with the TLS
/// provider) and the provider crates under `target/build-cost`.
pub fn prepare(root: &Path, providers: &[&str]) -> Result<Vec<Variant>, String> {
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).map_err(|e| e.to_string())?;
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).map_err(|e| e.to_string())?;
    let base = root.join("target/build-cost");
    let mut variants = Vec::new();
    let mut write = |name: &str,
                     label: String,
                     tls: bool,
                     deps: String,
                     uses: String|
     -> Result<(), String> {
        let dir = base.join(name);
        std::fs::create_dir_all(dir.join("src")).map_err(|e| e.to_string())?;
        let toml = format!(
            "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
             [dependencies]\n{deps}\n[workspace]\n"
        );
        std::fs::write(dir.join("Cargo.toml"), toml).map_err(|e| e.to_string())?;
        std::fs::write(dir.join("src/lib.rs"), uses).map_err(|e| e.to_string())?;
        std::fs::write(dir.join("Cargo.lock"), &lock).map_err(|e| e.to_string())?;
        variants.push(Variant { label, dir, tls });
        Ok(())
    };
    for (name, label, extra) in [
        ("floor", "floor", &[][..]),
        ("floor-tls", "floor + TLS provider", TLS_DEPS),
    ] {
        let mut deps = String::new();
        let mut uses = String::new();
        for dep in FLOOR_DEPS.iter().chain(extra) {
            deps.push_str(&workspace_dep_line(&manifest, dep)?);
            deps.push('\n');
            uses.push_str(&format!("pub use {};\n", dep.replace('-', "_")));
        }
        write(name, label.to_string(), !extra.is_empty(), deps, uses)?;
    }
    for provider in providers {
        let Some((_, features)) = PROVIDERS.iter().find(|(p, _)| p == provider) else {
            return Err(format!(
                "unknown provider crate `{provider}`; one of: {}",
                PROVIDERS.iter().map(|p| p.0).collect::<Vec<_>>().join(", ")
            ));
        };
        for (kind, added) in KINDS {
            let f: Vec<String> = features
                .iter()
                .chain(added.iter())
                .map(|f| format!("\"{f}\""))
                .collect();
            let path = root.join("crates").join(provider);
            let deps = format!(
                "{provider} = {{ path = \"{}\", default-features = false, features = [{}] }}\n",
                path.display(),
                f.join(", ")
            );
            write(
                &format!("{provider}-{kind}"),
                format!("{provider} ({kind})"),
                added.contains(&"tls-ring"),
                deps,
                format!("pub use {};\n", provider.replace('-', "_")),
            )?;
        }
    }
    Ok(variants)
}

/// CPU time (user + system) of this process's waited-for children and
/// their descendants, from `/proc/self/stat` (Linux only).
pub fn children_cpu() -> Result<Duration, String> {
    let stat = std::fs::read_to_string("/proc/self/stat")
        .map_err(|e| format!("cannot read /proc/self/stat (Linux only): {e}"))?;
    let after = stat.rsplit_once(')').map(|(_, s)| s).unwrap_or_default();
    let fields: Vec<&str> = after.split_whitespace().collect();
    // Fields 16 and 17 of proc(5) (cutime, cstime); `after` starts at field 3.
    let ticks = |i: usize| -> Result<u64, String> {
        fields
            .get(i - 3)
            .and_then(|f| f.parse().ok())
            .ok_or_else(|| "unexpected /proc/self/stat".to_string())
    };
    // USER_HZ is 100 on every Linux that Rust supports.
    Ok(Duration::from_millis((ticks(16)? + ticks(17)?) * 10))
}

fn cargo(dir: &Path, release: bool, verbose: bool) -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.arg("build")
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", dir.join("target"));
    // Not the workspace's settings: what a user's cargo does by default.
    cmd.env_remove("RUSTFLAGS")
        .env_remove("CARGO_BUILD_RUSTFLAGS")
        // As a dependency from a registry is built: cargo builds path
        // dependencies (how these throwaway crates reach the providers)
        // incrementally, registry ones never, and a cold incremental build
        // costs about 10% more CPU.
        .env("CARGO_INCREMENTAL", "0");
    if release {
        cmd.arg("--release");
    }
    if verbose {
        cmd.arg("-v");
    }
    cmd
}

/// One cold build of `variant` (CPU time), then no-op rebuilds (the best
/// wall time of three, and whether they all ran nothing).
pub fn measure(variant: &Variant, release: bool) -> Result<(Duration, Duration, bool), String> {
    let target = variant.dir.join("target");
    if target.exists() {
        std::fs::remove_dir_all(&target).map_err(|e| format!("{}: {e}", target.display()))?;
    }
    let before = children_cpu()?;
    let out = cargo(&variant.dir, release, false)
        .stdout(Stdio::null())
        .output()
        .map_err(|e| e.to_string())?;
    let cpu = children_cpu()? - before;
    if !out.status.success() {
        return Err(format!(
            "{}: cold build failed:\n{}",
            variant.label,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    // The best of three no-op rebuilds: wall time on a shared machine is
    // noisy; every one of them must run nothing.
    let mut noop = Duration::MAX;
    let mut fresh = true;
    for _ in 0..3 {
        let started = Instant::now();
        let out = cargo(&variant.dir, release, true)
            .stdout(Stdio::null())
            .output()
            .map_err(|e| e.to_string())?;
        noop = noop.min(started.elapsed());
        let log = String::from_utf8_lossy(&out.stderr);
        // `-v` prints `Running ...` for every rustc or build script it starts.
        fresh &= out.status.success() && !log.contains("Compiling") && !log.contains("Running");
    }
    Ok((cpu, noop, fresh))
}

/// The median of some durations.
pub fn median(values: &[Duration]) -> Duration {
    let mut v = values.to_vec();
    v.sort();
    match v.len() {
        0 => Duration::ZERO,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2,
    }
}
