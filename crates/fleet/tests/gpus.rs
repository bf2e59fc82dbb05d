//! Black-box tests of `fleet gpus`, `fleet gpus watch` and `fleet launch`:
//! the embedded fakes (`--fake`), and a CloudTower fake this test serves,
//! so that stock moved by one `fleet` process shows in the next.

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{against, code, fleet, json, run, text};
use serde_json::{Value, json};

/// The offers `fleet --fake gpus <args> -o json` lists.
fn fake_offers(args: &[&str]) -> Vec<Value> {
    let mut all = vec!["--fake", "gpus", "-o", "json"];
    all.extend(args);
    let o = run(&mut fleet(&all));
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    json(&o).as_array().expect("an array").clone()
}

#[test]
fn gpus_lists_every_fake_provider_with_canonical_models() {
    let rows = fake_offers(&[]);
    let mut providers: Vec<&str> = rows
        .iter()
        .map(|r| r["provider"].as_str().unwrap())
        .collect();
    providers.dedup();
    providers.sort_unstable();
    assert_eq!(
        providers,
        ["cloudtower", "neolink", "tensordock-v0", "tensordock-v2"]
    );
    let h100 = fake_offers(&["--model", "H100", "--count", "2"]);
    assert_eq!(h100.len(), 1, "{h100:#?}");
    assert_eq!(h100[0]["gpu"], "H100");
    assert_eq!(h100[0]["gpu_name"], "h100-sxm5-80gb");
    assert_eq!(h100[0]["price"], 4.5, "two GPUs at 2.25");
    assert_eq!(
        (h100[0]["currency"].clone(), h100[0]["billing"].clone()),
        (json!("USD"), json!("hourly"))
    );
    let a100 = fake_offers(&["--model", "a100", "--provider", "cloudtower"]);
    assert_eq!(
        (a100[0]["gpu"].clone(), a100[0]["available"].clone()),
        (json!("A100-80GB"), json!(2))
    );
    assert_eq!(a100[0]["price"], Value::Null, "on premises");
    // Cheapest first; the price filter keeps offers without a price.
    let cheap = fake_offers(&["--max-price", "0.5"]);
    let prices: Vec<f64> = cheap.iter().filter_map(|r| r["price"].as_f64()).collect();
    assert!(prices.windows(2).all(|w| w[0] <= w[1]), "{prices:?}");
    assert!(prices.iter().all(|p| *p <= 0.5), "{prices:?}");
    assert!(cheap.iter().any(|r| r["provider"] == "cloudtower"));
    let by_stock = fake_offers(&["--sort", "available"]);
    let stock: Vec<u64> = by_stock
        .iter()
        .map(|r| r["available"].as_u64().unwrap())
        .collect();
    assert!(stock.windows(2).all(|w| w[0] >= w[1]), "{stock:?}");
}

