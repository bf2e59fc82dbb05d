//! Contract tests for `specs/tensordock.yaml` (TensorDock v0): every
//! operation's exact request against an httpmock server, and the typed
//! parse of the spec's example response.

mod common;

use common::{Spec, expect_form, expect_query, form_fields};
use httpmock::MockServer;
use serde_json::{Value, json};
use tensordock_api::v0::mock::MockServerExt;
use tensordock_api::v0::types::RegistryType;
use tensordock_api::v0::{
    DeployVmExt, HostnodeFilter, PortMappings, TensorDock, VmStatus, VmStatusExt,
};
use tensordock_api::{ClientConfig, ErrorKind, RetryPolicy};

/// The credentials the spec's examples use; the client must send exactly
/// these, so the examples double as the expected requests.
const KEY: &str = "11111111-2222-3333-4444-555555555555";
const TOKEN: &str = "66666666-7777-8888-9999-000000000000";

fn spec() -> &'static Spec {
    Spec::load("tensordock.yaml")
}

fn client(server: &MockServer) -> TensorDock {
    let config = ClientConfig::new(server.base_url()).retry(RetryPolicy::never());
    TensorDock::with_config(config, (KEY, TOKEN)).expect("client")
}

/// Mocks `id` at `path`: the request must be a form body equal to the
/// spec's request example; the response is the spec's response example.
fn form_mock<'a>(server: &'a MockServer, spec: &Spec, id: &str, path: &str) -> httpmock::Mock<'a> {
    let fields = form_fields(&spec.request_example(id));
    let body = spec.response_example(id);
    server.mock(|when, then| {
        expect_form(when.method("POST").path(path), &fields);
        then.status(200)
            .header("content-type", "application/json")
            .json_body(body);
    })
}

#[test]
fn every_operation_has_a_contract_test() {
    common::assert_every_operation_tested(spec(), include_str!("tensordock_v0.rs"));
}

#[tokio::test]
async fn contract_auth_test() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let mock = server.auth_test(|when, then| {
        expect_form(
            when.into_inner().path("/auth/test"),
            &form_fields(&spec.request_example("authTest")),
        );
        then.into_inner()
            .status(200)
            .json_body(spec.response_example("authTest"));
    });
    client(&server).auth_test().await.expect("auth test");
    mock.assert_async().await;
}

#[tokio::test]
async fn contract_auth_list() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let mock = form_mock(&server, spec, "authList", "/auth/list");
    let auths = client(&server).auth_list().await.expect("auth list");
    mock.assert_async().await;
    assert_eq!(auths.len(), 2);
    assert_eq!(auths["test_auth"].permissions.as_deref(), Some("All"));
    assert_eq!(
        auths["perm_auth"].note.as_deref(),
        Some("Permanent use cases")
    );
}

#[tokio::test]
async fn contract_list_hostnodes() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let query: Vec<(String, String)> = spec
        .params("listHostnodes")
        .iter()
        .filter_map(|p| Some((p["name"].as_str()?.to_string(), scalar(p.get("example")?))))
        .collect();
    let mock = server.list_hostnodes(|when, then| {
        expect_query(
            when.into_inner()
                .method("GET")
                .path("/client/deploy/hostnodes"),
            &query,
        )
        .header_missing("content-type");
        then.into_inner()
            .status(200)
            .json_body(spec.response_example("listHostnodes"));
    });
    let filter = HostnodeFilter {
        min_gpu_count: Some(1),
        max_gpu_count: Some(8),
        min_vcpus: Some(4),
        min_ram_gb: Some(16),
        min_storage_gb: Some(100),
        min_vram_gb: Some(10),
        requires_rtx: Some(true),
        requires_gtx: Some(false),
    };
    let hostnodes = client(&server)
        .list_hostnodes(&filter)
        .await
        .expect("hostnodes");
    mock.assert_async().await;
    let node = &hostnodes["02c65d45-6da5-4232-a8db-ee0e5bc76110"];
    assert_eq!(node.location.city.as_deref(), Some("Winnipeg"));
    assert!(node.location.dc.is_none(), "dc is null in the example");
    assert_eq!(node.networking.ports[0], 20013);
    assert_eq!(node.specs.gpu["geforcertx3080-pcie-10gb"].amount, Some(1));
}

