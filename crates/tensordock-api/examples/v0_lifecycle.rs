//! A full VM lifecycle on TensorDock v0: list hostnodes, pick one, deploy,
//! get, wait until it runs, stop, delete.
//!
//! Runs against the fake (`tensordock-fake`) by default. With
//! `TENSORDOCK_API_KEY` and `TENSORDOCK_API_TOKEN` set it runs against the
//! real API and deploys a real (billed) VM, which it deletes at the end.
//!
//! ```sh
//! cargo run -p tensordock-api --example v0_lifecycle
//! ```

use std::time::Duration;
use tensordock_fake::v0::{API_KEY, API_TOKEN, Fake};

use cloud_common::WaitOptions;
use tensordock_api::ClientConfig;
use tensordock_api::v0::{
    DeployVmExt, HostnodeFilter, PortMappings, TensorDock, VmStatus, VmStatusExt, types,
};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let real = std::env::var("TENSORDOCK_API_KEY")
        .ok()
        .zip(std::env::var("TENSORDOCK_API_TOKEN").ok());
    // Keep the fake alive for the whole run.
    let fake = match real {
        None => Some(Fake::start().await?),
        Some(_) => None,
    };
    let td = match (&real, &fake) {
        (Some((key, token)), _) => {
            println!("using the real TensorDock API");
            TensorDock::new((key.as_str(), token.as_str()))?
        }
        (None, Some(fake)) => {
            println!(
                "using the embedded fake at {} (set TENSORDOCK_API_KEY/TOKEN for the real API)",
                fake.base_url()
            );
            TensorDock::with_config(ClientConfig::new(fake.base_url()), (API_KEY, API_TOKEN))?
        }
        (None, None) => unreachable!("a fake is started when there are no credentials"),
    };

    println!("1. listing hostnodes with at least one GPU");
    let filter = HostnodeFilter {
        min_gpu_count: Some(1),
        ..Default::default()
    };
    let hostnodes = td.list_hostnodes(&filter).await?;
    let Some((hostnode_id, gpu, price, port)) = pick(&hostnodes) else {
        println!("   no hostnode has a GPU and a free port right now");
        return Ok(());
    };
    println!(
        "   {} hostnodes; picked {hostnode_id}: {gpu} at ${price:.3}/h, external port {port}",
        hostnodes.len()
    );

    println!("2. deploying a VM");
    let deployed = td
        .deploy_vm(|vm| {
            vm.name("sdk-lifecycle-example")
                .gpu_model(gpu.as_str())
                .gpu_count(1)
                .vcpus(2)
                .ram(4)
                .storage(20)
                .hostnode(hostnode_id.as_str())
                .operating_system("Ubuntu 22.04 LTS")
                .password(format!("Pw-{}", std::process::id()))
                .ports(&PortMappings::new().map(port, 22))
        })
        .await?;
    println!("   server {} at {:?}", deployed.server, deployed.ip);

    println!("3. reading it back");
    let vm = td.get_vm(&deployed.server).await?;
    let ssh = vm.port_mappings().ok().and_then(|p| p.external_for(22));
    println!("   status {}, ssh on external port {ssh:?}", vm.state());

    // A VM that is still deploying cannot be stopped yet.
    let wait = WaitOptions::new(Duration::from_secs(600)).interval(Duration::from_millis(500));
    td.wait_for_status(&deployed.server, VmStatus::Running, wait)
        .await?;
    println!("   running");

    println!("4. stopping it (releasing the GPU)");
    td.stop_vm(&deployed.server, true).await?;

    println!("5. deleting it");
    td.delete_vm(&deployed.server).await?;
    println!("done");
    Ok(())
}

/// The cheapest GPU model that is in stock on an online hostnode with a
/// free external port.
fn pick(
    hostnodes: &std::collections::HashMap<String, types::Hostnode>,
) -> Option<(String, String, f64, u16)> {
    hostnodes
        .iter()
        .filter(|(_, h)| h.status.online != Some(false))
        .filter_map(|(id, h)| {
            let port = h
                .networking
                .ports
                .iter()
                .find_map(|p| u16::try_from(*p).ok())?;
            h.specs
                .gpu
                .iter()
                .filter(|(_, g)| g.amount.unwrap_or(0) > 0)
                .map(|(model, g)| (id.clone(), model.clone(), g.price.unwrap_or(f64::MAX), port))
                .min_by(|a, b| a.2.total_cmp(&b.2))
        })
        .min_by(|a, b| a.2.total_cmp(&b.2))
}
