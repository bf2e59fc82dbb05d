//! `cargo xtask` acts on the checkout it runs in, not on the one that built
//! it: the binary built from this checkout is run from copies elsewhere (as
//! cargo does when checkouts share a target directory), and must read theirs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A fresh folder of this test's own under the system's temp directory.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xtask-root-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn fixture(name: &str) -> PathBuf {
    xtask::workspace_root()
        .unwrap()
        .join("xtask/tests/fixtures/upstream")
        .join(name)
}

/// A checkout elsewhere: a workspace manifest, one member with its own
/// manifest, and the files given (relative path, contents).
fn checkout(name: &str, files: &[(&str, &[u8])]) -> PathBuf {
    let dir = scratch(name);
    std::fs::write(
        dir.join("Cargo.toml"),
        "[workspace]\nmembers = [\"member\"]\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("member/src")).unwrap();
    std::fs::write(
        dir.join("member/Cargo.toml"),
        "[package]\nname = \"member\"\nversion = \"0.1.0\"\n",
    )
    .unwrap();
    for (path, contents) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }
    dir
}

fn xtask(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn the_root_is_the_nearest_workspace_manifest_above_the_current_directory() {
    let dir = checkout("find", &[]);
    let found = xtask::find_workspace_root(&dir.join("member/src")).unwrap();
    // The member's own Cargo.toml (no [workspace]) is passed over.
    assert_eq!(found, dir);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn lint_reads_the_specs_of_the_checkout_it_runs_in() {
    let real = xtask::workspace_root().unwrap();
    let spec = std::fs::read(real.join("specs/tensordock.yaml")).unwrap();
    let dir = checkout("lint", &[("specs/tensordock.yaml", &spec)]);
    // From a folder inside the other checkout.
    let out = xtask(&dir.join("member/src"), &["lint", "tensordock"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("specs/tensordock.yaml: ok"),
        "{}",
        text(&out)
    );

    // Break the copy's spec: the binary must see the copy, not this checkout.
    std::fs::write(dir.join("specs/tensordock.yaml"), "openapi: [").unwrap();
    let out = xtask(&dir, &["lint", "tensordock"]);
    assert!(!out.status.success(), "{}", text(&out));
    let copy = dir.join("specs/tensordock.yaml");
    assert!(
        text(&out).contains(&copy.display().to_string()),
        "names the copy's spec: {}",
        text(&out)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn upstream_defaults_to_the_vendored_document_of_the_checkout_it_runs_in() {
    let agrees = std::fs::read(fixture("agrees.yaml")).unwrap();
    let disagrees = std::fs::read(fixture("disagrees.yaml")).unwrap();
    let official = std::fs::read(fixture("official.json")).unwrap();
    let table = std::fs::read(fixture("operations-since.json")).unwrap();
    let vendored = "upstream/cloudtower/cloudtower-4.6.0-swagger.json";
    let dir = checkout(
        "upstream",
        &[
            ("specs/cloudtower.yaml", &agrees),
            (vendored, &official),
            (xtask::since::TABLE, &table),
        ],
    );
    let out = xtask(&dir, &["upstream", "cloudtower"]);
    assert!(out.status.success(), "{}", text(&out));
    let expected = format!("specs/cloudtower.yaml agrees with {vendored}");
    assert!(text(&out).contains(&expected), "{}", text(&out));
    // From below the root, the document is named in full.
    let out = xtask(&dir.join("member"), &["upstream", "cloudtower"]);
    let expected = format!(
        "specs/cloudtower.yaml agrees with {}",
        dir.join(vendored).display()
    );
    assert!(text(&out).contains(&expected), "{}", text(&out));

    std::fs::write(dir.join("specs/cloudtower.yaml"), &disagrees).unwrap();
    let out = xtask(&dir, &["upstream", "cloudtower"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("disagreement(s)"), "{}", text(&out));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn outside_any_workspace_the_command_says_so() {
    let dir = scratch("none");
    assert_eq!(
        xtask::find_workspace_root(&dir),
        None,
        "this test needs a temp directory with no Cargo workspace above it"
    );
    let out = xtask(&dir, &["lint"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("is not inside a Cargo workspace"),
        "{}",
        text(&out)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