#[test]
fn launch_takes_an_offer_and_refuses_what_the_provider_cannot_do() {
    let dir = std::env::temp_dir().join(format!("fleet-gpus-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let key = dir.join("key.pub");
    std::fs::write(&key, "ssh-ed25519 AAAAC3Nza me@laptop\n").unwrap();
    let key_arg = format!("@{}", key.display());
    let offer = fake_offers(&["--model", "h100", "--provider", "tensordock-v2"])[0]["offer"]
        .as_str()
        .unwrap()
        .to_string();
    let o = run(&mut fleet(&[
        "--fake",
        "launch",
        &offer,
        "--name",
        "trainer",
        "--image",
        "ubuntu2404",
        "--ssh-key",
        &key_arg,
        "--gpus",
        "2",
        "-o",
        "json",
    ]));
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let vm = json(&o);
    assert_eq!(vm["provider"], "tensordock-v2");
    assert_eq!(
        (
            vm["name"].clone(),
            vm["gpu_count"].clone(),
            vm["gpu_model"].clone()
        ),
        (json!("trainer"), json!(2), json!("h100-sxm5-80gb"))
    );
    assert!(
        !text(&o.stderr).contains("AAAAC3Nza"),
        "the key never prints"
    );

    // Neolink sets its own password: a key is refused, nothing created.
    let o = run(&mut fleet(&[
        "--fake",
        "launch",
        "neolink:host-cluster/66",
        "--name",
        "nb",
        "--image",
        "img",
        "--ssh-key",
        &key_arg,
    ]));
    assert_eq!(code(&o), 2, "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("password itself"),
        "{}",
        text(&o.stderr)
    );
    let o = run(&mut fleet(&[
        "--fake",
        "launch",
        "neolink:host-cluster/66",
        "--name",
        "nb",
        "--image",
        "img",
        "--wait",
    ]));
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("is running"),
        "{}",
        text(&o.stdout)
    );

    let o = run(&mut fleet(&[
        "--fake",
        "launch",
        "tensordock-v2:hostnode/nope/h100",
        "--name",
        "x",
        "--image",
        "y",
    ]));
    assert_eq!(code(&o), 5, "{}", text(&o.stderr));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A CloudTower fake with one host holding one A100, passed through to
/// VM `holder`; returns the fake, the GPU's id and the VM's id.
fn cloudtower_with_a_busy_gpu() -> (cloudtower_fake::Fake, String, String) {
    let fake = cloudtower_fake::Fake::start_blocking().unwrap();
    // Tasks finish at their first poll: the real client polls every 5 s.
    fake.set_task_polls(0);
    let cluster = fake.add_cluster("gpu-cluster");
    let host = fake.add_host(&cluster, "gpu-node-1");
    let gpu = fake.add_gpu_device(&host, "NVIDIA A100 80GB PCIe");
    let vm = fake.insert(
        "Vm",
        json!({"name": "holder", "status": "STOPPED", "host": {"id": host},
               "cluster": {"id": cluster},
               "gpu_devices": [{"id": gpu, "name": "NVIDIA A100 80GB PCIe"}]}),
    );
    fake.insert(
        "VmTemplate",
        json!({"name": "ubuntu-cuda", "vcpu": 4, "memory": 8u64 << 30}),
    );
    (fake, gpu, vm)
}

#[test]
fn watch_sees_stock_appear_after_a_delete_and_launch_takes_it() {
    let (fake, gpu, holder) = cloudtower_with_a_busy_gpu();
    let polls = || {
        fake.received()
            .iter()
            .filter(|r| r.operation_id.as_deref() == Some("GetGpuDevices"))
            .count()
    };
    let mut watch = against(
        &fake,
        &[
            "gpus",
            "watch",
            "--provider",
            "cloudtower",
            "--model",
            "A100",
            "--count",
            "1",
            "--interval",
            "50ms",
            "--timeout",
            "60s",
            "--once",
            "-o",
            "json",
        ],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    // The GPU is busy: let the watch poll (and see nothing) first.
    let deadline = Instant::now() + Duration::from_secs(30);
    while polls() < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(polls() >= 2, "the watch polls");
    let deleted = run(&mut against(
        &fake,
        &["delete", "--yes", &format!("cloudtower:{holder}")],
    ));
    assert_eq!(code(&deleted), 0, "{}", text(&deleted.stderr));

    let out = watch.stdout.take().unwrap();
    let first = BufReader::new(out).lines().next().expect("a line").unwrap();
    let event: Value = serde_json::from_str(&first).unwrap();
    assert_eq!(event["event"], "appeared");
    assert_eq!(event["offer"], format!("cloudtower:{gpu}"));
    assert_eq!(
        (event["gpu"].clone(), event["available"].clone()),
        (json!("A100-80GB"), json!(1))
    );
    let status = watch.wait().unwrap();
    assert!(status.success(), "--once ends at the first offer");

    // A launch in one process takes the GPU; the next process sees none.
    let o = run(&mut against(
        &fake,
        &[
            "launch",
            &format!("cloudtower:{gpu}"),
            "--name",
            "trainer",
            "--image",
            "ubuntu-cuda",
            "--password",
            "@/dev/null",
            "-o",
            "json",
        ],
    ));
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let vm = json(&o);
    assert_eq!(
        (vm["state"].clone(), vm["gpu_count"].clone()),
        (json!("running"), json!(1))
    );
    let o = run(&mut against(
        &fake,
        &["gpus", "--provider", "cloudtower", "-o", "json"],
    ));
    assert_eq!(json(&o), json!([]), "no free GPU left");
    let o = run(&mut against(
        &fake,
        &[
            "gpus",
            "watch",
            "--provider",
            "cloudtower",
            "--timeout",
            "200ms",
            "--once",
        ],
    ));
    assert_eq!(code(&o), 4, "nothing appeared: {}", text(&o.stderr));
}

#[test]
fn watch_runs_the_exec_command_for_each_offer_that_appears() {
    let out = std::env::temp_dir().join(format!("fleet-gpus-exec-{}", std::process::id()));
    let _ = std::fs::remove_file(&out);
    let cmd = format!(
        "echo \"$FLEET_OFFER $FLEET_GPU $FLEET_AVAILABLE\" >> {}",
        out.display()
    );
    let o = run(&mut fleet(&[
        "--fake",
        "gpus",
        "watch",
        "--provider",
        "neolink",
        "--model",
        "H20",
        "--once",
        "--exec",
        &cmd,
    ]));
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).starts_with("appeared neolink:host-cluster/2"),
        "{}",
        text(&o.stdout)
    );
    let written = std::fs::read_to_string(&out).expect("the command ran");
    assert_eq!(written, "neolink:host-cluster/2 H20 8\n");
    let _ = std::fs::remove_file(&out);
}
