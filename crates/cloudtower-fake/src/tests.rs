//! The service's behaviour, by calling [`Service::handle`] with request
//! values (no server, no client).

use std::collections::BTreeMap;

use cloud_fake::{Body, Request, Response, Service};
use serde_json::{Value, json};

use super::{CloudTowerService, DEFAULT_PASSWORD, DEFAULT_USERNAME};

struct Harness {
    service: CloudTowerService,
    token: String,
}

fn harness() -> Harness {
    let mut service = CloudTowerService::new().expect("the packaged spec");
    let token = service.issue_token();
    Harness { service, token }
}

fn request(operation: &str, body: Value, headers: &[(&str, &str)]) -> Request {
    let mut map = http::HeaderMap::new();
    for (k, v) in headers {
        if let (Ok(k), Ok(v)) = (
            http::HeaderName::from_bytes(k.as_bytes()),
            http::HeaderValue::from_str(v),
        ) {
            map.insert(k, v);
        }
    }
    Request {
        operation_id: operation.into(),
        method: http::Method::POST,
        path: String::new(),
        path_params: BTreeMap::new(),
        query: Vec::new(),
        headers: map,
        body,
    }
}

fn json_of(response: &Response) -> Value {
    match &response.body {
        Body::Json(v) => v.clone(),
        other => panic!("not JSON: {other:?}"),
    }
}

impl Harness {
    fn call_with(
        &mut self,
        operation: &str,
        body: Value,
        headers: &[(&str, &str)],
    ) -> (u16, Value) {
        let mut all = vec![("authorization", self.token.as_str())];
        all.extend_from_slice(headers);
        let response = self.service.handle(&request(operation, body, &all));
        (response.status, json_of(&response))
    }

    fn call(&mut self, operation: &str, body: Value) -> (u16, Value) {
        self.call_with(operation, body, &[])
    }

    fn ok(&mut self, operation: &str, body: Value) -> Value {
        let (status, body) = self.call(operation, body);
        assert_eq!(status, 200, "{operation}: {body}");
        body
    }

    fn names(&mut self, operation: &str, body: Value) -> Vec<String> {
        let answer = self.ok(operation, body);
        answer
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| r["name"].as_str().unwrap_or("").to_string())
            .collect()
    }

    /// Polls the tasks of a mutation's answer until they are final.
    fn settle(&mut self, answer: &Value) -> Vec<Value> {
        let ids: Vec<Value> = answer
            .as_array()
            .into_iter()
            .flatten()
            .map(|w| w["task_id"].clone())
            .collect();
        for _ in 0..10 {
            let tasks = self.ok("GetTasks", json!({"where": {"id_in": ids}}));
            let tasks = tasks.as_array().cloned().unwrap_or_default();
            if tasks
                .iter()
                .all(|t| t["status"] == "SUCCESSED" || t["status"] == "FAILED")
            {
                return tasks;
            }
        }
        panic!("tasks never finished");
    }
}

