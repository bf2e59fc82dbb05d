//! The TensorDock v0 fake (`tensordock_fake::v0`) through the public
//! client: a whole VM lifecycle with the service's own state-conflict
//! messages, stock and billing, the errors the fake answers for requests
//! the service would reject, and the drift guard that every operation of
//! the spec is answered with a body the generated types parse.

use std::time::Duration;

use cloud_common::WaitOptions;
use tensordock_api::v0::{
    DeployVmExt, HostnodeFilter, PortMappings, TensorDock, VmStatus, generated,
};
use tensordock_api::{ClientConfig, ErrorKind, RetryPolicy};
use tensordock_fake::v0::{API_KEY, API_TOKEN, Fake, GPU_MODEL, HOSTNODE, fixtures};

fn client(fake: &Fake) -> TensorDock {
    TensorDock::with_config(
        ClientConfig::new(fake.base_url()).retry(RetryPolicy::never()),
        (API_KEY, API_TOKEN),
    )
    .unwrap()
}

async fn deploy(td: &TensorDock, gpus: i64) -> Result<String, tensordock_api::Error> {
    let deployed = td
        .deploy_vm(|vm| {
            vm.name("trainer")
                .gpu_model(GPU_MODEL)
                .gpu_count(gpus)
                .vcpus(4)
                .ram(16)
                .storage(100)
                .hostnode(HOSTNODE)
                .operating_system("Ubuntu 22.04 LTS")
                .password("correct-horse-battery")
                .ports(&PortMappings::new().map(20001, 22))
        })
        .await?;
    Ok(deployed.server)
}

/// A form-urlencoded POST, as v0 clients send it.
fn post_form(raw: &reqwest::Client, url: &str, fields: &[(&str, &str)]) -> reqwest::RequestBuilder {
    raw.post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string(fields).unwrap())
}

/// A container deployment of two replicas of one RTX 4090 each.
fn container_request(
    c: tensordock_api::v0::types::builder::DeployContainerRequest,
    name: &str,
) -> tensordock_api::v0::types::builder::DeployContainerRequest {
    c.display_name(name)
        .project_id(name)
        .image_name("strm/helloworld-http")
        .registry_type(tensordock_api::v0::types::RegistryType::Public)
        .gpu_count(1)
        .gpu_models(vec![GPU_MODEL.to_string()])
        .replicas(2)
        .ram(16)
        .vcpus(4)
        .storage(100)
        .networking_port(80)
        .max_vm_rate_hourly(0.9)
}

fn wait() -> WaitOptions {
    WaitOptions::new(Duration::from_secs(30)).interval(Duration::from_millis(10))
}

#[tokio::test]
async fn a_vm_lives_through_deploy_start_stop_and_delete() {
    let fake = Fake::start().await.unwrap();
    let td = client(&fake);
    let id = deploy(&td, 2).await.unwrap();
    assert_eq!(
        fake.gpus_available(HOSTNODE, GPU_MODEL),
        Some(2),
        "stock drops"
    );
    // The generated operation itself, through the client's native handle
    // (the hostnode list is public, so it needs no credentials).
    let native = td
        .native()
        .list_hostnodes()
        .min_gpu_count(3)
        .send()
        .await
        .unwrap();
    assert!(
        native.into_inner().hostnodes.is_empty(),
        "2 GPUs left, 3 asked"
    );
    let hostnodes = td.list_hostnodes(&HostnodeFilter::default()).await.unwrap();
    assert_eq!(hostnodes[HOSTNODE].specs.gpu[GPU_MODEL].amount, Some(2));

    let vms = td.instances().await.unwrap();
    assert_eq!(vms[&id].name.as_deref(), Some("trainer"));
    let vm = td
        .wait_for_status(&id, VmStatus::Running, wait())
        .await
        .unwrap();
    assert_eq!(vm.port_forwards.as_ref().map(|p| p.len()), Some(1));

    let err = td.start_instance(&id).await.unwrap_err();
    assert_eq!((err.kind(), err.status()), (ErrorKind::Api, Some(500)));
    assert_eq!(
        err.message(),
        "Machine is running, therefore it cannot be started"
    );

    let before = fake.balance();
    fake.advance(Duration::from_secs(3600));
    assert!(fake.balance() < before, "a running VM costs money");
    let balance = td.balance().await.unwrap();
    assert!(balance.hourly_cost > 0.0 && balance.balance < 100.0);

    td.stop_vm(&id, true).await.unwrap();
    td.wait_for_status(&id, VmStatus::StoppedDisassociated, wait())
        .await
        .unwrap();
    assert_eq!(
        fake.gpus_available(HOSTNODE, GPU_MODEL),
        Some(4),
        "GPUs released"
    );
    let err = td.stop_instance(&id).await.unwrap_err();
    assert_eq!(
        err.message(),
        "Machine is stoppeddisassociated, therefore it cannot be stopped"
    );
    td.start_instance(&id).await.unwrap();
    assert_eq!(
        fake.gpus_available(HOSTNODE, GPU_MODEL),
        Some(2),
        "GPUs taken back"
    );

    td.delete_instance(&id).await.unwrap();
    assert!(!td.instances().await.unwrap().contains_key(&id));
    assert_eq!(fake.gpus_available(HOSTNODE, GPU_MODEL), Some(4));
    let err = td.delete_instance(&id).await.unwrap_err();
    assert!(err.message().contains("already terminated"), "{err}");
}

