//! Untyped requests (`client.raw(RawRequest)`) go through the runtime the
//! generated ones use: the client's credentials (headers, or TensorDock
//! v0's form and query fields), default headers, retries where the spec
//! allows them, error conversion and redaction; anything that cannot be
//! sent as asked is refused before anything is sent.

mod common;
#[path = "common/scripted.rs"]
#[allow(dead_code)] // each binary that includes it uses part of it
mod scripted;

use std::time::Duration;

use cloud_common::{ClientConfig, ErrorKind, RawRequest, RetryPolicy};
use common::expect_form;
use httpmock::MockServer;
use reqwest::Method;
use scripted::{Reply, Scripted};
use serde_json::json;

const KEY: &str = "11111111-2222-3333-4444-555555555555";
const TOKEN: &str = "66666666-7777-8888-9999-000000000000";

fn config(base_url: &str) -> ClientConfig {
    ClientConfig::new(base_url)
        .retry(RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(5),
            max_backoff: Duration::from_secs(1),
            max_elapsed: Duration::from_secs(10),
        })
        .no_rate_limit()
}

fn v0(base_url: &str) -> tensordock_api::v0::TensorDock {
    tensordock_api::v0::TensorDock::with_config(config(base_url), (KEY, TOKEN)).unwrap()
}

fn v2(base_url: &str) -> tensordock_api::v2::TensorDock {
    tensordock_api::v2::TensorDock::with_config(config(base_url), "tok-v2").unwrap()
}

#[tokio::test]
async fn a_v0_form_carries_the_credentials_in_place_of_any_given() {
    let server = MockServer::start_async().await;
    let fields = [
        ("server", "vm-1"),
        ("count", "2"),
        ("api_key", KEY),
        ("api_token", TOKEN),
    ]
    .map(|(k, v)| (k.to_string(), v.to_string()));
    let m = server.mock(|when, then| {
        expect_form(when.method("POST").path("/client/get/single"), &fields);
        then.status(200)
            .json_body(json!({"success": true, "virtualmachines": {}}));
    });
    let response = v0(&server.base_url())
        .raw(
            RawRequest::new(Method::POST, "/client/get/single")
                .operation("getVm")
                // A caller's own api_key gives way; null is left out.
                .form(json!({"server": "vm-1", "count": 2, "api_key": "mine", "gone": null})),
        )
        .await
        .unwrap();
    m.assert();
    assert_eq!(response.status(), 200);
    assert_eq!(response.json().unwrap()["success"], true);
}

#[tokio::test]
async fn query_credentials_go_only_where_asked_for() {
    let server = MockServer::start_async().await;
    let asked = server.mock(|when, then| {
        when.method("GET")
            .path("/client/deploy/hostnodes")
            .query_param("api_key", KEY)
            .query_param("api_token", TOKEN)
            .query_param("minGPUCount", "1");
        then.status(200)
            .json_body(json!({"success": true, "hostnodes": {}}));
    });
    let public = server.mock(|when, then| {
        when.method("GET")
            .path_includes("/client/deploy/hostnodes/")
            .is_true(|req| req.query_params().is_empty());
        then.status(200).json_body(json!({"success": true}));
    });
    let td = v0(&server.base_url());
    td.raw(
        RawRequest::new(Method::GET, "/client/deploy/hostnodes")
            .operation("listHostnodes")
            .query("minGPUCount", "1")
            .query_credential("api_key")
            .query_credential("api_token"),
    )
    .await
    .unwrap();
    asked.assert();
    // A public GET gets no credential in its URL.
    td.raw(
        RawRequest::new(Method::GET, "/client/deploy/hostnodes/{hostnode_uuid}")
            .operation("getHostnode")
            .path_param("hostnode_uuid", "02c65d45-6da5-4232-a8db-ee0e5bc76110"),
    )
    .await
    .unwrap();
    public.assert();
}

#[tokio::test]
async fn what_cannot_be_sent_as_asked_is_refused_before_sending() {
    let server = MockServer::start_async().await;
    let any = server.mock(|_, then| {
        then.status(200).json_body(json!({}));
    });
    let td = v2(&server.base_url());
    let cases = [
        // A client without a credential field of that name.
        RawRequest::new(Method::GET, "/instances").query_credential("api_key"),
        // An operation the client does not know.
        RawRequest::new(Method::GET, "/instances").operation("listInstancez"),
        // A path parameter without a value, and a value without a parameter.
        RawRequest::new(Method::GET, "/instances/{id}"),
        RawRequest::new(Method::GET, "/instances").path_param("id", "i-1"),
        // Not a path, and a form that is not an object.
        RawRequest::new(Method::GET, "instances"),
        RawRequest::new(Method::POST, "/instances").form(json!([1])),
        // A header that cannot be sent.
        RawRequest::new(Method::GET, "/instances").header("x-note", "a\nb"),
    ];
    for request in cases {
        let shown = format!("{request:?}");
        let e = td.raw(request).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidRequest, "{shown}: {e}");
        assert!(!e.is_retryable(), "{shown}");
    }
    assert_eq!(any.calls(), 0);
}

