//! `cloud-fake` on the real specs: every operation of every spec
//! is routed by its own method and path, has a success answer to
//! synthesise, and what the framework synthesises from a schema satisfies
//! that schema, so a provider fake can answer any operation it does not
//! model in the documented shape.

use cloud_fake::Spec;

#[path = "common/providers.rs"]
mod providers;

/// Every API's spec file and text.
fn specs() -> impl Iterator<Item = (&'static str, &'static str)> {
    providers::APIS.iter().map(|a| (a.spec_file, a.spec_yaml))
}

#[test]
fn every_operation_is_routed_to_itself() {
    for (file, yaml) in specs() {
        let spec = Spec::parse(yaml).unwrap();
        assert!(!spec.operations().is_empty(), "{file}");
        for op in spec.operations() {
            // Every template parameter filled with a plain value.
            let path: String = op
                .path
                .split('/')
                .map(|s| if s.starts_with('{') { "x-1" } else { s })
                .collect::<Vec<_>>()
                .join("/");
            let (routed, _) = spec
                .route(&op.method, &path)
                .unwrap_or_else(|| panic!("{file}: {} {path} is not routed", op.method));
            assert_eq!(routed.id, op.id, "{file}: {} {path}", op.method);
        }
    }
}

#[test]
fn every_operation_has_an_answer_that_fits_its_schema() {
    for (file, yaml) in specs() {
        let spec = Spec::parse(yaml).unwrap();
        for id in spec.operation_ids() {
            let (status, example) = spec
                .example_response(id)
                .unwrap_or_else(|| panic!("{file}: {id} has no success answer"));
            assert!((200..300).contains(&status), "{file}: {id}");
            let Some(schema) = spec.success_schema(id) else {
                continue;
            };
            if let Err(e) = spec.check(schema, &example, "", 0) {
                panic!("{file}: {id}'s example does not fit its schema: {e}");
            }
            let synthesised = spec.synthesize(schema);
            if let Err(e) = spec.check(schema, &synthesised, "", 0) {
                panic!(
                    "{file}: {id}'s synthesised answer does not fit its schema: {e}\n{synthesised}"
                );
            }
        }
    }
}
