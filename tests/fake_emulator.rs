//! The fakes as an emulator: every provider's state saved, reset and
//! loaded again, the real-time mode, and each named fault answering what
//! its documentation says, through the Rust handle and the control plane.

use std::time::{Duration, Instant};

use cloud_fake::{FaultRule, Pace};
use serde_json::{Value, json};

fn http() -> reqwest::Client {
    cloud_common::ClientConfig::new("http://127.0.0.1")
        .http_client("fake-emulator-test", "fake-emulator-test")
        .expect("an HTTP client")
}

/// Polls `check` until it holds, for at most 10 s (no tight timing).
async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let started = Instant::now();
    while !check() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{what} never happened"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn every_fake_saves_resets_and_loads_its_state() {
    let neolink = neolink_fake::Fake::start().await.unwrap();
    let v0 = tensordock_fake::v0::Fake::start().await.unwrap();
    let v2 = tensordock_fake::v2::Fake::start().await.unwrap();
    let ct = cloudtower_fake::Fake::start().await.unwrap();
    let nl_name = neolink.add_instance("notebook", "Running");
    let v0_id = v0.add_vm("trainer", "Stopped");
    let v2_id = v2.add_instance("trainer", "running");
    let vm = ct.add_vm("web-01", cloudtower_api::types::VmStatus::Stopped);
    let saved = [
        neolink.save_state().unwrap(),
        v0.save_state().unwrap(),
        v2.save_state().unwrap(),
        ct.save_state().unwrap(),
    ];
    // The control plane shows the same state as the handle.
    let http = http();
    let url = format!("http://{}/_fake/state", ct.addr());
    let shown: Value = http.get(url).send().await.unwrap().json().await.unwrap();
    assert_eq!(shown, saved[3]);
    assert_eq!(saved[0]["pace"], json!({"mode": "per-poll", "polls": 2}));

    for result in [neolink.reset(), v0.reset(), v2.reset(), ct.reset()] {
        result.unwrap();
    }
    assert!(neolink.instance_names().is_empty());
    assert!(v0.vm_ids().is_empty() && v2.instance_ids().is_empty());
    assert!(ct.vms().is_empty());

    let [a, b, c, d] = saved;
    neolink.load_state(a).unwrap();
    v0.load_state(b).unwrap();
    v2.load_state(c).unwrap();
    ct.load_state(d).unwrap();
    assert_eq!(neolink.status(&nl_name).as_deref(), Some("Running"));
    assert_eq!(v0.status(&v0_id).as_deref(), Some("Stopped"));
    assert_eq!(v2.status(&v2_id).as_deref(), Some("running"));
    assert_eq!(ct.vms()[0].id, vm);
    assert!(
        ct.load_state(json!({"state": {"store": 1}})).is_err(),
        "a broken state is refused"
    );
    assert_eq!(ct.vms()[0].id, vm, "and changes nothing");
}

#[tokio::test]
async fn in_real_time_things_move_without_anyone_polling() {
    let ct = cloudtower_fake::Fake::start().await.unwrap();
    let vm = ct.add_vm("web-01", cloudtower_api::types::VmStatus::Stopped);
    ct.set_pace(Pace::RealTime { settle_ms: 50 });
    let client = ct.client().unwrap();
    // Started, never waited for: the task finishes on its own.
    client
        .start_vm(cloudtower_api::types::VmWhereInput::by_id(&vm))
        .await
        .unwrap();
    eventually("the VM running", || {
        ct.vms()[0].status == cloudtower_api::types::VmStatus::Running
    })
    .await;
    // So the VM is not locked for the next operation.
    client
        .shut_down_vm(cloudtower_api::types::VmWhereInput::by_id(&vm))
        .await
        .expect("not locked");

    let neolink = neolink_fake::Fake::start().await.unwrap();
    neolink.set_pace(Pace::RealTime { settle_ms: 50 });
    let name = neolink.add_instance("notebook", "Creating");
    eventually("the instance running", || {
        neolink.status(&name).as_deref() == Some("Running")
    })
    .await;
    assert_eq!(neolink.pace(), Some(Pace::RealTime { settle_ms: 50 }));
}

