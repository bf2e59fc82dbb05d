//! Failures reach the caller, and nothing secret leaves with them: a 200
//! that says it failed is an `Api` error with the server's message, a kept
//! error body has its secrets redacted, and a redirect is refused rather
//! than followed with the credentials.

#[path = "common/scripted.rs"]
#[allow(dead_code)] // each binary that includes it uses part of it
mod scripted;

use std::time::Duration;

use cloud_common::{ClientConfig, ErrorKind, RetryPolicy};
use httpmock::{Method, MockServer};
use scripted::{Reply, Scripted};
use serde_json::json;

fn config(server: &MockServer) -> ClientConfig {
    ClientConfig::new(server.base_url())
        .retry(RetryPolicy::never())
        .no_rate_limit()
}

/// A complete v0 deploy body.
fn deploy(
    vm: tensordock_api::v0::types::builder::DeployVmRequest,
) -> tensordock_api::v0::types::builder::DeployVmRequest {
    use tensordock_api::v0::{DeployVmExt, PortMappings};
    vm.name("x")
        .gpu_model("geforcertx4090-pcie-24gb")
        .gpu_count(1)
        .vcpus(8)
        .ram(32)
        .storage(100)
        .hostnode("02c65d45-6da5-4232-a8db-ee0e5bc76110")
        .operating_system("Ubuntu 22.04 LTS")
        .password("pw-secret")
        .ports(&PortMappings::new().map(30118, 22))
}

const FAILED: &str = r#"{"success": false, "error": "Not enough stock on this hostnode"}"#;

#[tokio::test]
async fn a_200_that_says_it_failed_is_an_api_error_for_every_v0_operation_that_can_send_it() {
    let server = MockServer::start_async().await;
    server.mock(|_, then| {
        then.status(200)
            .header("content-type", "application/json")
            .body(FAILED);
    });
    let td = tensordock_api::v0::TensorDock::with_config(config(&server), ("k", "t")).unwrap();
    let results = [
        (
            "listContainerReplicas",
            td.container_replicas("c-1").await.map(drop),
        ),
        ("getRevenue", td.revenue(|r| r).await.map(drop)),
        (
            "getMonthlySummary",
            td.monthly_summary("2024-01").await.map(drop),
        ),
        ("getBalance", td.balance().await.map(drop)),
        ("deployVm", td.deploy_vm(deploy).await.map(drop)),
        ("listVms", td.instances().await.map(drop)),
    ];
    for (op, result) in results {
        let e = result.expect_err(op);
        assert_eq!(e.kind(), ErrorKind::Api, "{op}: {e}");
        assert_eq!(e.status(), Some(200), "{op}");
        assert!(e.message().contains("Not enough stock"), "{op}: {e}");
    }
}

