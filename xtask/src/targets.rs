//! The generated clients: one spec each, shared by `regen`, `check`, `diff`
//! and `lint`, so no command can forget a provider.

/// One generated client: the spec, where its snapshot lives, and the Rust
/// path its httpmock helpers refer to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    /// The name used on the command line, e.g. `tensordock`.
    pub provider: &'static str,
    /// The spec, relative to the workspace root.
    pub spec: &'static str,
    /// The folder of the committed snapshot, relative to the workspace root.
    pub snapshot: &'static str,
    /// The Rust path the generated code is included under (see
    /// [`cloud_codegen::generate`]).
    pub crate_path: &'static str,
}

/// Every provider, in the order commands report on them.
pub const TARGETS: &[Target] = &[
    Target {
        provider: "tensordock",
        spec: "specs/tensordock.yaml",
        snapshot: "crates/tensordock-api/generated/v0",
        crate_path: "crate::v0",
    },
    Target {
        provider: "neolink",
        spec: "specs/neolink.yaml",
        snapshot: "crates/neolink-api/generated",
        crate_path: "crate",
    },
    Target {
        provider: "tensordock-v2",
        spec: "specs/tensordock-v2.yaml",
        snapshot: "crates/tensordock-api/generated/v2",
        crate_path: "crate::v2",
    },
    Target {
        provider: "cloudtower",
        spec: "specs/cloudtower.yaml",
        snapshot: "crates/cloudtower-api/generated",
        crate_path: "crate",
    },
];

/// Every target, or only the one named `provider`.
///
/// Naming a provider that does not exist is an error that lists the valid
/// names.
pub fn select(provider: Option<&str>) -> Result<Vec<Target>, String> {
    let Some(name) = provider else {
        return Ok(TARGETS.to_vec());
    };
    match TARGETS.iter().find(|t| t.provider == name) {
        Some(t) => Ok(vec![*t]),
        None => Err(format!(
            "unknown provider `{name}`; one of: {}",
            TARGETS
                .iter()
                .map(|t| t.provider)
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}
