//! Contract tests for `specs/cloudtower.yaml` (SmartX CloudTower), part 2
//! of 3: the VMs (reads, creation, edits, power, recycle bin and delete)
//! and their snapshots. Every operation's exact request (path, headers,
//! JSON body = the spec's request example, built with the typed API)
//! against an httpmock server, and the typed parse of response bodies
//! shaped like the official document's, with explicit `null`s and enum
//! values the spec does not know.

#[path = "common/cloudtower.rs"]
mod cloudtower;
mod common;

use cloudtower::{
    CLUSTER, ISO, VLAN, VM_UNKNOWNS, VM1, VM2, VM3, VM4, assert_lossless, assert_vm_unknowns,
    built, check_with_task_deletes, check_with_task_vms, exchange, spec, to_json, variant,
    with_task_deletes, with_task_vms,
};
use cloudtower_api::ContentLanguage;
use cloudtower_api::types::*;
use serde_json::{Value, json};

// ---------------------------------------------------------------- VM reads

#[tokio::test]
async fn contract_get_vms() {
    let example = spec().response_example("GetVms");
    let served = json!([example[0], variant(&example[0], VM_UNKNOWNS)]);
    let body = GetVmsRequestBody::builder()
        .where_(built::<VmWhereInput, _>(
            VmWhereInput::builder()
                .and(vec![
                    built(VmWhereInput::builder().status(VmStatus::Running)),
                    built(VmWhereInput::builder().vcpu_gt(2)),
                ])
                .cluster(ClusterWhereInput::by_id(CLUSTER))
                .name_contains("web".to_string()),
        ))
        .order_by(VmOrderByInput::NameAsc)
        .first(50)
        .skip(0);
    // The client's default language goes on every request.
    let vms = exchange("GetVms", Some("en-US"), &served, async |ct| {
        ct.with_language(ContentLanguage::EnUs)
            .unwrap()
            .get_vms(body)
            .await
    })
    .await;
    assert_lossless("GetVms", &served, to_json!(&vms));
    let vm = &vms[0];
    assert_eq!((vm.id.as_str(), vm.name.as_str()), (VM1, "web-01"));
    assert_eq!(vm.status, VmStatus::Running);
    assert_eq!(vm.cluster.as_ref().unwrap().name, "cluster-prod-01");
    assert_eq!(vm.host.as_ref().unwrap().management_ip, "192.168.13.41");
    assert_eq!((vm.cpu.cores, vm.cpu.sockets, vm.vcpu), (2, 2, 4));
    assert_eq!((vm.memory, vm.size), (8 << 30, Some(40 << 30)));
    assert_eq!(
        (vm.cpu_usage, vm.vm_tools_status.clone()),
        (Some(12.5), VmToolsStatus::Running)
    );
    // Explicit nulls read as None.
    assert_eq!(vm.entity_async_status, None);
    assert_eq!((vm.folder.as_ref(), vm.max_iops), (None, None));
    assert_eq!(
        (vm.max_bandwidth, vm.last_shutdown_time.as_ref()),
        (None, None)
    );
    let disks: Vec<&str> = vm
        .vm_disks
        .iter()
        .flatten()
        .map(|d| d.id.as_str())
        .collect();
    assert_eq!(
        disks,
        ["cl2k1ysx61ifk0822v9tw5n4d", "cl2k1ysx61ifl0822i1bhs6bn"]
    );
    assert_vm_unknowns(&vms[1]);
    // Unknown values serialize back unchanged.
    assert_eq!(to_json!(&vms[1])["status"], "MIGRATING");
}

#[tokio::test]
async fn contract_get_vms_connection() {
    let served = spec().response_example("GetVmsConnection");
    let body: VmWhereInput = built(VmWhereInput::builder().status(VmStatus::Running));
    let got = exchange("GetVmsConnection", None, &served, async |ct| {
        ct.get_vms_connection(body).await
    })
    .await;
    assert_eq!(got.aggregate.count, 37);
    assert_lossless("GetVmsConnection", &served, to_json!(&got));
}

// ---------------------------------------------------------------- VM creation

