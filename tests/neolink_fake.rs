//! The Neolink fake (`neolink-fake`) through the public client: a
//! whole instance lifecycle, the errors the fake answers for requests the
//! service would reject, faults, and the drift guard that every operation
//! of the spec is answered with a body the generated types parse.

use std::time::Duration;

use cloud_fake::Fault;
use neolink_api::{
    BillingType, ClientConfig, ErrorKind, InstanceExt, InstanceStatus, Neolink, RetryPolicy,
    WaitOptions, generated, types,
};
use neolink_fake::{CLUSTER, Fake, REGION_ID, TOKEN, fixtures};
use serde_json::json;

const IMAGE: &str = "images.neolink-ai.com/matrixdc/tensorflow:2.15.0-python3.10-cuda12.1.0-cudnn8-devel-ubuntu22.04";

fn client(fake: &Fake) -> Neolink {
    Neolink::with_config(
        ClientConfig::new(fake.base_url()).retry(RetryPolicy::never()),
        TOKEN,
    )
    .unwrap()
    .with_namespace("user-1")
    .unwrap()
}

fn create_request(sku: &str) -> types::builder::CreateInstanceRequest {
    types::CreateInstanceRequest::builder()
        .display_name("trainer")
        .image(IMAGE)
        .cost(
            types::CreateCost::builder()
                .cost_type(BillingType::PayAsYouGo)
                .disk_skuid("1")
                .gpuskuid(sku),
        )
        .volume_mount(vec![])
}

fn wait() -> WaitOptions {
    WaitOptions::new(Duration::from_secs(30)).interval(Duration::from_millis(10))
}

#[tokio::test]
async fn an_instance_lives_through_create_power_and_delete() {
    let fake = Fake::start().await.unwrap();
    let neolink = client(&fake);
    assert_eq!(fake.remaining_gpus("66"), Some(8));

    let created = neolink
        .create_instance(CLUSTER, create_request("66"))
        .await
        .unwrap();
    assert_eq!(created.state(), InstanceStatus::Creating);
    assert!(
        created.servers.is_none(),
        "the create reply has no endpoints"
    );
    assert_eq!(fake.remaining_gpus("66"), Some(7), "stock drops");
    let skus = neolink.skus(REGION_ID).await.unwrap();
    let sku = skus.iter().find(|s| s.skus_id == "66").unwrap();
    assert_eq!(sku.remain_gpu_count, Some(7));

    let list = neolink.instances(CLUSTER).await.unwrap();
    assert_eq!(list.total_count, 1);
    assert_eq!(list.nodes[0].name, created.name);
    // The generated operation itself, through the client's native handle.
    let native = neolink
        .native()
        .get_instance()
        .cluster_name(CLUSTER)
        .name(&created.name)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(native.name, created.name);

    let running = neolink
        .wait_for_status(CLUSTER, &created.name, InstanceStatus::Running, wait())
        .await
        .unwrap();
    assert!(
        running.ssh_command().is_some(),
        "a running instance has SSH"
    );

    let err = neolink
        .start_instance(CLUSTER, &created.name)
        .await
        .unwrap_err();
    assert_eq!((err.kind(), err.status()), (ErrorKind::Api, Some(400)));
    assert!(err.message().contains("cannot be powered on"), "{err}");

    neolink.stop_instance(CLUSTER, &created.name).await.unwrap();
    neolink
        .wait_for_status(
            CLUSTER,
            &created.name,
            InstanceStatus::Other("Shutdown".into()),
            wait(),
        )
        .await
        .unwrap();
    let err = neolink
        .stop_instance(CLUSTER, &created.name)
        .await
        .unwrap_err();
    assert!(err.message().contains("cannot be powered off"), "{err}");
    neolink
        .start_instance(CLUSTER, &created.name)
        .await
        .unwrap();
    assert_eq!(fake.status(&created.name).as_deref(), Some("Starting"));

    neolink
        .delete_instance(CLUSTER, &created.name)
        .await
        .unwrap();
    assert!(neolink.instances(CLUSTER).await.unwrap().nodes.is_empty());
    assert_eq!(fake.remaining_gpus("66"), Some(8), "stock comes back");
    let err = neolink.instance(CLUSTER, &created.name).await.unwrap_err();
    assert_eq!(err.status(), Some(404));
}

