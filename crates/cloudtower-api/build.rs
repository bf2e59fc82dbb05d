//! Builds the CloudTower client (see `client` below and the README's
//! "Code generation" section).

fn main() {
    client("spec/cloudtower.yaml", "generated", "cloudtower", "crate");
}

/// Puts `{name}.rs` and `{name}_httpmock.rs` into `OUT_DIR`, where
/// `cloud_common::generated_client!` includes them from.
///
/// With the `codegen` feature (the default) they are generated from `spec`,
/// a file inside this package (in the repository a symlink into `specs/`,
/// which `cargo package` stores as a file). Without it they are copied from
/// the committed snapshot folder, and `cloud-codegen` is not even a
/// dependency; `cargo xtask check` (CI) proves the snapshot is exactly what
/// generation produces. Either way only those files trigger a rerun.
fn client(spec: &str, snapshot: &str, name: &str, crate_path: &str) {
    #[cfg(feature = "codegen")]
    {
        let _ = snapshot;
        cloud_codegen::build_script(spec, name, crate_path);
    }
    #[cfg(not(feature = "codegen"))]
    {
        let _ = (spec, crate_path);
        let out =
            std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
        for (file, into) in [
            ("client.rs", format!("{name}.rs")),
            ("httpmock.rs", format!("{name}_httpmock.rs")),
        ] {
            let from = format!("{snapshot}/{file}");
            println!("cargo:rerun-if-changed={from}");
            if let Err(e) = std::fs::copy(&from, out.join(&into)) {
                eprintln!("error: cannot copy the snapshot {from} into OUT_DIR: {e}");
                std::process::exit(1);
            }
        }
        // The client's parts (the items of tag features, see
        // cloud_codegen::parts), beside it as they are in the snapshot.
        let parts = format!("{snapshot}/client");
        println!("cargo:rerun-if-changed={parts}");
        if let Ok(entries) = std::fs::read_dir(&parts) {
            let into = out.join("client");
            let copied = std::fs::create_dir_all(&into).and_then(|()| {
                entries
                    .flatten()
                    .try_for_each(|e| std::fs::copy(e.path(), into.join(e.file_name())).map(drop))
            });
            if let Err(e) = copied {
                eprintln!("error: cannot copy the snapshot's parts {parts} into OUT_DIR: {e}");
                std::process::exit(1);
            }
        }
    }
}
