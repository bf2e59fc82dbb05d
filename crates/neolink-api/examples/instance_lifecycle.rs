//! A full instance lifecycle on Neolink MatrixDC: pick a region and the
//! cheapest in-stock SKU, create an instance, wait until it runs, print its
//! SSH address, power it off, delete it.
//!
//! Runs against an embedded mock server by default. With `NEOLINK_TOKEN`
//! set it runs against the real API (optional: `NEOLINK_NAMESPACE`, your
//! user id, which creating an instance needs; `NEOLINK_GPU`, default
//! `4090`; `NEOLINK_IMAGE`). It then creates a real, billed instance, which
//! it deletes at the end, also when a step in between fails.
//!
//! ```sh
//! cargo run -p neolink-api --example instance_lifecycle
//! ```

use std::time::Duration;

use httpmock::MockServer;
use neolink_api::{
    BillingType, ClientConfig, Error, InstanceExt, InstanceStatus, Neolink, WaitOptions,
    cheapest_sku, types,
};
use serde_json::json;

const DEFAULT_IMAGE: &str = "images.neolink-ai.com/matrixdc/tensorflow:2.15.0-python3.10-cuda12.1.0-cudnn8-devel-ubuntu22.04";

#[tokio::main]
async fn main() -> Result<(), Error> {
    let token = std::env::var("NEOLINK_TOKEN").ok();
    let namespace = std::env::var("NEOLINK_NAMESPACE").ok();
    let gpu = std::env::var("NEOLINK_GPU").unwrap_or_else(|_| "4090".into());
    let image = std::env::var("NEOLINK_IMAGE").unwrap_or_else(|_| DEFAULT_IMAGE.into());
    // Keep the mock server alive for the whole run.
    let mock = match token {
        None => Some(start_mock().await),
        Some(_) => None,
    };
    let (neolink, wait) = match (&token, &mock) {
        (Some(token), _) => {
            println!("using the real Neolink API");
            let wait =
                WaitOptions::new(Duration::from_secs(15 * 60)).interval(Duration::from_secs(10));
            (Neolink::new(token.as_str())?, wait)
        }
        (None, Some(server)) => {
            println!(
                "using an embedded mock server at {} (set NEOLINK_TOKEN for the real API)",
                server.base_url()
            );
            let wait =
                WaitOptions::new(Duration::from_secs(10)).interval(Duration::from_millis(100));
            let client = Neolink::with_config(ClientConfig::new(server.base_url()), "mock-token")?;
            (client.with_namespace("mock-user")?, wait)
        }
        (None, None) => unreachable!("a mock is started when there is no token"),
    };
    let neolink = match &namespace {
        Some(ns) => neolink.with_namespace(ns.as_str())?,
        None => neolink,
    };

    println!("1. listing regions");
    let regions = neolink.regions().await?;
    let Some(region) = regions.first() else {
        println!("   no regions");
        return Ok(());
    };
    println!(
        "   {} region(s); picked {} (id {}, cluster {})",
        regions.len(),
        region.region,
        region.id,
        region.cluster_name
    );
    let cluster = region.cluster_name.as_str();

    println!("2. choosing the cheapest pay-as-you-go {gpu} SKU in stock");
    let skus = neolink.skus(&region.id).await?;
    let Some(sku) = cheapest_sku(&skus, &gpu, BillingType::PayAsYouGo) else {
        println!(
            "   none of the {} SKUs is a {gpu} in stock right now",
            skus.len()
        );
        return Ok(());
    };
    println!(
        "   SKU {}: {} x{}, price {:?}, {:?} GPU(s) left",
        sku.skus_id, sku.name, sku.gpu_counts, sku.price, sku.remain_gpu_count
    );
    if neolink.namespace().is_none() {
        println!("   set NEOLINK_NAMESPACE (your user id) to create an instance; stopping here");
        return Ok(());
    }

    println!("3. creating an instance");
    let request = types::CreateInstanceRequest::builder()
        .display_name("sdk-lifecycle-example")
        .image(image)
        .region(region.region.clone())
        .cost(
            types::CreateCost::builder()
                .cost_type(BillingType::PayAsYouGo)
                .disk_skuid("1")
                .gpuskuid(sku.skus_id.clone()),
        )
        .volume_mount(vec![
            types::VolumeMountRequest::builder()
                .path_in_container("/root/data".to_string())
                .size(50)
                .type_("shared-filesystem".to_string())
                .try_into()
                .expect("every field is optional"),
        ]);
    let created = neolink.create_instance(cluster, request).await?;
    println!("   {} is {}", created.name, created.state());

    // Delete the instance even when a step in between fails.
    let outcome = run(&neolink, cluster, &created.name, wait).await;
    println!("6. deleting it");
    neolink.delete_instance(cluster, &created.name).await?;
    outcome?;
    println!("done");
    Ok(())
}

