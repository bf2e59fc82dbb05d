//! The TensorDock v2 fake (`tensordock_fake::v2`) through the public
//! client: a whole instance lifecycle with the service's own messages,
//! stock, the error-in-200 of a failed placement, the bearer token, the
//! request wrapper and the rate limit, and the drift guard that every
//! operation of the spec is answered with a body the generated types parse.

use std::time::Duration;

use cloud_common::WaitOptions;
use cloud_fake::Fault;
use serde_json::json;
use tensordock_api::ports::PortMappings;
use tensordock_api::v2::{
    CreateInstance, InstanceStatus, Placement, SshKey, TensorDock, generated, types,
};
use tensordock_api::{ClientConfig, ErrorKind, RetryPolicy};
use tensordock_fake::v2::{Fake, GPU_MODEL, HOSTNODE, LOCATION, RATE_LIMIT, TOKEN, fixtures};

fn client(fake: &Fake) -> TensorDock {
    TensorDock::with_config(
        ClientConfig::new(fake.base_url())
            .retry(RetryPolicy::never())
            .no_rate_limit(),
        TOKEN,
    )
    .unwrap()
}

fn request(gpus: u32) -> CreateInstance {
    CreateInstance::new(
        "trainer",
        "ubuntu2404",
        Placement::Hostnode(HOSTNODE.into()),
    )
    .vcpus(4)
    .ram_gb(16)
    .storage_gb(100)
    .gpu(GPU_MODEL, gpus)
    .ssh_key(SshKey::PublicKey("ssh-ed25519 AAAA test".into()))
    .ports(&PortMappings::new().map(20001, 22))
}

fn wait() -> WaitOptions {
    WaitOptions::new(Duration::from_secs(30)).interval(Duration::from_millis(10))
}

#[tokio::test]
async fn an_instance_lives_through_create_stop_start_and_delete() {
    let fake = Fake::start().await.unwrap();
    let td = client(&fake);
    let created = td.create_instance(request(2)).await.unwrap();
    assert_eq!(
        fake.gpus_available(HOSTNODE, GPU_MODEL),
        Some(2),
        "stock drops"
    );
    let locations = td.locations().await.unwrap();
    assert_eq!(locations[0].gpus[0].max_count, Some(2));

    let listed = td.instances().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, created.id);
    // The generated operation itself, through the client's native handle.
    let native = td
        .native()
        .get_instance()
        .id(&created.id)
        .send()
        .await
        .unwrap();
    assert!(
        matches!(native.into_inner(), types::GetInstanceResult::Instance(i) if i.id == created.id)
    );
    let running = td
        .wait_until_running_with_ip(&created.id, wait())
        .await
        .unwrap();
    assert_eq!(running.port_forwards[0].external_port, 20001);

    let err = td.start_instance(&created.id).await.unwrap_err();
    assert_eq!((err.kind(), err.status()), (ErrorKind::Api, Some(400)));
    assert_eq!(
        err.message(),
        "Machine is running, therefore it cannot be started"
    );

    let before = fake.balance();
    fake.advance(Duration::from_secs(3600));
    assert!(fake.balance() < before, "a running instance costs money");

    td.stop_instance(&created.id).await.unwrap();
    td.wait_for_status(&created.id, InstanceStatus::Stopped, wait())
        .await
        .unwrap();
    let err = td.stop_instance(&created.id).await.unwrap_err();
    assert_eq!(
        err.message(),
        "Machine is stopped, therefore it cannot be stopped"
    );
    td.modify_instance(
        &created.id,
        types::ModifyInstanceRequest::builder().cpu_cores(8),
    )
    .await
    .unwrap();

    td.delete_instance(&created.id).await.unwrap();
    assert!(td.instances().await.unwrap().is_empty());
    assert_eq!(
        fake.gpus_available(HOSTNODE, GPU_MODEL),
        Some(4),
        "stock comes back"
    );
    let err = td.instance(&created.id).await.unwrap_err();
    assert_eq!(err.status(), Some(404));
}