#[tokio::test]
async fn contract_create_vm() {
    let served = with_task_vms("CreateVm");
    let vm = VmCreationParams::builder()
        .cluster_id(CLUSTER)
        .name("web-01")
        .ha(true)
        .cpu_cores(2)
        .cpu_sockets(2)
        .vcpu(4)
        .memory(8i64 << 30)
        .status(VmStatus::Stopped)
        .firmware(VmFirmware::Bios)
        .vm_nics(vec![built(
            VmNicParams::builder()
                .connect_vlan_id(VLAN.to_string())
                .model(VmNicModel::Virtio)
                .mirror(false),
        )])
        .vm_disks(
            VmDiskParams::builder()
                .mount_cd_roms(vec![built(
                    VmCdRomParams::builder()
                        .boot(1)
                        .index(1)
                        .elf_image_id(ISO.to_string()),
                )])
                .mount_new_create_disks(vec![built(
                    MountNewCreateDisksParams::builder()
                        .boot(0)
                        .bus(Bus::Virtio)
                        .index(0)
                        .vm_volume(
                            MountNewCreateDisksParamsVmVolume::builder()
                                .name("web-01-disk-0")
                                .size(40i64 << 30)
                                .elf_storage_policy(
                                    VmVolumeElfStoragePolicyType::Replica2ThinProvision,
                                ),
                        ),
                )]),
        );
    let got = exchange("CreateVm", None, &served, async |ct| {
        ct.create_vm([vm]).await
    })
    .await;
    check_with_task_vms("CreateVm", &served, &got);
    assert_eq!(
        got[0].data.entity_async_status,
        Some(EntityAsyncStatus::Creating)
    );
    assert_eq!(got[0].data.host, None, "explicit null");
}

#[tokio::test]
async fn contract_create_vm_from_template() {
    let served = with_task_vms("CreateVmFromTemplate");
    let vm = VmCreateVmFromTemplateParams::builder()
        .template_id("cl2k0mt4x02nm0822h8t1o6u4")
        .cluster_id(CLUSTER.to_string())
        .name("web-02")
        .is_full_copy(false)
        .vm_nics(vec![built(
            VmNicParams::builder()
                .connect_vlan_id(VLAN.to_string())
                .enabled(true)
                .model(VmNicModel::E1000),
        )])
        .cloud_init(built::<TemplateCloudInit, _>(
            TemplateCloudInit::builder()
                .hostname("web-02".to_string())
                .public_keys(vec!["ssh-ed25519 AAAAC3Nza... ops".to_string()])
                .nameservers(vec!["192.168.1.1".to_string()])
                .networks(vec![built(
                    CloudInitNetWork::builder()
                        .nic_index(0)
                        .type_(CloudInitNetworkTypeEnum::Ipv4)
                        .ip_address("192.168.20.32".to_string())
                        .netmask("255.255.255.0".to_string())
                        .routes(vec![built(
                            CloudInitNetWorkRoute::builder()
                                .network("0.0.0.0")
                                .netmask("0.0.0.0")
                                .gateway("192.168.20.1"),
                        )]),
                )]),
        ));
    let got = exchange("CreateVmFromTemplate", None, &served, async |ct| {
        ct.create_vm_from_template([vm]).await
    })
    .await;
    check_with_task_vms("CreateVmFromTemplate", &served, &got);
    assert_eq!(got[0].data.name, "web-02");
}

// ---------------------------------------------------------------- VM edits

#[tokio::test]
async fn contract_update_vm() {
    let served = with_task_vms("UpdateVm");
    let params = VmUpdateParams::builder()
        .where_(VmWhereInput::by_id(VM1))
        .data(
            VmUpdateParamsData::builder()
                .name("web-01-renamed".to_string())
                .description("frontend, renamed".to_string())
                .ha(false)
                .vcpu(4)
                .cpu_cores(2)
                .cpu_sockets(2)
                .memory(1i64 << 30),
        );
    let got = exchange("UpdateVm", None, &served, async |ct| {
        ct.update_vm(params).await
    })
    .await;
    check_with_task_vms("UpdateVm", &served, &got);
}

#[tokio::test]
async fn contract_add_vm_cd_rom() {
    let served = with_task_vms("AddVmCdRom");
    let params = VmAddCdRomParams::builder()
        .where_(VmWhereInput::by_id(VM1))
        .data(VmAddCdRomParamsData::builder().vm_cd_roms(vec![built(
            VmCdRomParams::builder()
                .boot(0)
                .index(0)
                .elf_image_id(ISO.to_string()),
        )]));
    let got = exchange("AddVmCdRom", None, &served, async |ct| {
        ct.add_vm_cd_rom(params).await
    })
    .await;
    check_with_task_vms("AddVmCdRom", &served, &got);
}

