//! `fleet <provider> <operation>` holds path parameters to the rule every
//! client does (`cloud_common::path_segment`): every path parameter of
//! every spec command is driven with the values the workspace's
//! path-parameter tests use (tests/common/path_values.rs), against the
//! embedded fakes. An empty value, `.` or `..` is refused with a usage
//! error naming the parameter and nothing is sent (with `-v`, the
//! runtime's `http_request` span shows every request sent); any other value
//! is sent.

#[path = "../../../tests/common/path_values.rs"]
mod path_values;

mod common;

use std::collections::BTreeSet;
use std::sync::Mutex;

use common::{fleet, run};
use path_values::{bad_values, refused};

const PROVIDERS: [&str; 4] = ["tensordock-v2", "tensordock-v0", "neolink", "cloudtower"];

/// One spec command with path parameters: its provider, its name, its
/// path flags, the other flags it requires, and whether it takes `--body`.
struct Operation {
    provider: &'static str,
    name: String,
    path_flags: Vec<String>,
    required: Vec<String>,
    body: bool,
}

/// The commands of `provider` whose operation has a path parameter, by
/// its spec (the command is the `operationId` in kebab case).
fn with_path_parameters(provider: &str) -> BTreeSet<String> {
    let spec = cloud_spec::Spec::parse(&common::spec_text(provider)).unwrap();
    let doc = spec.document();
    spec.operations()
        .filter(|op| op.parameters(doc).iter().any(|p| p["in"] == "path"))
        .filter_map(|op| op.id().map(cloud_spec::naming::kebab))
        .collect()
}

/// Every spec command with a path parameter, its flags read from its help
/// (each parameter's help starts with where it goes, e.g. `[path]`). Only
/// the commands whose operation has one are asked for their help.
fn operations() -> Vec<Operation> {
    let mut out = Vec::new();
    for provider in PROVIDERS {
        let wanted = with_path_parameters(provider);
        let listed = common::operations(provider);
        let missing: Vec<_> = wanted.iter().filter(|w| !listed.contains(w)).collect();
        assert!(missing.is_empty(), "{provider}: no command for {missing:?}");
        for name in listed.into_iter().filter(|n| wanted.contains(n)) {
            let help = common::ok(&mut fleet(&[provider, &name, "-h"]));
            let flag = |l: &str| {
                l.split_whitespace()
                    .find(|w| w.starts_with("--"))
                    .map(str::to_string)
            };
            let path_flags: Vec<String> = help
                .lines()
                .filter(|l| l.contains("[path]"))
                .filter_map(flag)
                .collect();
            if !path_flags.is_empty() {
                let body = help.lines().any(|l| flag(l).as_deref() == Some("--body"));
                // The usage line names every required flag.
                let usage = help.lines().find(|l| l.starts_with("Usage:")).unwrap_or("");
                let required = usage
                    .split_whitespace()
                    .filter(|w| w.starts_with("--") && *w != "--body")
                    .filter(|w| !path_flags.iter().any(|f| f == w))
                    .map(str::to_string)
                    .collect();
                out.push(Operation {
                    provider,
                    name,
                    path_flags,
                    required,
                    body,
                });
            }
        }
    }
    out
}

/// What is wrong with running `op` with `value` for `flag`, if anything.
fn check(op: &Operation, flag: &str, value: &str) -> Option<String> {
    let mut args = vec!["--fake", "-v", op.provider, op.name.as_str()];
    for f in &op.path_flags {
        args.push(f);
        // The other path parameters keep a plain value.
        args.push(if f == flag { value } else { "x" });
    }
    for f in &op.required {
        args.extend([f.as_str(), "x"]);
    }
    if op.body {
        args.extend(["--body", "{}"]);
    }
    let o = run(&mut fleet(&args));
    let code = o.status.code();
    let err = common::text(&o.stderr);
    let sent = err.contains("http_request");
    let shown = if value.len() > 40 {
        format!("{} bytes", value.len())
    } else {
        format!("{value:?}")
    };
    let what = format!("{} {} {flag} {shown}", op.provider, op.name);
    // The flag names the parameter in kebab case; the error, as the spec
    // does: compared without case and dashes.
    let plain = |s: &str| s.to_lowercase().replace(['-', '_'], "");
    let param = plain(flag.trim_start_matches("--"));
    if refused(value) {
        let named = plain(&err).contains(&format!("path parameter `{param}`"));
        if code != Some(2) || !named || sent {
            return Some(format!(
                "{what}: not refused before sending ({code:?}): {err}"
            ));
        }
    } else if value.len() > 64 * 1024 {
        // Too long for a URL: refused when the request is built.
        if code != Some(2) || !err.contains("cannot be built") {
            return Some(format!("{what}: not refused as too long ({code:?}): {err}"));
        }
    } else if code == Some(2) || !sent {
        return Some(format!("{what}: not sent ({code:?}): {err}"));
    }
    None
}

#[test]
fn spec_commands_refuse_empty_and_dot_path_parameters_before_sending() {
    let ops = operations();
    // TensorDock v2 and v0 and Neolink have path parameters; CloudTower
    // has none.
    for provider in ["tensordock-v2", "tensordock-v0", "neolink"] {
        assert!(
            ops.iter().any(|o| o.provider == provider),
            "{provider}: no command with a path parameter found"
        );
    }
    let mut cases = Vec::new();
    for op in &ops {
        for flag in &op.path_flags {
            // An argument cannot hold a NUL byte.
            for value in bad_values().into_iter().filter(|v| !v.contains('\0')) {
                cases.push((op, flag.as_str(), value));
            }
        }
    }
    let cases = Mutex::new(cases);
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                while let Some((op, flag, value)) = cases.lock().unwrap().pop() {
                    if let Some(failure) = check(op, flag, &value) {
                        failures.lock().unwrap().push(failure);
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
