//! Caller input cannot reach another resource: every path parameter of
//! every operation of every spec (enumerated from the specs) is driven
//! with values the URL parser would split or normalise, and each request
//! is either refused before sending with `ErrorKind::InvalidRequest`
//! naming the parameter, or arrives at a local server at exactly the
//! operation's path, the value intact in its one segment. Base URLs and
//! tokens that cannot be used are refused when the client is built.

mod common;
#[path = "common/path_values.rs"]
mod path_values;
#[path = "common/providers.rs"]
mod providers;

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use cloud_common::{ClientConfig, Error, ErrorKind, RawClient, RawRequest};
use common::Spec;
use httpmock::MockServer;
use path_values::{bad_values, refused};

type Call<'a> = Pin<Box<dyn Future<Output = Result<(), Error>> + 'a>>;

fn decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() + 1 {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).expect("hex"));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("utf-8")
}

/// A server that answers 200 `{}` to everything and records each request
/// path exactly as it arrived.
async fn recording_server() -> (MockServer, Arc<Mutex<Vec<String>>>) {
    let server = MockServer::start_async().await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    server.mock(move |when, then| {
        when.is_true(move |req| {
            log.lock().unwrap().push(req.uri().path().to_string());
            true
        });
        then.status(200)
            .header("content-type", "application/json")
            .body("{}");
    });
    (server, seen)
}

/// Runs `call` for every bad value of every path parameter of `id`, and
/// checks each outcome against its path template. A refusal names the
/// parameter as `named` does (the typed methods by their Rust names).
async fn drive<'a>(
    spec: &Spec,
    seen: &Arc<Mutex<Vec<String>>>,
    id: &str,
    named: impl Fn(&str) -> String,
    call: impl Fn(&str, String) -> Call<'a>,
) {
    let template = spec.path_template(id);
    let params = spec.path_params(id);
    assert!(!params.is_empty(), "{id} has no path parameter");
    for param in &params {
        for value in bad_values() {
            seen.lock().unwrap().clear();
            let result = call(param, value.clone()).await;
            let arrived = seen.lock().unwrap().clone();
            let shown = if value.len() > 40 {
                format!("{} bytes", value.len())
            } else {
                format!("{value:?}")
            };
            match (&result, arrived.as_slice()) {
                (Err(e), [])
                    if e.kind() == ErrorKind::InvalidRequest && value.len() > 64 * 1024 =>
                {
                    // Too long for a URL: refused before sending, not retryable.
                    assert!(!e.is_retryable(), "{id}: {e}");
                }
                (Err(e), []) if e.kind() == ErrorKind::InvalidRequest => {
                    assert!(refused(&value), "{id} {param}={shown} refused: {e}");
                    let name = named(param);
                    assert!(e.message().contains(&format!("`{name}`")), "{id}: {e}");
                }
                (_, [path]) => {
                    assert!(!refused(&value), "{id} {param}={shown} was sent to {path}");
                    let want: Vec<&str> = template.split('/').collect();
                    let got: Vec<&str> = path.split('/').collect();
                    assert_eq!(
                        got.len(),
                        want.len(),
                        "{id} {param}={shown}: {path} is not one segment per parameter"
                    );
                    for (w, g) in want.iter().zip(&got) {
                        if *w == format!("{{{param}}}") {
                            assert_eq!(
                                decode(g),
                                value,
                                "{id} {param}={shown}: the segment {g} is not the value"
                            );
                        } else if !w.starts_with('{') {
                            assert_eq!(w, g, "{id} {param}={shown}: arrived at {path}");
                        }
                    }
                }
                (Err(e), []) if value.len() > 64 * 1024 && e.status().is_some() => {
                    // The server refused a 100 KB request line; nothing
                    // reached another path.
                }
                other => panic!("{id} {param}={shown}: {other:?}"),
            }
        }
    }
}

/// The operations of `spec` with path parameters.
fn with_path_params(spec: &Spec) -> Vec<String> {
    spec.operation_ids()
        .into_iter()
        .filter(|id| !spec.path_params(id).is_empty())
        .collect()
}

