//! Contract tests for `specs/neolink.yaml` (Neolink MatrixDC): every
//! operation's exact request (method, path, query, headers, JSON body)
//! against an httpmock server, and the typed parse of every example
//! response in the spec; then errors, the status waiter and redaction.

mod common;

use std::time::{Duration, Instant};

use common::{Spec, expect_query};
use httpmock::{MockServer, When};
use neolink_api::mock::MockServerExt;
use neolink_api::{
    BillingType, ClientConfig, ErrorKind, InstanceExt, InstanceStatus, Neolink, RetryPolicy,
    SkuExt, WaitOptions, cheapest_sku, types,
};
use serde_json::{Value, json};

const TOKEN: &str = "nl-tok-4c1d9e7a-52b8-4f03-a6e2-9d8c7b6a5f41";
/// The spec's examples use this cluster, and `xxx` as the namespace.
const CLUSTER: &str = "host-cluster";
const IMAGE: &str = "images.neolink-ai.com/matrixdc/tensorflow:2.15.0-python3.10-cuda12.1.0-cudnn8-devel-ubuntu22.04";

fn spec() -> &'static Spec {
    Spec::load("neolink.yaml")
}

/// The namespace the spec's examples send.
fn namespace(spec: &Spec) -> String {
    spec.param_example("listRegions", "namespace")
        .as_str()
        .expect("a string")
        .to_string()
}

fn config(server: &MockServer) -> ClientConfig {
    ClientConfig::new(server.base_url()).retry(RetryPolicy::never())
}

fn client(server: &MockServer, spec: &Spec) -> Neolink {
    Neolink::with_config(config(server), TOKEN)
        .expect("client")
        .with_namespace(namespace(spec))
        .unwrap()
}

/// Requires exactly `query`, `authorization: bearer <token>` once (the
/// lower-case scheme the docs write), `namespace` once when given and
/// absent otherwise, and no `api-version` header.
fn exact(when: When, namespace: Option<&str>, query: &[(&str, &str)]) -> When {
    let query: Vec<(String, String)> = query
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let namespace: Vec<String> = namespace.into_iter().map(str::to_string).collect();
    expect_query(when, &query)
        .header("authorization", format!("bearer {TOKEN}"))
        .header_missing("api-version")
        .is_true(move |req| {
            let values = |name: &str| -> Vec<String> {
                req.headers_vec()
                    .iter()
                    .filter(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.clone())
                    .collect()
            };
            values("authorization") == [format!("bearer {TOKEN}")]
                && values("namespace") == namespace
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

/// Every value of `example` survives the typed parse: `parsed`, serialized
/// back, holds every key of the example with an equal value (numbers
/// compared as numbers, timestamps as instants). Catches spec properties
/// whose names do not match the wire.
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
            (Value::String(w), Value::String(g)) if w != g => {
                let instant = |s: &str| neolink_api::DateTime::parse_from_rfc3339(s).ok();
                assert!(
                    instant(w).is_some() && instant(w) == instant(g),
                    "{path}: {w:?} became {g:?}"
                );
            }
            _ => assert_eq!(want, got, "{path}"),
        }
    }
    same(what, example, &parsed);
}

fn example_instance(spec: &Spec, status: &str) -> Value {
    let mut body = spec.response_example("getInstance");
    body["status"] = status.into();
    body
}

#[test]
fn every_operation_has_a_contract_test() {
    common::assert_every_operation_tested(spec(), include_str!("neolink.rs"));
}

#[tokio::test]
async fn contract_list_regions() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let ns = namespace(spec);
    let example = spec.response_example("listRegions");
    let mock = server.list_regions(|when, then| {
        no_body(exact(
            when.namespace(ns.as_str()).into_inner(),
            Some(&ns),
            &[],
        ));
        then.into_inner().status(200).json_body(example.clone());
    });
    let regions = client(&server, spec).regions().await.expect("regions");
    mock.assert_async().await;
    assert_eq!(regions.len(), 1);
    let r = &regions[0];
    assert_eq!(r.id, "14c5a9e3-0d09-4aa0-99d3-c096b80cceaa");
    assert_eq!(r.region, "北京一区");
    assert_eq!(r.cluster_name, CLUSTER);
    assert_eq!(
        r.created_at.map(|t| t.to_rfc3339()).as_deref(),
        Some("2024-07-15T04:00:23.227+00:00")
    );
    assert_lossless(
        "listRegions",
        &example,
        serde_json::to_value(&regions).unwrap(),
    );
}