#[tokio::test]
async fn a_deploy_beyond_the_stock_fails() {
    let fake = Fake::start().await.unwrap();
    let err = deploy(&client(&fake), 5).await.unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert!(err.message().contains("Not enough resources"), "{err}");
    assert!(fake.vm_ids().is_empty());
}

/// A second GPU model on the hostnode, and more ports opened on it: a
/// deploy may take either model and forward the new ports, and the
/// hostnode lists both models.
#[tokio::test]
async fn a_hostnode_offers_another_gpu_model_on_opened_ports() {
    const RTX3080: &str = "geforcertx3080-pcie-10gb";
    let fake = Fake::start().await.unwrap();
    let td = client(&fake);
    let deploy_3080 = || {
        td.deploy_vm(|vm| {
            vm.name("My RTX 3080 Server")
                .gpu_model(RTX3080)
                .gpu_count(1)
                .vcpus(4)
                .ram(16)
                .storage(100)
                .hostnode(HOSTNODE)
                .operating_system("Ubuntu 22.04 LTS")
                .password("correct-horse-battery")
                .ports(&PortMappings::new().map(30118, 22))
        })
    };
    let err = deploy_3080().await.unwrap_err();
    assert!(err.message().contains("Invalid GPU model"), "{err}");
    fake.add_gpu_model(HOSTNODE, RTX3080, 1, 0.15, 10);
    let err = deploy_3080().await.unwrap_err();
    assert!(err.message().contains("Port 30118"), "{err}");
    fake.open_ports(HOSTNODE, &[30117, 30118]);
    let id = deploy_3080().await.unwrap().server;
    assert_eq!(fake.gpus_available(HOSTNODE, RTX3080), Some(0));
    assert_eq!(fake.gpus_available(HOSTNODE, GPU_MODEL), Some(4));
    assert!(fake.vm(&id).is_some());
    let hostnodes = td.list_hostnodes(&HostnodeFilter::default()).await.unwrap();
    let gpu = &hostnodes[HOSTNODE].specs.gpu;
    assert_eq!(gpu[RTX3080].vram, Some(10));
    assert_eq!(gpu[RTX3080].price, Some(0.15));
    assert!(gpu.contains_key(GPU_MODEL));
}

