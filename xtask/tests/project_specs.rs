//! The project's own specs generate, with what the runtime relies on (one
//! open copy of every named enum, the method names the hooks report).
//! Here rather than in `cloud-codegen`'s tests, which must run from the
//! published package too, where `specs/` does not exist.

#[test]
fn the_project_specs_generate() {
    let specs = xtask::workspace_root().unwrap().join("specs");
    for entry in std::fs::read_dir(&specs).expect("specs/") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let generated =
                cloud_codegen::generate(&path, "crate").unwrap_or_else(|e| panic!("{e}"));
            assert!(
                generated.client.contains("pub struct Client"),
                "{}",
                path.display()
            );
            // The method names we record are the ones progenitor reports to
            // the hooks, or per-operation retry decisions would silently
            // never match.
            let api = cloud_codegen::load(&path).unwrap();
            // Every named enum is generated once, open; a second, closed
            // copy means the replacement missed (as `BPSUnit` once did).
            for e in cloud_codegen::open_enum::find(&api) {
                let defined = generated
                    .client
                    .matches(&format!("pub enum {} {{", e.name))
                    .count();
                assert_eq!(
                    defined,
                    1,
                    "{}: enum {} defined {defined} times",
                    path.display(),
                    e.name
                );
            }
            for (_, _, op) in cloud_codegen::lint::operations(&api) {
                // Left out of the generated client on purpose.
                if op
                    .extensions
                    .contains_key(cloud_codegen::HAND_WRITTEN_EXTENSION)
                {
                    continue;
                }
                let method = cloud_codegen::method_name(op.operation_id.as_deref().unwrap());
                let reported = format!("operation_id: \"{method}\"");
                assert!(
                    generated.client.contains(&reported),
                    "{}: {reported}",
                    path.display()
                );
            }
        }
    }
}
