//! The fake CloudTower through the public client: login, a VM's life
//! (create, list, wrong-state action, delete), `where` filters and paging,
//! `content-language`, failed tasks, faults, and requests the service
//! would reject.

use cloudtower_api::types::{
    ContentLanguage, GetAlertsRequestBody, GetVmsRequestBody, VmCreationParams, VmDiskParams,
    VmFirmware, VmNicParams, VmStatus, VmWhereInput,
};
use cloudtower_api::{
    ClientConfig, CloudTower, ErrorKind, RetryPolicy, TaskReport, TaskWait, UserSource,
};
use cloudtower_fake::{self as fake, Fake, Fault};
use futures::TryStreamExt;
use serde_json::{Value, json};

async fn login(fake: &Fake) -> CloudTower {
    CloudTower::login(
        ClientConfig::new(fake.base_url()).retry(RetryPolicy::never()),
        fake::DEFAULT_USERNAME,
        fake::DEFAULT_PASSWORD,
        UserSource::Local,
    )
    .await
    .expect("login")
    .with_task_wait(TaskWait::new().interval(fake::FAST_POLL))
}

fn new_vm(cluster: &str, name: &str) -> Value {
    json!({"cluster_id": cluster, "name": name, "ha": false, "cpu_cores": 1, "cpu_sockets": 2,
           "memory": 2, "memory_unit": "GB", "status": "STOPPED", "firmware": "BIOS",
           "vm_nics": [], "vm_disks": {}})
}

#[tokio::test]
async fn a_vm_is_created_listed_refused_in_the_wrong_state_and_deleted() {
    let fake = Fake::start().await.expect("fake");
    let cluster = fake.add_cluster("prod");
    fake.add_host(&cluster, "node-1");
    let ct = login(&fake).await;

    // The generated builder, as user code writes it.
    let params = VmCreationParams::builder()
        .cluster_id(cluster.clone())
        .name("web-01")
        .ha(false)
        .cpu_cores(1)
        .cpu_sockets(2)
        .memory(2i64 << 30)
        .status(VmStatus::Stopped)
        .firmware(VmFirmware::Bios)
        .vm_nics(Vec::<VmNicParams>::new())
        .vm_disks(VmDiskParams::default());
    let created = ct.create_vm([params]).await.expect("create");
    let id = created[0].data.id.clone();
    let tasks = ct.wait(&created).await.expect("the create task");
    assert_eq!(tasks[0].resource_id.as_deref(), Some(id.as_str()));

    let listed = ct.instances().await.expect("list");
    assert_eq!(
        listed.iter().map(|vm| vm.name.as_str()).collect::<Vec<_>>(),
        ["web-01"]
    );
    assert_eq!((listed[0].vcpu, listed[0].memory), (2, 2 << 30));

    ct.start_instance(&id).await.expect("start");
    assert_eq!(
        ct.instance(&id).await.expect("get").status,
        VmStatus::Running
    );
    let refused = ct
        .start_instance(&id)
        .await
        .expect_err("a running VM cannot start");
    assert_eq!(
        (refused.kind(), refused.status()),
        (ErrorKind::Api, Some(400))
    );
    assert!(
        refused
            .message()
            .contains("web-01 is running, so it cannot be started"),
        "{refused}"
    );

    ct.stop_instance(&id).await.expect("stop");
    ct.delete_instance(&id).await.expect("delete");
    assert!(ct.instances().await.expect("list").is_empty());
    let gone = ct.instance(&id).await.expect_err("deleted");
    assert_eq!(gone.kind(), ErrorKind::Api);
    assert!(fake.vms().is_empty());
}

/// A VM seeded with a chosen id (one a spec example names) in any power
/// state, with its system disk: a suspended one resumes.
#[tokio::test]
async fn a_vm_seeded_with_its_id_is_in_its_state_and_acts_from_it() {
    let fake = Fake::start().await.expect("fake");
    let cluster = fake.add_cluster("prod");
    let host = fake.add_host(&cluster, "node-1");
    let id = "cl2k1yswo1ifk0822d4n9w2xp";
    fake.add_vm_with_id(&host, id, "web-04", VmStatus::Suspended);
    let vms = fake.vms();
    assert_eq!((vms[0].id.as_str(), vms[0].name.as_str()), (id, "web-04"));
    assert_eq!(vms[0].status, VmStatus::Suspended);
    let disks = fake.records("VmDisk");
    assert_eq!(disks.len(), 1, "{disks:?}");
    assert_eq!(disks[0]["vm"]["id"], id);

    let ct = login(&fake).await;
    let refused = ct
        .start_vm(VmWhereInput::by_id(id))
        .await
        .expect_err("a suspended VM is resumed, not started");
    assert_eq!(refused.status(), Some(400));
    let resumed = ct.resume_vm(VmWhereInput::by_id(id)).await.expect("resume");
    ct.wait(&resumed).await.expect("the resume task");
    assert_eq!(fake.vms()[0].status, VmStatus::Running);
}