#[tokio::test]
async fn public_hostnode_list_sends_no_credentials() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let mock = server.mock(|when, then| {
        expect_query(
            when.method("GET").path("/client/deploy/hostnodes"),
            &[("minGPUCount".into(), "2".into())],
        );
        then.status(200)
            .json_body(spec.response_example("listHostnodes"));
    });
    let filter = HostnodeFilter {
        min_gpu_count: Some(2),
        ..Default::default()
    };
    client(&server)
        .list_hostnodes(&filter)
        .await
        .expect("hostnodes");
    mock.assert_async().await;
}

#[tokio::test]
async fn contract_get_hostnode() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let id = spec.param_example("getHostnode", "hostnode_uuid");
    let id = id.as_str().unwrap();
    let mock = server.get_hostnode(|when, then| {
        when.into_inner()
            .method("GET")
            .path(format!("/client/deploy/hostnodes/{id}"));
        then.into_inner()
            .status(200)
            .json_body(spec.response_example("getHostnode"));
    });
    let node = client(&server).get_hostnode(id).await.expect("hostnode");
    mock.assert_async().await;
    assert_eq!(node.location.region.as_deref(), Some("Manitoba"));
    assert_eq!(node.status.uptime, Some(0.9999));
}

#[tokio::test]
async fn hostnode_detail_keyed_by_its_uuid_parses_too() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let id = "02c65d45-6da5-4232-a8db-ee0e5bc76110";
    let mut body = spec.response_example("getHostnode");
    let node = body.as_object_mut().unwrap().remove("hostnode").unwrap();
    body[id] = node;
    server.mock(|when, then| {
        when.path(format!("/client/deploy/hostnodes/{id}"));
        then.status(200).json_body(body);
    });
    let node = client(&server)
        .get_hostnode(id)
        .await
        .expect("hostnode under its id");
    assert_eq!(node.location.city.as_deref(), Some("Winnipeg"));
}

#[tokio::test]
async fn contract_deploy_vm() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let mock = form_mock(&server, spec, "deployVm", "/client/deploy/single");
    let example = spec.request_example("deployVm");
    let deployed = client(&server)
        .deploy_vm(|vm| {
            let vm = vm
                .name("My RTX 3080 Server")
                .gpu_count(1)
                .gpu_model("geforcertx3080-pcie-10gb")
                .vcpus(4)
                .ram(16)
                .storage(100)
                .hostnode("02c65d45-6da5-4232-a8db-ee0e5bc76110")
                .operating_system("Ubuntu 22.04 LTS")
                .ports(&PortMappings::new().map(30118, 22).map(30117, 80));
            // The remaining optional fields, exactly as the example has them.
            let vm = match example.get("password").and_then(Value::as_str) {
                Some(p) => vm.password(p.to_string()),
                None => vm,
            };
            match example.get("ssh_key").and_then(Value::as_str) {
                Some(k) => vm.ssh_key(k.to_string()),
                None => vm,
            }
        })
        .await
        .expect("deploy");
    mock.assert_async().await;
    assert_eq!(deployed.server, "65e7edca-888a-4e66-a975-2c6cd4cd218b");
    let ports = PortMappings::from_forwards(deployed.port_forwards.as_ref().unwrap()).unwrap();
    assert_eq!(ports.external_for(22), Some(30118));
    assert_eq!(ports.internal_for(30117), Some(80));
    assert_eq!(deployed.cost.unwrap().total_price, Some(0.238));
}

#[tokio::test]
async fn deploy_escapes_cloud_init_newlines() {
    let server = MockServer::start_async().await;
    let mock = server.mock(|when, then| {
        when.path("/client/deploy/single").form_urlencoded_tuple(
            "cloudinit_script",
            "apt-get update\\napt-get -y install htop",
        );
        then.status(200)
            .json_body(json!({"success": true, "server": "x"}));
    });
    client(&server)
        .deploy_vm(|vm| {
            vm.name("n")
                .gpu_count(1)
                .gpu_model("geforcertx4090-pcie-24gb")
                .vcpus(2)
                .ram(4)
                .storage(20)
                .hostnode("02c65d45-6da5-4232-a8db-ee0e5bc76110")
                .operating_system("Ubuntu 22.04 LTS")
                .ports(&PortMappings::new().map(20000, 22))
                .cloud_init("apt-get update\napt-get -y install htop")
        })
        .await
        .expect("deploy");
    mock.assert_async().await;
}

