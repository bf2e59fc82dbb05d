//! Clients nobody here wrote, against `fleet fake serve`: the official
//! `cloudtower-sdk` and the `tensordock` SDK (tests/python/sdks.py, every
//! one of its public methods), and `curl` for Neolink; each checked
//! afterwards through the emulator's control plane. CI installs the
//! Python packages (`.ci/run`); without them the test says so and skips.

mod common;

use std::process::Command;

use common::emulator::{Emulator, http};
use common::scratch;
use serde_json::Value;

/// The versions `.ci/run` installs.
const PACKAGES: &str = "cloudtower-sdk==2.23.0 tensordock==0.1.13";

fn python() -> String {
    std::env::var("FLEET_TEST_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// `curl` a URL with the Neolink token; the status and body.
fn curl(args: &[&str], url: &str) -> (u16, String) {
    let out = Command::new("curl")
        .args([
            "-s",
            "-w",
            "\n%{http_code}",
            "-H",
            "authorization: Bearer fake-token",
        ])
        .args(args)
        .arg(url)
        .output()
        .expect("curl runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, status) = text.rsplit_once('\n').unwrap_or(("", "0"));
    (status.trim().parse().unwrap_or(0), body.to_string())
}

fn state(served: &Emulator, provider: &str) -> Value {
    let (status, body) = http("GET", &format!("{}/state", served.control_url(provider)));
    assert_eq!(status, 200, "{body}");
    serde_json::from_str::<Value>(&body).unwrap()["state"].take()
}

#[test]
fn the_official_sdks_and_curl_drive_the_emulator() {
    let importable = Command::new(python())
        .args(["-c", "import cloudtower, tensordock"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !importable {
        eprintln!(
            "SKIPPED the_official_sdks_and_curl_drive_the_emulator: {} cannot import the SDKs; \
             run `{} -m pip install {PACKAGES}` (CI does, in .ci/run)",
            python(),
            python()
        );
        return;
    }
    let dir = scratch("python");
    let served = Emulator::start(&dir, &["--no-profile"]);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/sdks.py");
    let out = Command::new(python())
        .arg(script)
        .arg(served.started.to_string())
        .output()
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the SDK script failed:\n{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let made: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(made["tensordock_methods"], 20);

    // CloudTower: the SDK's VM went through create, start and delete, each
    // task finished, and it is gone.
    let ct = state(&served, "cloudtower");
    let vm = made["cloudtower_vm"].as_str().unwrap();
    let records = &ct["store"]["collections"];
    assert!(
        records["Vm"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v["id"] != vm)
    );
    let mut tasks: Vec<(String, String)> = records["Task"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["resource_id"] == vm)
        .map(|t| {
            let text = |k: &str| t[k].as_str().unwrap_or_default().to_string();
            (text("resource_mutation"), text("status"))
        })
        .collect();
    tasks.sort();
    let done = |m: &str| (m.to_string(), "SUCCESSED".to_string());
    assert_eq!(tasks, [done("createVm"), done("deleteVm"), done("startVm")]);

    // TensorDock v0: the VM deployed, then deleted; the SDK's container
    // stopped, the one the emulator is seeded with (the spec examples')
    // still there.
    let td = state(&served, "tensordock-v0");
    let server = made["tensordock_vm"].as_str().unwrap();
    assert!(td["vms"].get(server).is_none());
    assert!(
        td["deleted"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d == server)
    );
    assert_eq!(
        td["containers"],
        serde_json::json!({"9b2f6c1e-3d4a-4f5b-8c7d-0e1f2a3b4c5d": 2})
    );

    // Neolink with curl: power on the seeded instance, then a namespace
    // refusal injected through the control plane.
    let base = served.base_url("neolink");
    let (status, regions) = curl(&[], &format!("{base}/regions"));
    assert_eq!(status, 200);
    assert!(regions.contains("host-cluster"), "{regions}");
    let instance = format!("{base}/clusters/host-cluster/instances/instance-4ca9xxxx");
    let (status, body) = curl(&["-X", "POST"], &format!("{instance}/power_on"));
    assert_eq!((status, body.as_str()), (200, "\"ok\""));
    let nl = state(&served, "neolink");
    assert_eq!(
        nl["instances"]["instance-4ca9xxxx"]["value"]["status"],
        "Starting"
    );
    let control = served.control_url("neolink");
    let (status, _) = curl(
        &[
            "-X",
            "POST",
            "-H",
            "content-type: application/json",
            "-d",
            r#"{"name": "namespace-refused"}"#,
        ],
        &format!("{control}/faults"),
    );
    assert_eq!(status, 200);
    let (status, body) = curl(&["-H", "namespace: someone"], &format!("{base}/regions"));
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("someone"), "{body}");
    served.stop();
}