#[tokio::test]
async fn credential_and_default_headers_are_the_clients() {
    let server = MockServer::start_async().await;
    let m = server.mock(|when, then| {
        when.method("GET")
            .path("/clusters/c1/instances")
            .header("authorization", "bearer tok-nl")
            .header("namespace", "from-request")
            .header("accept", "application/json")
            .header_missing("api-version");
        then.status(200).json_body(json!({"data": []}));
    });
    let nl = neolink_api::Neolink::with_config(config(&server.base_url()), "tok-nl")
        .unwrap()
        .with_namespace("from-client")
        .unwrap();
    nl.raw(
        RawRequest::new(Method::GET, "/clusters/{clusterName}/instances")
            .operation("listInstances")
            .path_param("clusterName", "c1")
            // The request's own header wins over the client's default;
            // the credential header is always the client's.
            .header("namespace", "from-request")
            .header("authorization", "bearer forged"),
    )
    .await
    .unwrap();
    m.assert();
}

#[tokio::test]
async fn a_safe_operation_is_retried_and_an_unsafe_one_is_not() {
    let server = Scripted::start(vec![
        Reply::json(503, r#"{"error": "busy"}"#),
        Reply::json(200, r#"{"data": []}"#),
    ])
    .await;
    let response = v2(&server.base_url)
        .raw(RawRequest::new(Method::GET, "/instances").operation("listInstances"))
        .await
        .unwrap();
    assert_eq!((response.status(), server.hits()), (200, 2));

    let server = Scripted::start(vec![Reply::json(503, r#"{"error": "busy"}"#)]).await;
    let e = v2(&server.base_url)
        .raw(
            RawRequest::new(Method::POST, "/instances")
                .operation("createInstance")
                .json(json!({})),
        )
        .await
        .unwrap_err();
    assert_eq!((e.status(), server.hits()), (Some(503), 1));
    assert_eq!(e.operation(), "createInstance");
    assert_eq!(e.message(), "busy");
    assert!(e.is_retryable());
}

#[tokio::test]
async fn errors_are_converted_and_redacted_like_a_generated_calls() {
    let server = Scripted::start(vec![Reply::json(
        400,
        r#"{"detail": "bad", "value": "LEAK-secret-value", "url": "https://h/?token=LEAK-t"}"#,
    )])
    .await;
    let e = v2(&server.base_url)
        .raw(
            RawRequest::new(Method::POST, "/secrets")
                .operation("createSecret")
                .json(json!({"name": "n", "type": "ssh", "value": "v"})),
        )
        .await
        .unwrap_err();
    assert_eq!((e.kind(), e.status()), (ErrorKind::Api, Some(400)));
    let body = e.body().expect("a body without a message is kept");
    assert!(body.contains("\"detail\":\"bad\""), "{body}");
    assert!(!format!("{e} {e:?}").contains("LEAK-"), "{e:?}");

    // Unnamed, the call is named by its method and path.
    let server = Scripted::start(vec![Reply::json(404, r#"{"error": "nope"}"#)]).await;
    let e = v2(&server.base_url)
        .raw(RawRequest::new(Method::GET, "/things/{id}").path_param("id", "t-1"))
        .await
        .unwrap_err();
    assert_eq!(e.operation(), "GET /things/{id}");
    assert_eq!((e.status(), e.message()), (Some(404), "nope"));
}

#[tokio::test]
async fn a_response_shows_no_secret_once_redacted() {
    let server = Scripted::start(vec![Reply::json(
        200,
        r#"{"data": {"id": "s-1", "value": "LEAK-ssh-key", "token": null, "api_key": "LEAK-k"}}"#,
    )])
    .await;
    let response = v2(&server.base_url)
        .raw(
            RawRequest::new(Method::GET, "/secrets/{id}")
                .operation("getSecret")
                .path_param("id", "s-1"),
        )
        .await
        .unwrap();
    // The body itself is the caller's, unchanged.
    assert_eq!(response.json().unwrap()["data"]["value"], "LEAK-ssh-key");
    let shown = response.redacted();
    assert_eq!(shown["data"]["id"], "s-1");
    // `value` is the spec's secret; `api_key` is named like one.
    assert_eq!(shown["data"]["value"], "[REDACTED]");
    assert_eq!(shown["data"]["api_key"], "[REDACTED]");
    assert_eq!(shown["data"]["token"], json!(null));
    assert!(!format!("{response:?}").contains("LEAK-"), "{response:?}");
}
