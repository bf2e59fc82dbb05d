//! Embeds the packaged spec as JSON (`cloud_spec::Spec::embed`): the fake
//! reads it at every start, and the whole CloudTower document is 2.4 MB of
//! YAML, many times slower to parse.

fn main() {
    cloud_spec::embed_for_build("spec/cloudtower.yaml", "cloudtower.json");
}