#[tokio::test]
async fn contract_list_computing_skus() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let ns = namespace(spec);
    let region = spec.param_example("listComputingSkus", "region_id");
    let region = region.as_str().unwrap();
    let example = spec.response_example("listComputingSkus");
    let mock = server.list_computing_skus(|when, then| {
        no_body(exact(
            when.region_id(region).namespace(ns.as_str()).into_inner(),
            Some(&ns),
            &[("region_id", region)],
        ));
        then.into_inner().status(200).json_body(example.clone());
    });
    let skus = client(&server, spec).skus(region).await.expect("skus");
    mock.assert_async().await;
    let sku = &skus[0];
    assert_eq!((sku.name.as_str(), sku.skus_id.as_str()), ("H20", "2"));
    assert_eq!(sku.billing_type(), Some(BillingType::PayAsYouGo));
    assert_eq!(
        (sku.price, sku.ratio, sku.remain_gpu_count),
        (Some(10.0), Some(0.48), Some(8))
    );
    assert_eq!(sku.gpu_resource_key.as_deref(), Some("nvidia.com/gpu-h20"));
    let chosen = cheapest_sku(&skus, "h20", BillingType::PayAsYouGo).expect("in stock");
    assert_eq!(chosen.skus_id, "2");
    assert_lossless(
        "listComputingSkus",
        &example,
        serde_json::to_value(&skus).unwrap(),
    );
}

#[tokio::test]
async fn contract_create_instance() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let ns = namespace(spec);
    let example = spec.response_example("createInstance");
    let mock = server.create_instance(|when, then| {
        let when = when
            .cluster_name(CLUSTER)
            .namespace(ns.as_str())
            .into_inner();
        json_body(
            exact(when, Some(&ns), &[]),
            spec.request_example("createInstance"),
        );
        then.into_inner().status(200).json_body(example.clone());
    });
    // No namespace in the body: the client writes its own.
    let request = types::CreateInstanceRequest::builder()
        .cost(
            types::CreateCost::builder()
                .cost_type(BillingType::PayAsYouGo)
                .coupon_id(String::new())
                .disk_skuid("1")
                .gpuskuid("66")
                .cost_time(String::new()),
        )
        .volume_mount(vec![
            types::VolumeMountRequest::builder()
                .path_in_container("/root/data".to_string())
                .size(50)
                .type_("shared-filesystem".to_string())
                .try_into()
                .unwrap(),
        ])
        .display_name("test1")
        .image(IMAGE)
        .region(String::new());
    let created = client(&server, spec)
        .create_instance(CLUSTER, request)
        .await
        .expect("created");
    mock.assert_async().await;
    assert_eq!(created.name, "instance-ccffxxxx");
    assert_eq!(created.state(), InstanceStatus::Creating);
    assert_eq!(created.billing_type(), Some(BillingType::PayAsYouGo));
    assert!(created.servers.is_none() && created.pods.is_empty());
    assert!(created.ssh_command().is_none() && created.ssh_password().is_none());
    assert_eq!(created.volume_mounts[1].size, Some(0));
    assert_eq!(
        created.created_at().map(|t| t.to_rfc3339()).as_deref(),
        Some("2024-09-02T10:34:33+00:00")
    );
    assert_eq!(created.updated_at(), None, "0001-01-01T00:00:00Z is unset");
    assert_eq!(created.scheduled_stop_at(), None);
    assert_eq!(
        created.annotations["neolink.ai/saveDataEnabled"].as_str(),
        "false"
    );
    assert_lossless(
        "createInstance",
        &example,
        serde_json::to_value(&created).unwrap(),
    );
}

