//! `fleet fake serve`: state carries from one `fleet` command to the next
//! through the profile it writes, and across a restart through its state
//! file; the control plane answers on every provider.

mod common;

use common::emulator::{Emulator, http};
use common::{CT, fleet_in as fleet, ok, scratch};
use serde_json::Value;

fn state_of(dir: &std::path::Path, id: &str) -> String {
    let out = ok(&mut fleet(
        dir,
        &["--profile", "local", "instances", "-o", "json"],
    ));
    let rows: Value = serde_json::from_str(&out).unwrap();
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .map(|r| r["state"].as_str().unwrap().to_string())
        .unwrap_or_else(|| panic!("no {id} in {rows}"))
}

#[test]
fn state_carries_across_commands_and_restarts() {
    let dir = scratch("carries");
    let served = Emulator::start(&dir, &[]);
    for provider in ["tensordock-v2", "tensordock-v0", "neolink", "cloudtower"] {
        assert!(served.base_url(provider).starts_with("http://127.0.0.1:"));
    }
    assert_eq!(served.started["profile"], "local");
    let vm = CT.split_once(':').unwrap().1;
    assert_eq!(state_of(&dir, vm), "stopped");
    ok(&mut fleet(&dir, &["--profile", "local", "start", CT]));
    assert_eq!(state_of(&dir, vm), "running", "the next command sees it");
    served.stop();
    assert!(dir.join("state.json").exists(), "saved on stop");

    // A new emulator on new ports, from the saved state: still running.
    let served = Emulator::start(&dir, &[]);
    assert_eq!(state_of(&dir, vm), "running", "and after a restart");
    // Reset: back to the seeded fakes.
    let (status, _) = http(
        "POST",
        &format!("{}/reset", served.control_url("cloudtower")),
    );
    assert_eq!(status, 200);
    for provider in ["tensordock-v2", "tensordock-v0", "neolink"] {
        let (status, body) = http("GET", &format!("{}/mode", served.control_url(provider)));
        assert_eq!(status, 200);
        assert!(body.contains("per-poll"), "{body}");
    }
    assert_eq!(state_of(&dir, vm), "stopped");
}