/// `POST path` with a JSON body: the status, the `retry-after` header and the body.
async fn post(
    http: &reqwest::Client,
    url: String,
    headers: &[(&str, &str)],
    body: Value,
) -> (u16, Option<String>, Value) {
    let mut request = http.post(url).json(&body);
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let retry = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    (status, retry, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn cloudtower_named_faults_answer_as_documented() {
    let fake = cloudtower_fake::Fake::start().await.unwrap();
    let cluster = fake.add_cluster("prod");
    fake.add_host(&cluster, "node-1");
    let vm = fake.add_vm("web-01", cloudtower_api::types::VmStatus::Running);
    let token = fake.token();
    let auth = [("authorization", token.as_str())];
    let http = http();
    let url = |path: &str| format!("{}{path}", fake.base_url());
    let new_vm = json!([{"cluster_id": cluster, "name": "db-01", "ha": false, "cpu_cores": 1,
        "cpu_sockets": 2, "memory": 2, "memory_unit": "GB", "status": "STOPPED",
        "firmware": "BIOS", "vm_nics": [], "vm_disks": {}}]);

    // Duplicate VM after a sync timeout: a 500, yet the VM exists; the
    // retry makes a second one.
    fake.inject_named("duplicate-vm-after-sync-timeout", 1)
        .unwrap();
    let (status, _, body) = post(&http, url("/create-vm"), &auth, new_vm.clone()).await;
    assert_eq!((status, &body["path"]), (500, &json!("/create-vm")));
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("Sync VM timeout")
    );
    let (status, _, _) = post(&http, url("/create-vm"), &auth, new_vm.clone()).await;
    assert_eq!(status, 200);
    fake.finish_tasks();
    let named: Vec<String> = fake.vms().into_iter().map(|v| v.name).collect();
    assert_eq!(
        named.iter().filter(|n| *n == "db-01").count(),
        2,
        "{named:?}"
    );

    // A task failing for lack of memory: accepted, then FAILED.
    fake.inject_named("task-fails-insufficient-memory", 1)
        .unwrap();
    let stopped = fake.add_vm("batch-01", cloudtower_api::types::VmStatus::Stopped);
    let (status, _, body) = post(
        &http,
        url("/start-vm"),
        &auth,
        json!({"where": {"id": stopped}}),
    )
    .await;
    assert_eq!(status, 200);
    let task = body[0]["task_id"].as_str().unwrap().to_string();
    fake.finish_tasks();
    let failed = fake.tasks().into_iter().find(|t| t.id == task).unwrap();
    assert_eq!(failed.status, cloudtower_api::types::TaskStatus::Failed);
    assert!(
        failed
            .error_message
            .unwrap_or_default()
            .contains("Insufficient memory")
    );

    // A locked resource and a power operation in the wrong state, in
    // CloudTower's ErrorBody; the VM does not change.
    fake.inject_named("resource-locked", 1).unwrap();
    let (status, _, body) = post(
        &http,
        url("/shutdown-vm"),
        &auth,
        json!({"where": {"id": vm}}),
    )
    .await;
    assert_eq!((status, &body["code"]), (400, &json!("ResourceLocked")));
    assert_eq!(body["props"]["locked_resources"][0]["id"], json!(vm));
    fake.add_fault(FaultRule::named("power-state-refused"))
        .unwrap();
    let zh = [auth[0], ("content-language", "zh-CN")];
    let (status, _, body) = post(
        &http,
        url("/shutdown-vm"),
        &zh,
        json!({"where": {"id": vm}}),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body["message"].as_str().unwrap().contains("web-01"),
        "{body}"
    );
    assert!(fake.faults().is_empty(), "each rule was spent");
    let web = fake.vms().into_iter().find(|v| v.id == vm).unwrap();
    assert_eq!(web.status, cloudtower_api::types::VmStatus::Running);
    let names: Vec<&str> = fake.named_faults().iter().map(|n| n.name).collect();
    assert_eq!(names.len(), 5, "{names:?}");
}

#[tokio::test]
async fn tensordock_and_neolink_named_faults_answer_as_documented() {
    let http = http();
    let v2 = tensordock_fake::v2::Fake::start().await.unwrap();
    let bearer = format!("Bearer {}", tensordock_fake::v2::TOKEN);
    let auth = [("authorization", bearer.as_str())];
    let id = v2.add_instance("trainer", "running");
    v2.inject_named("rate-limited", 1).unwrap();
    v2.inject_named("error-in-200", 1).unwrap();
    let create = json!({"data": {"type": "virtualmachine", "attributes": {}}});
    // Rules fire in the order they were added.
    let (status, retry, body) = post(
        &http,
        format!("{}/instances", v2.base_url()),
        &auth,
        create.clone(),
    )
    .await;
    assert_eq!((status, retry.as_deref()), (429, Some("60")));
    assert!(body["error"].as_str().unwrap().contains("100 per minute"));
    let (status, _, body) =
        post(&http, format!("{}/instances", v2.base_url()), &auth, create).await;
    assert_eq!(
        (status, body),
        (
            200,
            json!({"status": 400, "error": "No available nodes found"})
        )
    );
    v2.inject_named("modify-needs-stop", 1).unwrap();
    let response = http
        .put(format!("{}/instances/{id}/modify", v2.base_url()))
        .header("authorization", &bearer)
        .json(&json!({"cpuCores": 8}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(v2.instance_ids(), [id]);

    let v0 = tensordock_fake::v0::Fake::start().await.unwrap();
    v0.inject_named("modify-needs-stop", 1).unwrap();
    let vm = v0.add_vm("trainer", "Stopped");
    let form = [
        ("api_key", tensordock_fake::v0::API_KEY),
        ("api_token", tensordock_fake::v0::API_TOKEN),
        ("server_id", vm.as_str()),
        ("vcpus", "4"),
    ];
    let response = http
        .post(format!("{}/client/modify/single", v0.base_url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string(form).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 500);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["success"], json!(false));

    let neolink = neolink_fake::Fake::start().await.unwrap();
    let bearer = format!("Bearer {}", neolink_fake::TOKEN);
    neolink.inject_named("namespace-refused", 1).unwrap();
    let response = http
        .get(format!("{}/regions", neolink.base_url()))
        .header("authorization", &bearer)
        .header("namespace", "someone-else")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], 403);
    assert!(body["message"].as_str().unwrap().contains("someone-else"));
    // A create answered with a bare "ok": the instance exists all the same.
    neolink.inject_named("bare-ok", 1).unwrap();
    let client = neolink_api::Neolink::with_config(
        neolink_api::ClientConfig::new(neolink.base_url()),
        neolink_fake::TOKEN,
    )
    .unwrap()
    .with_namespace("ns")
    .unwrap();
    let request = neolink_api::types::CreateInstanceRequest::builder()
        .display_name("nb")
        .image("images.neolink-ai.com/matrixdc/pytorch:2.3")
        .cost(
            neolink_api::types::CreateCost::builder()
                .cost_type(neolink_api::BillingType::PayAsYouGo)
                .disk_skuid("1")
                .gpuskuid("66"),
        )
        .volume_mount(vec![]);
    let created = client.create_instance(neolink_fake::CLUSTER, request).await;
    assert!(created.is_err(), "\"ok\" is not an instance");
    assert_eq!(neolink.instance_names().len(), 1);
}