#[tokio::test]
async fn invalid_requests_get_v0_errors_naming_what_was_wrong() {
    let fake = Fake::start().await.unwrap();
    let raw = ClientConfig::new(fake.base_url())
        .http_client("tensordock", "fake-test")
        .unwrap();
    let url = format!("{}/client/deploy/single", fake.base_url());
    let mut form = vec![
        ("api_key", API_KEY),
        ("api_token", API_TOKEN),
        ("name", "x"),
        ("gpu_count", "1"),
        ("vcpus", "four"),
        ("ram", "16"),
        ("storage", "100"),
        ("hostnode", HOSTNODE),
        ("operating_system", "Ubuntu 22.04 LTS"),
        ("external_ports", "{20001}"),
        ("internal_ports", "{22}"),
    ];
    // A missing required field.
    let answer = post_form(&raw, &url, &form).send().await.unwrap();
    assert_eq!(answer.status(), 400);
    let body: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(body["success"], false);
    assert!(
        body["error"].as_str().unwrap().contains("`gpu_model`"),
        "{body}"
    );
    // A wrong type.
    form.push(("gpu_model", GPU_MODEL));
    let body: serde_json::Value = post_form(&raw, &url, &form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let message = body["error"].as_str().unwrap();
    assert!(
        message.contains("`vcpus`") && message.contains("integer"),
        "{message}"
    );

    // Wrong and missing credentials, through the client and raw.
    let wrong = TensorDock::with_config(
        ClientConfig::new(fake.base_url()).retry(RetryPolicy::never()),
        (API_KEY, "not-the-token"),
    )
    .unwrap();
    let err = wrong.list_vms().await.unwrap_err();
    assert_eq!((err.kind(), err.status()), (ErrorKind::Api, Some(401)));
    assert_eq!(err.message(), "Invalid api_key or api_token");
    let list = format!("{}/client/list", fake.base_url());
    let answer = post_form(&raw, &list, &[("api_key", API_KEY)])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 400);
    assert!(answer.text().await.unwrap().contains("`api_token`"));
    // The public hostnode list needs none.
    assert!(
        wrong
            .list_hostnodes(&HostnodeFilter::default())
            .await
            .is_ok()
    );
    let shown = format!("{:?}", fake.received());
    assert!(
        !shown.contains(API_TOKEN),
        "credentials are hidden in Debug"
    );
}

#[test]
fn fixtures_are_typed_values_of_the_spec_shapes() {
    let vm = fixtures::vm("trainer", "Stopped");
    assert_eq!(vm.status.as_deref(), Some("Stopped"));
    let hostnode = fixtures::hostnode(GPU_MODEL, 2, 0.4);
    assert_eq!(hostnode.specs.gpu[GPU_MODEL].price, Some(0.4));
    assert_eq!(hostnode.networking.ports.len(), 10);
}

/// Every operation of the spec, called through the client against the
/// fake, must succeed: the fake answers it, and the generated types parse
/// the answer. An operation added to the spec fails here by name until the
/// fake (and this list) support it.
#[tokio::test]
async fn the_fake_answers_every_operation_of_the_spec() {
    let fake = Fake::start().await.unwrap();
    fake.set_polls_to_settle(0);
    let td = client(&fake);
    let running = fake.add_vm("running", "Running");
    let stopped = fake.add_vm("stopped", "Stopped");
    let doomed = fake.add_vm("doomed", "Stopped");
    for name in ["web", "batch"] {
        td.deploy_container(|c| container_request(c, name))
            .await
            .unwrap();
    }
    let containers = fake.container_ids();
    let (container, other) = (&containers[0], &containers[1]);
    for op in generated::OPERATIONS {
        let id = op.operation_id;
        let result = match id {
            "authTest" => td.auth_test().await,
            "authList" => td.auth_list().await.map(drop),
            "listHostnodes" => td
                .list_hostnodes(&HostnodeFilter::default())
                .await
                .map(drop),
            "getHostnode" => td.get_hostnode(HOSTNODE).await.map(drop),
            "deployVm" => deploy(&td, 1).await.map(drop),
            "listVms" => td.list_vms().await.map(drop),
            "getVm" => td.get_vm(&running).await.map(drop),
            "startVm" => td.start_vm(&stopped).await,
            "stopVm" => td.stop_vm(&running, false).await,
            "modifyVm" => td.modify_vm(&doomed, |m| m.ram(64)).await.map(drop),
            "deleteVm" => td.delete_vm(&doomed).await,
            "validateSpotNew" => td
                .validate_spot_new(|s| {
                    s.gpu_count(1)
                        .gpu_model(GPU_MODEL)
                        .vcpus(2)
                        .ram(4)
                        .storage(100)
                        .hostnode(HOSTNODE)
                        .price(1.0)
                })
                .await
                .map(|wins| assert!(wins, "a bid above the price wins")),
            "validateSpotExisting" => td.validate_spot_existing(&stopped, 0.01).await.map(drop),
            "deployContainer" => td.deploy_container(|c| container_request(c, "api")).await,
            "scaleContainer" => td.scale_container(container, 1).await,
            "listContainerReplicas" => td
                .container_replicas(container)
                .await
                .map(|r| assert_eq!(r.len(), 3)),
            "stopContainer" => td.stop_container(other).await,
            "getBalance" => td.balance().await.map(drop),
            "getRevenue" => td.revenue(|r| r).await.map(drop),
            "getMonthlySummary" => td.monthly_summary("2024-02").await.map(drop),
            other => {
                panic!("operation {other} has no call here: support it in the fake and add it")
            }
        };
        if let Err(e) = result {
            panic!("the fake does not answer {id}: {e}");
        }
        let last = fake.received().pop().unwrap();
        assert_eq!(last.operation_id.as_deref(), Some(id));
    }
}

