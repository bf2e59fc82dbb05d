//! `cargo xtask diff` on fixture pairs (`tests/fixtures/diff/<case>.old.yaml`
//! → `<case>.new.yaml`), one pair per kind of change, each change checked
//! with its classification.

use std::path::Path;

use cloud_spec as spec;
use serde_json::Value;
use xtask::diff;

fn load(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/diff")
        .join(name);
    spec::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

/// The changes between a fixture pair, as `BREAKING …` / `ok …` lines.
fn changes(case: &str) -> Vec<String> {
    let old = load(&format!("{case}.old.yaml"));
    let new = load(&format!("{case}.new.yaml"));
    diff::diff(&old, &new)
        .iter()
        .map(|c| format!("{} {c}", if c.breaking { "BREAKING" } else { "ok" }))
        .collect()
}

fn assert_changes(case: &str, expected: &[&str]) {
    let actual = changes(case);
    assert_eq!(actual, expected, "{case}:\n{}", actual.join("\n"));
}

#[test]
fn operations_added_removed_and_moved() {
    assert_changes(
        "operations",
        &[
            "BREAKING operation deleteThing (DELETE /things/{id}): removed (its Rust method is gone)",
            "ok operation startThing (POST /things/{id}/start): added",
            "ok operation listThings (POST /v2/things): moved from GET /things (the Rust method keeps its name)",
        ],
    );
}

#[test]
fn parameters() {
    let p = "operation listThings (GET /things): parameter";
    assert_changes(
        "parameters",
        &[
            &format!("BREAKING {p} `region` (query): removed"),
            &format!(
                "BREAKING {p} `limit` (query): type changed from integer (int32) to integer (int64)"
            ),
            &format!("BREAKING {p} `page` (query): now required"),
            &format!("ok {p} `cursor` (query): now optional"),
            &format!("BREAKING {p} `order` (query): enum value `asc` removed"),
            &format!("ok {p} `order` (query): enum value `random` added"),
            &format!("BREAKING {p} `project` (query): added, required"),
            &format!("ok {p} `verbose` (query): added, optional"),
        ],
    );
}

#[test]
fn request_fields() {
    // `CreateThing` is only sent: users build it.
    let s = "schema `CreateThing`: property";
    assert_changes(
        "request_fields",
        &[
            &format!("BREAKING {s} `note`: removed"),
            &format!("ok {s} `colour`: added, optional"),
            &format!(
                "BREAKING {s} `image`: now required (the Rust field is no longer an `Option`)"
            ),
            &format!("BREAKING {s} `labels`: no longer nullable"),
            &format!("ok {s} `owner`: now nullable"),
            &format!(
                "BREAKING {s} `placement`: now required (the Rust field is no longer an `Option`)"
            ),
            &format!("ok {s} `placement.rack`: added, optional"),
            &format!(
                "BREAKING {s} `placement.zone`: now required (the Rust field is no longer an `Option`)"
            ),
            &format!("BREAKING {s} `project`: added, required"),
            // Builders keep compiling; code that reads or assigns `size`
            // does not.
            &format!("BREAKING {s} `size`: now optional (the Rust field becomes an `Option`)"),
            &format!("BREAKING {s} `size`: type changed from integer (int32) to integer (int64)"),
            &format!("BREAKING {s} `tags`: type changed from string to array of string"),
        ],
    );
}

#[test]
fn response_fields() {
    // `Thing` is only received: users read it, so what matters is whether
    // a field moves in or out of an `Option`.
    let s = "schema `Thing`: property";
    assert_changes(
        "response_fields",
        &[
            &format!("BREAKING {s} `note`: removed"),
            // Optional → required and nullable: `Option` before and after.
            &format!("ok {s} `cpu`: now required, now nullable"),
            &format!("ok {s} `created_at`: added, optional"),
            // An optional array is a `Vec` (default empty), not an `Option`.
            &format!("ok {s} `disks`: now required"),
            &format!("BREAKING {s} `host`: now required (the Rust field is no longer an `Option`)"),
            &format!("ok {s} `ip`: now nullable"),
            &format!("BREAKING {s} `memory`: type changed from integer to number"),
            &format!("BREAKING {s} `name`: now optional (the Rust field becomes an `Option`)"),
            &format!("ok {s} `owner`: added, optional"),
            &format!("BREAKING {s} `size`: now nullable (the Rust field becomes an `Option`)"),
            &format!("BREAKING {s} `zone`: type changed from string to `Zone`"),
            "ok schema `Zone`: added",
        ],
    );
}

#[test]
fn enum_values() {
    assert_changes(
        "enums",
        &[
            // Request enum: users may no longer send it.
            "BREAKING schema `Kind`: enum value `CONTAINER` removed",
            // Request enum: one more value users may send.
            "ok schema `Query`: property `order`: enum value `RANDOM` added",
            "BREAKING schema `Status`: enum value `PAUSED` removed",
            // Named response enum: generated open, a new value is harmless.
            "ok schema `Status`: enum value `SUSPENDED` added",
            // Inline response enum: generated closed.
            "BREAKING schema `Thing`: property `phase`: enum value `FAILED` added to a closed (inline) enum in a response: exhaustive matches break and older clients reject the value",
        ],
    );
}

#[test]
fn bodies_and_schemas() {
    assert_changes(
        "bodies",
        &[
            "BREAKING operation listThings (GET /things): response: type changed from array of `Thing` to `ThingPage`",
            "BREAKING operation listThings (GET /things): error response: type changed from `Error` to `Problem`",
            "BREAKING operation createThing (POST /things): request body is now application/json (was application/x-www-form-urlencoded); the generated body setter changes",
            "BREAKING operation createThing (POST /things): response now has a body (`Thing`); the Rust return type changes",
            "ok operation startThing (POST /things/{id}/start): request body added, optional",
            "BREAKING schema `Legacy`: removed (the Rust type `types::Legacy` is gone)",
            "ok schema `Problem`: added",
            "ok schema `ThingPage`: added",
        ],
    );
}

#[test]
fn an_unchanged_spec_has_no_changes() {
    let root = xtask::workspace_root().unwrap();
    for target in xtask::targets::TARGETS.iter().copied() {
        let doc = spec::load(&root.join(target.spec)).expect("spec");
        assert_eq!(diff::diff(&doc, &doc), [], "{}", target.spec);
    }
}

#[test]
fn a_new_spec_is_all_additions() {
    let new = load("bodies.new.yaml");
    let changes = diff::diff(&diff::empty_spec(), &new);
    assert!(!changes.is_empty());
    assert!(changes.iter().all(|c| !c.breaking), "{changes:#?}");
}

#[test]
fn the_base_spec_comes_from_git() {
    let root = xtask::workspace_root().unwrap();
    let head = diff::spec_at(&root, "HEAD", "specs/tensordock.yaml").expect("HEAD");
    assert!(head.is_some_and(|text| text.contains("openapi:")));
    let absent = diff::spec_at(&root, "HEAD", "specs/no-such-spec.yaml").expect("HEAD");
    assert_eq!(absent, None);
    let err = diff::spec_at(&root, "no-such-revision-x", "specs/tensordock.yaml").unwrap_err();
    assert!(err.contains("not a git revision"), "{err}");
}
