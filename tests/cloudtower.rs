//! Contract tests for `specs/cloudtower.yaml` (SmartX CloudTower): every
//! operation's exact request (path, headers, JSON body = the spec's request
//! example, built with the typed API) against an httpmock server, and the
//! typed parse of response bodies shaped like the official document's,
//! with explicit `null`s and enum values the spec does not know. Then
//! login, `content-language`, errors, task waiting, paging, the `Compute`
//! facade and redaction.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cloudtower_api::mock::MockServerExt;
use cloudtower_api::types::{self, *};
use cloudtower_api::{
    ClientConfig, CloudTower, ContentLanguage, Error, ErrorKind, FromTemplate, RetryPolicy,
    TaskReport, TaskWait, UserSource,
};
use common::Spec;
use futures::{StreamExt, TryStreamExt};
use httpmock::{HttpMockRequest, HttpMockResponse, Method, MockServer, When};
use serde_json::{Value, json};

const TOKEN: &str = "ct-tok-1b9f0c7e4a2d48e6b3c5d7e9f0a2b4c6";
/// The ids the spec's examples use.
const VM1: &str = "cl2k1yswo1ifg0822ruv6ylfp";
const VM2: &str = "cl2k1yswo1ifh0822fy0k38sz";
const CLUSTER: &str = "cl2k0mpoy026n0822xq4ap5tz";
const VLAN: &str = "cl2k0mrgo02hx0822lq0ry8d4";
const ISO: &str = "cl2k0ms1q02jy08222d1ggxgn";

fn spec() -> Spec {
    Spec::load("cloudtower.yaml")
}

/// The path of an operation, read from the spec document itself.
fn path_of(op: &str) -> String {
    spec().path_template(op)
}

fn config(server: &MockServer) -> ClientConfig {
    ClientConfig::new(server.base_url()).retry(RetryPolicy::never())
}

fn client(server: &MockServer) -> CloudTower {
    CloudTower::with_config(config(server), TOKEN).expect("client")
}

fn fast() -> TaskWait {
    TaskWait::new()
        .interval(Duration::from_millis(5))
        .timeout(Duration::from_secs(5))
}

/// The values of header `name`.
fn header(req: &HttpMockRequest, name: &str) -> Vec<String> {
    req.headers_vec()
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.clone())
        .collect()
}

/// Requires exactly: `authorization: <token>` once, raw (no `Bearer`),
/// `content-type: application/json`, `content-language` once with
/// `language` or not at all, no `api-version`, and a JSON body equal to
/// `body`.
fn exact(when: When, language: Option<&str>, body: Value) -> When {
    let language: Vec<String> = language.into_iter().map(str::to_string).collect();
    when.header_missing("api-version")
        .json_body(body)
        .is_true(move |req| {
            header(req, "authorization") == [TOKEN]
                && header(req, "content-type") == ["application/json"]
                && header(req, "content-language") == language
        })
}

