//! A small program against the embedded fakes (and a CloudTower mock),
//! built from the packaged crates.

use httpmock::MockServer;
use serde_json::json;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Neolink and TensorDock: the crates' own fakes (feature `fake`).
    let nl_fake = neolink_api::fake::Fake::start().await?;
    let name = nl_fake.add_instance("notebook", "Running");
    let neolink =
        neolink_api::Neolink::with_config(nl_fake.base_url(), neolink_api::fake::TOKEN)?;
    let list = neolink.instances(nl_fake.cluster()).await?;
    println!("neolink: {} instance(s): {:?}", list.nodes.len(), list.nodes[0].name);
    assert_eq!(list.nodes[0].name, name);

    let td_fake = tensordock_api::v2::fake::Fake::start().await?;
    let id = td_fake.add_instance("trainer-2", "running");
    let td = tensordock_api::v2::TensorDock::with_config(
        td_fake.base_url(),
        tensordock_api::v2::fake::TOKEN,
    )?;
    let instances = td.instances().await?;
    println!("tensordock v2: {} instance(s): {}", instances.len(), instances[0].id);
    assert_eq!(instances[0].id, id);

    let server = MockServer::start_async().await;
    let ct_list = server.mock(|when, then| {
        when.method("POST").path("/get-vms").header("authorization", "ct-token");
        then.status(200).json_body(json!([{"id": "vm-1", "name": "web-01", "description": "frontend",
            "local_id": "3a8e1c4e-6f8c-4b2b-9a2f-0b8f5a3f7f10", "status": "RUNNING", "vcpu": 4,
            "cpu": {"cores": 2, "sockets": 2}, "cpu_model": "cluster_default", "memory": 8589934592u64,
            "ha": true, "firmware": "BIOS", "clock_offset": "UTC", "in_recycle_bin": false,
            "internal": false, "protected": false, "nested_virtualization": false, "win_opt": false,
            "ips": "192.168.20.31", "node_ip": "192.168.13.41", "out_uninstall_usb": [],
            "vm_tools_status": "RUNNING"}]));
    });
    let ct = cloudtower_api::CloudTower::new(server.base_url(), "ct-token")?;
    let vms = ct.instances().await?;
    println!("cloudtower: {} VM(s): {}", vms.len(), vms[0].name);
    ct_list.assert_async().await;

    println!("outside project: ok");
    Ok(())
}
