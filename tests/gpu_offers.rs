//! GPU offers and launches through the `Compute` facade, against every
//! provider's fake: what is listed, what a launch sends, how stock moves
//! when instances come and go, and what is refused before anything is
//! sent.

use cloud_common::{
    Access, Billing, ClientConfig, Compute, ErrorKind, GpuFilter, GpuOffer, InstanceState,
    LaunchSpec, PriceIncludes, RetryPolicy, gpu_offers_everywhere,
};
use serde_json::{Value, json};

const KEY: &str = "ssh-ed25519 AAAAC3Nza me@laptop";

fn config(base_url: String) -> ClientConfig {
    ClientConfig::new(base_url).retry(RetryPolicy::never())
}

fn ssh(spec: LaunchSpec) -> LaunchSpec {
    spec.access(Access::SshKey(KEY.into()))
}

/// The bodies the fake received for `operation`.
fn bodies(received: Vec<cloud_fake::Received>, operation: &str) -> Vec<Value> {
    received
        .into_iter()
        .filter(|r| r.operation_id.as_deref() == Some(operation))
        .map(|r| r.body)
        .collect()
}

async fn only_offer(c: &dyn Compute, filter: &GpuFilter) -> GpuOffer {
    let mut offers = c.gpu_offers(filter).await.expect("offers");
    assert_eq!(offers.len(), 1, "{offers:#?}");
    offers.remove(0)
}

#[tokio::test]
async fn tensordock_v2_offers_launch_and_give_back_stock() {
    use tensordock_fake::v2::{Fake, GPU_MODEL, HOSTNODE, TOKEN};
    let fake = Fake::start().await.unwrap();
    let td =
        tensordock_api::v2::TensorDock::with_config(config(fake.base_url()).no_rate_limit(), TOKEN)
            .unwrap();
    let filter = GpuFilter::new().model("RTX 4090").count(2);
    let offer = only_offer(&td, &filter).await;
    assert_eq!(offer.id, format!("hostnode/{HOSTNODE}/{GPU_MODEL}"));
    assert_eq!(offer.gpu.canonical, Some("RTX4090"));
    assert_eq!(offer.gpu.raw, GPU_MODEL);
    assert_eq!(offer.gpus_available, 4);
    assert_eq!(offer.location, "Chubbuck, Idaho, United States");
    let price = offer.price.clone().expect("a price");
    assert!(
        (price.amount - 2.0 * 0.3966).abs() < 1e-9,
        "two GPUs: {price:?}"
    );
    assert_eq!(
        (price.currency.as_deref(), &price.billing),
        (Some("USD"), &Billing::Hourly)
    );
    assert!(matches!(
        price.includes,
        PriceIncludes::GpusOnly {
            per_vcpu: Some(_),
            ..
        }
    ));
    assert!(
        td.gpu_offers(&filter.clone().count(5))
            .await
            .unwrap()
            .is_empty()
    );

    // Refused before anything is sent: a password, too many GPUs, too
    // little storage.
    let before = fake.received().len();
    for (spec, mention) in [
        (
            LaunchSpec::new("t", "ubuntu2404").access(Access::Password("pw-123456".into())),
            "password",
        ),
        (
            ssh(LaunchSpec::new("t", "ubuntu2404")).gpus(5),
            "4 GPU(s) available",
        ),
        (
            ssh(LaunchSpec::new("t", "ubuntu2404")).disk_gib(50),
            "100 GB",
        ),
        (LaunchSpec::new("t", "ubuntu2404"), "SSH key"),
    ] {
        let e = td.launch(&offer, &spec).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
        assert!(e.message().contains(mention), "{e}");
        assert!(!format!("{e}").contains("pw-123456"));
    }
    assert_eq!(fake.received().len(), before, "nothing was sent");

    let spec = ssh(LaunchSpec::new("trainer", "ubuntu2404")).gpus(2);
    let vm = Compute::launch(&td, &offer, &spec).await.expect("launch");
    assert_eq!(vm.name.as_deref(), Some("trainer"));
    assert_eq!(
        (vm.gpu_count, vm.vcpus, vm.memory_gib),
        (Some(2), Some(8), Some(32.0))
    );
    let sent = bodies(fake.received(), "createInstance");
    let a = &sent[0]["data"]["attributes"];
    assert_eq!(a["hostnode_id"], HOSTNODE);
    assert_eq!(a["resources"]["gpus"], json!({GPU_MODEL: {"count": 2}}));
    assert_eq!(a["resources"]["storage_gb"], 100);
    assert_eq!(a["ssh_key"], KEY);
    assert_eq!(a["useDedicatedIp"], true, "the hostnode has a public IP");
    assert_eq!(fake.gpus_available(HOSTNODE, GPU_MODEL), Some(2));
    assert_eq!(only_offer(&td, &GpuFilter::new()).await.gpus_available, 2);
    assert!(
        td.gpu_offers(&filter.clone().count(3))
            .await
            .unwrap()
            .is_empty()
    );

    td.delete(&vm.id).await.unwrap();
    assert_eq!(
        only_offer(&td, &filter).await.gpus_available,
        4,
        "given back"
    );
}