/// One operation's exchange: the mock requires the spec's request example
/// at the spec's path (see [`exact`]) and serves `response`; `call` sends
/// the request through the typed API.
async fn exchange<T>(
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
fn variant(base: &Value, changes: &[(&str, &str)]) -> Value {
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
fn assert_lossless(what: &str, served: &Value, parsed: Value) {
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

/// Builds a type from its generated builder (for elements of arrays, whose
/// setters take finished values).
fn built<T, B>(builder: B) -> T
where
    T: TryFrom<B>,
    T::Error: std::fmt::Debug,
{
    T::try_from(builder).unwrap()
}

/// Enum values newer than the spec, at their places in a VM.
const VM_UNKNOWNS: &[(&str, &str)] = &[
    ("/status", "MIGRATING"),
    ("/entityAsyncStatus", "REBUILDING"),
    ("/firmware", "CSM"),
    ("/clock_offset", "TAI"),
    ("/vm_tools_status", "UPGRADING"),
    ("/guest_os_type", "FREEBSD"),
    ("/io_policy", "RESTRICT_NONE"),
    ("/max_iops_policy", "BURST"),
];

fn unknown<T: From<&'static str>>(value: &'static str) -> T {
    T::from(value)
}

fn assert_vm_unknowns(vm: &Vm) {
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
fn with_task_vms(op: &str) -> Value {
    let mut list = spec().response_example(op);
    let data = variant(&list[0]["data"], VM_UNKNOWNS);
    list.as_array_mut()
        .unwrap()
        .push(json!({"task_id": null, "data": data}));
    list
}

fn check_with_task_vms(op: &str, served: &Value, got: &[WithTaskVm]) {
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
fn with_task_deletes(op: &str) -> Value {
    let mut list = spec().response_example(op);
    list.as_array_mut()
        .unwrap()
        .push(json!({"task_id": null, "data": {"id": "cl2k1yswo1ifi0822abcdefgh"}}));
    list
}

fn check_with_task_deletes(op: &str, served: &Value, got: &[WithTaskDeleteVm]) {
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

#[test]
fn every_operation_has_a_contract_test() {
    let spec = spec();
    common::assert_every_operation_tested(&spec, include_str!("cloudtower.rs"));
}

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

#[tokio::test]
async fn login_takes_a_plain_base_url_and_leaves_out_a_missing_source() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let mock = server.mock(|when, then| {
        when.method(Method::POST)
            .path("/login")
            .header_missing("authorization")
            .json_body(json!({"username": "ldap-user", "password": "pw"}));
        then.status(200).json_body(spec.response_example("Login"));
    });
    CloudTower::login(server.base_url(), "ldap-user", "pw", None)
        .await
        .expect("logged in");
    mock.assert_async().await;
}

#[tokio::test]
async fn login_with_sends_the_whole_login_input() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let mock = server.mock(|when, then| {
        when.method(Method::POST).path("/login").json_body(json!({
            "username": "alice", "password": "pw", "source": "AUTHN",
            "auth_config_id": "cl2k0authn0000000000000001"
        }));
        then.status(200).json_body(spec.response_example("Login"));
    });
    let input = LoginInput::builder()
        .username("alice")
        .password(cloudtower_api::Secret::new("pw"))
        .source(UserSource::Authn)
        .auth_config_id("cl2k0authn0000000000000001".to_string());
    CloudTower::login_with(config(&server), input)
        .await
        .expect("logged in");
    mock.assert_async().await;
}

#[tokio::test]
async fn a_refused_login_is_an_api_error_with_the_server_message() {
    let server = MockServer::start_async().await;
    server.mock(|when, then| {
        when.path("/login");
        then.status(400).json_body(json!({
            "path": "/login", "status": 400, "message": "username or password is wrong"
        }));
    });
    let err = CloudTower::login(config(&server), "admin", "wrong", UserSource::Local)
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind(), err.status(), err.operation()),
        (ErrorKind::Api, Some(400), "Login")
    );
    assert_eq!(err.message(), "username or password is wrong");
}

// ---------------------------------------------------------------- VM reads

#[tokio::test]
async fn contract_get_vms() {
    let example = spec().response_example("GetVms");
    let served = json!([example[0], variant(&example[0], VM_UNKNOWNS)]);
    let body = GetVmsRequestBody::builder()
        .where_(built::<VmWhereInput, _>(
            VmWhereInput::builder()
                .and(vec![
                    built(VmWhereInput::builder().status(VmStatus::Running)),
                    built(VmWhereInput::builder().vcpu_gt(2)),
                ])
                .cluster(ClusterWhereInput::by_id(CLUSTER))
                .name_contains("web".to_string()),
        ))
        .order_by(VmOrderByInput::NameAsc)
        .first(50)
        .skip(0);
    // The client's default language goes on every request.
    let vms = exchange("GetVms", Some("en-US"), &served, async |ct| {
        ct.with_language(ContentLanguage::EnUs)
            .unwrap()
            .get_vms(body)
            .await
    })
    .await;
    assert_lossless("GetVms", &served, to_json!(&vms));
    let vm = &vms[0];
    assert_eq!((vm.id.as_str(), vm.name.as_str()), (VM1, "web-01"));
    assert_eq!(vm.status, VmStatus::Running);
    assert_eq!(vm.cluster.as_ref().unwrap().name, "cluster-prod-01");
    assert_eq!(vm.host.as_ref().unwrap().management_ip, "192.168.13.41");
    assert_eq!((vm.cpu.cores, vm.cpu.sockets, vm.vcpu), (2, 2, 4));
    assert_eq!((vm.memory, vm.size), (8 << 30, Some(40 << 30)));
    assert_eq!(
        (vm.cpu_usage, vm.vm_tools_status.clone()),
        (Some(12.5), VmToolsStatus::Running)
    );
    // Explicit nulls read as None.
    assert_eq!(vm.entity_async_status, None);
    assert_eq!((vm.folder.as_ref(), vm.max_iops), (None, None));
    assert_eq!(
        (vm.max_bandwidth, vm.last_shutdown_time.as_ref()),
        (None, None)
    );
    let disks: Vec<&str> = vm
        .vm_disks
        .iter()
        .flatten()
        .map(|d| d.id.as_str())
        .collect();
    assert_eq!(
        disks,
        ["cl2k1ysx61ifk0822v9tw5n4d", "cl2k1ysx61ifl0822i1bhs6bn"]
    );
    assert_vm_unknowns(&vms[1]);
    // Unknown values serialize back unchanged.
    assert_eq!(to_json!(&vms[1])["status"], "MIGRATING");
}

#[tokio::test]
async fn contract_get_vms_connection() {
    let served = spec().response_example("GetVmsConnection");
    let body: VmWhereInput = built(VmWhereInput::builder().status(VmStatus::Running));
    let got = exchange("GetVmsConnection", None, &served, async |ct| {
        ct.get_vms_connection(body).await
    })
    .await;
    assert_eq!(got.aggregate.count, 37);
    assert_lossless("GetVmsConnection", &served, to_json!(&got));
}

// ---------------------------------------------------------------- VM creation

#[tokio::test]
async fn contract_create_vm() {
    let served = with_task_vms("CreateVm");
    let vm = VmCreationParams::builder()
        .cluster_id(CLUSTER)
        .name("web-01")
        .ha(true)
        .cpu_cores(2)
        .cpu_sockets(2)
        .vcpu(4)
        .memory(8i64 << 30)
        .status(VmStatus::Stopped)
        .firmware(VmFirmware::Bios)
        .vm_nics(vec![built(
            VmNicParams::builder()
                .connect_vlan_id(VLAN.to_string())
                .model(VmNicModel::Virtio)
                .mirror(false),
        )])
        .vm_disks(
            VmDiskParams::builder()
                .mount_cd_roms(vec![built(
                    VmCdRomParams::builder()
                        .boot(1)
                        .index(1)
                        .elf_image_id(ISO.to_string()),
                )])
                .mount_new_create_disks(vec![built(
                    MountNewCreateDisksParams::builder()
                        .boot(0)
                        .bus(Bus::Virtio)
                        .index(0)
                        .vm_volume(
                            MountNewCreateDisksParamsVmVolume::builder()
                                .name("web-01-disk-0")
                                .size(40i64 << 30)
                                .elf_storage_policy(
                                    VmVolumeElfStoragePolicyType::Replica2ThinProvision,
                                ),
                        ),
                )]),
        );
    let got = exchange("CreateVm", None, &served, async |ct| {
        ct.create_vm([vm]).await
    })
    .await;
    check_with_task_vms("CreateVm", &served, &got);
    assert_eq!(
        got[0].data.entity_async_status,
        Some(EntityAsyncStatus::Creating)
    );
    assert_eq!(got[0].data.host, None, "explicit null");
}

#[tokio::test]
async fn an_incomplete_create_request_is_a_typed_error_and_sends_nothing() {
    let server = MockServer::start_async().await;
    let mock = server.mock(|_, then| {
        then.status(200).json_body(json!([]));
    });
    let incomplete = VmCreationParams::builder().name("web-01");
    let err = client(&server).create_vm([incomplete]).await.unwrap_err();
    assert_eq!(
        (err.kind(), err.operation()),
        (ErrorKind::InvalidRequest, "CreateVm")
    );
    assert!(
        err.message().starts_with("element 0 of the body"),
        "{}",
        err.message()
    );
    let err = client(&server)
        .update_vm(VmUpdateParams::builder().data(VmUpdateParamsData::default()))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    assert_eq!(mock.calls_async().await, 0);
}

#[tokio::test]
async fn contract_create_vm_from_template() {
    let served = with_task_vms("CreateVmFromTemplate");
    let vm = VmCreateVmFromTemplateParams::builder()
        .template_id("cl2k0mt4x02nm0822h8t1o6u4")
        .cluster_id(CLUSTER.to_string())
        .name("web-02")
        .is_full_copy(false)
        .vm_nics(vec![built(
            VmNicParams::builder()
                .connect_vlan_id(VLAN.to_string())
                .enabled(true)
                .model(VmNicModel::E1000),
        )])
        .cloud_init(built::<TemplateCloudInit, _>(
            TemplateCloudInit::builder()
                .hostname("web-02".to_string())
                .public_keys(vec!["ssh-ed25519 AAAAC3Nza... ops".to_string()])
                .nameservers(vec!["192.168.1.1".to_string()])
                .networks(vec![built(
                    CloudInitNetWork::builder()
                        .nic_index(0)
                        .type_(CloudInitNetworkTypeEnum::Ipv4)
                        .ip_address("192.168.20.32".to_string())
                        .netmask("255.255.255.0".to_string())
                        .routes(vec![built(
                            CloudInitNetWorkRoute::builder()
                                .network("0.0.0.0")
                                .netmask("0.0.0.0")
                                .gateway("192.168.20.1"),
                        )]),
                )]),
        ));
    let got = exchange("CreateVmFromTemplate", None, &served, async |ct| {
        ct.create_vm_from_template([vm]).await
    })
    .await;
    check_with_task_vms("CreateVmFromTemplate", &served, &got);
    assert_eq!(got[0].data.name, "web-02");
}

// ---------------------------------------------------------------- VM edits

#[tokio::test]
async fn contract_update_vm() {
    let served = with_task_vms("UpdateVm");
    let params = VmUpdateParams::builder()
        .where_(VmWhereInput::by_id(VM1))
        .data(
            VmUpdateParamsData::builder()
                .name("web-01-renamed".to_string())
                .description("frontend, renamed".to_string())
                .ha(false)
                .vcpu(4)
                .cpu_cores(2)
                .cpu_sockets(2)
                .memory(1i64 << 30),
        );
    let got = exchange("UpdateVm", None, &served, async |ct| {
        ct.update_vm(params).await
    })
    .await;
    check_with_task_vms("UpdateVm", &served, &got);
}

#[tokio::test]
async fn contract_add_vm_cd_rom() {
    let served = with_task_vms("AddVmCdRom");
    let params = VmAddCdRomParams::builder()
        .where_(VmWhereInput::by_id(VM1))
        .data(VmAddCdRomParamsData::builder().vm_cd_roms(vec![built(
            VmCdRomParams::builder()
                .boot(0)
                .index(0)
                .elf_image_id(ISO.to_string()),
        )]));
    let got = exchange("AddVmCdRom", None, &served, async |ct| {
        ct.add_vm_cd_rom(params).await
    })
    .await;
    check_with_task_vms("AddVmCdRom", &served, &got);
}

#[tokio::test]
async fn contract_remove_vm_cd_rom() {
    let served = with_task_vms("RemoveVmCdRom");
    let params = VmRemoveCdRomParams::builder()
        .where_(VmWhereInput::by_id(VM1))
        .data(
            VmRemoveCdRomParamsData::builder()
                .cd_rom_ids(vec!["cl2k1ysx61ifl0822i1bhs6bn".to_string()]),
        );
    let got = exchange("RemoveVmCdRom", None, &served, async |ct| {
        ct.remove_vm_cd_rom(params).await
    })
    .await;
    check_with_task_vms("RemoveVmCdRom", &served, &got);
}

#[tokio::test]
async fn contract_add_vm_disk() {
    let served = with_task_vms("AddVmDisk");
    let disks = VmAddDiskParamsDataVmDisks::builder()
        .mount_new_create_disks(vec![built(
            MountNewCreateDisksParams::builder()
                .boot(1)
                .bus(Bus::Virtio)
                .vm_volume(
                    MountNewCreateDisksParamsVmVolume::builder()
                        .name("web-01-data")
                        .size(5i64 << 30)
                        .elf_storage_policy(VmVolumeElfStoragePolicyType::Replica2ThinProvision),
                ),
        )])
        .mount_disks(vec![built(
            MountDisksParams::builder()
                .boot(2)
                .bus(Bus::Virtio)
                .index(2)
                .vm_volume_id("cl2k1z0ab1iko0822q3w8mq1d"),
        )]);
    let params = VmAddDiskParams::builder()
        .where_(VmWhereInput::by_id(VM1))
        .data(VmAddDiskParamsData::builder().vm_disks(disks));
    let got = exchange("AddVmDisk", None, &served, async |ct| {
        ct.add_vm_disk(params).await
    })
    .await;
    check_with_task_vms("AddVmDisk", &served, &got);
}

#[tokio::test]
async fn contract_remove_vm_disk() {
    let served = with_task_vms("RemoveVmDisk");
    let params = VmRemoveDiskParams::builder()
        .where_(VmWhereInput::by_id(VM1))
        .data(
            VmRemoveDiskParamsData::builder()
                .disk_ids(vec!["cl2k1ysx61ifk0822v9tw5n4d".to_string()]),
        );
    let got = exchange("RemoveVmDisk", None, &served, async |ct| {
        ct.remove_vm_disk(params).await
    })
    .await;
    check_with_task_vms("RemoveVmDisk", &served, &got);
}

#[tokio::test]
async fn contract_add_vm_nic() {
    let served = with_task_vms("AddVmNic");
    let nic = |vlan: &str, enabled: bool, mirror: Option<bool>| {
        built(
            VmNicParams::builder()
                .connect_vlan_id(vlan.to_string())
                .enabled(enabled)
                .mirror(mirror)
                .model(VmNicModel::Virtio),
        )
    };
    let params = VmAddNicParams::builder()
        .where_(VmWhereInput::by_id(VM1))
        .data(VmAddNicParamsData::builder().vm_nics(vec![
            nic(VLAN, false, None),
            nic("cl2k0mrhb02i10822d0q9w5ue", true, Some(true)),
        ]));
    let got = exchange("AddVmNic", None, &served, async |ct| {
        ct.add_vm_nic(params).await
    })
    .await;
    check_with_task_vms("AddVmNic", &served, &got);
}

#[tokio::test]
async fn contract_update_vm_nic() {
    let served = with_task_vms("UpdateVmNic");
    let params = VmUpdateNicParams::builder()
        .where_(VmWhereInput::by_id(VM1))
        .data(
            VmUpdateNicParamsData::builder()
                .nic_index(0)
                .enabled(false)
                .mirror(false)
                .connect_vlan_id(VLAN.to_string()),
        );
    let got = exchange("UpdateVmNic", None, &served, async |ct| {
        ct.update_vm_nic(params).await
    })
    .await;
    check_with_task_vms("UpdateVmNic", &served, &got);
}

#[tokio::test]
async fn contract_remove_vm_nic() {
    let served = with_task_vms("RemoveVmNic");
    let params = VmRemoveNicParams::builder()
        .where_(VmWhereInput::by_id(VM1))
        .data(VmRemoveNicParamsData::builder().nic_index(vec![0, 1]));
    let got = exchange("RemoveVmNic", None, &served, async |ct| {
        ct.remove_vm_nic(params).await
    })
    .await;
    check_with_task_vms("RemoveVmNic", &served, &got);
}

#[tokio::test]
async fn contract_migrate_vm() {
    let served = with_task_vms("MigrateVm");
    let params = VmMigrateParams::builder()
        .where_(VmWhereInput::by_id(VM1))
        .data(built::<VmMigrateParamsData, _>(
            VmMigrateParamsData::builder().host_id("cl2k0mq4i02920822r1m5d5jc"),
        ));
    let got = exchange("MigrateVm", None, &served, async |ct| {
        ct.migrate_vm(params).await
    })
    .await;
    check_with_task_vms("MigrateVm", &served, &got);
}

#[tokio::test]
async fn migrating_or_starting_without_a_host_sends_only_where() {
    let server = MockServer::start_async().await;
    let body = json!({"where": {"id": VM1}});
    let migrate = server.mock(|when, then| {
        exact(when.path("/migrate-vm"), None, body.clone());
        then.status(200).json_body(json!([]));
    });
    let start = server.mock(|when, then| {
        exact(when.path("/start-vm"), None, body.clone());
        then.status(200).json_body(json!([]));
    });
    let ct = client(&server);
    ct.migrate_vm(VmWhereInput::by_id(VM1)).await.unwrap();
    ct.start_vm(VmWhereInput::by_id(VM1)).await.unwrap();
    migrate.assert_async().await;
    start.assert_async().await;
}

// ---------------------------------------------------------------- VM power

#[tokio::test]
async fn contract_start_vm() {
    let served = with_task_vms("StartVm");
    let got = exchange("StartVm", None, &served, async |ct| {
        ct.start_vm(VmWhereInput::by_ids([VM1, VM2])).await
    })
    .await;
    check_with_task_vms("StartVm", &served, &got);
    assert_eq!(got.len(), 3);
}

#[tokio::test]
async fn contract_shut_down_vm() {
    let served = with_task_vms("ShutDownVm");
    let got = exchange("ShutDownVm", None, &served, async |ct| {
        ct.shut_down_vm(VmWhereInput::by_id(VM1)).await
    })
    .await;
    check_with_task_vms("ShutDownVm", &served, &got);
}

#[tokio::test]
async fn contract_poweroff_vm() {
    let served = with_task_vms("PoweroffVm");
    let got = exchange("PoweroffVm", None, &served, async |ct| {
        ct.poweroff_vm(VmWhereInput::by_ids([VM1, VM2])).await
    })
    .await;
    check_with_task_vms("PoweroffVm", &served, &got);
}

#[tokio::test]
async fn contract_restart_vm() {
    let served = with_task_vms("RestartVm");
    let got = exchange("RestartVm", None, &served, async |ct| {
        ct.restart_vm(VmWhereInput::by_ids([VM1, VM2])).await
    })
    .await;
    check_with_task_vms("RestartVm", &served, &got);
}

#[tokio::test]
async fn contract_force_restart_vm() {
    let served = with_task_vms("ForceRestartVm");
    let got = exchange("ForceRestartVm", None, &served, async |ct| {
        ct.force_restart_vm(VmWhereInput::by_id(VM1)).await
    })
    .await;
    check_with_task_vms("ForceRestartVm", &served, &got);
}

#[tokio::test]
async fn contract_suspend_vm() {
    let served = with_task_vms("SuspendVm");
    let got = exchange("SuspendVm", None, &served, async |ct| {
        ct.suspend_vm(VmWhereInput::by_ids([VM1, VM2])).await
    })
    .await;
    check_with_task_vms("SuspendVm", &served, &got);
}

#[tokio::test]
async fn contract_resume_vm() {
    let served = with_task_vms("ResumeVm");
    let got = exchange("ResumeVm", None, &served, async |ct| {
        ct.resume_vm(VmWhereInput::by_ids([VM1, VM2])).await
    })
    .await;
    check_with_task_vms("ResumeVm", &served, &got);
}

// ---------------------------------------------------------------- recycle bin and delete

#[tokio::test]
async fn contract_move_vm_to_recycle_bin() {
    let served = with_task_deletes("MoveVmToRecycleBin");
    let got = exchange("MoveVmToRecycleBin", None, &served, async |ct| {
        ct.move_vm_to_recycle_bin(VmWhereInput::by_ids([VM1, VM2]))
            .await
    })
    .await;
    check_with_task_deletes("MoveVmToRecycleBin", &served, &got);
}

#[tokio::test]
async fn contract_recover_vm_from_recycle_bin() {
    let served = with_task_deletes("RecoverVmFromRecycleBin");
    let got = exchange("RecoverVmFromRecycleBin", None, &served, async |ct| {
        ct.recover_vm_from_recycle_bin(VmWhereInput::by_ids([VM1, VM2]))
            .await
    })
    .await;
    check_with_task_deletes("RecoverVmFromRecycleBin", &served, &got);
}

#[tokio::test]
async fn contract_delete_vm() {
    let served = with_task_deletes("DeleteVm");
    let params = VmDeleteParams::builder()
        .where_(VmWhereInput::by_ids([VM1, VM2]))
        .effect(built::<VmDeleteParamsEffect, _>(
            VmDeleteParamsEffect::builder().include_snapshots(true),
        ));
    let got = exchange("DeleteVm", None, &served, async |ct| {
        ct.delete_vm(params).await
    })
    .await;
    check_with_task_deletes("DeleteVm", &served, &got);
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

// ---------------------------------------------------------------- snapshots

#[tokio::test]
async fn contract_create_vm_snapshot() {
    let example = spec().response_example("CreateVmSnapshot");
    let newer = variant(
        &example[0]["data"],
        &[("/consistent_type", "APPLICATION_CONSISTENT")],
    );
    let served = json!([example[0], {"task_id": null, "data": newer}]);
    let body = VmSnapshotCreationParams::builder().data(vec![built(
        VmSnapshotCreationParamsData::builder()
            .vm_id(VM1)
            .name("web-01-before-upgrade")
            .consistent_type(ConsistentType::CrashConsistent),
    )]);
    let got = exchange("CreateVmSnapshot", None, &served, async |ct| {
        ct.create_vm_snapshot(body).await
    })
    .await;
    assert_lossless("CreateVmSnapshot", &served, to_json!(&got));
    assert_eq!(got[0].task_id.as_deref(), Some("cl2k1ytq81igz0822z0qvq2ou"));
    let snapshot = &got[0].data;
    assert_eq!(snapshot.id, "cl2k3bpsk3f7d08221p2dwc5c");
    assert_eq!(
        (
            snapshot.vm_disks.as_ref(),
            snapshot.local_created_at.as_ref()
        ),
        (None, None)
    );
    assert!(snapshot.lun_snapshot_names().is_empty());
    assert_eq!(got[1].task_id, None);
    assert_eq!(
        got[1].data.consistent_type,
        ConsistentType::Other("APPLICATION_CONSISTENT".into())
    );
}

#[tokio::test]
async fn contract_get_vm_snapshots() {
    let mut served = spec().response_example("GetVmSnapshots");
    let nvram = variant(
        &served[0]["vm_disks"][1],
        &[("/type", "NVRAM"), ("/bus", "SATA")],
    );
    served[0]["vm_disks"].as_array_mut().unwrap().push(nvram);
    let got = exchange("GetVmSnapshots", None, &served, async |ct| {
        ct.get_vm_snapshots(VmSnapshotWhereInput::by_id("cl2k3bpsk3f7d08221p2dwc5c"))
            .await
    })
    .await;
    assert_lossless("GetVmSnapshots", &served, to_json!(&got));
    let snapshot = &got[0];
    assert_eq!(snapshot.vm.as_ref().unwrap().id, VM1);
    let disks = snapshot.vm_disks.as_ref().unwrap();
    assert_eq!(
        (disks[0].type_.clone(), disks[1].type_.clone()),
        (VmDiskType::Disk, VmDiskType::CdRom)
    );
    assert_eq!(
        (disks[1].key, disks[1].snapshot_local_id.as_ref()),
        (None, None)
    );
    assert_eq!(disks[2].type_, VmDiskType::Other("NVRAM".into()));
    assert_eq!(disks[2].bus, Bus::Other("SATA".into()));
    // Only the DISK names a LUN snapshot.
    assert_eq!(
        snapshot.lun_snapshot_names(),
        ["3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f"]
    );
}

#[tokio::test]
async fn contract_get_iscsi_lun_snapshots() {
    let example = spec().response_example("GetIscsiLunSnapshots");
    let mut detached = variant(
        &example[0],
        &[
            ("/id", "cl2k3bq0d3f8a0822detached1"),
            ("/entityAsyncStatus", "ROLLING_BACK"),
        ],
    );
    detached["iscsi_lun"] = Value::Null;
    let served = json!([example[0], detached]);
    let names = vec!["3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f".to_string()];
    let got = exchange("GetIscsiLunSnapshots", None, &served, async |ct| {
        ct.get_iscsi_lun_snapshots(IscsiLunSnapshotWhereInput::by_names(names))
            .await
    })
    .await;
    assert_lossless("GetIscsiLunSnapshots", &served, to_json!(&got));
    assert_eq!(got[0].iscsi_lun.as_ref().unwrap().name, "web-01-disk-0");
    assert_eq!(got[0].unique_size, 0);
    assert_eq!(got[1].iscsi_lun, None);
    assert_eq!(
        got[1].entity_async_status,
        Some(EntityAsyncStatus::Other("ROLLING_BACK".into()))
    );
}

#[tokio::test]
async fn json_bodies_are_checked_against_the_typed_body_then_sent() {
    let served = with_task_vms("CreateVm");
    let example = spec().request_example("CreateVm");
    let elements = example.as_array().unwrap().clone();
    let got = exchange("CreateVm", None, &served, async |ct| {
        ct.create_vm(elements).await
    })
    .await;
    check_with_task_vms("CreateVm", &served, &got);
    let got = exchange(
        "GetVms",
        None,
        &spec().response_example("GetVms"),
        async |ct| ct.get_vms(spec().request_example("GetVms")).await,
    )
    .await;
    assert_eq!(got[0].id, VM1);
    // A misspelled filter is caught before anything is sent.
    let server = MockServer::start_async().await;
    let mock = server.mock(|_, then| {
        then.status(200).json_body(json!([]));
    });
    let err = client(&server)
        .get_vms(json!({"where": {"name_contain": "web"}}))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    assert!(err.message().contains("name_contain"), "{}", err.message());
    assert_eq!(mock.calls_async().await, 0);
}

// ---------------------------------------------------------------- headers and tolerance

#[tokio::test]
async fn the_language_is_a_client_default_with_a_per_request_override() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let alerts = spec.response_example("GetAlerts");
    let english = server.get_alerts(|when, then| {
        when.content_language(&ContentLanguage::EnUs);
        then.ok(&serde_json::from_value(alerts.clone()).unwrap());
    });
    let chinese = server.get_alerts(|when, then| {
        when.content_language(&ContentLanguage::ZhCn);
        then.ok(&serde_json::from_value(alerts.clone()).unwrap());
    });
    let none = server.get_alerts(|when, then| {
        when.content_language(None);
        then.ok(&vec![]);
    });
    let ct = client(&server)
        .with_language(ContentLanguage::EnUs)
        .unwrap();
    ct.get_alerts(GetAlertsRequestBody::default())
        .await
        .unwrap();
    ct.with_language(ContentLanguage::ZhCn)
        .unwrap()
        .get_alerts(GetAlertsRequestBody::default())
        .await
        .unwrap();
    // The override did not change the client.
    ct.get_alerts(AlertWhereInput::by_id("a")).await.unwrap();
    ct.with_language(None)
        .unwrap()
        .get_alerts(GetAlertsRequestBody::default())
        .await
        .unwrap();
    assert_eq!(english.calls_async().await, 2);
    assert_eq!(chinese.calls_async().await, 1);
    assert_eq!(none.calls_async().await, 1);
}

#[tokio::test]
async fn reads_send_at_least_an_empty_object() {
    let server = MockServer::start_async().await;
    let mock = server.mock(|when, then| {
        exact(when.path("/get-clusters"), None, json!({}));
        then.status(200).json_body(json!([]));
    });
    let clusters = client(&server)
        .get_clusters(GetClustersRequestBody::default())
        .await
        .unwrap();
    assert!(clusters.is_empty());
    mock.assert_async().await;
}

#[tokio::test]
async fn fields_the_spec_leaves_out_are_ignored() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let mut vm = spec.response_example("GetVms")[0].clone();
    vm["gpu_devices"] = json!([{"id": "gpu-1", "name": "A100"}]);
    vm["kernel_info"] = json!("5.10.0");
    vm["snapshot_plan"] = Value::Null;
    server.mock(|when, then| {
        when.path("/get-vms");
        then.status(200).json_body(json!([vm]));
    });
    let vms = client(&server)
        .get_vms(GetVmsRequestBody::default())
        .await
        .unwrap();
    assert_eq!(vms[0].id, VM1);
}