#[tokio::test]
async fn contract_list_vms() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let mock = form_mock(&server, spec, "listVms", "/client/list");
    let vms = client(&server).list_vms().await.expect("list");
    mock.assert_async().await;
    let vm = &vms["65e7edca-888a-4e66-a975-2c6cd4cd218b"];
    assert_eq!(vm.name.as_deref(), Some("My RTX 4000 Server"));
    assert_eq!(vm.state(), VmStatus::Running);
    // Values were strings ("22") in this older response.
    assert_eq!(vm.port_mappings().unwrap().internal_for(30118), Some(22));
}

#[tokio::test]
async fn contract_get_vm() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let mock = form_mock(&server, spec, "getVm", "/client/get/single");
    let vm = client(&server)
        .get_vm("65e7edca-888a-4e66-a975-2c6cd4cd218b")
        .await
        .expect("get");
    mock.assert_async().await;
    assert_eq!(vm.name.as_deref(), Some("test"));
    assert_eq!(vm.state(), VmStatus::Outbid);
    assert_eq!(vm.type_.as_deref(), Some("spot"));
    assert_eq!(vm.port_mappings().unwrap().external_for(22), Some(60098));
}

#[tokio::test]
async fn get_vm_accepts_the_singular_key_and_unknown_statuses() {
    let server = MockServer::start_async().await;
    server.mock(|when, then| {
        when.path("/client/get/single");
        then.status(200).json_body(json!({
            "success": true,
            "virtualmachine": {"name": "x", "status": "Migrating", "port_forwards": {"2222": 22}}
        }));
    });
    let vm = client(&server)
        .get_vm("65e7edca-888a-4e66-a975-2c6cd4cd218b")
        .await
        .expect("get");
    assert_eq!(vm.state(), VmStatus::Other("Migrating".into()));
    assert_eq!(vm.port_mappings().unwrap().external_for(22), Some(2222));
}

#[tokio::test]
async fn contract_start_vm() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let mock = form_mock(&server, spec, "startVm", "/client/start/single");
    client(&server)
        .start_vm("65e7edca-888a-4e66-a975-2c6cd4cd218b")
        .await
        .expect("start");
    mock.assert_async().await;
}

#[tokio::test]
async fn contract_stop_vm() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let mock = form_mock(&server, spec, "stopVm", "/client/stop/single");
    client(&server)
        .stop_vm("cb3c501e-b85c-473d-9ab1-04dbb3e28450", true)
        .await
        .expect("stop");
    mock.assert_async().await;
}

#[tokio::test]
async fn contract_modify_vm() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let mock = form_mock(&server, spec, "modifyVm", "/client/modify/single");
    let r = client(&server)
        .modify_vm("65e7edca-888a-4e66-a975-2c6cd4cd218b", |m| {
            m.gpu_model("rtxa6000-pcie-48gb".to_string())
                .gpu_count(1)
                .ram(16)
                .vcpus(2)
                .storage(80)
        })
        .await
        .expect("modify");
    mock.assert_async().await;
    assert_eq!(
        r.server.as_deref(),
        Some("65e7edca-888a-4e66-a975-2c6cd4cd218b")
    );
}

#[tokio::test]
async fn contract_delete_vm() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let mock = form_mock(&server, spec, "deleteVm", "/client/delete/single");
    client(&server)
        .delete_vm("65e7edca-888a-4e66-a975-2c6cd4cd218b")
        .await
        .expect("delete");
    mock.assert_async().await;
}

#[tokio::test]
async fn contract_validate_spot_new() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let mock = form_mock(
        &server,
        spec,
        "validateSpotNew",
        "/client/spot/validate/new",
    );
    let ok = client(&server)
        .validate_spot_new(|s| {
            s.gpu_count(1)
                .gpu_model("geforcertx3080-pcie-10gb")
                .vcpus(4)
                .hostnode("02c65d45-6da5-4232-a8db-ee0e5bc76110")
                .ram(16)
                .storage(100)
                .price(0.2)
        })
        .await
        .expect("validate");
    mock.assert_async().await;
    assert!(ok);
}

