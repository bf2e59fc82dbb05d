//! Helpers shared by the CloudTower tests (`tests/cloudtower_*.rs`): the
//! ids of the spec's examples, a client of a mock server, the exact-request
//! matcher and the one-operation [`exchange`], the lossless-parse check,
//! VMs with enum values the spec does not know, and [`Tasks`], a scripted
//! `get-tasks` mock. Each test file includes it with
//! `#[path = "common/cloudtower.rs"] mod cloudtower;` next to `mod common;`.
#![allow(dead_code)] // each binary that includes it uses part of it

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cloudtower_api::types::*;
use cloudtower_api::{ClientConfig, CloudTower, Error, RetryPolicy, TaskWait};
use httpmock::{HttpMockRequest, HttpMockResponse, Method, MockServer, When};
use serde_json::{Value, json};

use crate::common::Spec;

pub const TOKEN: &str = "ct-tok-1b9f0c7e4a2d48e6b3c5d7e9f0a2b4c6";
/// The ids the spec's examples use.
pub const VM1: &str = "cl2k1yswo1ifg0822ruv6ylfp";
pub const VM2: &str = "cl2k1yswo1ifh0822fy0k38sz";
/// The running VM (`web-03`) of the stop, restart and suspend examples.
pub const VM3: &str = "cl2k1yswo1ifj0822q8v3m7ts";
/// The suspended VM (`web-04`) of the resume and power-off examples.
pub const VM4: &str = "cl2k1yswo1ifk0822d4n9w2xp";
pub const CLUSTER: &str = "cl2k0mpoy026n0822xq4ap5tz";
pub const VLAN: &str = "cl2k0mrgo02hx0822lq0ry8d4";
pub const ISO: &str = "cl2k0ms1q02jy08222d1ggxgn";

pub fn spec() -> &'static Spec {
    Spec::load("cloudtower.yaml")
}

/// The path of an operation, read from the spec document itself.
pub fn path_of(op: &str) -> String {
    spec().path_template(op)
}

pub fn config(server: &MockServer) -> ClientConfig {
    ClientConfig::new(server.base_url()).retry(RetryPolicy::never())
}

pub fn client(server: &MockServer) -> CloudTower {
    CloudTower::with_config(config(server), TOKEN).expect("client")
}

pub fn fast() -> TaskWait {
    TaskWait::new()
        .interval(Duration::from_millis(5))
        .timeout(Duration::from_secs(5))
}

/// The values of header `name`.
pub fn header(req: &HttpMockRequest, name: &str) -> Vec<String> {
    req.headers_vec()
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.clone())
        .collect()
}

/// Requires exactly: `authorization: <token>` once, raw (no `Bearer`),
/// `content-type: application/json`, `content-language` once with
/// `language` or not at all, no `api-version`, and a JSON body equal to
/// `body` (numbers compared as numbers: a `double` field the spec's
/// example writes `1` goes out as `1.0`, the same JSON number).
pub fn exact(when: When, language: Option<&str>, body: Value) -> When {
    let language: Vec<String> = language.into_iter().map(str::to_string).collect();
    when.header_missing("api-version").is_true(move |req| {
        header(req, "authorization") == [TOKEN]
            && header(req, "content-type") == ["application/json"]
            && header(req, "content-language") == language
            && serde_json::from_slice::<Value>(req.body_ref())
                .is_ok_and(|sent| same_json(&sent, &body))
    })
}

/// JSON equality with numbers compared by value (`1` and `1.0` alike),
/// and timestamps by the instant they name (a `date-time` field is sent as
/// chrono writes it: `2024-05-09T08:21:32Z` for the example's
/// `2024-05-09T08:21:32.000Z`).
pub fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::String(x), Value::String(y)) if x != y => {
            let instant = |s: &str| chrono::DateTime::parse_from_rfc3339(s).ok();
            instant(x).is_some() && instant(x) == instant(y)
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_json(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        _ => a == b,
    }
}