/// Steps 4 and 5: wait until the instance runs, print its SSH address, and
/// power it off.
async fn run(neolink: &Neolink, cluster: &str, name: &str, wait: WaitOptions) -> Result<(), Error> {
    println!("4. waiting until it runs (up to {:?})", wait.timeout());
    let running = neolink
        .wait_for_status(cluster, name, InstanceStatus::Running, wait)
        .await?;
    match (running.ssh_endpoint(), running.ssh_command()) {
        (Some(ssh), Some(command)) => println!(
            "   running; ssh to {ssh} (`{command}`), password {}",
            running
                .ssh_password()
                .map_or("(none)".into(), |p| p.to_string())
        ),
        _ => println!("   running; no SSH address reported"),
    }

    println!("5. powering it off");
    neolink
        .power_off(cluster, name, types::PowerOffRequest::default())
        .await
}

/// A mock Neolink that answers each call of the lifecycle; the instance
/// reports `Creating` once before it runs.
async fn start_mock() -> MockServer {
    let server = MockServer::start_async().await;
    let name = "instance-5e1fxxxx";
    let instance = |status: &str| {
        let mut i = json!({
            "name": name, "namespace": "mock-user", "Region": "host-cluster",
            "displayName": "sdk-lifecycle-example", "status": status,
            "uid": "0b7c3e52-6f1d-4a9e-8c2b-5d4e3f2a1b0c",
            "creationTimestamp": "2024-09-02T18:34:33+08:00",
            "updateTimestamp": "0001-01-01T00:00:00Z",
            "cost": {"CostType": "1", "GPUSKUID": "66", "DiskSKUID": "1"}
        });
        if status == "Running" {
            i["servers"] = json!({"SSH": {
                "sshAddr": "ssh -p30099 root@0b7c3e52-6f1d-4a9e-8c2b-5d4e3f2a1b0c.gws.neolink-ai.com",
                "sshPassword": "mock-password"
            }});
        }
        i
    };
    server
        .mock_async(|when, then| {
            when.method("GET").path("/regions");
            then.status(200).json_body(json!([{
                "id": "14c5a9e3-0d09-4aa0-99d3-c096b80cceaa", "region": "北京一区",
                "clusterName": "host-cluster", "harborAddr": "images.neolink-ai.com"
            }]));
        })
        .await;
    let sku = |id: &str, gpu: &str, price: f64, left: u32| {
        json!({"name": gpu, "regionID": "14c5a9e3-0d09-4aa0-99d3-c096b80cceaa", "skusID": id,
               "gpuCounts": 1, "sellingType": "1", "price": price, "remainGPUCount": left})
    };
    server
        .mock_async(|when, then| {
            when.method("GET").path("/skus/computings");
            then.status(200).json_body(json!([
                sku("2", "H20", 10.0, 8),
                sku("65", "4090", 2.0, 0),
                sku("66", "4090", 2.5, 3),
            ]));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method("POST").path("/clusters/host-cluster/instances");
            then.status(200).json_body(instance("Creating"));
        })
        .await;
    let path = format!("/clusters/host-cluster/instances/{name}");
    server
        .mock_async(|when, then| {
            when.method("GET").path(&path);
            then.status(200)
                .json_body(instance("Creating"))
                .up_to_n_times(1);
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method("GET").path(&path);
            then.status(200).json_body(instance("Running"));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method("POST").path(format!("{path}/power_off"));
            then.status(200).json_body(json!("ok"));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method("DELETE")
                .path("/clusters/host-cluster/instances")
                .query_param("name", name);
            then.status(200).json_body(json!("ok"));
        })
        .await;
    server
}