#[test]
fn login_returns_a_token_the_other_calls_need() {
    let mut h = harness();
    let login = |body: Value| request("Login", body, &[]);
    let ok = h.service.handle(&login(
        json!({"username": DEFAULT_USERNAME, "password": DEFAULT_PASSWORD}),
    ));
    assert_eq!(ok.status, 200);
    let token = json_of(&ok)["data"]["token"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(!token.is_empty());
    assert!(json_of(&ok)["task_id"].is_null());

    let wrong = h.service.handle(&login(
        json!({"username": DEFAULT_USERNAME, "password": "nope"}),
    ));
    assert_eq!(wrong.status, 400);
    assert_eq!(json_of(&wrong)["path"], "/login");

    let vms = h
        .service
        .handle(&request("GetVms", json!({}), &[("authorization", &token)]));
    assert_eq!(vms.status, 200);
    for bad in [
        None,
        Some(format!("Bearer {token}")),
        Some("tok".to_string()),
    ] {
        let headers: Vec<(&str, &str)> =
            bad.iter().map(|t| ("authorization", t.as_str())).collect();
        let refused = h.service.handle(&request("GetVms", json!({}), &headers));
        assert_eq!(refused.status, 401, "{bad:?}");
        let body = json_of(&refused);
        assert_eq!(
            (body["status"].clone(), body["path"].clone()),
            (json!(401), json!("/get-vms"))
        );
        assert!(
            body["message"]
                .as_str()
                .is_some_and(|m| m.contains("Unauthorized"))
        );
    }
}

#[test]
fn a_vm_lives_through_create_start_stop_and_delete() {
    let mut h = harness();
    let cluster = h.service.add_cluster("prod");
    let host = h.service.add_host(&cluster, "node-1");
    let created = h.ok(
        "CreateVm",
        json!([{"cluster_id": cluster, "name": "web-01", "ha": true, "cpu_cores": 2, "cpu_sockets": 2,
                "memory": 4, "memory_unit": "GB", "status": "STOPPED", "firmware": "BIOS",
                "vm_nics": [], "vm_disks": {"mount_new_create_disks": [{"bus": "VIRTIO", "boot": 0,
                    "vm_volume": {"name": "web-01-disk-0", "size": 40, "size_unit": "GB",
                                  "elf_storage_policy": "REPLICA_2_THIN_PROVISION"}}]}}]),
    );
    let vm = created[0]["data"]["id"].as_str().unwrap_or("").to_string();
    assert_eq!(created[0]["data"]["entityAsyncStatus"], "CREATING");
    assert!(
        h.names("GetVms", json!({})).is_empty(),
        "not there until its task finishes"
    );
    let tasks = h.settle(&created);
    assert_eq!(tasks[0]["status"], "SUCCESSED");
    assert_eq!(tasks[0]["resource_id"], json!(vm));
    let listed = h.ok("GetVms", json!({"where": {"id": vm}}));
    assert_eq!(listed[0]["name"], "web-01");
    assert_eq!(listed[0]["vcpu"], 4);
    assert_eq!(listed[0]["memory"], json!(4u64 << 30));
    assert_eq!(listed[0]["cluster"]["id"], json!(cluster));
    let disks = h.ok("GetVmDisks", json!({"where": {"vm": {"id": vm}}}));
    assert_eq!(disks.as_array().map(Vec::len), Some(1), "its disk: {disks}");
    assert_eq!(disks[0]["vm_volume"]["name"], "web-01-disk-0");
    let volume = disks[0]["vm_volume"]["id"].clone();
    assert_eq!(
        h.ok("GetVmVolumes", json!({"where": {"id": volume}}))[0]["size"],
        json!(40u64 << 30)
    );

    let stop = h.call("ShutDownVm", json!({"where": {"id": vm}}));
    assert_eq!(stop.0, 400);
    assert_eq!(
        stop.1["message"],
        "VM web-01 is stopped, so it cannot be stopped"
    );

    let started = h.ok("StartVm", json!({"where": {"id": vm}}));
    let locked = h.call("StartVm", json!({"where": {"id": vm}}));
    assert_eq!(
        (locked.0, locked.1["code"].clone()),
        (400, json!("ResourceLocked"))
    );
    h.settle(&started);
    let listed = h.ok("GetVms", json!({"where": {"id": vm}}));
    assert_eq!(listed[0]["status"], "RUNNING");
    assert_eq!(
        listed[0]["host"]["id"],
        json!(host),
        "the scheduler placed it"
    );
    let again = h.call_with(
        "StartVm",
        json!({"where": {"id": vm}}),
        &[("content-language", "zh-CN")],
    );
    assert_eq!(again.1["message"], "虚拟机 web-01 运行中，无法启动");

    let deleted = h.ok("DeleteVm", json!({"where": {"id": vm}}));
    assert_eq!(deleted[0]["data"], json!({"id": vm}));
    h.settle(&deleted);
    assert!(h.names("GetVms", json!({})).is_empty());
    assert_eq!(
        h.ok("GetVmDisks", json!({"where": {"vm": {"id": vm}}})),
        json!([]),
        "its disks went with it"
    );
    assert_eq!(h.ok("DeleteVm", json!({"where": {"id": vm}})), json!([]));
}

#[test]
fn a_task_seeded_to_fail_fails_and_changes_nothing() {
    let mut h = harness();
    let vm = h.service.add_vm("db-01", "RUNNING");
    h.service
        .fail_next_task(Some("ShutDownVm"), "guest did not answer");
    let stopped = h.ok("ShutDownVm", json!({"where": {"id": vm}}));
    let tasks = h.settle(&stopped);
    assert_eq!(tasks[0]["status"], "FAILED");
    assert_eq!(tasks[0]["error_message"], "guest did not answer");
    let listed = h.ok("GetVms", json!({"where": {"id": vm}}));
    assert_eq!(
        (
            listed[0]["status"].clone(),
            listed[0]["entityAsyncStatus"].clone()
        ),
        (json!("RUNNING"), Value::Null)
    );
}

#[test]
fn tasks_go_pending_executing_successed_over_polls() {
    let mut h = harness();
    let vm = h.service.add_vm("web-01", "STOPPED");
    let started = h.ok("StartVm", json!({"where": {"id": vm}}));
    let id = started[0]["task_id"].clone();
    let status =
        |h: &mut Harness| h.ok("GetTasks", json!({"where": {"id": id}}))[0]["status"].clone();
    assert_eq!(h.service.records("Task")[0]["status"], "PENDING");
    assert_eq!(status(&mut h), "EXECUTING");
    assert_eq!(
        h.ok("GetVms", json!({}))[0]["entityAsyncStatus"],
        "UPDATING"
    );
    assert_eq!(status(&mut h), "SUCCESSED");
    assert_eq!(status(&mut h), "SUCCESSED");
    assert_eq!(h.ok("GetVms", json!({}))[0]["status"], "RUNNING");
}

#[test]
fn where_filters_paging_and_counts() {
    let mut h = harness();
    let prod = h.service.add_cluster("prod");
    let test = h.service.add_cluster("test");
    let p1 = h.service.add_host(&prod, "p1");
    let t1 = h.service.add_host(&test, "t1");
    for (host, name, status) in [
        (&p1, "web-03", "RUNNING"),
        (&p1, "web-01", "STOPPED"),
        (&t1, "web-02", "RUNNING"),
        (&t1, "db-01", "SUSPENDED"),
    ] {
        h.service.add_vm_on(host, name, status);
    }
    let mut names =
        |where_: Value| h.names("GetVms", json!({"where": where_, "orderBy": "name_ASC"}));
    assert_eq!(
        names(json!({"name_starts_with": "web"})),
        ["web-01", "web-02", "web-03"]
    );
    assert_eq!(
        names(json!({"name_in": ["db-01", "web-02"]})),
        ["db-01", "web-02"]
    );
    assert_eq!(
        names(json!({"status_in": ["RUNNING"], "cluster": {"name": "prod"}})),
        ["web-03"]
    );
    assert_eq!(
        names(json!({"host": {"cluster": {"id": test}}})),
        ["db-01", "web-02"]
    );
    assert_eq!(
        names(json!({"OR": [{"status": "SUSPENDED"}, {"name_ends_with": "1"}]})),
        ["db-01", "web-01"]
    );
    assert_eq!(names(json!({"NOT": [{"name_contains": "web"}]})), ["db-01"]);
    assert_eq!(
        names(json!({"status_not": "RUNNING", "name_not_in": ["db-01"]})),
        ["web-01"]
    );

    assert_eq!(
        h.names("GetVms", json!({})),
        ["web-03", "web-01", "web-02", "db-01"],
        "creation order by default"
    );
    assert_eq!(
        h.names("GetVms", json!({"orderBy": "name_DESC", "first": 2})),
        ["web-03", "web-02"]
    );
    let second = h.ok(
        "GetVms",
        json!({"orderBy": "name_ASC", "first": 1, "skip": 1}),
    );
    assert_eq!(second[0]["name"], "web-01");
    let after = second[0]["id"].clone();
    assert_eq!(
        h.names(
            "GetVms",
            json!({"orderBy": "name_ASC", "after": after, "first": 5})
        ),
        ["web-02", "web-03"]
    );
    assert_eq!(
        h.ok("GetVmsConnection", json!({"where": {"status": "RUNNING"}})),
        json!({"aggregate": {"count": 2}})
    );
    // A connection counts the page its paging arguments select.
    assert_eq!(
        h.ok(
            "GetVmsConnection",
            json!({"orderBy": "name_ASC", "first": 2})
        ),
        json!({"aggregate": {"count": 2}})
    );
    assert_eq!(
        h.ok(
            "GetVmsConnection",
            json!({"orderBy": "name_ASC", "after": after, "first": 5})
        ),
        json!({"aggregate": {"count": 2}})
    );
    assert_eq!(
        h.ok("GetVmsConnection", json!({"skip": 100})),
        json!({"aggregate": {"count": 0}})
    );
    assert_eq!(
        h.names("GetHosts", json!({"where": {"cluster": {"name": "test"}}})),
        ["t1"]
    );
    let bad = h.call("GetVms", json!({"orderBy": "name_UP"}));
    assert_eq!(bad.0, 400);
}

#[test]
fn alerts_and_errors_follow_content_language() {
    let mut h = harness();
    h.service
        .add_alert("CRITICAL", "Host node-1 is down", "主机 node-1 已离线");
    let (_, en) = h.call("GetAlerts", json!({"where": {"ended": false}}));
    assert_eq!(en[0]["message"], "Host node-1 is down");
    assert!(en[0].get("__zh-CN").is_none(), "bookkeeping stays inside");
    let (_, zh) = h.call_with("GetAlerts", json!({}), &[("content-language", "zh-CN")]);
    assert_eq!(zh[0]["message"], "主机 node-1 已离线");
    let token = h.token.clone();
    let headers = [
        ("content-language", "zh-CN"),
        ("authorization", token.as_str()),
    ];
    let bad = request("GetVms", json!({"first": "x"}), &headers);
    let invalid = h.service.invalid(&bad, "`first` must be an integer");
    assert_eq!(invalid.status, 400);
    assert_eq!(
        json_of(&invalid)["message"],
        "请求无效：`first` must be an integer"
    );
    assert_eq!(json_of(&invalid)["path"], "/get-vms");
}

#[test]
fn updates_snapshots_and_the_recycle_bin() {
    let mut h = harness();
    let vm = h.service.add_vm("web-01", "STOPPED");
    let updated = h.ok(
        "UpdateVm",
        json!({"where": {"id": vm}, "data": {"name": "web-1", "cpu_cores": 4, "cpu_sockets": 1}}),
    );
    assert_eq!(
        updated[0]["data"]["name"], "web-1",
        "the placeholder shows the change"
    );
    h.settle(&updated);
    let listed = h.ok("GetVms", json!({"where": {"id": vm}}));
    assert_eq!(
        (listed[0]["name"].clone(), listed[0]["cpu"]["cores"].clone()),
        (json!("web-1"), json!(4))
    );

    let snap = h.ok(
        "CreateVmSnapshot",
        json!({"data": [{"vm_id": vm, "name": "before"}]}),
    );
    h.settle(&snap);
    let snaps = h.ok("GetVmSnapshots", json!({"where": {"vm": {"id": vm}}}));
    assert_eq!(
        (snaps[0]["name"].clone(), snaps[0]["vm"]["id"].clone()),
        (json!("before"), json!(vm))
    );
    assert_eq!(
        snaps[0]["cluster"], listed[0]["cluster"],
        "inherited from the VM"
    );
    assert_eq!(snaps[0]["cpu"]["cores"], 4, "the VM's configuration");
    let frozen = &snaps[0]["vm_disks"][0];
    assert_eq!(
        (frozen["type"].clone(), frozen["disk_name"].clone()),
        (json!("DISK"), json!("web-01-disk-0"))
    );
    let lun = frozen["snapshot_local_id"].clone();
    let luns = h.ok("GetIscsiLunSnapshots", json!({"where": {"name_in": [lun]}}));
    assert_eq!(
        luns.as_array().map(Vec::len),
        Some(1),
        "the LUN snapshot holding the disk"
    );
    let missing = h.call(
        "CreateVmSnapshot",
        json!({"data": [{"vm_id": "nope", "name": "x"}]}),
    );
    assert_eq!(missing.0, 404);

    // Rolling back restores the snapshot's configuration.
    let grown = h.ok(
        "UpdateVm",
        json!({"where": {"id": vm}, "data": {"vcpu": 16}}),
    );
    h.settle(&grown);
    let snapshot = snaps[0]["id"].clone();
    let rolled = h.ok(
        "RollbackVm",
        json!({"where": {"id": vm}, "data": {"snapshot_id": snapshot}}),
    );
    h.settle(&rolled);
    assert_eq!(
        h.ok("GetVms", json!({"where": {"id": vm}}))[0]["vcpu"],
        snaps[0]["vcpu"]
    );

    let binned = h.ok("MoveVmToRecycleBin", json!({"where": {"id": vm}}));
    h.settle(&binned);
    assert_eq!(
        h.ok("GetVms", json!({"where": {"in_recycle_bin": true}}))[0]["id"],
        json!(vm)
    );
    let deleted = h.ok(
        "DeleteVm",
        json!({"where": {"id": vm}, "effect": {"include_snapshots": true}}),
    );
    h.settle(&deleted);
    assert_eq!(h.ok("GetVmSnapshots", json!({})), json!([]));
}

#[test]
fn an_inline_where_names_one_record_and_reads_change_nothing() {
    let mut h = harness();
    let cluster = h.service.add_cluster("prod");
    let host = h.service.add_host(&cluster, "node-1");
    let entered = h.ok(
        "EnterMaintenanceMode",
        json!({"where": {"host_id": host}, "data": {"shutdown_vms": []}}),
    );
    assert_eq!(
        entered["data"]["id"],
        json!(host),
        "one host, not a new one"
    );
    assert!(entered["task_id"].is_string());
    assert_eq!(h.service.records("Host").len(), 1);

    let vm = h.service.add_vm_on(&host, "web-01", "RUNNING");
    let tasks = h.service.records("Task").len();
    let (status, _) = h.call(
        "GetVmMetrics",
        json!({"vms": {"id": vm}, "metrics": ["elf_vm_cpu_overall_usage_percent"], "range": "10m"}),
    );
    assert_eq!(status, 200);
    assert_eq!(
        h.service.records("Task").len(),
        tasks,
        "a read starts no task"
    );
    assert!(h.service.records("Metric").is_empty());
}

#[test]
fn clones_and_vms_from_templates_take_their_source_configuration() {
    let mut h = harness();
    let cluster = h.service.add_cluster("prod");
    let source = h.service.add_vm("golden", "STOPPED");
    let grown = h.ok(
        "UpdateVm",
        json!({"where": {"id": source}, "data": {"vcpu": 12}}),
    );
    h.settle(&grown);
    let cloned = h.ok(
        "CloneVm",
        json!([{"src_vm_id": source, "name": "golden-copy", "cluster_id": cluster}]),
    );
    h.settle(&cloned);
    let copy = h.ok("GetVms", json!({"where": {"name": "golden-copy"}}));
    assert_eq!(copy[0]["vcpu"], 12, "the source VM's configuration");
    assert_eq!(copy[0]["cluster"]["id"], json!(cluster));

    let template = h.service.insert(
        "VmTemplate",
        json!({"name": "centos", "vcpu": 6, "memory": 4u64 << 30}),
    );
    let made = h.ok(
        "CreateVmFromTemplate",
        json!([{"template_id": template, "name": "from-template", "is_full_copy": false, "cluster_id": cluster}]),
    );
    h.settle(&made);
    let vm = h.ok("GetVms", json!({"where": {"name": "from-template"}}));
    assert_eq!(
        (vm[0]["vcpu"].clone(), vm[0]["memory"].clone()),
        (json!(6), json!(4u64 << 30))
    );
}

#[test]
fn disks_cd_roms_and_nics_are_added_and_removed() {
    let mut h = harness();
    let vm = h.service.add_vm("web-01", "STOPPED");
    let disk_count = |h: &mut Harness| {
        let disks = h.ok("GetVmDisks", json!({"where": {"vm": {"id": vm}}}));
        let listed = h.ok("GetVms", json!({"where": {"id": vm}}));
        let on_vm = listed[0]["vm_disks"].as_array().map_or(0, Vec::len);
        (disks.as_array().map_or(0, Vec::len), on_vm)
    };
    assert_eq!(disk_count(&mut h), (1, 1), "the seeded system disk");
    let added = h.ok(
        "AddVmDisk",
        json!({"where": {"id": vm}, "data": {"vm_disks": {"mount_new_create_disks": [
            {"bus": "VIRTIO", "boot": 1, "vm_volume": {"name": "data", "size": 10, "size_unit": "GB",
                                                      "elf_storage_policy": "REPLICA_2_THIN_PROVISION"}}]}}}),
    );
    assert_eq!(disk_count(&mut h), (1, 1), "not before its task finishes");
    h.settle(&added);
    assert_eq!(disk_count(&mut h), (2, 2));
    let cd = h.ok(
        "AddVmCdRom",
        json!({"where": {"id": vm}, "data": {"vm_cd_roms": [{"boot": 2}]}}),
    );
    h.settle(&cd);
    assert_eq!(disk_count(&mut h), (3, 3));
    let disks = h.ok(
        "GetVmDisks",
        json!({"where": {"vm": {"id": vm}, "type": "CD_ROM"}}),
    );
    let cd_rom = disks[0]["id"].clone();
    let removed = h.ok(
        "RemoveVmCdRom",
        json!({"where": {"id": vm}, "data": {"cd_rom_ids": [cd_rom]}}),
    );
    h.settle(&removed);
    assert_eq!(disk_count(&mut h), (2, 2));
    let data = h.ok(
        "GetVmDisks",
        json!({"where": {"vm": {"id": vm}, "type": "DISK"}, "first": 1}),
    );
    let grown = h.ok(
        "ExpandVmDisk",
        json!({"where": {"id": data[0]["id"]}, "size": 80, "size_unit": "GB"}),
    );
    assert_eq!(
        grown[0]["data"]["id"],
        json!(vm),
        "answers the VM the disk is in"
    );
    h.settle(&grown);
    let volume = h.ok(
        "GetVmVolumes",
        json!({"where": {"id": data[0]["vm_volume"]["id"]}}),
    );
    assert_eq!(volume[0]["size"], json!(80u64 << 30));

    let nics = |h: &mut Harness| {
        h.ok("GetVms", json!({"where": {"id": vm}}))[0]["vm_nics"]
            .as_array()
            .map_or(0, Vec::len)
    };
    let added = h.ok(
        "AddVmNic",
        json!({"where": {"id": vm}, "data": {"vm_nics": [{}, {}]}}),
    );
    h.settle(&added);
    assert_eq!(nics(&mut h), 2);
    let removed = h.ok(
        "RemoveVmNic",
        json!({"where": {"id": vm}, "data": {"nic_index": [0]}}),
    );
    h.settle(&removed);
    assert_eq!(nics(&mut h), 1);
}

/// Every task description and every resource kind a message names reads
/// in Chinese under `content-language: zh-CN`: each word of every mutation
/// of the spec, and of every collection it reads, has its translation.
#[test]
fn every_operation_and_collection_of_the_spec_has_chinese_words() {
    use super::spec::{Kind, Spec};
    let spec = Spec::load().expect("the packaged spec");
    let mut missing = std::collections::BTreeSet::new();
    for (id, op) in spec.operations() {
        let names: Vec<&str> = match &op.kind {
            Kind::Mutation { .. } => vec![id.as_str()],
            Kind::List { item, .. } => vec![item.as_str()],
            Kind::Count { collection, .. } => vec![collection.as_str()],
            Kind::Login | Kind::Other => vec![],
        };
        for name in names {
            missing.extend(super::messages::untranslated(name));
        }
    }
    assert!(missing.is_empty(), "words without Chinese: {missing:?}");
}

/// With `content-language: zh-CN`, the texts the fake writes into records
/// (a task's description, a failed task's error message) and the errors of
/// its named faults are in Chinese; in English otherwise.
#[test]
fn task_texts_and_fault_answers_follow_the_language() {
    use cloud_fake::Fault;
    let mut h = harness();
    let vm = h.service.add_vm("web-01", "STOPPED");
    let zh = [("content-language", "zh-CN")];
    let body = json!({"where": {"id": vm}});
    // The named fault seeds the task's failure; the call then proceeds.
    let fault = h.service.named_fault(
        "task-fails-insufficient-memory",
        &request("StartVm", body.clone(), &zh),
    );
    assert_eq!(fault, Some(Fault::Proceed));
    let (status, started) = h.call_with("StartVm", body, &zh);
    assert_eq!(status, 200, "{started}");
    let filter = json!({"where": {"id": started[0]["task_id"].clone()}});
    let mut read =
        |headers: &[(&str, &str)]| h.call_with("GetTasks", filter.clone(), headers).1[0].clone();
    let (_, en, zh_task) = (read(&[]), read(&[]), read(&zh));
    assert_eq!(en["status"], "FAILED", "{en}");
    assert_eq!(en["description"], "Start vm web-01");
    assert_eq!(zh_task["description"], "启动虚拟机 web-01");
    assert_eq!(
        en["error_message"],
        "Insufficient memory: the host has not enough free memory for the VM"
    );
    assert_eq!(
        zh_task["error_message"],
        "内存不足：主机没有足够的空闲内存运行该虚拟机"
    );
    assert!(zh_task.get("__zh-CN").is_none(), "bookkeeping stays inside");

    let answer = |lang: &[(&str, &str)], h: &mut Harness| match h.service.named_fault(
        "duplicate-vm-after-sync-timeout",
        &request("CreateVm", json!([]), lang),
    ) {
        Some(Fault::AfterEffect(inner)) => match *inner {
            Fault::Respond(response) => json_of(&response)["message"].clone(),
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    };
    assert_eq!(
        answer(&[], &mut h),
        "Sync VM timeout: the operation may still complete"
    );
    assert_eq!(answer(&zh, &mut h), "同步虚拟机超时：操作可能仍会完成");

    // What the transport answers through the service: an injected status
    // and a path no operation serves.
    let injected = h.service.fault(&request("GetVms", json!({}), &zh), 503);
    assert_eq!(injected.status, 503);
    assert_eq!(json_of(&injected)["message"], "注入的故障：HTTP 503");
    assert_eq!(json_of(&injected)["path"], "/get-vms");
    let mut unknown = request("", json!({}), &zh);
    unknown.path = "/frobnicate-vm".into();
    let missing = h.service.not_found(&unknown);
    assert_eq!(missing.status, 404);
    assert_eq!(
        json_of(&missing)["message"],
        "没有操作处理 POST /frobnicate-vm"
    );
}
