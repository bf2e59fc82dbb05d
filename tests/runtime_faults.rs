//! Fault injection against the shared runtime (cloud-common), driven
//! through a generated client: retries only where the spec allows them,
//! `Retry-After`, resets, timeouts and broken bodies.

#[path = "common/scripted.rs"]
#[allow(dead_code)] // each binary that includes it uses part of it
mod scripted;

use std::time::{Duration, Instant};

use scripted::{Reply, Scripted};
use tensordock_api::v0::{DeployVmExt, PortMappings, TensorDock};
use tensordock_api::{CallOptions, ClientConfig, ErrorKind, RetryPolicy};

const VM: &str = "65e7edca-888a-4e66-a975-2c6cd4cd218b";
const OK_VM: &str = r#"{"success": true, "virtualmachines": {"name": "vm", "status": "Running"}}"#;
const DEPLOYED: &str = r#"{"success": true, "server": "65e7edca-888a-4e66-a975-2c6cd4cd218b"}"#;

fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_secs(5),
        max_elapsed: Duration::from_secs(10),
    }
}

fn client(server: &Scripted, timeout: Duration) -> TensorDock {
    let config = ClientConfig::new(&server.base_url)
        .retry(fast_retries())
        .timeout(timeout);
    TensorDock::with_config(config, ("key", "token")).expect("client")
}

async fn deploy(td: &TensorDock) -> Result<(), tensordock_api::Error> {
    td.deploy_vm(|vm| {
        vm.name("n")
            .gpu_count(1)
            .gpu_model("geforcertx4090-pcie-24gb")
            .vcpus(2)
            .ram(4)
            .storage(20)
            .hostnode("02c65d45-6da5-4232-a8db-ee0e5bc76110")
            .operating_system("Ubuntu 22.04 LTS")
            .ports(&PortMappings::new().map(20000, 22))
    })
    .await
    .map(|_| ())
}

#[tokio::test]
async fn a_503_then_success_is_retried_exactly_once() {
    let server = Scripted::start(vec![
        Reply::json(503, r#"{"error": "busy"}"#),
        Reply::json(200, OK_VM),
    ])
    .await;
    let vm = client(&server, Duration::from_secs(5))
        .get_vm(VM)
        .await
        .expect("retried");
    assert_eq!(vm.name.as_deref(), Some("vm"));
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn a_429_waits_as_long_as_retry_after_says() {
    let server = Scripted::start(vec![
        Reply::json(429, r#"{"error": "slow down"}"#).header("retry-after", "1"),
        Reply::json(200, OK_VM),
    ])
    .await;
    client(&server, Duration::from_secs(5))
        .get_vm(VM)
        .await
        .expect("retried");
    let at = server.arrivals();
    assert_eq!(at.len(), 2);
    let waited = at[1] - at[0];
    assert!(
        waited >= Duration::from_millis(1000),
        "waited only {waited:?}"
    );
    // Generous: only that it waited for Retry-After, not the 5 s cap.
    assert!(waited < Duration::from_secs(4), "waited {waited:?}");
}

#[tokio::test]
async fn a_connection_reset_is_retried_for_a_safe_operation() {
    let server = Scripted::start(vec![Reply::Reset, Reply::json(200, OK_VM)]).await;
    client(&server, Duration::from_secs(5))
        .get_vm(VM)
        .await
        .expect("retried");
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn a_connection_reset_on_deploy_is_a_transport_error_after_one_request() {
    let server = Scripted::start(vec![Reply::Reset, Reply::json(200, DEPLOYED)]).await;
    let err = deploy(&client(&server, Duration::from_secs(5)))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport);
    assert!(err.is_retryable());
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn a_deploy_answered_with_503_reaches_the_server_once() {
    let server = Scripted::start(vec![
        Reply::json(503, r#"{"error": "busy"}"#),
        Reply::json(200, DEPLOYED),
    ])
    .await;
    let err = deploy(&client(&server, Duration::from_secs(5)))
        .await
        .unwrap_err();
    assert_eq!((err.kind(), err.status()), (ErrorKind::Api, Some(503)));
    assert_eq!(err.message(), "busy");
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn a_deploy_is_retried_when_the_call_opts_in() {
    let server = Scripted::start(vec![
        Reply::json(503, r#"{"error": "busy"}"#),
        Reply::json(200, DEPLOYED),
    ])
    .await;
    let td = client(&server, Duration::from_secs(5)).with_options(CallOptions::new().retry(true));
    deploy(&td).await.expect("opted-in retry");
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn attempts_are_capped() {
    let server = Scripted::start(vec![Reply::json(503, r#"{"error": "busy"}"#)]).await;
    let err = client(&server, Duration::from_secs(5))
        .get_vm(VM)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(server.hits(), 3);
}

#[tokio::test]
async fn a_slow_response_is_a_typed_timeout_and_is_not_retried() {
    let server = Scripted::start(vec![
        Reply::json(200, OK_VM).delayed(Duration::from_secs(3)),
    ])
    .await;
    let timeout = Duration::from_millis(400);
    let started = Instant::now();
    let err = client(&server, timeout).get_vm(VM).await.unwrap_err();
    let took = started.elapsed();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    // The timeout, not the answer (due after 3 s), ended the call. The bound
    // is generous on purpose: how close to 400 ms it ends is the
    // benchmark's business, not a test's (a busy machine adds tens of ms).
    assert!(took >= timeout, "took only {took:?}");
    assert!(took < Duration::from_secs(2), "took {took:?}");
    assert_eq!(
        server.hits(),
        1,
        "a timeout is the caller's deadline: not retried"
    );
}

#[tokio::test]
async fn a_per_call_timeout_overrides_the_client_timeout() {
    let server = Scripted::start(vec![
        Reply::json(200, OK_VM).delayed(Duration::from_secs(3)),
    ])
    .await;
    let td = client(&server, Duration::from_secs(10))
        .with_options(CallOptions::new().timeout(Duration::from_millis(200)));
    let started = Instant::now();
    let err = td.get_vm(VM).await.unwrap_err();
    // A timeout at all means the 200 ms one applied: the server answers
    // after 3 s, well within the client's 10 s. The bound is generous.
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn truncated_json_is_a_typed_decode_error_with_the_body() {
    let server = Scripted::start(vec![Reply::json(200, r#"{"success": true, "virtualmach"#)]).await;
    let err = client(&server, Duration::from_secs(5))
        .get_vm(VM)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert_eq!(err.body(), Some(r#"{"success": true, "virtualmach"#));
    assert_eq!(server.hits(), 1);
}