#[tokio::test]
async fn where_filters_and_paging_go_through_the_typed_inputs() {
    let fake = Fake::start().await.expect("fake");
    for (name, status) in [
        ("web-03", VmStatus::Running),
        ("db-01", VmStatus::Stopped),
        ("web-01", VmStatus::Running),
        ("web-02", VmStatus::Stopped),
        ("web-04", VmStatus::Running),
    ] {
        fake.add_vm(name, status);
    }
    let ct = fake.client().expect("client");

    let mut web = VmWhereInput::default();
    web.name_starts_with = Some("web".into());
    let mut body = GetVmsRequestBody::from(web.clone());
    body.order_by = Some("name_ASC".parse().expect("an orderBy"));
    let pages: Vec<Vec<String>> = ct
        .pages(body, 2)
        .map_ok(|page| page.into_iter().map(|vm| vm.name).collect())
        .try_collect()
        .await
        .expect("pages");
    assert_eq!(pages, [vec!["web-01", "web-02"], vec!["web-03", "web-04"]]);

    let mut running_web = web.clone();
    running_web.status = Some(VmStatus::Running);
    let mut not_03 = VmWhereInput::default();
    not_03.name = Some("web-03".into());
    running_web.not = Some(vec![not_03]);
    let names: Vec<String> = ct
        .get_vms(running_web)
        .await
        .expect("filtered")
        .into_iter()
        .map(|vm| vm.name)
        .collect();
    assert_eq!(names, ["web-01", "web-04"]);

    let count = ct
        .get_vms_connection(json!({"where": {"name_in": ["db-01", "web-02", "nope"]}}))
        .await
        .expect("count");
    assert_eq!(count.aggregate.count, 2);
    let first = ct
        .first(VmWhereInput::by_name("db-01"))
        .await
        .expect("first");
    assert_eq!(first.map(|vm| vm.status), Some(VmStatus::Stopped));
}

#[tokio::test]
async fn content_language_switches_messages_and_alerts() {
    let fake = Fake::start().await.expect("fake");
    let vm = fake.add_vm("web-01", VmStatus::Running);
    fake.add_alert("CRITICAL", "Host node-01 is down", "主机 node-01 已离线");
    let ct = fake.client().expect("client");
    let zh = ct.with_language(ContentLanguage::ZhCn).expect("zh");

    let alerts = zh
        .get_alerts(GetAlertsRequestBody::default())
        .await
        .expect("alerts");
    assert_eq!(alerts[0].message, "主机 node-01 已离线");
    let alerts = ct
        .get_alerts(GetAlertsRequestBody::default())
        .await
        .expect("alerts");
    assert_eq!(alerts[0].message, "Host node-01 is down");

    let refused = zh.start_instance(&vm).await.expect_err("running");
    assert!(
        refused.message().contains("虚拟机 web-01 运行中，无法启动"),
        "{refused}"
    );
}

#[tokio::test]
async fn a_task_seeded_to_fail_is_reported_with_its_message() {
    let fake = Fake::start().await.expect("fake");
    let vm = fake.add_vm("db-01", VmStatus::Running);
    fake.fail_next_task(Some("ShutDownVm"), "the guest did not shut down");
    let ct = fake.client().expect("client");
    let failed = ct.stop_instance(&vm).await.expect_err("the task fails");
    let report = TaskReport::of(&failed).expect("a task report");
    assert_eq!(report.failed().count(), 1);
    assert!(
        failed.to_string().contains("the guest did not shut down"),
        "{failed}"
    );
    assert_eq!(fake.vms()[0].status, VmStatus::Running, "nothing changed");
    assert_eq!(fake.tasks().len(), 1);
}