fn config(server: &MockServer) -> ClientConfig {
    ClientConfig::new(server.base_url())
        .retry(cloud_common::RetryPolicy::never())
        .no_rate_limit()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tensordock_v2_path_parameters_stay_in_their_segment() {
    let spec = Spec::load("tensordock-v2.yaml");
    let (server, seen) = recording_server().await;
    let td = tensordock_api::v2::TensorDock::with_config(config(&server), "t").unwrap();
    let td = &td;
    for id in with_path_params(spec) {
        let op = id.clone();
        drive(
            spec,
            &seen,
            &id,
            cloud_spec::naming::method_name,
            move |_, v| -> Call<'_> {
                let op = op.clone();
                Box::pin(async move {
                    match op.as_str() {
                        "getHostnode" => td.hostnode(&v).await.map(drop),
                        "getInstance" => td.instance(&v).await.map(drop),
                        "startInstance" => td.start_instance(&v).await.map(drop),
                        "stopInstance" => td.stop_instance(&v).await.map(drop),
                        "deleteInstance" => td.delete_instance(&v).await.map(drop),
                        "modifyInstance" => td
                            .modify_instance(
                                &v,
                                tensordock_api::v2::types::ModifyInstanceRequest::builder(),
                            )
                            .await
                            .map(drop),
                        "getSecret" => td.secret(&v).await.map(drop),
                        "deleteSecret" => td.delete_secret(&v).await.map(drop),
                        other => {
                            panic!("{other}: a new operation with path parameters; add it here")
                        }
                    }
                })
            },
        )
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn neolink_path_parameters_stay_in_their_segment() {
    let spec = Spec::load("neolink.yaml");
    let (server, seen) = recording_server().await;
    let nl = neolink_api::Neolink::with_config(config(&server), "t").unwrap();
    let nl = &nl;
    for id in with_path_params(spec) {
        let op = id.clone();
        drive(
            spec,
            &seen,
            &id,
            cloud_spec::naming::method_name,
            move |param, v| -> Call<'_> {
                let op = op.clone();
                // The other path parameter keeps a plain value.
                let (cluster, name) = if param == "clusterName" {
                    (v, "instance-1".to_string())
                } else {
                    ("host-cluster".to_string(), v)
                };
                Box::pin(async move {
                    match op.as_str() {
                        "listInstances" => nl.instances(&cluster).await.map(drop),
                        "createInstance" => nl
                            .create_instance(
                                &cluster,
                                neolink_api::types::CreateInstanceRequest::builder()
                                    .display_name("d")
                                    .image("i")
                                    .namespace("n")
                                    .cost(
                                        neolink_api::types::CreateCost::builder()
                                            .cost_type(neolink_api::BillingType::PayAsYouGo)
                                            .disk_skuid("1")
                                            .gpuskuid("1"),
                                    )
                                    .volume_mount(vec![]),
                            )
                            .await
                            .map(drop),
                        "getInstance" => nl.instance(&cluster, &name).await.map(drop),
                        "powerOffInstance" => nl.stop_instance(&cluster, &name).await,
                        "powerOnInstance" => nl.start_instance(&cluster, &name).await,
                        "deleteInstance" => nl.delete_instance(&cluster, &name).await,
                        other => {
                            panic!("{other}: a new operation with path parameters; add it here")
                        }
                    }
                })
            },
        )
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tensordock_v0_path_parameters_stay_in_their_segment() {
    let spec = Spec::load("tensordock.yaml");
    let (server, seen) = recording_server().await;
    let td = tensordock_api::v0::TensorDock::with_config(config(&server), ("k", "t")).unwrap();
    let td = &td;
    for id in with_path_params(spec) {
        if id == "getHostnode" {
            // A typed UUID: a value that is not one is refused before
            // anything is built (tested in tensordock_v0.rs).
            assert!(
                td.get_hostnode("..")
                    .await
                    .is_err_and(|e| e.kind() == ErrorKind::InvalidRequest)
            );
            continue;
        }
        let op = id.clone();
        drive(
            spec,
            &seen,
            &id,
            cloud_spec::naming::method_name,
            move |_, v| -> Call<'_> {
                let op = op.clone();
                Box::pin(async move {
                    match op.as_str() {
                        "listContainerReplicas" => td.container_replicas(&v).await.map(drop),
                        other => {
                            panic!("{other}: a new operation with path parameters; add it here")
                        }
                    }
                })
            },
        )
        .await;
    }
}

/// The same values through the untyped path (`raw`), which `fleet
/// <provider> <operation>` sends through: every operation with path
/// parameters of every spec, each parameter named as the spec names it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_requests_keep_path_parameters_in_their_segment() {
    let (server, seen) = recording_server().await;
    let clients: Vec<(&str, Box<dyn RawClient>)> = providers::APIS
        .iter()
        .map(|a| (a.spec_file, (a.raw_client)(config(&server))))
        .collect();
    for (file, client) in &clients {
        let spec = Spec::load(file);
        for id in with_path_params(spec) {
            let method: reqwest::Method = spec.method(&id).parse().unwrap();
            let template = spec.path_template(&id);
            let params = spec.path_params(&id);
            drive(spec, &seen, &id, str::to_string, |param, v| -> Call<'_> {
                let mut request = RawRequest::new(method.clone(), template.clone()).operation(&id);
                for p in &params {
                    // The other path parameters keep a plain value.
                    let value = if p == param { v.clone() } else { "x".into() };
                    request = request.path_param(p, value);
                }
                Box::pin(async move { client.send_raw(request).await.map(drop) })
            })
            .await;
        }
    }
}

