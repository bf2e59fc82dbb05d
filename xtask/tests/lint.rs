//! Every lint rule has a fixture it rejects and a fixed one it accepts
//! (`tests/fixtures/lint/<rule>.fail.yaml` / `<rule>.pass.yaml`).

use std::path::{Path, PathBuf};

use xtask::lint::{self, ANY_OF, BUILD, CLOSED_ENUM, DESCRIPTION, EXAMPLE, Finding};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/lint")
        .join(name)
}

fn findings(name: &str) -> Vec<Finding> {
    lint::lint_file(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Lints `<rule>.fail.yaml`, checks that every finding is of `rule` and
/// that they are exactly at `expected` (location, a fragment of the
/// message), and that `<rule>.pass.yaml` has no finding at all.
fn rejects_then_accepts(stem: &str, rule: &str, expected: &[(&str, &str)]) {
    let found = findings(&format!("{stem}.fail.yaml"));
    let shown: Vec<String> = found.iter().map(ToString::to_string).collect();
    assert_eq!(found.len(), expected.len(), "{stem}: {shown:#?}");
    for (finding, (location, fragment)) in found.iter().zip(expected) {
        assert_eq!(finding.rule, rule, "{finding}");
        assert_eq!(finding.location, *location, "{finding}");
        assert!(
            finding.message.contains(fragment),
            "{finding}\nwants: {fragment}"
        );
    }
    let passing = findings(&format!("{stem}.pass.yaml"));
    assert!(passing.is_empty(), "{stem}.pass.yaml: {passing:#?}");
}

#[test]
fn openapi_version() {
    rejects_then_accepts(
        "openapi_version",
        BUILD,
        &[(
            "document",
            "`openapi: 3.1.0`: progenitor reads OpenAPI 3.0.x only",
        )],
    );
}

#[test]
fn operation_ids_present_and_unique() {
    rejects_then_accepts(
        "operation_id",
        BUILD,
        &[
            (
                "operation <no operationId> (GET /things)",
                "has no operationId",
            ),
            (
                "operation thing (GET /things/{id})",
                "operationId `thing` is used twice",
            ),
        ],
    );
}

#[test]
fn one_success_and_one_error_schema() {
    rejects_then_accepts(
        "response_schemas",
        BUILD,
        &[
            (
                "operation listThings (GET /things)",
                "2 different success schemas",
            ),
            (
                "operation listThings (GET /things)",
                "2 different error schemas",
            ),
        ],
    );
}

#[test]
fn form_bodies_carry_scalars_only() {
    let problem = "is an array or object; form-urlencoded bodies can carry scalars only";
    rejects_then_accepts(
        "form_body",
        BUILD,
        &[
            (
                "operation deployThing (POST /deploy)",
                &format!("`gpu_models` {problem}"),
            ),
            // Behind a nullable `allOf` wrapper.
            (
                "operation deployThing (POST /deploy)",
                &format!("`placement` {problem}"),
            ),
            // In a body shared through components.requestBodies.
            (
                "operation scaleThing (POST /scale)",
                &format!("`replicas` {problem}"),
            ),
        ],
    );
}

#[test]
fn refs_resolve() {
    rejects_then_accepts(
        "dangling_ref",
        BUILD,
        &[(
            "document",
            "`$ref: #/components/schemas/Thing` at /paths/~1things/get/responses/200/content/application~1json/schema points nowhere",
        )],
    );
}

#[test]
fn any_of_that_progenitor_cannot_use() {
    rejects_then_accepts(
        "any_of",
        ANY_OF,
        &[
            (
                "#/components/schemas/Thing/properties/id",
                "anyOf [string, string]",
            ),
            (
                "#/components/schemas/Thing/properties/owner",
                "anyOf [object, untyped]",
            ),
        ],
    );
}

#[test]
fn response_enums_must_be_named() {
    rejects_then_accepts(
        "closed_enum",
        CLOSED_ENUM,
        &[
            (
                "#/components/schemas/Thing/properties/status",
                "string enum [RUNNING, STOPPED] in a response is not a named schema",
            ),
            (
                "#/paths/~1things/get/responses/400/content/application~1json/schema/properties/code",
                "string enum [INVALID, LOCKED]",
            ),
        ],
    );
}

#[test]
fn operations_are_described() {
    rejects_then_accepts(
        "description",
        DESCRIPTION,
        &[
            ("operation listThings (GET /things)", "has no description"),
            (
                "operation deleteThings (DELETE /things)",
                "has no description",
            ),
        ],
    );
}

#[test]
fn examples_match_their_schemas() {
    let op = "#/paths/~1things~1{id}/post";
    let body = format!("{op}/requestBody/content/application~1json/example");
    let running = format!("{op}/responses/200/content/application~1json/examples/running/value");
    rejects_then_accepts(
        "example",
        EXAMPLE,
        &[
            (
                &format!("{op}/parameters/0/example"),
                "\"not-a-uuid\" is not a valid uuid",
            ),
            (
                &body,
                "property `colour` is not in the schema, which allows no others",
            ),
            (&body, "`/gpus`: -1 is not at least 0"),
            (
                &running,
                "`/created_at`: \"yesterday\" is not a valid date-time",
            ),
            (&running, "`/id`: expected string, got integer"),
            (
                "#/components/responses/Error/content/application~1json/example",
                "required property `message` is missing",
            ),
            (
                "#/components/schemas/ThingStatus/example",
                "\"running\" is not one of \"RUNNING\", \"STOPPED\"",
            ),
        ],
    );
}

#[test]
fn passing_fixtures_generate() {
    // The fixed fixtures are what the lint recommends: they must also be
    // specs the shared generator accepts.
    for entry in std::fs::read_dir(fixture("")).expect("fixtures") {
        let path = entry.expect("entry").path();
        if path.to_string_lossy().ends_with(".pass.yaml") {
            cloud_codegen::generate(&path, "crate").unwrap_or_else(|e| panic!("{e}"));
        }
    }
}

#[test]
fn secrets_are_the_secret_schema() {
    rejects_then_accepts(
        "secret",
        lint::SECRET,
        &[
            (
                "#/components/schemas/Login/properties/password",
                "`password` names a credential",
            ),
            (
                "#/components/schemas/Session/properties/apiToken",
                "`apiToken` names a credential",
            ),
        ],
    );
    for name in [
        "password",
        "default_user_password",
        "api_key",
        "apiKey",
        "private_key",
        "secret",
        "sshPassword",
    ] {
        assert!(lint::names_a_secret(name), "{name}");
    }
    for name in [
        "token_id",
        "has_password",
        "ssh_public_key",
        "key",
        "secret_id",
        "is_secret",
    ] {
        assert!(!lint::names_a_secret(name), "{name}");
    }
}

#[test]
fn every_field_is_documented_when_the_spec_says_so() {
    rejects_then_accepts(
        "field_description",
        lint::FIELD_DESCRIPTION,
        &[
            (
                "#/components/schemas/Filter/properties/data/properties/status",
                "has no description",
            ),
            (
                "#/components/schemas/Vm/properties/memory",
                "has no description",
            ),
        ],
    );
}
