//! Contract tests for `specs/cloudtower.yaml` (SmartX CloudTower), part 1
//! of 3: login, then what a cluster reports (tasks, alerts, clusters,
//! hosts, disks). Every operation's exact request (path, headers, JSON
//! body = the spec's request example, built with the typed API) against an
//! httpmock server, and the typed parse of response bodies shaped like the
//! official document's, with explicit `null`s and enum values the spec
//! does not know. The VMs are in `cloudtower_contract_vms.rs`, the
//! imported operations and the check that every operation has a contract
//! test in `cloudtower_contract_imported.rs`.

#[path = "common/cloudtower.rs"]
mod cloudtower;
mod common;

use cloudtower::{
    CLUSTER, assert_lossless, built, config, exchange, path_of, spec, to_json, variant,
};
use cloudtower_api::types::*;
use cloudtower_api::{CloudTower, ContentLanguage, UserSource};
use httpmock::{Method, MockServer};
use serde_json::{Value, json};

// ---------------------------------------------------------------- login

#[tokio::test]
async fn contract_login() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let example = spec.response_example("Login");
    let login = server.mock(|when, then| {
        when.method(Method::POST)
            .path(path_of("Login"))
            .header("content-type", "application/json")
            .header_missing("authorization")
            .header_missing("api-version")
            .json_body(spec.request_example("Login"));
        then.status(200)
            .header("content-type", "application/json")
            .json_body(example.clone());
    });
    let issued = example["data"]["token"].as_str().unwrap();
    let counted = server.mock(|when, then| {
        when.method(Method::POST)
            .path("/get-vms-connection")
            .header("authorization", issued)
            .json_body(json!({}));
        then.status(200)
            .json_body(json!({"aggregate": {"count": 3}}));
    });
    let ct = CloudTower::login(
        config(&server),
        "admin",
        "ExamplePassword1!",
        UserSource::Local,
    )
    .await
    .expect("logged in");
    login.assert_async().await;
    assert_eq!(ct.token().expose(), issued);
    // The token goes raw into `authorization` from now on.
    let n = ct
        .get_vms_connection(GetVmsConnectionRequestBody::default())
        .await
        .unwrap();
    assert_eq!(n.aggregate.count, 3);
    counted.assert_async().await;
    // The typed parse of the documented response, `task_id: null` included.
    let parsed: WithTaskLoginResponse = serde_json::from_value(example.clone()).unwrap();
    assert_eq!(parsed.task_id, None);
    assert_lossless("Login", &example, to_json!(&parsed));
}

// ---------------------------------------------------------------- tasks, alerts, clusters, hosts, disks

#[tokio::test]
async fn contract_get_tasks() {
    let mut served = spec().response_example("GetTasks");
    let newer = variant(
        &served[1],
        &[
            ("/id", "cl2k1ytq81ih10822newstatus"),
            ("/status", "CANCELLED"),
            ("/type", "MIGRATION"),
        ],
    );
    served.as_array_mut().unwrap().push(newer);
    let got = exchange("GetTasks", None, &served, async |ct| {
        ct.get_tasks(TaskWhereInput::by_ids([
            "cl2k1ytq81igz0822z0qvq2ou",
            "cl2k1ytq81ih00822vbq6sxyz",
        ]))
        .await
    })
    .await;
    assert_lossless("GetTasks", &served, to_json!(&got));
    assert_eq!(
        (got[0].status.clone(), got[1].status.clone()),
        (TaskStatus::Successed, TaskStatus::Executing)
    );
    assert_eq!(
        (got[0].progress, got[0].error_message.as_ref()),
        (1.0, None)
    );
    assert_eq!(
        (got[1].finished_at.as_ref(), got[1].type_.as_ref()),
        (None, None)
    );
    assert_eq!(got[1].user.as_ref().unwrap().name, "admin");
    assert_eq!(got[2].status, TaskStatus::Other("CANCELLED".into()));
    assert_eq!(got[2].type_, Some(TaskType::Other("MIGRATION".into())));
}

#[tokio::test]
async fn contract_get_alerts() {
    let example = spec().response_example("GetAlerts");
    let mut info = variant(
        &example[0],
        &[("/id", "cl2k5u7ez4c9r0822info00001"), ("/severity", "INFO")],
    );
    info["cluster"] = Value::Null;
    info["host"] = Value::Null;
    info["disk"] = Value::Null;
    let served = json!([example[0], info]);
    let body = GetAlertsRequestBody::builder()
        .where_(built::<AlertWhereInput, _>(
            AlertWhereInput::builder()
                .ended(false)
                .cluster(ClusterWhereInput::by_ids([CLUSTER])),
        ))
        .first(100);
    // A per-request language overrides the client's default.
    let got = exchange("GetAlerts", Some("zh-CN"), &served, async |ct| {
        let ct = ct.with_language(ContentLanguage::EnUs).unwrap();
        ct.with_language(ContentLanguage::ZhCn)
            .unwrap()
            .get_alerts(body)
            .await
    })
    .await;
    assert_lossless("GetAlerts", &served, to_json!(&got));
    let alert = &got[0];
    assert_eq!((alert.severity.as_str(), alert.ended), ("CRITICAL", false));
    assert_eq!(alert.disk.as_ref().unwrap().name, "sdc");
    assert_eq!(alert.labels["disk"], "sdc");
    assert_eq!(alert.vms, None, "explicit null");
    assert_eq!((alert.threshold, alert.value), (0.0, 1.0));
    assert_eq!(alert.local_end_time, "");
    assert_eq!(got[1].severity, "INFO");
    assert_eq!(
        (got[1].cluster.as_ref(), got[1].host.as_ref()),
        (None, None)
    );
}