// ---------------------------------------------------------------- errors and retries

#[tokio::test]
async fn error_bodies_become_typed_errors_with_message_and_code() {
    let spec = spec();
    let locked = spec.operation("RemoveVmDisk")["responses"]["400"].clone();
    assert!(locked.get("$ref").is_some());
    let body = json!({
        "path": "/remove-vm-disk", "status": 400,
        "message": "Resource [VM-cl2k1yswo1ifg0822ruv6ylfp] locked",
        "props": {"locked_resources": [{"id": VM1, "type": "VM"}]},
        "code": "ResourceLocked"
    });
    let cases = [
        (
            400,
            body.clone(),
            "Resource [VM-cl2k1yswo1ifg0822ruv6ylfp] locked (ResourceLocked)",
        ),
        (
            404,
            json!({"path": "/get-vms", "status": 404, "message": "not found", "code": "NotFound"}),
            "not found (NotFound)",
        ),
        (
            500,
            json!({"path": "/get-vms", "status": 500, "message": "internal", "stack": "Error: at ..."}),
            "internal",
        ),
    ];
    for (status, body, message) in cases {
        let server = MockServer::start_async().await;
        server.mock(|when, then| {
            when.path("/remove-vm-disk");
            then.status(status)
                .header("x-tower-request-id", "req-42")
                .json_body(body);
        });
        let params = VmRemoveDiskParams::builder()
            .where_(VmWhereInput::by_id(VM1))
            .data(VmRemoveDiskParamsData::builder().disk_ids(vec!["d".to_string()]));
        let err = client(&server).remove_vm_disk(params).await.unwrap_err();
        assert_eq!(
            (err.kind(), err.status(), err.operation()),
            (ErrorKind::Api, Some(status), "RemoveVmDisk")
        );
        assert_eq!(err.message(), message);
        assert_eq!(err.request_id(), Some("req-42"));
        assert_eq!(err.provider(), "cloudtower");
    }
}

