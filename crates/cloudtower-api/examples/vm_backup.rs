//! Back up a VM: the Python SDK guide's scenario "Backup a virtual
//! machine". Find the VM by name, snapshot it (file-system consistent when
//! VMTools runs in the guest, crash consistent otherwise), wait for the
//! task, read the snapshot back, and fetch the iSCSI LUN snapshots that
//! hold its disks. Then roll the VM back to the snapshot and wait for that
//! task too (against a real CloudTower only with `CLOUDTOWER_ROLLBACK=1`:
//! a rollback discards what changed in the VM since).
//!
//! Runs against the fake CloudTower (`cloudtower-fake`) by
//! default, logging in with a username and password; the fake keeps the
//! snapshot, its task and its LUN snapshots. With `CLOUDTOWER_URL` (`http://<tower>/v2/api`)
//! and `CLOUDTOWER_TOKEN` set it runs against that CloudTower; set
//! `CLOUDTOWER_VM` to the name of the VM to back up (a real snapshot is
//! created and left in place), otherwise it only lists a few VMs.
//!
//! ```sh
//! cargo run -p cloudtower-api --example vm_backup
//! ```

use std::time::Duration;

use cloudtower_api::types::{
    ConsistentType, GetVmsRequestBody, IscsiLunSnapshot, IscsiLunSnapshotWhereInput, VmSnapshot,
    VmSnapshotCreationParams, VmSnapshotCreationParamsData, VmSnapshotWhereInput, VmToolsStatus,
    VmWhereInput,
};
use cloudtower_api::{ClientConfig, CloudTower, Error, ErrorKind, TaskWait, UserSource};
use cloudtower_fake::{self as fake, Fake};
use serde_json::json;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let real = std::env::var("CLOUDTOWER_URL")
        .ok()
        .zip(std::env::var("CLOUDTOWER_TOKEN").ok());
    // Keep the fake alive for the whole run.
    let fake = match real {
        None => Some(start_fake().await?),
        Some(_) => None,
    };
    let (ct, vm_name) = match (&real, &fake) {
        (Some((url, token)), _) => {
            println!("using the CloudTower at {url}");
            let ct = CloudTower::new(url.as_str(), token.as_str())?;
            let Ok(vm_name) = std::env::var("CLOUDTOWER_VM") else {
                let some = ct.get_vms(GetVmsRequestBody::builder().first(5)).await?;
                println!("set CLOUDTOWER_VM to one of these VMs (or another) to back it up:");
                for vm in some {
                    println!("  {} ({}, {})", vm.name, vm.id, vm.status);
                }
                return Ok(());
            };
            (
                ct.with_task_wait(TaskWait::new().interval(Duration::from_secs(2))),
                vm_name,
            )
        }
        (None, Some(fake)) => {
            println!(
                "using the embedded fake CloudTower at {} (set CLOUDTOWER_URL and CLOUDTOWER_TOKEN for a real CloudTower)",
                fake.base_url()
            );
            println!("0. logging in as admin");
            let config = ClientConfig::new(fake.base_url());
            let ct = CloudTower::login(config, "admin", PASSWORD, UserSource::Local).await?;
            // The fake's tasks finish over polls, not time: poll quickly.
            let fast = TaskWait::new().interval(fake::FAST_POLL);
            (ct.with_task_wait(fast), "web-01".to_string())
        }
        (None, None) => return Err("no CloudTower and no fake".into()),
    };

    let snapshot_name = format!("{vm_name}-backup");
    let (snapshot, luns) = create_vm_snapshot(
        &ct,
        &vm_name,
        &snapshot_name,
        ConsistentType::FileSystemConsistent,
    )
    .await?;
    println!(
        "done: snapshot {} ({}) of {} disk(s), {} LUN snapshot(s)",
        snapshot.name,
        snapshot.id,
        snapshot.vm_disks.as_ref().map_or(0, Vec::len),
        luns.len()
    );

    let rollback = fake.is_some() || std::env::var("CLOUDTOWER_ROLLBACK").as_deref() == Ok("1");
    if let (true, Some(vm)) = (rollback, &snapshot.vm) {
        println!("6. rolling {vm_name} back to {}", snapshot.name);
        let rolled = ct.rollback_vm_to(&vm.id, &snapshot.id).await?;
        for task in ct.wait(&rolled).await? {
            println!("   task {} {}: {}", task.id, task.status, task.description);
        }
    } else {
        println!("6. (set CLOUDTOWER_ROLLBACK=1 to roll {vm_name} back to the snapshot)");
    }
    Ok(())
}