#[tokio::test]
async fn a_placement_without_stock_fails_inside_a_200() {
    let fake = Fake::start().await.unwrap();
    let td = client(&fake);
    let at_location =
        CreateInstance::new("big", "ubuntu2404", Placement::Location(LOCATION.into()))
            .vcpus(4)
            .ram_gb(16)
            .storage_gb(100)
            .gpu(GPU_MODEL, 5)
            .dedicated_ip(true)
            .ssh_key(SshKey::PublicKey("ssh-ed25519 AAAA test".into()));
    let err = td.create_instance(at_location).await.unwrap_err();
    assert_eq!((err.kind(), err.status()), (ErrorKind::Api, Some(400)));
    assert_eq!(err.message(), "No available nodes found");
    assert_eq!(
        fake.received().last().unwrap().status,
        Some(200),
        "sent as HTTP 200"
    );
    assert!(fake.instance_ids().is_empty());

    fake.set_balance(0.5);
    let err = td.create_instance(request(1)).await.unwrap_err();
    assert!(err.message().contains("balance"), "{err}");
}

#[tokio::test]
async fn invalid_requests_get_v2_errors_naming_what_was_wrong() {
    let fake = Fake::start().await.unwrap();
    let raw = ClientConfig::new(fake.base_url())
        .http_client("tensordock", "fake-test")
        .unwrap();
    let url = format!("{}/instances", fake.base_url());
    let auth = format!("Bearer {TOKEN}");
    let attributes = json!({"name": "x", "type": "virtualmachine", "image": "ubuntu2404",
                            "hostnode_id": HOSTNODE, "ssh_key": "ssh-ed25519 AAAA",
                            "resources": {"vcpu_count": 2, "ram_gb": 4, "storage_gb": 100}});
    // Without the {"data": {"type", "attributes"}} wrapper.
    let answer = raw
        .post(&url)
        .header("authorization", &auth)
        .json(&attributes)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 400);
    let issues: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(issues[0]["path"], json!(["data"]), "{issues}");
    // A wrong type, through the validation issue's path.
    let mut wrong = json!({"data": {"type": "virtualmachine", "attributes": attributes}});
    wrong["data"]["attributes"]["resources"]["vcpu_count"] = json!("four");
    let issues: serde_json::Value = raw
        .post(&url)
        .header("authorization", &auth)
        .json(&wrong)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        issues[0]["path"],
        json!(["data", "attributes", "resources", "vcpu_count"])
    );
    // The service's own rule, through the client.
    let no_ssh = CreateInstance::new("x", "ubuntu2404", Placement::Hostnode(HOSTNODE.into()))
        .vcpus(2)
        .ram_gb(4)
        .storage_gb(100)
        .gpu(GPU_MODEL, 1)
        .ssh_key(SshKey::PublicKey("ssh-ed25519 AAAA".into()));
    let err = client(&fake).create_instance(no_ssh).await.unwrap_err();
    assert_eq!(
        err.message(),
        "data.attributes.port_forwards: SSH port (22) must be forwarded for Ubuntu VMs"
    );

    // Missing and wrong tokens: 403 (before the body is looked at), but
    // the locations are public.
    let answer = raw.post(&url).json(&attributes).send().await.unwrap();
    assert_eq!(answer.status(), 403);
    let answer = raw
        .get(format!("{}/hostnodes", fake.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 403);
    let wrong_token = TensorDock::with_config(
        ClientConfig::new(fake.base_url()).retry(RetryPolicy::never()),
        "not-the-token",
    )
    .unwrap();
    let err = wrong_token.instances().await.unwrap_err();
    assert_eq!((err.kind(), err.status()), (ErrorKind::Api, Some(403)));
    assert!(wrong_token.locations().await.is_ok());
    assert!(!format!("{:?}", fake.received()).contains(TOKEN));
}