#[tokio::test]
async fn contract_remove_vm_cd_rom() {
    let served = with_task_vms("RemoveVmCdRom");
    let params = VmRemoveCdRomParams::builder()
        .where_(VmWhereInput::by_id(VM1))
        .data(
            VmRemoveCdRomParamsData::builder()
                .cd_rom_ids(vec!["cl2k1ysx61ifl0822i1bhs6bn".to_string()]),
        );
    let got = exchange("RemoveVmCdRom", None, &served, async |ct| {
        ct.remove_vm_cd_rom(params).await
    })
    .await;
    check_with_task_vms("RemoveVmCdRom", &served, &got);
}

#[tokio::test]
async fn contract_add_vm_disk() {
    let served = with_task_vms("AddVmDisk");
    let disks = VmAddDiskParamsDataVmDisks::builder()
        .mount_new_create_disks(vec![built(
            MountNewCreateDisksParams::builder()
                .boot(1)
                .bus(Bus::Virtio)
                .vm_volume(
                    MountNewCreateDisksParamsVmVolume::builder()
                        .name("web-01-data")
                        .size(5i64 << 30)
                        .elf_storage_policy(VmVolumeElfStoragePolicyType::Replica2ThinProvision),
                ),
        )])
        .mount_disks(vec![built(
            MountDisksParams::builder()
                .boot(2)
                .bus(Bus::Virtio)
                .index(2)
                .vm_volume_id("cl2k1z0ab1iko0822q3w8mq1d"),
        )]);
    let params = VmAddDiskParams::builder()
        .where_(VmWhereInput::by_id(VM1))
        .data(VmAddDiskParamsData::builder().vm_disks(disks));
    let got = exchange("AddVmDisk", None, &served, async |ct| {
        ct.add_vm_disk(params).await
    })
    .await;
    check_with_task_vms("AddVmDisk", &served, &got);
}

#[tokio::test]
async fn contract_remove_vm_disk() {
    let served = with_task_vms("RemoveVmDisk");
    let params = VmRemoveDiskParams::builder()
        .where_(VmWhereInput::by_id(VM1))
        .data(
            VmRemoveDiskParamsData::builder()
                .disk_ids(vec!["cl2k1ysx61ifk0822v9tw5n4d".to_string()]),
        );
    let got = exchange("RemoveVmDisk", None, &served, async |ct| {
        ct.remove_vm_disk(params).await
    })
    .await;
    check_with_task_vms("RemoveVmDisk", &served, &got);
}

#[tokio::test]
async fn contract_add_vm_nic() {
    let served = with_task_vms("AddVmNic");
    let nic = |vlan: &str, enabled: bool, mirror: Option<bool>| {
        built(
            VmNicParams::builder()
                .connect_vlan_id(vlan.to_string())
                .enabled(enabled)
                .mirror(mirror)
                .model(VmNicModel::Virtio),
        )
    };
    let params = VmAddNicParams::builder()
        .where_(VmWhereInput::by_id(VM1))
        .data(VmAddNicParamsData::builder().vm_nics(vec![
            nic(VLAN, false, None),
            nic("cl2k0mrhb02i10822d0q9w5ue", true, Some(true)),
        ]));
    let got = exchange("AddVmNic", None, &served, async |ct| {
        ct.add_vm_nic(params).await
    })
    .await;
    check_with_task_vms("AddVmNic", &served, &got);
}

#[tokio::test]
async fn contract_update_vm_nic() {
    let served = with_task_vms("UpdateVmNic");
    let params = VmUpdateNicParams::builder()
        .where_(VmWhereInput::by_id(VM1))
        .data(
            VmUpdateNicParamsData::builder()
                .nic_index(0)
                .enabled(false)
                .mirror(false)
                .connect_vlan_id(VLAN.to_string()),
        );
    let got = exchange("UpdateVmNic", None, &served, async |ct| {
        ct.update_vm_nic(params).await
    })
    .await;
    check_with_task_vms("UpdateVmNic", &served, &got);
}

#[tokio::test]
async fn contract_remove_vm_nic() {
    let served = with_task_vms("RemoveVmNic");
    let params = VmRemoveNicParams::builder()
        .where_(VmWhereInput::by_id(VM1))
        .data(VmRemoveNicParamsData::builder().nic_index(vec![0, 1]));
    let got = exchange("RemoveVmNic", None, &served, async |ct| {
        ct.remove_vm_nic(params).await
    })
    .await;
    check_with_task_vms("RemoveVmNic", &served, &got);
}

