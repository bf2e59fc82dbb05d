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

/// The generated impl whose header contains `header`, with the
/// attributes above it.
fn impl_of(client: &str, header: &str) -> String {
    let lines: Vec<&str> = client.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains(header))
        .unwrap_or_else(|| panic!("no `{header}` in:\n{client}"));
    let start = (0..at)
        .rev()
        .take_while(|i| lines[*i].trim_start().starts_with("#["))
        .last()
        .unwrap_or(at);
    lines[start..=at].join("\n")
}

#[test]
fn conventions_become_trait_impls_under_the_gates_of_what_they_name() {
    let generated = cloud_codegen::generate(&fixture("conventions.yaml"), "crate")
        .expect("the fixture generates");
    let client = generated.client;
    for table in ["where_input", "where_body", "list_operation", "with_task"] {
        let name = format!("for_each_{table}");
        assert!(!client.contains(&name), "{name} is a table again");
    }
    for header in [
        "impl ::cloud_common::ById for types::ThingWhereInput",
        "impl ::cloud_common::ByName for types::ThingWhereInput",
        "impl ::std::convert::From<types::ThingWhereInput> for types::ThingDeletionParams",
        "impl ::std::convert::From<types::ThingWhereInput> for types::GetThingsRequestBody",
        "impl ::cloud_common::TaskId for types::WithTaskThing",
    ] {
        impl_of(&client, header);
    }
    // The where-input is compiled with either tag; its list impl only with
    // the list's.
    let list = impl_of(
        &client,
        "impl ::cloud_common::ListRequest for types::ThingWhereInput",
    );
    assert!(list.contains(r#"#[cfg(any(feature = "read"))]"#), "{list}");
    let paged = impl_of(
        &client,
        "impl ::cloud_common::CursorPaged for types::GetThingsRequestBody",
    );
    assert!(
        paged.contains(r#"#[cfg(any(feature = "read"))]"#),
        "{paged}"
    );
    // Gated through the reference.
    let once = impl_of(
        &client,
        "impl<'a> ::std::iter::IntoIterator for &'a types::WithTaskThing",
    );
    assert!(once.contains(r#"#[cfg(any(feature = "write"))]"#), "{once}");
    for alone in ["read", "write"] {
        let enabled = [alone.to_string()].into_iter().collect();
        let problems = cloud_codegen::features::closure_problems(&client, &enabled).unwrap();
        assert!(problems.is_empty(), "{alone} alone: {problems:?}");
    }
}
