//! No credential value may appear in `Debug`/`Display` of the clients,
//! configs and errors of any provider, nor in TRACE-level tracing output.
//!
//! This binary holds one test on purpose: a thread-local tracing subscriber
//! and tests on other threads race on tracing's callsite interest cache.

use std::io::Write;
use std::sync::{Arc, Mutex};

use httpmock::MockServer;
use serde_json::json;
use tensordock_api::v0::TensorDock;
use tensordock_api::{CallOptions, ClientConfig, RetryPolicy, Secret};

const KEY: &str = "key-5f0d7c6e-b2a1-4f5e-9e55-aa11bb22cc33";
const TOKEN: &str = "token-0e9d8c7b-6a59-4847-3625-140f1e2d3c4b";

/// Collects everything the tracing subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

fn assert_clean(text: &str) {
    assert!(!text.contains(KEY), "the api key leaked: {text}");
    assert!(!text.contains(TOKEN), "the api token leaked: {text}");
}

#[tokio::test]
async fn no_credential_in_debug_display_errors_or_trace_output() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(captured.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start_async().await;
    // Records every request line (path and query) as it arrived; matches
    // nothing, so the mocks below answer.
    let request_lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let lines = Arc::clone(&request_lines);
    server.mock(move |when, then| {
        when.is_true(move |req| {
            lines.lock().unwrap().push(req.uri().to_string());
            false
        });
        then.status(599);
    });
    server.mock(|when, then| {
        when.path("/client/list");
        then.status(200)
            .json_body(json!({"success": true, "virtualmachines": {}}));
    });
    server.mock(|when, then| {
        when.path_includes("/replicas");
        then.status(503).body("upstream busy");
    });
    server.mock(|when, then| {
        when.path("/client/start/single");
        then.status(500)
            .json_body(json!({"success": false, "error": "Machine is running"}));
    });

    let config = ClientConfig::new(server.base_url()).retry(RetryPolicy {
        max_attempts: 2,
        initial_backoff: std::time::Duration::from_millis(1),
        ..RetryPolicy::default()
    });
    let td = TensorDock::with_config(config.clone(), (KEY, TOKEN)).expect("client");
    let mut seen = format!("{td:?} {config:?} {:?}", td.native());

    td.list_vms().await.expect("list");
    // Credentials travel in this URL's query string; the request is retried.
    let err = td.container_replicas("c1").await.unwrap_err();
    seen.push_str(&format!("{err} {err:?} {err:#}"));
    let err = td
        .with_options(CallOptions::new())
        .start_vm("s1")
        .await
        .unwrap_err();
    seen.push_str(&format!("{err} {err:?}"));
    let secret = Secret::new(KEY);
    seen.push_str(&format!("{secret} {secret:?}"));

    // Neolink: a bearer token. CloudTower: a raw token, and a password at
    // login. The mock answers these paths with 404 or 400 errors.
    server.mock(|when, then| {
        when.path("/login");
        then.status(400)
            .json_body(json!({"message": "bad credentials", "code": "UserPasswordIncorrect"}));
    });
    let neolink = neolink_api::Neolink::with_config(config.clone(), KEY).expect("neolink");
    seen.push_str(&format!("{neolink:?}"));
    let err = neolink.regions().await.unwrap_err();
    seen.push_str(&format!("{err} {err:?}"));
    let tower = cloudtower_api::CloudTower::with_config(config.clone(), TOKEN).expect("cloudtower");
    seen.push_str(&format!("{tower:?}"));
    let err = tower.get_clusters(serde_json::json!({})).await.unwrap_err();
    seen.push_str(&format!("{err} {err:?}"));
    let err = cloudtower_api::CloudTower::login(
        config.clone(),
        "admin",
        KEY,
        cloudtower_api::UserSource::Local,
    )
    .await
    .unwrap_err();
    assert_eq!(err.status(), Some(400));
    seen.push_str(&format!("{err} {err:?}"));

    // TensorDock v2: a bearer token, and a secret's value in a create.
    let v2 = tensordock_api::v2::TensorDock::with_config(config.clone().no_rate_limit(), TOKEN)
        .expect("v2");
    seen.push_str(&format!("{v2:?} {:?}", v2.native()));
    let err = v2
        .create_secret("s", tensordock_api::v2::types::SecretKind::Sshkey, KEY)
        .await
        .unwrap_err();
    seen.push_str(&format!("{err} {err:?}"));
    // Request types that carry secrets print none.
    let deploy = tensordock_api::v0::types::DeployVmRequest::builder()
        .password(KEY)
        .api_key(KEY)
        .api_token(TOKEN);
    seen.push_str(&format!("{deploy:?} {deploy:#?}"));
    let cloud_init = cloudtower_api::types::TemplateCloudInit::builder().default_user_password(KEY);
    seen.push_str(&format!("{cloud_init:?}"));
    if let Ok(built) = cloudtower_api::types::TemplateCloudInit::try_from(cloud_init) {
        seen.push_str(&format!("{built:?} {built:#?}"));
    }
    // A base URL with user info never prints it.
    let with_user = ClientConfig::new(format!("http://admin:{KEY}@127.0.0.1:9"));
    seen.push_str(&format!("{with_user:?}"));
    if let Err(e) = cloudtower_api::CloudTower::with_config(with_user, TOKEN) {
        seen.push_str(&format!("{e} {e:?}"));
    }

    // What the server saw on its request lines: no credential in any URL.
    for line in request_lines.lock().unwrap().iter() {
        assert_clean(line);
    }
    let lines = request_lines.lock().unwrap().clone();
    for path in [
        "/client/list",
        "/replicas",
        "/regions",
        "/get-clusters",
        "/login",
        "/secrets",
    ] {
        assert!(
            lines.iter().any(|l| l.contains(path)),
            "{path} was recorded: {lines:?}"
        );
    }

    let trace = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    // The capture works: the spans name the operations of every provider.
    assert!(
        trace.contains("listRegions") && trace.contains("GetClusters") && trace.contains("Login"),
        "{trace}"
    );
    assert!(trace.contains("listContainerReplicas"), "{trace}");
    assert!(trace.contains("retrying"), "{trace}");
    assert_clean(&trace);
    assert_clean(&seen);
}
