//! The examples users copy, run: every example in every command's
//! `--help` (each spec operation's too) against the embedded fakes, and
//! the console blocks of docs/fleet.md and the README, output compared
//! with what they show (`common::console`).

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};

use common::{bash, examples, fleet, ok, operations, run, stderr};

/// Runs one `$` example with bash (`pipefail`: each command of a pipe
/// must succeed).
fn runs(example: &str) {
    let o = run(&mut bash(&format!("set -o pipefail; {example}")));
    assert_eq!(o.status.code(), Some(0), "{example}: {}", stderr(&o));
}

/// Every example in every command's `--help` runs against the fakes.
#[test]
fn every_example_in_help_runs() {
    let mut commands: Vec<Vec<&str>> = vec![vec![]];
    for c in common::COMMANDS {
        commands.push(vec![c]);
    }
    commands.push(vec!["gpus", "watch"]);
    for p in ["tensordock-v2", "tensordock-v0", "neolink", "cloudtower"] {
        commands.push(vec![p]);
    }
    let mut ran = 0;
    for c in commands {
        let help = ok(&mut fleet(&[&c[..], &["--help"]].concat()));
        let found = examples(&help);
        if c != ["login"] {
            assert!(!found.is_empty(), "{c:?} --help has no example: {help}");
        }
        for example in found {
            runs(&example);
            ran += 1;
        }
    }
    assert!(ran >= 20, "{ran} examples");
}

/// Every spec operation's `--help` ends with an example call, marked to
/// run, and every one runs against the fakes (a few threads: there are
/// more than six hundred): the fakes are seeded with the records the examples name,
/// in the states the operations need (`fleet::mock`).
#[test]
fn every_operation_example_runs() {
    let mut calls = Vec::new();
    for p in ["tensordock-v2", "tensordock-v0", "neolink", "cloudtower"] {
        for op in operations(p) {
            calls.push((p, op));
        }
    }
    assert!(calls.len() > 100, "{}", calls.len());
    let ran = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for chunk in calls.chunks(calls.len().div_ceil(4)) {
            let ran = &ran;
            scope.spawn(move || {
                for (p, op) in chunk {
                    let help = ok(&mut fleet(&[p, op, "--help"]));
                    assert!(help.contains("(operationId "), "{p} {op}: {help}");
                    let tail = help.rsplit("\n\n").next().unwrap_or_default();
                    assert!(tail.starts_with("Example"), "{p} {op}: {help}");
                    let found = examples(tail);
                    assert!(!found.is_empty(), "{p} {op}: no example to run: {tail}");
                    for example in found {
                        assert!(
                            example.contains(&format!("fleet --fake {p} {op}")),
                            "{tail}"
                        );
                        runs(&example);
                        ran.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    assert!(ran.into_inner() >= calls.len());
}

/// Every `$ fleet ...` in docs/fleet.md's console blocks runs against the
/// fakes and prints what the doc shows.
#[test]
fn the_docs_console_examples_run_as_shown() {
    let ran = common::console::run_doc("docs/fleet.md");
    assert!(ran >= 10, "{ran} doc examples");
}

/// The README's console blocks too: `fleet gpus` on the embedded fakes,
/// and the emulator block (`fleet fake serve &`, a fault injected with
/// curl, `--profile local`), served for real on free ports.
#[test]
fn the_readme_console_examples_run_as_shown() {
    let ran = common::console::run_doc("README.md");
    assert!(ran >= 5, "{ran} README examples");
}