#[tokio::test]
async fn more_than_100_requests_a_minute_get_429_with_retry_after() {
    let fake = Fake::start().await.unwrap();
    let td = client(&fake);
    for _ in 0..RATE_LIMIT {
        td.locations().await.unwrap();
    }
    let err = td.locations().await.unwrap_err();
    assert_eq!(err.status(), Some(429));
    let retry_after = err.retry_after().expect("a Retry-After");
    assert!(retry_after > Duration::ZERO && retry_after <= Duration::from_secs(60));
    fake.set_rate_limit(None);
    assert!(td.locations().await.is_ok());
}

#[tokio::test]
async fn injected_faults_reach_the_client() {
    let fake = Fake::start().await.unwrap();
    let td = client(&fake);
    fake.inject(
        generated::operation_ids::LIST_INSTANCES,
        Fault::Status(502),
        1,
    );
    assert_eq!(td.instances().await.unwrap_err().status(), Some(502));
    fake.inject(generated::operation_ids::LIST_INSTANCES, Fault::Drop, 1);
    assert_eq!(td.instances().await.unwrap_err().status(), None);
    assert!(td.instances().await.is_ok());
}

#[test]
fn fixtures_are_typed_values_of_the_spec_shapes() {
    let instance = fixtures::instance("i-1", "trainer", "Stopped");
    assert_eq!(instance.name.as_deref(), Some("trainer"));
    let hostnode = fixtures::hostnode("hn-1", GPU_MODEL, 2, 0.4);
    assert_eq!(hostnode.location_id.as_deref(), Some(LOCATION));
    let location = fixtures::location(LOCATION, GPU_MODEL, 3, 0.4);
    assert_eq!(location.gpus[0].max_count, Some(3));
}

/// Every operation of the spec, called through the client against the
/// fake, must succeed: the fake answers it, and the generated types parse
/// the answer. An operation added to the spec fails here by name until the
/// fake (and this list) support it.
#[tokio::test]
async fn the_fake_answers_every_operation_of_the_spec() {
    let fake = Fake::start().await.unwrap();
    fake.set_polls_to_settle(0);
    let td = client(&fake);
    let running = fake.add_instance("running", "running");
    let stopped = fake.add_instance("stopped", "Stopped");
    let doomed = fake.add_instance("doomed", "Stopped");
    let resized = fake.add_instance("resized", "Stopped");
    let key = td.create_ssh_key("key", "ssh-ed25519 AAAA").await.unwrap();
    for op in generated::OPERATIONS {
        let id = op.operation_id;
        let result = match id {
            "listLocations" => td.locations().await.map(drop),
            "listHostnodes" => td.hostnodes().await.map(drop),
            "getHostnode" => td.hostnode(HOSTNODE).await.map(drop),
            "createInstance" => td
                .create_instance(request(1).ssh_key(SshKey::SecretId(key.id.clone())))
                .await
                .map(drop),
            "listInstances" => td.instances().await.map(drop),
            "getInstance" => td.instance(&running).await.map(drop),
            "deleteInstance" => td.delete_instance(&doomed).await.map(drop),
            "startInstance" => td.start_instance(&stopped).await.map(drop),
            "stopInstance" => td.stop_instance(&running).await.map(drop),
            "modifyInstance" => td
                .modify_instance(&resized, types::ModifyInstanceRequest::builder().ram_gb(32))
                .await
                .map(drop),
            "listSecrets" => td.secrets().await.map(drop),
            "createSecret" => td
                .create_ssh_key("other", "ssh-ed25519 BBBB")
                .await
                .map(drop),
            "getSecret" => td.secret(&key.id).await.map(drop),
            "deleteSecret" => td.delete_secret(&key.id).await.map(drop),
            other => {
                panic!("operation {other} has no call here: support it in the fake and add it")
            }
        };
        if let Err(e) = result {
            panic!("the fake does not answer {id}: {e}");
        }
        let last = fake.received().pop().unwrap();
        assert_eq!(last.operation_id.as_deref(), Some(id));
    }
}