#[tokio::test]
async fn tensordock_v2_launches_at_a_location() {
    use tensordock_fake::v2::{Fake, GPU_MODEL, HOSTNODE, LOCATION, TOKEN};
    let fake = Fake::start().await.unwrap();
    let td =
        tensordock_api::v2::TensorDock::with_config(config(fake.base_url()).no_rate_limit(), TOKEN)
            .unwrap();
    // The offer a location gives for a model no listed hostnode has.
    let mut offer = GpuOffer::new(
        "tensordock",
        format!("location/{LOCATION}/{GPU_MODEL}"),
        "Chubbuck",
        cloud_common::GpuModel::new(GPU_MODEL),
        4,
    );
    offer.vcpus = Some(32);
    let vm = td
        .launch(&offer, &ssh(LaunchSpec::new("at-loc", "ubuntu2404")))
        .await
        .unwrap();
    assert_eq!(vm.gpu_count, Some(1));
    let sent = bodies(fake.received(), "createInstance");
    let a = &sent[0]["data"]["attributes"];
    assert_eq!(
        (a["location_id"].clone(), a.get("hostnode_id")),
        (json!(LOCATION), None)
    );
    assert_eq!(a["useDedicatedIp"], true);
    assert!(
        bodies(fake.received(), "getHostnode").is_empty(),
        "a location has no hostnode to read"
    );
    assert_eq!(fake.gpus_available(HOSTNODE, GPU_MODEL), Some(3));
}

#[tokio::test]
async fn tensordock_v0_offers_launch_and_give_back_stock() {
    use tensordock_fake::v0::{API_KEY, API_TOKEN, Fake, GPU_MODEL, HOSTNODE};
    let fake = Fake::start().await.unwrap();
    let td =
        tensordock_api::v0::TensorDock::with_config(config(fake.base_url()), (API_KEY, API_TOKEN))
            .unwrap();
    let offer = only_offer(&td, &GpuFilter::new().model("4090").count(1)).await;
    assert_eq!(offer.id, format!("{HOSTNODE}/{GPU_MODEL}"));
    assert_eq!((offer.gpus_available, offer.vcpus), (4, Some(32)));
    let hostnode_query = &fake
        .received()
        .into_iter()
        .find(|r| r.operation_id.as_deref() == Some("listHostnodes"))
        .unwrap()
        .query;
    assert!(hostnode_query.contains(&("minGPUCount".into(), "1".into())));

    let none = LaunchSpec::new("t", "Ubuntu 22.04 LTS");
    let e = td.launch(&offer, &none).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    assert!(bodies(fake.received(), "deployVm").is_empty());

    let spec = LaunchSpec::new("trainer", "Ubuntu 22.04 LTS")
        .access(Access::Password("a-long-password".into()))
        .gpus(3)
        .vcpus(6);
    let vm = td.launch(&offer, &spec).await.expect("launch");
    assert_eq!((vm.gpu_count, vm.vcpus), (Some(3), Some(6)));
    let sent = &bodies(fake.received(), "deployVm")[0];
    for (field, want) in [
        ("hostnode", HOSTNODE),
        ("gpu_model", GPU_MODEL),
        ("gpu_count", "3"),
        ("vcpus", "6"),
        ("ram", "48"),
        ("storage", "100"),
        ("operating_system", "Ubuntu 22.04 LTS"),
        ("internal_ports", "{22}"),
        ("external_ports", "{20000}"),
        ("password", "a-long-password"),
    ] {
        assert_eq!(sent[field], want, "{field}: {sent}");
    }
    assert_eq!(fake.gpus_available(HOSTNODE, GPU_MODEL), Some(1));
    td.delete(&vm.id).await.unwrap();
    assert_eq!(fake.gpus_available(HOSTNODE, GPU_MODEL), Some(4));
}