#[tokio::test]
async fn create_without_a_client_namespace_sends_the_request_namespace_and_no_header() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let mut expected = spec.request_example("createInstance");
    expected["namespace"] = "user-42".into();
    let mock = server.create_instance(|when, then| {
        let when = when.cluster_name(CLUSTER).namespace(None).into_inner();
        json_body(exact(when, None, &[]), expected);
        then.into_inner()
            .status(200)
            .json_body(spec.response_example("createInstance"));
    });
    let request: types::CreateInstanceRequest =
        serde_json::from_value(spec.request_example("createInstance")).unwrap();
    let request = types::builder::CreateInstanceRequest::from(request).namespace("user-42");
    Neolink::with_config(config(&server), TOKEN)
        .unwrap()
        .create_instance(CLUSTER, request)
        .await
        .expect("created");
    mock.assert_async().await;
}

#[tokio::test]
async fn an_incomplete_create_request_is_a_typed_error_and_sends_nothing() {
    let server = MockServer::start_async().await;
    let mock = server.mock(|_, then| {
        then.status(200);
    });
    let request = types::CreateInstanceRequest::builder()
        .display_name("test1")
        .image(IMAGE);
    let err = Neolink::with_config(config(&server), TOKEN)
        .unwrap()
        .create_instance(CLUSTER, request)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    assert_eq!(err.operation(), "createInstance");
    assert_eq!(mock.calls_async().await, 0);
}

#[tokio::test]
async fn contract_list_instances() {
    let spec = spec();
    let ns = namespace(spec);
    let examples = spec.response_examples("listInstances");
    let mut names: Vec<&str> = examples.iter().map(|(n, _)| n.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["reference", "seedDocs"]);
    for (name, example) in &examples {
        let server = MockServer::start_async().await;
        let mock = server.list_instances(|when, then| {
            let when = when
                .cluster_name(CLUSTER)
                .namespace(ns.as_str())
                .into_inner();
            no_body(exact(when, Some(&ns), &[]));
            then.into_inner().status(200).json_body(example.clone());
        });
        let list = client(&server, spec)
            .instances(CLUSTER)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        mock.assert_async().await;
        assert!(!list.has_next_page, "{name}");
        assert_eq!((list.total_count, list.nodes.len()), (1, 1), "{name}");
        let i = &list.nodes[0];
        assert_eq!(i.state(), InstanceStatus::Running, "{name}");
        assert_eq!(i.region.as_deref(), Some(CLUSTER), "{name}");
        let ssh = i.ssh_endpoint().expect("ssh");
        assert_eq!(ssh.user.as_deref(), Some("root"));
        assert!(ssh.host.ends_with(".gws.neolink-ai.com"), "{name}");
        assert_eq!(i.updated_at(), None, "{name}");
        assert_eq!(i.pods[0].containers[0].name.as_deref(), Some("worker"));
        let password = &example["nodes"][0]["servers"]["SSH"]["sshPassword"];
        assert_eq!(Some(i.ssh_password().unwrap().expose()), password.as_str());
        assert_eq!(i.volume_mounts[1].size, Some(50), "{name}");
        assert_lossless(name, example, serde_json::to_value(&list).unwrap());
    }
}

