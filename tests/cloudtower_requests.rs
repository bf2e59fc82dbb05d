//! CloudTower requests and answers (`specs/cloudtower.yaml`) beyond one
//! operation's contract: typed and JSON bodies checked before anything is
//! sent, bodies that leave out what is not given, the `content-language`
//! header, tolerance of fields the spec leaves out, error bodies and
//! retries.

#[path = "common/cloudtower.rs"]
mod cloudtower;
mod common;

use std::time::Duration;

use cloudtower::{TOKEN, VM1, check_with_task_vms, client, exact, exchange, spec, with_task_vms};
use cloudtower_api::mock::MockServerExt;
use cloudtower_api::types::{self, *};
use cloudtower_api::{ClientConfig, CloudTower, ContentLanguage, ErrorKind, RetryPolicy};
use httpmock::MockServer;
use serde_json::{Value, json};

// ---------------------------------------------------------------- request bodies

#[test]
fn typed_values_are_checked_by_the_spec_examples() {
    // The request examples parse as the typed bodies, so the examples the
    // contract tests require are valid requests.
    let spec = spec();
    let _: LoginInput = serde_json::from_value(spec.request_example("Login")).unwrap();
    let _: GetVmsRequestBody = serde_json::from_value(spec.request_example("GetVms")).unwrap();
    let _: Vec<VmCreationParams> =
        serde_json::from_value(spec.request_example("CreateVm")).unwrap();
    let _: VmDeleteParams = serde_json::from_value(spec.request_example("DeleteVm")).unwrap();
    let _: types::VmAddDiskParams =
        serde_json::from_value(spec.request_example("AddVmDisk")).unwrap();
}

#[tokio::test]
async fn an_incomplete_create_request_is_a_typed_error_and_sends_nothing() {
    let server = MockServer::start_async().await;
    let mock = server.mock(|_, then| {
        then.status(200).json_body(json!([]));
    });
    let incomplete = VmCreationParams::builder().name("web-01");
    let err = client(&server).create_vm([incomplete]).await.unwrap_err();
    assert_eq!(
        (err.kind(), err.operation()),
        (ErrorKind::InvalidRequest, "CreateVm")
    );
    assert!(
        err.message().starts_with("element 0 of the body"),
        "{}",
        err.message()
    );
    let err = client(&server)
        .update_vm(VmUpdateParams::builder().data(VmUpdateParamsData::default()))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    assert_eq!(mock.calls_async().await, 0);
}

/// A builder's setter keeps the conversion error of what it was given,
/// naming the field, and the outer conversion reports it: for an optional
/// field (`VmMigrateParams.data`) and a required one
/// (`VmRollbackParams.data`), each given a nested builder that lacks a
/// required field.
#[test]
fn a_nested_builder_missing_a_field_is_an_error_naming_both_fields() {
    let migrate = VmMigrateParams::builder()
        .data(VmMigrateParamsData::builder())
        .where_(VmWhereInput::by_id("vm-1"));
    assert_eq!(
        VmMigrateParams::try_from(migrate).unwrap_err().to_string(),
        "error converting supplied value for data: no value supplied for host_id"
    );
    let rollback = VmRollbackParams::builder()
        .data(VmRollbackParamsData::builder())
        .where_(VmWhereInput::by_id("vm-1"));
    assert_eq!(
        VmRollbackParams::try_from(rollback)
            .unwrap_err()
            .to_string(),
        "error converting supplied value for data: no value supplied for snapshot_id"
    );
    // Given everything, both convert.
    let rollback = VmRollbackParams::builder()
        .data(VmRollbackParamsData::builder().snapshot_id("snap-1"))
        .where_(VmWhereInput::by_id("vm-1"));
    assert_eq!(
        VmRollbackParams::try_from(rollback)
            .unwrap()
            .data
            .snapshot_id,
        "snap-1"
    );
}

#[tokio::test]
async fn json_bodies_are_checked_against_the_typed_body_then_sent() {
    let served = with_task_vms("CreateVm");
    let example = spec().request_example("CreateVm");
    let elements = example.as_array().unwrap().clone();
    let got = exchange("CreateVm", None, &served, async |ct| {
        ct.create_vm(elements).await
    })
    .await;
    check_with_task_vms("CreateVm", &served, &got);
    let got = exchange(
        "GetVms",
        None,
        &spec().response_example("GetVms"),
        async |ct| ct.get_vms(spec().request_example("GetVms")).await,
    )
    .await;
    assert_eq!(got[0].id, VM1);
    // A misspelled filter is caught before anything is sent.
    let server = MockServer::start_async().await;
    let mock = server.mock(|_, then| {
        then.status(200).json_body(json!([]));
    });
    let err = client(&server)
        .get_vms(json!({"where": {"name_contain": "web"}}))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    assert!(err.message().contains("name_contain"), "{}", err.message());
    assert_eq!(mock.calls_async().await, 0);
}

#[tokio::test]
async fn migrating_or_starting_without_a_host_sends_only_where() {
    let server = MockServer::start_async().await;
    let body = json!({"where": {"id": VM1}});
    let migrate = server.mock(|when, then| {
        exact(when.path("/migrate-vm"), None, body.clone());
        then.status(200).json_body(json!([]));
    });
    let start = server.mock(|when, then| {
        exact(when.path("/start-vm"), None, body.clone());
        then.status(200).json_body(json!([]));
    });
    let ct = client(&server);
    ct.migrate_vm(VmWhereInput::by_id(VM1)).await.unwrap();
    ct.start_vm(VmWhereInput::by_id(VM1)).await.unwrap();
    migrate.assert_async().await;
    start.assert_async().await;
}

// ---------------------------------------------------------------- headers and tolerance

