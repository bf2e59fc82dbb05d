//! A full VM lifecycle on TensorDock v0: list hostnodes, pick one, deploy,
//! get, stop, delete.
//!
//! Runs against an embedded mock server by default. With
//! `TENSORDOCK_API_KEY` and `TENSORDOCK_API_TOKEN` set it runs against the
//! real API and deploys a real (billed) VM, which it deletes at the end.
//!
//! ```sh
//! cargo run -p tensordock-api --example v0_lifecycle
//! ```

use httpmock::MockServer;
use serde_json::json;
use tensordock_api::v0::{
    DeployVmExt, HostnodeFilter, PortMappings, TensorDock, VmStatusExt, types,
};
use tensordock_api::{ClientConfig, Error};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let real = std::env::var("TENSORDOCK_API_KEY")
        .ok()
        .zip(std::env::var("TENSORDOCK_API_TOKEN").ok());
    // Keep the mock server alive for the whole run.
    let mock = real.is_none().then(start_mock);
    let td = match (&real, &mock) {
        (Some((key, token)), _) => {
            println!("using the real TensorDock API");
            TensorDock::new((key.as_str(), token.as_str()))?
        }
        (None, Some(server)) => {
            println!(
                "using an embedded mock server at {} (set TENSORDOCK_API_KEY/TOKEN for the real API)",
                server.base_url()
            );
            TensorDock::with_config(
                ClientConfig::new(server.base_url()),
                ("mock-key", "mock-token"),
            )?
        }
        (None, None) => unreachable!("a mock is started when there are no credentials"),
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

/// A mock TensorDock that answers each call of the lifecycle.
fn start_mock() -> MockServer {
    let server = MockServer::start();
    let vm = "65e7edca-888a-4e66-a975-2c6cd4cd218b";
    server.mock(|when, then| {
        when.method("GET").path("/client/deploy/hostnodes");
        then.status(200).json_body(json!({"success": true, "hostnodes": {
            "02c65d45-6da5-4232-a8db-ee0e5bc76110": {
                "location": {"city": "Winnipeg", "country": "Canada", "dc": null, "id": "50cf200c-be1b-4983-a316-369d2eea10ec", "region": "Manitoba"},
                "networking": {"ports": [20013, 20012], "receive": 1000, "send": 1000},
                "specs": {"cpu": {"amount": 26, "price": 0.003, "type": "AMD Ryzen 9 5950X"},
                          "gpu": {"geforcertx3080-pcie-10gb": {"amount": 1, "price": 0.15}},
                          "ram": {"amount": 100, "price": 0.002}, "storage": {"amount": 580, "price": 0.00005}},
                "status": {"listed": true, "online": true, "report": "https://monitor.example/report", "uptime": 0.9999}
            }
        }}));
    });
    server.mock(|when, then| {
        when.method("POST").path("/client/deploy/single");
        then.status(200).json_body(json!({"success": true, "server": vm, "ip": "203.0.113.7",
            "port_forwards": {"20013": 22}, "cost": {"total_price": 0.17, "compute_price": 0.16, "storage_price": 0.01}}));
    });
    server.mock(|when, then| {
        when.method("POST").path("/client/get/single");
        then.status(200).json_body(json!({"success": true, "virtualmachines": {
            "name": "sdk-lifecycle-example", "status": "Running", "hostname": "203.0.113.7", "port_forwards": {"20013": 22}}}));
    });
    for path in ["/client/stop/single", "/client/delete/single"] {
        server.mock(|when, then| {
            when.method("POST").path(path);
            then.status(200).json_body(json!({"success": true}));
        });
    }
    server
}