#[tokio::test]
async fn contract_validate_spot_existing() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let mock = form_mock(
        &server,
        spec,
        "validateSpotExisting",
        "/client/spot/validate/existing",
    );
    let ok = client(&server)
        .validate_spot_existing("65e7edca-888a-4e66-a975-2c6cd4cd218b", 0.25)
        .await
        .expect("validate");
    mock.assert_async().await;
    assert!(ok);
}

#[tokio::test]
async fn a_low_bid_is_false_not_an_error() {
    let server = MockServer::start_async().await;
    server.mock(|when, then| {
        when.path("/client/spot/validate/existing");
        then.status(200).json_body(json!({"success": false}));
    });
    let ok = client(&server)
        .validate_spot_existing("65e7edca-888a-4e66-a975-2c6cd4cd218b", 0.01)
        .await;
    assert!(!ok.expect("a low bid is an answer"));
}

#[tokio::test]
async fn contract_deploy_container() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let example = spec.request_example("deployContainer");
    let mock = server.deploy_container(|when, then| {
        // JSON, with the lists and the map intact.
        when.into_inner()
            .path("/client/container/deploy")
            .header("content-type", "application/json")
            .json_body(example.clone());
        then.into_inner()
            .status(200)
            .json_body(spec.response_example("deployContainer"));
    });
    client(&server)
        .deploy_container(|c| {
            c.display_name("My Container")
                .project_id("my-container-id")
                .image_name("strm/helloworld-http")
                .registry_type(RegistryType::Public)
                .gpu_count(2)
                .gpu_models(vec![
                    "v100-sxm2-16gb".to_string(),
                    "l40-pcie-48gb".to_string(),
                ])
                .replicas(2)
                .ram(16)
                .vcpus(4)
                .storage(100)
                .networking_port(80)
                .environment_variables(
                    [("GREETING".to_string(), "hello".to_string())]
                        .into_iter()
                        .collect::<std::collections::HashMap<_, _>>(),
                )
                .arguments(vec!["--port".to_string(), "80".to_string()])
                .max_vm_rate_hourly(0.9)
        })
        .await
        .expect("deploy container");
    mock.assert_async().await;
}

#[tokio::test]
async fn contract_scale_container() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let mock = form_mock(&server, spec, "scaleContainer", "/client/container/scale");
    client(&server)
        .scale_container("9b2f6c1e-3d4a-4f5b-8c7d-0e1f2a3b4c5d", 1)
        .await
        .expect("scale");
    mock.assert_async().await;
}

#[tokio::test]
async fn contract_stop_container() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let mock = form_mock(&server, spec, "stopContainer", "/client/container/stop");
    client(&server)
        .stop_container("9b2f6c1e-3d4a-4f5b-8c7d-0e1f2a3b4c5d")
        .await
        .expect("stop container");
    mock.assert_async().await;
}

#[tokio::test]
async fn contract_list_container_replicas() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let id = "9b2f6c1e-3d4a-4f5b-8c7d-0e1f2a3b4c5d";
    assert_eq!(
        spec.param_example("listContainerReplicas", "container_id"),
        id
    );
    let fields = form_fields(&spec.request_example("listContainerReplicas"));
    let mock = server.list_container_replicas(|when, then| {
        // A GET whose credentials travel in a form body, never in the URL.
        let when = when
            .into_inner()
            .method("GET")
            .path(format!("/client/container/{id}/replicas"));
        expect_query(expect_form(when, &fields), &[]);
        then.into_inner()
            .status(200)
            .json_body(spec.response_example("listContainerReplicas"));
    });
    let replicas = client(&server)
        .container_replicas(id)
        .await
        .expect("replicas");
    mock.assert_async().await;
    assert_eq!(replicas.len(), 2);
    assert_eq!(replicas[0].internal_ports, vec![22, 5000, 7000]);
    assert_eq!(
        replicas[1].vm_uuid.as_deref(),
        Some("cd24ed9b-5ed2-4789-9ba3-8f9a3c16d212")
    );
}

#[tokio::test]
async fn contract_get_balance() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let mock = form_mock(&server, spec, "getBalance", "/billing/balance");
    let b = client(&server).balance().await.expect("balance");
    mock.assert_async().await;
    assert_eq!((b.balance, b.hourly_cost), (999.987, 0.856));
}

