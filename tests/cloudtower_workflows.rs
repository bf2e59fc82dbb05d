//! CloudTower workflows (`specs/cloudtower.yaml`), the conveniences of
//! `crates/cloudtower-api/src/workflows.rs`: lookups by name, VMs from
//! templates, snapshots, templates and clones, GPUs, maintenance mode and
//! labels, each sending exactly the expected bodies.

#[path = "common/cloudtower.rs"]
mod cloudtower;
mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use cloudtower::{
    CLUSTER, QUICK, Tasks, VLAN, VM1, assert_lossless, built, client, exact, fast, spec, to_json,
};
use cloudtower_api::types::*;
use cloudtower_api::{ErrorKind, FromTemplate};
use httpmock::{HttpMockResponse, Method, MockServer};
use serde_json::{Value, json};

// ------------------------------------------------ workflows (conveniences)

/// A mock of `path` that requires exactly `body` and serves `response`.
fn pinned<'a>(
    server: &'a MockServer,
    path: &str,
    body: Value,
    response: Value,
) -> httpmock::Mock<'a> {
    server.mock(|when, then| {
        exact(when.method(Method::POST).path(path), None, body);
        then.status(200)
            .header("content-type", "application/json")
            .json_body(response);
    })
}

#[tokio::test]
async fn a_lookup_by_name_wants_exactly_one_match() {
    let server = MockServer::start_async().await;
    let vlan = spec().response_example("GetVlans")[0].clone();
    let ask = |name: &str| json!({"where": {"name": name}, "first": 2});
    let one = pinned(&server, "/get-vlans", ask("vm-network"), json!([vlan]));
    pinned(&server, "/get-vlans", ask("nothing"), json!([]));
    pinned(&server, "/get-vlans", ask("twice"), json!([vlan, vlan]));
    let ct = client(&server);
    let found = ct.vlan_named("vm-network").await.unwrap();
    assert_eq!(found.id, vlan["id"].as_str().unwrap());
    one.assert_async().await;
    let none = ct.vlan_named("nothing").await.unwrap_err();
    assert_eq!(none.kind(), ErrorKind::InvalidRequest);
    assert!(
        none.to_string().contains("no VLAN named \"nothing\""),
        "{none}"
    );
    let several = ct.vlan_named("twice").await.unwrap_err();
    assert!(
        several.to_string().contains("more than one VLAN"),
        "{several}"
    );
}

#[tokio::test]
async fn a_vm_from_a_content_library_template_sends_the_overrides() {
    let server = MockServer::start_async().await;
    let served = spec().response_example("CreateVmFromContentLibraryTemplate");
    let mock = pinned(
        &server,
        "/create-vm-from-content-library-template",
        json!([{
            "template_id": "tpl-1", "cluster_id": CLUSTER, "name": "web-07",
            "is_full_copy": false, "cpu_cores": 4, "cpu_sockets": 2, "vcpu": 8,
            "memory": 8u64 << 30,
            "vm_nics": [{"connect_vlan_id": VLAN}, {"connect_vlan_id": "vlan-2"}]
        }]),
        served.clone(),
    );
    let got = client(&server)
        .create_vm_from_content_library_template([FromTemplate::new("tpl-1", CLUSTER, "web-07")
            .vcpu(4, 2)
            .memory_gib(8)
            .nic_on_vlan(VLAN)
            .nic_on_vlan("vlan-2")])
        .await
        .unwrap();
    mock.assert_async().await;
    assert_lossless(
        "CreateVmFromContentLibraryTemplate",
        &served,
        to_json!(&got),
    );
}

#[tokio::test]
async fn snapshots_roll_back_rebuild_and_delete() {
    let server = MockServer::start_async().await;
    let vms = spec().response_example("RollbackVm");
    let rollback = pinned(
        &server,
        "/rollback-vm",
        json!({"data": {"snapshot_id": "snap-1"}, "where": {"id": VM1}}),
        vms.clone(),
    );
    let rebuild = pinned(
        &server,
        "/rebuild-vm-from-snapshot",
        json!([{"rebuild_from_snapshot_id": "snap-1", "name": "web-01-restored"}]),
        vms.clone(),
    );
    let delete = pinned(
        &server,
        "/delete-vm-snapshot",
        json!({"where": {"id": "snap-1"}}),
        spec().response_example("DeleteVmSnapshot"),
    );
    let ct = client(&server);
    ct.rollback_vm_to(VM1, "snap-1").await.unwrap();
    ct.rebuild_vm_from("snap-1", "web-01-restored")
        .await
        .unwrap();
    let deleted = ct.delete_snapshot("snap-1").await.unwrap();
    assert!(!deleted.is_empty());
    rollback.assert_async().await;
    rebuild.assert_async().await;
    delete.assert_async().await;
}

