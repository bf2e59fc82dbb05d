//! Contract tests for `specs/tensordock-v2.yaml` (TensorDock API v2): every
//! operation's exact request (method, path, bearer token, JSON body equal
//! to the spec's example) against an httpmock server, and the typed parse
//! of every example response; then the three error shapes (including the
//! error sent with HTTP 200), the rate limit, 429 handling and redaction.

mod common;
// Shared with runtime_faults.rs, which uses the replies this file does not.
#[allow(dead_code)]
#[path = "common/scripted.rs"]
mod scripted;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use common::Spec;
use httpmock::{MockServer, When};
use scripted::{Reply, Scripted};
use serde_json::{Value, json};
use tensordock_api::ports::PortMappings;
use tensordock_api::v2::mock::MockServerExt;
use tensordock_api::v2::{
    CreateInstance, InstanceExt, InstanceStatus, Placement, SshKey, TensorDock, types,
};
use tensordock_api::{CallOptions, ClientConfig, ErrorKind, RetryPolicy};

const TOKEN: &str = "td2-tok-8f14e45f-ceea-467f-a0e6-0a1f2b3c4d5e";
const VM: &str = "468b716a-6747-4cbe-9f13-afc153a21c14";
const INSTANCE: &str = r#"{"id": "468b716a-6747-4cbe-9f13-afc153a21c14", "status": "running", "ipAddress": "203.0.113.7"}"#;

fn spec() -> &'static Spec {
    Spec::load("tensordock-v2.yaml")
}

/// A client with the default rate limit (each test sends fewer requests
/// than the burst it allows, so none waits) and no retries.
fn client(server: &MockServer) -> TensorDock {
    let config = ClientConfig::new(server.base_url()).retry(RetryPolicy::never());
    TensorDock::with_config(config, TOKEN).expect("client")
}

/// Requires `authorization: Bearer <token>` exactly once and no
/// `api-version` header.
fn authed(when: When) -> When {
    when.header("authorization", format!("Bearer {TOKEN}"))
        .header_missing("api-version")
        .is_true(|req| {
            let auth = req
                .headers_vec()
                .iter()
                .filter(|(k, _)| k.eq_ignore_ascii_case("authorization"))
                .count();
            auth == 1
        })
}

/// Requires a request without a body.
fn no_body(when: When) -> When {
    when.header_missing("content-type")
        .is_true(|req| req.body_ref().is_empty())
}

/// Requires a JSON body equal to `body`.
fn json_body(when: When, body: Value) -> When {
    when.header("content-type", "application/json")
        .json_body(body)
}

/// The named examples of `id`'s JSON request body.
fn request_examples(spec: &Spec, id: &str) -> Vec<(String, Value)> {
    let media = &spec.operation(id)["requestBody"]["content"]["application/json"];
    let mut out: Vec<(String, Value)> = media["examples"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(name, e)| (name.clone(), e["value"].clone()))
                .collect()
        })
        .unwrap_or_default();
    if let Some(e) = media.get("example") {
        out.push(("example".into(), e.clone()));
    }
    out
}

/// An example of the shared 4XX/5XX `Error` response.
fn error_example(name: &str) -> Value {
    let spec = Spec::load("tensordock-v2.yaml");
    let e = &spec.document()["components"]["responses"]["Error"]["content"]["application/json"]["examples"];
    e[name]["value"].clone()
}

fn param(spec: &Spec, id: &str) -> String {
    spec.param_example(id, "id").as_str().unwrap().to_string()
}

/// Every value of `example` survives the typed parse: `parsed`, serialized
/// back, holds every key of the example with an equal value (numbers
/// compared as numbers). Catches spec properties whose names do not match
/// the wire.
fn assert_lossless(what: &str, example: &Value, parsed: Value) {
    fn same(path: &str, want: &Value, got: &Value) {
        match (want, got) {
            (Value::Object(w), Value::Object(g)) => {
                for (k, v) in w {
                    let path = format!("{path}.{k}");
                    let got = g
                        .get(k)
                        .unwrap_or_else(|| panic!("{path} is lost by the typed parse"));
                    same(&path, v, got);
                }
            }
            (Value::Array(w), Value::Array(g)) => {
                assert_eq!(w.len(), g.len(), "{path}: length");
                for (i, (w, g)) in w.iter().zip(g).enumerate() {
                    same(&format!("{path}[{i}]"), w, g);
                }
            }
            (Value::Number(w), Value::Number(g)) => assert_eq!(w.as_f64(), g.as_f64(), "{path}"),
            _ => assert_eq!(want, got, "{path}"),
        }
    }
    same(what, example, &parsed);
}

