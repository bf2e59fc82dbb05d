//! `cargo xtask semver`: checks the classification of `cargo xtask diff`
//! against `cargo-semver-checks`, the ground truth for what breaks Rust
//! code that uses a crate.
//!
//! For each fixture pair (`<case>.old.yaml` → `<case>.new.yaml`) both specs
//! are generated through [`cloud_codegen::generate`], exactly as `build.rs`
//! does, into two throwaway crates under `target/semver/<case>/`, and
//! `cargo semver-checks check-release --release-type minor` compares them:
//! it fails exactly when the change needs a major release, i.e. breaks
//! users. That verdict must equal the diff's (any change breaking).
//!
//! `cargo-semver-checks` sees the Rust API only, and only through the lints
//! it has. What the diff also calls breaking but no compiler sees (a value
//! the server now requires, which a builder reports at run time; a response
//! an older client can no longer decode) is left to the diff. Where the
//! tool has no lint for a real Rust break, the pair is listed in
//! [`KNOWN_GAPS`] with what it misses: such a pair passes while the tool
//! misses it and fails once it no longer does, so the list stays true. A
//! gap only ever goes one way: the diff stricter than the tool.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

use cloud_spec as spec;

use crate::diff;

/// The fixture folders whose pairs are checked, relative to the workspace
/// root: the diff's own pairs, and single-change pairs for each rule.
pub const FIXTURE_DIRS: &[&str] = &["xtask/tests/fixtures/diff", "xtask/tests/fixtures/semver"];

/// Pairs that `cargo xtask diff` rightly calls breaking and
/// `cargo-semver-checks` 0.51 passes, with the Rust break it has no lint
/// for (each was checked on a two-line crate as well).
pub const KNOWN_GAPS: &[(&str, &str)] = &[
    (
        "semver/request_required_field",
        "a removed `#[derive(Default)]`: `Options::default()` no longer compiles",
    ),
    (
        "semver/request_field_now_required",
        "a field type change (`Option<i64>` to `i64`)",
    ),
    (
        "semver/response_field_type_changed",
        "a field type change (`String` to `i64`)",
    ),
];

/// One fixture pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// `<folder name>/<case>`, e.g. `semver/request_optional_field`.
    pub name: String,
    /// The old spec.
    pub old: PathBuf,
    /// The new spec.
    pub new: PathBuf,
}

/// The fixture pairs in `dir`, by name: every `<case>.old.yaml` with a
/// `<case>.new.yaml` beside it.
pub fn cases(dir: &Path) -> Result<Vec<Case>, String> {
    let folder = dir
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut cases = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
        let file = path.file_name().unwrap_or_default().to_string_lossy();
        let Some(case) = file.strip_suffix(".old.yaml") else {
            continue;
        };
        let new = dir.join(format!("{case}.new.yaml"));
        if !new.exists() {
            return Err(format!("{} has no {}", path.display(), new.display()));
        }
        cases.push(Case {
            name: format!("{folder}/{case}"),
            old: path.clone(),
            new,
        });
    }
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(cases)
}

/// Whether `cargo xtask diff` calls any change of `case` breaking, and the
/// breaking changes it names.
pub fn diff_verdict(case: &Case) -> Result<(bool, Vec<String>), String> {
    let changes = diff::diff(&spec::load(&case.old)?, &spec::load(&case.new)?);
    let breaking: Vec<String> = changes
        .iter()
        .filter(|c| c.breaking)
        .map(|c| c.to_string())
        .collect();
    Ok((!breaking.is_empty(), breaking))
}

/// The `Cargo.toml` of a throwaway crate: the generated code's runtime
/// dependencies, by path for ours and by the workspace's versions
/// otherwise (the workspace lock file is copied beside it, so nothing new
/// is resolved).
fn manifest(root: &Path) -> String {
    format!(
        r#"# Written by `cargo xtask semver`; thrown away.
[package]
name = "semver-fixture"
version = "1.0.0"
edition = "2024"
publish = false

# Not a member of the project's workspace.
[workspace]

[dependencies]
cloud-common = {{ path = "{common}" }}
progenitor-client = "0.15.1"
reqwest = {{ version = "0.13", default-features = false, features = ["json", "query"] }}
serde = {{ version = "1", features = ["derive"] }}
serde_json = "1"
chrono = {{ version = "0.4", default-features = false, features = ["serde", "std"] }}
"#,
        common = root.join("crates/cloud-common").display()
    )
}

/// What includes the generated client, as `cloud_common::generated_client!`
/// does in the provider crates.
const LIB_RS: &str = "//! Written by `cargo xtask semver`; thrown away.
#![allow(missing_docs, clippy::all)]

pub mod generated {
    include!(\"client.rs\");
}

pub use generated::types;

cloud_common::impl_client_hooks!(generated::Client);
";

/// Writes a crate at `dir` whose API is the client generated from `spec`.
pub fn write_crate(root: &Path, spec: &Path, dir: &Path) -> Result<(), String> {
    let generated = cloud_codegen::generate(spec, "crate").map_err(|e| e.to_string())?;
    let src = dir.join("src");
    std::fs::create_dir_all(&src).map_err(|e| format!("{}: {e}", src.display()))?;
    let write = |path: PathBuf, text: &str| {
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))
    };
    write(dir.join("Cargo.toml"), &manifest(root))?;
    write(src.join("lib.rs"), LIB_RS)?;
    write(src.join("client.rs"), &generated.client)?;
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock"))
        .map_err(|e| format!("Cargo.lock: {e}"))?;
    Ok(())
}

