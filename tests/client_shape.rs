//! The one client shape: the wrapper and its `native()` client send the
//! same requests (the client's whole state lives in the generated
//! client's runtime), the shared verbs exist on every provider, waiters
//! stop at once on a state that rules the wanted one out, and builders
//! take what users have.

mod common;

use std::time::Duration;

use cloud_common::{
    CallOptions, ClientConfig, Compute, ErrorKind, InstanceState, RetryPolicy, WaitOptions,
};
use common::Spec;
use httpmock::{Method, MockServer};
use serde_json::json;

fn config(server: &MockServer) -> ClientConfig {
    ClientConfig::new(server.base_url()).no_rate_limit()
}

#[tokio::test]
async fn neolink_native_sends_the_namespace_and_token_the_wrapper_sends() {
    let server = MockServer::start_async().await;
    let spec = Spec::load("neolink.yaml");
    let both = server.mock(|when, then| {
        when.method(Method::GET)
            .path("/regions")
            .header("authorization", "bearer nl-token")
            .header("namespace", "user-1");
        then.status(200)
            .json_body(spec.response_example("listRegions"));
    });
    let nl = neolink_api::Neolink::with_config(config(&server), "nl-token")
        .unwrap()
        .with_namespace("user-1")
        .unwrap()
        .with_options(CallOptions::new().timeout(Duration::from_secs(5)));
    nl.regions().await.expect("wrapper");
    nl.native().list_regions().send().await.expect("native");
    both.assert_calls(2);
    // An explicit header on a raw request wins over the client's default.
    let other = server.mock(|when, then| {
        when.method(Method::GET)
            .path("/regions")
            .header("namespace", "user-2");
        then.status(200)
            .json_body(spec.response_example("listRegions"));
    });
    nl.native()
        .list_regions()
        .namespace("user-2")
        .send()
        .await
        .expect("explicit");
    other.assert_calls(1);
}

#[tokio::test]
async fn cloudtower_native_sends_the_language_and_token_the_wrapper_sends() {
    let server = MockServer::start_async().await;
    let both = server.mock(|when, then| {
        when.method(Method::POST)
            .path("/get-vms")
            .header("authorization", "ct-token")
            .header("content-language", "zh-CN")
            .json_body(json!({}));
        then.status(200).json_body(json!([]));
    });
    let ct = cloudtower_api::CloudTower::with_config(config(&server), "ct-token")
        .unwrap()
        .with_language(cloudtower_api::ContentLanguage::ZhCn)
        .unwrap();
    assert_eq!(ct.language(), Some(cloudtower_api::ContentLanguage::ZhCn));
    ct.get_vms(cloudtower_api::types::GetVmsRequestBody::default())
        .await
        .expect("wrapper");
    ct.native()
        .get_vms()
        .body(cloudtower_api::types::GetVmsRequestBody::default())
        .send()
        .await
        .expect("native");
    both.assert_calls(2);
}

#[tokio::test]
async fn tensordock_v2_native_sends_the_bearer_token_and_keeps_the_options() {
    let server = MockServer::start_async().await;
    let failing = server.mock(|when, then| {
        when.method(Method::GET)
            .path("/locations")
            .header("authorization", "Bearer td-token");
        then.status(503).json_body(json!({"error": "busy"}));
    });
    let retry = RetryPolicy {
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(2),
        ..RetryPolicy::default()
    };
    let td = tensordock_api::v2::TensorDock::with_config(config(&server).retry(retry), "td-token")
        .unwrap()
        .with_options(CallOptions::new().retry(false));
    // listLocations is safe to retry, but this client opted out: the
    // wrapper and the raw client each send exactly one request.
    td.locations().await.unwrap_err();
    failing.assert_calls(1);
    td.native().list_locations().send().await.unwrap_err();
    failing.assert_calls(2);
}

#[tokio::test]
async fn tensordock_v0_native_keeps_the_options() {
    let server = MockServer::start_async().await;
    let failing = server.mock(|when, then| {
        when.method(Method::GET).path("/client/deploy/hostnodes");
        then.status(503).body("busy");
    });
    let retry = RetryPolicy {
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(2),
        ..RetryPolicy::default()
    };
    let td = tensordock_api::v0::TensorDock::with_config(config(&server).retry(retry), ("k", "t"))
        .unwrap()
        .with_options(CallOptions::new().retry(false));
    td.list_hostnodes(&Default::default()).await.unwrap_err();
    failing.assert_calls(1);
    td.native().list_hostnodes().send().await.unwrap_err();
    failing.assert_calls(2);
}

/// A TensorDock v2 instance in `status`, as getInstance answers it.
fn v2_instance(spec: &Spec, status: &str) -> serde_json::Value {
    let mut body = spec.response_example("getInstance");
    body["status"] = status.into();
    body
}

#[tokio::test]
async fn a_waiter_stops_at_once_when_the_instance_fails() {
    let server = MockServer::start_async().await;
    let spec = Spec::load("tensordock-v2.yaml");
    let id = spec.response_example("getInstance")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let get = server.mock(|when, then| {
        when.method(Method::GET).path(format!("/instances/{id}"));
        then.status(200).json_body(v2_instance(spec, "error"));
    });
    let td = tensordock_api::v2::TensorDock::with_config(config(&server), "td-token").unwrap();
    let wait = WaitOptions::new(Duration::from_secs(600)).interval(Duration::from_millis(1));
    let err = td
        .wait_for_status(&id, tensordock_api::v2::InstanceStatus::Running, wait)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WaitFailed, "{err}");
    assert!(err.message().contains("error"), "{err}");
    get.assert_calls(1);
    // The facade's waiter does the same.
    let err = td
        .wait_for_state_with(&id, InstanceState::Running, wait)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WaitFailed, "{err}");
    get.assert_calls(2);
    // Waiting for a state the instance can still reach from `error` goes on
    // until the deadline.
    let err = td
        .wait_for_state_with(
            &id,
            InstanceState::Deleted,
            WaitOptions::new(Duration::from_millis(30)).interval(Duration::from_millis(5)),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WaitTimeout, "{err}");
}

