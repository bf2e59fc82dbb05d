//! Contract tests for `specs/cloudtower.yaml` (SmartX CloudTower), part 3
//! of 3: the operations added with `cargo xtask import`, and the drift
//! guard: every operation of the spec has a `contract_*` test in one of the
//! three `cloudtower_contract_*.rs` files, and every such test names an
//! operation of the spec.

#[path = "common/cloudtower.rs"]
mod cloudtower;
mod common;

use cloudtower::{TOKEN, assert_lossless, exchange, path_of, spec, to_json};
use cloudtower_api::{CloudTower, Error};
use httpmock::{Method, MockServer};
use serde_json::Value;

/// The files that hold the contract tests, read by the drift guard below:
/// a contract test in a file not listed here is not seen, so its operation
/// counts as untested.
const CONTRACT_TEST_FILES: &[&str] = &[
    include_str!("cloudtower_contract_cluster.rs"),
    include_str!("cloudtower_contract_vms.rs"),
    include_str!("cloudtower_contract_imported.rs"),
];

/// Operation `id` of the spec, as written.
fn operation(id: &str) -> Option<&'static Value> {
    spec().document()["paths"]
        .as_object()
        .into_iter()
        .flat_map(|paths| paths.values())
        .flat_map(|item| item.as_object().into_iter().flat_map(|m| m.values()))
        .find(|op| op["operationId"] == id)
}

/// How a named contract test of operation `id` is declared (what the drift
/// guard looks for, `common::assert_every_operation_covered`).
fn declared(id: &str) -> String {
    let name = cloud_spec::naming::method_name(id);
    ["async fn ", "contract_", &name, "("].concat()
}

/// The operations [`every_operation_through_its_typed_method`] sends: a
/// typed method, but no named `contract_*` test.
fn spec_driven(source: &str) -> Vec<String> {
    let spec = spec();
    spec.operation_ids()
        .into_iter()
        .filter(|id| !source.contains(&declared(id)))
        .filter(|id| operation(id).is_some_and(|op| cloud_spec::hand_written(op).is_none()))
        .collect()
}

#[test]
fn every_operation_has_a_contract_test() {
    // A named test for the operations written by hand, the spec-driven
    // test below for the others; the ones without a typed method say why
    // in the spec (`x-hand-written`).
    let spec = spec();
    let source = CONTRACT_TEST_FILES.concat();
    let otherwise: std::collections::BTreeSet<String> =
        spec_driven(&source)
            .into_iter()
            .chain(spec.operation_ids().into_iter().filter(|id| {
                operation(id).is_some_and(|op| cloud_spec::hand_written(op).is_some())
            }))
            .collect();
    common::assert_every_operation_covered(spec, &source, &otherwise);
}

/// The CloudTower fake answers every compiled operation's example with a
/// body its typed answer parses (`cloudtower_fake::drift`; with `full`, CI,
/// every operation but the uploads, which have no typed method).
#[tokio::test]
async fn the_fake_answers_every_operation_with_a_body_its_type_parses() {
    let parsers: cloudtower_fake::drift::Parsers = cloudtower_api::by_id::answer_parsers()
        .into_iter()
        .collect();
    let mut failures = cloudtower_fake::drift::unanswered(&parsers).await;
    failures.retain(|f| {
        let no_method = f.ends_with(": no generated operation");
        let id = f.split(':').next().unwrap_or_default();
        // Without `full` the tags this build leaves out have no parser.
        !(no_method
            && (!cfg!(feature = "full")
                || operation(id).is_some_and(|op| cloud_spec::hand_written(op).is_some())))
    });
    assert!(
        failures.is_empty(),
        "operations the fake does not answer:\n{}",
        failures.join("\n")
    );
}

/// Every operation without a named test: its example sent through its
/// typed method (`CloudTower::call_json`) reaches the mock exactly, and
/// its full, required-only and explicit-null answers parse losslessly.
/// It covers the operations of the tag features this build enables; with
/// the `full` feature (CI) that must be all of them.
#[test]
fn every_operation_through_its_typed_method() {
    // `ExportCSV`'s body (`TableReporterParams`) holds about a hundred list
    // bodies by value, megabytes that overflow a test thread's 2 MB stack
    // in a debug build; the crate's README says so.
    let run = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime")
            .block_on(every_operation_sent())
    };
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(run)
        .expect("a thread")
        .join()
        .unwrap_or_else(|e| std::panic::resume_unwind(e));
}