#[tokio::test]
async fn contract_get_instance() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let ns = namespace(spec);
    let name = spec.param_example("getInstance", "name");
    let name = name.as_str().unwrap();
    let example = spec.response_example("getInstance");
    let mock = server.get_instance(|when, then| {
        let when = when
            .cluster_name(CLUSTER)
            .name(name)
            .namespace(ns.as_str())
            .into_inner();
        no_body(exact(when, Some(&ns), &[]));
        then.into_inner().status(200).json_body(example.clone());
    });
    let i = client(&server, spec)
        .instance(CLUSTER, name)
        .await
        .expect("instance");
    mock.assert_async().await;
    assert_eq!(i.name, "instance-4ca9xxxx");
    assert_eq!(
        i.uid.as_deref(),
        Some("a7d2cbab-591d-4482-95ea-2df994ed1b22")
    );
    assert_eq!(i.state(), InstanceStatus::Running);
    assert_eq!(
        i.ssh_command(),
        Some("ssh -p30379 root@a7d2cbab-591d-4482-95ea-2df994ed1b22.gws.neolink-ai.com")
    );
    let ssh = i.ssh_endpoint().unwrap();
    assert_eq!(
        (ssh.host.as_str(), ssh.port),
        (
            "a7d2cbab-591d-4482-95ea-2df994ed1b22.gws.neolink-ai.com",
            30379
        )
    );
    assert_eq!(i.ssh_password().unwrap().expose(), "RuRbjZLWklIC");
    let resources = i.resources.as_ref().unwrap();
    assert_eq!(
        (resources.cpu.as_deref(), resources.gpu_num.as_deref()),
        (Some("16"), Some("1"))
    );
    assert_eq!(i.pods[0].ip.as_deref(), Some("172.31.213.103"));
    assert_eq!(i.billing_type(), Some(BillingType::PayAsYouGo));
    assert_lossless("getInstance", &example, serde_json::to_value(&i).unwrap());
}

#[tokio::test]
async fn contract_power_off_instance() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let ns = namespace(spec);
    let name = spec.param_example("powerOffInstance", "name");
    let name = name.as_str().unwrap();
    let mock = server.power_off_instance(|when, then| {
        let when = when
            .cluster_name(CLUSTER)
            .name(name)
            .namespace(ns.as_str())
            .into_inner();
        json_body(
            exact(when, Some(&ns), &[]),
            spec.request_example("powerOffInstance"),
        );
        then.into_inner()
            .status(200)
            .json_body(spec.response_example("powerOffInstance"));
    });
    let options = types::PowerOffRequest::builder()
        .grace_period_seconds(10)
        .need_snapshot(true)
        .image_name("image1".to_string())
        .tag("v1.1.0".to_string());
    client(&server, spec)
        .power_off(CLUSTER, name, options)
        .await
        .expect("powered off");
    mock.assert_async().await;
    assert_eq!(spec.response_example("powerOffInstance"), json!("ok"));
}

#[tokio::test]
async fn power_off_with_default_options_sends_an_empty_object() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let mock = server.mock(|when, then| {
        json_body(
            when.method("POST")
                .path("/clusters/host-cluster/instances/instance-1/power_off"),
            json!({}),
        );
        then.status(200).json_body(json!("ok"));
    });
    client(&server, spec)
        .power_off(CLUSTER, "instance-1", types::PowerOffRequest::default())
        .await
        .expect("powered off");
    mock.assert_async().await;
}

#[tokio::test]
async fn contract_power_on_instance() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let ns = namespace(spec);
    let name = spec.param_example("powerOnInstance", "name");
    let name = name.as_str().unwrap();
    let mock = server.power_on_instance(|when, then| {
        let when = when
            .cluster_name(CLUSTER)
            .name(name)
            .namespace(ns.as_str())
            .into_inner();
        no_body(exact(when, Some(&ns), &[]));
        // The docs show no reply; the spec assumes power_off's "ok".
        then.into_inner().status(200).json_body(json!("ok"));
    });
    client(&server, spec)
        .power_on(CLUSTER, name)
        .await
        .expect("powered on");
    mock.assert_async().await;
}

#[tokio::test]
async fn contract_delete_instance() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let ns = namespace(spec);
    let name = spec.param_example("deleteInstance", "name");
    let name = name.as_str().unwrap();
    let mock = server.delete_instance(|when, then| {
        let when = when
            .cluster_name(CLUSTER)
            .name(name)
            .namespace(ns.as_str())
            .into_inner();
        no_body(exact(when, Some(&ns), &[("name", name)]));
        then.into_inner()
            .status(200)
            .json_body(spec.response_example("deleteInstance"));
    });
    client(&server, spec)
        .delete_instance(CLUSTER, name)
        .await
        .expect("deleted");
    mock.assert_async().await;
}

