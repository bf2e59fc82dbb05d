//! The vendored table of first releases against the official documents
//! vendored beside it, and the spec's stamps against the table.

use std::path::PathBuf;

use cloud_common::Version;
use cloud_spec as spec;
use xtask::since::{self, Recorded, Table};

fn root() -> PathBuf {
    xtask::workspace_root().unwrap()
}

fn table() -> Table {
    Table::load(&root().join(since::TABLE)).unwrap()
}

fn document(version: &str) -> serde_json::Value {
    spec::load(&root().join(format!(
        "upstream/cloudtower/cloudtower-{version}-swagger.json"
    )))
    .unwrap()
}

#[test]
fn the_table_has_exactly_the_operations_of_the_newest_document() {
    let table = table();
    assert_eq!(table.newest(), Some(xtask::official::VERSION));
    let newest = since::document_operations(&document(xtask::official::VERSION));
    let recorded: Vec<&String> = table.operations.keys().collect();
    assert_eq!(recorded, newest.iter().collect::<Vec<_>>());
}

#[test]
fn the_vendored_documents_agree_with_the_table() {
    for version in ["4.3.0", "4.6.0"] {
        let mut table = table();
        let paths = since::document_operations(&document(version));
        // Every operation of the document is recorded at its release or
        // before.
        assert_eq!(
            since::record_release(&mut table, version, &paths).unwrap(),
            Recorded::Known { problems: vec![] },
            "{version}"
        );
        // And every operation recorded at or before it is in it.
        let release: Version = version.parse().unwrap();
        for (path, first) in &table.operations {
            if first.parse::<Version>().unwrap() <= release {
                assert!(
                    paths.contains(path),
                    "{path} since {first}, not in {version}"
                );
            }
        }
    }
}

#[test]
fn every_operation_of_the_spec_carries_its_release() {
    let table = table();
    let text = std::fs::read_to_string(root().join("specs/cloudtower.yaml")).unwrap();
    let doc = spec::parse(&text).unwrap();
    assert_eq!(since::check(&doc, &table), Vec::<String>::new());
    // Stamping again changes nothing.
    let stamped = since::stamp(&text, &table).unwrap();
    assert!(stamped.stamped.is_empty(), "{:?}", stamped.stamped);
    assert!(stamped.text == text);
}

#[test]
fn an_unstamped_operation_is_found_and_stamped() {
    let table = table();
    let text = std::fs::read_to_string(root().join("specs/cloudtower.yaml")).unwrap();
    let unstamped = text.replacen("      x-cloudtower-since: 4.5.0\n", "", 1);
    assert_ne!(unstamped, text, "the spec has an operation since 4.5.0");
    let problems = since::check(&spec::parse(&unstamped).unwrap(), &table);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("GetNtpServiceUrl"), "{problems:?}");
    let stamped = since::stamp(&unstamped, &table).unwrap();
    assert!(stamped.text == text, "stamped back as it was");
}

/// A checkout of its own under the temp directory with the small
/// `upstream` fixtures (an official document of two operations, a spec
/// that agrees with it, their table) and a "4.7.0" document: the same with
/// one operation more.
fn newer_checkout() -> PathBuf {
    let fixtures = root().join("xtask/tests/fixtures/upstream");
    let dir = std::env::temp_dir().join(format!("xtask-since-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (from, to) in [
        ("agrees.yaml", "specs/cloudtower.yaml"),
        ("operations-since.json", since::TABLE),
    ] {
        let to = dir.join(to);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(fixtures.join(from), to).unwrap();
    }
    std::fs::write(dir.join("Cargo.toml"), "[workspace]\nmembers = []\n").unwrap();
    let mut newer = spec::load(&fixtures.join("official.json")).unwrap();
    newer["info"]["version"] = "4.7.0".into();
    let mut op = newer["paths"]["/get-vms"].clone();
    op["post"]["operationId"] = "GetVmsAgain".into();
    newer["paths"]["/get-vms-again"] = op;
    std::fs::write(
        dir.join("newer-swagger.json"),
        serde_json::to_string(&newer).unwrap(),
    )
    .unwrap();
    dir
}

fn xtask(cwd: &std::path::Path, args: &[&str]) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn a_newer_document_records_its_release_and_its_operations_are_stamped_on_import() {
    let dir = newer_checkout();
    let sync = ["upstream", "cloudtower", "newer-swagger.json", "--sync"];
    // Without --write it says what is new and fails: the table lacks it.
    let (ok, out) = xtask(&dir, &sync);
    assert!(!ok, "{out}");
    assert!(
        out.contains("release 4.7.0 is newer") && out.contains("since 4.7.0: /get-vms-again"),
        "{out}"
    );
    let before = Table::load(&dir.join(since::TABLE)).unwrap();
    assert_eq!(before.newest(), Some("4.0.0"), "nothing written");
    // With --write the table records it (the sync itself still lists the
    // operation for `import`, so it does not pass).
    let (_, out) = xtask(&dir, &[&sync[..], &["--write"]].concat());
    assert!(
        out.contains("wrote upstream/cloudtower/operations-since.json"),
        "{out}"
    );
    let recorded = Table::load(&dir.join(since::TABLE)).unwrap();
    assert_eq!(recorded.newest(), Some("4.7.0"));
    assert_eq!(recorded.since("/get-vms-again"), Some("4.7.0"));
    assert_eq!(recorded.since("/get-vms"), Some("4.0.0"));
    // Imported, the operation carries its release.
    let (ok, out) = xtask(
        &dir,
        &[
            "import",
            "cloudtower",
            "newer-swagger.json",
            "/get-vms-again",
        ],
    );
    assert!(ok, "{out}");
    assert!(out.contains("stamped /get-vms-again: since 4.7.0"), "{out}");
    let doc = spec::load(&dir.join("specs/cloudtower.yaml")).unwrap();
    let op = &doc["paths"]["/get-vms-again"]["post"];
    assert_eq!(spec::since(op), Some("4.7.0"));
    let (ok, out) = xtask(&dir, &["since"]);
    assert!(ok, "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}