#[tokio::test]
async fn contract_get_revenue() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let mock = form_mock(&server, spec, "getRevenue", "/billing/revenue");
    let revenue = client(&server)
        .revenue(|r| {
            r.start_timestamp("2023-01-01T00:00:00Z".to_string())
                .end_timestamp("2023-12-31T23:59:59Z".to_string())
                .hostnode_id(Some(
                    "7d3a07b6-de25-44a2-a9f4-1cd241fa0d0f".parse().unwrap(),
                ))
        })
        .await
        .expect("revenue");
    mock.assert_async().await;
    assert_eq!(
        revenue[0].location.as_deref(),
        Some("Chicago, Illinois, United States")
    );
    assert_eq!(revenue[0].virtual_machines.len(), 1);
}

#[tokio::test]
async fn contract_get_monthly_summary() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let mock = form_mock(&server, spec, "getMonthlySummary", "/billing/summary");
    let s = client(&server)
        .monthly_summary("2024-02")
        .await
        .expect("summary");
    mock.assert_async().await;
    assert_eq!(s.final_balance.as_deref(), Some("929.41"));
    assert!(s.organization_billing_address.is_none());
    assert_eq!(s.transactions.as_ref().unwrap().vm_payouts.len(), 1);
}

#[tokio::test]
async fn a_server_error_carries_status_and_message() {
    let server = MockServer::start_async().await;
    server.mock(|when, then| {
        when.path("/client/start/single");
        then.status(500).json_body(json!({"success": false, "error": "Machine is running, therefore it cannot be started"}));
    });
    let err = client(&server)
        .start_vm("65e7edca-888a-4e66-a975-2c6cd4cd218b")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Api);
    assert_eq!(err.status(), Some(500));
    assert_eq!(
        err.message(),
        "Machine is running, therefore it cannot be started"
    );
    assert_eq!(err.operation(), "startVm");
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn an_html_error_page_is_a_typed_error_with_its_status_and_body() {
    let server = MockServer::start_async().await;
    server.mock(|when, then| {
        when.path("/client/list");
        then.status(502)
            .header("content-type", "text/html")
            .body("<html><body><h1>502 Bad Gateway</h1></body></html>");
    });
    let err = client(&server).list_vms().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Api);
    assert_eq!(err.status(), Some(502));
    assert!(err.body().unwrap().contains("502 Bad Gateway"));
    assert!(err.is_retryable());
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_decode_error() {
    let server = MockServer::start_async().await;
    server.mock(|when, then| {
        when.path("/billing/balance");
        then.status(200).body("<html>maintenance</html>");
    });
    let err = client(&server).balance().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert_eq!(err.status(), Some(200));
    assert_eq!(err.body(), Some("<html>maintenance</html>"));
}

#[tokio::test]
async fn json_of_the_wrong_shape_is_a_decode_error() {
    let server = MockServer::start_async().await;
    server.mock(|when, then| {
        when.path("/billing/balance");
        then.status(200).json_body(json!({"balance": "lots"}));
    });
    let err = client(&server).balance().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
}

#[tokio::test]
async fn success_false_in_a_200_is_an_error() {
    let server = MockServer::start_async().await;
    server.mock(|when, then| {
        when.path("/client/delete/single");
        then.status(200).json_body(json!({"success": false}));
    });
    let err = client(&server)
        .delete_vm("65e7edca-888a-4e66-a975-2c6cd4cd218b")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Api);
}

#[tokio::test]
async fn credentials_never_show_in_debug_or_errors() {
    // Nothing listens on port 9 of localhost: a transport error whose URL
    // would contain the credentials (they travel in the query string here).
    let td = TensorDock::with_config(
        ClientConfig::new("http://127.0.0.1:9").retry(RetryPolicy::never()),
        (KEY, TOKEN),
    )
    .expect("client");
    let err = td.container_replicas("abc").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport);
    let mut chain = format!("{err} {err:?} {td:?}");
    let mut source = std::error::Error::source(&err);
    while let Some(s) = source {
        chain.push_str(&format!(" {s} {s:?}"));
        source = s.source();
    }
    assert!(!chain.contains(KEY) && !chain.contains(TOKEN), "{chain}");
}

