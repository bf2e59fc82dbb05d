//! The committed snapshots of the generated code (`regen`, `check`).
//!
//! Generated code is compiled from `OUT_DIR`; the same text, produced by the
//! same [`cloud_codegen::generate`], is committed under `crates/*/generated/`
//! so a reviewer sees what a spec change does to the Rust API.

use std::path::{Path, PathBuf};

use crate::targets::Target;

/// One generated file: what is on disk and what `regen` would write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// The provider it belongs to.
    pub provider: &'static str,
    /// The file, relative to the workspace root.
    pub path: PathBuf,
    /// What is there now; `None` when the file does not exist.
    pub current: Option<String>,
    /// What the generator produces from the spec; empty for a file that
    /// should not be there (a part of the client no longer generated),
    /// which `regen` removes.
    pub generated: String,
}

impl Snapshot {
    /// Whether `regen` would change the file.
    pub fn is_stale(&self) -> bool {
        match &self.current {
            None => !self.generated.is_empty(),
            Some(current) => *current != self.generated,
        }
    }

    /// A unified diff from the file on disk to what `regen` would write
    /// (empty when they are equal). A missing file is described in one
    /// line instead of printing thousands of added lines.
    pub fn diff(&self) -> String {
        let path = self.path.display().to_string();
        if self.generated.is_empty() && self.current.is_some() {
            return format!("{path}: no longer generated; `cargo xtask regen` removes it\n");
        }
        match &self.current {
            None => format!(
                "{path}: missing; `cargo xtask regen` creates it ({} lines)\n",
                self.generated.lines().count()
            ),
            Some(current) => unified_diff(
                current,
                &self.generated,
                &format!("a/{path}"),
                &format!("b/{path}"),
            ),
        }
    }
}

/// A unified diff of two texts with three lines of context (empty when
/// they are equal).
pub fn unified_diff(old: &str, new: &str, old_name: &str, new_name: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(old_name, new_name)
        .to_string()
}

/// The copy of a target's spec inside its crate, the one `cargo package`
/// ships and `build.rs` reads: `crates/<crate>/spec/<file>`, a symlink to
/// the file in `specs/` (relative to the workspace root).
pub fn packaged_spec(target: &Target) -> PathBuf {
    let crate_dir: PathBuf = Path::new(target.snapshot).components().take(2).collect();
    let file = Path::new(target.spec).file_name().unwrap_or_default();
    crate_dir.join("spec").join(file)
}

/// The copy of a target's spec inside its provider's fake crate, which
/// serves it: `crates/<provider>-fake/spec/<file>`, beside the client's
/// `crates/<provider>-api` (a symlink to the file in `specs/` too).
pub fn packaged_fake_spec(target: &Target) -> PathBuf {
    let client = packaged_spec(target);
    let mut parts: Vec<String> = client
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if let Some(name) = parts.get_mut(1) {
        *name = format!("{}-fake", name.trim_end_matches("-api"));
    }
    parts.iter().collect()
}

/// Generates every target and pairs each generated file with what is on
/// disk under `root`.
pub fn snapshots(root: &Path, targets: &[Target]) -> Result<Vec<Snapshot>, String> {
    let mut out = Vec::new();
    for target in targets {
        let generated = cloud_codegen::generate(&root.join(target.spec), target.crate_path)
            .map_err(|e| e.to_string())?;
        let mut files = generated.client_files;
        // Parts on disk that are no longer generated.
        let folder = Path::new(target.snapshot).join(cloud_codegen::parts::FOLDER);
        if let Ok(entries) = std::fs::read_dir(root.join(&folder)) {
            for entry in entries.flatten() {
                let name = format!(
                    "{}/{}",
                    cloud_codegen::parts::FOLDER,
                    entry.file_name().to_string_lossy()
                );
                if !files.iter().any(|(f, _)| *f == name) {
                    files.push((name, String::new()));
                }
            }
        }
        files.push(("httpmock.rs".into(), generated.httpmock));
        for (file, text) in files {
            let path = Path::new(target.snapshot).join(file);
            out.push(Snapshot {
                provider: target.provider,
                current: std::fs::read_to_string(root.join(&path)).ok(),
                path,
                generated: text,
            });
        }
        out.extend(manifest(root, target)?);
    }
    Ok(out)
}

/// The line that opens the generated tag features in a crate's
/// `Cargo.toml`.
pub const FEATURES_BEGIN: &str =
    "# BEGIN tag features: written by `cargo xtask regen` from the spec's tags; do not edit.";
/// The line that closes them.
pub const FEATURES_END: &str = "# END tag features";

/// The crate's `Cargo.toml` with its tag features as the spec implies
/// them (see [`cloud_codegen::features`]), for a spec with
/// `info.x-cargo-features`; `None` for the others.
fn manifest(root: &Path, target: &Target) -> Result<Option<Snapshot>, String> {
    let api = cloud_codegen::load(&root.join(target.spec)).map_err(|e| e.to_string())?;
    let Some(features) = cloud_codegen::features::TagFeatures::of(&api)
        .map_err(|e| format!("{}: {e}", target.spec))?
    else {
        return Ok(None);
    };
    let crate_dir: PathBuf = Path::new(target.snapshot).components().take(2).collect();
    let path = crate_dir.join("Cargo.toml");
    let current = std::fs::read_to_string(root.join(&path))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let (Some(begin), Some(end)) = (current.find(FEATURES_BEGIN), current.find(FEATURES_END))
    else {
        return Err(format!(
            "{}: no `{FEATURES_BEGIN}` ... `{FEATURES_END}` lines in [features] for the tag features of {}",
            path.display(),
            target.spec
        ));
    };
    let generated = format!(
        "{}{FEATURES_BEGIN}\n{}{}",
        &current[..begin],
        features.cargo_toml(),
        &current[end..]
    );
    Ok(Some(Snapshot {
        provider: target.provider,
        current: Some(current),
        path,
        generated,
    }))
}

/// Writes the stale snapshots under `root`; returns the paths written.
pub fn write(root: &Path, snapshots: &[Snapshot]) -> Result<Vec<PathBuf>, String> {
    let mut written = Vec::new();
    for snapshot in snapshots.iter().filter(|s| s.is_stale()) {
        let path = root.join(&snapshot.path);
        if snapshot.generated.is_empty() {
            std::fs::remove_file(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            written.push(snapshot.path.clone());
            continue;
        }
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder).map_err(|e| format!("{}: {e}", folder.display()))?;
        }
        std::fs::write(&path, &snapshot.generated)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        written.push(snapshot.path.clone());
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::targets::TARGETS;

    #[test]
    fn each_spec_is_packaged_by_its_client_and_its_fake() {
        let v2 = TARGETS.iter().find(|t| t.provider == "tensordock-v2");
        let v2 = v2.expect("tensordock-v2 is a target");
        assert_eq!(
            packaged_spec(v2),
            Path::new("crates/tensordock-api/spec/tensordock-v2.yaml")
        );
        assert_eq!(
            packaged_fake_spec(v2),
            Path::new("crates/tensordock-fake/spec/tensordock-v2.yaml")
        );
    }
}