#[tokio::test]
async fn tensordock_v0_has_a_waiter_that_knows_failure() {
    let server = MockServer::start_async().await;
    let spec = Spec::load("tensordock.yaml");
    let mut body = spec.response_example("getVm");
    for key in ["virtualmachines", "virtualmachine"] {
        if body[key].is_object() {
            body[key]["status"] = "failed".into();
        }
    }
    let get = server.mock(|when, then| {
        when.method(Method::POST).path("/client/get/single");
        then.status(200).json_body(body.clone());
    });
    let td = tensordock_api::v0::TensorDock::with_config(config(&server), ("k", "t")).unwrap();
    let wait = WaitOptions::new(Duration::from_secs(600)).interval(Duration::from_millis(1));
    let err = td
        .wait_for_status(
            "f3d1c7a2-9b4e-4c1d-8e2f-6a5b4c3d2e1f",
            tensordock_api::v0::VmStatus::Running,
            wait,
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WaitFailed, "{err}");
    get.assert_calls(1);
}

#[test]
fn optional_setters_take_str_and_nested_builders() {
    use cloudtower_api::types::{ClusterWhereInput, VmWhereInput};
    let w: VmWhereInput = VmWhereInput::builder()
        .name("web-01")
        .cluster(ClusterWhereInput::builder().id("cl-1"))
        .try_into()
        .unwrap();
    assert_eq!(w.name.as_deref(), Some("web-01"));
    assert_eq!(w.cluster.and_then(|c| c.id).as_deref(), Some("cl-1"));
    let none: VmWhereInput = VmWhereInput::builder()
        .name(None::<String>)
        .try_into()
        .unwrap();
    assert_eq!(none.name, None);
}

#[tokio::test]
async fn wait_takes_one_with_task_as_well_as_many() {
    let server = MockServer::start_async().await;
    let ct = cloudtower_api::CloudTower::with_config(config(&server), "ct-token").unwrap();
    let one: cloudtower_api::types::WithTaskVm = serde_json::from_value(json!({
        "task_id": null,
        "data": serde_json::from_value::<serde_json::Value>(
            Spec::load("cloudtower.yaml").response_example("GetVms")[0].clone()
        ).unwrap()
    }))
    .unwrap();
    // A null task id is already done: nothing is sent.
    assert!(ct.wait(&one).await.unwrap().is_empty());
    assert!(ct.wait(&vec![one]).await.unwrap().is_empty());
}

#[test]
fn every_provider_speaks_the_same_verbs() {
    // Compiles only while each client has the shared names; the futures
    // are never polled.
    let td0 = tensordock_api::v0::TensorDock::new(("k", "t")).unwrap();
    let td2 = tensordock_api::v2::TensorDock::new("t").unwrap();
    let nl = neolink_api::Neolink::new("t").unwrap();
    let ct = cloudtower_api::CloudTower::new("http://127.0.0.1:9/v2/api", "t").unwrap();
    drop((
        td0.instances(),
        td0.instance("i"),
        td0.start_instance("i"),
        td0.stop_instance("i"),
        td0.delete_instance("i"),
    ));
    drop((
        td2.instances(),
        td2.instance("i"),
        td2.start_instance("i"),
        td2.stop_instance("i"),
        td2.delete_instance("i"),
    ));
    drop((
        nl.instances("c"),
        nl.instance("c", "i"),
        nl.start_instance("c", "i"),
        nl.stop_instance("c", "i"),
        nl.delete_instance("c", "i"),
    ));
    drop((
        ct.instances(),
        ct.instance("i"),
        ct.start_instance("i"),
        ct.stop_instance("i"),
        ct.delete_instance("i"),
    ));
}

#[test]
fn list_fields_take_builders_one_element_at_a_time() {
    use cloudtower_api::types::{VmCdRomParams, VmCreationParams, VmDiskParams, VmNicParams};
    let vm: VmCreationParams = serde_json::from_value(json!({
        "cluster_id": "cl-1", "name": "web-01", "ha": true, "cpu_cores": 1, "cpu_sockets": 1,
        "memory": 1u64 << 30, "vcpu": 1, "status": "STOPPED", "firmware": "BIOS",
        "vm_disks": {}, "vm_nics": []
    }))
    .unwrap();
    let vm: VmCreationParams = cloudtower_api::types::builder::VmCreationParams::from(vm)
        .add_vm_nics(VmNicParams::builder().connect_vlan_id("vlan-1"))
        .add_vm_nics(VmNicParams::builder().connect_vlan_id("vlan-2"))
        .try_into()
        .unwrap();
    let nics: Vec<_> = vm
        .vm_nics
        .iter()
        .map(|n| n.connect_vlan_id.as_deref().unwrap())
        .collect();
    assert_eq!(nics, ["vlan-1", "vlan-2"]);
    // An element that does not build is the builder's error, not a panic.
    let broken: Result<VmDiskParams, _> = VmDiskParams::builder()
        .add_mount_cd_roms(VmCdRomParams::builder())
        .try_into();
    assert!(broken.unwrap_err().to_string().contains("mount_cd_roms"));
}
