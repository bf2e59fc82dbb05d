//! What every black-box test of `fleet` shares: the binary with a clean
//! environment, its output, scratch directories, a shell with the binary
//! on its `PATH`, a terminal (tmux), the emulator (`fleet fake serve`,
//! [`emulator`]) and the runner of the console blocks in the docs
//! ([`console`]).
//!
//! Each test file is its own crate and uses part of this module, so the
//! rest is dead code there.
#![allow(dead_code)]

pub mod console;
pub mod emulator;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_fleet");

/// The instances the embedded fakes are seeded with (`fleet --fake`).
pub const V2: &str = "tensordock-v2:468b716a-6747-4cbe-9f13-afc153a21c14";
/// See [`V2`].
pub const CT: &str = "cloudtower:cl2k1yswo1ifg0822ruv6ylfp";

/// The provider-neutral commands (each has its own `--help`).
pub const COMMANDS: [&str; 12] = [
    "instances",
    "show",
    "start",
    "stop",
    "delete",
    "wait",
    "login",
    "demo",
    "api",
    "completions",
    "gpus",
    "launch",
];

/// A config file that does not exist.
pub const NO_CONFIG: &str = "/nonexistent/fleet/config.toml";

/// The variables that would point `fleet` at a real provider or change
/// its output.
const CLEARED: [&str; 10] = [
    "TENSORDOCK_TOKEN",
    "TENSORDOCK_API_KEY",
    "TENSORDOCK_API_TOKEN",
    "NEOLINK_TOKEN",
    "CLOUDTOWER_URL",
    "CLOUDTOWER_TOKEN",
    "FLEET_PROFILE",
    "FLEET_PASSWORD",
    "FLEET_CONFIG",
    "RUST_LOG",
];

/// `command` with no credentials in its environment, [`NO_CONFIG`] as
/// its config file and stdin not a terminal.
pub fn clean(mut command: Command) -> Command {
    command.stdin(Stdio::null());
    for var in CLEARED {
        command.env_remove(var);
    }
    command.env("FLEET_CONFIG", NO_CONFIG);
    command
}

/// The binary with `args`, cleaned ([`clean`]).
pub fn fleet(args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args);
    clean(c)
}

/// The binary with `args` and the config file of `dir` (which
/// `fleet fake serve` writes its profile to).
pub fn fleet_in(dir: &Path, args: &[&str]) -> Command {
    let mut c = fleet(args);
    c.env("FLEET_CONFIG", dir.join("config.toml"));
    c
}

/// The binary pointed at a CloudTower fake of the test's own
/// (`CLOUDTOWER_URL`, a token of the fake's).
pub fn against(fake: &cloudtower_fake::Fake, args: &[&str]) -> Command {
    let mut c = fleet(args);
    c.env("CLOUDTOWER_URL", fake.base_url())
        .env("CLOUDTOWER_TOKEN", fake.token());
    c
}

/// `script` run by bash with the binary first on its `PATH`, cleaned
/// ([`clean`]).
pub fn bash(script: &str) -> Command {
    let mut c = Command::new("bash");
    c.args(["-c", script]);
    let mut c = clean(c);
    c.env("PATH", path());
    c
}

/// `PATH` with the binary's directory first, so that scripts and
/// completion functions call it as `fleet`.
pub fn path() -> String {
    let dir = Path::new(BIN)
        .parent()
        .expect("the binary is in a directory");
    format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// Runs a command to its end.
pub fn run(c: &mut Command) -> Output {
    c.output().expect("the command runs")
}

/// Runs a command that must succeed; its stdout.
pub fn ok(c: &mut Command) -> String {
    let o = run(c);
    assert_eq!(o.status.code(), Some(0), "{c:?}: {}", stderr(&o));
    stdout(&o)
}

/// The exit code (the process was not killed).
pub fn code(o: &Output) -> i32 {
    o.status.code().expect("exited, not killed")
}

/// Bytes as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// What a command printed on stdout.
pub fn stdout(o: &Output) -> String {
    text(&o.stdout)
}

/// What a command printed on stderr.
pub fn stderr(o: &Output) -> String {
    text(&o.stderr)
}

/// A command's stdout as JSON.
pub fn json(o: &Output) -> Value {
    parse(&stdout(o))
}

/// A text as JSON.
pub fn parse(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
}

/// A fresh scratch directory per test, so files do not collide.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fleet-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The command names under `Commands:` in a help text. When a summary is
/// too long for one line, clap puts every summary on the line below its
/// command, indented further: only the lines indented by two are names.
pub fn listed_commands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_string)
        .collect()
}

/// The operations `fleet <provider> --help` lists.
/// The text of `provider`'s spec in the repository's `specs/` (the
/// command line's provider names; TensorDock v0's file is
/// `tensordock.yaml`).
pub fn spec_text(provider: &str) -> String {
    let file = match provider {
        "tensordock-v0" => "tensordock",
        other => other,
    };
    let path = format!("{}/../../specs/{file}.yaml", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub fn operations(provider: &str) -> Vec<String> {
    listed_commands(&ok(&mut fleet(&[provider, "--help"])))
}

/// The `  $ ` lines of a help text: the examples that run as written.
pub fn examples(help: &str) -> Vec<String> {
    help.lines()
        .filter_map(|l| l.strip_prefix("  $ "))
        .map(str::to_string)
        .collect()
}

/// Whether `program` can be run here; in CI (which installs tmux, zsh and
/// fish in `.ci/run`) a missing one is a failure, not a silent pass.
pub fn installed(program: &str, version_flag: &str) -> bool {
    if Command::new(program).arg(version_flag).output().is_ok() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{program} is not installed, and CI needs the checks that use it"
    );
    eprintln!("{program} is not installed: skipping the check that needs it");
    false
}

/// Runs `cmd` in a detached tmux pane and returns what the pane shows
/// (with escape codes when `escapes`) once `until` appears; `None`
/// without tmux. `keys` are typed into the pane once `prompt` shows.
pub fn in_tmux(
    name: &str,
    cmd: &str,
    prompt: Option<(&str, &str)>,
    until: &str,
    escapes: bool,
) -> Option<String> {
    if !installed("tmux", "-V") {
        return None;
    }
    let session = format!("fleet-test-{}-{name}", std::process::id());
    // Each check has a tmux server of its own (`-L`): the tests run in
    // parallel, and two of them starting the default server at once made
    // `new-session` fail now and then.
    let tmux = || {
        let mut command = Command::new("tmux");
        command.args(["-L", &session]);
        command
    };
    let full = format!("{cmd}; echo EXIT=$?; sleep 30");
    let ok = tmux()
        .args([
            "new-session",
            "-d",
            "-s",
            &session,
            "-x",
            "200",
            "-y",
            "20",
            &full,
        ])
        .status()
        .unwrap()
        .success();
    assert!(ok, "tmux new-session failed");
    let capture = || {
        let mut args = vec!["capture-pane", "-p", "-t", &session];
        if escapes {
            args.push("-e");
        }
        let out = tmux().args(&args).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let mut pane = String::new();
    let mut typed = prompt.is_none();
    for _ in 0..100 {
        std::thread::sleep(std::time::Duration::from_millis(100));
        pane = capture();
        if let (false, Some((shown, keys))) = (typed, prompt)
            && pane.contains(shown)
        {
            tmux()
                .args(["send-keys", "-t", &session, keys, "Enter"])
                .status()
                .unwrap();
            typed = true;
        }
        if pane.contains(until) {
            break;
        }
    }
    let _ = tmux().arg("kill-server").status();
    Some(pane)
}
