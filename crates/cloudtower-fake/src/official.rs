//! Fields the official CloudTower 4.6.0 document marks required on records
//! the fake serves, but the curated spec (and so the generated client)
//! does not describe. The real service sends them, so the fake's records
//! carry them too, with plausible values of the documented types: a
//! client other than ours (the official SDK validates required fields)
//! must find them.

use serde_json::{Map, Value, json};

/// The CPU models (QEMU names) the example hosts, Xeon Gold 6230 (Cascade
/// Lake), can present to VMs.
const CPU_MODELS: [&str; 4] = [
    "Cascadelake-Server",
    "Skylake-Server",
    "Broadwell",
    "Haswell",
];

/// The fields `schema`'s records lack, given the record so far (a disk's
/// partition spans the disk).
pub(crate) fn extras(schema: &str, record: &Map<String, Value>) -> Map<String, Value> {
    let extra = match schema {
        // A task's arguments, its state when it started, and its progress
        // steps (none for the fake's one-step tasks).
        "Task" => json!({"args": {}, "snapshot": "{}", "steps": []}),
        "Cluster" => json!({
            "dns": ["192.168.13.1"],
            "ntp_servers": ["192.168.13.1"],
            "recommended_cpu_models": [CPU_MODELS[0]],
            "total_cpu_models": CPU_MODELS,
        }),
        "Host" => json!({
            "chunk_id": "1",
            "compatible_cpu_models": CPU_MODELS,
            "cpu_brand": "Intel",
            "cpu_fan_speed": [38.0, 40.0],
            "cpu_temperature_celsius": [51, 53],
            "lsm_cap_disk_safe_umount": true,
            "nic_count": 4,
            "pmem_dimm_capacity": 0,
            "pmem_dimm_count": 0,
            "pmem_disk_count": 0,
        }),
        // A data disk is one partition, which the storage uses.
        "Disk" => {
            let size = record.get("size").and_then(Value::as_i64).unwrap_or(0);
            let path = record
                .get("path")
                .and_then(Value::as_str)
                .unwrap_or("/dev/sdc");
            let name = path.rsplit('/').next().unwrap_or("sdc");
            json!({"partitions": [{
                "name": format!("{name}1"), "path": format!("{path}1"),
                "size": size, "usage": "PARTITION", "used_size": size / 5,
            }]})
        }
        _ => return Map::new(),
    };
    match extra {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}