// Requests exactly as the `tensordock` Python SDK (PyPI, 0.1.13) sends them
// through `requests`: every call sets `Content-Type:
// application/x-www-form-urlencoded`, POSTs a form with the credentials
// last, and GETs with the credentials in the query string and no body.
// The bodies below are what `requests` encodes for those calls.

/// The SDK's headers and body for a raw POST.
fn sdk_post(raw: &reqwest::Client, url: &str, body: &'static str) -> reqwest::RequestBuilder {
    raw.post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
}

fn raw_client(fake: &Fake) -> reqwest::Client {
    ClientConfig::new(fake.base_url())
        .http_client("tensordock", "fake-test")
        .unwrap()
}

/// The VM the SDK stop requests name.
const SDK_VM: &str = "5f4e3d2c-1b0a-4987-8654-3210fedcba98";

/// `stop_vm(SDK_VM)`: `disassociate_resources` defaults to `False`, which
/// `requests` sends as Python's `str(False)`.
const SDK_STOP: &str = "server=5f4e3d2c-1b0a-4987-8654-3210fedcba98&disassociate_resources=False&api_key=11111111-2222-3333-4444-555555555555&api_token=66666666-7777-8888-9999-000000000000";

/// `stop_vm(SDK_VM, disassociate_resources=True)`.
const SDK_STOP_RELEASING: &str = "server=5f4e3d2c-1b0a-4987-8654-3210fedcba98&disassociate_resources=True&api_key=11111111-2222-3333-4444-555555555555&api_token=66666666-7777-8888-9999-000000000000";

/// `deploy_container(...)` with the docstring's fields: lists repeat their
/// key, the `environment_variables` dict (`{"GREETING": "hello", "MODE":
/// "prod"}`) sends its keys only, and the empty `volumes` list nothing.
const SDK_DEPLOY_CONTAINER: &str = "display_name=My+Container&project_id=my-container-id&image_name=strm%2Fhelloworld-http&registry_type=public&gpu_count=1&gpu_models=geforcertx4090-pcie-24gb&gpu_models=rtxa6000-pcie-48gb&replicas=2&ram=16&vcpus=4&storage=100&networking_port=80&environment_variables=GREETING&environment_variables=MODE&arguments=--port&arguments=80&max_vm_rate_hourly=0.9&api_key=11111111-2222-3333-4444-555555555555&api_token=66666666-7777-8888-9999-000000000000";

/// `get_container_replicas(id)`'s query string.
const SDK_REPLICAS_QUERY: &str =
    "api_key=11111111-2222-3333-4444-555555555555&api_token=66666666-7777-8888-9999-000000000000";

#[tokio::test]
async fn the_python_sdks_stop_vm_is_accepted_with_pythons_booleans() {
    let fake = Fake::start().await.unwrap();
    fake.set_polls_to_settle(0);
    let raw = raw_client(&fake);
    let url = format!("{}/client/stop/single", fake.base_url());

    fake.add_vm_with_id(SDK_VM, "sdk", "Running");
    let answer = sdk_post(&raw, &url, SDK_STOP).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    let body: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(body, serde_json::json!({"success": true}));
    // `False` keeps the GPU: an ordinary stop.
    assert_eq!(fake.status(SDK_VM).as_deref(), Some("Stopped"));

    fake.add_vm_with_id(SDK_VM, "sdk", "Running");
    let answer = sdk_post(&raw, &url, SDK_STOP_RELEASING)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(fake.status(SDK_VM).as_deref(), Some("StoppedDisassociated"));
}