#[test]
fn every_operation_has_a_contract_test() {
    common::assert_every_operation_tested(spec(), include_str!("tensordock_v2.rs"));
}

#[tokio::test]
async fn contract_list_locations() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let example = spec.response_example("listLocations");
    let mock = server.list_locations(|when, then| {
        no_body(authed(when.into_inner()));
        then.into_inner().status(200).json_body(example.clone());
    });
    let locations = client(&server).locations().await.expect("locations");
    mock.assert_async().await;
    let l = &locations[0];
    assert_eq!(l.id, "8dd95ff0-dff9-489c-9b02-b38a366b6ab1");
    assert_eq!(
        (l.city.as_deref(), l.stateprovince.as_deref(), l.tier),
        (Some("Chubbuck"), Some("Idaho"), Some(1))
    );
    let gpu = &l.gpus[0];
    assert_eq!(gpu.v0_name, "geforcertx4090-pcie-24gb");
    assert_eq!((gpu.max_count, gpu.price_per_hr), (Some(4), Some(0.3966)));
    assert_eq!(gpu.resources.as_ref().unwrap().max_vcpus, Some(56));
    let net = gpu.network_features.as_ref().unwrap();
    assert_eq!(net.dedicated_ip_available, Some(true));
    assert_lossless(
        "listLocations",
        &example["data"]["locations"],
        serde_json::to_value(&locations).unwrap(),
    );
}

#[tokio::test]
async fn contract_list_hostnodes() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let example = spec.response_example("listHostnodes");
    let mock = server.list_hostnodes(|when, then| {
        // No filters: the server is not known to honour any.
        common::expect_query(no_body(authed(when.into_inner())), &[]);
        then.into_inner().status(200).json_body(example.clone());
    });
    let hostnodes = client(&server).hostnodes().await.expect("hostnodes");
    mock.assert_async().await;
    let h = &hostnodes[0];
    assert_eq!(
        (h.id.as_str(), h.location_id.as_deref()),
        ("host-1", Some("loc-1"))
    );
    let free = h.available_resources.as_ref().unwrap();
    assert_eq!(free.available_ports, vec![22022, 22080]);
    assert_eq!(free.gpus[0].available_count, Some(1));
    let loc = h.location.as_ref().unwrap();
    assert_eq!(loc.uuid.as_deref(), Some("loc-1"));
    assert_eq!(loc.network_speed_upload_gbps, Some(10.5));
    assert_eq!(loc.organization_name.as_deref(), Some("Org"));
    assert_lossless(
        "listHostnodes",
        &example["data"]["hostnodes"],
        serde_json::to_value(&hostnodes).unwrap(),
    );
}

#[tokio::test]
async fn contract_get_hostnode() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let id = param(spec, "getHostnode");
    let example = spec.response_example("getHostnode");
    let mock = server.get_hostnode(|when, then| {
        no_body(authed(when.id(&id).into_inner()));
        then.into_inner().status(200).json_body(example.clone());
    });
    let h = client(&server).hostnode(&id).await.expect("hostnode");
    mock.assert_async().await;
    assert_eq!(h.uptime_percentage, Some(99.9));
    assert_lossless(
        "getHostnode",
        &example["data"],
        serde_json::to_value(&h).unwrap(),
    );
}