#[tokio::test]
async fn neolink_offers_its_skus_and_launches_in_their_cluster() {
    use neolink_fake::{CLUSTER, Fake, REGION_ID, TOKEN};
    let fake = Fake::start().await.unwrap();
    let unknown = fake.add_sku(REGION_ID, "MTT S4000", 1.5, 2).unwrap();
    let neolink = neolink_api::Neolink::with_config(config(fake.base_url()), TOKEN)
        .unwrap()
        .with_namespace("user-1")
        .unwrap();
    let c = neolink.in_cluster(CLUSTER);
    let all = c.gpu_offers(&GpuFilter::new()).await.unwrap();
    let names: Vec<(Option<&str>, &str)> = all
        .iter()
        .map(|o| (o.gpu.canonical, o.gpu.raw.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            (Some("H20"), "H20"),
            (Some("RTX4090"), "4090"),
            (None, "MTT S4000")
        ],
        "an unknown model is kept"
    );
    assert_eq!(all[2].id, format!("{CLUSTER}/{unknown}"));
    let offer = only_offer(&c, &GpuFilter::new().model("4090")).await;
    assert_eq!(offer.id, format!("{CLUSTER}/66"));
    assert_eq!(
        (offer.fixed_gpu_count, offer.gpus_available, offer.vcpus),
        (Some(1), 8, Some(24))
    );
    let price = offer.price.clone().unwrap();
    assert_eq!((price.currency, price.billing), (None, Billing::Hourly));
    assert_eq!(price.includes, PriceIncludes::WholeInstance);
    assert!(
        c.gpu_offers(&GpuFilter::new().model("4090").count(2))
            .await
            .unwrap()
            .is_empty()
    );

    let image = "images.neolink-ai.com/matrixdc/pytorch:2.1";
    for spec in [
        ssh(LaunchSpec::new("nb", image)),
        LaunchSpec::new("nb", image).gpus(2),
        LaunchSpec::new("nb", image).vcpus(8),
    ] {
        let e = c.launch(&offer, &spec).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
    }
    assert!(bodies(fake.received(), "createInstance").is_empty());

    let spec = LaunchSpec::new("notebook", image).disk_gib(80);
    let created = c.launch(&offer, &spec).await.expect("launch");
    assert_eq!(created.state, InstanceState::Creating);
    assert_eq!(created.name.as_deref(), Some("notebook"));
    let sent = &bodies(fake.received(), "createInstance")[0];
    assert_eq!(
        sent["Cost"],
        json!({"CostType": "1", "DiskSKUID": "1", "GPUSKUID": "66"})
    );
    assert_eq!(sent["VolumeMount"][0]["Size"], 80);
    assert_eq!(
        (sent["namespace"].clone(), sent["image"].clone()),
        (json!("user-1"), json!(image))
    );
    assert_eq!(fake.remaining_gpus("66"), Some(7));
    c.delete(&created.id).await.unwrap();
    assert_eq!(fake.remaining_gpus("66"), Some(8));
}