#[tokio::test]
async fn without_a_namespace_no_namespace_header_is_sent() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let mock = server.list_regions(|when, then| {
        exact(when.namespace(None).into_inner(), None, &[]);
        then.into_inner()
            .status(200)
            .json_body(spec.response_example("listRegions"));
    });
    let neolink = Neolink::with_config(config(&server), TOKEN).unwrap();
    assert_eq!(neolink.namespace(), None);
    neolink.regions().await.expect("regions");
    mock.assert_async().await;
}

/// Runs every operation once against `server` and returns each result.
async fn call_everything(neolink: &Neolink) -> Vec<(&'static str, Result<(), neolink_api::Error>)> {
    let request = types::CreateInstanceRequest::builder()
        .cost(
            types::CreateCost::builder()
                .cost_type(BillingType::Daily)
                .disk_skuid("1")
                .gpuskuid("2"),
        )
        .volume_mount(vec![])
        .display_name("d")
        .image(IMAGE);
    vec![
        ("listRegions", neolink.regions().await.map(drop)),
        ("listComputingSkus", neolink.skus("r").await.map(drop)),
        (
            "createInstance",
            neolink.create_instance(CLUSTER, request).await.map(drop),
        ),
        ("listInstances", neolink.instances(CLUSTER).await.map(drop)),
        (
            "getInstance",
            neolink.instance(CLUSTER, "i").await.map(drop),
        ),
        (
            "powerOffInstance",
            neolink
                .power_off(CLUSTER, "i", types::PowerOffRequest::default())
                .await,
        ),
        ("powerOnInstance", neolink.power_on(CLUSTER, "i").await),
        (
            "deleteInstance",
            neolink.delete_instance(CLUSTER, "i").await,
        ),
    ]
}

