//! `cargo xtask msrv`: is the declared `rust-version` true?
//!
//! Reads `cargo metadata` (the packages of `Cargo.lock`) and compares the
//! `rust-version` of every workspace member that is published with the
//! `rust-version` declared by each dependency in the lock file. It fails
//! when a dependency needs a newer Rust than a published crate declares.

use std::cmp::Ordering;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// A `rust-version` as numbers (`1.88` is `[1, 88, 0]`).
pub fn parse_version(text: &str) -> Option<[u64; 3]> {
    let mut parts = text.trim().split('.').map(|p| p.parse::<u64>().ok());
    let major = parts.next()??;
    let minor = parts.next().unwrap_or(Some(0))?;
    let patch = parts.next().unwrap_or(Some(0))?;
    Some([major, minor, patch])
}

/// One package of the lock file and its declared `rust-version`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// Its name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// Its `rust-version`, when it declares one.
    pub rust_version: Option<String>,
    /// Whether it is a workspace member.
    pub member: bool,
    /// Whether it is published (`publish` is not `false`).
    pub published: bool,
}

/// The packages of `cargo metadata` output.
pub fn packages(metadata: &Value) -> Vec<Package> {
    let members: Vec<&str> = metadata["workspace_members"]
        .as_array()
        .map(|m| m.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    metadata["packages"]
        .as_array()
        .map(|packages| {
            packages
                .iter()
                .map(|p| Package {
                    name: p["name"].as_str().unwrap_or_default().to_string(),
                    version: p["version"].as_str().unwrap_or_default().to_string(),
                    rust_version: p["rust_version"].as_str().map(str::to_string),
                    member: p["id"].as_str().is_some_and(|id| members.contains(&id)),
                    // `publish: []` is `publish = false`; `null` is anywhere.
                    published: p["publish"].as_array().is_none_or(|r| !r.is_empty()),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// What the check found: the dependency with the highest `rust-version`,
/// and every (published member, dependency) pair where the dependency
/// needs more than the member declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The highest `rust-version` among the dependencies, and who declares it.
    pub highest: Option<(String, Package)>,
    /// `(member, its rust-version, dependency)` for each violation.
    pub too_new: Vec<(String, String, Package)>,
    /// Published members without a `rust-version`.
    pub undeclared: Vec<String>,
}

/// Compares the members' `rust-version` with every dependency's.
pub fn check(packages: &[Package]) -> Report {
    let cmp = |a: &str, b: &str| parse_version(a).cmp(&parse_version(b));
    let mut highest: Option<(String, Package)> = None;
    for p in packages.iter().filter(|p| !p.member) {
        if let Some(rv) = &p.rust_version
            && highest
                .as_ref()
                .is_none_or(|(h, _)| cmp(rv, h) == Ordering::Greater)
        {
            highest = Some((rv.clone(), p.clone()));
        }
    }
    let mut too_new = Vec::new();
    let mut undeclared = Vec::new();
    for m in packages.iter().filter(|p| p.member && p.published) {
        let Some(declared) = &m.rust_version else {
            undeclared.push(m.name.clone());
            continue;
        };
        for p in packages.iter().filter(|p| !p.member) {
            if let Some(rv) = &p.rust_version
                && cmp(rv, declared) == Ordering::Greater
            {
                too_new.push((m.name.clone(), declared.clone(), p.clone()));
            }
        }
    }
    Report {
        highest,
        too_new,
        undeclared,
    }
}

/// Runs `cargo metadata` in `root` (every package of `Cargo.lock`, all
/// features and targets) and checks it.
pub fn run(root: &Path) -> Result<Report, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--locked",
            "--all-features",
        ])
        .current_dir(root)
        .output()
        .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo metadata failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let metadata: Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("cargo metadata printed no JSON: {e}"))?;
    Ok(check(&packages(&metadata)))
}
