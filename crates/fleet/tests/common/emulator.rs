//! `fleet fake serve` started for a test: free ports, its own config file
//! and state file, stopped with SIGTERM (as a user's Ctrl-C) when dropped.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use serde_json::Value;

use super::fleet_in;

/// A running emulator and what it printed at start.
pub struct Emulator {
    child: Option<Child>,
    /// The one JSON line `-o json` prints: providers, profile, state.
    pub started: Value,
}

impl Emulator {
    /// `fleet fake serve --port 0 -o json --state <dir>/state.json`, plus
    /// `extra`, once it has printed its endpoints.
    pub fn start(dir: &Path, extra: &[&str]) -> Self {
        let state = dir.join("state.json");
        let mut args = vec!["--state", state.to_str().unwrap()];
        args.extend_from_slice(extra);
        Self::serve(dir, &args)
    }

    /// `fleet fake serve <args> --port 0 -o json`, run in `dir` with the
    /// config file of `dir`, once it has printed its endpoints.
    pub fn serve(dir: &Path, args: &[&str]) -> Self {
        let mut all = vec!["fake", "serve"];
        all.extend_from_slice(args);
        all.extend(["--port", "0", "-o", "json"]);
        let mut child = fleet_in(dir, &all)
            .current_dir(dir)
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
