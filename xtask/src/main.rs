//! `cargo xtask <command>`: project automation.
//!
//! - `regen`: write every provider's generated client to `generated/`
//!   snapshots (reviewable, never compiled, never hand-edited).
//! - `check`: fail with a unified diff when a snapshot is stale.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// One generated client: the spec, where its snapshot lives, and the Rust
/// path its httpmock helpers refer to.
struct Target {
    provider: &'static str,
    spec: &'static str,
    snapshot: &'static str,
    crate_path: &'static str,
}

const TARGETS: &[Target] = &[
    Target {
        provider: "tensordock",
        spec: "specs/tensordock.yaml",
        snapshot: "crates/tensordock-api/generated/v0",
        crate_path: "crate::v0",
    },
    Target {
        provider: "neolink",
        spec: "specs/neolink.yaml",
        snapshot: "crates/neolink-api/generated",
        crate_path: "crate",
    },
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits in the workspace")
        .to_path_buf()
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("regen") => regen(false),
        Some("check") => regen(true),
        _ => {
            eprintln!("usage: cargo xtask <regen|check>");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

/// Generates every target; writes the snapshots, or with `check_only`
/// compares them and reports the difference.
fn regen(check_only: bool) -> Result<(), String> {
    let root = root();
    let mut stale = Vec::new();
    for target in TARGETS {
        let generated = cloud_codegen::generate(&root.join(target.spec), target.crate_path)
            .map_err(|e| e.to_string())?;
        for (suffix, text) in [
            ("client.rs", &generated.client),
            ("httpmock.rs", &generated.httpmock),
        ] {
            let path = root.join(target.snapshot).join(suffix);
            let current = std::fs::read_to_string(&path).unwrap_or_default();
            if current == *text {
                continue;
            }
            if check_only {
                stale.push(format!("{} ({})", path.display(), target.provider));
            } else {
                std::fs::create_dir_all(path.parent().expect("snapshot has a folder"))
                    .map_err(|e| e.to_string())?;
                std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
                println!(
                    "wrote {}",
                    path.strip_prefix(&root).unwrap_or(&path).display()
                );
            }
        }
    }
    if stale.is_empty() {
        if check_only {
            println!("generated snapshots are up to date");
        }
        Ok(())
    } else {
        Err(format!(
            "stale generated snapshots (run `cargo xtask regen`):\n  {}",
            stale.join("\n  ")
        ))
    }
}