/// The typed request for each of the spec's createInstance examples.
fn typed_create(name: &str) -> CreateInstance {
    match name {
        "locationBased" => CreateInstance::new(
            "my-ubuntu-instance",
            "ubuntu2404",
            Placement::Location("loc-uuid-12345".into()),
        )
        .vcpus(4)
        .ram_gb(8)
        .storage_gb(200)
        .gpu("geforcertx4090-pcie-24gb", 2)
        .dedicated_ip(true)
        .ssh_key(SshKey::PublicKey("ssh-ed25519 AAAA...".into())),
        "pinnedToHostnode" => CreateInstance::new(
            "my-port-forward-instance",
            "ubuntu2404",
            Placement::Hostnode("hn-uuid-12345".into()),
        )
        .vcpus(2)
        .ram_gb(4)
        .storage_gb(300)
        .gpus([("geforcertx4090-pcie-24gb", 1)])
        .ports(&PortMappings::new().map(20000, 22).map(20001, 80))
        .ssh_key(SshKey::SecretId("sshkey-uuid-12345".into()))
        .cloud_init(
            types::CloudInit::builder()
                .runcmd(vec!["echo 'Hello World'".to_string()])
                .packages(vec!["curl".to_string(), "git".to_string()])
                .package_update(true)
                .package_upgrade(false)
                .try_into()
                .unwrap(),
        ),
        other => panic!("no typed request for the createInstance example {other}"),
    }
}

#[tokio::test]
async fn contract_create_instance() {
    let spec = spec();
    let examples = request_examples(spec, "createInstance");
    let names: BTreeSet<&str> = examples.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, BTreeSet::from(["locationBased", "pinnedToHostnode"]));
    let created = spec
        .response_examples("createInstance")
        .into_iter()
        .find(|(n, _)| n == "created")
        .expect("a `created` example")
        .1;
    for (name, request) in examples {
        let server = MockServer::start_async().await;
        let mock = server.create_instance(|when, then| {
            json_body(authed(when.into_inner()), request.clone());
            then.into_inner().status(200).json_body(created.clone());
        });
        let vm = client(&server)
            .create_instance(typed_create(&name))
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        mock.assert_async().await;
        assert_eq!(vm.id, VM, "{name}");
        assert_eq!(vm.name.as_deref(), Some("shopper-ssh-test-1234"));
        assert_eq!((vm.state(), vm.ip()), (InstanceStatus::Running, None));
        assert_lossless(
            "createInstance",
            &created["data"],
            serde_json::to_value(&vm).unwrap(),
        );
    }
}

#[tokio::test]
async fn a_create_answered_201_is_a_success_too() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let created = spec.response_example("createInstance");
    server.create_instance(|when, then| {
        then.created(&serde_json::from_value(created).unwrap());
        drop(when);
    });
    let vm = client(&server)
        .create_instance(typed_create("locationBased"))
        .await
        .expect("201");
    assert_eq!(vm.id, VM);
}

#[tokio::test]
async fn an_incomplete_create_request_is_a_typed_error_and_sends_nothing() {
    let server = MockServer::start_async().await;
    let any = server.mock(|when, then| {
        when.any_request();
        then.status(200);
    });
    let request = CreateInstance::new("n", "ubuntu2404", Placement::Location("l".into())).vcpus(2);
    let err = client(&server).create_instance(request).await.unwrap_err();
    assert_eq!(
        (err.kind(), err.operation()),
        (ErrorKind::InvalidRequest, "createInstance")
    );
    assert_eq!(any.calls_async().await, 0);
}

