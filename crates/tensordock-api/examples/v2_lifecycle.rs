//! A full VM lifecycle on TensorDock API v2: list locations, pick the
//! cheapest GPU in stock, create an instance, wait until it runs and has an
//! IP, print the SSH command, stop it, delete it.
//!
//! Runs against an embedded mock server by default. With `TENSORDOCK_TOKEN`
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

use httpmock::MockServer;
use serde_json::json;
use tensordock_api::ports::PortMappings;
use tensordock_api::v2::{
    CreateInstance, InstanceExt, InstanceStatus, Placement, SshKey, TensorDock, WaitOptions, types,
};
use tensordock_api::{ClientConfig, Error};

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let token = env("TENSORDOCK_TOKEN");
    // Keep the mock server alive for the whole run.
    let mock = match token {
        None => Some(start_mock().await),
        Some(_) => None,
    };
    let (td, wait, ssh_key) = match (&token, &mock) {
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
        (None, Some(server)) => {
            println!(
                "using an embedded mock server at {} (set TENSORDOCK_TOKEN for the real API)",
                server.base_url()
            );
            let wait =
                WaitOptions::new(Duration::from_secs(10)).interval(Duration::from_millis(100));
            let td = TensorDock::with_config(ClientConfig::new(server.base_url()), "mock-token")?;
            let key =
                SshKey::PublicKey("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAImock mock@example".into());
            (td, wait, Some(key))
        }
        (None, None) => unreachable!("a mock is started when there is no token"),
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

/// A mock TensorDock v2 that answers each call of the lifecycle: the
/// instance boots without an IP first, then runs with one, and reads as
/// stopped after the stop.
async fn start_mock() -> MockServer {
    let server = MockServer::start_async().await;
    let id = "468b716a-6747-4cbe-9f13-afc153a21c14";
    let auth = "Bearer mock-token";
    server
        .mock_async(|when, then| {
            when.method("GET").path("/locations").header("authorization", auth);
            then.status(200).json_body(json!({"data": {"locations": [
                {"id": "8dd95ff0-dff9-489c-9b02-b38a366b6ab1", "city": "Chubbuck",
                 "stateprovince": "Idaho", "country": "United States", "tier": 1, "gpus": [
                    {"v0Name": "h100-sxm5-80gb", "displayName": "NVIDIA H100 SXM5 80GB",
                     "max_count": 0, "price_per_hr": 2.25},
                    {"v0Name": "geforcertx4090-pcie-24gb", "displayName": "NVIDIA GeForce RTX 4090 PCIe 24GB",
                     "max_count": 4, "price_per_hr": 0.3966,
                     "resources": {"max_vcpus": 56, "max_ram_gb": 331, "max_storage_gb": 30200},
                     "network_features": {"dedicated_ip_available": false, "port_forwarding_available": true}}
                 ]}
            ]}}));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method("POST").path("/instances").header("authorization", auth);
            then.status(200).json_body(json!({"data": {
                "type": "virtualmachine", "id": id, "name": "sdk-v2-lifecycle-example", "status": "starting"}}));
        })
        .await;
    let path = format!("/instances/{id}");
    let instance = |status: &str, ip: &str| {
        json!({"type": "virtualmachine", "id": id, "name": "sdk-v2-lifecycle-example",
               "status": status, "ipAddress": ip, "rateHourly": 0.4266,
               "portForwards": [{"internal_port": 22, "external_port": 20456}]})
    };
    let replies = [
        (instance("starting", ""), Some(1)),
        (instance("running", "203.0.113.7"), Some(1)),
        (instance("Stopped", "203.0.113.7"), None),
    ];
    for (body, times) in replies {
        server
            .mock_async(|when, then| {
                when.method("GET").path(&path);
                let then = then.status(200).json_body(body);
                if let Some(n) = times {
                    then.up_to_n_times(n);
                }
            })
            .await;
    }
    server
        .mock_async(|when, then| {
            when.method("POST").path(format!("{path}/stop"));
            then.status(200).json_body(json!({"data": {
                "type": "instance", "id": id, "attributes": {"status": "stopping"}}}));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method("DELETE").path(&path);
            then.status(200).json_body(json!({"data": {
                "type": "success", "attributes": {"message": "Instance deleted successfully"}}}));
        })
        .await;
    server
}