#[tokio::test]
async fn an_error_page_that_is_not_json_keeps_status_and_body() {
    let server = MockServer::start_async().await;
    server.mock(|_, then| {
        then.status(502)
            .header("content-type", "text/html")
            .body("<html>502 Bad Gateway</html>");
    });
    let err = client(&server)
        .get_vms(GetVmsRequestBody::default())
        .await
        .unwrap_err();
    assert_eq!((err.kind(), err.status()), (ErrorKind::Api, Some(502)));
    assert_eq!(err.body(), Some("<html>502 Bad Gateway</html>"));
}

#[tokio::test]
async fn reads_are_retried_and_mutations_are_not() {
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
    let ct =
        CloudTower::with_config(ClientConfig::new(server.base_url()).retry(retry), TOKEN).unwrap();
    ct.get_vms(GetVmsRequestBody::default()).await.unwrap_err();
    assert_eq!(mock.calls_async().await, 3, "GetVms is safe to retry");
    ct.start_vm(VmWhereInput::by_id(VM1)).await.unwrap_err();
    assert_eq!(mock.calls_async().await, 4, "StartVm is never retried");
}

// ---------------------------------------------------------------- task waiting

/// A `get-tasks` mock: each task id follows its script of
/// `(status, error_message)`, one step each time it is asked for (the last
/// step repeats); ids without a script are not returned. Records the
/// `id_in` of every request.
struct Tasks {
    server: MockServer,
    requests: Arc<Mutex<Vec<Vec<String>>>>,
}

type Script = &'static [(&'static str, Option<&'static str>)];

