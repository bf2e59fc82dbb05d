//! The target list and the snapshot plumbing behind `regen` and `check`.

use std::path::PathBuf;

use xtask::snapshot::{self, Snapshot};
use xtask::targets;

#[test]
fn check_prints_a_unified_diff() {
    let stale = Snapshot {
        provider: "demo",
        path: PathBuf::from("crates/demo/generated/client.rs"),
        current: Some("pub struct A;\npub struct B;\npub struct C;\n".into()),
        generated: "pub struct A;\npub struct B2;\npub struct C;\n".into(),
    };
    assert!(stale.is_stale());
    assert_eq!(
        stale.diff(),
        "--- a/crates/demo/generated/client.rs\n\
         +++ b/crates/demo/generated/client.rs\n\
         @@ -1,3 +1,3 @@\n \
         pub struct A;\n\
         -pub struct B;\n\
         +pub struct B2;\n \
         pub struct C;\n"
    );
}

#[test]
fn a_missing_snapshot_is_one_line_not_the_whole_file() {
    let missing = Snapshot {
        provider: "demo",
        path: PathBuf::from("crates/demo/generated/client.rs"),
        current: None,
        generated: "a\nb\n".into(),
    };
    assert!(missing.is_stale());
    assert_eq!(
        missing.diff(),
        "crates/demo/generated/client.rs: missing; `cargo xtask regen` creates it (2 lines)\n"
    );
}

#[test]
fn an_up_to_date_snapshot_has_no_diff() {
    let same = Snapshot {
        provider: "demo",
        path: PathBuf::from("x.rs"),
        current: Some("a\n".into()),
        generated: "a\n".into(),
    };
    assert!(!same.is_stale());
    assert_eq!(snapshot::unified_diff("a\n", "a\n", "a/x", "b/x"), "");
}

#[test]
fn an_unknown_provider_lists_the_known_ones() {
    let err = targets::select(Some("aws")).unwrap_err();
    assert!(
        err.starts_with(
            "unknown provider `aws`; one of: tensordock, neolink, tensordock-v2, cloudtower"
        ),
        "{err}"
    );
    let one = targets::select(Some("neolink")).unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].spec, "specs/neolink.yaml");
}