#[tokio::test]
async fn the_python_sdks_container_deploy_and_replicas_are_accepted() {
    let fake = Fake::start().await.unwrap();
    let raw = raw_client(&fake);
    let deploy = format!("{}/client/container/deploy", fake.base_url());
    let answer = sdk_post(&raw, &deploy, SDK_DEPLOY_CONTAINER)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200, "{}", answer.text().await.unwrap());
    let body: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(body["success"], true);
    let ids = fake.container_ids();
    assert_eq!(ids.len(), 1);
    // The fake records the request as it arrived, a form.
    let sent = fake.received().pop().unwrap();
    assert_eq!(
        sent.headers["content-type"],
        "application/x-www-form-urlencoded"
    );

    // GET with the credentials in the query, the form content type, no body.
    let replicas = format!(
        "{}/client/container/{}/replicas?{SDK_REPLICAS_QUERY}",
        fake.base_url(),
        ids[0]
    );
    let answer = raw
        .get(&replicas)
        .header("content-type", "application/x-www-form-urlencoded")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let body: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(
        body["result"].as_array().map(Vec::len),
        Some(2),
        "the deploy's `replicas=2`: {body}"
    );
    assert!(body.get("success").is_none(), "replicas carry no `success`");

    // Credentials in the query are still checked.
    let wrong = replicas.replace(API_TOKEN, "66666666-7777-8888-9999-000000000001");
    let answer = raw
        .get(&wrong)
        .header("content-type", "application/x-www-form-urlencoded")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 401);
    let bare = format!("{}/client/container/{}/replicas", fake.base_url(), ids[0]);
    let answer = raw.get(&bare).send().await.unwrap();
    assert_eq!(answer.status(), 400, "no credentials anywhere");
}

#[tokio::test]
async fn a_container_form_is_still_checked_field_by_field() {
    let fake = Fake::start().await.unwrap();
    let raw = raw_client(&fake);
    let deploy = format!("{}/client/container/deploy", fake.base_url());
    let bad = SDK_DEPLOY_CONTAINER.replace("replicas=2", "replicas=two");
    let answer = raw
        .post(&deploy)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(bad)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 400);
    let body: serde_json::Value = answer.json().await.unwrap();
    let message = body["error"].as_str().unwrap();
    assert!(
        message.contains("`replicas`") && message.contains("integer"),
        "{message}"
    );
    assert!(fake.container_ids().is_empty());
}

// Billing computed from the fake's state. The fixture hostnode's prices:
// a GPU 0.35, a vCPU 0.003, a GB of RAM 0.002 and a GB of storage 0.00005
// USD an hour, so `deploy(td, 1)` (4 vCPUs, 16 GB, 100 GB) runs at
// 0.394 (compute) + 0.005 (storage) an hour.

const COMPUTE_RATE: f64 = 0.35 + 4.0 * 0.003 + 16.0 * 0.002;
const STORAGE_RATE: f64 = 100.0 * 0.00005;
const HOUR: Duration = Duration::from_secs(3600);