impl Tasks {
    async fn start(scripts: &[(&str, Script)]) -> Self {
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

    fn client(&self) -> CloudTower {
        client(&self.server)
    }

    fn requests(&self) -> Vec<Vec<String>> {
        self.requests.lock().unwrap().clone()
    }
}

const PROGRESSING: Script = &[("PENDING", None), ("EXECUTING", None), ("SUCCESSED", None)];
const QUICK: Script = &[("EXECUTING", None), ("SUCCESSED", None)];
const FAILING: Script = &[
    ("EXECUTING", None),
    ("FAILED", Some("not enough memory on host")),
];
const FAILS_AT_ONCE: Script = &[("FAILED", Some("VM is locked"))];
const FOREVER: Script = &[("PENDING", None), ("EXECUTING", None)];

#[tokio::test]
async fn waiting_follows_tasks_to_success_with_one_request_per_round() {
    let tasks = Tasks::start(&[("t1", PROGRESSING), ("t2", QUICK)]).await;
    let ids = vec!["t1".to_string(), "t2".to_string()];
    let done = tasks.client().wait_tasks(&ids, &fast()).await.unwrap();
    let got: Vec<(&str, TaskStatus)> = done
        .iter()
        .map(|t| (t.id.as_str(), t.status.clone()))
        .collect();
    assert_eq!(
        got,
        [("t1", TaskStatus::Successed), ("t2", TaskStatus::Successed)]
    );
    // Round 1 asks for both, round 2 too (t2 succeeds), round 3 only t1.
    assert_eq!(
        tasks.requests(),
        [vec!["t1", "t2"], vec!["t1", "t2"], vec!["t1"]]
    );
}

#[tokio::test]
async fn a_failed_task_fails_the_wait_after_all_finished_with_every_result() {
    let tasks = Tasks::start(&[("ok", PROGRESSING), ("bad", FAILING)]).await;
    let err = tasks
        .client()
        .wait_tasks(["ok", "bad"], &fast())
        .await
        .unwrap_err();
    assert_eq!((err.kind(), err.operation()), (ErrorKind::Api, "waitTasks"));
    assert_eq!(
        err.message(),
        "1 of 2 task(s) failed: bad: not enough memory on host"
    );
    let report = TaskReport::of(&err).expect("a report");
    let finished: Vec<(&str, &TaskStatus)> = report
        .finished()
        .iter()
        .map(|t| (t.id.as_str(), &t.status))
        .collect();
    assert_eq!(
        finished,
        [("ok", &TaskStatus::Successed), ("bad", &TaskStatus::Failed)]
    );
    assert_eq!(
        report.failed().next().unwrap().error_message.as_deref(),
        Some("not enough memory on host")
    );
    assert!(report.unfinished().is_empty());
    // It waited for `ok` (3 rounds) although `bad` failed in round 2.
    assert_eq!(tasks.requests().len(), 3);
}

#[tokio::test]
async fn exit_on_error_stops_at_the_first_failure() {
    let tasks = Tasks::start(&[("slow", FOREVER), ("bad", FAILS_AT_ONCE)]).await;
    let err = tasks
        .client()
        .wait_tasks(["slow", "bad"], &fast().exit_on_error(true))
        .await
        .unwrap_err();
    // An API error, not the wait's timeout, after one round (below).
    assert_eq!(err.kind(), ErrorKind::Api);
    assert!(
        err.message()
            .starts_with("1 of 2 task(s) failed: bad: VM is locked")
            && err.message().contains("not waited for: slow"),
        "{}",
        err.message()
    );
    let report = TaskReport::of(&err).unwrap();
    assert_eq!(report.unfinished(), ["slow"]);
    assert_eq!(tasks.requests().len(), 1);
}

#[tokio::test]
async fn a_task_that_never_finishes_times_out_naming_the_unfinished_ids() {
    let tasks = Tasks::start(&[("done", QUICK), ("stuck", FOREVER)]).await;
    let wait = TaskWait::new()
        .interval(Duration::from_millis(10))
        .timeout(Duration::from_millis(80));
    let started = Instant::now();
    let err = tasks
        .client()
        .wait_tasks(["done", "stuck", "ghost"], &wait)
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!(err.kind(), ErrorKind::WaitTimeout);
    assert!(!err.is_retryable());
    assert!(
        err.message().contains(
            "2 of 3 task(s) unfinished: stuck (EXECUTING), ghost (not returned by get-tasks)"
        ),
        "{}",
        err.message()
    );
    let report = TaskReport::of(&err).unwrap();
    assert_eq!(report.unfinished(), ["stuck", "ghost"]);
    assert_eq!(report.succeeded().count(), 1);
    assert!(elapsed >= Duration::from_millis(80), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
    assert!(tasks.requests().len() >= 3);
}

#[tokio::test]
async fn null_task_ids_are_already_done() {
    let tasks = Tasks::start(&[("t1", QUICK)]).await;
    let ct = tasks.client();
    let none: Vec<Option<String>> = vec![None, None];
    assert!(ct.wait_tasks(&none, &fast()).await.unwrap().is_empty());
    assert!(tasks.requests().is_empty(), "nothing to ask for");
    let ids = vec![None, Some("t1".to_string()), None, Some("t1".to_string())];
    let done = ct.wait_tasks(&ids, &fast()).await.unwrap();
    assert_eq!(done.len(), 1);
    assert_eq!(tasks.requests(), [vec!["t1"], vec!["t1"]]);
}

#[tokio::test]
async fn a_thousand_tasks_take_one_get_tasks_request_per_round_by_default() {
    let ids: Vec<String> = (0..1000).map(|i| format!("task-{i:04}")).collect();
    let scripts: Vec<(&str, Script)> = ids.iter().map(|id| (id.as_str(), QUICK)).collect();
    let tasks = Tasks::start(&scripts).await;
    let done = tasks.client().wait_tasks(&ids, &fast()).await.unwrap();
    assert_eq!(done.len(), 1000);
    // Round 1 sees every task EXECUTING, round 2 SUCCESSED: two requests,
    // each asking for all 1,000 ids in order (the Python SDK's one request).
    let requests = tasks.requests();
    assert_eq!(requests.len(), 2);
    assert!(
        requests.iter().all(|r| *r == ids),
        "every round asks for all ids"
    );
}

#[tokio::test]
async fn large_batches_are_chunked_and_the_input_is_left_untouched() {
    let scripts: Vec<(&str, Script)> = ["a", "b", "c", "d", "e"]
        .into_iter()
        .map(|id| (id, QUICK))
        .collect();
    let tasks = Tasks::start(&scripts).await;
    let ids: Vec<Option<String>> = ["a", "b", "c", "d", "e"]
        .into_iter()
        .map(|s| Some(s.to_string()))
        .collect();
    let before = ids.clone();
    let done = tasks
        .client()
        .wait_tasks(&ids, &fast().chunk_size(2))
        .await
        .unwrap();
    assert_eq!(ids, before, "the caller's list is unchanged");
    assert_eq!(done.len(), 5);
    let requests = tasks.requests();
    // Two rounds of three requests: [a b] [c d] [e].
    assert_eq!(requests.len(), 6);
    assert_eq!(requests[..3], [vec!["a", "b"], vec!["c", "d"], vec!["e"]]);
    assert_eq!(requests[..3], requests[3..]);
}

#[tokio::test]
async fn waiting_on_the_with_task_list_a_mutation_returned() {
    let tasks = Tasks::start(&[
        ("cl2k1ytq81igz0822z0qvq2ou", PROGRESSING),
        ("cl2k1ytq81ih00822vbq6sxyz", QUICK),
    ])
    .await;
    let served = with_task_vms("StartVm");
    tasks.server.mock(|when, then| {
        exact(
            when.path("/start-vm"),
            None,
            spec().request_example("StartVm"),
        );
        then.status(200).json_body(served);
    });
    let ct = tasks.client().with_task_wait(fast());
    let started = ct.start_vm(VmWhereInput::by_ids([VM1, VM2])).await.unwrap();
    let done = ct.wait(&started).await.unwrap();
    assert_eq!(done.len(), 2, "the null task_id has nothing to wait for");
    assert_eq!(started.len(), 3);
}

#[tokio::test]
async fn a_get_tasks_error_ends_the_wait_at_once() {
    let server = MockServer::start_async().await;
    let mock = server.mock(|_, then| {
        then.status(400)
            .json_body(json!({"path": "/get-tasks", "status": 400, "message": "bad where"}));
    });
    let err = client(&server)
        .wait_tasks(["t"], &fast())
        .await
        .unwrap_err();
    assert_eq!((err.operation(), err.status()), ("GetTasks", Some(400)));
    assert_eq!(mock.calls_async().await, 1);
}

// ---------------------------------------------------------------- paging

fn numbered_vms(n: usize) -> Vec<Value> {
    let template = spec().response_example("GetVms")[0].clone();
    (1..=n)
        .map(|i| {
            variant(
                &template,
                &[
                    ("/id", &format!("vm-{i}")),
                    ("/name", &format!("web-{i:02}")),
                ],
            )
        })
        .collect()
}

#[tokio::test]
async fn pages_follow_the_after_cursor_until_a_short_page() {
    let server = MockServer::start_async().await;
    let vms = numbered_vms(5);
    let filter = json!({"name_contains": "web"});
    let pages = [
        (
            json!({"where": filter, "first": 2, "skip": 1}),
            json!([vms[0], vms[1]]),
        ),
        (
            json!({"where": filter, "first": 2, "after": "vm-2"}),
            json!([vms[2], vms[3]]),
        ),
        (
            json!({"where": filter, "first": 2, "after": "vm-4"}),
            json!([vms[4]]),
        ),
    ];
    let mocks: Vec<_> = pages
        .iter()
        .map(|(request, page)| {
            server.mock(|when, then| {
                exact(when.path("/get-vms"), None, request.clone());
                then.status(200).json_body(page.clone());
            })
        })
        .collect();
    let ct = client(&server);
    let request: GetVmsRequestBody = built(
        GetVmsRequestBody::builder()
            .where_(built::<VmWhereInput, _>(
                VmWhereInput::builder().name_contains("web".to_string()),
            ))
            .skip(1),
    );
    let sizes: Vec<usize> = ct
        .pages(request.clone(), 2)
        .map_ok(|page| page.len())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(sizes, [2, 2, 1]);
    let names: Vec<String> = ct
        .items(request, 2)
        .map_ok(|vm| vm.name)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(names, ["web-01", "web-02", "web-03", "web-04", "web-05"]);
    for mock in mocks {
        assert_eq!(mock.calls_async().await, 2);
    }
}

#[tokio::test]
async fn a_full_last_page_ends_with_an_empty_one_and_errors_end_the_stream() {
    let server = MockServer::start_async().await;
    let vms = numbered_vms(2);
    server.mock(|when, then| {
        exact(when.path("/get-disks"), None, json!({"first": 2}));
        then.status(200).json_body(json!([]));
    });
    server.mock(|when, then| {
        exact(when.path("/get-vms"), None, json!({"first": 2}));
        then.status(200).json_body(json!([vms[0], vms[1]]));
    });
    server.mock(|when, then| {
        exact(
            when.path("/get-vms"),
            None,
            json!({"first": 2, "after": "vm-2"}),
        );
        then.status(200).json_body(json!([]));
    });
    server.mock(|when, then| {
        when.path("/get-hosts");
        then.status(500)
            .json_body(json!({"path": "/get-hosts", "status": 500, "message": "boom"}));
    });
    let ct = client(&server);
    let pages: Vec<Vec<Vm>> = ct
        .pages(GetVmsRequestBody::default(), 2)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 1, "no empty page is yielded");
    let disks: Vec<Disk> = ct
        .items(GetDisksRequestBody::default(), 2)
        .try_collect()
        .await
        .unwrap();
    assert!(disks.is_empty());
    let results: Vec<_> = ct
        .pages(HostWhereInput::default(), 10)
        .collect::<Vec<_>>()
        .await;
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].as_ref().unwrap_err().status(), Some(500));
    let err = ct
        .pages(GetVmsRequestBody::default(), 0)
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
}