#[tokio::test]
async fn the_language_is_a_client_default_with_a_per_request_override() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let alerts = spec.response_example("GetAlerts");
    let english = server.get_alerts(|when, then| {
        when.content_language(&ContentLanguage::EnUs);
        then.ok(&serde_json::from_value(alerts.clone()).unwrap());
    });
    let chinese = server.get_alerts(|when, then| {
        when.content_language(&ContentLanguage::ZhCn);
        then.ok(&serde_json::from_value(alerts.clone()).unwrap());
    });
    let none = server.get_alerts(|when, then| {
        when.content_language(None);
        then.ok(&vec![]);
    });
    let ct = client(&server)
        .with_language(ContentLanguage::EnUs)
        .unwrap();
    ct.get_alerts(GetAlertsRequestBody::default())
        .await
        .unwrap();
    ct.with_language(ContentLanguage::ZhCn)
        .unwrap()
        .get_alerts(GetAlertsRequestBody::default())
        .await
        .unwrap();
    // The override did not change the client.
    ct.get_alerts(AlertWhereInput::by_id("a")).await.unwrap();
    ct.with_language(None)
        .unwrap()
        .get_alerts(GetAlertsRequestBody::default())
        .await
        .unwrap();
    assert_eq!(english.calls_async().await, 2);
    assert_eq!(chinese.calls_async().await, 1);
    assert_eq!(none.calls_async().await, 1);
}

#[tokio::test]
async fn reads_send_at_least_an_empty_object() {
    let server = MockServer::start_async().await;
    let mock = server.mock(|when, then| {
        exact(when.path("/get-clusters"), None, json!({}));
        then.status(200).json_body(json!([]));
    });
    let clusters = client(&server)
        .get_clusters(GetClustersRequestBody::default())
        .await
        .unwrap();
    assert!(clusters.is_empty());
    mock.assert_async().await;
}

#[tokio::test]
async fn fields_the_spec_leaves_out_are_ignored() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let mut vm = spec.response_example("GetVms")[0].clone();
    vm["gpu_devices"] = json!([{"id": "gpu-1", "name": "A100"}]);
    vm["kernel_info"] = json!("5.10.0");
    vm["snapshot_plan"] = Value::Null;
    server.mock(|when, then| {
        when.path("/get-vms");
        then.status(200).json_body(json!([vm]));
    });
    let vms = client(&server)
        .get_vms(GetVmsRequestBody::default())
        .await
        .unwrap();
    assert_eq!(vms[0].id, VM1);
}

// ---------------------------------------------------------------- errors and retries

#[tokio::test]
async fn error_bodies_become_typed_errors_with_message_and_code() {
    let spec = spec();
    let locked = spec.operation("RemoveVmDisk")["responses"]["400"].clone();
    assert!(locked.get("$ref").is_some());
    let body = json!({
        "path": "/remove-vm-disk", "status": 400,
        "message": "Resource [VM-cl2k1yswo1ifg0822ruv6ylfp] locked",
        "props": {"locked_resources": [{"id": VM1, "type": "VM"}]},
        "code": "ResourceLocked"
    });
    let cases = [
        (
            400,
            body.clone(),
            "Resource [VM-cl2k1yswo1ifg0822ruv6ylfp] locked (ResourceLocked)",
        ),
        (
            404,
            json!({"path": "/get-vms", "status": 404, "message": "not found", "code": "NotFound"}),
            "not found (NotFound)",
        ),
        (
            500,
            json!({"path": "/get-vms", "status": 500, "message": "internal", "stack": "Error: at ..."}),
            "internal",
        ),
    ];
    for (status, body, message) in cases {
        let server = MockServer::start_async().await;
        server.mock(|when, then| {
            when.path("/remove-vm-disk");
            then.status(status)
                .header("x-tower-request-id", "req-42")
                .json_body(body);
        });
        let params = VmRemoveDiskParams::builder()
            .where_(VmWhereInput::by_id(VM1))
            .data(VmRemoveDiskParamsData::builder().disk_ids(vec!["d".to_string()]));
        let err = client(&server).remove_vm_disk(params).await.unwrap_err();
        assert_eq!(
            (err.kind(), err.status(), err.operation()),
            (ErrorKind::Api, Some(status), "RemoveVmDisk")
        );
        assert_eq!(err.message(), message);
        assert_eq!(err.request_id(), Some("req-42"));
        assert_eq!(err.provider(), "cloudtower");
    }
}

#[tokio::test]
async fn an_error_page_that_is_not_json_keeps_status_and_body() {
    let server = MockServer::start_async().await;
    server.mock(|_, then| {
        then.status(502)
            .header("content-type", "text/html")
            .body("<html>502 Bad Gateway</html>");
    });
    let err = client(&server)
        .get_vms(GetVmsRequestBody::default())
        .await
        .unwrap_err();
    assert_eq!((err.kind(), err.status()), (ErrorKind::Api, Some(502)));
    assert_eq!(err.body(), Some("<html>502 Bad Gateway</html>"));
}

#[tokio::test]
async fn reads_are_retried_and_mutations_are_not() {
    let server = MockServer::start_async().await;
    let mock = server.mock(|_, then| {
        then.status(503).body("busy");
    });
    let retry = RetryPolicy {
        max_attempts: 3,
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(5),
        max_elapsed: Duration::from_secs(5),
    };
    let ct =
        CloudTower::with_config(ClientConfig::new(server.base_url()).retry(retry), TOKEN).unwrap();
    ct.get_vms(GetVmsRequestBody::default()).await.unwrap_err();
    assert_eq!(mock.calls_async().await, 3, "GetVms is safe to retry");
    ct.start_vm(VmWhereInput::by_id(VM1)).await.unwrap_err();
    assert_eq!(mock.calls_async().await, 4, "StartVm is never retried");
}
