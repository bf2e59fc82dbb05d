//! CloudTower behind the `Compute` facade (`specs/cloudtower.yaml`): the
//! fleet scenario, missing VMs and failed tasks.

#[path = "common/cloudtower.rs"]
mod cloudtower;
mod common;

use std::time::Duration;

use cloudtower::{FAILS_AT_ONCE, QUICK, Tasks, VM1, exact, fast, spec, variant};
use cloudtower_api::ErrorKind;
use serde_json::json;

// ---------------------------------------------------------------- the Compute facade

#[tokio::test]
async fn the_compute_facade_runs_the_fleet_scenario() {
    use cloud_common::{Compute, InstanceState, WaitOptions};
    let tasks = Tasks::start(&[
        ("task-start", QUICK),
        ("task-stop", QUICK),
        ("task-delete", QUICK),
    ])
    .await;
    let server = &tasks.server;
    let vm = spec().response_example("GetVms")[0].clone();
    let stopped = variant(&vm, &[("/status", "STOPPED")]);
    let by_id = json!({"where": {"id": VM1}});
    let by_id_first = json!({"where": {"id": VM1}, "first": 1});
    server.mock(|when, then| {
        exact(when.path("/get-vms"), None, json!({}));
        then.status(200).json_body(json!([stopped]));
    });
    server.mock(|when, then| {
        exact(when.path("/get-vms"), None, by_id_first.clone());
        then.status(200).json_body(json!([vm]));
    });
    // start/stop answer `WithTask_Vm_`, delete `WithTask_DeleteVm_`.
    let mutation = |path: &str, task: &str| {
        let data = if path == "/delete-vm" {
            json!({"id": VM1})
        } else {
            vm.clone()
        };
        server.mock(|when, then| {
            exact(when.path(path), None, by_id.clone());
            then.status(200)
                .json_body(json!([{"task_id": task, "data": data}]));
        })
    };
    let start = mutation("/start-vm", "task-start");
    let stop = mutation("/shutdown-vm", "task-stop");
    let poweroff = mutation("/poweroff-vm", "task-never");
    let delete = mutation("/delete-vm", "task-delete");
    let ct = tasks.client().with_task_wait(fast());
    let compute: &dyn Compute = &ct;
    let mut steps = Vec::new();
    let wait = WaitOptions::new(Duration::from_secs(5)).interval(Duration::from_millis(5));
    fleet::scenario(compute, VM1, wait, |s| steps.push(s))
        .await
        .unwrap();
    assert_eq!(steps[0], "[cloudtower] listed 1 instance(s)");
    assert!(
        steps[1].contains("web-01") && steps[1].contains("stopped"),
        "{}",
        steps[1]
    );
    assert_eq!(steps[3], format!("[cloudtower] {VM1} is running"));
    for mock in [&start, &stop, &delete] {
        assert_eq!(mock.calls_async().await, 1);
    }
    assert_eq!(
        poweroff.calls_async().await,
        0,
        "stop shuts down gracefully"
    );
    let instance = compute.get_instance(VM1).await.unwrap();
    assert_eq!(instance.state, InstanceState::Running);
    assert_eq!((instance.vcpus, instance.memory_gib), (Some(4), Some(8.0)));
}

#[tokio::test]
async fn the_compute_facade_reports_missing_vms_and_failed_tasks() {
    use cloud_common::Compute;
    let tasks = Tasks::start(&[("task-bad", FAILS_AT_ONCE)]).await;
    let server = &tasks.server;
    let vm = spec().response_example("GetVms")[0].clone();
    server.mock(|when, then| {
        when.path("/get-vms");
        then.status(200).json_body(json!([]));
    });
    server.mock(|when, then| {
        when.path("/delete-vm");
        then.status(200).json_body(json!([]));
    });
    server.mock(|when, then| {
        when.path("/start-vm");
        then.status(200)
            .json_body(json!([{"task_id": "task-bad", "data": vm}]));
    });
    let ct = tasks.client().with_task_wait(fast());
    let err = ct.get_instance("gone").await.unwrap_err();
    assert_eq!(
        (err.kind(), err.message()),
        (ErrorKind::Api, "no VM has id gone")
    );
    let err = ct.delete("gone").await.unwrap_err();
    assert_eq!(
        (err.operation(), err.message()),
        ("DeleteVm", "no VM has id gone")
    );
    let err = Compute::start(&ct, VM1).await.unwrap_err();
    assert_eq!(
        err.message(),
        "1 of 1 task(s) failed: task-bad: VM is locked"
    );
}
