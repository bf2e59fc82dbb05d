//! One provider-neutral scenario, written once against `dyn Compute`
//! (list → start → wait until running → stop → delete), run against a mock
//! of every provider (CloudTower's is its stateful fake,
//! `cloudtower_api::fake`).

use std::time::Duration;

use cloud_common::{ClientConfig, Compute, RetryPolicy, WaitOptions};
use fleet::mock::detail;
use httpmock::{Method, MockServer};
use serde_json::json;

/// The one scenario (`fleet::scenario`, also the main job's), collecting
/// its steps for the assertions.
async fn scenario(compute: &dyn Compute, id: &str) -> Result<Vec<String>, cloud_common::Error> {
    let mut steps = Vec::new();
    let wait = WaitOptions::new(Duration::from_secs(5)).interval(Duration::from_millis(5));
    fleet::scenario(compute, id, wait, |s| steps.push(s)).await?;
    Ok(steps)
}

fn config(server: &MockServer) -> ClientConfig {
    ClientConfig::new(server.base_url()).retry(RetryPolicy::never())
}

#[tokio::test]
async fn tensordock_runs_the_scenario() {
    let server = MockServer::start_async().await;
    let id = "65e7edca-888a-4e66-a975-2c6cd4cd218b";
    let vm = |status: &str| json!({"name": "vm", "status": status, "specs": {"gpu": {"amount": 1, "type": "v100-pcie-16gb"}, "vcpus": 8, "ram": 32}});
    server.mock(|when, then| {
        when.method(Method::POST).path("/client/list");
        then.status(200)
            .json_body(json!({"success": true, "virtualmachines": {id: vm("Stopped")}}));
    });
    detail(
        &server,
        "POST",
        "/client/get/single",
        json!({"success": true, "virtualmachines": vm("Starting")}),
        2,
        json!({"success": true, "virtualmachines": vm("Running")}),
    );
    let mut actions = Vec::new();
    for path in [
        "/client/start/single",
        "/client/stop/single",
        "/client/delete/single",
    ] {
        actions.push(server.mock(|when, then| {
            when.method(Method::POST)
                .path(path)
                .form_urlencoded_tuple("server", id);
            then.status(200).json_body(json!({"success": true}));
        }));
    }
    let td =
        tensordock_api::v0::TensorDock::with_config(config(&server), ("key", "token")).unwrap();
    let steps = scenario(&td, id).await.expect("scenario");
    assert_eq!(
        steps,
        [
            "[tensordock] listed 1 instance(s)".to_string(),
            format!("[tensordock]   {id} \"vm\": stopped, 1x v100-pcie-16gb"),
            format!("[tensordock] started {id}"),
            format!("[tensordock] {id} is running"),
            format!("[tensordock] stopped {id}"),
            format!("[tensordock] deleted {id}"),
        ]
    );
    for action in actions {
        action.assert_calls(1);
    }
}

#[tokio::test]
async fn tensordock_v2_runs_the_scenario() {
    let m = fleet::mock::tensordock_v2();
    let id = m.instance_id.clone();
    let td = tensordock_api::v2::TensorDock::with_config(config(&m.server).no_rate_limit(), "t")
        .unwrap();
    let steps = scenario(&td, &id).await.expect("scenario");
    assert_eq!(
        steps,
        [
            "[tensordock] listed 1 instance(s)".to_string(),
            format!("[tensordock]   {id} \"trainer-2\": stopped, 0x no GPU"),
            format!("[tensordock] started {id}"),
            format!("[tensordock] {id} is running"),
            format!("[tensordock] stopped {id}"),
            format!("[tensordock] deleted {id}"),
        ]
    );
}

#[tokio::test]
async fn neolink_runs_the_scenario() {
    let server = MockServer::start_async().await;
    let (cluster, name) = ("host-cluster", "instance-4ca9xxxx");
    let instance = |status: &str| json!({"name": name, "displayName": "trainer", "status": status, "resources": {"cpu": "16", "memory": "96Gi", "GPUNum": "1", "GPUType": "4090"}});
    server.mock(|when, then| {
        when.method(Method::GET)
            .path(format!("/clusters/{cluster}/instances"));
        then.status(200).json_body(
            json!({"hasNextPage": false, "nodes": [instance("Shutdown")], "totalCount": 1}),
        );
    });
    detail(
        &server,
        "GET",
        &format!("/clusters/{cluster}/instances/{name}"),
        instance("Creating"),
        2,
        instance("Running"),
    );
    let power_on = server.mock(|when, then| {
        when.method(Method::POST)
            .path(format!("/clusters/{cluster}/instances/{name}/power_on"));
        then.status(200).json_body(json!("ok"));
    });
    let power_off = server.mock(|when, then| {
        when.method(Method::POST)
            .path(format!("/clusters/{cluster}/instances/{name}/power_off"));
        then.status(200).json_body(json!("ok"));
    });
    let delete = server.mock(|when, then| {
        when.method(Method::DELETE)
            .path(format!("/clusters/{cluster}/instances"))
            .query_param("name", name);
        then.status(200).json_body(json!("ok"));
    });
    let neolink = neolink_api::Neolink::with_config(config(&server), "token").unwrap();
    let compute = neolink.in_cluster(cluster);
    let steps = scenario(&compute, name).await.expect("scenario");
    assert_eq!(
        steps[1],
        format!("[neolink]   {name} \"trainer\": stopped, 1x 4090")
    );
    assert_eq!(steps[3], format!("[neolink] {name} is running"));
    assert_eq!(steps.len(), 6);
    for m in [power_on, power_off, delete] {
        m.assert_calls(1);
    }
}

#[tokio::test]
async fn cloudtower_runs_the_scenario() {
    use cloudtower_api::fake::Fake;
    use cloudtower_api::types::VmStatus;
    let fake = Fake::start().await.expect("fake");
    let id = fake.add_vm("web-01", VmStatus::Stopped);
    let ct = fake
        .client_with(ClientConfig::new("").retry(RetryPolicy::never()))
        .unwrap();
    let steps = scenario(&ct, &id).await.expect("scenario");
    assert_eq!(
        steps,
        [
            "[cloudtower] listed 1 instance(s)".to_string(),
            format!("[cloudtower]   {id} \"web-01\": stopped, 0x no GPU"),
            format!("[cloudtower] started {id}"),
            format!("[cloudtower] {id} is running"),
            format!("[cloudtower] stopped {id}"),
            format!("[cloudtower] deleted {id}"),
        ]
    );
    // The fake kept state: the VM is gone, each action ran one task.
    assert!(fake.vms().is_empty());
    let tasks: Vec<String> = fake
        .tasks()
        .into_iter()
        .filter_map(|t| t.resource_mutation)
        .collect();
    assert_eq!(tasks, ["startVm", "shutDownVm", "deleteVm"]);
}

#[tokio::test]
async fn every_provider_fits_in_one_list() {
    let server = MockServer::start_async().await;
    let all: Vec<Box<dyn Compute>> = vec![
        Box::new(tensordock_api::v0::TensorDock::with_config(config(&server), ("k", "t")).unwrap()),
        Box::new(tensordock_api::v2::TensorDock::with_config(config(&server), "t").unwrap()),
        Box::new(
            neolink_api::Neolink::with_config(config(&server), "t")
                .unwrap()
                .in_cluster("c"),
        ),
        Box::new(cloudtower_api::CloudTower::with_config(config(&server), "t").unwrap()),
    ];
    let names: Vec<_> = all.iter().map(|c| c.provider()).collect();
    assert_eq!(names, ["tensordock", "tensordock", "neolink", "cloudtower"]);
}