#[tokio::test]
async fn any_non_2xx_reply_is_a_typed_api_error_with_status_and_raw_body() {
    let cases: &[(u16, &str, &str)] = &[
        (
            502,
            "text/html",
            "<html><body><h1>502 Bad Gateway</h1></body></html>",
        ),
        (401, "text/plain", "token is expired"),
        (
            404,
            "application/json",
            r#"{"code": 404, "message": "instance not found"}"#,
        ),
        (403, "application/json", r#""forbidden""#),
        (500, "text/plain", ""),
        (418, "application/octet-stream", "\u{1}\u{2} not text"),
    ];
    for &(status, content_type, body) in cases {
        let server = MockServer::start_async().await;
        server.mock(|_, then| {
            then.status(status)
                .header("content-type", content_type)
                .body(body);
        });
        let neolink = Neolink::with_config(config(&server), TOKEN)
            .unwrap()
            .with_namespace("u")
            .unwrap();
        for (operation, result) in call_everything(&neolink).await {
            let err = result.expect_err(operation);
            let case = format!("{operation} answered {status} {body:?}");
            assert_eq!(err.kind(), ErrorKind::Api, "{case}");
            assert_eq!(err.status(), Some(status), "{case}");
            // Bodies that are not JSON cannot be searched for secrets, so
            // of the operations whose answers carry one (an instance's SSH
            // password) only the length is kept.
            let carries_secrets =
                ["createInstance", "listInstances", "getInstance"].contains(&operation);
            let is_json = serde_json::from_str::<Value>(body).is_ok();
            if carries_secrets && !is_json {
                let kept = err.body().unwrap_or_default();
                assert!(
                    kept.starts_with(&format!("[{} bytes", body.len())),
                    "{case}: {kept}"
                );
            } else {
                assert_eq!(err.body(), Some(body), "{case}");
            }
            assert_eq!(err.operation(), operation, "{case}");
            assert_eq!(err.provider(), "neolink", "{case}");
            let expected = if status == 404 {
                "instance not found".to_string()
            } else {
                format!("HTTP {status}")
            };
            assert_eq!(err.message(), expected, "{case}");
        }
    }
}

#[tokio::test]
async fn an_undocumented_2xx_or_a_body_that_is_not_json_is_a_decode_error() {
    for (status, body) in [
        (204, ""),
        (201, r#""ok""#),
        (200, "<html>maintenance</html>"),
    ] {
        let server = MockServer::start_async().await;
        server.mock(|_, then| {
            then.status(status).body(body);
        });
        let neolink = Neolink::with_config(config(&server), TOKEN).unwrap();
        let err = neolink.instances(CLUSTER).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode, "{status} {body}");
        assert_eq!(err.status(), Some(status));
        if status == 200 {
            // listInstances answers carry SSH passwords: a body that is not
            // JSON is kept only as its length and type (none was sent).
            assert_eq!(
                err.body(),
                Some(
                    "[24 bytes of unknown type that are not JSON; not kept, since this operation's bodies can carry secrets]"
                )
            );
        }
    }
}

#[tokio::test]
async fn reads_are_retried_and_creates_and_power_offs_are_not() {
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
    let neolink = Neolink::with_config(ClientConfig::new(server.base_url()).retry(retry), TOKEN)
        .unwrap()
        .with_namespace("u")
        .unwrap();
    neolink.regions().await.unwrap_err();
    assert_eq!(mock.calls_async().await, 3, "listRegions is safe to retry");
    let results = call_everything(&neolink).await;
    let create = results.iter().find(|(op, _)| *op == "createInstance");
    assert_eq!(create.unwrap().1.as_ref().unwrap_err().status(), Some(503));
    let power_off = results.iter().find(|(op, _)| *op == "powerOffInstance");
    assert_eq!(
        power_off.unwrap().1.as_ref().unwrap_err().status(),
        Some(503)
    );
    // 3 for the first listRegions, then 3 per call except createInstance and
    // powerOffInstance (a repeat could snapshot twice), which go out once.
    assert_eq!(mock.calls_async().await, 3 + 6 * 3 + 2);
}

#[tokio::test]
async fn waiting_returns_once_the_instance_runs() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let path = "/clusters/host-cluster/instances/instance-4ca9xxxx";
    let creating = server.mock(|when, then| {
        when.method("GET").path(path);
        then.status(200)
            .json_body(example_instance(spec, "Creating"))
            .up_to_n_times(2);
    });
    let running = server.mock(|when, then| {
        when.method("GET").path(path);
        then.status(200)
            .json_body(example_instance(spec, "Running"));
    });
    let wait = WaitOptions::new(Duration::from_secs(10)).interval(Duration::from_millis(5));
    let instance = client(&server, spec)
        .wait_for_status(CLUSTER, "instance-4ca9xxxx", InstanceStatus::Running, wait)
        .await
        .expect("running");
    assert_eq!(instance.state(), InstanceStatus::Running);
    assert_eq!(creating.calls_async().await, 2);
    assert_eq!(running.calls_async().await, 1);
}

#[tokio::test]
async fn waiting_compares_statuses_ignoring_case() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let mock = server.mock(|when, then| {
        when.method("GET");
        then.status(200)
            .json_body(example_instance(spec, "shutDown"));
    });
    let wait = WaitOptions::new(Duration::from_secs(5)).interval(Duration::from_millis(5));
    let wanted = InstanceStatus::Other("SHUTDOWN".into());
    client(&server, spec)
        .wait_for_status(CLUSTER, "instance-4ca9xxxx", wanted, wait)
        .await
        .expect("matched ignoring case");
    assert_eq!(mock.calls_async().await, 1);
}

