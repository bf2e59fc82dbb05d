//! Generates the TensorDock clients from the specs through the shared
//! code-generation path (`cloud-codegen`).

fn main() {
    if std::env::var_os("CARGO_FEATURE_V0").is_some() {
        cloud_codegen::build_script("../../specs/tensordock.yaml", "tensordock_v0", "crate::v0");
    }
    // Each version generates only when its feature is on, so a user of one
    // version never pays for the other's spec at build time.
    if std::env::var_os("CARGO_FEATURE_V2").is_some() {
        cloud_codegen::build_script(
            "../../specs/tensordock-v2.yaml",
            "tensordock_v2",
            "crate::v2",
        );
    }
}
