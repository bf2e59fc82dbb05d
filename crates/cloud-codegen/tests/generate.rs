//! The shared generator turns bad specs into readable errors that name the
//! spec file and the operation. (That the project's own specs generate is
//! `xtask/tests/project_specs.rs`: this package is published without them.)

use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn error_text(name: &str) -> String {
    let err =
        cloud_codegen::generate(&fixture(name), "crate").expect_err("the fixture must be rejected");
    assert!(!err.problems.is_empty());
    err.to_string()
}

#[test]
fn a_form_array_names_the_spec_operation_and_field() {
    let text = error_text("form_array.yaml");
    assert!(text.contains("form_array.yaml"), "{text}");
    assert!(text.contains("deployThing (POST /deploy)"), "{text}");
    assert!(text.contains("gpu_models"), "{text}");
}

#[test]
fn two_success_schemas_are_reported_before_progenitor_panics() {
    let text = error_text("two_success.yaml");
    assert!(text.contains("listThings (GET /things)"), "{text}");
    assert!(text.contains("2 different success schemas"), "{text}");
}

#[test]
fn an_unsupported_body_type_is_reported_before_progenitor_fails() {
    // progenitor fails deep inside on it; the lint names only the
    // offending operation, not the healthy one, without generating each
    // operation alone to find it.
    let text = error_text("multipart.yaml");
    assert!(text.contains("uploadThing (POST /upload)"), "{text}");
    assert!(
        text.contains("request body `text/csv`: progenitor generates only"),
        "{text}"
    );
    assert!(!text.contains("fine (GET /fine)"), "{text}");
}

#[test]
fn openapi_3_1_is_refused_readably() {
    let text = error_text("openapi31.yaml");
    assert!(text.contains("OpenAPI 3.0.x only"), "{text}");
}

#[test]
fn a_missing_file_is_an_error_not_a_panic() {
    let text = error_text("does-not-exist.yaml");
    assert!(text.contains("cannot read the file"), "{text}");
}

#[test]
fn a_generator_panic_becomes_a_readable_error() {
    // A path parameter that is never declared: progenitor panics on it.
    let text = error_text("undeclared_path_param.yaml");
    eprintln!("{text}");
    assert!(text.contains("getThing (GET /things/{id})"), "{text}");
    assert!(!text.contains("fine (GET /fine)"), "{text}");
}