#[tokio::test]
async fn injected_faults_are_retried_and_everything_is_recorded() {
    let fake = Fake::start().await.expect("fake");
    fake.add_vm("web-01", VmStatus::Running);
    fake.inject("GetVms", Fault::Status(503), 1);
    let retrying = RetryPolicy {
        initial_backoff: std::time::Duration::from_millis(1),
        ..RetryPolicy::default()
    };
    let ct = fake
        .client_with(ClientConfig::new("unused").retry(retrying))
        .expect("client");
    assert_eq!(ct.instances().await.expect("retried").len(), 1);
    let statuses: Vec<Option<u16>> = fake
        .received()
        .iter()
        .filter(|r| r.operation_id.as_deref() == Some("GetVms"))
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [Some(503), Some(200)]);
}

/// Raw HTTP, for requests the typed client would never send.
async fn post(fake: &Fake, path: &str, token: Option<&str>, body: Value) -> (u16, Value) {
    let http = ClientConfig::new(fake.base_url())
        .http_client(cloudtower_api::PROVIDER, cloudtower_api::USER_AGENT)
        .expect("http client");
    let mut request = http.post(format!("{}{path}", fake.base_url())).json(&body);
    if let Some(token) = token {
        request = request.header("authorization", token);
    }
    let response = request.send().await.expect("sent");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn requests_the_service_would_reject_get_its_error_body() {
    let fake = Fake::start().await.expect("fake");
    let cluster = fake.add_cluster("prod");
    let token = fake.token();
    let mut incomplete = new_vm(&cluster, "web-01");
    incomplete.as_object_mut().map(|o| o.remove("name"));
    let cases = [
        (
            "/create-vm",
            Some(token.as_str()),
            json!([incomplete]),
            400,
            "name",
        ),
        (
            "/get-vms",
            Some(token.as_str()),
            json!({"first": "ten"}),
            400,
            "first",
        ),
        (
            "/get-vms",
            Some(token.as_str()),
            json!({"where": {"colour": "red"}}),
            400,
            "colour",
        ),
        ("/get-vms", None, json!({}), 401, "Unauthorized"),
        (
            "/get-vms",
            Some(&*format!("Bearer {token}")),
            json!({}),
            401,
            "Unauthorized",
        ),
        // The token is checked first: none and a bad body is a 401.
        (
            "/get-vms",
            None,
            json!({"first": "ten"}),
            401,
            "Unauthorized",
        ),
    ];
    for (path, token, body, status, named) in cases {
        let (got, error) = post(&fake, path, token, body.clone()).await;
        assert_eq!(got, status, "{path} {body}: {error}");
        assert_eq!(error["status"], json!(status), "{error}");
        assert_eq!(error["path"], json!(path), "{error}");
        let message = error["message"].as_str().unwrap_or("");
        assert!(message.contains(named), "{path} {body}: {message}");
    }
    // Through the client: a bad token is an API error with the message.
    let stranger = CloudTower::with_config(
        ClientConfig::new(fake.base_url()).retry(RetryPolicy::never()),
        "stolen",
    )
    .expect("client");
    let refused = stranger.instances().await.expect_err("401");
    assert_eq!(refused.status(), Some(401));
    let wrong = CloudTower::login(fake.base_url(), "admin", "guess", UserSource::Local)
        .await
        .expect_err("bad password");
    assert!(
        wrong.message().contains("Invalid username or password"),
        "{wrong}"
    );
}

#[tokio::test]
async fn workflows_label_vms_and_pass_gpus_through() {
    let fake = Fake::start().await.expect("fake");
    let cluster = fake.add_cluster("prod");
    let host = fake.add_host(&cluster, "node-1");
    let web = fake.add_vm_on(&host, "web-01", VmStatus::Running);
    fake.add_vm_on(&host, "db-01", VmStatus::Running);
    fake.insert("Label", json!({"key": "role", "value": "gpu-worker"}));
    let gpu = fake.insert("GpuDevice", json!({"name": "gpu-0"}));
    let ct = login(&fake).await;

    // Nothing carries the label yet; then web-01 does, and only it.
    assert!(ct.vms_labelled("role", None).await.unwrap().is_empty());
    let role = cloudtower_api::types::LabelWhereInput::builder().key("role");
    let labelled = ct
        .label_vms(role.try_into().unwrap(), VmWhereInput::by_name("web-01"))
        .await
        .unwrap();
    ct.wait(&labelled).await.unwrap();
    let workers = ct.vms_labelled("role", Some("gpu-worker")).await.unwrap();
    let names: Vec<&str> = workers.iter().map(|vm| vm.name.as_str()).collect();
    assert_eq!(names, ["web-01"]);
    assert!(
        ct.vms_labelled("role", Some("other"))
            .await
            .unwrap()
            .is_empty()
    );

    // A GPU attached shows on the VM once its task is done; detached, it goes.
    ct.attach_gpus(&web, &[gpu.as_str()]).await.unwrap();
    let vm = ct.instance(&web).await.unwrap();
    let ids: Vec<&str> = vm
        .gpu_devices
        .iter()
        .flatten()
        .map(|g| g.id.as_str())
        .collect();
    assert_eq!(ids, [gpu.as_str()]);
    ct.detach_gpus(&web, &[gpu.as_str()]).await.unwrap();
    let vm = ct.instance(&web).await.unwrap();
    assert!(vm.gpu_devices.iter().flatten().next().is_none());
}

/// The official 4.6.0 document, vendored in the repository.
const OFFICIAL: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../upstream/cloudtower/cloudtower-4.6.0-swagger.json"
));

