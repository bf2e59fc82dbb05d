//! A VM's devices: its disks, CD-ROMs and NICs as created, added and
//! removed, the disk and volume records listed with it, and the frozen
//! disks of its snapshots, and which VM each GPU device is passed through
//! to.

use serde_json::{Map, Value, json};

use super::*;

impl CloudTowerService {
    /// A new VM's disks and NICs from its creation input: `vm_disks` and
    /// `vm_nics` hold ids (as CloudTower answers them); each disk's type,
    /// bus, name and size are kept aside (`__disks`) for the snapshots of
    /// the VM, whose frozen disks show them.
    pub(super) fn attach_devices(&mut self, vm: &mut Value, input: &Value) {
        let source = input.get("vm_disks").cloned().unwrap_or(Value::Null);
        let disks = self.new_disks(&source, 0);
        self.set_devices(vm, disks);
        let nics = input
            .get("vm_nics")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        if self.spec.has_property("Vm", "vm_nics") {
            vm["vm_nics"] = (0..nics)
                .map(|_| json!({"id": self.store.new_id()}))
                .collect();
        }
    }

    /// New disks from a `VmDiskParams`-shaped value (`mount_cd_roms`,
    /// `mount_disks`, `mount_new_create_disks`), indexed from `first`.
    pub(super) fn new_disks(&mut self, source: &Value, first: usize) -> Vec<Value> {
        let mut disks = Vec::new();
        let groups = [
            ("CD_ROM", "mount_cd_roms"),
            ("DISK", "mount_disks"),
            ("DISK", "mount_new_create_disks"),
        ];
        for (kind, group) in groups {
            let items = source.get(group).and_then(Value::as_array);
            for item in items.into_iter().flatten() {
                let volume = item.get("vm_volume").cloned().unwrap_or(Value::Null);
                let size = volume
                    .get("size")
                    .and_then(|n| in_bytes(n, volume.get("size_unit").and_then(Value::as_str)))
                    .unwrap_or_else(|| 0.into());
                let default_bus = if kind == "CD_ROM" { "IDE" } else { "VIRTIO" };
                let index = first + disks.len();
                disks.push(json!({
                    "id": self.store.new_id(), "type": kind,
                    "bus": item.get("bus").cloned().unwrap_or_else(|| default_bus.into()),
                    "boot": item.get("boot").cloned().unwrap_or_else(|| 0.into()),
                    "index": item.get("index").cloned().unwrap_or_else(|| index.into()),
                    "name": volume.get("name").cloned().unwrap_or(Value::Null), "size": size,
                }));
            }
        }
        disks
    }

