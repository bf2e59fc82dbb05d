//! Generates the TensorDock clients from the specs through the shared
//! code-generation path (`cloud-codegen`).

fn main() {
    if std::env::var_os("CARGO_FEATURE_V0").is_some() {
        cloud_codegen::build_script("../../specs/tensordock.yaml", "tensordock_v0", "crate::v0");
    }
}