#[tokio::test]
async fn first_asks_for_one_item() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    server.mock(|when, then| {
        exact(
            when.path("/get-vms"),
            None,
            json!({"where": {"name": "web-01"}, "first": 1}),
        );
        then.status(200).json_body(spec.response_example("GetVms"));
    });
    server.mock(|when, then| {
        exact(
            when.path("/get-vm-snapshots"),
            None,
            json!({"where": {"id": "none"}, "first": 1}),
        );
        then.status(200).json_body(json!([]));
    });
    let ct = client(&server);
    let vm = ct.first(VmWhereInput::by_name("web-01")).await.unwrap();
    assert_eq!(vm.unwrap().id, VM1);
    let snapshot = ct.first(VmSnapshotWhereInput::by_id("none")).await.unwrap();
    assert!(snapshot.is_none());
}

// ---------------------------------------------------------------- the Compute facade

#[tokio::test]
async fn the_compute_facade_runs_the_fleet_scenario() {
    use cloud_common::{Compute, InstanceState, WaitOptions};
    let tasks = Tasks::start(&[
        ("task-start", QUICK),
        ("task-stop", QUICK),
        ("task-delete", QUICK),
    ])
    .await;
    let server = &tasks.server;
    let vm = spec().response_example("GetVms")[0].clone();
    let stopped = variant(&vm, &[("/status", "STOPPED")]);
    let by_id = json!({"where": {"id": VM1}});
    let by_id_first = json!({"where": {"id": VM1}, "first": 1});
    server.mock(|when, then| {
        exact(when.path("/get-vms"), None, json!({}));
        then.status(200).json_body(json!([stopped]));
    });
    server.mock(|when, then| {
        exact(when.path("/get-vms"), None, by_id_first.clone());
        then.status(200).json_body(json!([vm]));
    });
    // start/stop answer `WithTask_Vm_`, delete `WithTask_DeleteVm_`.
    let mutation = |path: &str, task: &str| {
        let data = if path == "/delete-vm" {
            json!({"id": VM1})
        } else {
            vm.clone()
        };
        server.mock(|when, then| {
            exact(when.path(path), None, by_id.clone());
            then.status(200)
                .json_body(json!([{"task_id": task, "data": data}]));
        })
    };
    let start = mutation("/start-vm", "task-start");
    let stop = mutation("/shutdown-vm", "task-stop");
    let poweroff = mutation("/poweroff-vm", "task-never");
    let delete = mutation("/delete-vm", "task-delete");
    let ct = tasks.client().with_task_wait(fast());
    let compute: &dyn Compute = &ct;
    let mut steps = Vec::new();
    let wait = WaitOptions::new(Duration::from_secs(5)).interval(Duration::from_millis(5));
    fleet::scenario(compute, VM1, wait, |s| steps.push(s))
        .await
        .unwrap();
    assert_eq!(steps[0], "[cloudtower] listed 1 instance(s)");
    assert!(
        steps[1].contains("web-01") && steps[1].contains("stopped"),
        "{}",
        steps[1]
    );
    assert_eq!(steps[3], format!("[cloudtower] {VM1} is running"));
    for mock in [&start, &stop, &delete] {
        assert_eq!(mock.calls_async().await, 1);
    }
    assert_eq!(
        poweroff.calls_async().await,
        0,
        "stop shuts down gracefully"
    );
    let instance = compute.get_instance(VM1).await.unwrap();
    assert_eq!(instance.state, InstanceState::Running);
    assert_eq!((instance.vcpus, instance.memory_gib), (Some(4), Some(8.0)));
}

#[tokio::test]
async fn the_compute_facade_reports_missing_vms_and_failed_tasks() {
    use cloud_common::Compute;
    let tasks = Tasks::start(&[("task-bad", FAILS_AT_ONCE)]).await;
    let server = &tasks.server;
    let vm = spec().response_example("GetVms")[0].clone();
    server.mock(|when, then| {
        when.path("/get-vms");
        then.status(200).json_body(json!([]));
    });
    server.mock(|when, then| {
        when.path("/delete-vm");
        then.status(200).json_body(json!([]));
    });
    server.mock(|when, then| {
        when.path("/start-vm");
        then.status(200)
            .json_body(json!([{"task_id": "task-bad", "data": vm}]));
    });
    let ct = tasks.client().with_task_wait(fast());
    let err = ct.get_instance("gone").await.unwrap_err();
    assert_eq!(
        (err.kind(), err.message()),
        (ErrorKind::Api, "no VM has id gone")
    );
    let err = ct.delete("gone").await.unwrap_err();
    assert_eq!(
        (err.operation(), err.message()),
        ("DeleteVm", "no VM has id gone")
    );
    let err = Compute::start(&ct, VM1).await.unwrap_err();
    assert_eq!(
        err.message(),
        "1 of 1 task(s) failed: task-bad: VM is locked"
    );
}

// ---------------------------------------------------------------- redaction

#[tokio::test]
async fn debug_and_display_never_show_the_token_or_the_password() {
    let (spec, server) = (spec(), MockServer::start_async().await);
    let issued = spec.response_example("Login")["data"]["token"]
        .as_str()
        .unwrap()
        .to_string();
    const PASSWORD: &str = "Sup3r-S3cret-Passw0rd!";
    server.mock(|when, then| {
        when.path("/login")
            .json_body_includes(json!({"password": PASSWORD}).to_string());
        then.status(200).json_body(spec.response_example("Login"));
    });
    server.mock(|when, then| {
        when.path("/login");
        then.status(400)
            .json_body(json!({"path": "/login", "status": 400, "message": "wrong password"}));
    });
    server.mock(|when, then| {
        when.path("/get-vms");
        then.status(401).body("unauthorized");
    });
    let logged_in = CloudTower::login(config(&server), "admin", PASSWORD, UserSource::Local).await;
    let refused = CloudTower::login(
        config(&server),
        "admin",
        "wrong-Passw0rd",
        UserSource::Local,
    )
    .await;
    let ct = logged_in.as_ref().unwrap();
    let err = ct.get_vms(GetVmsRequestBody::default()).await.unwrap_err();
    let input = LoginInput::builder()
        .username("admin")
        .password(cloudtower_api::Secret::new(PASSWORD))
        .source(UserSource::Local);
    let input = LoginInput::try_from(input).unwrap();
    let response: WithTaskLoginResponse =
        serde_json::from_value(spec.response_example("Login")).unwrap();
    let mut shown = format!(
        "{ct:?} {ct:#?} {logged_in:?} {refused:?} {err} {err:?} {input:?} {response:?} {:?} {}",
        ct.token(),
        ct.token()
    );
    if let Err(e) = &refused {
        shown.push_str(&format!("{e} {e:#?}"));
    }
    let other = CloudTower::new(server.base_url(), TOKEN).unwrap();
    shown.push_str(&format!("{other:?} {:?}", other.native()));
    for secret in [issued.as_str(), PASSWORD, "wrong-Passw0rd", TOKEN] {
        assert!(!shown.contains(secret), "{secret} leaked: {shown}");
    }
    assert_eq!(
        ct.token().expose(),
        issued,
        "still there for whoever needs it"
    );
    // The password is on the wire only.
    assert_eq!(to_json!(&input)["password"], PASSWORD);
}

#[test]
fn typed_values_are_checked_by_the_spec_examples() {
    // The request examples parse as the typed bodies, so the examples the
    // contract tests require are valid requests.
    let spec = spec();
    let _: LoginInput = serde_json::from_value(spec.request_example("Login")).unwrap();
    let _: GetVmsRequestBody = serde_json::from_value(spec.request_example("GetVms")).unwrap();
    let _: Vec<VmCreationParams> =
        serde_json::from_value(spec.request_example("CreateVm")).unwrap();
    let _: VmDeleteParams = serde_json::from_value(spec.request_example("DeleteVm")).unwrap();
    let _: types::VmAddDiskParams =
        serde_json::from_value(spec.request_example("AddVmDisk")).unwrap();
}

// ------------------------------------------------ imported operations
//
// Operations added with `cargo xtask import`: the spec's request example
// sent as JSON through the typed method (checked against the typed body
// before anything is sent) must reach the mock exactly, and the response
// must parse losslessly in its full, required-only and explicit-null
// shapes.

