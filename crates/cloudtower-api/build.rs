//! Generates the CloudTower client from the spec through the shared
//! code-generation path (`cloud-codegen`).

fn main() {
    cloud_codegen::build_script("../../specs/cloudtower.yaml", "cloudtower", "crate");
}
