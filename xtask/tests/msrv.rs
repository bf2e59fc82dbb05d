//! `cargo xtask msrv`: the comparison of rust-versions.

use xtask::msrv::{Package, check, packages, parse_version};

fn package(name: &str, rust_version: Option<&str>, member: bool, published: bool) -> Package {
    Package {
        name: name.into(),
        version: "1.0.0".into(),
        rust_version: rust_version.map(str::to_string),
        member,
        published,
    }
}

#[test]
fn versions_compare_as_numbers() {
    assert_eq!(parse_version("1.88"), Some([1, 88, 0]));
    assert!(parse_version("1.100") > parse_version("1.88.1"));
    assert_eq!(parse_version("x"), None);
}

#[test]
fn a_dependency_newer_than_a_published_member_fails_and_unpublished_ones_do_not_count() {
    let report = check(&[
        package("ours", Some("1.88"), true, true),
        package("tool", Some("1.80"), true, false),
        package("old", Some("1.70"), false, false),
        package("new", Some("1.90.0"), false, false),
        package("none", None, false, false),
    ]);
    assert_eq!(
        report.highest.as_ref().map(|h| h.0.as_str()),
        Some("1.90.0")
    );
    let names: Vec<(&str, &str)> = report
        .too_new
        .iter()
        .map(|(m, _, p)| (m.as_str(), p.name.as_str()))
        .collect();
    assert_eq!(names, [("ours", "new")]);
    assert!(report.undeclared.is_empty());
}

#[test]
fn cargo_metadata_is_read() {
    let metadata = serde_json::json!({
        "workspace_members": ["a 0.1.0"],
        "packages": [
            {"id": "a 0.1.0", "name": "a", "version": "0.1.0", "rust_version": "1.88", "publish": null},
            {"id": "b 1.0.0", "name": "b", "version": "1.0.0", "rust_version": null, "publish": []},
        ]
    });
    let p = packages(&metadata);
    assert_eq!(p[0], package_with("a", "0.1.0", Some("1.88"), true, true));
    assert_eq!(p[1], package_with("b", "1.0.0", None, false, false));
}

fn package_with(
    name: &str,
    version: &str,
    rust_version: Option<&str>,
    member: bool,
    published: bool,
) -> Package {
    Package {
        version: version.into(),
        ..package(name, rust_version, member, published)
    }
}