#[tokio::test]
async fn waiting_times_out_with_a_typed_error() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let mock = server.mock(|when, then| {
        when.method("GET");
        then.status(200)
            .json_body(example_instance(spec, "Creating"));
    });
    let wait = WaitOptions::new(Duration::from_millis(60)).interval(Duration::from_millis(10));
    let started = Instant::now();
    let err = client(&server, spec)
        .wait_for_status(CLUSTER, "instance-4ca9xxxx", InstanceStatus::Running, wait)
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!(err.kind(), ErrorKind::WaitTimeout);
    assert_eq!(
        (err.provider(), err.operation()),
        ("neolink", "waitForStatus")
    );
    assert!(
        err.message().contains("instance-4ca9xxxx is Creating")
            && err.message().contains("waiting for Running"),
        "{}",
        err.message()
    );
    assert!(!err.is_retryable());
    assert!(elapsed >= Duration::from_millis(60), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
    assert!(mock.calls_async().await >= 3);
}

#[tokio::test]
async fn waiting_stops_at_the_first_error() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let mock = server.mock(|when, then| {
        when.method("GET");
        then.status(404).body("no such instance");
    });
    let wait = WaitOptions::new(Duration::from_secs(5)).interval(Duration::from_millis(5));
    let err = client(&server, spec)
        .wait_for_status(CLUSTER, "gone", InstanceStatus::Running, wait)
        .await
        .unwrap_err();
    assert_eq!((err.kind(), err.status()), (ErrorKind::Api, Some(404)));
    assert_eq!(err.operation(), "getInstance");
    assert_eq!(mock.calls_async().await, 1);
}

#[tokio::test]
async fn debug_never_shows_the_token_or_instance_secrets() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    server.mock(|when, then| {
        when.method("GET")
            .path("/clusters/host-cluster/instances/instance-4ca9xxxx");
        then.status(200)
            .json_body(spec.response_example("getInstance"));
    });
    server.mock(|when, then| {
        when.method("GET").path("/clusters/host-cluster/instances");
        then.status(200)
            .json_body(spec.response_examples("listInstances")[0].1.clone());
    });
    server.mock(|when, then| {
        when.method("GET").path("/regions");
        then.status(401).body("bad token");
    });
    let neolink = client(&server, spec);
    let instance = neolink
        .instance(CLUSTER, "instance-4ca9xxxx")
        .await
        .unwrap();
    let list = neolink.instances(CLUSTER).await.unwrap();
    let err = neolink.regions().await.unwrap_err();
    let shown =
        format!("{neolink:?} {neolink:#?} {instance:?} {instance:#?} {list:?} {err} {err:?}");
    for secret in [
        TOKEN,
        "RuRbjZLWklIC",
        "kEyIX5R2dqJD",
        "23a7676a0d18451dee9c08c3649a8288",
        "7d27443c5718e75bee2da9f92fe6a50c",
    ] {
        assert!(!shown.contains(secret), "{secret} leaked: {shown}");
    }
    // Still there for whoever needs it.
    let jupyter = instance
        .servers
        .as_ref()
        .unwrap()
        .jupyterlab
        .as_ref()
        .unwrap();
    assert!(
        jupyter
            .expose()
            .ends_with("token=23a7676a0d18451dee9c08c3649a8288")
    );
}

#[tokio::test]
async fn typed_mock_helpers_sequence_delay_and_add_headers() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let regions: Vec<neolink_api::types::Region> =
        serde_json::from_value(spec.response_example("listRegions")).unwrap();
    // The first request gets the regions, slowly and with a header; every
    // later one falls through to the second rule.
    let first = server.list_regions(|_, then| {
        then.ok(&regions)
            .up_to_n_times(1)
            .delay(std::time::Duration::from_millis(50))
            .header("x-request-id", "req-1");
    });
    let later = server.list_regions(|_, then| {
        then.ok(&Vec::new());
    });
    let ct = client(&server, spec);
    let started = std::time::Instant::now();
    assert_eq!(ct.regions().await.unwrap().len(), 1);
    // A lower bound only: a busy machine can be slower, never faster.
    assert!(started.elapsed() >= std::time::Duration::from_millis(50));
    assert!(ct.regions().await.unwrap().is_empty());
    assert!(ct.regions().await.unwrap().is_empty());
    assert_eq!(first.calls_async().await, 1);
    assert_eq!(later.calls_async().await, 2);
}