async fn every_operation_sent() {
    let driven = spec_driven(&CONTRACT_TEST_FILES.concat());
    let compiled: std::collections::BTreeSet<&str> =
        cloudtower_api::by_id::operation_ids().collect();
    let mut sent = 0;
    let mut left_out = Vec::new();
    for id in &driven {
        if !compiled.contains(id.as_str()) {
            left_out.push(id.as_str());
            continue;
        }
        if operation(id).is_some_and(|op| op.get("requestBody").is_some()) {
            imported(id, async |ct, body| ct.call_json(id, body).await).await;
        } else {
            bodyless(id).await;
        }
        sent += 1;
    }
    assert!(sent > 0, "no operation sent: {driven:?}");
    if cfg!(feature = "full") {
        assert!(
            left_out.is_empty(),
            "not compiled with `full`: {left_out:?}"
        );
    }
}

// ------------------------------------------------ imported operations
//
// Operations added with `cargo xtask import`: the spec's request example
// sent as JSON through the typed method (checked against the typed body
// before anything is sent) must reach the mock exactly, and the response
// must parse losslessly in its full, required-only and explicit-null
// shapes.

/// The contract of an imported operation; `call` sends the request body.
async fn imported<T: serde::Serialize>(
    op: &str,
    call: impl AsyncFn(CloudTower, Value) -> Result<T, Error>,
) -> Vec<T> {
    let spec = spec();
    let mut parsed = Vec::new();
    for (shape, served) in spec.response_shapes(op) {
        let request = spec.request_example(op);
        let got = exchange(op, None, &served, async |ct| call(ct, request).await).await;
        assert_lossless(&format!("{op} ({shape})"), &served, to_json!(&got));
        parsed.push(got);
    }
    parsed
}

/// The contract of an operation without a body (`GetMyInfo`, a `GET`
/// with only optional query parameters): the mock requires the token at
/// the spec's method and path, and the answers parse losslessly.
async fn bodyless(op: &str) {
    let spec = spec();
    let get = spec.method(op) == "GET";
    for (shape, served) in spec.response_shapes(op) {
        let server = MockServer::start_async().await;
        let mock = server.mock(|when, then| {
            when.method(if get { Method::GET } else { Method::POST })
                .path(path_of(op))
                .header("authorization", TOKEN);
            then.status(200)
                .header("content-type", "application/json")
                .json_body(served.clone());
        });
        let got = cloudtower::client(&server)
            .call_json(op, Value::Null)
            .await
            .unwrap_or_else(|e| panic!("{op}: {e}"));
        mock.assert_async().await;
        assert_lossless(&format!("{op} ({shape})"), &served, got);
    }
}

/// The elements of an array body.
fn items(body: Value) -> Vec<Value> {
    match body {
        Value::Array(items) => items,
        other => panic!("an array body, not {other}"),
    }
}

#[tokio::test]
async fn contract_clone_content_library_vm_template_from_vm() {
    imported("CloneContentLibraryVmTemplateFromVm", async |ct, body| {
        ct.clone_content_library_vm_template_from_vm(items(body))
            .await
    })
    .await;
}

#[tokio::test]
async fn contract_clone_vm() {
    imported("CloneVm", async |ct, body| ct.clone_vm(items(body)).await).await;
}

#[tokio::test]
async fn contract_clone_vm_template_from_vm() {
    imported("CloneVmTemplateFromVm", async |ct, body| {
        ct.clone_vm_template_from_vm(items(body)).await
    })
    .await;
}

#[tokio::test]
async fn contract_connect_cluster() {
    imported("ConnectCluster", async |ct, body| {
        ct.connect_cluster(items(body)).await
    })
    .await;
}

#[tokio::test]
async fn contract_convert_vm_template_from_vm() {
    imported("ConvertVmTemplateFromVm", async |ct, body| {
        ct.convert_vm_template_from_vm(items(body)).await
    })
    .await;
}

#[tokio::test]
async fn contract_create_datacenter() {
    imported("CreateDatacenter", async |ct, body| {
        ct.create_datacenter(items(body)).await
    })
    .await;
}

#[tokio::test]
async fn contract_create_vm_from_content_library_template() {
    imported("CreateVmFromContentLibraryTemplate", async |ct, body| {
        ct.create_vm_from_content_library_template(items(body))
            .await
    })
    .await;
}

