//! `fleet fake serve` started for a test: free ports, its own config file
//! and state file, stopped with SIGTERM (as a user's Ctrl-C) when dropped.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use serde_json::Value;

/// A running emulator and what it printed at start.
pub struct Emulator {
    child: Option<Child>,
    /// The one JSON line `-o json` prints: providers, profile, state.
    pub started: Value,
}

/// A scratch directory per test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fleet-emulator-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The binary with no credentials in the environment and the config file
/// of `dir`.
pub fn fleet(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_fleet"));
    c.args(args).stdin(Stdio::null());
    for var in [
        "TENSORDOCK_TOKEN",
        "TENSORDOCK_API_KEY",
        "TENSORDOCK_API_TOKEN",
        "NEOLINK_TOKEN",
        "CLOUDTOWER_URL",
        "CLOUDTOWER_TOKEN",
        "FLEET_PROFILE",
        "RUST_LOG",
    ] {
        c.env_remove(var);
    }
    c.env("FLEET_CONFIG", dir.join("config.toml"));
    c
}

/// Runs a command to its end; its output, with a failure shown.
// Not every test binary that includes this module runs commands.
#[allow(dead_code)]
pub fn run(c: &mut Command) -> Output {
    let out = c.output().expect("the binary runs");
    assert!(
        out.status.success(),
        "{c:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

impl Emulator {
    /// `fleet fake serve --port 0 -o json --state <dir>/state.json`, plus
    /// `extra`, once it has printed its endpoints.
    pub fn start(dir: &Path, extra: &[&str]) -> Self {
        let state = dir.join("state.json");
        let mut args = vec!["fake", "serve", "--port", "0", "-o", "json", "--state"];
        args.push(state.to_str().unwrap());
        args.extend_from_slice(extra);
        let mut child = fleet(dir, &args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("fleet fake serve starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let started = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("not one line of JSON ({e}): {line:?}"));
        Self {
            child: Some(child),
            started,
        }
    }

    /// A provider's base URL.
    pub fn base_url(&self, provider: &str) -> String {
        self.started["providers"][provider]["base_url"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// A provider's control plane (`http://…/_fake`).
    pub fn control_url(&self, provider: &str) -> String {
        self.started["providers"][provider]["control_url"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Stops it as Ctrl-C would (SIGTERM), waiting until it has saved.
    pub fn stop(mut self) {
        self.terminate();
    }

    fn terminate(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let status = child.wait().unwrap();
            assert!(status.success(), "fleet fake serve ended with {status}");
        }
    }
}

/// A bodiless HTTP/1.1 request with std alone: the status and the body.
pub fn http(method: &str, url: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").expect("an http URL");
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = answer.split_once("\r\n\r\n").map(|(_, b)| b.to_string());
    (status, body.unwrap_or_default())
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