#[tokio::test]
async fn contract_list_instances() {
    let spec = spec();
    let examples = spec.response_examples("listInstances");
    let names: BTreeSet<&str> = examples.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        BTreeSet::from(["keyedByInstances", "listResource", "plainArray"])
    );
    for (name, example) in examples {
        let server = MockServer::start_async().await;
        let mock = server.list_instances(|when, then| {
            no_body(authed(when.into_inner()));
            then.into_inner().status(200).json_body(example.clone());
        });
        let list = client(&server)
            .instances()
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        mock.assert_async().await;
        assert_eq!(list.len(), 1, "{name}");
        let i = &list[0];
        // One flat shape whatever the server sent.
        assert_eq!(i.state(), InstanceStatus::Running, "{name}");
        assert_eq!(i.status.as_deref(), Some("running"), "{name}");
        assert!(i.name.is_some(), "{name}: the name is flattened");
        if name == "plainArray" {
            assert_eq!(i.id, VM);
            let ssh = i.ssh_endpoint().expect("ssh");
            assert_eq!(ssh.to_string(), "174.94.145.71:20456");
            assert_eq!(i.rate_hourly, Some(0.272999));
        } else {
            assert_eq!(i.id, "550e8400-e29b-41d4-a716-446655440000", "{name}");
            assert_eq!(i.name.as_deref(), Some("My Instance"), "{name}");
        }
        let wire: types::ListInstancesResult = serde_json::from_value(example.clone()).unwrap();
        assert_lossless(&name, &example, serde_json::to_value(&wire).unwrap());
    }
}

#[tokio::test]
async fn contract_get_instance() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let id = param(spec, "getInstance");
    let example = spec.response_example("getInstance");
    let mock = server.get_instance(|when, then| {
        no_body(authed(when.id(&id).into_inner()));
        then.into_inner().status(200).json_body(example.clone());
    });
    let vm = client(&server).instance(&id).await.expect("instance");
    mock.assert_async().await;
    assert_eq!(vm.state(), InstanceStatus::Running);
    assert_eq!(vm.ip(), Some("174.94.145.71"));
    assert_eq!(
        vm.ssh_endpoint().unwrap().command("user"),
        "ssh -p 20456 user@174.94.145.71"
    );
    assert_eq!(vm.port_mappings().unwrap().internal_for(20456), Some(22));
    assert_eq!(vm.rate_hourly, Some(0.272999));
    assert_lossless("getInstance", &example, serde_json::to_value(&vm).unwrap());
}

#[tokio::test]
async fn contract_delete_instance() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let id = param(spec, "deleteInstance");
    let example = spec.response_example("deleteInstance");
    let mock = server.delete_instance(|when, then| {
        no_body(authed(when.id(&id).into_inner()));
        then.into_inner().status(200).json_body(example.clone());
    });
    let r = client(&server).delete_instance(&id).await.expect("delete");
    mock.assert_async().await;
    assert_eq!(
        r.data.attributes.unwrap().message.as_deref(),
        Some("Instance deleted successfully")
    );
}

#[tokio::test]
async fn contract_start_instance() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let id = param(spec, "startInstance");
    let mock = server.start_instance(|when, then| {
        no_body(authed(when.id(&id).into_inner()));
        then.into_inner()
            .status(200)
            .json_body(spec.response_example("startInstance"));
    });
    let r = client(&server).start_instance(&id).await.expect("start");
    mock.assert_async().await;
    let status = r.data.attributes.unwrap().status.unwrap();
    assert_eq!(InstanceStatus::parse(&status), InstanceStatus::Starting);
}

#[tokio::test]
async fn contract_stop_instance() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let id = param(spec, "stopInstance");
    let mock = server.stop_instance(|when, then| {
        no_body(authed(when.id(&id).into_inner()));
        then.into_inner()
            .status(200)
            .json_body(spec.response_example("stopInstance"));
    });
    let r = client(&server).stop_instance(&id).await.expect("stop");
    mock.assert_async().await;
    assert_eq!(r.data.id.as_deref(), Some(id.as_str()));
    let status = r.data.attributes.unwrap().status.unwrap();
    assert_eq!(InstanceStatus::parse(&status), InstanceStatus::Stopping);
}

#[tokio::test]
async fn contract_modify_instance() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let id = param(spec, "modifyInstance");
    let mock = server.modify_instance(|when, then| {
        let when = authed(when.id(&id).into_inner().method("PUT"));
        json_body(when, spec.request_example("modifyInstance"));
        then.into_inner()
            .status(200)
            .json_body(spec.response_example("modifyInstance"));
    });
    let change = types::ModifyInstanceRequest::builder()
        .cpu_cores(8)
        .ram_gb(32)
        .disk_gb(200)
        .gpus(
            types::ModifyGpus::try_from(
                types::ModifyGpus::builder()
                    .gpu_v0_name("geforcertx4090-pcie-24gb")
                    .count(1),
            )
            .unwrap(),
        );
    let r = client(&server)
        .modify_instance(&id, change)
        .await
        .expect("modify");
    mock.assert_async().await;
    assert_eq!(
        r.data.attributes.unwrap().message.as_deref(),
        Some("Instance modified successfully")
    );
}