/// Seconds since the Unix epoch of the fake's clock, as a filter value.
fn unix(time: std::time::SystemTime) -> u64 {
    time.duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// `a` is `b`, give or take the real time a test takes (a few seconds'
/// worth at the rates above).
fn about(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-3
}

/// `getRevenue` as a form, with its filters.
async fn revenue(fake: &Fake, filters: &[(&str, &str)]) -> (u16, serde_json::Value) {
    let mut fields = vec![("api_key", API_KEY), ("api_token", API_TOKEN)];
    fields.extend_from_slice(filters);
    let url = format!("{}/billing/revenue", fake.base_url());
    let response = post_form(&raw_client(fake), &url, &fields)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn host_revenue_is_what_the_hosted_hostnodes_vms_were_charged_in_the_window() {
    let fake = Fake::start().await.unwrap();
    fake.set_polls_to_settle(0);
    let td = client(&fake);
    // An account that hosts nothing earns nothing (the spec's example row
    // is no longer answered to everyone).
    assert!(td.revenue(|r| r).await.unwrap().is_empty());

    fake.set_hosted(HOSTNODE, true);
    let idle = fake.add_hostnode(GPU_MODEL, 2, 0.5);
    fake.set_hosted(&idle, true);
    let start = unix(fake.clock());
    let vm = deploy(&td, 1).await.unwrap();
    fake.advance(2 * HOUR);
    let end = unix(fake.clock());

    let rows = td.revenue(|r| r).await.unwrap();
    assert_eq!(rows.len(), 2, "a row for each hosted hostnode");
    let row = rows
        .iter()
        .find(|r| r.hostnode_id.as_deref() == Some(HOSTNODE))
        .unwrap();
    assert!(
        about(row.revenue_compute.unwrap(), 2.0 * COMPUTE_RATE),
        "{row:?}"
    );
    assert!(
        about(row.revenue_storage.unwrap(), 2.0 * STORAGE_RATE),
        "{row:?}"
    );
    assert_eq!(
        row.location.as_deref(),
        Some("Chubbuck, Idaho, United States")
    );
    assert_eq!((row.used_gpus, row.available_gpus), (Some(1), Some(3)));
    assert_eq!(
        (row.used_cpus, row.used_ram, row.used_storage),
        (Some(4), Some(16), Some(100))
    );
    assert_eq!(row.virtual_machines.len(), 1);
    assert_eq!(row.virtual_machines[0].id.as_deref(), Some(vm.as_str()));
    let idle_row = rows
        .iter()
        .find(|r| r.hostnode_id.as_deref() == Some(idle.as_str()))
        .unwrap();
    assert_eq!(idle_row.revenue_compute, Some(0.0));
    assert!(idle_row.virtual_machines.is_empty());

    // `hostnode_id`: that hostnode only; one the account does not host: none.
    let (status, only) = revenue(&fake, &[("hostnode_id", HOSTNODE)]).await;
    assert_eq!(status, 200, "{only}");
    assert_eq!(only["data"].as_array().unwrap().len(), 1);
    assert_eq!(only["data"][0]["hostnode_id"], HOSTNODE);
    assert!(only.get("success").is_none(), "no success key here");
    fake.set_hosted(&idle, false);
    let (_, none) = revenue(&fake, &[("hostnode_id", idle.as_str())]).await;
    assert_eq!(none["data"], serde_json::json!([]));

    // The window: its first hour earns half, a window before the VM or
    // after now earns nothing; ISO 8601 and Unix seconds are both read.
    let first_hour = (start + 3600).to_string();
    let (_, half) = revenue(
        &fake,
        &[
            ("hostnode_id", HOSTNODE),
            ("start_timestamp", &start.to_string()),
            ("end_timestamp", &first_hour),
        ],
    )
    .await;
    let earned = half["data"][0]["revenue_compute"].as_f64().unwrap();
    assert!(about(earned, COMPUTE_RATE), "{half}");
    let later = (end + 3600).to_string();
    let (_, after) = revenue(
        &fake,
        &[("hostnode_id", HOSTNODE), ("start_timestamp", &later)],
    )
    .await;
    assert_eq!(after["data"][0]["revenue_compute"], 0.0);
    assert_eq!(after["data"][0]["virtual_machines"], serde_json::json!([]));
    let (_, before) = revenue(
        &fake,
        &[
            ("hostnode_id", HOSTNODE),
            ("end_timestamp", "2000-01-01T00:00:00Z"),
        ],
    )
    .await;
    assert_eq!(before["data"][0]["revenue_storage"], 0.0);

    let (status, bad) = revenue(&fake, &[("start_timestamp", "last tuesday")]).await;
    assert_eq!(status, 400);
    assert_eq!(bad["success"], false);
    assert!(
        bad["error"].as_str().unwrap().contains("start_timestamp"),
        "{bad}"
    );
}

/// `YYYY-MM` of a time (UTC), by the civil calendar.
fn period(time: std::time::SystemTime) -> String {
    let days = i64::try_from(unix(time) / 86_400).unwrap();
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}")
}

#[tokio::test]
async fn a_monthly_statement_is_the_ledger_of_its_month() {
    let fake = Fake::start().await.unwrap();
    fake.set_polls_to_settle(0);
    let td = client(&fake);
    fake.set_hosted(HOSTNODE, true);
    // Early in a month, so that two hours stay inside it.
    let month = period(fake.clock());
    let vm = deploy(&td, 1).await.unwrap();
    fake.advance(2 * HOUR);
    let month_after = period(fake.clock());
    let summary = td.monthly_summary(&month).await.unwrap();
    let t = summary.transactions.unwrap();
    if month == month_after {
        assert_eq!(t.vm_expenses.len(), 1);
        let line = &t.vm_expenses[0];
        assert_eq!(line.virtual_machine_id.as_deref(), Some(vm.as_str()));
        assert_eq!(line.hostnode_id.as_deref(), Some(HOSTNODE));
        assert!(
            about(line.total_amount.unwrap(), 2.0 * COMPUTE_RATE),
            "{line:?}"
        );
        assert!(about(line.rate_hourly.unwrap(), COMPUTE_RATE), "{line:?}");
        assert_eq!(
            line.gpu_details.as_deref(),
            Some(format!("1x {GPU_MODEL}").as_str())
        );
        assert_eq!(t.storage_expenses[0].storage_amount, Some(100));
        // The account hosts the hostnode: the same charges are its payouts.
        assert_eq!(t.vm_payouts.len(), 1);
        let changes = summary.changes.unwrap();
        let spent: f64 = changes.expenses.unwrap().parse().unwrap();
        assert!(
            (spent - 2.0 * (COMPUTE_RATE + STORAGE_RATE)).abs() < 0.01,
            "{spent}"
        );
        assert_eq!(summary.previous_balance.as_deref(), Some("100.00"));
        let end: f64 = summary.final_balance.unwrap().parse().unwrap();
        assert!((end - (100.0 - spent)).abs() < 0.011, "{end}");
        let bill = summary.bill_period.unwrap();
        assert_eq!(
            format!("{}-{}", bill.start_y.unwrap(), bill.start_m.unwrap()),
            month
        );
    }

    // A month before anything happened: no lines, the first balance.
    let empty = td.monthly_summary("2020-01").await.unwrap();
    let t = empty.transactions.unwrap();
    assert!(t.vm_expenses.is_empty() && t.storage_expenses.is_empty() && t.vm_payouts.is_empty());
    assert_eq!(empty.changes.unwrap().expenses.as_deref(), Some("0.00"));
    assert_eq!(empty.previous_balance.as_deref(), Some("100.00"));
    assert_eq!(empty.final_balance.as_deref(), Some("100.00"));
    let bill = empty.bill_period.unwrap();
    assert_eq!(
        (
            bill.start_m.as_deref(),
            bill.end_m.as_deref(),
            bill.end_y.as_deref()
        ),
        (Some("01"), Some("02"), Some("2020"))
    );

    // A deposit changes the balances of the months after it, not before.
    fake.set_balance(500.0);
    let old = td.monthly_summary("2020-01").await.unwrap();
    assert_eq!(old.final_balance.as_deref(), Some("100.00"));
    let now = td.monthly_summary(&month_after).await.unwrap();
    let end: f64 = now.final_balance.unwrap().parse().unwrap();
    assert!((end - 500.0).abs() < 0.01, "{end}");
}

#[tokio::test]
async fn reserved_hostnodes_are_listed_only_with_the_accounts_key_pair() {
    let fake = Fake::start().await.unwrap();
    let reserved = fake.add_hostnode(GPU_MODEL, 2, 0.5);
    fake.set_reserved(&reserved, true);
    let url = format!("{}/client/deploy/hostnodes", fake.base_url());
    let raw = raw_client(&fake);
    let list = |query: &'static [(&'static str, &'static str)]| {
        let request = raw.get(&url).query(query);
        async move {
            let body: serde_json::Value = request.send().await.unwrap().json().await.unwrap();
            let ids: Vec<String> = body["hostnodes"]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect();
            ids
        }
    };
    assert_eq!(list(&[]).await, [HOSTNODE]);
    let own = list(&[("api_key", API_KEY), ("api_token", API_TOKEN)]).await;
    assert!(
        own.contains(&reserved) && own.contains(&HOSTNODE.to_string()),
        "{own:?}"
    );
    // Python's spelling of a boolean filter counts as one.
    assert_eq!(list(&[("requiresGTX", "True")]).await, Vec::<String>::new());
}

#[tokio::test]
async fn the_ledger_and_the_hosted_hostnodes_survive_a_saved_state() {
    let fake = Fake::start().await.unwrap();
    fake.set_polls_to_settle(0);
    fake.set_hosted(HOSTNODE, true);
    let td = client(&fake);
    let vm = deploy(&td, 1).await.unwrap();
    fake.advance(HOUR);
    let state = fake.save_state().unwrap();

    let restarted = Fake::start().await.unwrap();
    restarted.load_state(state).unwrap();
    let rows = client(&restarted).revenue(|r| r).await.unwrap();
    assert_eq!(rows.len(), 1, "still hosting");
    assert_eq!(rows[0].virtual_machines[0].id.as_deref(), Some(vm.as_str()));
    assert!(
        about(rows[0].revenue_compute.unwrap(), COMPUTE_RATE),
        "{rows:?}"
    );
    assert!(
        restarted.clock() >= fake.clock() - Duration::from_secs(1),
        "the clock does not go back"
    );
}
