//! `cargo xtask upstream` on a small official document and two curated
//! specs: one that only leaves things out (and uses the documented house
//! deviations), one with every kind of disagreement.

use std::path::{Path, PathBuf};

use xtask::upstream;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/upstream")
        .join(name)
}

fn disagreements(ours: &str) -> Vec<String> {
    upstream::compare_files(&fixture(ours), &fixture("official.json"))
        .unwrap_or_else(|e| panic!("{e}"))
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn a_subset_with_the_house_deviations_agrees() {
    // Left out: operations' other fields, properties (also required ones
    // like `Vm.cpu`), schemas, responses. Allowed: `$ref` for upstream's
    // `allOf: [$ref]` (same nullability), `Secret` for `string`, header
    // names in another case, enum values in another order, no
    // `additionalProperties: false` on a response model.
    assert_eq!(disagreements("agrees.yaml"), Vec::<String>::new());
}

#[test]
fn every_kind_of_disagreement_is_reported_with_its_location() {
    let op = "#/paths/~1get-vms/post";
    let s = "#/components/schemas";
    let expected = [
        "#/paths/~1get-hosts/post: path `/get-hosts` does not exist upstream".to_string(),
        format!("{op}/operationId: operationId `ListVms`, upstream `GetVms`"),
        format!("{op}/parameters/x-debug: parameter `x-debug` (header) is not defined upstream"),
        format!(
            "{op}/parameters: upstream declares parameter `content-language` (header), missing here"
        ),
        format!("{op}/requestBody/required: false, upstream true"),
        format!(
            "{op}/responses/200/content/application~1json/schema/items: a reference to `VmSummary`, upstream a reference to `Vm`"
        ),
        format!("{op}/responses/404: upstream has no `404` response"),
        "#/paths/~1login/get: upstream has no GET operation on `/login`".to_string(),
        format!("{s}/ErrorBody/properties/code: property `code` is not defined upstream"),
        format!("{s}/ErrorBody/properties/status: format `int64`, upstream `int32`"),
        format!("{s}/GetVmsRequestBody/properties/first: nullable: false, upstream true"),
        format!(
            "{s}/GetVmsRequestBody/properties/where: a reference to `VmFilter`, upstream a reference to `VmWhereInput`"
        ),
        format!("{s}/Vm/properties/ips: nullable: true, upstream false"),
        format!("{s}/Vm/properties/labels/items: `string`, upstream a reference to `NestedLabel`"),
        format!("{s}/Vm/properties/memory: type `number`, upstream `integer`"),
        format!("{s}/Vm/properties/status: `string`, upstream a reference to `VmStatus`"),
        format!("{s}/Vm/required: `name` is optional here, required upstream"),
        format!("{s}/Vm/required: `status` is optional here, required upstream"),
        format!("{s}/Vm/required: `vcpu` is optional here, required upstream"),
        format!(
            "{s}/VmStatus: enum values missing here: `DELETED`, `SUSPENDED`, `UNKNOWN`; enum values not upstream: `PAUSED`"
        ),
        format!("{s}/VmSummary: schema `VmSummary` is not defined upstream"),
    ];
    let actual = disagreements("disagrees.yaml");
    assert_eq!(actual, expected, "\n{}", actual.join("\n"));
}

#[test]
fn an_unreadable_official_document_is_an_error() {
    let err =
        upstream::compare_files(&fixture("agrees.yaml"), &fixture("missing.json")).unwrap_err();
    assert!(err.contains("missing.json: cannot read the file"), "{err}");
}
