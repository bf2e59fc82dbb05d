//! CloudTower's tag features: every feature compiles alone. Checked
//! statically on the committed snapshot (which `cargo xtask check` proves is
//! what `build.rs` generates): with only that feature on, no compiled item
//! names a type, builder or method that is configured out. CI compiles the
//! default set, `full` and a few single tags for real (`.ci/run`).

use std::collections::BTreeSet;

use cloud_codegen::features::{Closure, TagFeatures, feature_name};

fn root() -> std::path::PathBuf {
    xtask::workspace_root().expect("inside the workspace")
}

fn cloudtower() -> (TagFeatures, String) {
    let root = root();
    let api = cloud_codegen::load(&root.join("specs/cloudtower.yaml")).expect("the spec loads");
    let features = TagFeatures::of(&api)
        .expect("x-cargo-features reads")
        .expect("the CloudTower spec has tag features");
    // The main file and its parts (`cloud_codegen::parts`), as rustc reads
    // them with every feature on.
    let generated = root.join("crates/cloudtower-api/generated");
    let main = std::fs::read_to_string(generated.join("client.rs")).expect("the snapshot is there");
    let client = cloud_codegen::parts::inline(&main, |part| {
        Some(std::fs::read_to_string(generated.join(part)).expect("every included part is there"))
    });
    assert!(client.len() > 2 * main.len(), "the parts were not inlined");
    (features, client)
}

#[test]
fn every_tag_feature_compiles_alone() {
    let (features, client) = cloudtower();
    assert!(features.tags.len() > 1, "{:?}", features.tags);
    let closure = Closure::parse(&client).expect("the snapshot parses");
    let mut failures = Vec::new();
    let mut sets: Vec<BTreeSet<String>> = vec![BTreeSet::new()];
    for tag in &features.tags {
        sets.push([feature_name(tag)].into());
    }
    sets.push([cloud_codegen::features::DEFAULT_OPERATIONS.to_string()].into());
    for set in sets {
        // With and without the `Deserialize` of request-only types.
        for json in [false, true] {
            let mut enabled = set.clone();
            if json {
                enabled.insert("json-bodies".into());
            }
            let problems = closure.problems(&enabled);
            if !problems.is_empty() {
                failures.push(format!(
                    "{enabled:?}: {} problem(s), e.g. {}",
                    problems.len(),
                    problems[..problems.len().min(3)].join("; ")
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_operation_is_behind_its_tags_and_every_tag_has_operations() {
    let (features, client) = cloudtower();
    // Gated operations are `#[cfg(any(feature = ..))]` on a `Client` method;
    // each tag's feature appears in one, unless all its operations are
    // compiled always.
    let api = cloud_codegen::load(&root().join("specs/cloudtower.yaml")).expect("the spec loads");
    let mut gated_tags = BTreeSet::new();
    for (_, item) in &api.paths.paths {
        let openapiv3::ReferenceOr::Item(item) = item else {
            continue;
        };
        for (_, op) in item.iter() {
            let always = op
                .operation_id
                .as_ref()
                .is_some_and(|id| features.always.contains(id));
            if !always {
                gated_tags.extend(op.tags.iter().cloned());
            }
        }
    }
    for tag in &gated_tags {
        let feature = format!("feature = \"{}\"", feature_name(tag));
        assert!(client.contains(&feature), "no item behind {feature}");
    }
    let manifest = std::fs::read_to_string(root().join("crates/cloudtower-api/Cargo.toml"))
        .expect("the manifest is there");
    assert!(
        manifest.contains(&features.cargo_toml()),
        "crates/cloudtower-api/Cargo.toml lacks the tag features the spec implies; run `cargo xtask regen`"
    );
}
