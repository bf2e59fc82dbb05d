//! The console blocks of the docs, run: every `$ fleet ...` line (and the
//! lines of the same block it depends on) against the fakes, its output
//! compared with the lines the doc shows after it.
//!
//! - A shown line starting `fleet: ` is the error the command must fail
//!   with, on stderr; any other output is stdout, exactly.
//! - Each block runs in a scratch directory of its own, with the config
//!   file there (where `fleet fake serve` writes its profile).
//! - `source ...` carries over to the rest of the block.
//! - `fleet fake serve ... &` is served for real, by the test, on free
//!   ports (`--port 0`, see [`Emulator::serve`]); the stable addresses the
//!   doc shows (`127.0.0.1:8440` to `8443`, one per provider) are
//!   rewritten to those ports in the block's later commands. It is stopped
//!   at the end of the block.
//! - A command that writes outside the repository (`> ~/...`) is not run.

use std::path::Path;

use super::emulator::Emulator;
use super::{bash, run, scratch, stderr, stdout};

/// The providers of `fleet fake serve`, in the order of their ports
/// (8440 and on).
const SERVED: [&str; 4] = ["tensordock-v2", "tensordock-v0", "neolink", "cloudtower"];

/// Runs every console block of `doc` (a path relative to the repository
/// root); how many commands ran.
pub fn run_doc(doc: &str) -> usize {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(doc);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{doc}: {e}"));
    let mut ran = 0;
    let mut block: Option<Vec<&str>> = None;
    let mut n = 0;
    for line in text.lines() {
        match (&mut block, line) {
            (None, "```console") => block = Some(Vec::new()),
            (Some(lines), "```") => {
                n += 1;
                let name = format!("{}-{n}", doc.replace(['/', '.'], "-"));
                ran += run_block(&name, lines);
                block = None;
            }
            (Some(lines), l) => lines.push(l),
            (None, _) => {}
        }
    }
    ran
}

/// Runs the commands of one console block in order; how many ran.
fn run_block(name: &str, block: &[&str]) -> usize {
    let dir = scratch(name);
    let mut emulator: Option<Emulator> = None;
    let mut sourced = String::new();
    let mut ran = 0;
    let mut i = 0;
    while i < block.len() {
        let Some(cmd) = block[i].strip_prefix("$ ") else {
            panic!("{name}: output without a command: {}", block[i]);
        };
        let shown: Vec<&str> = block[i + 1..]
            .iter()
            .take_while(|l| !l.starts_with("$ "))
            .copied()
            .collect();
        i += 1 + shown.len();
        if cmd.contains('~') {
            continue;
        }
        if let Some(serve) = cmd.strip_suffix('&') {
            let args: Vec<&str> = serve.split_whitespace().collect();
            assert!(
                args.starts_with(&["fleet", "fake", "serve"]) && shown.is_empty(),
                "{name}: only `fleet fake serve` runs in the background: {cmd}"
            );
            emulator = Some(Emulator::serve(&dir, &args[3..]));
            ran += 1;
            continue;
        }
        let mut line = cmd.to_string();
        if let Some(served) = &emulator {
            for (offset, provider) in SERVED.iter().enumerate() {
                let control = served.control_url(provider);
                let addr = control
                    .strip_prefix("http://")
                    .and_then(|a| a.split('/').next())
                    .expect("an http URL");
                line = line.replace(&format!("127.0.0.1:{}", 8440 + offset), addr);
            }
        }
        let o = run(bash(&format!("{sourced}\n{line}"))
            .current_dir(&dir)
            .env("FLEET_CONFIG", dir.join("config.toml"))
            .env_remove("NO_COLOR"));
        let (out, err) = (stdout(&o), stderr(&o));
        if shown.first().is_some_and(|l| l.starts_with("fleet: ")) {
            assert_ne!(o.status.code(), Some(0), "{name}: {cmd} should fail");
            assert_eq!(err.trim_end(), shown.join("\n"), "{name}: {cmd}");
        } else {
            assert_eq!(o.status.code(), Some(0), "{name}: {cmd}: {err}");
            assert_eq!(out.trim_end(), shown.join("\n"), "{name}: {cmd}");
        }
        if cmd.starts_with("source ") {
            sourced.push_str(cmd);
            sourced.push('\n');
        }
        ran += 1;
    }
    if let Some(served) = emulator {
        served.stop();
    }
    let _ = std::fs::remove_dir_all(&dir);
    ran
}