#[tokio::test]
async fn contract_list_secrets() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let example = spec.response_example("listSecrets");
    let mock = server.list_secrets(|when, then| {
        no_body(authed(when.into_inner()));
        then.into_inner().status(200).json_body(example.clone());
    });
    let secrets = client(&server).secrets().await.expect("secrets");
    mock.assert_async().await;
    let kinds: Vec<_> = secrets.iter().map(|s| s.type_.clone()).collect();
    assert_eq!(
        kinds,
        [
            Some(types::SecretKind::Generic),
            Some(types::SecretKind::Sshkey)
        ]
    );
    assert_eq!(secrets[1].name.as_deref(), Some("Production SSH Key"));
    assert_lossless(
        "listSecrets",
        &example["data"]["secrets"],
        serde_json::to_value(&secrets).unwrap(),
    );
}

#[tokio::test]
async fn contract_create_secret() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let mock = server.create_secret(|when, then| {
        json_body(
            authed(when.into_inner()),
            spec.request_example("createSecret"),
        );
        then.into_inner()
            .status(200)
            .json_body(spec.response_example("createSecret"));
    });
    let created = client(&server)
        .create_ssh_key("deploy-key", "ssh-ed25519 AAAA...")
        .await
        .expect("secret");
    mock.assert_async().await;
    assert_eq!(created.id, "550e8400-e29b-41d4-a716-446655440001");
    assert_eq!(created.name.as_deref(), Some("deploy-key"));
}

#[tokio::test]
async fn contract_get_secret() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let id = param(spec, "getSecret");
    let mock = server.get_secret(|when, then| {
        no_body(authed(when.id(&id).into_inner()));
        then.into_inner()
            .status(200)
            .json_body(spec.response_example("getSecret"));
    });
    let secret = client(&server).secret(&id).await.expect("secret");
    mock.assert_async().await;
    assert_eq!(secret.id, id);
    let value = secret.value.as_ref().expect("a value");
    assert_eq!(value.expose(), "ssh-ed25519 AAAA...");
    assert!(
        !format!("{secret:?}").contains("AAAA"),
        "the value is redacted"
    );
}

#[tokio::test]
async fn contract_delete_secret() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let id = param(spec, "deleteSecret");
    let mock = server.delete_secret(|when, then| {
        no_body(authed(when.id(&id).into_inner()));
        then.into_inner()
            .status(200)
            .json_body(spec.response_example("deleteSecret"));
    });
    let r = client(&server).delete_secret(&id).await.expect("delete");
    mock.assert_async().await;
    // Directly under `data`, unlike deleteInstance.
    assert_eq!(
        r.data.message.as_deref(),
        Some("Secret deleted successfully")
    );
}

// ---- The three error shapes --------------------------------------------

#[tokio::test]
async fn an_error_body_with_a_4xx_status_is_an_api_error_with_its_message() {
    let server = MockServer::start_async().await;
    server.get_instance(|when, then| {
        when.id(VM);
        then.client_error(
            404,
            &serde_json::from_value(json!({"error": "Instance not found"})).unwrap(),
        );
    });
    let err = client(&server).instance(VM).await.unwrap_err();
    assert_eq!((err.kind(), err.status()), (ErrorKind::Api, Some(404)));
    assert_eq!(err.message(), "Instance not found");
    assert_eq!(err.operation(), "getInstance");
    assert!(!err.is_retryable());

    // The spec's own example of the shape, with a server error status.
    let server = MockServer::start_async().await;
    server.mock(|when, then| {
        when.path("/locations");
        then.status(500).json_body(error_example("errorBody"));
    });
    let err = client(&server).locations().await.unwrap_err();
    assert_eq!((err.kind(), err.status()), (ErrorKind::Api, Some(500)));
    assert_eq!(err.message(), "No available nodes found");
}

