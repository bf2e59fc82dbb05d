//! `cargo xtask semver` without `cargo-semver-checks`: the fixture pairs it
//! checks, the diff's verdict on each single-change pair, the crates it
//! writes, and how it reads the tool's output. (`cargo xtask semver`
//! itself runs the tool; see `docs/xtask.md`.)

use std::path::Path;

use xtask::semver::{self, Case};

fn all_cases() -> Vec<Case> {
    let root = xtask::workspace_root().unwrap();
    semver::FIXTURE_DIRS
        .iter()
        .flat_map(|dir| semver::cases(&root.join(dir)).expect("fixture folder"))
        .collect()
}

fn case(name: &str) -> Case {
    all_cases()
        .into_iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no fixture pair {name}"))
}

#[test]
fn every_pair_of_both_folders_is_checked() {
    let names: Vec<String> = all_cases().into_iter().map(|c| c.name).collect();
    for expected in [
        "diff/enums",
        "diff/request_fields",
        "semver/request_optional_field",
    ] {
        assert!(names.contains(&expected.to_string()), "{names:?}");
    }
    // One pair per `<case>.old.yaml` in each folder.
    let root = xtask::workspace_root().unwrap();
    let olds: usize = semver::FIXTURE_DIRS
        .iter()
        .map(|dir| {
            std::fs::read_dir(root.join(dir))
                .expect("folder")
                .filter(|e| {
                    let name = e.as_ref().expect("entry").file_name();
                    name.to_string_lossy().ends_with(".old.yaml")
                })
                .count()
        })
        .sum();
    assert_eq!(names.len(), olds);
}

/// The diff's verdict on each single-change pair: what
/// `cargo-semver-checks` must agree with.
#[test]
fn single_change_pairs_are_classified_as_rust_breaks_them() {
    let expected = [
        ("request_optional_field", false),
        ("response_optional_field", false),
        ("request_named_enum_value", false),
        ("response_named_enum_value", false),
        ("request_inline_enum_value", false),
        ("operation_added", false),
        ("optional_parameter_added", false),
        ("response_inline_enum_value", true),
        ("request_required_field", true),
        ("request_field_removed", true),
        ("enum_value_removed", true),
        ("operation_removed", true),
        ("request_field_now_required", true),
        ("response_field_type_changed", true),
    ];
    for (name, breaking) in expected {
        let (verdict, changes) =
            semver::diff_verdict(&case(&format!("semver/{name}"))).expect("fixture pair loads");
        assert_eq!(verdict, breaking, "{name}: {changes:?}");
    }
    let singles = all_cases()
        .iter()
        .filter(|c| c.name.starts_with("semver/"))
        .count();
    assert_eq!(
        singles,
        expected.len(),
        "every single-change pair has a verdict here"
    );
}

#[test]
fn known_gaps_are_pairs_the_diff_calls_breaking() {
    for (name, why) in semver::KNOWN_GAPS {
        let (breaking, _) = semver::diff_verdict(&case(name)).expect("fixture pair loads");
        assert!(
            breaking,
            "{name}: a gap may only make the diff the stricter one ({why})"
        );
    }
}

fn row(case: &str, diff_breaking: bool, semver_breaking: bool) -> semver::Row {
    semver::Row {
        case: case.to_string(),
        diff_breaking,
        semver: semver::SemverVerdict {
            breaking: semver_breaking,
            lints: Vec::new(),
        },
    }
}

#[test]
fn only_agreement_or_a_known_gap_passes() {
    use semver::Outcome::*;
    let gap = semver::KNOWN_GAPS[0].0;
    let cases = [
        (row("semver/x", true, true), Agree, true),
        (row("semver/x", false, false), Agree, true),
        (row("semver/x", true, false), Disagree, false),
        (row("semver/x", false, true), Disagree, false),
        (row(gap, true, false), KnownGap, true),
        // The tool learnt the lint: the list must shrink.
        (row(gap, true, true), GapClosed, false),
        // Never excused: the tool stricter than the diff.
        (row(gap, false, true), Disagree, false),
    ];
    for (r, outcome, passes) in cases {
        assert_eq!((r.outcome(), r.passes()), (outcome, passes), "{r}");
    }
}

#[test]
fn every_pair_generates_a_crate() {
    let root = xtask::workspace_root().unwrap();
    let dir = std::env::temp_dir().join(format!("xtask-semver-test-{}", std::process::id()));
    for case in all_cases() {
        for (side, spec) in [("old", &case.old), ("new", &case.new)] {
            let out = dir.join(case.name.replace('/', "-")).join(side);
            semver::write_crate(&root, spec, &out)
                .unwrap_or_else(|e| panic!("{} {side}: {e}", case.name));
            let manifest = std::fs::read_to_string(out.join("Cargo.toml")).expect("manifest");
            assert!(manifest.contains("name = \"semver-fixture\""), "{manifest}");
            assert!(out.join("Cargo.lock").exists());
            assert!(out.join("src/lib.rs").exists());
        }
    }
    // The request struct of the issue is non-exhaustive in what is checked.
    let client =
        std::fs::read_to_string(dir.join("semver-request_optional_field/new/src/client.rs"))
            .expect("client");
    let at = client
        .find("pub struct CreateThing {")
        .expect("CreateThing");
    assert!(
        client[..at].trim_end().ends_with("#[non_exhaustive]"),
        "{}",
        &client[at.saturating_sub(300)..at]
    );
    std::fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn failed_lints_are_read_from_the_report() {
    let report = "\
     Parsing semver-fixture v1.0.0 (current)
     Checked [   0.010s] 120 checks: 118 pass, 2 fail, 0 warn, 0 skip

--- failure enum_variant_added: enum variant added on exhaustive enum ---

--- failure struct_pub_field_missing: pub struct's pub field removed or renamed ---
     Summary semver requires new major version: 2 major and 0 minor checks failed";
    assert_eq!(
        semver::failed_lints(report),
        ["enum_variant_added", "struct_pub_field_missing"]
    );
    assert!(semver::failed_lints("Summary no semver update required").is_empty());
}

#[test]
fn a_missing_folder_is_an_error() {
    let err = semver::cases(Path::new("no/such/folder")).unwrap_err();
    assert!(err.contains("no/such/folder"), "{err}");
}