/// The contract of an imported operation; `call` sends the request body.
async fn imported<T: serde::Serialize>(
    op: &str,
    call: impl AsyncFn(CloudTower, Value) -> Result<T, Error>,
) -> Vec<T> {
    let spec = spec();
    let mut parsed = Vec::new();
    for (shape, served) in spec.response_shapes(op) {
        let request = spec.request_example(op);
        let got = exchange(op, None, &served, async |ct| call(ct, request).await).await;
        assert_lossless(&format!("{op} ({shape})"), &served, to_json!(&got));
        parsed.push(got);
    }
    parsed
}

/// The elements of an array body.
fn items(body: Value) -> Vec<Value> {
    match body {
        Value::Array(items) => items,
        other => panic!("an array body, not {other}"),
    }
}

#[tokio::test]
async fn contract_clone_content_library_vm_template_from_vm() {
    imported("CloneContentLibraryVmTemplateFromVm", async |ct, body| {
        ct.clone_content_library_vm_template_from_vm(items(body))
            .await
    })
    .await;
}

#[tokio::test]
async fn contract_clone_vm() {
    imported("CloneVm", async |ct, body| ct.clone_vm(items(body)).await).await;
}

#[tokio::test]
async fn contract_clone_vm_template_from_vm() {
    imported("CloneVmTemplateFromVm", async |ct, body| {
        ct.clone_vm_template_from_vm(items(body)).await
    })
    .await;
}

#[tokio::test]
async fn contract_connect_cluster() {
    imported("ConnectCluster", async |ct, body| {
        ct.connect_cluster(items(body)).await
    })
    .await;
}

#[tokio::test]
async fn contract_convert_vm_template_from_vm() {
    imported("ConvertVmTemplateFromVm", async |ct, body| {
        ct.convert_vm_template_from_vm(items(body)).await
    })
    .await;
}

#[tokio::test]
async fn contract_create_datacenter() {
    imported("CreateDatacenter", async |ct, body| {
        ct.create_datacenter(items(body)).await
    })
    .await;
}

#[tokio::test]
async fn contract_create_vm_from_content_library_template() {
    imported("CreateVmFromContentLibraryTemplate", async |ct, body| {
        ct.create_vm_from_content_library_template(items(body))
            .await
    })
    .await;
}

