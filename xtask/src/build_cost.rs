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
//!
//! This machine's speed drifts by a quarter within minutes, more than the
//! differences to measure, so each build also splits itself: cargo runs
//! rustc through this binary ([`RUSTC_LOG_ENV`], [`rustc_wrapper`]), which
//! logs the CPU time of every rustc by source file. The "in-build" ratio
//! of a build is its CPU time over what the floor's part of that same
//! build took: its rustc runs for source files the floor also compiles,
//! plus the floor's own CPU time outside rustc (cargo, build scripts; a
//! few seconds, measured in the floor's builds). Like the like-for-like
//! ratio, a build with `tls-ring` is split against the floor plus the TLS
//! provider instead. Both sides are measured in the same minutes, so drift
//! cancels. It slightly understates a build that compiles a floor crate
//! with more features (that growth counts as floor).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The provider crates and the features each is measured with.
pub const PROVIDERS: &[(&str, &[&str])] = &[
    ("neolink-api", &[]),
    // Its default operations (without them, no operation compiles).
    ("cloudtower-api", &["default-operations"]),
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

/// The environment variable that makes this binary a `RUSTC_WRAPPER`: the
/// file to append each rustc's CPU time to.
pub const RUSTC_LOG_ENV: &str = "XTASK_BUILD_COST_RUSTC_LOG";

/// Runs `rustc` with `args` as cargo asked (the binary is then
/// `RUSTC_WRAPPER`), and appends `<source file>\t<cpu seconds>` to `log`
/// for a compilation (not for cargo's `-vV` and `--print` queries).
/// Returns rustc's exit code.
pub fn rustc_wrapper(log: &Path, rustc: &str, args: &[String]) -> i32 {
    let before = children_cpu().unwrap_or_default();
    let status = match Command::new(rustc).args(args).status() {
        Ok(status) => status,
        Err(e) => {
            eprintln!("xtask build-cost: cannot run {rustc}: {e}");
            return 1;
        }
    };
    let cpu = children_cpu().unwrap_or_default().saturating_sub(before);
    if let Some(source) = args
        .iter()
        .find(|a| a.ends_with(".rs") && !a.starts_with('-'))
    {
        use std::io::Write;
        // One short O_APPEND write per rustc: cargo's parallel jobs do not
        // interleave within a line.
        let line = format!("{source}\t{:.3}\n", cpu.as_secs_f64());
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .and_then(|mut f| f.write_all(line.as_bytes()));
        if let Err(e) = written {
            eprintln!("xtask build-cost: cannot write {}: {e}", log.display());
            return 1;
        }
    }
    status.code().unwrap_or(1)
}

/// The rustc runs of one build, as [`rustc_wrapper`] logged them: source
/// file and CPU time.
pub fn read_rustc_log(log: &Path) -> Result<Vec<(String, Duration)>, String> {
    let text = std::fs::read_to_string(log).map_err(|e| format!("{}: {e}", log.display()))?;
    text.lines()
        .map(|line| {
            let (source, secs) = line
                .rsplit_once('\t')
                .ok_or_else(|| format!("{}: bad line {line:?}", log.display()))?;
            let secs: f64 = secs
                .parse()
                .map_err(|_| format!("{}: bad time in {line:?}", log.display()))?;
            Ok((source.to_string(), Duration::from_secs_f64(secs)))
        })
        .collect()
}

/// What a build is split against for its in-build ratio (see the module
/// docs): a baseline's source files and its CPU time outside rustc.
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    /// Every source file the baseline's builds compiled.
    pub sources: std::collections::HashSet<String>,
    /// The baseline's CPU time outside rustc (median over its builds).
    pub outside_rustc: Duration,
}

impl Baseline {
    /// The in-build ratio of one build: `cpu` over its rustc runs of the
    /// baseline's source files plus the baseline's CPU outside rustc.
    pub fn ratio(&self, cpu: Duration, rustc: &[(String, Duration)]) -> f64 {
        let part: Duration = rustc
            .iter()
            .filter(|(source, _)| self.sources.contains(source))
            .map(|(_, cpu)| *cpu)
            .sum();
        cpu.as_secs_f64() / (part + self.outside_rustc).as_secs_f64()
    }
}