#[tokio::test]
async fn an_undecodable_body_keeps_no_secret() {
    let server = MockServer::start_async().await;
    // sshPassword where the spec wants a string, and a Jupyter URL with a
    // token, in a body that does not match the schema (status is a number).
    server.mock(|when, then| {
        when.method(Method::GET).path("/clusters/c/instances/i");
        then.status(200).header("content-type", "application/json").json_body(json!({
            "name": "i", "status": 7, "sshPassword": "hunter2-secret",
            "servers": [{"sshPassword": "nested-secret", "url": "https://lab/?token=jupyter-secret&x=1"}]
        }));
    });
    server.mock(|when, then| {
        when.method(Method::GET).path("/clusters/c/instances/html");
        then.status(502)
            .body("<html>sshPassword=html-secret</html>");
    });
    let nl = neolink_api::Neolink::with_config(config(&server), "t").unwrap();
    let e = nl.instance("c", "i").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
    let shown = format!("{e} {e:?} {}", e.body().unwrap_or_default());
    for secret in ["hunter2-secret", "nested-secret", "jupyter-secret"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    assert!(e.body().unwrap().contains("[REDACTED]"), "{:?}", e.body());
    let e = nl.instance("c", "html").await.unwrap_err();
    let shown = format!("{e} {e:?}");
    assert!(!shown.contains("html-secret"), "{shown}");
}

/// One read and one write per provider, answered `307` towards another
/// server: nothing reaches it, and the error names where it pointed.
#[tokio::test]
async fn redirects_are_refused_and_never_followed() {
    let elsewhere = MockServer::start_async().await;
    let caught = elsewhere.mock(|_, then| {
        then.status(200).body("{}");
    });
    let server = MockServer::start_async().await;
    let target = format!("{}/steal?token=leaked-token", elsewhere.base_url());
    server.mock(|_, then| {
        then.status(307).header("location", target.as_str());
    });
    let td0 = tensordock_api::v0::TensorDock::with_config(config(&server), ("k", "t")).unwrap();
    let td2 = tensordock_api::v2::TensorDock::with_config(config(&server), "t").unwrap();
    let nl = neolink_api::Neolink::with_config(config(&server), "t").unwrap();
    let ct = cloudtower_api::CloudTower::with_config(config(&server), "t").unwrap();
    let results = [
        ("v0 read", td0.instances().await.map(drop)),
        ("v0 write", td0.deploy_vm(deploy).await.map(drop)),
        ("v2 read", td2.locations().await.map(drop)),
        (
            "v2 write",
            td2.create_secret("s", tensordock_api::v2::types::SecretKind::Sshkey, "value")
                .await
                .map(drop),
        ),
        ("neolink read", nl.regions().await.map(drop)),
        ("neolink write", nl.start_instance("c", "i").await),
        ("cloudtower read", ct.instances().await.map(drop)),
        (
            "cloudtower write",
            cloudtower_api::CloudTower::login(config(&server), "admin", "pw-secret", None)
                .await
                .map(drop),
        ),
    ];
    for (what, result) in results {
        let e = result.expect_err(what);
        assert_eq!(
            (e.kind(), e.status()),
            (ErrorKind::Api, Some(307)),
            "{what}: {e}"
        );
        assert!(e.message().contains(&elsewhere.base_url()), "{what}: {e}");
        assert!(
            !format!("{e} {e:?}").contains("leaked-token"),
            "{what}: {e:?}"
        );
    }
    caught.assert_calls(0);
}

#[tokio::test]
async fn an_array_where_the_spec_says_object_is_a_decode_error() {
    let server = MockServer::start_async().await;
    server.mock(|_, then| {
        then.status(200)
            .header("content-type", "application/json")
            .body("[{}]");
    });
    let td2 = tensordock_api::v2::TensorDock::with_config(config(&server), "t").unwrap();
    let id = "550e8400-e29b-41d4-a716-446655440000";
    let results = [
        ("deleteInstance", td2.delete_instance(id).await.map(drop)),
        ("startInstance", td2.start_instance(id).await.map(drop)),
        ("stopInstance", td2.stop_instance(id).await.map(drop)),
        (
            "modifyInstance",
            td2.modify_instance(
                id,
                tensordock_api::v2::types::ModifyInstanceRequest::builder(),
            )
            .await
            .map(drop),
        ),
        ("deleteSecret", td2.delete_secret(id).await.map(drop)),
    ];
    for (op, result) in results {
        let e = result.expect_err(op);
        assert_eq!(e.kind(), ErrorKind::Decode, "{op}: {e}");
    }
    let td0 = tensordock_api::v0::TensorDock::with_config(config(&server), ("k", "t")).unwrap();
    for body in ["[]", "[null]"] {
        server.reset_async().await;
        server.mock(|_, then| {
            then.status(200)
                .header("content-type", "application/json")
                .body(body);
        });
        for (op, result) in [
            ("listVms", td0.instances().await.map(drop)),
            ("getRevenue", td0.revenue(|r| r).await.map(drop)),
            (
                "listContainerReplicas",
                td0.container_replicas("c").await.map(drop),
            ),
        ] {
            let e = result.expect_err(op);
            assert_eq!(e.kind(), ErrorKind::Decode, "{op} {body}: {e}");
        }
    }
}

#[tokio::test]
async fn a_body_broken_midway_is_retried_for_operations_safe_to_repeat() {
    let good = serde_json::to_string(&json!({"data": {"locations": []}})).unwrap();
    let server = Scripted::start(vec![
        Reply::Truncated {
            sent: r#"{"data": {"loca"#.into(),
            announced: 4096,
        },
        Reply::json(200, &good),
    ])
    .await;
    let retry = RetryPolicy {
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(5),
        ..RetryPolicy::default()
    };
    let config = ClientConfig::new(server.base_url.as_str())
        .retry(retry)
        .no_rate_limit();
    let td = tensordock_api::v2::TensorDock::with_config(config.clone(), "t").unwrap();
    let locations = td.locations().await.expect("the second attempt succeeds");
    assert!(locations.is_empty());
    assert_eq!(server.hits(), 2);
    // A create is not repeated: the break reaches the caller, typed.
    let server = Scripted::start(vec![
        Reply::Truncated {
            sent: "{".into(),
            announced: 4096,
        },
        Reply::json(200, &good),
    ])
    .await;
    let td = tensordock_api::v2::TensorDock::with_config(
        config.with_base_url(server.base_url.as_str()),
        "t",
    )
    .unwrap();
    let e = td
        .create_ssh_key("k", "ssh-ed25519 AAAA")
        .await
        .unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::Transport | ErrorKind::Decode),
        "{e}"
    );
    assert_eq!(server.hits(), 1);
}