#[tokio::test]
async fn contract_delete_cluster() {
    imported("DeleteCluster", async |ct, body| {
        ct.delete_cluster(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_delete_content_library_vm_template() {
    imported("DeleteContentLibraryVmTemplate", async |ct, body| {
        ct.delete_content_library_vm_template(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_delete_datacenter() {
    imported("DeleteDatacenter", async |ct, body| {
        ct.delete_datacenter(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_delete_vm_snapshot() {
    imported("DeleteVmSnapshot", async |ct, body| {
        ct.delete_vm_snapshot(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_delete_vm_template() {
    imported("DeleteVmTemplate", async |ct, body| {
        ct.delete_vm_template(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_get_content_library_vm_templates() {
    imported("GetContentLibraryVmTemplates", async |ct, body| {
        ct.get_content_library_vm_templates(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_get_datacenters() {
    imported("GetDatacenters", async |ct, body| {
        ct.get_datacenters(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_get_elf_images() {
    imported("GetElfImages", async |ct, body| {
        ct.get_elf_images(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_get_elf_storage_policies() {
    imported("GetElfStoragePolicies", async |ct, body| {
        ct.get_elf_storage_policies(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_get_organizations() {
    imported("GetOrganizations", async |ct, body| {
        ct.get_organizations(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_get_svt_images() {
    imported("GetSvtImages", async |ct, body| {
        ct.get_svt_images(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_get_vdses() {
    imported("GetVdses", async |ct, body| ct.get_vdses(body).await).await;
}

#[tokio::test]
async fn contract_get_vlans() {
    imported("GetVlans", async |ct, body| ct.get_vlans(body).await).await;
}

#[tokio::test]
async fn contract_get_vm_disks() {
    imported("GetVmDisks", async |ct, body| ct.get_vm_disks(body).await).await;
}

#[tokio::test]
async fn contract_get_vm_nics() {
    imported("GetVmNics", async |ct, body| ct.get_vm_nics(body).await).await;
}

#[tokio::test]
async fn contract_get_vm_templates() {
    imported("GetVmTemplates", async |ct, body| {
        ct.get_vm_templates(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_get_vm_volumes() {
    imported("GetVmVolumes", async |ct, body| {
        ct.get_vm_volumes(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_rebuild_vm() {
    imported("RebuildVm", async |ct, body| {
        ct.rebuild_vm(items(body)).await
    })
    .await;
}

#[tokio::test]
async fn contract_rollback_vm() {
    imported("RollbackVm", async |ct, body| ct.rollback_vm(body).await).await;
}

#[tokio::test]
async fn contract_update_cluster() {
    imported("UpdateCluster", async |ct, body| {
        ct.update_cluster(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_update_content_library_vm_template() {
    imported("UpdateContentLibraryVmTemplate", async |ct, body| {
        ct.update_content_library_vm_template(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_update_datacenter() {
    imported("UpdateDatacenter", async |ct, body| {
        ct.update_datacenter(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_update_vm_template() {
    imported("UpdateVmTemplate", async |ct, body| {
        ct.update_vm_template(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_get_content_library_images() {
    imported("GetContentLibraryImages", async |ct, body| {
        ct.get_content_library_images(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_expand_vm_disk() {
    imported("ExpandVmDisk", async |ct, body| {
        ct.expand_vm_disk(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_get_gpu_devices() {
    imported("GetGpuDevices", async |ct, body| {
        ct.get_gpu_devices(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_add_vm_gpu_device() {
    imported("AddVmGpuDevice", async |ct, body| {
        ct.add_vm_gpu_device(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_remove_vm_gpu_device() {
    imported("RemoveVmGpuDevice", async |ct, body| {
        ct.remove_vm_gpu_device(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_enter_maintenance_mode_pre_check() {
    imported("EnterMaintenanceModePreCheck", async |ct, body| {
        ct.enter_maintenance_mode_pre_check(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_enter_maintenance_mode_precheck_result() {
    imported("EnterMaintenanceModePrecheckResult", async |ct, body| {
        ct.enter_maintenance_mode_precheck_result(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_enter_maintenance_mode() {
    imported("EnterMaintenanceMode", async |ct, body| {
        ct.enter_maintenance_mode(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_exit_maintenance_mode() {
    imported("ExitMaintenanceMode", async |ct, body| {
        ct.exit_maintenance_mode(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_get_vm_metrics() {
    imported("GetVmMetrics", async |ct, body| {
        ct.get_vm_metrics(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_get_host_metrics() {
    imported("GetHostMetrics", async |ct, body| {
        ct.get_host_metrics(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_get_cluster_metrics() {
    imported("GetClusterMetrics", async |ct, body| {
        ct.get_cluster_metrics(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_get_labels() {
    imported("GetLabels", async |ct, body| ct.get_labels(body).await).await;
}

#[tokio::test]
async fn contract_add_labels_to_resources() {
    imported("AddLabelsToResources", async |ct, body| {
        ct.add_labels_to_resources(body).await
    })
    .await;
}

// ------------------------------------------ operations without a body
//
// `GET /get-version` and `POST /get-ntp-service-url` take no body: the
// request must carry the spec's method and path and no body, and the
// response parse losslessly in each shape.

#[tokio::test]
async fn contract_create_snapshot_plan() {
    imported("CreateSnapshotPlan", async |ct, body| {
        ct.create_snapshot_plan(items(body)).await
    })
    .await;
}

#[tokio::test]
async fn contract_create_vm_folder() {
    imported("CreateVmFolder", async |ct, body| {
        ct.create_vm_folder(items(body)).await
    })
    .await;
}

#[tokio::test]
async fn contract_create_vm_placement_group() {
    imported("CreateVmPlacementGroup", async |ct, body| {
        ct.create_vm_placement_group(items(body)).await
    })
    .await;
}

#[tokio::test]
async fn contract_delete_snapshot_plan() {
    imported("DeleteSnapshotPlan", async |ct, body| {
        ct.delete_snapshot_plan(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_delete_vm_folder() {
    imported("DeleteVmFolder", async |ct, body| {
        ct.delete_vm_folder(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_delete_vm_placement_group() {
    imported("DeleteVmPlacementGroup", async |ct, body| {
        ct.delete_vm_placement_group(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_execute_snapshot_plan() {
    imported("ExecuteSnapshotPlan", async |ct, body| {
        ct.execute_snapshot_plan(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_get_snapshot_plans() {
    imported("GetSnapshotPlans", async |ct, body| {
        ct.get_snapshot_plans(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_get_snapshot_plans_connection() {
    imported("GetSnapshotPlansConnection", async |ct, body| {
        ct.get_snapshot_plans_connection(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_get_vm_folders() {
    imported("GetVmFolders", async |ct, body| {
        ct.get_vm_folders(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_get_vm_folders_connection() {
    imported("GetVmFoldersConnection", async |ct, body| {
        ct.get_vm_folders_connection(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_get_vm_placement_groups() {
    imported("GetVmPlacementGroups", async |ct, body| {
        ct.get_vm_placement_groups(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_get_vm_placement_groups_connection() {
    imported("GetVmPlacementGroupsConnection", async |ct, body| {
        ct.get_vm_placement_groups_connection(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_resume_snapshot_plan() {
    imported("ResumeSnapshotPlan", async |ct, body| {
        ct.resume_snapshot_plan(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_suspend_snapshot_plan() {
    imported("SuspendSnapshotPlan", async |ct, body| {
        ct.suspend_snapshot_plan(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_update_snapshot_plan() {
    imported("UpdateSnapshotPlan", async |ct, body| {
        ct.update_snapshot_plan(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_update_vm_folder() {
    imported("UpdateVmFolder", async |ct, body| {
        ct.update_vm_folder(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_update_vm_placement_group() {
    imported("UpdateVmPlacementGroup", async |ct, body| {
        ct.update_vm_placement_group(body).await
    })
    .await;
}

/// The contract of an imported operation that takes no body.
async fn bodiless<T: serde::Serialize>(
    op: &str,
    call: impl AsyncFn(CloudTower) -> Result<T, Error>,
) {
    let spec = spec();
    let method = spec.method(op);
    for (shape, served) in spec.response_shapes(op) {
        let server = httpmock::MockServer::start_async().await;
        let mock = server.mock(|when, then| {
            let method: httpmock::Method = method.parse().expect("an HTTP method");
            when.method(method)
                .path(cloudtower::path_of(op))
                .header("authorization", cloudtower::TOKEN)
                .is_true(|req| req.body_ref().is_empty());
            then.status(200)
                .header("content-type", "application/json")
                .json_body(served.clone());
        });
        let got = call(cloudtower::client(&server))
            .await
            .unwrap_or_else(|e| panic!("{op} ({shape}): {e}"));
        mock.assert_async().await;
        assert_lossless(&format!("{op} ({shape})"), &served, to_json!(&got));
    }
}

#[tokio::test]
async fn contract_get_api_version() {
    bodiless("GetApiVersion", async |ct| ct.get_api_version().await).await;
}

#[tokio::test]
async fn contract_get_ntp_service_url() {
    bodiless("GetNtpServiceUrl", async |ct| {
        ct.get_ntp_service_url().await
    })
    .await;
}