#[tokio::test]
async fn contract_get_clusters() {
    let example = spec().response_example("GetClusters");
    let mut newer = variant(
        &example[0],
        &[
            ("/type", "SMTX_NEXT"),
            ("/hypervisor", "KVM"),
            ("/architecture", "RISCV64"),
            ("/connect_state", "CONNECTED_ERROR"),
            ("/entityAsyncStatus", "UPGRADING"),
        ],
    );
    for nullable in [
        "total_cpu_hz",
        "used_cpu_hz",
        "total_memory_bytes",
        "local_id",
    ] {
        newer[nullable] = Value::Null;
    }
    let served = json!([example[0], newer]);
    let body: ClusterWhereInput = built(
        ClusterWhereInput::builder()
            .datacenters_some(DatacenterWhereInput::by_id("cl2k0mlkd01zb0822zk7k4zbe")),
    );
    let got = exchange("GetClusters", None, &served, async |ct| {
        ct.get_clusters(body).await
    })
    .await;
    assert_lossless("GetClusters", &served, to_json!(&got));
    let c = &got[0];
    assert_eq!(
        (c.type_.clone(), c.hypervisor.clone()),
        (ClusterType::SmtxOs, Some(Hypervisor::Elf))
    );
    assert_eq!(
        (c.total_cpu_hz, c.used_cpu_hz),
        (Some(230_400_000_000), Some(41_472_000_000.0))
    );
    assert_eq!(c.total_data_capacity, Some(57_174_604_644_352));
    assert_eq!(c.entity_async_status, None);
    let n = &got[1];
    assert_eq!(n.type_, ClusterType::Other("SMTX_NEXT".into()));
    assert_eq!(n.hypervisor, Some(Hypervisor::Other("KVM".into())));
    assert_eq!(n.architecture, Architecture::Other("RISCV64".into()));
    assert_eq!(
        n.connect_state,
        ConnectState::Other("CONNECTED_ERROR".into())
    );
    assert_eq!(
        (n.total_cpu_hz, n.used_cpu_hz, n.local_id.as_ref()),
        (None, None, None)
    );
}

#[tokio::test]
async fn contract_get_hosts() {
    let example = spec().response_example("GetHosts");
    let newer = variant(
        &example[0],
        &[("/status", "CONNECTED_MAINTENANCE"), ("/state", "DRAINING")],
    );
    let served = json!([example[0], newer]);
    let body: HostWhereInput =
        built(HostWhereInput::builder().cluster(ClusterWhereInput::by_ids([CLUSTER])));
    let got = exchange("GetHosts", None, &served, async |ct| {
        ct.get_hosts(body).await
    })
    .await;
    assert_lossless("GetHosts", &served, to_json!(&got));
    let h = &got[0];
    assert_eq!(
        (h.status.clone(), h.state.clone()),
        (HostStatus::ConnectedHealthy, HostState::InUse)
    );
    assert_eq!(
        (h.total_memory_bytes, h.used_memory_bytes),
        (256 << 30, None)
    );
    assert_eq!(h.running_pause_vm_memory_bytes, 96 << 30);
    assert_eq!(h.cluster.id, CLUSTER);
    assert_eq!(got[1].status.as_str(), "CONNECTED_MAINTENANCE");
    assert_eq!(got[1].state, HostState::Other("DRAINING".into()));
}

#[tokio::test]
async fn contract_get_disks() {
    let example = spec().response_example("GetDisks");
    let mut newer = variant(
        &example[0],
        &[
            ("/type", "NVMe_QLC"),
            ("/usage", "JOURNAL"),
            ("/health_status", "PREDICTIVE_FAILURE"),
            ("/usage_status", "REBUILDING"),
        ],
    );
    newer["function"] = Value::Null;
    let served = json!([example[0], newer]);
    let body: DiskWhereInput = built(DiskWhereInput::builder().host(built::<HostWhereInput, _>(
        HostWhereInput::builder().cluster(ClusterWhereInput::by_ids([CLUSTER])),
    )));
    let got = exchange("GetDisks", None, &served, async |ct| {
        ct.get_disks(body).await
    })
    .await;
    assert_lossless("GetDisks", &served, to_json!(&got));
    let d = &got[0];
    assert_eq!(
        (
            d.type_.clone(),
            d.health_status.clone(),
            d.usage_status.clone()
        ),
        (
            DiskType::Hdd,
            Some(DiskHealthStatus::Healthy),
            Some(DiskUsageStatus::Mounted)
        )
    );
    assert_eq!(d.remaining_life_percent, None);
    let n = &got[1];
    assert_eq!(n.type_, DiskType::Other("NVMe_QLC".into()));
    assert_eq!(n.usage, DiskUsage::Other("JOURNAL".into()));
    assert_eq!(
        n.health_status,
        Some(DiskHealthStatus::Other("PREDICTIVE_FAILURE".into()))
    );
    assert_eq!(n.function, None);
}
