//! Embeds the specs as JSON (`cloud_spec::Spec::embed`): `fleet` reads
//! them at every start (its per-operation commands). CloudTower's is not
//! here: `cloudtower-fake` embeds it already (`cloudtower_fake::spec`).

fn main() {
    for (spec, name) in [
        ("../../specs/tensordock-v2.yaml", "tensordock-v2.json"),
        ("../../specs/tensordock.yaml", "tensordock.json"),
        ("../../specs/neolink.yaml", "neolink.json"),
    ] {
        cloud_spec::embed_for_build(spec, name);
    }
}
