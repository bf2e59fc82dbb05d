//! Typed values in the shapes v0 returns, built from the spec's examples.
//!
//! ```
//! use tensordock_fake::v0::fixtures;
//! let vm = fixtures::vm("trainer", "Running");
//! assert_eq!(vm.name.as_deref(), Some("trainer"));
//! let hostnode = fixtures::hostnode("geforcertx4090-pcie-24gb", 4, 0.35);
//! assert_eq!(hostnode.specs.gpu["geforcertx4090-pcie-24gb"].amount, Some(4));
//! ```

use serde_json::{Value, json};

use tensordock_api::v0::types;

/// A VM named `name` with `status`: one RTX 4090, 8 vCPUs, 32 GB RAM,
/// 100 GB storage, SSH forwarded from port 20000.
pub fn vm(name: &str, status: &str) -> types::VirtualMachine {
    typed(vm_json(name, status))
}

/// A hostnode with `gpus` GPUs of `gpu_model` at `gpu_price` USD per
/// GPU-hour.
pub fn hostnode(gpu_model: &str, gpus: i64, gpu_price: f64) -> types::Hostnode {
    typed(hostnode_json(gpu_model, gpus, gpu_price))
}

/// The fixtures are the spec's examples with a few values replaced,
/// so they always read as the generated types (the fake's tests check
/// it).
fn typed<T: serde::de::DeserializeOwned>(value: Value) -> T {
    match serde_json::from_value(value) {
        Ok(typed) => typed,
        Err(e) => unreachable!("a fixture no longer matches the spec: {e}"),
    }
}

pub(super) fn vm_json(name: &str, status: &str) -> Value {
    json!({
        "name": name, "status": status, "type": "on-demand", "cost": 0.408,
        "hostnode": super::HOSTNODE, "location": "8dd95ff0-dff9-489c-9b02-b38a366b6ab1",
        "hostname": "203.0.113.7", "ip_address": "203.0.113.7",
        "operating_system": "Ubuntu 22.04 LTS",
        "port_forwards": {"20000": 22},
        "specs": {"gpu": {"amount": 1, "type": super::GPU_MODEL}, "vcpus": 8, "ram": 32, "storage": 100},
        "timestamp_creation": "Sat, 10 Dec 2022 21:38:19 GMT",
        "compute_price": 0.403, "storage_price": 0.005, "total_price": 0.408
    })
}

pub(super) fn hostnode_json(gpu_model: &str, gpus: i64, gpu_price: f64) -> Value {
    json!({
        "location": {"id": "8dd95ff0-dff9-489c-9b02-b38a366b6ab1", "city": "Chubbuck",
                     "region": "Idaho", "country": "United States", "dc": null},
        "networking": {"ports": (20000..20010).collect::<Vec<i64>>(), "receive": 1000, "send": 1000},
        "specs": {
            "cpu": {"amount": 32, "price": 0.003, "type": "AMD EPYC 7513"},
            "gpu": {gpu_model: gpu_json(gpu_model, gpus, gpu_price, 24)},
            "ram": {"amount": 128, "price": 0.002},
            "storage": {"amount": 2000, "price": 0.00005}
        },
        "status": {"listed": true, "online": true, "reserved": false, "uptime": 0.9999,
                   "report": "https://monitor.m.tensordock.com/report/uptime/12c94b1b3c8471877d59005b08eb693e/"}
    })
}

/// One GPU model of a hostnode's `specs.gpu`: `gpus` of `gpu_model` with
/// `vram` GB each, at `gpu_price` USD per GPU-hour.
pub(super) fn gpu_json(gpu_model: &str, gpus: i64, gpu_price: f64, vram: i64) -> Value {
    json!({"amount": gpus, "price": gpu_price, "vram": vram, "pcie": true,
           "gtx": gpu_model.contains("gtx"), "rtx": gpu_model.contains("rtx")})
}