/// The measurements of one variant.
#[derive(Debug, Clone, Default)]
pub struct Measured {
    /// CPU time of each cold build.
    pub cpu: Vec<Duration>,
    /// The rustc runs of each cold build (source file, CPU time).
    pub rustc: Vec<Vec<(String, Duration)>>,
    /// Wall time of each no-op rebuild.
    pub noop: Vec<Duration>,
    /// Whether every no-op rebuild ran nothing.
    pub noop_fresh: bool,
}

impl Measured {
    /// This variant's builds as the baseline of in-build ratios.
    pub fn baseline(&self) -> Baseline {
        let outside = self.cpu.iter().zip(&self.rustc).map(|(cpu, rustc)| {
            cpu.saturating_sub(rustc.iter().map(|(_, t)| *t).sum())
                .as_secs_f64()
        });
        Baseline {
            sources: self
                .rustc
                .iter()
                .flatten()
                .map(|(source, _)| source.clone())
                .collect(),
            outside_rustc: Duration::from_secs_f64(median(outside)),
        }
    }

    /// The median over the rounds of this variant's in-build ratio against
    /// `baseline`.
    pub fn in_build_ratio(&self, baseline: &Baseline) -> f64 {
        median(
            self.cpu
                .iter()
                .zip(&self.rustc)
                .map(|(cpu, rustc)| baseline.ratio(*cpu, rustc)),
        )
    }
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
///
/// With `extra` feature sets (`cargo xtask build-cost --features full`),
/// each provider is built as its `snapshot` kind and once more per set:
/// the snapshot with `json-bodies`, `tls-ring` and that set instead of the
/// provider's own features (e.g. one tag feature alone, or `full`).
pub fn prepare(root: &Path, providers: &[&str], extra: &[String]) -> Result<Vec<Variant>, String> {
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
        let mut kinds: Vec<(String, Vec<String>)> = KINDS
            .iter()
            .filter(|(kind, _)| extra.is_empty() || *kind == "snapshot")
            .map(|(kind, added)| {
                let f = features.iter().chain(added.iter()).map(|f| f.to_string());
                (kind.to_string(), f.collect())
            })
            .collect();
        for set in extra {
            let mut f: Vec<String> = ["json-bodies", "tls-ring"].map(String::from).to_vec();
            f.extend(
                set.split(',')
                    .map(str::trim)
                    .filter(|f| !f.is_empty())
                    .map(String::from),
            );
            kinds.push((set.replace(',', "+"), f));
        }
        for (kind, added) in &kinds {
            let f: Vec<String> = added.iter().map(|f| format!("\"{f}\"")).collect();
            let path = root.join("crates").join(provider);
            let deps = format!(
                "{provider} = {{ path = \"{}\", default-features = false, features = [{}] }}\n",
                path.display(),
                f.join(", ")
            );
            write(
                &format!("{provider}-{kind}"),
                format!("{provider} ({kind})"),
                added.iter().any(|f| f == "tls-ring"),
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

fn cargo(dir: &Path, release: bool, verbose: bool) -> Result<Command, String> {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    let me = std::env::current_exe().map_err(|e| format!("where is this binary: {e}"))?;
    cmd.arg("build")
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", dir.join("target"))
        // Every rustc through `rustc_wrapper`, no-op rebuilds too (cargo
        // would rebuild everything for a changed wrapper).
        .env("RUSTC_WRAPPER", me)
        .env(RUSTC_LOG_ENV, dir.join("target/rustc-cpu.log"));
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
    Ok(cmd)
}

/// One cold build of `variant` (CPU time), then no-op rebuilds (the best
/// wall time of three, and whether they all ran nothing).
pub fn measure(variant: &Variant, release: bool) -> Result<Build, String> {
    let target = variant.dir.join("target");
    if target.exists() {
        std::fs::remove_dir_all(&target).map_err(|e| format!("{}: {e}", target.display()))?;
    }
    let before = children_cpu()?;
    let out = cargo(&variant.dir, release, false)?
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
    let rustc = read_rustc_log(&target.join("rustc-cpu.log"))?;
    // The best of three no-op rebuilds: wall time on a shared machine is
    // noisy; every one of them must run nothing.
    let mut noop = Duration::MAX;
    let mut fresh = true;
    for _ in 0..3 {
        let started = Instant::now();
        let out = cargo(&variant.dir, release, true)?
            .stdout(Stdio::null())
            .output()
            .map_err(|e| e.to_string())?;
        noop = noop.min(started.elapsed());
        let log = String::from_utf8_lossy(&out.stderr);
        // `-v` prints `Running ...` for every rustc or build script it starts.
        fresh &= out.status.success() && !log.contains("Compiling") && !log.contains("Running");
    }
    Ok(Build {
        cpu,
        rustc,
        noop,
        fresh,
    })
}

/// What [`measure`] saw of one cold build and its no-op rebuilds.
#[derive(Debug, Clone)]
pub struct Build {
    /// CPU time of the cold build (cargo and all it ran).
    pub cpu: Duration,
    /// Its rustc runs: source file and CPU time.
    pub rustc: Vec<(String, Duration)>,
    /// The best wall time of the no-op rebuilds.
    pub noop: Duration,
    /// Whether every no-op rebuild ran nothing.
    pub fresh: bool,
}

/// The median of some values (0 for none): seconds or ratios.
pub fn median(values: impl IntoIterator<Item = f64>) -> f64 {
    let mut v: Vec<f64> = values.into_iter().collect();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_in_build_ratio_counts_only_the_floors_sources_as_floor() {
        let dir = std::env::temp_dir().join(format!("xtask-rustc-log-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let log = dir.join("rustc-cpu.log");
        std::fs::write(&log, "/reg/serde/src/lib.rs\t6.000\n/reg/cloud-common/src/lib.rs\t3.500\n/reg/serde/build.rs\t0.500\n").unwrap();
        let rustc = read_rustc_log(&log).unwrap();
        assert_eq!(rustc.len(), 3);
        assert_eq!(rustc[1].1, Duration::from_millis(3500));
        let floor = Baseline {
            sources: ["/reg/serde/src/lib.rs", "/reg/serde/build.rs"]
                .map(String::from)
                .into(),
            outside_rustc: Duration::from_millis(1500),
        };
        // 12 s in all; the floor's part is 6.5 s of rustc plus 1.5 s outside it.
        let ratio = floor.ratio(Duration::from_secs(12), &rustc);
        assert!((ratio - 1.5).abs() < 1e-9, "{ratio}");
        std::fs::write(&log, "no tab here\n").unwrap();
        assert!(read_rustc_log(&log).unwrap_err().contains("bad line"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_baseline_is_every_source_its_rounds_compiled_and_their_median_rest() {
        let run = |source: &str, secs: u64| (source.to_string(), Duration::from_secs(secs));
        let floor = Measured {
            cpu: vec![Duration::from_secs(10), Duration::from_secs(14)],
            rustc: vec![vec![run("a.rs", 8)], vec![run("a.rs", 9), run("b.rs", 1)]],
            ..Default::default()
        };
        let baseline = floor.baseline();
        assert_eq!(baseline.sources.len(), 2);
        // 2 s and 4 s outside rustc.
        assert_eq!(baseline.outside_rustc, Duration::from_secs(3));
        let user = Measured {
            cpu: vec![Duration::from_secs(33), Duration::from_secs(30)],
            rustc: vec![
                vec![run("a.rs", 8), run("mine.rs", 10)],
                vec![run("a.rs", 11), run("b.rs", 1), run("mine.rs", 14)],
            ],
            ..Default::default()
        };
        // 33 / (8 + 3) = 3.0 and 30 / (12 + 3) = 2.0: the median is 2.5.
        assert!((user.in_build_ratio(&baseline) - 2.5).abs() < 1e-9);
    }
}
