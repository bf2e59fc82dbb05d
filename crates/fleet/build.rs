//! Embeds the specs as JSON (`cloud_spec::Spec::embed`): `fleet` reads
//! them at every start (its per-operation commands), and the whole
//! CloudTower document is 2.4 MB of YAML, many times slower to parse.

fn main() {
    for (spec, name) in [
        ("../../specs/tensordock-v2.yaml", "tensordock-v2.json"),
        ("../../specs/tensordock.yaml", "tensordock.json"),
        ("../../specs/neolink.yaml", "neolink.json"),
        ("../../specs/cloudtower.yaml", "cloudtower.json"),
    ] {
        cloud_spec::embed_for_build(spec, name);
    }
}