/// `Display` and `Debug` of `e` and of every cause in its source chain.
fn everything_shown(e: &(dyn std::error::Error + 'static)) -> String {
    let mut shown = format!("{e} {e:?}");
    let mut source = e.source();
    while let Some(s) = source {
        shown.push_str(&format!(" {s} {s:?}"));
        source = s.source();
    }
    shown
}

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[tokio::test]
async fn a_transport_error_of_the_generated_client_shows_no_credential() {
    // The generated client on its own, with the credentials in the query
    // of a GET: its error (progenitor's, not converted) names the refused
    // connection, and no URL.
    let td = TensorDock::with_config(
        ClientConfig::new(format!("http://127.0.0.1:{}", closed_port()))
            .retry(RetryPolicy::never()),
        (KEY, TOKEN),
    )
    .expect("client");
    let err = td
        .native()
        .list_hostnodes()
        .api_key(KEY)
        .api_token(TOKEN)
        .send()
        .await
        .unwrap_err();
    let shown = everything_shown(&err);
    assert!(!shown.contains(KEY) && !shown.contains(TOKEN), "{shown}");
    assert!(
        shown.to_lowercase().contains("connection refused"),
        "{shown}"
    );

    // The same request untyped, the credentials filled in by the client.
    let err = td
        .raw(
            tensordock_api::RawRequest::new(reqwest::Method::GET, "/client/deploy/hostnodes")
                .operation("listHostnodes")
                .query_credential("api_key")
                .query_credential("api_token"),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport);
    let shown = everything_shown(&err);
    assert!(!shown.contains(KEY) && !shown.contains(TOKEN), "{shown}");
    // `Display` alone names the cause.
    assert!(
        err.to_string()
            .to_lowercase()
            .contains("connection refused"),
        "{err}"
    );
}

#[tokio::test]
async fn an_unexpected_answer_of_the_generated_client_shows_no_credential() {
    // A status the spec does not document: progenitor keeps the response
    // in its error, and a response's `Debug` prints its URL.
    let server = MockServer::start_async().await;
    server.mock(|when, then| {
        when.path("/client/deploy/hostnodes");
        then.status(201).json_body(json!({"success": true}));
    });
    let err = client(&server)
        .native()
        .list_hostnodes()
        .api_key(KEY)
        .api_token(TOKEN)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(201));
    let shown = everything_shown(&err);
    assert!(!shown.contains(KEY) && !shown.contains(TOKEN), "{shown}");
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[test]
fn named_enums_are_open_and_keep_unknown_values() {
    assert_eq!(
        serde_json::to_value(RegistryType::Private).unwrap(),
        json!("private")
    );
    let newer: RegistryType = serde_json::from_value(json!("partner")).unwrap();
    assert_eq!(newer, RegistryType::Other("partner".into()));
    assert_eq!(serde_json::to_value(&newer).unwrap(), json!("partner"));
    assert_eq!(RegistryType::KNOWN, ["public", "private"]);
}

#[tokio::test]
async fn no_url_the_tensordock_client_builds_carries_a_credential() {
    let server = MockServer::start_async().await;
    let leaked = server.mock(|when, then| {
        when.is_true(|req| {
            let uri = req.uri().to_string();
            uri.contains(KEY) || uri.contains(TOKEN)
        });
        then.status(418);
    });
    let any = server.mock(|when, then| {
        when.any_request();
        then.status(200).json_body(json!({"success": true}));
    });
    let td = client(&server);
    let vm = "65e7edca-888a-4e66-a975-2c6cd4cd218b";
    // The results do not matter (the catch-all body fits few of them); the
    // requests do.
    let _ = td.auth_test().await;
    let _ = td.auth_list().await;
    let _ = td.list_hostnodes(&Default::default()).await;
    let _ = td.get_hostnode(vm).await;
    let _ = td.list_vms().await;
    let _ = td.get_vm(vm).await;
    let _ = td.start_vm(vm).await;
    let _ = td.stop_vm(vm, false).await;
    let _ = td.delete_vm(vm).await;
    let _ = td.modify_vm(vm, |m| m.ram(8)).await;
    let _ = td.validate_spot_existing(vm, 0.1).await;
    let _ = td.scale_container("c1", 1).await;
    let _ = td.stop_container("c1").await;
    let _ = td.container_replicas("c1").await;
    let _ = td.balance().await;
    let _ = td.revenue(|r| r).await;
    let _ = td.monthly_summary("2024-02").await;
    leaked.assert_calls_async(0).await;
    assert!(
        any.calls_async().await >= 17,
        "the requests reached the mock"
    );
}
