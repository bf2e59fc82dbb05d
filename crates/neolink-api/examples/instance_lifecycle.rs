//! A full instance lifecycle on Neolink MatrixDC: pick a region and the
//! cheapest in-stock SKU, create an instance, wait until it runs, print its
//! SSH address, power it off, delete it.
//!
//! Runs against the fake (`neolink-fake`) by default. With `NEOLINK_TOKEN`
//! set it runs against the real API (optional: `NEOLINK_NAMESPACE`, your
//! user id, which creating an instance needs; `NEOLINK_GPU`, default
//! `4090`; `NEOLINK_IMAGE`). It then creates a real, billed instance, which
//! it deletes at the end, also when a step in between fails.
//!
//! ```sh
//! cargo run -p neolink-api --example instance_lifecycle
//! ```

use std::time::Duration;

use neolink_api::{
    BillingType, ClientConfig, Error, InstanceExt, InstanceStatus, Neolink, WaitOptions,
    cheapest_sku, types,
};
use neolink_fake::{Fake, TOKEN};

const DEFAULT_IMAGE: &str = "images.neolink-ai.com/matrixdc/tensorflow:2.15.0-python3.10-cuda12.1.0-cudnn8-devel-ubuntu22.04";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let token = std::env::var("NEOLINK_TOKEN").ok();
    let namespace = std::env::var("NEOLINK_NAMESPACE").ok();
    let gpu = std::env::var("NEOLINK_GPU").unwrap_or_else(|_| "4090".into());
    let image = std::env::var("NEOLINK_IMAGE").unwrap_or_else(|_| DEFAULT_IMAGE.into());
    // Keep the fake alive for the whole run.
    let fake = match token {
        None => Some(Fake::start().await?),
        Some(_) => None,
    };
    let (neolink, wait) = match (&token, &fake) {
        (Some(token), _) => {
            println!("using the real Neolink API");
            let wait =
                WaitOptions::new(Duration::from_secs(15 * 60)).interval(Duration::from_secs(10));
            (Neolink::new(token.as_str())?, wait)
        }
        (None, Some(fake)) => {
            println!(
                "using the embedded fake at {} (set NEOLINK_TOKEN for the real API)",
                fake.base_url()
            );
            let wait =
                WaitOptions::new(Duration::from_secs(10)).interval(Duration::from_millis(100));
            let client = Neolink::with_config(ClientConfig::new(fake.base_url()), TOKEN)?;
            (client.with_namespace("fake-user")?, wait)
        }
        (None, None) => unreachable!("a fake is started when there is no token"),
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