#[tokio::test]
async fn templates_from_a_vm_and_a_clone() {
    let server = MockServer::start_async().await;
    let template = json!([{"name": "golden", "vm_id": VM1, "cloud_init_supported": false}]);
    let convert = pinned(
        &server,
        "/convert-vm-template-from-vm",
        template.clone(),
        spec().response_example("ConvertVmTemplateFromVm"),
    );
    let clone_t = pinned(
        &server,
        "/clone-vm-template-from-vm",
        template,
        spec().response_example("CloneVmTemplateFromVm"),
    );
    let clone = pinned(
        &server,
        "/clone-vm",
        json!([{"src_vm_id": VM1, "name": "web-01-copy"}]),
        spec().response_example("CloneVm"),
    );
    let library = pinned(
        &server,
        "/clone-content-library-vm-template-from-vm",
        json!([{"name": "golden", "vm": {"id": VM1}, "clusters": {"id": CLUSTER}}]),
        spec().response_example("CloneContentLibraryVmTemplateFromVm"),
    );
    let ct = client(&server);
    ct.convert_vm_to_template(VM1, "golden").await.unwrap();
    ct.clone_vm_to_template(VM1, "golden").await.unwrap();
    ct.clone_vm_named(VM1, "web-01-copy").await.unwrap();
    ct.clone_vm_to_content_library(VM1, "golden", ClusterWhereInput::by_id(CLUSTER))
        .await
        .unwrap();
    for m in [convert, clone_t, clone, library] {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn gpus_attach_and_detach_waiting_for_the_task() {
    let tasks = Tasks::start(&[("gpu-task", QUICK)]).await;
    let answer = json!([{"task_id": "gpu-task", "data": spec().response_example("GetVms")[0]}]);
    let attach = pinned(
        &tasks.server,
        "/add-vm-gpu-device",
        json!({"data": [{"gpu_id": "gpu-1"}, {"gpu_id": "gpu-2"}], "where": {"id": VM1}}),
        answer.clone(),
    );
    let detach = pinned(
        &tasks.server,
        "/remove-vm-gpu-device",
        json!({"data": [{"gpu_id": "gpu-1"}], "where": {"id": VM1}}),
        answer,
    );
    let ct = tasks.client().with_task_wait(fast());
    let done = ct.attach_gpus(VM1, &["gpu-1", "gpu-2"]).await.unwrap();
    assert_eq!(done[0].id, "gpu-task");
    ct.detach_gpus(VM1, &["gpu-1"]).await.unwrap();
    attach.assert_async().await;
    detach.assert_async().await;
    // A VM that matched nothing is an error, not a silent success.
    let nothing = pinned(
        &tasks.server,
        "/add-vm-gpu-device",
        json!({"data": [{"gpu_id": "gpu-1"}], "where": {"id": "gone"}}),
        json!([]),
    );
    let err = ct.attach_gpus("gone", &["gpu-1"]).await.unwrap_err();
    assert!(err.to_string().contains("no VM has id gone"), "{err}");
    nothing.assert_async().await;
}

#[tokio::test]
async fn maintenance_mode_prechecks_until_done_then_enters_and_exits() {
    let tasks = Tasks::start(&[("enter-task", QUICK), ("exit-task", QUICK)]).await;
    let server = &tasks.server;
    let host = "cl2k0mq4i02910822p6lqbqgm";
    pinned(
        server,
        "/enter-maintenance-mode-precheck",
        json!({"where": {"id": host}}),
        json!({"task_id": "precheck-1"}),
    );
    let results = Arc::new(Mutex::new(0));
    let counter = results.clone();
    server.mock(|when, then| {
        exact(
            when.method(Method::POST)
                .path("/enter-maintance-mode-precheck-result"),
            None,
            json!({"where": {"task_id": "precheck-1"}}),
        );
        then.respond_with(move |_| {
            let mut n = counter.lock().unwrap();
            *n += 1;
            let done = *n >= 2;
            HttpMockResponse::builder()
                .status(200)
                .header("content-type", "application/json")
                .body(json!({"done": done, "shutdownVms": [{"vm_uuid": "u-1"}]}).to_string())
                .build()
        });
    });
    let host_answer =
        |task: &str| json!({"task_id": task, "data": spec().response_example("GetHosts")[0]});
    let enter = pinned(
        server,
        "/enter-maintance-mode",
        json!({"data": {"shutdown_vms": [VM1]}, "where": {"host_id": host}}),
        host_answer("enter-task"),
    );
    let exit = pinned(
        server,
        "/exit-maintance-mode",
        json!({"data": {"poweron_vms": [VM1]}, "where": {"host_id": host}}),
        host_answer("exit-task"),
    );
    let ct = tasks.client().with_task_wait(fast());
    let options =
        cloudtower_api::WaitOptions::new(Duration::from_secs(5)).interval(Duration::from_millis(5));
    let result = ct.maintenance_precheck(host, &options).await.unwrap();
    assert!(result.done);
    assert_eq!(result.shutdown_vms[0].vm_uuid, "u-1");
    assert_eq!(*results.lock().unwrap(), 2, "polled until done");
    ct.enter_maintenance(host, &[VM1]).await.unwrap();
    let back: ExitMaintenanceModeInput =
        built(ExitMaintenanceModeInput::builder().poweron_vms(vec![VM1.to_string()]));
    ct.exit_maintenance(host, back).await.unwrap();
    enter.assert_async().await;
    exit.assert_async().await;
}

#[tokio::test]
async fn vms_are_selected_and_labelled_by_label() {
    let server = MockServer::start_async().await;
    let select = pinned(
        &server,
        "/get-vms",
        json!({"where": {"labels_some": {"key": "role", "value": "gpu-worker"}}}),
        spec().response_example("GetVms"),
    );
    let label = pinned(
        &server,
        "/add-labels-to-resources",
        json!({"data": {"vms": {"id": VM1}}, "where": {"key": "role"}}),
        spec().response_example("AddLabelsToResources"),
    );
    let ct = client(&server);
    let vms = ct.vms_labelled("role", Some("gpu-worker")).await.unwrap();
    assert_eq!(vms[0].id, VM1);
    let by_key: LabelWhereInput = built(LabelWhereInput::builder().key("role"));
    ct.label_vms(by_key, VmWhereInput::by_id(VM1))
        .await
        .unwrap();
    select.assert_async().await;
    label.assert_async().await;
}