#[tokio::test]
async fn every_listed_record_has_what_the_official_document_requires() {
    // Its schemas only: the checker needs no operations.
    let mut official: Value = serde_json::from_str(OFFICIAL).expect("the official document");
    official["paths"] = json!({});
    let official = cloud_fake::Spec::parse(&official.to_string()).expect("official schemas");
    let ours = cloud_fake::Spec::parse(include_str!("../spec/cloudtower.yaml")).expect("our spec");
    let doc = cloud_spec::Spec::parse(include_str!("../spec/cloudtower.yaml")).expect("our spec");

    let fake = Fake::start().await.expect("fake");
    fake.add_examples();
    let cluster = fake.add_cluster("prod");
    let host = fake.add_host(&cluster, "node-1");
    fake.add_disk(&host, "sdb");
    fake.add_vm_on(&host, "web-03", VmStatus::Running);
    let ct = login(&fake).await;
    // A task the fake made itself, besides the examples'.
    let created = ct
        .create_vm([
            serde_json::from_value::<VmCreationParams>(new_vm(&cluster, "web-04")).expect("params"),
        ])
        .await
        .expect("create");
    ct.wait(&created).await.expect("the create task");

    let http = ClientConfig::new(fake.base_url())
        .http_client(cloudtower_api::PROVIDER, cloudtower_api::USER_AGENT)
        .expect("an HTTP client");
    let mut checked = Vec::new();
    for op in ours.operations() {
        let Some(item) = ours
            .success_schema(&op.id)
            .filter(|s| s["type"] == "array")
            .and_then(|s| s["items"]["$ref"].as_str())
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
        else {
            continue;
        };
        // Reads of records; metrics are computed answers, not records.
        if !op.id.starts_with("Get") || item.starts_with("WithTask") {
            continue;
        }
        // Reads `{}` lists all of: not those that require a `where` (a
        // cluster's meta leader, its storage info).
        let body = doc
            .operation(&op.id)
            .and_then(|o| o.request_body(doc.document()))
            .and_then(cloud_spec::body_schema)
            .map(|(_, schema)| cloud_spec::resolve_schema(doc.document(), schema));
        if body.is_some_and(|b| !cloud_spec::required(b).is_empty()) {
            continue;
        }
        let schema = official
            .schema(item)
            .unwrap_or_else(|| panic!("the official document has no {item}"));
        let records: Vec<Value> = http
            .post(format!("{}{}", fake.base_url(), op.path))
            .header("authorization", fake.token())
            .json(&json!({}))
            .send()
            .await
            .expect("list")
            .json()
            .await
            .expect("a JSON list");
        assert!(!records.is_empty(), "{} lists nothing to check", op.id);
        for record in &records {
            if let Err(e) = official.check(schema, record, item, 0) {
                panic!(
                    "{} answers a {item} the official document refuses: {e}\n{record:#}",
                    op.id
                );
            }
        }
        checked.push(item);
    }
    for schema in ["Task", "Host", "Cluster", "Disk", "Vm"] {
        assert!(
            checked.contains(&schema),
            "{schema} was not checked: {checked:?}"
        );
    }
}
