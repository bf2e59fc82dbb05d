//! The one list of the APIs the cross-provider tests run over: a new
//! provider (or API version) is one entry here, and the routing, leak,
//! path-parameter and state-table tests cover it without other edits.
// Each test binary reads the fields it needs.
#![allow(dead_code)]

use cloud_common::{ClientConfig, InstanceState, OperationSpec, RawClient};

/// One API of one provider, as the cross-provider tests see it.
pub struct Api {
    /// Its name in messages (`TensorDock v2`).
    pub name: &'static str,
    /// Its spec, under `specs/`.
    pub spec_file: &'static str,
    /// The spec's text, packaged into the test binary.
    pub spec_yaml: &'static str,
    /// The generated client's source (for checks on what was generated).
    pub generated_client: &'static str,
    /// Every operation, as `cloud-codegen` tabled it.
    pub operations: &'static [OperationSpec],
    /// The provider's status words and the neutral state of each.
    pub states: &'static [(&'static str, InstanceState)],
    /// Its column heading in the README's state table.
    pub states_heading: &'static str,
    /// A client for `config` with made-up credentials, as the untyped
    /// interface `fleet` sends through.
    pub raw_client: fn(ClientConfig) -> Box<dyn RawClient>,
}

/// Every API, in the order the README lists them.
pub const APIS: &[Api] = &[
    Api {
        name: "TensorDock v2",
        spec_file: "tensordock-v2.yaml",
        spec_yaml: include_str!("../../specs/tensordock-v2.yaml"),
        generated_client: include_str!("../../crates/tensordock-api/generated/v2/client.rs"),
        operations: tensordock_api::v2::generated::OPERATIONS,
        states: tensordock_api::v2::STATES,
        states_heading: "TensorDock v2",
        raw_client: |config| {
            Box::new(tensordock_api::v2::TensorDock::with_config(config, "t").expect("client"))
        },
    },
    Api {
        name: "TensorDock v0",
        spec_file: "tensordock.yaml",
        spec_yaml: include_str!("../../specs/tensordock.yaml"),
        generated_client: include_str!("../../crates/tensordock-api/generated/v0/client.rs"),
        operations: tensordock_api::v0::generated::OPERATIONS,
        states: tensordock_api::v0::STATES,
        states_heading: "TensorDock v0",
        raw_client: |config| {
            Box::new(
                tensordock_api::v0::TensorDock::with_config(config, ("k", "t")).expect("client"),
            )
        },
    },
    Api {
        name: "Neolink",
        spec_file: "neolink.yaml",
        spec_yaml: include_str!("../../specs/neolink.yaml"),
        generated_client: include_str!("../../crates/neolink-api/generated/client.rs"),
        operations: neolink_api::generated::OPERATIONS,
        states: neolink_api::STATES,
        states_heading: "Neolink",
        raw_client: |config| {
            Box::new(neolink_api::Neolink::with_config(config, "t").expect("client"))
        },
    },
    Api {
        name: "CloudTower",
        spec_file: "cloudtower.yaml",
        spec_yaml: include_str!("../../specs/cloudtower.yaml"),
        generated_client: include_str!("../../crates/cloudtower-api/generated/client.rs"),
        operations: cloudtower_api::generated::OPERATIONS,
        states: cloudtower_api::STATES,
        states_heading: "CloudTower (`status`)",
        raw_client: |config| {
            Box::new(cloudtower_api::CloudTower::with_config(config, "t").expect("client"))
        },
    },
];
