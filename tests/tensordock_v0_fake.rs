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
