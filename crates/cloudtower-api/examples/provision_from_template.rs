//! Provision a VM from a content-library template onto a named VLAN: what
//! the Terraform provider's `cloudtower_vm` resource does with
//! `create_vm_from_content_library_template`. Find the template, the
//! cluster and the VLAN by name, create the VM with its own CPU, memory
//! and NIC, wait for the task, and read the VM back.
//!
//! Runs against the fake CloudTower (`cloudtower-fake`) by
//! default. Against a real CloudTower, set `CLOUDTOWER_URL`
//! (`http://<tower>/v2/api`), `CLOUDTOWER_TOKEN`, and the names
//! `CLOUDTOWER_TEMPLATE`, `CLOUDTOWER_CLUSTER` and `CLOUDTOWER_VLAN`; a
//! real VM named `provisioned-by-rust` is created (stopped) and left in
//! place.
//!
//! ```sh
//! cargo run -p cloudtower-api --example provision_from_template
//! ```

use cloudtower_api::types::{VmStatus, VmWhereInput};
use cloudtower_api::{CloudTower, FromTemplate, TaskWait};
use cloudtower_fake::{self as fake, Fake};
use serde_json::json;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let real = std::env::var("CLOUDTOWER_URL")
        .ok()
        .zip(std::env::var("CLOUDTOWER_TOKEN").ok());
    let names = |var: &str, default: &str| std::env::var(var).unwrap_or_else(|_| default.into());
    let (template, cluster, vlan) = (
        names("CLOUDTOWER_TEMPLATE", "ubuntu-22.04"),
        names("CLOUDTOWER_CLUSTER", "cluster-prod-01"),
        names("CLOUDTOWER_VLAN", "vm-network"),
    );
    // Keep the fake alive for the whole run.
    let fake = match &real {
        None => Some(start_fake(&template, &cluster, &vlan).await?),
        Some(_) => None,
    };
    let ct = match (&real, &fake) {
        (Some((url, token)), _) => {
            println!("using the CloudTower at {url}");
            CloudTower::new(url.as_str(), token.as_str())?
        }
        (None, Some(fake)) => {
            println!(
                "using the embedded fake CloudTower at {} (set CLOUDTOWER_URL and CLOUDTOWER_TOKEN for a real one)",
                fake.base_url()
            );
            // The fake's tasks finish over polls, not time: poll quickly.
            fake.client()?
                .with_task_wait(TaskWait::new().interval(fake::FAST_POLL))
        }
        (None, None) => return Err("no CloudTower and no fake".into()),
    };

    println!("1. finding template {template:?}, cluster {cluster:?} and VLAN {vlan:?}");
    let template = ct.content_library_template_named(&template).await?;
    let cluster = ct.cluster_named(&cluster).await?;
    let vlan = ct.vlan_named(&vlan).await?;
    println!(
        "   template {}, cluster {}, VLAN {} (tag {})",
        template.id, cluster.id, vlan.id, vlan.vlan_id
    );

    println!(
        "2. creating provisioned-by-rust: 2x2 vCPUs, 4 GiB, one NIC on {}",
        vlan.name
    );
    let created = ct
        .create_vm_from_content_library_template([FromTemplate::new(
            &template.id,
            &cluster.id,
            "provisioned-by-rust",
        )
        .vcpu(2, 2)
        .memory_gib(4)
        .nic_on_vlan(&vlan.id)
        .status(VmStatus::Stopped)])
        .await?;
    let id = created
        .first()
        .map(|w| w.data.id.clone())
        .ok_or("no VM was created")?;

    println!("3. waiting for the task");
    for task in ct.wait(&created).await? {
        println!("   task {} {}: {}", task.id, task.status, task.description);
    }

    println!("4. reading the VM back");
    let vm = ct
        .first(VmWhereInput::by_id(&id))
        .await?
        .ok_or("the new VM is gone")?;
    println!(
        "   {} ({}) is {}: {} vCPUs, {} GiB",
        vm.name,
        vm.id,
        vm.status,
        vm.vcpu,
        vm.memory >> 30
    );
    Ok(())
}

/// A fake CloudTower with a cluster, a VLAN and a content-library template
/// of those names.
async fn start_fake(template: &str, cluster: &str, vlan: &str) -> Result<Fake, fake::FakeError> {
    let fake = Fake::start().await?;
    let cluster_id = fake.add_cluster(cluster);
    fake.add_host(&cluster_id, "node-13-41");
    fake.insert("Vlan", json!({"name": vlan, "vlan_id": 120}));
    fake.insert(
        "ContentLibraryVmTemplate",
        json!({"name": template, "clusters": [{"id": cluster_id, "name": cluster}]}),
    );
    Ok(fake)
}