#[tokio::test]
async fn validation_issues_with_400_become_path_and_message() {
    let server = MockServer::start_async().await;
    server.mock(|when, then| {
        when.method("POST").path("/instances");
        then.status(400)
            .json_body(error_example("validationIssues"));
    });
    let err = client(&server)
        .create_instance(typed_create("locationBased"))
        .await
        .unwrap_err();
    assert_eq!((err.kind(), err.status()), (ErrorKind::Api, Some(400)));
    assert_eq!(
        err.message(),
        "data.attributes.port_forwards: SSH port (22) must be forwarded for Ubuntu VMs"
    );
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn an_error_in_a_200_is_an_error_with_the_status_from_its_body() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let error_in_200 = spec
        .response_examples("createInstance")
        .into_iter()
        .find(|(n, _)| n == "errorIn200")
        .expect("the errorIn200 example")
        .1;
    server.create_instance(|when, then| {
        drop(when);
        then.into_inner().status(200).json_body(error_in_200);
    });
    let err = client(&server)
        .create_instance(typed_create("locationBased"))
        .await
        .unwrap_err();
    assert_eq!((err.kind(), err.status()), (ErrorKind::Api, Some(400)));
    assert_eq!(err.message(), "No available nodes found");
    assert_eq!(err.operation(), "createInstance");
    assert!(err.body().unwrap().contains("No available nodes found"));
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn every_operation_turns_an_error_in_a_200_into_an_error() {
    let server = MockServer::start_async().await;
    let any = server.mock(|when, then| {
        when.any_request();
        then.status(200)
            .json_body(json!({"error": "Maintenance", "message": "back soon"}));
    });
    let td = TensorDock::with_config(
        ClientConfig::new(server.base_url())
            .retry(RetryPolicy::never())
            .no_rate_limit(),
        TOKEN,
    )
    .unwrap();
    let change = types::ModifyInstanceRequest::builder().ram_gb(16);
    let results = [
        td.locations().await.map(drop),
        td.hostnodes().await.map(drop),
        td.hostnode("h").await.map(drop),
        td.create_instance(typed_create("pinnedToHostnode"))
            .await
            .map(drop),
        td.instances().await.map(drop),
        td.instance(VM).await.map(drop),
        td.delete_instance(VM).await.map(drop),
        td.start_instance(VM).await.map(drop),
        td.stop_instance(VM).await.map(drop),
        td.modify_instance(VM, change).await.map(drop),
        td.secrets().await.map(drop),
        td.create_ssh_key("k", "ssh-ed25519 AAAA").await.map(drop),
        td.secret("s").await.map(drop),
        td.delete_secret("s").await.map(drop),
    ];
    let mut operations = BTreeSet::new();
    for r in results {
        let err = r.expect_err("an ErrorBody in a 200 is an error");
        assert_eq!((err.kind(), err.status()), (ErrorKind::Api, Some(200)));
        assert_eq!(err.message(), "Maintenance: back soon");
        operations.insert(err.operation().to_string());
    }
    assert_eq!(operations, spec().operation_ids().into_iter().collect());
    assert_eq!(any.calls_async().await, 14);
}

#[tokio::test]
async fn an_html_error_page_is_a_typed_error_with_its_status_and_body() {
    let server = MockServer::start_async().await;
    server.mock(|when, then| {
        when.path("/instances");
        then.status(502)
            .header("content-type", "text/html")
            .body("<html><body><h1>502 Bad Gateway</h1></body></html>");
    });
    let err = client(&server).instances().await.unwrap_err();
    assert_eq!((err.kind(), err.status()), (ErrorKind::Api, Some(502)));
    assert!(err.body().unwrap().contains("502 Bad Gateway"));
    assert!(err.is_retryable());
}

// ---- Waiting ------------------------------------------------------------

#[tokio::test]
async fn waiting_ends_when_the_instance_runs_and_has_an_ip() {
    let server = MockServer::start_async().await;
    let path = format!("/instances/{VM}");
    let booting = server.mock(|when, then| {
        when.path(&path);
        then.status(200)
            .json_body(json!({"id": VM, "status": "starting", "ipAddress": ""}))
            .up_to_n_times(1);
    });
    let no_ip = server.mock(|when, then| {
        when.path(&path);
        then.status(200)
            .json_body(json!({"id": VM, "status": "running", "ipAddress": null}))
            .up_to_n_times(1);
    });
    server.mock(|when, then| {
        when.path(&path);
        then.status(200).json_body(json!({
            "id": VM, "status": "running", "ipAddress": "203.0.113.7",
            "portForwards": [{"internal_port": 22, "external_port": 20456}]
        }));
    });
    let wait = tensordock_api::v2::WaitOptions::new(Duration::from_secs(5))
        .interval(Duration::from_millis(10));
    let vm = client(&server)
        .wait_until_running_with_ip(VM, wait)
        .await
        .expect("running with an IP");
    booting.assert_async().await;
    no_ip.assert_async().await;
    assert_eq!(vm.ssh_endpoint().unwrap().to_string(), "203.0.113.7:20456");
}

#[tokio::test]
async fn waiting_gives_up_naming_the_last_status() {
    let server = MockServer::start_async().await;
    server.mock(|when, then| {
        when.path(format!("/instances/{VM}"));
        then.status(200)
            .json_body(json!({"id": VM, "status": "running", "ipAddress": ""}));
    });
    let wait = tensordock_api::v2::WaitOptions::new(Duration::from_millis(100))
        .interval(Duration::from_millis(20));
    let err = TensorDock::with_config(ClientConfig::new(server.base_url()).no_rate_limit(), TOKEN)
        .unwrap()
        .wait_until_running_with_ip(VM, wait)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WaitTimeout);
    assert!(
        err.message().contains("running with no IP yet"),
        "{}",
        err.message()
    );
}