/// What `cargo-semver-checks` said about one pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SemverVerdict {
    /// It requires a major release: the change breaks users.
    pub breaking: bool,
    /// The lints that failed (`--- failure <lint>: …`), in its order.
    pub lints: Vec<String>,
}

/// The lints named in `cargo semver-checks` output.
pub fn failed_lints(output: &str) -> Vec<String> {
    output
        .lines()
        .filter_map(|l| l.trim().strip_prefix("--- failure "))
        .filter_map(|l| l.split(':').next())
        .map(str::to_string)
        .collect()
}

/// Runs `cargo semver-checks` on the crates at `old` and `new`, building in
/// `target` (shared by all pairs, so dependencies are built once).
pub fn semver_checks(old: &Path, new: &Path, target: &Path) -> Result<SemverVerdict, String> {
    let output = Command::new("cargo")
        .args(["semver-checks", "check-release", "--release-type", "minor"])
        .arg("--baseline-root")
        .arg(old)
        .arg("--manifest-path")
        .arg(new.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO_TERM_COLOR", "never")
        .output()
        .map_err(|e| format!("cannot run cargo semver-checks: {e}"))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    if output.status.success() {
        return Ok(SemverVerdict {
            breaking: false,
            lints: Vec::new(),
        });
    }
    let lints = failed_lints(&text);
    if text.contains("requires new major version") && !lints.is_empty() {
        Ok(SemverVerdict {
            breaking: true,
            lints,
        })
    } else {
        Err(format!("cargo semver-checks failed:\n{text}"))
    }
}

/// Whether `cargo semver-checks` can be run here.
pub fn installed() -> bool {
    Command::new("cargo")
        .args(["semver-checks", "--version"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// How the two verdicts on a pair relate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Both say the same.
    Agree,
    /// The diff says breaking, the tool ok, and [`KNOWN_GAPS`] says why.
    KnownGap,
    /// They disagree, and no known gap explains it.
    Disagree,
    /// A pair of [`KNOWN_GAPS`] on which they now agree: the list is stale.
    GapClosed,
}

/// What [`KNOWN_GAPS`] says the tool misses in `case`.
pub fn known_gap(case: &str) -> Option<&'static str> {
    KNOWN_GAPS
        .iter()
        .find(|(c, _)| *c == case)
        .map(|(_, why)| *why)
}

/// One row of the table `cargo xtask semver` prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The fixture pair.
    pub case: String,
    /// The diff calls it breaking.
    pub diff_breaking: bool,
    /// `cargo-semver-checks` calls it breaking.
    pub semver: SemverVerdict,
}

impl Row {
    /// How the verdicts relate.
    pub fn outcome(&self) -> Outcome {
        let agree = self.diff_breaking == self.semver.breaking;
        // Only the diff may be the stricter one.
        let gap = known_gap(&self.case).is_some() && self.diff_breaking;
        match (agree, gap) {
            (true, false) => Outcome::Agree,
            (true, true) => Outcome::GapClosed,
            (false, true) => Outcome::KnownGap,
            (false, false) => Outcome::Disagree,
        }
    }

    /// The pair passes: the verdicts agree, or differ as a known gap says.
    pub fn passes(&self) -> bool {
        matches!(self.outcome(), Outcome::Agree | Outcome::KnownGap)
    }
}

fn verdict(breaking: bool) -> &'static str {
    if breaking { "breaking" } else { "ok" }
}

impl fmt::Display for Row {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (agree, note) = match self.outcome() {
            Outcome::Agree => ("yes", self.semver.lints.join(", ")),
            Outcome::KnownGap => (
                "gap",
                format!("no lint for {}", known_gap(&self.case).unwrap_or_default()),
            ),
            Outcome::Disagree => ("NO", self.semver.lints.join(", ")),
            Outcome::GapClosed => (
                "NO",
                "agrees now: remove it from semver::KNOWN_GAPS".to_string(),
            ),
        };
        let line = format!(
            "{:<38} {:<9} {:<9} {:<6} {note}",
            self.case,
            verdict(self.diff_breaking),
            verdict(self.semver.breaking),
            agree,
        );
        f.write_str(line.trim_end())
    }
}

/// The table's header line.
pub const HEADER: &str =
    "case                                   diff      semver    agree  cargo-semver-checks lints";

/// Checks one pair: writes both crates under `work/<case>/` and compares.
pub fn check(root: &Path, case: &Case, work: &Path) -> Result<Row, String> {
    let (diff_breaking, _) = diff_verdict(case)?;
    let dir = work.join(case.name.replace('/', "-"));
    let (old, new) = (dir.join("old"), dir.join("new"));
    write_crate(root, &case.old, &old).map_err(|e| format!("{}: old: {e}", case.name))?;
    write_crate(root, &case.new, &new).map_err(|e| format!("{}: new: {e}", case.name))?;
    let semver = semver_checks(&old, &new, &work.join("target"))
        .map_err(|e| format!("{}: {e}", case.name))?;
    Ok(Row {
        case: case.name.clone(),
        diff_breaking,
        semver,
    })
}