    /// A VM's disks as the fake keeps them (`__disks`), or, for a VM seeded
    /// with `vm_disks` ids only, those ids as disks.
    pub(super) fn disks_of(vm: &Value) -> Vec<Value> {
        match vm.get("__disks").and_then(Value::as_array) {
            Some(disks) => disks.clone(),
            None => vm
                .get("vm_disks")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|d| json!({"id": d["id"], "type": "DISK"}))
                .collect(),
        }
    }

    /// What adding or removing disks, CD-ROMs or NICs does to a VM, or
    /// `None` for any other operation.
    /// `add-labels-to-resources` for one label: every VM matched by
    /// `data.vms` gains it in `labels` (other resource kinds change
    /// nothing here).
    pub(super) fn label_plan(
        &self,
        label: &Value,
        body: &Value,
        lang: Lang,
    ) -> Result<Plan, Failure> {
        let mut plan = Plan::new("UPDATING");
        let Some(filter) = body.pointer("/data/vms") else {
            return Ok(plan);
        };
        let nested = self.spec.project(label, "Label", "NestedLabel");
        for vm in self.matching("Vm", Some("VmWhereInput"), filter, lang)? {
            let mut labels: Vec<Value> = vm
                .get("labels")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if !labels.iter().any(|l| l["id"] == label["id"]) {
                labels.push(nested.clone());
            }
            let mut change = Map::new();
            change.insert("labels".into(), Value::Array(labels));
            plan = plan.merge("Vm", text(&vm, "id"), change);
        }
        Ok(plan)
    }

    pub(super) fn device_plan(
        &mut self,
        operation: &str,
        vm: &Value,
        body: &Value,
    ) -> Option<Plan> {
        let data = body.get("data").cloned().unwrap_or(Value::Null);
        let id = text(vm, "id").to_string();
        let mut disks = Self::disks_of(vm);
        let mut plan = Plan::new("UPDATING");
        match operation {
            "AddVmDisk" | "AddVmCdRom" => {
                let source = match operation {
                    "AddVmDisk" => data.get("vm_disks").cloned().unwrap_or(Value::Null),
                    _ => {
                        json!({"mount_cd_roms": data.get("vm_cd_roms").cloned().unwrap_or(Value::Null)})
                    }
                };
                let added = self.new_disks(&source, disks.len());
                let owner = json!({"id": vm["id"], "name": vm["name"], "cluster": vm["cluster"], "__disks": added});
                plan.effects.extend(self.device_records(&owner));
                disks.extend(added);
            }
            "RemoveVmDisk" | "RemoveVmCdRom" => {
                let key = if operation == "RemoveVmDisk" {
                    "disk_ids"
                } else {
                    "cd_rom_ids"
                };
                let gone: Vec<Value> = data
                    .get(key)
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                disks.retain(|d| !gone.contains(&d["id"]));
                for disk in gone.iter().filter_map(Value::as_str) {
                    plan.effects.push(Effect::Remove {
                        collection: "VmDisk".into(),
                        id: disk.into(),
                    });
                }
            }
            "AddVmNic" | "RemoveVmNic" => {
                let mut nics = vm
                    .get("vm_nics")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                if operation == "AddVmNic" {
                    let n = data
                        .get("vm_nics")
                        .and_then(Value::as_array)
                        .map_or(0, Vec::len);
                    nics.extend((0..n).map(|_| json!({"id": self.store.new_id()})));
                } else {
                    let gone: Vec<u64> = data
                        .get("nic_index")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_u64)
                        .collect();
                    nics = nics
                        .into_iter()
                        .enumerate()
                        .filter(|(i, _)| !gone.contains(&(*i as u64)))
                        .map(|(_, n)| n)
                        .collect();
                }
                let mut change = Map::new();
                change.insert("vm_nics".into(), nics.into());
                return Some(plan.merge("Vm", &id, change));
            }
            // GPU passthrough: `gpu_devices` gains or loses the devices
            // `data` names (by `gpu_id`), each the `NestedGpuDevice` of
            // its record when there is one.
            "AddVmGpuDevice" | "RemoveVmGpuDevice" => {
                let mut gpus: Vec<Value> = vm
                    .get("gpu_devices")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                let named = data.as_array().into_iter().flatten();
                for gpu in named.filter_map(|d| d.get("gpu_id").and_then(Value::as_str)) {
                    let present = gpus.iter().any(|g| g["id"] == gpu);
                    if operation == "AddVmGpuDevice" && !present {
                        gpus.push(self.nested("GpuDevice", gpu, "NestedGpuDevice"));
                    } else if operation == "RemoveVmGpuDevice" {
                        gpus.retain(|g| g["id"] != gpu);
                    }
                }
                let mut change = Map::new();
                change.insert("gpu_devices".into(), Value::Array(gpus));
                return Some(plan.merge("Vm", &id, change));
            }
            _ => return None,
        }
        let mut after = json!({});
        self.set_devices(&mut after, disks);
        let change = after.as_object().cloned().unwrap_or_default();
        Some(plan.merge("Vm", &id, change))
    }

    /// Sets each GPU device's `vms` to the VMs whose `gpu_devices` hold
    /// it, as CloudTower reports the assignment: run before GPU devices
    /// are read, so that attaching, detaching and deleting VMs show there.
    pub(super) fn sync_gpu_assignment(&mut self) {
        if !self.spec.has_property("GpuDevice", "vms") {
            return;
        }
        let mut owners: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for vm in self.store.all("Vm") {
            let gpus = vm.get("gpu_devices").and_then(Value::as_array);
            for gpu in gpus.into_iter().flatten() {
                owners
                    .entry(text(gpu, "id").to_string())
                    .or_default()
                    .push(json!({"id": vm["id"], "name": vm["name"]}));
            }
        }
        let ids: Vec<String> = self
            .store
            .all("GpuDevice")
            .iter()
            .map(|g| text(g, "id").to_string())
            .collect();
        for id in ids {
            let vms = owners.remove(&id).unwrap_or_default();
            if let Some(gpu) = self.store.get_mut("GpuDevice", &id) {
                gpu["vms"] = Value::Array(vms);
            }
        }
    }

    pub(super) fn set_devices(&self, vm: &mut Value, disks: Vec<Value>) {
        if self.spec.has_property("Vm", "vm_disks") {
            vm["vm_disks"] = disks.iter().map(|d| json!({"id": d["id"]})).collect();
            vm["__disks"] = disks.into();
        }
    }

    /// The `VmDisk` (and, for disks, `VmVolume`) records of a VM's disks,
    /// when the spec has those collections: what `get-vm-disks` and
    /// `get-vm-volumes` list, added with the VM.
    pub(super) fn device_records(&mut self, vm: &Value) -> Vec<Effect> {
        let mut effects = Vec::new();
        if self.spec.schema("VmDisk").is_none() {
            return effects;
        }
        let owner = json!({"id": vm["id"], "name": vm["name"]});
        let disks = vm
            .get("__disks")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for disk in disks {
            // A VM inserted again (replaced) keeps the disks it has.
            if text(&disk, "id").is_empty() || self.store.get("VmDisk", text(&disk, "id")).is_some()
            {
                continue;
            }
            let mut record = self.blank("VmDisk");
            for key in ["id", "type", "bus", "boot"] {
                record[key] = disk[key].clone();
            }
            record["vm"] = owner.clone();
            if disk["type"] == "DISK" && self.spec.schema("VmVolume").is_some() {
                let mut volume = self.blank("VmVolume");
                volume["name"] = disk.get("name").cloned().unwrap_or_else(|| "".into());
                if let Some(size) = disk.get("size").filter(|s| s.is_number()) {
                    volume["size"] = size.clone();
                }
                if self.spec.has_property("VmVolume", "cluster") && vm["cluster"].is_object() {
                    volume["cluster"] = vm["cluster"].clone();
                }
                self.complete("VmVolume", &mut volume);
                let nested = self
                    .spec
                    .property("VmDisk", "vm_volume")
                    .and_then(ref_name)
                    .unwrap_or("NestedVmVolume")
                    .to_string();
                record["vm_volume"] = self.spec.project(&volume, "VmVolume", &nested);
                effects.push(Effect::Insert {
                    collection: "VmVolume".into(),
                    record: volume,
                });
            }
            self.complete("VmDisk", &mut record);
            effects.push(Effect::Insert {
                collection: "VmDisk".into(),
                record,
            });
        }
        effects
    }

    /// A VM snapshot's frozen disks, from its VM's disks, and the iSCSI
    /// LUN snapshot holding each disk's data (named by the frozen disk's
    /// `snapshot_local_id`, as CloudTower links them), to add with it.
    pub(super) fn freeze_disks(&mut self, snapshot: &mut Value) -> Vec<Effect> {
        let vm = snapshot
            .pointer("/vm/id")
            .and_then(Value::as_str)
            .and_then(|id| self.store.get("Vm", id))
            .cloned()
            .unwrap_or(Value::Null);
        let disks = Self::disks_of(&vm);
        if disks.is_empty() || !self.spec.has_property("VmSnapshot", "vm_disks") {
            return Vec::new();
        }
        let mut frozen = Vec::new();
        let mut effects = Vec::new();
        for (i, disk) in disks.iter().enumerate() {
            let is_disk = disk["type"] == "DISK";
            let lun = is_disk.then(|| self.store.new_local_id());
            let mut f = self.spec.synth_named("NestedFrozenDisks");
            for (key, value) in [
                ("type", disk["type"].clone()),
                (
                    "bus",
                    disk.get("bus").cloned().unwrap_or_else(|| "VIRTIO".into()),
                ),
                (
                    "boot",
                    disk.get("boot").cloned().unwrap_or_else(|| i.into()),
                ),
                (
                    "index",
                    disk.get("index").cloned().unwrap_or_else(|| i.into()),
                ),
                (
                    "disk_name",
                    disk.get("name").cloned().unwrap_or(Value::Null),
                ),
                (
                    "size",
                    disk.get("size").cloned().unwrap_or_else(|| 0.into()),
                ),
                (
                    "snapshot_local_id",
                    lun.clone().map_or(Value::Null, Value::from),
                ),
            ] {
                f[key] = value;
            }
            if !is_disk {
                f["path"] = "".into();
            }
            frozen.push(f);
            if let Some(lun) = lun
                && self.spec.schema("IscsiLunSnapshot").is_some()
            {
                let mut record = self.blank("IscsiLunSnapshot");
                record["name"] = lun.clone().into();
                record["local_id"] = lun.into();
                let name = disk.get("name").and_then(Value::as_str).unwrap_or("");
                record["iscsi_lun"] = json!({"id": disk["id"], "name": name});
                self.complete("IscsiLunSnapshot", &mut record);
                effects.push(Effect::Insert {
                    collection: "IscsiLunSnapshot".into(),
                    record,
                });
            }
        }
        snapshot["vm_disks"] = frozen.into();
        effects
    }
}