#[test]
fn cloudtower_has_no_path_parameters() {
    // Every CloudTower operation is a POST with a JSON body; should one
    // gain a path parameter, this test asks for it to be driven above.
    let spec = Spec::load("cloudtower.yaml");
    assert_eq!(with_path_params(spec), Vec::<String>::new());
}

#[test]
fn every_generated_path_parameter_goes_through_path_segment() {
    for (spec, generated) in providers::APIS
        .iter()
        .map(|a| (a.spec_file, a.generated_client))
    {
        let spec = Spec::load(spec);
        let params: usize = spec
            .operation_ids()
            .iter()
            .map(|id| spec.path_params(id).len())
            .sum();
        let guarded = generated.matches("::cloud_common::path_segment(").count();
        assert_eq!(guarded, params, "every path parameter is guarded");
        assert!(
            !generated.contains("encode_path(&"),
            "an unguarded encode_path call"
        );
    }
}

#[test]
fn unusable_base_urls_and_tokens_are_refused_when_the_client_is_built() {
    for bad in [
        "",
        "   ",
        "tower.local/v2/api",
        "file:///etc/passwd",
        "ftp://h/",
        "http://h/base?x=1",
        "http://h/base#frag",
        "http://admin:pw@h/v2/api",
        "http://:pw@h/",
        "http://",
    ] {
        let e = cloudtower_api::CloudTower::with_config(bad, "tok").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidRequest, "{bad:?}: {e}");
        assert!(!e.is_retryable(), "{bad:?}");
        assert!(!format!("{e} {e:?}").contains("pw"), "{bad:?}: {e:?}");
        let e = tensordock_api::v2::TensorDock::with_config(bad, "tok").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidRequest, "{bad:?}: {e}");
    }
    // Surrounding spaces and a trailing slash are tolerated.
    let ct = cloudtower_api::CloudTower::with_config("  http://h/v2/api/  ", "tok").unwrap();
    assert_eq!(ct.base_url(), "http://h/v2/api");
    let config = ClientConfig::new("http://admin:s3cret@h/v2/api");
    assert!(!format!("{config:?}").contains("s3cret"), "{config:?}");
    for token in ["tok\nb", "tok\rb", "tok\u{0}"] {
        for e in [
            neolink_api::Neolink::with_config("http://h", token).unwrap_err(),
            tensordock_api::v2::TensorDock::with_config("http://h", token).unwrap_err(),
            cloudtower_api::CloudTower::with_config("http://h", token).unwrap_err(),
        ] {
            assert_eq!(e.kind(), ErrorKind::InvalidRequest, "{e}");
            assert!(!format!("{e} {e:?}").contains("tok"), "{e:?}");
        }
    }
    let nl = neolink_api::Neolink::with_config("http://h", "t").unwrap();
    assert_eq!(
        nl.with_namespace("a\nb").unwrap_err().kind(),
        ErrorKind::InvalidRequest
    );
}