#[tokio::test]
async fn a_create_with_no_stock_left_fails() {
    let fake = Fake::start().await.unwrap();
    fake.set_remaining_gpus("66", 0);
    let err = client(&fake)
        .create_instance(CLUSTER, create_request("66"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert!(err.message().contains("insufficient stock"), "{err}");
    assert!(fake.instance_names().is_empty());
}

#[tokio::test]
async fn invalid_requests_get_errors_naming_what_was_wrong() {
    let fake = Fake::start().await.unwrap();
    let raw = ClientConfig::new(fake.base_url())
        .http_client("neolink", "fake-test")
        .unwrap();
    let url = format!("{}/clusters/{CLUSTER}/instances", fake.base_url());
    let auth = format!("bearer {TOKEN}");

    // A missing required field.
    let body = json!({"Cost": {"CostType": "1", "DiskSKUID": "1", "GPUSKUID": "66"},
                      "VolumeMount": [], "namespace": "u", "image": IMAGE});
    let answer = raw
        .post(&url)
        .header("authorization", &auth)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 400);
    let text = answer.text().await.unwrap();
    assert!(text.contains("`displayName`"), "{text}");

    // A wrong type: the SKU id travels as a string.
    let mut wrong = body.clone();
    wrong["displayName"] = json!("t");
    wrong["Cost"]["GPUSKUID"] = json!(66);
    let text = raw
        .post(&url)
        .header("authorization", &auth)
        .json(&wrong)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains("`Cost.GPUSKUID`") && text.contains("string"),
        "{text}"
    );

    // A missing required query parameter.
    let answer = raw
        .get(format!("{}/skus/computings", fake.base_url()))
        .header("authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 400);
    assert!(answer.text().await.unwrap().contains("`region_id`"));

    // Missing and wrong credentials, through the client.
    let wrong_token = Neolink::with_config(
        ClientConfig::new(fake.base_url()).retry(RetryPolicy::never()),
        "not-the-token",
    )
    .unwrap();
    let err = wrong_token.regions().await.unwrap_err();
    assert_eq!((err.kind(), err.status()), (ErrorKind::Api, Some(401)));
    assert_eq!(err.message(), "invalid token");
    let answer = raw
        .get(format!("{}/regions", fake.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 401);

    // The namespace header, when the fake requires it.
    fake.require_namespace(Some("user-2"));
    let err = client(&fake).regions().await.unwrap_err();
    assert_eq!(err.status(), Some(403));
    let received = fake.received();
    let last = received.last().unwrap();
    assert_eq!(last.operation_id.as_deref(), Some("listRegions"));
    assert!(
        !format!("{last:?}").contains(TOKEN),
        "the token is hidden in Debug"
    );
}

#[tokio::test]
async fn injected_faults_reach_the_client() {
    let fake = Fake::start().await.unwrap();
    let neolink = client(&fake);
    fake.inject(
        generated::operation_ids::LIST_REGIONS,
        Fault::Status(503),
        1,
    );
    let err = neolink.regions().await.unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert!(err.is_retryable());
    fake.inject(
        generated::operation_ids::LIST_REGIONS,
        Fault::TooManyRequests {
            retry_after_secs: 1,
        },
        1,
    );
    let err = neolink.regions().await.unwrap_err();
    assert_eq!(err.status(), Some(429));
    assert_eq!(neolink.regions().await.unwrap().len(), 1);
}

#[test]
fn a_blocking_fake_serves_synchronous_callers() {
    let fake = Fake::start_blocking().unwrap();
    let name = fake.add_instance("notebook", "Shutdown");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let neolink = client(&fake);
    runtime
        .block_on(neolink.start_instance(CLUSTER, &name))
        .unwrap();
    assert_eq!(fake.status(&name).as_deref(), Some("Starting"));
}

#[test]
fn fixtures_are_typed_values_of_the_spec_shapes() {
    let running = fixtures::instance("instance-1", "trainer", "Running");
    assert!(running.ssh_password().is_some());
    let creating = fixtures::instance("instance-2", "trainer", "Creating");
    assert!(creating.servers.is_none());
    let list = fixtures::instance_list(vec![running, creating]);
    assert_eq!(list.total_count, 2);
    assert_eq!(fixtures::sku("66", "4090", 3).remain_gpu_count, Some(3));
    assert_eq!(
        fixtures::region(REGION_ID, "北京一区", CLUSTER).cluster_name,
        CLUSTER
    );
}

/// Every operation of the spec, called through the client against the
/// fake, must succeed: the fake answers it, and the generated types parse
/// the answer. An operation added to the spec fails here by name until the
/// fake (and this list) support it.
#[tokio::test]
async fn the_fake_answers_every_operation_of_the_spec() {
    let fake = Fake::start().await.unwrap();
    fake.set_polls_to_settle(0);
    let neolink = client(&fake);
    let running = fake.add_instance("running", "Running");
    let stopped = fake.add_instance("stopped", "Shutdown");
    let doomed = fake.add_instance("doomed", "Running");
    for op in generated::OPERATIONS {
        let id = op.operation_id;
        let result = match id {
            "listRegions" => neolink.regions().await.map(drop),
            "listComputingSkus" => neolink.skus(REGION_ID).await.map(drop),
            "listInstances" => neolink.instances(CLUSTER).await.map(drop),
            "createInstance" => neolink
                .create_instance(CLUSTER, create_request("2"))
                .await
                .map(drop),
            "getInstance" => neolink.instance(CLUSTER, &running).await.map(drop),
            "deleteInstance" => neolink.delete_instance(CLUSTER, &doomed).await,
            "powerOffInstance" => neolink.stop_instance(CLUSTER, &running).await,
            "powerOnInstance" => neolink.start_instance(CLUSTER, &stopped).await,
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

/// The lists computed from the fake's state honour their filters: a
/// region's SKUs only (`region_id`), a cluster's instances only (the path).
#[tokio::test]
async fn lists_honour_their_region_and_cluster() {
    let fake = Fake::start().await.unwrap();
    let neolink = client(&fake);
    let other_region = fake.add_region("上海一区", "sh-cluster");
    let sku = fake.add_sku(&other_region, "A100", 12.0, 4).unwrap();
    let here = fake.add_instance("here", "Running");
    let there = fake.add_instance_in("sh-cluster", "there", "Running");

    let skus = neolink.skus(REGION_ID).await.unwrap();
    assert!(!skus.is_empty());
    assert!(skus.iter().all(|s| s.region_id == REGION_ID), "{skus:?}");
    assert!(skus.iter().all(|s| s.skus_id != sku));
    let theirs = neolink.skus(&other_region).await.unwrap();
    assert_eq!(
        theirs
            .iter()
            .map(|s| s.skus_id.as_str())
            .collect::<Vec<_>>(),
        [sku.as_str()]
    );
    assert!(neolink.skus("no-such-region").await.unwrap().is_empty());

    let list = neolink.instances(CLUSTER).await.unwrap();
    assert_eq!(
        list.nodes
            .iter()
            .map(|i| i.name.as_str())
            .collect::<Vec<_>>(),
        [here.as_str()]
    );
    assert_eq!(list.total_count, 1);
    let list = neolink.instances("sh-cluster").await.unwrap();
    assert_eq!(
        list.nodes
            .iter()
            .map(|i| i.name.as_str())
            .collect::<Vec<_>>(),
        [there.as_str()]
    );
}