// ---- Rate limit and 429 -------------------------------------------------

#[test]
fn the_client_keeps_to_100_requests_per_minute_unless_told_otherwise() {
    let base = ClientConfig::new("http://127.0.0.1:9");
    let shown =
        |config: ClientConfig| format!("{:?}", TensorDock::with_config(config, TOKEN).unwrap());
    assert!(shown(base.clone()).contains("rate_limit: Some((100, 60s))"));
    assert!(
        shown(base.clone().rate_limit(10, Duration::from_secs(1)))
            .contains("rate_limit: Some((10, 1s))")
    );
    assert!(shown(base.no_rate_limit()).contains("rate_limit: None"));
}

/// Arrival times are taken by the test server after a TCP accept, so
/// loopback and scheduler jitter blur them: a few milliseconds when idle,
/// tens on a busy machine, hence the generous margin. The exact bound on
/// the client's own send instants is tested in cloud-common.
const JITTER: Duration = Duration::from_millis(50);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clones_share_the_limit_and_spread_a_burst_over_the_window() {
    let server = Scripted::start(vec![Reply::json(200, INSTANCE)]).await;
    let per = Duration::from_millis(200);
    let td = TensorDock::with_config(
        ClientConfig::new(&server.base_url)
            .retry(RetryPolicy::never())
            .rate_limit(5, per),
        TOKEN,
    )
    .unwrap();
    let started = Instant::now();
    let calls: Vec<_> = (0..15)
        .map(|_| {
            let td = td.clone();
            tokio::spawn(async move { td.instance(VM).await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().expect("instance");
    }
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(400), "took only {took:?}");
    let mut at = server.arrivals();
    at.sort();
    assert_eq!(at.len(), 15);
    for (i, six) in at.windows(6).enumerate() {
        let span = six[5] - six[0];
        assert!(
            span + JITTER >= per,
            "requests {i}..={} arrived within {span:?}",
            i + 5
        );
    }
    // Spread out rather than five at once and then a stall. Counted from
    // the start of the calls, not from the first arrival: the limiter lets
    // one through every 40 ms after the start, and a late delivery only
    // moves an arrival later, so a busy machine cannot break this.
    let first_100ms = at
        .iter()
        .filter(|t| **t - started < Duration::from_millis(100))
        .count();
    assert!(
        first_100ms <= 3,
        "{first_100ms} requests in the first 100 ms"
    );
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_secs(5),
        max_elapsed: Duration::from_secs(10),
    }
}

#[tokio::test]
async fn a_429_is_retried_after_the_advertised_delay() {
    let server = Scripted::start(vec![
        Reply::json(429, r#"{"error": "Too many requests"}"#).header("retry-after", "1"),
        Reply::json(200, INSTANCE),
    ])
    .await;
    let td = TensorDock::with_config(
        ClientConfig::new(&server.base_url).retry(fast_retries()),
        TOKEN,
    )
    .unwrap();
    let vm = td.instance(VM).await.expect("retried");
    assert_eq!(vm.ip(), Some("203.0.113.7"));
    let at = server.arrivals();
    assert_eq!(at.len(), 2);
    let waited = at[1] - at[0];
    assert!(waited >= Duration::from_secs(1), "waited only {waited:?}");
    // Generous: only that it waited for Retry-After, not the 5 s cap.
    assert!(waited < Duration::from_secs(4), "waited {waited:?}");
}

#[tokio::test]
async fn a_retry_waits_for_its_turn_under_the_rate_limit() {
    // The server allows an immediate retry, the client's limit does not.
    let server = Scripted::start(vec![
        Reply::json(429, r#"{"error": "Too many requests"}"#).header("retry-after", "0"),
        Reply::json(200, INSTANCE),
    ])
    .await;
    let td = TensorDock::with_config(
        ClientConfig::new(&server.base_url)
            .retry(fast_retries())
            .rate_limit(1, Duration::from_millis(300)),
        TOKEN,
    )
    .unwrap();
    td.instance(VM).await.expect("retried");
    let at = server.arrivals();
    assert_eq!(at.len(), 2);
    let waited = at[1] - at[0];
    assert!(
        waited + JITTER >= Duration::from_millis(300),
        "waited only {waited:?}"
    );
}

#[tokio::test]
async fn a_create_answered_429_is_not_repeated_unless_the_call_opts_in() {
    let replies = || {
        vec![
            Reply::json(429, r#"{"error": "Too many requests"}"#).header("retry-after", "0"),
            Reply::json(200, r#"{"data": {"id": "new-vm"}}"#),
        ]
    };
    let server = Scripted::start(replies()).await;
    let config = ClientConfig::new(&server.base_url).retry(fast_retries());
    let td = TensorDock::with_config(config, TOKEN).unwrap();
    let err = td
        .create_instance(typed_create("locationBased"))
        .await
        .unwrap_err();
    assert_eq!(
        (err.status(), err.message()),
        (Some(429), "Too many requests")
    );
    assert!(err.is_retryable());
    assert_eq!(server.hits(), 1, "a create may deploy twice: not repeated");

    let server = Scripted::start(replies()).await;
    let config = ClientConfig::new(&server.base_url).retry(fast_retries());
    let td = TensorDock::with_config(config, TOKEN)
        .unwrap()
        .with_options(CallOptions::new().retry(true));
    let vm = td
        .create_instance(typed_create("locationBased"))
        .await
        .expect("opted in");
    assert_eq!((vm.id.as_str(), server.hits()), ("new-vm", 2));
}

// ---- Secrets stay secret --------------------------------------------------

#[tokio::test]
async fn the_token_never_shows_in_debug_or_errors() {
    // Nothing listens on port 9 of localhost.
    let td = TensorDock::with_config(
        ClientConfig::new("http://127.0.0.1:9").retry(RetryPolicy::never()),
        TOKEN,
    )
    .expect("client");
    let err = td.instances().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport);
    let mut chain = format!("{err} {err:?} {td:?}");
    let mut source = std::error::Error::source(&err);
    while let Some(s) = source {
        chain.push_str(&format!(" {s} {s:?}"));
        source = s.source();
    }
    assert!(!chain.contains(TOKEN), "{chain}");
}