/// The guide's `create_vm_snapshot`, step by step.
async fn create_vm_snapshot(
    ct: &CloudTower,
    vm_name: &str,
    snapshot_name: &str,
    mut consistent_type: ConsistentType,
) -> Result<(VmSnapshot, Vec<IscsiLunSnapshot>), Error> {
    println!("1. finding the VM named {vm_name}");
    let vm = ct
        .first(VmWhereInput::by_name(vm_name))
        .await?
        .ok_or_else(|| missing("GetVms", format!("no VM is named {vm_name}")))?;
    println!(
        "   {} is {}, VMTools {}",
        vm.id, vm.status, vm.vm_tools_status
    );
    // A file-system consistent snapshot needs VMTools running in the guest.
    if vm.vm_tools_status != VmToolsStatus::Running
        && consistent_type == ConsistentType::FileSystemConsistent
    {
        consistent_type = ConsistentType::CrashConsistent;
    }

    println!("2. creating snapshot {snapshot_name} ({consistent_type})");
    let created = ct
        .create_vm_snapshot(VmSnapshotCreationParams::builder().data(vec![
            VmSnapshotCreationParamsData::builder()
                .vm_id(vm.id.clone())
                .name(snapshot_name)
                .consistent_type(consistent_type)
                .try_into()
                .expect("vm_id and name are set"),
        ]))
        .await?;
    let with_task = created
        .first()
        .ok_or_else(|| missing("CreateVmSnapshot", "no snapshot was created".into()))?;
    println!(
        "   snapshot {} is being created by task {}",
        with_task.data.id,
        with_task.task_id.as_deref().unwrap_or("(none)")
    );

    println!("3. waiting for the task");
    let tasks = ct.wait(&created).await?;
    for task in &tasks {
        println!("   task {} {}: {}", task.id, task.status, task.description);
    }

    println!("4. reading the snapshot back");
    let snapshot = ct
        .first(VmSnapshotWhereInput::by_id(&with_task.data.id))
        .await?
        .ok_or_else(|| missing("GetVmSnapshots", "the new snapshot is gone".into()))?;
    for disk in snapshot.vm_disks.iter().flatten() {
        println!(
            "   {} {} {}: LUN snapshot {}",
            disk.type_,
            disk.bus,
            disk.disk_name.as_deref().unwrap_or("-"),
            disk.snapshot_local_id.as_deref().unwrap_or("(none)")
        );
    }

    // Each DISK names the LUN snapshot holding its data; CD-ROMs have none.
    println!("5. fetching the LUN snapshots of its disks");
    let names = snapshot.lun_snapshot_names();
    let luns = ct
        .get_iscsi_lun_snapshots(IscsiLunSnapshotWhereInput::by_names(names))
        .await?;
    for lun in &luns {
        println!(
            "   {} on target {} (LUN {})",
            lun.name,
            lun.iscsi_target.name,
            lun.iscsi_lun.as_ref().map_or("-", |l| l.name.as_str())
        );
    }
    Ok((snapshot, luns))
}

fn missing(operation: &'static str, message: String) -> Error {
    Error::new(ErrorKind::Api, cloudtower_api::PROVIDER, operation, message)
}

/// The fake's administrator password.
const PASSWORD: &str = "fake-admin-password";

/// A fake CloudTower with the VM `web-01` (two data disks and a CD-ROM,
/// VMTools running) on a host of a cluster.
async fn start_fake() -> Result<Fake, fake::FakeError> {
    let fake = Fake::start().await?;
    fake.add_user("admin", PASSWORD);
    let cluster = fake.add_cluster("cluster-prod-01");
    let host = fake.add_host(&cluster, "node-13-41");
    let data_disks: Vec<_> = (0..2)
        .map(|i| {
            json!({
                "bus": "VIRTIO", "boot": i, "index": i,
                "vm_volume": {"name": format!("web-01-disk-{i}"), "size": 40, "size_unit": "GB",
                              "elf_storage_policy": "REPLICA_2_THIN_PROVISION"}
            })
        })
        .collect();
    let created = fake.create(
        "Vm",
        json!({
            "cluster_id": cluster, "host_id": host, "name": "web-01", "description": "frontend",
            "status": "RUNNING", "vm_tools_status": "RUNNING",
            "vm_disks": {"mount_new_create_disks": data_disks, "mount_cd_roms": [{"boot": 9, "index": 9}]}
        }),
    );
    created.map_err(fake::FakeError::Spec)?;
    Ok(fake)
}