#[tokio::test]
async fn cloudtower_offers_free_gpus_and_passes_them_through() {
    let fake = cloudtower_fake::Fake::start().await.unwrap();
    let cluster = fake.add_cluster("gpu-cluster");
    let host = fake.add_host(&cluster, "gpu-node-1");
    let a = fake.add_gpu_device(&host, "NVIDIA A100 80GB PCIe");
    let b = fake.add_gpu_device(&host, "NVIDIA A100 80GB PCIe");
    fake.insert(
        "VmTemplate",
        json!({"name": "ubuntu-cuda", "vcpu": 8, "memory": 32u64 << 30}),
    );
    let ct = fake.client().unwrap();
    let offer = only_offer(&ct, &GpuFilter::new().model("a100")).await;
    assert_eq!(offer.id, a);
    assert_eq!(offer.gpu.canonical, Some("A100-80GB"));
    assert_eq!((offer.gpus_available, offer.price.clone()), (2, None));
    assert_eq!(offer.location, "gpu-node-1 (gpu-cluster)");

    let e = ct
        .launch(&offer, &LaunchSpec::new("x", "ubuntu-cuda").disk_gib(10))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    let e = ct
        .launch(&offer, &LaunchSpec::new("x", "no-such-template"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidRequest, "{e}");

    let spec = ssh(LaunchSpec::new("trainer", "ubuntu-cuda")).vcpus(16);
    let vm = ct.launch(&offer, &spec).await.expect("launch");
    assert_eq!(
        (vm.state.clone(), vm.vcpus),
        (InstanceState::Running, Some(16))
    );
    let received = fake.received();
    let created = &bodies(received.clone(), "CreateVmFromTemplate")[0][0];
    assert_eq!(created["host_id"], json!(host));
    assert_eq!(created["status"], "STOPPED");
    assert_eq!(created["cloud_init"]["public_keys"], json!([KEY]));
    let attached = &bodies(received.clone(), "AddVmGpuDevice")[0];
    assert_eq!(attached["data"], json!([{"gpu_id": a}]));
    assert_eq!(bodies(received, "StartVm").len(), 1);

    let left = only_offer(&ct, &GpuFilter::new()).await;
    assert_eq!((left.id.as_str(), left.gpus_available), (b.as_str(), 1));
    ct.delete(&vm.id).await.unwrap();
    assert_eq!(only_offer(&ct, &GpuFilter::new()).await.gpus_available, 2);
}

#[tokio::test]
async fn cloudtower_launches_from_a_content_library_template() {
    let fake = cloudtower_fake::Fake::start().await.unwrap();
    let cluster = fake.add_cluster("gpu-cluster");
    let host = fake.add_host(&cluster, "gpu-node-1");
    let gpus: Vec<String> = (0..3)
        .map(|_| fake.add_gpu_device(&host, "Tesla T4"))
        .collect();
    fake.insert(
        "ContentLibraryVmTemplate",
        json!({"name": "ubuntu-library", "vcpu": 4, "memory": 8u64 << 30}),
    );
    let ct = fake.client().unwrap();
    let offer = only_offer(&ct, &GpuFilter::new().model("T4").count(2)).await;
    let spec = LaunchSpec::new("pair", "ubuntu-library")
        .access(Access::Password("s3cret-pass".into()))
        .gpus(2)
        .memory_gib(16);
    let vm = ct.launch(&offer, &spec).await.expect("launch");
    assert_eq!((vm.gpu_count, vm.memory_gib), (Some(2), Some(16.0)));
    let received = fake.received();
    let created = &bodies(received.clone(), "CreateVmFromContentLibraryTemplate")[0][0];
    assert_eq!(
        (created["cluster_id"].clone(), created["host_id"].clone()),
        (json!(cluster), json!(host))
    );
    assert_eq!(
        created["cloud_init"]["default_user_password"],
        "s3cret-pass"
    );
    let attached = &bodies(received, "AddVmGpuDevice")[0];
    assert_eq!(
        attached["data"],
        json!([{"gpu_id": gpus[0]}, {"gpu_id": gpus[1]}])
    );
    assert_eq!(only_offer(&ct, &GpuFilter::new()).await.id, gpus[2]);
}

#[tokio::test]
async fn one_failing_provider_is_reported_beside_the_others() {
    use cloud_fake::Fault;
    let v2 = tensordock_fake::v2::Fake::start().await.unwrap();
    v2.inject("listHostnodes", Fault::Status(503), 1);
    let v0 = tensordock_fake::v0::Fake::start().await.unwrap();
    let clouds: Vec<Box<dyn Compute>> = vec![
        Box::new(
            tensordock_api::v2::TensorDock::with_config(
                config(v2.base_url()).no_rate_limit(),
                tensordock_fake::v2::TOKEN,
            )
            .unwrap(),
        ),
        Box::new(
            tensordock_api::v0::TensorDock::with_config(
                config(v0.base_url()),
                (tensordock_fake::v0::API_KEY, tensordock_fake::v0::API_TOKEN),
            )
            .unwrap(),
        ),
    ];
    let answers = gpu_offers_everywhere(&clouds, &GpuFilter::new()).await;
    assert_eq!(answers.len(), 2);
    let e = answers[0].offers.as_ref().unwrap_err();
    assert_eq!(e.status(), Some(503));
    assert_eq!(answers[1].offers.as_ref().unwrap().len(), 1);
}
