//! Back up a VM: the Python SDK guide's scenario "Backup a virtual
//! machine". Find the VM by name, snapshot it (file-system consistent when
//! VMTools runs in the guest, crash consistent otherwise), wait for the
//! task, read the snapshot back, and fetch the iSCSI LUN snapshots that
//! hold its disks.
//!
//! Runs against an embedded mock server by default (logging in with a
//! username and password). With `CLOUDTOWER_URL` (`http://<tower>/v2/api`)
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
use httpmock::MockServer;
use serde_json::{Value, json};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let real = std::env::var("CLOUDTOWER_URL")
        .ok()
        .zip(std::env::var("CLOUDTOWER_TOKEN").ok());
    // Keep the mock server alive for the whole run.
    let mock = match real {
        None => Some(start_mock().await),
        Some(_) => None,
    };
    let (ct, vm_name) = match (&real, &mock) {
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
        (None, Some(server)) => {
            println!(
                "using an embedded mock server at {} (set CLOUDTOWER_URL and CLOUDTOWER_TOKEN for a real CloudTower)",
                server.base_url()
            );
            println!("0. logging in as admin");
            let config = ClientConfig::new(server.base_url());
            let ct = CloudTower::login(config, "admin", "mock-password", UserSource::Local).await?;
            let fast = TaskWait::new().interval(Duration::from_millis(50));
            (ct.with_task_wait(fast), "web-01".to_string())
        }
        (None, None) => unreachable!("a mock is started when there is no CloudTower"),
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

/// A mock CloudTower for the scenario; the snapshot task goes PENDING,
/// EXECUTING, SUCCESSED.
async fn start_mock() -> MockServer {
    let server = MockServer::start_async().await;
    let vm_id = "cl2k1yswo1ifg0822ruv6ylfp";
    let snapshot_id = "cl2k3bpsk3f7d08221p2dwc5c";
    let task_id = "cl2k1ytq81igz0822z0qvq2ou";
    let luns = [
        "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f",
        "4d5e6f70-8b9c-4dae-9f10-2b3c4d5e6f70",
    ];
    let post = |path: &'static str, body: Value| {
        server.mock(|when, then| {
            when.method("POST").path(path);
            then.status(200)
                .header("content-type", "application/json")
                .json_body(body);
        })
    };
    post(
        "/login",
        json!({"task_id": null, "data": {"token": "mock-token"}}),
    );
    post("/get-vms", json!([vm(vm_id)]));
    post(
        "/create-vm-snapshot",
        json!([{"task_id": task_id, "data": snapshot(snapshot_id, vm_id, None)}]),
    );
    post(
        "/get-vm-snapshots",
        json!([snapshot(snapshot_id, vm_id, Some(&luns))]),
    );
    post(
        "/get-iscsi-lun-snapshots",
        json!(luns.iter().enumerate().map(|(i, name)| json!({
            "id": format!("cl2k3bq0d3f8a0822oa4n3dz{i}"), "name": name, "local_id": name,
            "local_created_at": "2024-05-09T09:00:12.000Z", "unique_size": 0,
            "entityAsyncStatus": null,
            "iscsi_lun": {"id": format!("cl2k1yswx1ifi0822gh3kd9v{i}"), "name": format!("web-01-disk-{i}")},
            "iscsi_target": {"id": "cl2k0mr3g02gq0822nh0zhqb1", "name": "zbs-iscsi-datastore-1651651234567"}
        })).collect::<Vec<_>>()),
    );
    for status in ["PENDING", "EXECUTING"] {
        server.mock(|when, then| {
            when.method("POST").path("/get-tasks");
            then.status(200)
                .json_body(json!([task(task_id, status)]))
                .up_to_n_times(1);
        });
    }
    post("/get-tasks", json!([task(task_id, "SUCCESSED")]));
    server
}

fn task(id: &str, status: &str) -> Value {
    json!({
        "id": id, "description": "Create VM snapshot web-01-backup", "status": status,
        "progress": if status == "SUCCESSED" { 1.0 } else { 0.3 }, "internal": false,
        "error_message": null, "local_created_at": "2024-05-09T09:00:01.000Z"
    })
}

fn vm(id: &str) -> Value {
    json!({
        "id": id, "name": "web-01", "description": "frontend", "local_id": "3a8e1c4e",
        "status": "RUNNING", "entityAsyncStatus": null, "vcpu": 4,
        "cpu": {"cores": 2, "sockets": 2}, "cpu_model": "cluster_default", "memory": 8589934592u64,
        "ha": true, "firmware": "BIOS", "clock_offset": "UTC", "in_recycle_bin": false,
        "internal": false, "protected": false, "nested_virtualization": false, "win_opt": false,
        "ips": "192.168.20.31", "node_ip": "192.168.13.41", "out_uninstall_usb": [],
        "vm_tools_status": "RUNNING"
    })
}

/// A VM snapshot; with `luns`, its frozen disks (one per LUN, plus a
/// CD-ROM).
fn snapshot(id: &str, vm_id: &str, luns: Option<&[&str]>) -> Value {
    let frozen = luns.map(|luns| {
        let mut disks: Vec<Value> = luns
            .iter()
            .enumerate()
            .map(|(i, lun)| {
                json!({
                    "type": "DISK", "boot": i, "bus": "VIRTIO", "index": i, "path": "iscsi://...",
                    "size": 42949672960u64, "disk_name": format!("web-01-disk-{i}"),
                    "elf_image_local_id": "", "svt_image_local_id": "", "storage_policy_uuid": "p",
                    "vm_volume_local_id": "v", "snapshot_local_id": lun
                })
            })
            .collect();
        disks.push(json!({
            "type": "CD_ROM", "boot": 9, "bus": "IDE", "index": 9, "path": "", "size": 0,
            "elf_image_local_id": "", "svt_image_local_id": "", "storage_policy_uuid": "",
            "vm_volume_local_id": "", "snapshot_local_id": null
        }));
        disks
    });
    json!({
        "id": id, "name": "web-01-backup", "description": "", "local_id": "5b1c9d2e",
        "local_created_at": luns.map(|_| "2024-05-09T09:00:12.000Z"),
        "entityAsyncStatus": if luns.is_some() { Value::Null } else { json!("CREATING") },
        "consistent_type": "FILE_SYSTEM_CONSISTENT",
        "cluster": {"id": "cl2k0mpoy026n0822xq4ap5tz", "name": "cluster-prod-01"},
        "vm": {"id": vm_id, "name": "web-01"}, "vcpu": 4, "cpu": {"cores": 2, "sockets": 2},
        "cpu_model": "cluster_default", "memory": 8589934592u64, "size": 85899345920u64,
        "firmware": "BIOS", "clock_offset": "UTC", "ha": true, "win_opt": false,
        "vm_disks": frozen
    })
}