/// One operation's exchange: the mock requires the spec's request example
/// at the spec's path (see [`exact`]) and serves `response`; `call` sends
/// the request through the typed API.
pub async fn exchange<T>(
    op: &str,
    language: Option<&str>,
    response: &Value,
    call: impl AsyncFnOnce(CloudTower) -> Result<T, Error>,
) -> T {
    let server = MockServer::start_async().await;
    let request = spec().request_example(op);
    let mock = server.mock(|when, then| {
        exact(
            when.method(Method::POST).path(path_of(op)),
            language,
            request,
        );
        then.status(200)
            .header("content-type", "application/json")
            .json_body(response.clone());
    });
    let got = call(client(&server))
        .await
        .unwrap_or_else(|e| panic!("{op}: {e}"));
    mock.assert_async().await;
    got
}

/// `base` with the string values at these JSON pointers replaced (or
/// added).
pub fn variant(base: &Value, changes: &[(&str, &str)]) -> Value {
    let mut v = base.clone();
    for (pointer, value) in changes {
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        let object = v.pointer_mut(parent).and_then(Value::as_object_mut);
        object.expect(pointer).insert(key.to_string(), json!(value));
    }
    v
}

/// Every value served survives the typed parse: `parsed`, serialized back,
/// holds every key with an equal value (numbers compared as numbers). An
/// explicit `null` matches a left-out key: `None` is not serialized.
pub fn assert_lossless(what: &str, served: &Value, parsed: Value) {
    fn same(path: &str, want: &Value, got: &Value) {
        match (want, got) {
            (Value::Object(w), Value::Object(g)) => {
                for (k, v) in w {
                    let path = format!("{path}.{k}");
                    match g.get(k) {
                        Some(got) => same(&path, v, got),
                        None => assert!(v.is_null(), "{path} is lost by the typed parse"),
                    }
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
    same(what, served, &parsed);
}

/// A typed value serialized back to JSON.
macro_rules! to_json {
    ($value:expr) => {
        serde_json::to_value($value).unwrap()
    };
}
#[allow(unused_imports)] // not every file that includes this one uses it
pub(crate) use to_json;

/// Builds a type from its generated builder (for elements of arrays, whose
/// setters take finished values).
pub fn built<T, B>(builder: B) -> T
where
    T: TryFrom<B>,
    T::Error: std::fmt::Debug,
{
    T::try_from(builder).unwrap()
}

/// Enum values newer than the spec, at their places in a VM.
pub const VM_UNKNOWNS: &[(&str, &str)] = &[
    ("/status", "MIGRATING"),
    ("/entityAsyncStatus", "REBUILDING"),
    ("/firmware", "CSM"),
    ("/clock_offset", "TAI"),
    ("/vm_tools_status", "UPGRADING"),
    ("/guest_os_type", "FREEBSD"),
    ("/io_policy", "RESTRICT_NONE"),
    ("/max_iops_policy", "BURST"),
];

pub fn unknown<T: From<&'static str>>(value: &'static str) -> T {
    T::from(value)
}

pub fn assert_vm_unknowns(vm: &Vm) {
    assert_eq!(vm.status, VmStatus::Other("MIGRATING".into()));
    assert_eq!(vm.entity_async_status, Some(unknown("REBUILDING")));
    assert_eq!(vm.firmware, unknown("CSM"));
    assert_eq!(vm.clock_offset, unknown("TAI"));
    assert_eq!(vm.vm_tools_status, unknown("UPGRADING"));
    assert_eq!(vm.guest_os_type, Some(unknown("FREEBSD")));
    assert_eq!(vm.io_policy, Some(unknown("RESTRICT_NONE")));
    assert_eq!(vm.max_iops_policy, Some(unknown("BURST")));
    assert!(!vm.status.is_known() && vm.status.as_str() == "MIGRATING");
}

/// The spec's `WithTask_Vm_` example plus one more element: a null
/// `task_id` and a VM with enum values the spec does not know.
pub fn with_task_vms(op: &str) -> Value {
    let mut list = spec().response_example(op);
    let data = variant(&list[0]["data"], VM_UNKNOWNS);
    list.as_array_mut()
        .unwrap()
        .push(json!({"task_id": null, "data": data}));
    list
}

pub fn check_with_task_vms(op: &str, served: &Value, got: &[WithTaskVm]) {
    assert_lossless(op, served, to_json!(&got));
    let (last, examples) = got.split_last().unwrap();
    for (i, w) in examples.iter().enumerate() {
        assert_eq!(
            w.task_id.as_deref(),
            served[i]["task_id"].as_str(),
            "{op}[{i}]"
        );
        assert_eq!(w.data.id, served[i]["data"]["id"].as_str().unwrap());
        assert!(w.data.entity_async_status.as_ref().unwrap().is_known());
    }
    assert_eq!(last.task_id, None, "{op}: explicit null task_id");
    assert_vm_unknowns(&last.data);
}

/// The spec's `WithTask_DeleteVm_` example plus an element with a null
/// `task_id`.
pub fn with_task_deletes(op: &str) -> Value {
    let mut list = spec().response_example(op);
    list.as_array_mut()
        .unwrap()
        .push(json!({"task_id": null, "data": {"id": "cl2k1yswo1ifi0822abcdefgh"}}));
    list
}

pub fn check_with_task_deletes(op: &str, served: &Value, got: &[WithTaskDeleteVm]) {
    assert_lossless(op, served, to_json!(&got));
    let ids: Vec<(Option<&str>, &str)> = got
        .iter()
        .map(|w| (w.task_id.as_deref(), w.data.id.as_str()))
        .collect();
    assert_eq!(
        ids,
        [
            (Some("cl2k1ytq81igz0822z0qvq2ou"), VM1),
            (Some("cl2k1ytq81ih00822vbq6sxyz"), VM2),
            (None, "cl2k1yswo1ifi0822abcdefgh")
        ],
        "{op}"
    );
}

// ---------------------------------------------------------------- task waiting

/// A `get-tasks` mock: each task id follows its script of
/// `(status, error_message)`, one step each time it is asked for (the last
/// step repeats); ids without a script are not returned. Records the
/// `id_in` of every request.
pub struct Tasks {
    pub server: MockServer,
    requests: Arc<Mutex<Vec<Vec<String>>>>,
}

pub type Script = &'static [(&'static str, Option<&'static str>)];

impl Tasks {
    pub async fn start(scripts: &[(&str, Script)]) -> Self {
        let server = MockServer::start_async().await;
        let template = spec().response_example("GetTasks")[0].clone();
        let scripts: HashMap<String, Script> =
            scripts.iter().map(|(id, s)| (id.to_string(), *s)).collect();
        let polls = Mutex::new(HashMap::<String, usize>::new());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = requests.clone();
        server.mock(|when, then| {
            when.method(Method::POST).path("/get-tasks").is_true(|req| {
                header(req, "authorization") == [TOKEN]
                    && header(req, "content-type") == ["application/json"]
            });
            then.respond_with(move |req| {
                let body: Value = serde_json::from_slice(req.body_ref()).unwrap();
                assert_eq!(body.as_object().unwrap().len(), 1, "only `where`: {body}");
                let ids: Vec<String> = body["where"]["id_in"]
                    .as_array()
                    .expect("where.id_in")
                    .iter()
                    .map(|v| v.as_str().unwrap().to_string())
                    .collect();
                seen.lock().unwrap().push(ids.clone());
                let mut polls = polls.lock().unwrap();
                let tasks: Vec<Value> = ids
                    .iter()
                    .filter_map(|id| {
                        let script = scripts.get(id)?;
                        let n = polls.entry(id.clone()).or_default();
                        let (status, error) = script[(*n).min(script.len() - 1)];
                        *n += 1;
                        let mut task = template.clone();
                        task["id"] = json!(id);
                        task["status"] = json!(status);
                        task["error_message"] = json!(error);
                        Some(task)
                    })
                    .collect();
                HttpMockResponse::builder()
                    .status(200)
                    .header("content-type", "application/json")
                    .body(serde_json::to_string(&tasks).unwrap())
                    .build()
            });
        });
        Self { server, requests }
    }

    pub fn client(&self) -> CloudTower {
        client(&self.server)
    }

    pub fn requests(&self) -> Vec<Vec<String>> {
        self.requests.lock().unwrap().clone()
    }
}

pub const PROGRESSING: Script = &[("PENDING", None), ("EXECUTING", None), ("SUCCESSED", None)];
pub const QUICK: Script = &[("EXECUTING", None), ("SUCCESSED", None)];
pub const FAILING: Script = &[
    ("EXECUTING", None),
    ("FAILED", Some("not enough memory on host")),
];
pub const FAILS_AT_ONCE: Script = &[("FAILED", Some("VM is locked"))];
pub const FOREVER: Script = &[("PENDING", None), ("EXECUTING", None)];
