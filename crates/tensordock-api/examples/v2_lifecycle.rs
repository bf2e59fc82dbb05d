//! A full VM lifecycle on TensorDock API v2: list locations, pick the
//! cheapest GPU in stock, create an instance, wait until it runs and has an
//! IP, print the SSH command, stop it, delete it.
//!
//! Runs against the fake (`tensordock-fake`) by default. With `TENSORDOCK_TOKEN`
//! (an API token) set it runs against the real API; creating an instance
//! there also needs `TENSORDOCK_SSH_PUBLIC_KEY` (the key text) or
//! `TENSORDOCK_SSH_KEY_ID` (an `SSHKEY` secret), and then deploys a real,
//! billed VM, which it deletes at the end, also when a step in between
//! fails. Optional: `TENSORDOCK_GPU` (a `v0Name` to insist on) and
//! `TENSORDOCK_IMAGE` (default `ubuntu2404`).
//!
//! ```sh
//! cargo run -p tensordock-api --features v2 --example v2_lifecycle
//! ```

use std::time::Duration;

use tensordock_api::ports::PortMappings;
use tensordock_api::v2::{
    CreateInstance, InstanceExt, InstanceStatus, Placement, SshKey, TensorDock, WaitOptions, types,
};
use tensordock_api::{ClientConfig, Error};
use tensordock_fake::v2::{Fake, TOKEN};

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let token = env("TENSORDOCK_TOKEN");
    // Keep the fake alive for the whole run.
    let fake = match token {
        None => Some(Fake::start().await?),
        Some(_) => None,
    };
    let (td, wait, ssh_key) = match (&token, &fake) {
        (Some(token), _) => {
            println!("using the real TensorDock API v2");
            let key = env("TENSORDOCK_SSH_KEY_ID")
                .map(SshKey::SecretId)
                .or_else(|| env("TENSORDOCK_SSH_PUBLIC_KEY").map(SshKey::PublicKey));
            // Each poll counts against the 100 requests per minute.
            let wait =
                WaitOptions::new(Duration::from_secs(10 * 60)).interval(Duration::from_secs(5));
            (TensorDock::new(token.as_str())?, wait, key)
        }
        (None, Some(fake)) => {
            println!(
                "using the embedded fake at {} (set TENSORDOCK_TOKEN for the real API)",
                fake.base_url()
            );
            let wait =
                WaitOptions::new(Duration::from_secs(10)).interval(Duration::from_millis(100));
            let td = TensorDock::with_config(ClientConfig::new(fake.base_url()), TOKEN)?;
            let key =
                SshKey::PublicKey("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIfake fake@example".into());
            (td, wait, Some(key))
        }
        (None, None) => unreachable!("a fake is started when there is no token"),
    };

    println!("1. listing locations");
    let locations = td.locations().await?;
    let wanted = env("TENSORDOCK_GPU");
    let Some((location, gpu)) = pick(&locations, wanted.as_deref()) else {
        println!(
            "   none of the {} locations offers {} right now",
            locations.len(),
            wanted.as_deref().unwrap_or("a GPU")
        );
        return Ok(());
    };
    let dedicated_ip = gpu
        .network_features
        .as_ref()
        .and_then(|n| n.dedicated_ip_available)
        .unwrap_or(false);
    println!(
        "   {} location(s); picked {} in {}: {} at ${:.4}/h per GPU, dedicated IP {}",
        locations.len(),
        location.id,
        location.city.as_deref().unwrap_or("?"),
        gpu.v0_name,
        gpu.price_per_hr.unwrap_or(f64::NAN),
        if dedicated_ip {
            "available"
        } else {
            "not available"
        },
    );
    let Some(ssh_key) = ssh_key else {
        println!(
            "   set TENSORDOCK_SSH_PUBLIC_KEY or TENSORDOCK_SSH_KEY_ID to create an instance; stopping here"
        );
        return Ok(());
    };

    println!("2. creating an instance");
    let image = env("TENSORDOCK_IMAGE").unwrap_or_else(|| "ubuntu2404".into());
    let mut request = CreateInstance::new(
        "sdk-v2-lifecycle-example",
        image,
        Placement::Location(location.id.clone()),
    )
    .vcpus(2)
    .ram_gb(4)
    .storage_gb(100)
    .gpu(gpu.v0_name.clone(), 1)
    .ssh_key(ssh_key);
    // Ubuntu without a dedicated IP must forward port 22. At a location
    // the free external ports are unknown, so this one is a wish: the
    // service may reassign it, and step 3 reads back the real one.
    request = if dedicated_ip {
        request.dedicated_ip(true)
    } else {
        request.ports(&PortMappings::new().map(20022, 22))
    };
    let created = td.create_instance(request).await?;
    println!("   {} is {}", created.id, created.state());

    // Delete the instance even when a step in between fails.
    let outcome = run(&td, &created.id, wait).await;
    println!("6. deleting it");
    td.delete_instance(&created.id).await?;
    outcome?;
    println!("done");
    Ok(())
}

/// Steps 3 to 5: wait until the instance runs with an IP, print how to
/// reach it, stop it and wait until it is stopped.
async fn run(td: &TensorDock, id: &str, wait: WaitOptions) -> Result<(), Error> {
    println!(
        "3. waiting until it runs and has an IP (up to {:?})",
        wait.timeout()
    );
    let vm = td.wait_until_running_with_ip(id, wait).await?;
    match vm.ssh_endpoint() {
        Some(ssh) => println!(
            "   running at {}; `{}` (the login is `user` or `root`, depending on the image)",
            vm.ip().unwrap_or("?"),
            ssh.command("user")
        ),
        None => println!(
            "   running, but no port reaches 22: {:?}",
            vm.port_mappings()
        ),
    }

    println!("4. stopping it");
    let stopping = td.stop_instance(id).await?;
    let status = stopping.data.attributes.and_then(|a| a.status);
    println!("   {}", status.as_deref().unwrap_or("(no status)"));

    println!("5. waiting until it is stopped");
    let vm = td
        .wait_for_status(id, InstanceStatus::Stopped, wait)
        .await?;
    println!("   {}", vm.state());
    Ok(())
}

/// The cheapest GPU model (or the one named `wanted`) that a location says
/// it can deploy at least one of.
fn pick<'a>(
    locations: &'a [types::Location],
    wanted: Option<&str>,
) -> Option<(&'a types::Location, &'a types::LocationGpu)> {
    locations
        .iter()
        .flat_map(|l| l.gpus.iter().map(move |g| (l, g)))
        .filter(|(_, g)| g.max_count.unwrap_or(0) >= 1)
        .filter(|(_, g)| wanted.is_none_or(|w| g.v0_name == w))
        .min_by(|(_, a), (_, b)| {
            let price = |g: &types::LocationGpu| g.price_per_hr.unwrap_or(f64::MAX);
            price(a).total_cmp(&price(b))
        })
}