#[tokio::test]
async fn contract_migrate_vm() {
    let served = with_task_vms("MigrateVm");
    let params = VmMigrateParams::builder()
        .where_(VmWhereInput::by_id(VM1))
        .data(built::<VmMigrateParamsData, _>(
            VmMigrateParamsData::builder().host_id("cl2k0mq4i02920822r1m5d5jc"),
        ));
    let got = exchange("MigrateVm", None, &served, async |ct| {
        ct.migrate_vm(params).await
    })
    .await;
    check_with_task_vms("MigrateVm", &served, &got);
}

// ---------------------------------------------------------------- VM power

#[tokio::test]
async fn contract_start_vm() {
    let served = with_task_vms("StartVm");
    let got = exchange("StartVm", None, &served, async |ct| {
        ct.start_vm(VmWhereInput::by_ids([VM1, VM2])).await
    })
    .await;
    check_with_task_vms("StartVm", &served, &got);
    assert_eq!(got.len(), 3);
}

#[tokio::test]
async fn contract_shut_down_vm() {
    let served = with_task_vms("ShutDownVm");
    let got = exchange("ShutDownVm", None, &served, async |ct| {
        ct.shut_down_vm(VmWhereInput::by_id(VM3)).await
    })
    .await;
    check_with_task_vms("ShutDownVm", &served, &got);
}

#[tokio::test]
async fn contract_poweroff_vm() {
    let served = with_task_vms("PoweroffVm");
    let got = exchange("PoweroffVm", None, &served, async |ct| {
        ct.poweroff_vm(VmWhereInput::by_ids([VM3, VM4])).await
    })
    .await;
    check_with_task_vms("PoweroffVm", &served, &got);
}

#[tokio::test]
async fn contract_restart_vm() {
    let served = with_task_vms("RestartVm");
    let got = exchange("RestartVm", None, &served, async |ct| {
        ct.restart_vm(VmWhereInput::by_id(VM3)).await
    })
    .await;
    check_with_task_vms("RestartVm", &served, &got);
}

#[tokio::test]
async fn contract_force_restart_vm() {
    let served = with_task_vms("ForceRestartVm");
    let got = exchange("ForceRestartVm", None, &served, async |ct| {
        ct.force_restart_vm(VmWhereInput::by_id(VM3)).await
    })
    .await;
    check_with_task_vms("ForceRestartVm", &served, &got);
}

#[tokio::test]
async fn contract_suspend_vm() {
    let served = with_task_vms("SuspendVm");
    let got = exchange("SuspendVm", None, &served, async |ct| {
        ct.suspend_vm(VmWhereInput::by_id(VM3)).await
    })
    .await;
    check_with_task_vms("SuspendVm", &served, &got);
}

#[tokio::test]
async fn contract_resume_vm() {
    let served = with_task_vms("ResumeVm");
    let got = exchange("ResumeVm", None, &served, async |ct| {
        ct.resume_vm(VmWhereInput::by_id(VM4)).await
    })
    .await;
    check_with_task_vms("ResumeVm", &served, &got);
}

// ---------------------------------------------------------------- recycle bin and delete

#[tokio::test]
async fn contract_move_vm_to_recycle_bin() {
    let served = with_task_deletes("MoveVmToRecycleBin");
    let got = exchange("MoveVmToRecycleBin", None, &served, async |ct| {
        ct.move_vm_to_recycle_bin(VmWhereInput::by_ids([VM1, VM2]))
            .await
    })
    .await;
    check_with_task_deletes("MoveVmToRecycleBin", &served, &got);
}

#[tokio::test]
async fn contract_recover_vm_from_recycle_bin() {
    let served = with_task_deletes("RecoverVmFromRecycleBin");
    let got = exchange("RecoverVmFromRecycleBin", None, &served, async |ct| {
        ct.recover_vm_from_recycle_bin(VmWhereInput::by_ids([VM1, VM2]))
            .await
    })
    .await;
    check_with_task_deletes("RecoverVmFromRecycleBin", &served, &got);
}

#[tokio::test]
async fn contract_delete_vm() {
    let served = with_task_deletes("DeleteVm");
    let params = VmDeleteParams::builder()
        .where_(VmWhereInput::by_ids([VM1, VM2]))
        .effect(built::<VmDeleteParamsEffect, _>(
            VmDeleteParamsEffect::builder().include_snapshots(true),
        ));
    let got = exchange("DeleteVm", None, &served, async |ct| {
        ct.delete_vm(params).await
    })
    .await;
    check_with_task_deletes("DeleteVm", &served, &got);
}