#[tokio::test]
async fn contract_delete_cluster() {
    imported("DeleteCluster", async |ct, body| {
        ct.delete_cluster(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_delete_content_library_vm_template() {
    imported("DeleteContentLibraryVmTemplate", async |ct, body| {
        ct.delete_content_library_vm_template(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_delete_datacenter() {
    imported("DeleteDatacenter", async |ct, body| {
        ct.delete_datacenter(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_delete_vm_snapshot() {
    imported("DeleteVmSnapshot", async |ct, body| {
        ct.delete_vm_snapshot(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_delete_vm_template() {
    imported("DeleteVmTemplate", async |ct, body| {
        ct.delete_vm_template(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_get_content_library_vm_templates() {
    imported("GetContentLibraryVmTemplates", async |ct, body| {
        ct.get_content_library_vm_templates(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_get_datacenters() {
    imported("GetDatacenters", async |ct, body| {
        ct.get_datacenters(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_get_elf_images() {
    imported("GetElfImages", async |ct, body| {
        ct.get_elf_images(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_get_elf_storage_policies() {
    imported("GetElfStoragePolicies", async |ct, body| {
        ct.get_elf_storage_policies(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_get_organizations() {
    imported("GetOrganizations", async |ct, body| {
        ct.get_organizations(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_get_svt_images() {
    imported("GetSvtImages", async |ct, body| {
        ct.get_svt_images(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_get_vdses() {
    imported("GetVdses", async |ct, body| ct.get_vdses(body).await).await;
}

#[tokio::test]
async fn contract_get_vlans() {
    imported("GetVlans", async |ct, body| ct.get_vlans(body).await).await;
}

#[tokio::test]
async fn contract_get_vm_disks() {
    imported("GetVmDisks", async |ct, body| ct.get_vm_disks(body).await).await;
}

#[tokio::test]
async fn contract_get_vm_nics() {
    imported("GetVmNics", async |ct, body| ct.get_vm_nics(body).await).await;
}

#[tokio::test]
async fn contract_get_vm_templates() {
    imported("GetVmTemplates", async |ct, body| {
        ct.get_vm_templates(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_get_vm_volumes() {
    imported("GetVmVolumes", async |ct, body| {
        ct.get_vm_volumes(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_rebuild_vm() {
    imported("RebuildVm", async |ct, body| {
        ct.rebuild_vm(items(body)).await
    })
    .await;
}

#[tokio::test]
async fn contract_rollback_vm() {
    imported("RollbackVm", async |ct, body| ct.rollback_vm(body).await).await;
}

#[tokio::test]
async fn contract_update_cluster() {
    imported("UpdateCluster", async |ct, body| {
        ct.update_cluster(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_update_content_library_vm_template() {
    imported("UpdateContentLibraryVmTemplate", async |ct, body| {
        ct.update_content_library_vm_template(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_update_datacenter() {
    imported("UpdateDatacenter", async |ct, body| {
        ct.update_datacenter(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_update_vm_template() {
    imported("UpdateVmTemplate", async |ct, body| {
        ct.update_vm_template(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_get_content_library_images() {
    imported("GetContentLibraryImages", async |ct, body| {
        ct.get_content_library_images(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_expand_vm_disk() {
    imported("ExpandVmDisk", async |ct, body| {
        ct.expand_vm_disk(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_get_gpu_devices() {
    imported("GetGpuDevices", async |ct, body| {
        ct.get_gpu_devices(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_add_vm_gpu_device() {
    imported("AddVmGpuDevice", async |ct, body| {
        ct.add_vm_gpu_device(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_remove_vm_gpu_device() {
    imported("RemoveVmGpuDevice", async |ct, body| {
        ct.remove_vm_gpu_device(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_enter_maintenance_mode_pre_check() {
    imported("EnterMaintenanceModePreCheck", async |ct, body| {
        ct.enter_maintenance_mode_pre_check(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_enter_maintenance_mode_precheck_result() {
    imported("EnterMaintenanceModePrecheckResult", async |ct, body| {
        ct.enter_maintenance_mode_precheck_result(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_enter_maintenance_mode() {
    imported("EnterMaintenanceMode", async |ct, body| {
        ct.enter_maintenance_mode(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_exit_maintenance_mode() {
    imported("ExitMaintenanceMode", async |ct, body| {
        ct.exit_maintenance_mode(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_get_vm_metrics() {
    imported("GetVmMetrics", async |ct, body| {
        ct.get_vm_metrics(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_get_host_metrics() {
    imported("GetHostMetrics", async |ct, body| {
        ct.get_host_metrics(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_get_cluster_metrics() {
    imported("GetClusterMetrics", async |ct, body| {
        ct.get_cluster_metrics(body).await
    })
    .await;
}

#[tokio::test]
async fn contract_get_labels() {
    imported("GetLabels", async |ct, body| ct.get_labels(body).await).await;
}

#[tokio::test]
async fn contract_add_labels_to_resources() {
    imported("AddLabelsToResources", async |ct, body| {
        ct.add_labels_to_resources(body).await
    })
    .await;
}

// ------------------------------------------------ workflows (conveniences)

/// A mock of `path` that requires exactly `body` and serves `response`.
fn pinned<'a>(
    server: &'a MockServer,
    path: &str,
    body: Value,
    response: Value,
) -> httpmock::Mock<'a> {
    server.mock(|when, then| {
        exact(when.method(Method::POST).path(path), None, body);
        then.status(200)
            .header("content-type", "application/json")
            .json_body(response);
    })
}

#[tokio::test]
async fn a_lookup_by_name_wants_exactly_one_match() {
    let server = MockServer::start_async().await;
    let vlan = spec().response_example("GetVlans")[0].clone();
    let ask = |name: &str| json!({"where": {"name": name}, "first": 2});
    let one = pinned(&server, "/get-vlans", ask("vm-network"), json!([vlan]));
    pinned(&server, "/get-vlans", ask("nothing"), json!([]));
    pinned(&server, "/get-vlans", ask("twice"), json!([vlan, vlan]));
    let ct = client(&server);
    let found = ct.vlan_named("vm-network").await.unwrap();
    assert_eq!(found.id, vlan["id"].as_str().unwrap());
    one.assert_async().await;
    let none = ct.vlan_named("nothing").await.unwrap_err();
    assert_eq!(none.kind(), ErrorKind::InvalidRequest);
    assert!(
        none.to_string().contains("no VLAN named \"nothing\""),
        "{none}"
    );
    let several = ct.vlan_named("twice").await.unwrap_err();
    assert!(
        several.to_string().contains("more than one VLAN"),
        "{several}"
    );
}

#[tokio::test]
async fn a_vm_from_a_content_library_template_sends_the_overrides() {
    let server = MockServer::start_async().await;
    let served = spec().response_example("CreateVmFromContentLibraryTemplate");
    let mock = pinned(
        &server,
        "/create-vm-from-content-library-template",
        json!([{
            "template_id": "tpl-1", "cluster_id": CLUSTER, "name": "web-07",
            "is_full_copy": false, "cpu_cores": 4, "cpu_sockets": 2, "vcpu": 8,
            "memory": 8u64 << 30,
            "vm_nics": [{"connect_vlan_id": VLAN}, {"connect_vlan_id": "vlan-2"}]
        }]),
        served.clone(),
    );
    let got = client(&server)
        .create_vm_from_content_library_template([FromTemplate::new("tpl-1", CLUSTER, "web-07")
            .vcpu(4, 2)
            .memory_gib(8)
            .nic_on_vlan(VLAN)
            .nic_on_vlan("vlan-2")])
        .await
        .unwrap();
    mock.assert_async().await;
    assert_lossless(
        "CreateVmFromContentLibraryTemplate",
        &served,
        to_json!(&got),
    );
}

#[tokio::test]
async fn snapshots_roll_back_rebuild_and_delete() {
    let server = MockServer::start_async().await;
    let vms = spec().response_example("RollbackVm");
    let rollback = pinned(
        &server,
        "/rollback-vm",
        json!({"data": {"snapshot_id": "snap-1"}, "where": {"id": VM1}}),
        vms.clone(),
    );
    let rebuild = pinned(
        &server,
        "/rebuild-vm-from-snapshot",
        json!([{"rebuild_from_snapshot_id": "snap-1", "name": "web-01-restored"}]),
        vms.clone(),
    );
    let delete = pinned(
        &server,
        "/delete-vm-snapshot",
        json!({"where": {"id": "snap-1"}}),
        spec().response_example("DeleteVmSnapshot"),
    );
    let ct = client(&server);
    ct.rollback_vm_to(VM1, "snap-1").await.unwrap();
    ct.rebuild_vm_from("snap-1", "web-01-restored")
        .await
        .unwrap();
    let deleted = ct.delete_snapshot("snap-1").await.unwrap();
    assert!(!deleted.is_empty());
    rollback.assert_async().await;
    rebuild.assert_async().await;
    delete.assert_async().await;
}

#[tokio::test]
async fn templates_from_a_vm_and_a_clone() {
    let server = MockServer::start_async().await;
    let template = json!([{"name": "golden", "vm_id": VM1, "cloud_init_supported": false}]);
    let convert = pinned(
        &server,
        "/convert-vm-template-from-vm",
        template.clone(),
        spec().response_example("ConvertVmTemplateFromVm"),
    );
    let clone_t = pinned(
        &server,
        "/clone-vm-template-from-vm",
        template,
        spec().response_example("CloneVmTemplateFromVm"),
    );
    let clone = pinned(
        &server,
        "/clone-vm",
        json!([{"src_vm_id": VM1, "name": "web-01-copy"}]),
        spec().response_example("CloneVm"),
    );
    let library = pinned(
        &server,
        "/clone-content-library-vm-template-from-vm",
        json!([{"name": "golden", "vm": {"id": VM1}, "clusters": {"id": CLUSTER}}]),
        spec().response_example("CloneContentLibraryVmTemplateFromVm"),
    );
    let ct = client(&server);
    ct.convert_vm_to_template(VM1, "golden").await.unwrap();
    ct.clone_vm_to_template(VM1, "golden").await.unwrap();
    ct.clone_vm_named(VM1, "web-01-copy").await.unwrap();
    ct.clone_vm_to_content_library(VM1, "golden", ClusterWhereInput::by_id(CLUSTER))
        .await
        .unwrap();
    for m in [convert, clone_t, clone, library] {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn gpus_attach_and_detach_waiting_for_the_task() {
    let tasks = Tasks::start(&[("gpu-task", QUICK)]).await;
    let answer = json!([{"task_id": "gpu-task", "data": spec().response_example("GetVms")[0]}]);
    let attach = pinned(
        &tasks.server,
        "/add-vm-gpu-device",
        json!({"data": [{"gpu_id": "gpu-1"}, {"gpu_id": "gpu-2"}], "where": {"id": VM1}}),
        answer.clone(),
    );
    let detach = pinned(
        &tasks.server,
        "/remove-vm-gpu-device",
        json!({"data": [{"gpu_id": "gpu-1"}], "where": {"id": VM1}}),
        answer,
    );
    let ct = tasks.client().with_task_wait(fast());
    let done = ct.attach_gpus(VM1, &["gpu-1", "gpu-2"]).await.unwrap();
    assert_eq!(done[0].id, "gpu-task");
    ct.detach_gpus(VM1, &["gpu-1"]).await.unwrap();
    attach.assert_async().await;
    detach.assert_async().await;
    // A VM that matched nothing is an error, not a silent success.
    let nothing = pinned(
        &tasks.server,
        "/add-vm-gpu-device",
        json!({"data": [{"gpu_id": "gpu-1"}], "where": {"id": "gone"}}),
        json!([]),
    );
    let err = ct.attach_gpus("gone", &["gpu-1"]).await.unwrap_err();
    assert!(err.to_string().contains("no VM has id gone"), "{err}");
    nothing.assert_async().await;
}

#[tokio::test]
async fn maintenance_mode_prechecks_until_done_then_enters_and_exits() {
    let tasks = Tasks::start(&[("enter-task", QUICK), ("exit-task", QUICK)]).await;
    let server = &tasks.server;
    let host = "cl2k0mq4i02910822p6lqbqgm";
    pinned(
        server,
        "/enter-maintenance-mode-precheck",
        json!({"where": {"id": host}}),
        json!({"task_id": "precheck-1"}),
    );
    let results = Arc::new(Mutex::new(0));
    let counter = results.clone();
    server.mock(|when, then| {
        exact(
            when.method(Method::POST)
                .path("/enter-maintance-mode-precheck-result"),
            None,
            json!({"where": {"task_id": "precheck-1"}}),
        );
        then.respond_with(move |_| {
            let mut n = counter.lock().unwrap();
            *n += 1;
            let done = *n >= 2;
            HttpMockResponse::builder()
                .status(200)
                .header("content-type", "application/json")
                .body(json!({"done": done, "shutdownVms": [{"vm_uuid": "u-1"}]}).to_string())
                .build()
        });
    });
    let host_answer =
        |task: &str| json!({"task_id": task, "data": spec().response_example("GetHosts")[0]});
    let enter = pinned(
        server,
        "/enter-maintance-mode",
        json!({"data": {"shutdown_vms": [VM1]}, "where": {"host_id": host}}),
        host_answer("enter-task"),
    );
    let exit = pinned(
        server,
        "/exit-maintance-mode",
        json!({"data": {"poweron_vms": [VM1]}, "where": {"host_id": host}}),
        host_answer("exit-task"),
    );
    let ct = tasks.client().with_task_wait(fast());
    let options =
        cloudtower_api::WaitOptions::new(Duration::from_secs(5)).interval(Duration::from_millis(5));
    let result = ct.maintenance_precheck(host, &options).await.unwrap();
    assert!(result.done);
    assert_eq!(result.shutdown_vms[0].vm_uuid, "u-1");
    assert_eq!(*results.lock().unwrap(), 2, "polled until done");
    ct.enter_maintenance(host, &[VM1]).await.unwrap();
    let back: ExitMaintenanceModeInput =
        built(ExitMaintenanceModeInput::builder().poweron_vms(vec![VM1.to_string()]));
    ct.exit_maintenance(host, back).await.unwrap();
    enter.assert_async().await;
    exit.assert_async().await;
}

#[tokio::test]
async fn vms_are_selected_and_labelled_by_label() {
    let server = MockServer::start_async().await;
    let select = pinned(
        &server,
        "/get-vms",
        json!({"where": {"labels_some": {"key": "role", "value": "gpu-worker"}}}),
        spec().response_example("GetVms"),
    );
    let label = pinned(
        &server,
        "/add-labels-to-resources",
        json!({"data": {"vms": {"id": VM1}}, "where": {"key": "role"}}),
        spec().response_example("AddLabelsToResources"),
    );
    let ct = client(&server);
    let vms = ct.vms_labelled("role", Some("gpu-worker")).await.unwrap();
    assert_eq!(vms[0].id, VM1);
    let by_key: LabelWhereInput = built(LabelWhereInput::builder().key("role"));
    ct.label_vms(by_key, VmWhereInput::by_id(VM1))
        .await
        .unwrap();
    select.assert_async().await;
    label.assert_async().await;
}

/// A builder's setter keeps the conversion error of what it was given,
/// naming the field, and the outer conversion reports it: for an optional
/// field (`VmMigrateParams.data`) and a required one
/// (`VmRollbackParams.data`), each given a nested builder that lacks a
/// required field.
#[test]
fn a_nested_builder_missing_a_field_is_an_error_naming_both_fields() {
    let migrate = VmMigrateParams::builder()
        .data(VmMigrateParamsData::builder())
        .where_(VmWhereInput::by_id("vm-1"));
    assert_eq!(
        VmMigrateParams::try_from(migrate).unwrap_err().to_string(),
        "error converting supplied value for data: no value supplied for host_id"
    );
    let rollback = VmRollbackParams::builder()
        .data(VmRollbackParamsData::builder())
        .where_(VmWhereInput::by_id("vm-1"));
    assert_eq!(
        VmRollbackParams::try_from(rollback)
            .unwrap_err()
            .to_string(),
        "error converting supplied value for data: no value supplied for snapshot_id"
    );
    // Given everything, both convert.
    let rollback = VmRollbackParams::builder()
        .data(VmRollbackParamsData::builder().snapshot_id("snap-1"))
        .where_(VmWhereInput::by_id("vm-1"));
    assert_eq!(
        VmRollbackParams::try_from(rollback)
            .unwrap()
            .data
            .snapshot_id,
        "snap-1"
    );
}
