//! `cargo xtask import` on the real spec and the official 4.6.0 document
//! vendored in `upstream/cloudtower/`.

use std::path::{Path, PathBuf};

use cloud_spec as spec;
use serde_json::Value;
use xtask::{import, official};

fn root() -> PathBuf {
    xtask::workspace_root().unwrap()
}

fn load(path: &Path) -> Value {
    spec::load(path).unwrap_or_else(|e| panic!("{e}"))
}

fn document() -> Value {
    load(&official::document(&root()))
}

fn texts() -> import::Texts {
    let document = official::document(&root());
    import::Texts {
        descriptions: load(&official::descriptions_beside(
            &document,
            official::VERSION,
            "en",
        )),
        request_examples: load(&official::request_examples_beside(&document)),
    }
}

fn ours() -> String {
    let path = root().join("specs/cloudtower.yaml");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `text` without the operations at `paths` (each a block from its
/// `  /path:` line to the next path or section): the spec before those
/// operations were imported, for tests that import them again.
fn without(text: &str, paths: &[&str]) -> String {
    let mut out = Vec::new();
    let mut skipping = false;
    for line in text.lines() {
        if line.starts_with("  /") || (!line.starts_with(' ') && !line.is_empty()) {
            skipping = paths.iter().any(|p| line == format!("  {p}:"));
        }
        if !skipping {
            out.push(line);
        }
    }
    let mut text = out.join("\n");
    text.push('\n');
    text
}

/// Every operation of the spec, as the import takes them (paths).
fn our_paths(text: &str) -> Vec<String> {
    let doc = spec::parse(text).unwrap();
    doc["paths"].as_object().unwrap().keys().cloned().collect()
}

#[test]
fn importing_what_the_spec_has_changes_nothing() {
    let official = document();
    let text = ours();
    let paths = our_paths(&text);
    assert_eq!(paths.len(), 554);
    let outcome = import::import(&text, &official, &texts(), &paths).unwrap();
    assert!(
        outcome.added_operations.is_empty(),
        "{:?}",
        outcome.added_operations
    );
    assert!(
        outcome.added_schemas.is_empty(),
        "{:?}",
        outcome.added_schemas
    );
    assert!(
        outcome.documented.is_empty(),
        "undocumented: {:?}",
        outcome.documented
    );
    assert_eq!(outcome.kept_operations.len(), paths.len());
    assert!(
        outcome.text == text,
        "the import rewrote a spec it had nothing to add to"
    );
}

#[test]
fn a_new_operation_arrives_with_its_schemas_documented_and_checked() {
    let official = document();
    let text = without(&ours(), &["/get-security-policies"]);
    let outcome = import::import(
        &text,
        &official,
        &texts(),
        &["GetSecurityPolicies".to_string()],
    )
    .unwrap();
    assert_eq!(outcome.added_operations, ["/get-security-policies"]);
    // Its schemas are in the spec already (other operations use them).
    assert!(
        outcome.kept_schemas.contains(&"SecurityPolicy".to_string()),
        "{:?}",
        outcome.kept_schemas
    );
    let doc = spec::parse(&outcome.text).unwrap();
    let op = &doc["paths"]["/get-security-policies"]["post"];
    assert_eq!(op["x-safe-to-retry"], true);
    assert!(op["description"].as_str().is_some_and(|d| !d.is_empty()));
    // The result lints clean (examples valid, every field documented) and
    // agrees with the official document.
    let api: openapiv3::OpenAPI = serde_json::from_value(doc.clone()).unwrap();
    assert_eq!(xtask::lint::lint(&api, &doc), Vec::new());
    assert_eq!(xtask::upstream::compare(&doc, &official), Vec::new());
    // Everything before is still there, line for line.
    let before: Vec<&str> = text.lines().collect();
    let after: Vec<&str> = outcome.text.lines().collect();
    let mut rest = after.iter();
    for line in &before {
        assert!(rest.any(|l| l == line), "lost or reordered: {line}");
    }
}

#[test]
fn upload_fields_and_inline_all_of_members_are_documented_too() {
    // An upload (an inline `multipart/form-data` body) and a creation whose
    // params are an `allOf` with an inline member: the official texts have
    // no descriptions for either, so the import derives them.
    let official = document();
    let text = without(&ours(), &["/upload-elf-file", "/create-iscsi-lun"]);
    let ops = [
        "/upload-elf-file".to_string(),
        "/create-iscsi-lun".to_string(),
    ];
    let outcome = import::import(&text, &official, &texts(), &ops).unwrap();
    assert_eq!(outcome.added_operations, ops);
    let doc = spec::parse(&outcome.text).unwrap();
    let upload = &doc["paths"]["/upload-elf-file"]["post"]["requestBody"]["content"]["multipart/form-data"]
        ["schema"]["properties"];
    assert_eq!(upload["cluster_id"]["description"], "ID of the cluster.");
    // The spec is right, but progenitor 0.15 has no multipart bodies: the
    // import marks the upload for the generator to skip, and the lint
    // accepts it.
    let upload_op = &doc["paths"]["/upload-elf-file"]["post"];
    assert!(
        cloud_spec::hand_written(upload_op).is_some_and(|why| why.contains("multipart")),
        "{upload_op}"
    );
    let findings = |doc: &serde_json::Value| -> Vec<String> {
        let api: openapiv3::OpenAPI = serde_json::from_value(doc.clone()).unwrap();
        xtask::lint::lint(&api, doc)
            .into_iter()
            .map(|f| format!("{}: {}", f.location, f.message))
            .collect()
    };
    assert_eq!(findings(&doc), Vec::<String>::new());
    // Without the mark the lint says why (the one finding), instead of the
    // generator failing slowly.
    let mut unmarked = doc.clone();
    unmarked["paths"]["/upload-elf-file"]["post"]
        .as_object_mut()
        .unwrap()
        .remove(cloud_spec::HAND_WRITTEN_EXTENSION);
    let findings = findings(&unmarked);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert!(
        findings[0].starts_with(
            "operation UploadElfFile (POST /upload-elf-file): request body `multipart/form-data`"
        ),
        "{findings:?}"
    );
    assert_eq!(xtask::upstream::compare(&doc, &official), Vec::new());
}