// ---------------------------------------------------------------- snapshots

#[tokio::test]
async fn contract_create_vm_snapshot() {
    let example = spec().response_example("CreateVmSnapshot");
    let newer = variant(
        &example[0]["data"],
        &[("/consistent_type", "APPLICATION_CONSISTENT")],
    );
    let served = json!([example[0], {"task_id": null, "data": newer}]);
    let body = VmSnapshotCreationParams::builder().data(vec![built(
        VmSnapshotCreationParamsData::builder()
            .vm_id(VM1)
            .name("web-01-before-upgrade")
            .consistent_type(ConsistentType::CrashConsistent),
    )]);
    let got = exchange("CreateVmSnapshot", None, &served, async |ct| {
        ct.create_vm_snapshot(body).await
    })
    .await;
    assert_lossless("CreateVmSnapshot", &served, to_json!(&got));
    assert_eq!(got[0].task_id.as_deref(), Some("cl2k1ytq81igz0822z0qvq2ou"));
    let snapshot = &got[0].data;
    assert_eq!(snapshot.id, "cl2k3bpsk3f7d08221p2dwc5c");
    assert_eq!(
        (
            snapshot.vm_disks.as_ref(),
            snapshot.local_created_at.as_ref()
        ),
        (None, None)
    );
    assert!(snapshot.lun_snapshot_names().is_empty());
    assert_eq!(got[1].task_id, None);
    assert_eq!(
        got[1].data.consistent_type,
        ConsistentType::Other("APPLICATION_CONSISTENT".into())
    );
}

#[tokio::test]
async fn contract_get_vm_snapshots() {
    let mut served = spec().response_example("GetVmSnapshots");
    let nvram = variant(
        &served[0]["vm_disks"][1],
        &[("/type", "NVRAM"), ("/bus", "SATA")],
    );
    served[0]["vm_disks"].as_array_mut().unwrap().push(nvram);
    let got = exchange("GetVmSnapshots", None, &served, async |ct| {
        ct.get_vm_snapshots(VmSnapshotWhereInput::by_id("cl2k3bpsk3f7d08221p2dwc5c"))
            .await
    })
    .await;
    assert_lossless("GetVmSnapshots", &served, to_json!(&got));
    let snapshot = &got[0];
    assert_eq!(snapshot.vm.as_ref().unwrap().id, VM1);
    let disks = snapshot.vm_disks.as_ref().unwrap();
    assert_eq!(
        (disks[0].type_.clone(), disks[1].type_.clone()),
        (VmDiskType::Disk, VmDiskType::CdRom)
    );
    assert_eq!(
        (disks[1].key, disks[1].snapshot_local_id.as_ref()),
        (None, None)
    );
    assert_eq!(disks[2].type_, VmDiskType::Other("NVRAM".into()));
    assert_eq!(disks[2].bus, Bus::Other("SATA".into()));
    // Only the DISK names a LUN snapshot.
    assert_eq!(
        snapshot.lun_snapshot_names(),
        ["3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f"]
    );
}

#[tokio::test]
async fn contract_get_iscsi_lun_snapshots() {
    let example = spec().response_example("GetIscsiLunSnapshots");
    let mut detached = variant(
        &example[0],
        &[
            ("/id", "cl2k3bq0d3f8a0822detached1"),
            ("/entityAsyncStatus", "ROLLING_BACK"),
        ],
    );
    detached["iscsi_lun"] = Value::Null;
    let served = json!([example[0], detached]);
    let names = vec!["3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f".to_string()];
    let got = exchange("GetIscsiLunSnapshots", None, &served, async |ct| {
        ct.get_iscsi_lun_snapshots(IscsiLunSnapshotWhereInput::by_names(names))
            .await
    })
    .await;
    assert_lossless("GetIscsiLunSnapshots", &served, to_json!(&got));
    assert_eq!(got[0].iscsi_lun.as_ref().unwrap().name, "web-01-disk-0");
    assert_eq!(got[0].unique_size, 0);
    assert_eq!(got[1].iscsi_lun, None);
    assert_eq!(
        got[1].entity_async_status,
        Some(EntityAsyncStatus::Other("ROLLING_BACK".into()))
    );
}
